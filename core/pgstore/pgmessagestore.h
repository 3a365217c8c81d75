#pragma once

#include "../store/messagestore.h"

#include <memory>

// The message store in PostgreSQL (docs/architecture.md "PostgreSQL store"): one writer thread with its own
// connection and group commit (PgWriter), parsing and indexing between deliveries (PgIndexer), a small pool of
// reading connections (PgReaderPool), and the schema as numbered migrations (PgMigrations). deliver() never blocks;
// its callback runs (on the writer thread) only after COMMIT returned, with synchronous_commit on.
//
// Several instances on one database are one catcher: each commit NOTIFYs the others (PgChange), and every instance
// LISTENs (PgChangeFeed) and emits the same signals for the others' changes as for its own, with its counts and
// generation() read afresh. When the server goes away, writes fail (a delivery's DeliveryResult says why: the SMTP
// side answers 451) and the writer and the listener connect again by themselves.
class PgMessageStore : public MessageStore
{
    Q_OBJECT
public:
    explicit PgMessageStore(QObject *parent = nullptr);
    ~PgMessageStore() override;

    // Connects to a postgresql:// URL (libpq's conventions: the password from PGPASSWORD or ~/.pgpass), migrates the
    // schema under its lock, starts the writer and the listener. False (and errorString()) when it cannot.
    bool open(const QString &url);
    void close() override;
    bool isOpen() const override;
    QString errorString() const override;
    // The database as a URL without its password (postgresql://USER@HOST:PORT/DB).
    QString location() const override;
    // The database's size (pg_database_size()).
    qint64 storageSize() const override;
    // open() failed because the database's schema is newer than this build's (the app exits with 2, naming it).
    bool schemaIsNewer() const;

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

    // Transactions this instance committed so far: with group commit, concurrent deliveries share them.
    qint64 commitCount() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
