#pragma once

#include "pgconnection.h"

#include <QByteArray>
#include <QMutex>
#include <QObject>
#include <QString>

#include <optional>

class PgListener;
class QTimer;
struct PgNotification;

// One named document kept in the database's documents table (migration 0004) and shared by every instance on it:
// with a PostgreSQL --store, the rules (the rules file's JSON) and the mailboxes (mailboxes.json's) are "shared (kept
// in the database)" (CONTRACT "Team store, API access and remote attach"). Each write makes a new revision, and the
// table's trigger notifies the channel letterbox_documents with "REVISION NAME" when the writer's transaction
// commits; every instance listens, reads the document again and emits changedElsewhere(). The object lives on a
// thread with an event loop, where notifications arrive through a socket notifier, never by waiting; read(),
// write(), replace() and current() may be called from any thread (the API's, the GUI's): they take turns on one
// connection and block the caller for a round trip to the server (settings are small and rarely written).
//
// A lost listening connection (the server restarted) is reconnected by itself, with a growing pause (0.25 s doubled
// up to 5 s); on reconnecting the document is read again, so a change made meanwhile is not missed.
class PgSharedDocument : public QObject
{
    Q_OBJECT
public:
    // The channel the trigger notifies (migration 0004).
    static QString channel();

    struct Revision
    {
        QByteArray body; // UTF-8 text (JSON); empty when none is stored
        qint64 revision = 0; // 0: none stored yet; then 1, 2, … one per write
    };
    enum class WriteResult {
        Written,
        Conflict, // another writer made a revision since the one expected: nothing was written
        Failed, // errorString() says why
    };

    PgSharedDocument(const QString &url, const QString &name, QObject *parent = nullptr);
    ~PgSharedDocument() override;

    // Connects (a connection for reads and writes, one that listens) and reads the document. False and
    // errorString() when the server cannot be reached or the schema lacks the documents table.
    bool open();
    QString name() const { return m_name; }
    QString errorString() const;

    // The document as last read or written by this object (no round trip).
    Revision current() const;
    // Reads the document from the database; nullopt and errorString() on failure.
    std::optional<Revision> read();
    // Writes body as the next revision if the stored one is still expectedRevision (0: none stored yet), the way an
    // editor saves what it read. *revision (when given) is the new one on Written.
    WriteResult write(const QByteArray &body, qint64 expectedRevision, qint64 *revision = nullptr);
    // Writes body as the next revision whatever is stored (PUT /api/v1/rules replaces the rules whole). False and
    // errorString() on failure.
    bool replace(const QByteArray &body, qint64 *revision = nullptr);

Q_SIGNALS:
    // Another connection (another instance, or psql) committed a revision newer than current(); current() is it now.
    void changedElsewhere(const QByteArray &body, qint64 revision);
    // The listening connection was lost; it is being reconnected.
    void connectionLost(const QString &error);
    // Listening again after a loss (changedElsewhere() was emitted before this if the document changed meanwhile).
    void reconnected();

private:
    bool connectListener();
    void notified(const PgNotification &notification);
    void listenerLost(const QString &error);
    void retryListener();
    // Reads the document and emits changedElsewhere() when it is newer than current().
    void refresh();
    // With m_mutex held.
    bool ensureConnection();
    std::optional<Revision> readLocked();
    void setError(const QString &error);

    const QString m_url;
    const QString m_name;
    // Guards the statement connection, the revision held and the error.
    mutable QMutex m_mutex;
    PgConnection m_connection;
    Revision m_current;
    QString m_error;
    // The owner thread's.
    PgListener *m_listener = nullptr;
    QTimer *m_retry = nullptr;
    int m_retryMs = 0;
};
