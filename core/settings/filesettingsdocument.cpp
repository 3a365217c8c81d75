#include "filesettingsdocument.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

FileSettingsDocument::FileSettingsDocument(const QString &path, QObject *parent)
    : SettingsDocument(parent), m_path(path)
{
}

FileSettingsDocument::~FileSettingsDocument() = default;

QString FileSettingsDocument::location() const
{
    return m_path;
}

std::optional<SettingsDocument::Contents> FileSettingsDocument::read(QString *error)
{
    QFile file(m_path);
    if (!file.exists()) {
        return Contents {};
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(m_path, file.errorString());
        return std::nullopt;
    }
    return Contents { true, file.readAll(), 1 };
}

bool FileSettingsDocument::write(const QByteArray &body, qint64 *revision, QString *error)
{
    QMutexLocker lock(&m_writeMutex);
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile out(m_path);
    // The temporary file gets its permissions before anything is written to it; the rename keeps them.
    const bool saved = out.open(QIODevice::WriteOnly)
        && out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) && out.write(body) >= 0 && out.commit();
    if (!saved) {
        *error = QStringLiteral("%1: %2").arg(m_path, out.errorString());
        return false;
    }
    *revision = ++m_revision;
    return true;
}
