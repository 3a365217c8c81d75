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
// Reads may come from any thread; remove()/setRead() wait for the writer.
class QIODevice;

class MessageStore : public QObject, public MessageDelivery
{
    Q_OBJECT
public:
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

    std::optional<StoredMessage> message(const QString &id) const;
    // The list-view facts of one message (no source or transcript); nullopt when there is no such message.
    std::optional<MessageSummary> summary(const QString &id) const;
    // Newest first.
    QList<MessageSummary> messages(qint64 start, qint64 limit) const;
    // Mailpit's search syntax (SearchQuery); newest first. nullopt (and *error) when the query cannot run.
    std::optional<SearchResult> search(const QString &query, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr) const;
    // One page of the messages matching query (all when it is empty) in the given order, and how many match.
    // Orders other than the default sort every match, so they cost a scan of the matches per page.
    std::optional<SearchResult> list(const QString &query, const MessageSort &sort, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr) const;
    // The IDs of every message the query matches, newest first.
    QStringList searchIds(const QString &query, const QTimeZone &zone = QTimeZone::utc()) const;
    // The newest message's ID (matching query when one is given); "" when none.
    QString latestId(const QString &query = QString(), const QTimeZone &zone = QTimeZone::utc()) const;
    // The stored source as a device reading it from the database in chunks (for large messages); nullptr
    // when there is no such message. The caller owns it.
    QIODevice *openSource(const QString &id) const;
    // Messages stored but not yet in the search index (indexed between deliveries, within milliseconds unless a
    // flood is arriving). Searches index pending messages first unless the backlog is very large.
    qint64 unindexedCount() const;
    // As of the last commit.
    qint64 count() const;
    qint64 unreadCount() const;

    bool remove(const QStringList &ids);
    bool removeAll();
    bool setRead(const QStringList &ids, bool read);

    // Transactions committed so far: with group commit, concurrent deliveries share them.
    qint64 commitCount() const;

    // Test hook: lets the database grow by at most extraPages pages (negative: no limit), so that writes
    // fail as on a full disk.
    bool limitGrowthForTesting(qint64 extraPages);

Q_SIGNALS:
    // After the commit; the summary has the delivery's facts (see DeliveryResult), summary(id) the parsed ones.
    void messageStored(const MessageSummary &summary);
    void messagesRemoved(const QStringList &ids);
    // removeAll(): every message went (count of them), instead of one messagesRemoved per ID.
    void messagesCleared(qint64 count);
    void messagesPruned(const QStringList &ids);
    void readChanged(const QStringList &ids, bool read);

private:
    struct Private;
    std::unique_ptr<Private> d;
};
