#include "mailboxsettings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

MailboxSettings::MailboxSettings(const QString &filePath, QObject *parent)
    : QObject(parent), m_filePath(filePath), m_router(std::make_shared<const MailboxRouter>())
{
}

MailboxSettings::~MailboxSettings() = default;

QString MailboxSettings::defaultFileName()
{
    return QStringLiteral("mailboxes.json");
}

QString MailboxSettings::filePath() const
{
    return m_filePath;
}

bool MailboxSettings::load(bool mustExist, QString *error)
{
    if (m_filePath.isEmpty()) {
        return true;
    }
    QFile file(m_filePath);
    if (!file.exists() && !mustExist) {
        apply(MailboxConfig());
        return true;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    QString problem;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(file.readAll(), &problem);
    if (!config) {
        *error = QStringLiteral("%1:%2").arg(m_filePath, problem);
        return false;
    }
    apply(*config);
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
    if (!m_filePath.isEmpty()) {
        QDir().mkpath(QFileInfo(m_filePath).absolutePath());
        QSaveFile out(m_filePath);
        // The temporary file gets its permissions before anything is written to it; the rename keeps them.
        const bool saved = out.open(QIODevice::WriteOnly)
            && out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) && out.write(config.toJson()) >= 0
            && out.commit();
        if (!saved) {
            *error = QStringLiteral("%1: %2").arg(m_filePath, out.errorString());
            return false;
        }
    }
    apply(config);
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
