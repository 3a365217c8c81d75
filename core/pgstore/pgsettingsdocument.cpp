#include "pgsettingsdocument.h"

#include "pgshareddocument.h"

PgSettingsDocument::PgSettingsDocument(
    const QString &url, const QString &storeLocation, const QString &name, QObject *parent)
    : SettingsDocument(parent)
    , m_document(new PgSharedDocument(url, name, this))
    , m_location(storeLocation + u'#' + name)
{
    connect(m_document, &PgSharedDocument::changedElsewhere, this,
        [this](const QByteArray &body, qint64) { Q_EMIT changedElsewhere(body); });
}

PgSettingsDocument::~PgSettingsDocument() = default;

bool PgSettingsDocument::open(QString *error)
{
    if (!m_document->open()) {
        *error = QStringLiteral("%1: %2").arg(m_location, m_document->errorString());
        return false;
    }
    return true;
}

bool PgSettingsDocument::seed(const QByteArray &body, bool *written, QString *error)
{
    switch (m_document->write(body, 0)) {
    case PgSharedDocument::WriteResult::Written:
        *written = true;
        return true;
    case PgSharedDocument::WriteResult::Conflict:
        *written = false;
        return true;
    case PgSharedDocument::WriteResult::Failed:
        break;
    }
    *error = QStringLiteral("%1: %2").arg(m_location, m_document->errorString());
    return false;
}

QString PgSettingsDocument::location() const
{
    return m_location;
}

std::optional<SettingsDocument::Contents> PgSettingsDocument::read(QString *error)
{
    const std::optional<PgSharedDocument::Revision> stored = m_document->read();
    if (!stored) {
        *error = QStringLiteral("%1: %2").arg(m_location, m_document->errorString());
        return std::nullopt;
    }
    return Contents { stored->revision > 0, stored->body };
}

bool PgSettingsDocument::save(const QByteArray &body, QString *error)
{
    if (!m_document->replace(body)) {
        *error = QStringLiteral("%1: %2").arg(m_location, m_document->errorString());
        return false;
    }
    return true;
}
