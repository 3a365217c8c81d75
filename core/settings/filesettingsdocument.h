#pragma once

#include "settingsdocument.h"

// A settings document kept in a file: read whole, and saved atomically through a temporary file renamed over it
// (QSaveFile), readable and writable by its owner only (the rules and routes may name users and addresses). Nobody
// else is watched for: changedElsewhere() is never emitted (a file edited by hand is read at the next start).
class FileSettingsDocument : public SettingsDocument
{
    Q_OBJECT
public:
    explicit FileSettingsDocument(const QString &path, QObject *parent = nullptr);
    ~FileSettingsDocument() override;

    QString path() const { return m_path; }

    QString location() const override;
    std::optional<Contents> read(QString *error) override;
    // Makes the file's directory when missing.
    bool save(const QByteArray &body, QString *error) override;

private:
    const QString m_path;
};
