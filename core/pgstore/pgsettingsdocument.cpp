#include "pgsettingsdocument.h"

#include "pgshareddocument.h"

#include <QThread>

PgSettingsDocument::PgSettingsDocument(
    const QString &url, const QString &storeLocation, const QString &name, QObject *parent)
    : SettingsDocument(parent)
    , m_thread(new QThread(this))
    , m_document(new PgSharedDocument(url, name))
    , m_location(storeLocation + u'#' + name)
{
    m_thread->setObjectName(QStringLiteral("letterbox-settings-") + name);
    m_document->moveToThread(m_thread);
    // Emitted on the document's thread, applied there (the appliers are thread-safe).
    connect(
        m_document, &PgSharedDocument::changedElsewhere, this,
        [this](const QByteArray &body, qint64 revision) { received(body, revision); }, Qt::DirectConnection);
    m_thread->start();
}

PgSettingsDocument::~PgSettingsDocument()
{
    // Its listener and timers are the thread's: deleted there, before the thread ends.
    QMetaObject::invokeMethod(
        m_document, [document = m_document] { delete document; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
}

bool PgSettingsDocument::open(QString *error)
{
    bool opened = false;
    QMetaObject::invokeMethod(
        m_document, [this, &opened] { opened = m_document->open(); }, Qt::BlockingQueuedConnection);
    if (!opened) {
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
    return Contents { stored->revision > 0, stored->body, stored->revision };
}

bool PgSettingsDocument::write(const QByteArray &body, qint64 *revision, QString *error)
{
    if (!m_document->replace(body, revision)) {
        *error = QStringLiteral("%1: %2").arg(m_location, m_document->errorString());
        return false;
    }
    return true;
}
