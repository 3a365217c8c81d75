#include "mailboxsettings.h"

#include <settings/filesettingsdocument.h>

MailboxSettings::MailboxSettings(const QString &filePath, QObject *parent)
    : QObject(parent), m_router(std::make_shared<const MailboxRouter>())
{
    if (!filePath.isEmpty()) {
        m_document = new FileSettingsDocument(filePath, this);
        m_document->setApplier(
            [this](const QByteArray &body, QString *problem) { return applyJson(body, problem); }, 0);
    }
}

MailboxSettings::MailboxSettings(SettingsDocument *document, QObject *parent)
    : QObject(parent), m_document(document), m_router(std::make_shared<const MailboxRouter>())
{
    if (m_document) {
        m_document->setApplier(
            [this](const QByteArray &body, QString *problem) { return applyJson(body, problem); }, 0);
    }
}

MailboxSettings::~MailboxSettings() = default;

QString MailboxSettings::defaultFileName()
{
    return QStringLiteral("mailboxes.json");
}

QString MailboxSettings::filePath() const
{
    return m_document ? m_document->location() : QString();
}

bool MailboxSettings::load(bool mustExist, QString *error)
{
    if (!m_document) {
        return true;
    }
    const std::optional<SettingsDocument::Contents> contents = m_document->read(error);
    if (!contents) {
        return false;
    }
    if (!contents->exists) {
        if (mustExist) {
            *error = QStringLiteral("%1: No such file or directory").arg(m_document->location());
            return false;
        }
        apply(MailboxConfig());
        return true;
    }
    QString problem;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(contents->body, &problem);
    if (!config) {
        *error = QStringLiteral("%1:%2").arg(m_document->location(), problem);
        return false;
    }
    apply(*config);
    // Changes saved from now on apply in the document's revision order, from this revision up.
    m_document->setApplier(
        [this](const QByteArray &body, QString *problem) { return applyJson(body, problem); }, contents->revision);
    return true;
}

void MailboxSettings::setPerUserForced(bool forced)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_perUserForced == forced) {
            return;
        }
        m_perUserForced = forced;
        MailboxConfig effective = m_fileConfig;
        effective.perUser = effective.perUser || forced;
        m_router = std::make_shared<const MailboxRouter>(effective);
    }
    Q_EMIT changed();
}

bool MailboxSettings::isPerUserForced() const
{
    QMutexLocker lock(&m_mutex);
    return m_perUserForced;
}

MailboxConfig MailboxSettings::config() const
{
    QMutexLocker lock(&m_mutex);
    return m_router->config();
}

MailboxConfig MailboxSettings::savedConfig() const
{
    QMutexLocker lock(&m_mutex);
    return m_fileConfig;
}

std::shared_ptr<const MailboxRouter> MailboxSettings::router() const
{
    QMutexLocker lock(&m_mutex);
    return m_router;
}

bool MailboxSettings::replace(const MailboxConfig &config, QString *error)
{
    const QString problem = config.validate();
    if (!problem.isEmpty()) {
        *error = problem;
        return false;
    }
    if (!m_document) {
        apply(config);
        return true;
    }
    // Applied by the document once written (applyJson()), unless another revision newer than this one was meanwhile.
    return m_document->save(config.toJson(), error);
}

bool MailboxSettings::applyJson(const QByteArray &body, QString *problem)
{
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(body, problem);
    if (!config) {
        return false;
    }
    apply(*config);
    return true;
}

void MailboxSettings::apply(const MailboxConfig &config)
{
    {
        QMutexLocker lock(&m_mutex);
        m_fileConfig = config;
        MailboxConfig effective = config;
        effective.perUser = effective.perUser || m_perUserForced;
        m_router = std::make_shared<const MailboxRouter>(effective);
    }
    Q_EMIT changed();
}
