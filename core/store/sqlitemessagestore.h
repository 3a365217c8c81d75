#pragma once

#include "messagestore.h"
#include "sqlitewriteop.h"

#include <memory>

// The message store in SQLite (WAL mode): one writer thread with group commit (SqliteWriter), parsing and indexing
// between deliveries (SqliteIndexer), a pool of read-only connections for reads (SqliteReaderPool), and the schema
// as numbered migrations (SqliteMigrations). deliver() never blocks; its callback runs (on the writer thread)
// only after the commit's fsync.
//
// The data directory keeps a reserve of free space (letterbox.reserve): on a full disk deliveries are refused
// (451), and a deletion that finds no room gives the reserve up, so that the user can always make room. The store's
// files are private to the user running it (database 0600; a directory it creates 0700).
class SqliteMessageStore : public MessageStore
{
    Q_OBJECT
public:
    explicit SqliteMessageStore(QObject *parent = nullptr);
    ~SqliteMessageStore() override;

    // Creates the directory if needed, opens (or creates and migrates) letterbox.db, starts the writer.
    bool open(const QString &directory);
    void close() override;
    bool isOpen() const override;
    QString errorString() const override;
    QString location() const override;
    // The database file and its write-ahead log.
    qint64 storageSize() const override;
    QString databasePath() const;

    void setMaxMessages(qint64 max) override;
    qint64 maxMessages() const override;

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override;
    void deliverAll(std::vector<Delivery> deliveries) override;
    void keepRefusedSession(RefusedSession session) override;

    std::optional<StoredMessage> message(const QString &id) const override;
    std::optional<MessageSummary> summary(const QString &id) const override;
    QList<MessageSummary> messages(qint64 start, qint64 limit) const override;
    std::optional<SearchResult> search(const QString &query, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete,
        const QString &mailbox = QString()) const override;
    std::optional<SearchResult> list(const QString &query, const MessageSort &sort, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete,
        const QString &mailbox = QString()) const override;
    std::optional<QStringList> searchIds(const QString &query, const QTimeZone &zone, QString *error) const override;
    QStringList searchIds(const QString &query, const QTimeZone &zone = QTimeZone::utc()) const override;
    QString latestId(const QString &query = QString(), const QTimeZone &zone = QTimeZone::utc()) const override;
    QIODevice *openSource(const QString &id) const override;
    QList<MailboxCount> mailboxes() const override;
    std::optional<MailboxIndex> mailboxIndex(
        const QString &mailbox, MailboxIndex::Texts texts = MailboxIndex::Texts::AsStored) const override;
    std::optional<QByteArray> source(const QString &id, qint64 limit = -1) const override;
    QList<std::optional<QByteArray>> sources(const QStringList &ids, qint64 limit = -1) const override;
    quint64 generation() const override;
    QStringList tags() const override;
    QList<TagCount> tagCounts() const override;
    qint64 pinnedCount() const override;

    void list(const ListRequest &request, QObject *context, std::function<void(const ListReply &)> done) const override;
    void summary(const QString &id, QObject *context,
        std::function<void(const std::optional<MessageSummary> &)> done) const override;
    void mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const override;
    void mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
        std::function<void(const std::optional<MailboxIndex> &)> done) const override;
    void tags(QObject *context, std::function<void(const QStringList &)> done) const override;
    void pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const override;

    qint64 unindexedCount() const override;
    qint64 count() const override;
    qint64 unreadCount() const override;

    void remove(const QStringList &ids, QObject *context, std::function<void(const QString &error)> done) override;
    void removeAll(QObject *context, std::function<void(const QString &error)> done) override;
    void setRead(
        const QStringList &ids, bool read, QObject *context, std::function<void(const QString &error)> done) override;
    bool remove(const QStringList &ids, QString *error = nullptr) override;
    bool removeAll(QString *error = nullptr) override;
    bool setRead(const QStringList &ids, bool read, QString *error = nullptr) override;
    void removeUnpinned(
        const QStringList &ids, QObject *context, std::function<void(const QString &error)> done) override;
    void setTags(const QStringList &ids, const QStringList &tags, QObject *context,
        std::function<void(const QString &error)> done) override;
    void renameTag(const QString &from, const QString &to, QObject *context,
        std::function<void(const QString &error)> done) override;
    void deleteTag(const QString &name, QObject *context, std::function<void(const QString &error)> done) override;
    void setPinned(
        const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &error)> done) override;
    bool removeUnpinned(const QStringList &ids, QString *error = nullptr) override;
    bool setTags(const QStringList &ids, const QStringList &tags, QString *error = nullptr) override;
    bool renameTag(const QString &from, const QString &to, QString *error = nullptr) override;
    bool deleteTag(const QString &name, QString *error = nullptr) override;
    bool setPinned(const QStringList &ids, bool pinned, QString *error = nullptr) override;
    bool changeRelay(RelayChange *change, QString *error) override;
    QList<RelayPending> relayPending() const override;
    QList<PendingBounce> pendingBounces() const override;
    QList<RelayRecord> relayLog(const QString &id) const override;
    void relayLog(
        const QString &id, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const override;

    std::optional<RefusedSessionPage> refusedSessions(qint64 start, qint64 limit) const override;
    std::optional<RefusedSession> refusedSession(const QString &id) const override;
    void refusedSessions(qint64 start, qint64 limit, QObject *context,
        std::function<void(const RefusedSessionPage &)> done) const override;
    bool removeRefusedSessions(QString *error = nullptr) override;

    // Transactions committed so far: with group commit, concurrent deliveries share them.
    qint64 commitCount() const;

    // Test hook: lets the database grow by at most extraPages pages (negative: no limit), so that writes
    // fail as on a full disk.
    bool limitGrowthForTesting(qint64 extraPages);
    // Test hook: while refuse is true every change to the database fails ("not authorized"), deletions and read
    // flags included.
    bool refuseWritesForTesting(bool refuse);

private:
    // Every message of one mailbox in the given order (list() with no query).
    std::optional<SearchResult> mailboxList(const QString &mailbox, const MessageSort &sort, qint64 start, qint64 limit,
        QString *error, SearchCompleteness completeness) const;
    // A delivery as a writer operation (deliver(), deliverAll()).
    SqliteWriteOp deliveryOp(IncomingMessage message, std::function<void(const DeliveryResult &)> done);

    struct Private;
    std::unique_ptr<Private> d;
};
