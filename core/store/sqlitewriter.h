#pragma once

#include "messagestore.h"
#include "sqlitedatabase.h"
#include "sqlitewriteop.h"

#include <QDir>
#include <QHash>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

class SqliteIndexer;

// The SQLite store's one read-write connection and the thread that owns it: a queue of writes applied in group
// commits (every write queued while the last fsync ran shares the next transaction; savepoints keep a failed one
// from taking the others with it), retention, the space reserve for deleting on a full disk, and the counts as of
// the last commit for readers. Between deliveries it lets the SqliteIndexer parse and index. A part of
// SqliteMessageStore (its state is the store's); docs/architecture.md "The path of a message" tells its steps.
struct SqliteWriter
{
    using Write = MessageStore::Write;
    // No row: the lowest unindexed row id when none is unindexed.
    static constexpr qint64 NoRow = std::numeric_limits<qint64>::max();
    // While the reserve is missing, how often the writer looks for room to make it again; and how long it waits
    // before indexing again after indexing failed.
    static constexpr auto IdleRetryInterval = std::chrono::seconds(5);

    // Whose change signals the writer emits (after the commit, on the writer thread).
    MessageStore *q = nullptr;
    // Parses and indexes between deliveries (writerLoop()).
    SqliteIndexer *indexer = nullptr;
    QString directory;
    QString path;
    QString errorString;
    std::atomic<qint64> maxMessages { 0 };
    std::atomic<qint64> commits { 0 };

    std::mutex queueMutex;
    std::condition_variable queueCondition;
    // How many queued operations wake the writer: more than one while a group commit waits for the deliveries it
    // expects (writerLoop()).
    size_t wakeWriterAt = 1;
    std::deque<SqliteWriteOp> queue;
    std::chrono::steady_clock::time_point lastArrival;
    bool stopping = false;
    bool running = false;
    std::thread thread;

    // Writer thread only.
    SqliteDatabase db;
    SqliteStatement insertMessage;
    SqliteStatement insertData;
    SqliteStatement insertChunk;
    SqliteStatement insertEntry;
    SqliteStatement insertSearch;
    SqliteStatement insertTag;
    SqliteStatement findTag;
    SqliteStatement insertMessageTag;
    SqliteStatement insertMailbox;
    SqliteStatement insertBounce;
    SqliteStatement clearBounces;
    // Mailboxes by lower-case name: their row id and name as made (reloaded with the counts after a rollback).
    struct MailboxRow
    {
        qint64 id = 0;
        QString name;
    };
    QHash<QString, MailboxRow> mailboxRows;
    // Sessions with stored messages: their newest chunk and how many of their messages remain.
    struct SessionState
    {
        qint64 lastChunk = 0;
        qint64 messages = 0;
    };
    QHash<qint64, SessionState> sessions;
    qint64 cachedCount = 0;
    qint64 cachedUnread = 0;
    // Messages not in the search index yet, and the lowest row id among them (NoRow: none; after a deletion it
    // may name a row that is gone, never one above the real lowest).
    qint64 unindexed = 0;
    qint64 firstUnindexed = NoRow;
    qint64 lastRowId = 0;
    // After indexing between deliveries failed (a full disk, say), not tried again before this (or a write that
    // works), so that a lasting failure does not spin.
    std::chrono::steady_clock::time_point indexingRetry;
    // The last transaction that failed ran out of space (SQLITE_FULL).
    bool lastFailureWasFull = false;
    bool reserveHeld = false;
    std::chrono::steady_clock::time_point nextReserveCheck;

    // The state as of the last commit, for readers.
    std::atomic<qint64> publishedCount { 0 };
    std::atomic<qint64> publishedUnread { 0 };
    std::atomic<qint64> publishedUnindexed { 0 };
    std::atomic<qint64> publishedFirstUnindexed { NoRow };
    std::atomic<qint64> publishedLastRowId { 0 };
    std::atomic<quint64> publishedGeneration { 0 };
    // Called on the writer thread after every commit and rollback.
    void publishState()
    {
        publishedCount = cachedCount;
        publishedUnread = cachedUnread;
        publishedLastRowId = lastRowId;
        publishedFirstUnindexed = firstUnindexed;
        publishedGeneration.fetch_add(1);
        const qint64 before = publishedUnindexed.exchange(unindexed);
        if (before > 0 && unindexed == 0) {
            Q_EMIT q->indexingCaughtUp();
        }
    }

    bool openWriter();
    // Starts the writer thread (after openWriter()).
    void start();
    // Finishes every queued write, stops the thread and closes the connection. Nothing when not started.
    void stop();
    bool migrate();
    void writerLoop();
    bool loadSessions();
    // Reads the counts and the index bookkeeping from the database (at open and after a rollback).
    void loadState();
    // Applies batch[from, to) in one transaction (plus retention) and commits; false: all rolled back.
    bool runTransaction(std::deque<SqliteWriteOp> &batch, size_t from, size_t to, QStringList *pruned, QString *error);
    // After a failed batch (batchError: why): each operation alone, a deletion that ran out of space once more with
    // the reserve given up. Calls every done().
    void runEachAlone(std::deque<SqliteWriteOp> &batch, const QString &batchError, QStringList *pruned);
    // tags: what the message gets on arrival (MessageTags::fromArrival()). *madeMailbox: its mailbox is new.
    bool insert(
        IncomingMessage &message, const QStringList &tags, DeliveryResult *result, bool *madeMailbox, QString *error);
    // The mailbox named (case-insensitive), made when missing (*made); nullopt (and *error) when it cannot be.
    std::optional<MailboxRow> mailbox(const QString &name, bool *made, QString *error);
    bool loadMailboxes();
    // The row id of the tag named (made when missing, keeping an existing tag's spelling); 0 (and *error) on failure.
    qint64 tagId(const QString &name, QString *error);
    // Tags no message carries go (Mailpit's pruneUnusedTags).
    bool pruneTags(QString *error);
    qint64 queryUnread();
    // rows: (message row id, session id) pairs.
    bool deleteMessages(const QList<QPair<qint64, qint64>> &rows, QString *error);
    QStringList prune(QString *error);
    void enqueue(SqliteWriteOp op);
    // Several at once, under one lock, with one wake-up of the writer.
    void enqueue(std::vector<SqliteWriteOp> ops);
    // Queues a write: apply in the writer's transaction, after on the writer thread once it is committed, then
    // finished with "" or why it failed.
    void submit(std::function<bool(QString *)> apply, std::function<void()> after,
        std::function<void(const QString &failure)> finished, SqliteWriteOp::Kind kind = SqliteWriteOp::Kind::Write);
    bool runAndWait(std::function<bool(QString *)> apply, std::function<void()> after = {}, QString *error = nullptr,
        SqliteWriteOp::Kind kind = SqliteWriteOp::Kind::Write);
    // The writes behind remove(), removeAll(), setRead() and the tag and pin writes: finished gets "" or why nothing
    // changed.
    enum class Pinned { Removed, Kept };
    void removeMessages(const QStringList &ids, Pinned pinned, std::function<void(const QString &)> finished);
    void removeEverything(std::function<void(const QString &)> finished);
    // Keeps a refused session (with its share of retention); a failure is logged, nobody waits for it.
    void keepRefusedSession(RefusedSession session);
    void removeRefusedSessions(std::function<void(const QString &)> finished);
    void markRead(const QStringList &ids, bool read, std::function<void(const QString &)> finished);
    void markPinned(const QStringList &ids, bool pinned, std::function<void(const QString &)> finished);
    void changeTags(const QStringList &ids, const QStringList &tags, std::function<void(const QString &)> finished);
    void renameTag(const QString &from, const QString &to, std::function<void(const QString &)> finished);
    void deleteTag(const QString &name, std::function<void(const QString &)> finished);
    // A write that changes rows and tells changed() with the IDs it changed after the commit; apply gets the list
    // to fill and a refusal to set (a request that changes nothing and is answered with it, not reported as a
    // failed write).
    void submitChange(Write what, qint64 messages,
        std::function<bool(QStringList *changed, QString *refusal, QString *error)> apply,
        std::function<void(const QStringList &changed)> changed, std::function<void(const QString &)> finished);
    qint64 queryCount();

    // The data directory and the store's files, private to their user.
    bool prepareDirectory();
    // The space reserve (writer thread, or open() before the writer starts).
    QString reservePath() const;
    void makeReserve();
    bool releaseReserve();
    // After a deletion (everything: removeAll()): on a nearly full disk, or when much was freed, the space goes back
    // to the disk, and the reserve is made again if there is room.
    enum class Deleted { Some, Everything };
    void reclaimSpace(Deleted deleted);
    // A TRUNCATE checkpoint, giving up the reserve when there is no room for it otherwise.
    bool truncateWal();
    void report(Write what, qint64 messages, const QString &error) const;
};
