#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <optional>

// Where a settings document is kept: the rules (README "Testing failure handling") or the mailboxes' routes (README
// "Mailboxes"), as the JSON text their parsers read (RuleSet::fromJson(), MailboxConfig::fromJson()). A file by
// default (FileSettingsDocument: --rules FILE, else rules.json in the data directory; the same for --mailboxes); with
// a PostgreSQL store, a document in the database that every instance on it shares (PgSettingsDocument), so that a
// change saved through one instance applies in all of them.
//
// read() and save() may be called from any thread (the API's, a worker of the desktop app's); changedElsewhere() is
// emitted on the thread the object lives on.
class SettingsDocument : public QObject
{
    Q_OBJECT
public:
    struct Contents
    {
        bool exists = false; // false: nothing kept yet (no file, no row), and body is empty
        QByteArray body;
    };

    explicit SettingsDocument(QObject *parent = nullptr);
    ~SettingsDocument() override;

    // Where the document is kept, for messages ("Saved to …", "LOCATION:LINE: field: problem"): a file's path, or
    // the store's URL without its password and the document's name after '#'.
    virtual QString location() const = 0;
    // The document as kept now; nullopt and *error ("LOCATION: why") when it cannot be read.
    virtual std::optional<Contents> read(QString *error) = 0;
    // Replaces the document whole and atomically (a crash or a lost connection leaves the old text or the new one,
    // never a mix). False and *error ("LOCATION: why") when it cannot be written: nothing changed then.
    virtual bool save(const QByteArray &body, QString *error) = 0;

Q_SIGNALS:
    // Someone else saved the document (another instance on the same database, or an administrator): body is the
    // text now kept. Never emitted for this object's own save().
    void changedElsewhere(const QByteArray &body);
};
