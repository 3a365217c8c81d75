#pragma once

#include "../message/messagesummary.h"
#include "../smtp/messagedelivery.h"
#include "messagesort.h"
#include "searchresult.h"
#include "storedmessage.h"

#include <QObject>
#include <QStringList>
#include <QTimeZone>

#include <memory>
#include <optional>

// The durable message store: SQLite in WAL mode, one writer thread with group commit.
// deliver() never blocks; its callback runs (on the writer thread) only after the commit's fsync.
// Reads may come from any thread; remove()/setRead() and complete searches wait for the writer.
//
// The data directory keeps a reserve of free space (letterbox.reserve): on a full disk deliveries are refused
// (451), and a deletion that finds no room gives the reserve up, so that the user can always make room. The store's
// files are private to the user running it (database 0600; a directory it creates 0700).
class QIODevice;

class MessageStore : public QObject, public MessageDelivery
{
    Q_OBJECT
public:
    // What a failed write was meant to do (writeFailed()).
    enum class Write { Delivery, Removal, RemovalOfAll, MarkRead, MarkUnread };
    Q_ENUM(Write)

    explicit MessageStore(QObject *parent = nullptr);
    ~MessageStore() override;

    // Creates the directory if needed, opens (or creates and migrates) letterbox.db, starts the writer.
    bool open(const QString &directory);
    // Finishes every queued write, then stops the writer. Further deliveries fail.
    void close();
    bool isOpen() const;
    QString errorString() const;
    QString databasePath() const;

    // Retention: past max messages the oldest are pruned; 0 keeps all.
    void setMaxMessages(qint64 max);
    qint64 maxMessages() const;

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override;
    void deliverAll(std::vector<Delivery> deliveries) override;

    std::optional<StoredMessage> message(const QString &id) const;
    // The list-view facts of one message (no source or transcript); nullopt when there is no such message.
    std::optional<MessageSummary> summary(const QString &id) const;
    // Newest first.
    QList<MessageSummary> messages(qint64 start, qint64 limit) const;
    // Mailpit's search syntax (SearchQuery); newest first. nullopt (and *error) when the query cannot run, and when
    // it has no terms (empty, or only quotes, - or !).
    std::optional<SearchResult> search(const QString &query, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete) const;
    // One page of the messages matching query (all when it is empty) in the given order, and how many match.
    // Orders other than the default sort every match, so they cost a scan of the matches per page.
    std::optional<SearchResult> list(const QString &query, const MessageSort &sort, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete) const;
    // The IDs of every message the query matches, newest first (complete). nullopt (and *error) when the query
    // cannot run or has no terms (then it would stand for every message: DELETE /api/v1/search must not).
    std::optional<QStringList> searchIds(const QString &query, const QTimeZone &zone, QString *error) const;
    // As above; an empty text is every message, a text without terms none.
    QStringList searchIds(const QString &query, const QTimeZone &zone = QTimeZone::utc()) const;
    // The newest message's ID (matching query when one is given); "" when none, and when the query has text but
    // no terms.
    QString latestId(const QString &query = QString(), const QTimeZone &zone = QTimeZone::utc()) const;
    // The stored source as a device reading it from the database in chunks (for large messages); nullptr
    // when there is no such message. The caller owns it.
    QIODevice *openSource(const QString &id) const;
    // Messages stored but not yet in the search index (indexed between deliveries, within milliseconds unless a
    // flood is arriving). Complete searches index those stored before them first; indexingCaughtUp() says when
    // none are left.
    qint64 unindexedCount() const;
    // As of the last commit.
    qint64 count() const;
    qint64 unreadCount() const;

    // These wait for the writer. On failure nothing changed, *error says why (SQLite's message, such as "database
    // or disk is full"), and writeFailed() is emitted.
    bool remove(const QStringList &ids, QString *error = nullptr);
    bool removeAll(QString *error = nullptr);
    bool setRead(const QStringList &ids, bool read, QString *error = nullptr);

    // Transactions committed so far: with group commit, concurrent deliveries share them.
    qint64 commitCount() const;

    // Test hook: lets the database grow by at most extraPages pages (negative: no limit), so that writes
    // fail as on a full disk.
    bool limitGrowthForTesting(qint64 extraPages);
    // Test hook: while refuse is true every change to the database fails ("not authorized"), deletions and read
    // flags included.
    bool refuseWritesForTesting(bool refuse);

Q_SIGNALS:
    // After the commit; the summary has the delivery's facts (see DeliveryResult), summary(id) the parsed ones.
    void messageStored(const MessageSummary &summary);
    void messagesRemoved(const QStringList &ids);
    // removeAll(): every message went (count of them), instead of one messagesRemoved per ID.
    void messagesCleared(qint64 count);
    void messagesPruned(const QStringList &ids);
    void readChanged(const QStringList &ids, bool read);
    // A write changed nothing (also logged to letterbox.store): what it was, for how many messages, and why.
    void writeFailed(MessageStore::Write what, qint64 messages, const QString &error);
    // Every stored message is in the search index again (emitted from the writer thread after the commit).
    void indexingCaughtUp();

private:
    struct Private;
    std::unique_ptr<Private> d;
};
