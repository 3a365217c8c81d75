#pragma once

#include "settingsdocument.h"

#include <QMutex>

// A settings document kept in a file: read whole, and saved atomically through a temporary file renamed over it
// (QSaveFile), readable and writable by its owner only (the rules and routes may name users and addresses). Its
// revisions count this object's writes (the file as read at start is revision 1). Nobody else is watched for:
// changedElsewhere() is never emitted (a file edited by hand is read at the next start).
class FileSettingsDocument : public SettingsDocument
{
    Q_OBJECT
public:
    explicit FileSettingsDocument(const QString &path, QObject *parent = nullptr);
    ~FileSettingsDocument() override;

    QString path() const { return m_path; }

    QString location() const override;
    std::optional<Contents> read(QString *error) override;

protected:
    // Makes the file's directory when missing.
    bool write(const QByteArray &body, qint64 *revision, QString *error) override;

private:
    const QString m_path;
    QMutex m_writeMutex; // writes, and the revision they make, one at a time (the last renamed is the newest)
    qint64 m_revision = 1;
};
