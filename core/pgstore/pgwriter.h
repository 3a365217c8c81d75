#pragma once

#include "../store/messagestore.h"
#include "pgconnection.h"
#include "pgwriteop.h"

#include <QHash>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

// The PostgreSQL store's writing connection and the thread that owns it (as SqliteWriter is SQLite's): a queue of
// writes applied in group commits (every write queued while the last COMMIT ran shares the next transaction, each
// in a savepoint so one failing does not take the others with it), retention under an advisory lock, a NOTIFY per
// change for the other instances, parsing and indexing between deliveries, and reconnecting with backoff when the
// server went away. A part of PgMessageStore (its state is the store's); docs/architecture.md "PostgreSQL store".
struct PgWriter
{
    using Write = MessageStore::Write;
    // The advisory lock retention runs under, for the length of a transaction: "LBRETAIN".
    static constexpr qint64 RetentionLockKey = 0x4C42524554414E;
    // Reconnecting after the server went away: first after this, doubling up to MaxReconnectDelay.
    static constexpr auto MinReconnectDelay = std::chrono::milliseconds(100);
    static constexpr auto MaxReconnectDelay = std::chrono::milliseconds(2000);

    // Whose change signals the writer emits (after the commit, on the writer thread).
    MessageStore *q = nullptr;
    QString url;
    QString location;
    // This instance among those sharing the database (PgChange::origin).
    QString origin;
    // This instance's owner key (migration 0005): held as a session-level advisory lock on the writer's connection
    // while it is connected, and written into the relay and bounce queue rows it makes, so that an instance starting
    // later takes up only the rows of instances no longer running. Random per open(), never one of the fixed keys.
    qint64 ownerKey = 0;
    std::atomic<qint64> maxMessages { 0 };
    std::atomic<qint64> commits { 0 };

    std::mutex queueMutex;
    std::condition_variable queueCondition;
    size_t wakeWriterAt = 1;
    std::deque<PgWriteOp> queue;
    std::chrono::steady_clock::time_point lastArrival;
    bool stopping = false;
    bool running = false;
    std::thread thread;

    // Writer thread only.
    PgConnection db;
    std::chrono::steady_clock::time_point nextReconnect;
    std::chrono::milliseconds reconnectDelay = MinReconnectDelay;
    std::chrono::steady_clock::time_point indexingRetry;
    struct MailboxRow
    {
        qint64 id = 0;
        QString name;
    };
    // Mailboxes by lower-case name (dropped after any failure: rows made in a rolled-back transaction are gone).
    QHash<QString, MailboxRow> mailboxRows;
    // Each SMTP session's newest transcript chunk, committed; and those of the transaction under way.
    QHash<qint64, qint64> sessions;
    QHash<qint64, qint64> batchSessions;

    // The state as of the last commit (this instance's or another's, told by NOTIFY), for readers.
    std::mutex stateMutex;
    std::atomic<qint64> publishedCount { 0 };
    std::atomic<qint64> publishedUnread { 0 };
    std::atomic<qint64> publishedUnindexed { 0 };
    std::atomic<qint64> publishedLastId { 0 };
    std::atomic<quint64> publishedGeneration { 0 };
    // Reads the counts on connection and publishes them with a new generation (any thread; false when they could
    // not be read: the generation grows anyway).
    bool refreshState(PgConnection &connection);

    void start();
    void stop();
    void writerLoop();
    // Connected, or connected again now (when the backoff allows); else *error says why.
    bool ensureConnected(QString *error);
    // Sets up a connection just opened: synchronous_commit on, the owner key's lock taken.
    bool prepareConnection(QString *error);
    void runBatch(std::deque<PgWriteOp> &batch);
    // Between deliveries: one short indexing slice. False when there was nothing to do or it failed.
    bool indexWhileIdle();

    void enqueue(PgWriteOp op);
    void enqueue(std::vector<PgWriteOp> ops);
    // Queues a write: apply in the writer's transaction, after on the writer thread once it is committed, then
    // finished with "" or why it failed.
    void submit(std::function<bool(PgConnection &, QList<PgChange> *, QString *)> apply, std::function<void()> after,
        std::function<void(const QString &failure)> finished);
    bool runAndWait(std::function<bool(PgConnection &, QList<PgChange> *, QString *)> apply, QString *error);

    // Inside the transaction (writer thread).
    bool insert(IncomingMessage &message, const QStringList &tags, DeliveryResult *result, bool *madeMailbox,
        QList<PgChange> *changes, QString *error);
    std::optional<MailboxRow> mailbox(const QString &name, bool *made, QString *error);
    qint64 tagId(const QString &name, QString *error);
    bool pruneTags(QString *error);
    // Deletes the rows with these ids (and what hangs on them); *ids gets their API IDs.
    bool deleteRows(const QList<qint64> &rows, QStringList *ids, QString *error);
    // Deletes what DELETE … RETURNING uid, session_id returned: transcripts of sessions left without messages, tags
    // left unused.
    bool afterDeletion(const PgResult &deleted, QStringList *ids, QString *error);
    QStringList prune(QString *error);
    qint64 lastChunk(qint64 sessionKey) const;

    // The writes behind the store's API (finished gets "" or why nothing changed).
    enum class Pinned { Removed, Kept };
    void removeMessages(const QStringList &ids, Pinned pinned, std::function<void(const QString &)> finished);
    void removeEverything(std::function<void(const QString &)> finished);
    void keepRefusedSession(RefusedSession session);
    void removeRefusedSessions(std::function<void(const QString &)> finished);
    void markRead(const QStringList &ids, bool read, std::function<void(const QString &)> finished);
    void markPinned(const QStringList &ids, bool pinned, std::function<void(const QString &)> finished);
    void changeTags(const QStringList &ids, const QStringList &tags, std::function<void(const QString &)> finished);
    void renameTag(const QString &from, const QString &to, std::function<void(const QString &)> finished);
    void deleteTag(const QString &name, std::function<void(const QString &)> finished);
    void submitChange(Write what, qint64 messages,
        std::function<bool(QStringList *changed, QString *refusal, QList<PgChange> *changes, QString *error)> apply,
        std::function<void(const QStringList &changed)> changed, std::function<void(const QString &)> finished);
    void report(Write what, qint64 messages, const QString &error) const;
    PgChange change(PgChange::Kind kind, const QStringList &ids = {}, bool flag = false, qint64 count = 0) const;
};
