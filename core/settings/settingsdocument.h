#pragma once

#include <QByteArray>
#include <QMutex>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

// Where a settings document is kept: the rules (README "Testing failure handling") or the mailboxes' routes (README
// "Mailboxes"), as the JSON text their parsers read (RuleSet::fromJson(), MailboxConfig::fromJson()). A file by
// default (FileSettingsDocument: --rules FILE, else rules.json in the data directory; the same for --mailboxes); with
// a PostgreSQL store, a document in the database that every instance on it shares (PgSettingsDocument), so that a
// change saved through one instance applies in all of them.
//
// Every version of the document has a revision, rising with each write (the database's, or a count of this
// object's own writes to a file), and the document applies its text to whoever uses it (setApplier(): the rules
// engine, the mailboxes' settings) in revision order: after its own save() and when another instance's change
// arrives, each only if it is newer than the one applied last. So the API, the Rules window and another instance
// saving at the same moment end with every instance running the text the store holds last, never an older one
// applied after a newer.
//
// read() and save() may be called from any thread (the API's, a worker of the desktop app's); the applier runs on
// the thread that saved, or the one a change arrived on, one at a time.
class SettingsDocument : public QObject
{
    Q_OBJECT
public:
    struct Contents
    {
        bool exists = false; // false: nothing kept yet (no file, no row), and body is empty
        QByteArray body;
        qint64 revision = 0;
    };
    // Parses body and puts it in force; false with *problem ("LINE: field: problem") when it is not valid.
    using Applier = std::function<bool(const QByteArray &body, QString *problem)>;

    explicit SettingsDocument(QObject *parent = nullptr);
    ~SettingsDocument() override;

    // Where the document is kept, for messages ("Saved to …", "LOCATION:LINE: field: problem"): a file's path, or
    // the store's URL without its password and the document's name after '#'.
    virtual QString location() const = 0;
    // The document as kept now; nullopt and *error ("LOCATION: why") when it cannot be read.
    virtual std::optional<Contents> read(QString *error) = 0;

    // Who puts the document's text in force, and the revision already in force (what the caller applied from
    // read() at start).
    void setApplier(Applier applier, qint64 appliedRevision);
    // Replaces the document whole and atomically (a crash or a lost connection leaves the old text or the new one,
    // never a mix), then applies body unless a newer revision was applied meanwhile, or stillWanted (when given)
    // says the saver has put a newer text in force itself since (an editor that applies each edit at once and
    // saves them in turn: an older edit saved late must not undo a newer one). False and *error ("LOCATION: why")
    // when it cannot be written: nothing changed then. The caller has checked body.
    bool save(const QByteArray &body, QString *error, const std::function<bool()> &stillWanted = {});
    // Runs edit (an editor putting its own change in force at once, before saving it) in turn with the document's
    // applying, so that an older save's stillWanted() and its applying cannot fall on either side of it.
    void applyEdit(const std::function<void()> &edit);

Q_SIGNALS:
    // Someone else saved the document (another instance on the same database, or an administrator) and body, the
    // text now kept, was applied. Never emitted for this object's own save().
    void changedElsewhere(const QByteArray &body);

protected:
    // Writes body; *revision is the revision it made.
    virtual bool write(const QByteArray &body, qint64 *revision, QString *error) = 0;
    // Someone else's revision of the document, from a subclass that learnt of it: applied when newer than the one
    // in force (an invalid text is said in the log, and what is in force stays).
    void received(const QByteArray &body, qint64 revision);

private:
    // Applies body if revision is newer than the last applied (and still wanted); true if it was.
    bool apply(const QByteArray &body, qint64 revision, QString *problem, const std::function<bool()> &stillWanted);

    QMutex m_applyMutex; // one applier call at a time, in revision order
    Applier m_applier;
    qint64 m_applied = 0;
};
