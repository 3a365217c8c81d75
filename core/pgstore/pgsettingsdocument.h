#pragma once

#include <settings/settingsdocument.h>

class PgSharedDocument;
class QThread;

// A settings document (the rules, the mailboxes' routes) kept in a PostgreSQL store's documents table, shared by every
// instance on the database (CONTRACT "Team store": rules and mailboxes are kept in the database): a PgSharedDocument
// behind the SettingsDocument interface that the API, the rules window and MailboxSettings save through. A save
// replaces the document whole (last writer wins, as PUT /api/v1/rules does on one instance) and its revision is the
// database's; another instance's save arrives within a notification's time and is applied on this object's own
// thread, where the PgSharedDocument listens: no thread with a window waits on the database for it.
class PgSettingsDocument : public SettingsDocument
{
    Q_OBJECT
public:
    // url: the store's connection string; storeLocation: the store named without its password
    // (PgMessageStore::location()); name: the document's ("rules", "mailboxes").
    PgSettingsDocument(
        const QString &url, const QString &storeLocation, const QString &name, QObject *parent = nullptr);
    ~PgSettingsDocument() override;

    // Connects and starts listening (on the object's own thread). False and *error ("LOCATION: why") when the
    // database cannot be reached.
    bool open(QString *error);
    // Writes body as the document's first revision when the database holds none yet (the first instance to start
    // brings its file). True when written (*written true) or when another instance wrote one first (*written false;
    // read() gives theirs); false and *error on failure.
    bool seed(const QByteArray &body, bool *written, QString *error);

    // STORE#NAME, e.g. postgresql://letterbox@db.example:5432/letterbox#rules.
    QString location() const override;
    std::optional<Contents> read(QString *error) override;

protected:
    bool write(const QByteArray &body, qint64 *revision, QString *error) override;

private:
    QThread *m_thread;
    PgSharedDocument *m_document; // lives on m_thread
    const QString m_location;
};
