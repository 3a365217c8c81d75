#pragma once

#include "../message/messagesummary.h"
#include "../smtp/messagedelivery.h"
#include "listrequest.h"
#include "mailboxcount.h"
#include "mailboxindex.h"
#include "messagesort.h"
#include "pendingbounce.h"
#include "refusedsessionpage.h"
#include "relaychange.h"
#include "relaypending.h"
#include "relayrecord.h"
#include "searchresult.h"
#include "storedmessage.h"
#include "tagcount.h"

#include <QObject>
#include <QStringList>
#include <QTimeZone>

#include <functional>
#include <optional>

class QIODevice;

// The message store as every consumer sees it: the UI's models and window, the API, the importer, CatcherService
// and app/ take a MessageStore, never a back end. SqliteMessageStore (sqlitemessagestore.h) is the one back end
// today; docs/architecture.md "The store" says how another (PostgreSQL) and mailboxes fit behind this interface.
//
// - Writes are durable when they say so: deliver()'s callback runs only after the commit (MessageDelivery), and
//   the asynchronous remove()/removeAll()/setRead() call back once the change is durable or has failed.
// - Reads come in two kinds. Synchronous ones are for threads that may wait (the API's, workers): a complete
//   search waits for the store to index what was stored before it. Asynchronous ones are for threads that must
//   not wait (the GUI's): they answer on the caller's thread, later.
// - Changes are told by signals, emitted after the commit on the store's own threads (receivers get them
//   queued): a consumer follows the store without asking it again.
class MessageStore : public QObject, public MessageDelivery
{
    Q_OBJECT
public:
    // What a failed write was meant to do (writeFailed()).
    enum class Write { Delivery, Removal, RemovalOfAll, MarkRead, MarkUnread, Tagging, Pin, Unpin };
    Q_ENUM(Write)

    explicit MessageStore(QObject *parent = nullptr);
    ~MessageStore() override;

    // Finishes every queued write, then stops. Further deliveries fail.
    virtual void close() = 0;
    virtual bool isOpen() const = 0;
    virtual QString errorString() const = 0;
    // Where the messages are kept, as the user would look for it (the database file).
    virtual QString location() const = 0;
    // Bytes the store takes on disk.
    virtual qint64 storageSize() const = 0;

    // Retention: past max messages the oldest are pruned; 0 keeps all.
    virtual void setMaxMessages(qint64 max) = 0;
    virtual qint64 maxMessages() const = 0;

    // Pinned messages stay through removeAll(), retention and removeUnpinned() (CONTRACT "Mailboxes"); remove()
    // deletes them like any other.

    // Synchronous reads, for threads that may wait (never the GUI thread).
    virtual std::optional<StoredMessage> message(const QString &id) const = 0;
    // The list-view facts of one message (no source or transcript); nullopt when there is no such message.
    virtual std::optional<MessageSummary> summary(const QString &id) const = 0;
    // Newest first.
    virtual QList<MessageSummary> messages(qint64 start, qint64 limit) const = 0;
    // Mailpit's search syntax (SearchQuery); newest first. nullopt (and *error) when the query cannot run, and when
    // it has no terms (empty, or only quotes, - or !). A mailbox limits it to that mailbox's messages (as the term
    // mailbox:NAME does); empty: every mailbox.
    virtual std::optional<SearchResult> search(const QString &query, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete, const QString &mailbox = QString()) const = 0;
    // One page of the messages matching query (all when it is empty) in the given order, and how many match.
    // Orders other than the default sort every match, so they cost a scan of the matches per page. With a mailbox,
    // only its messages (an unknown mailbox has none), and the counts are its own.
    virtual std::optional<SearchResult> list(const QString &query, const MessageSort &sort, qint64 start, qint64 limit,
        const QTimeZone &zone = QTimeZone::utc(), QString *error = nullptr,
        SearchCompleteness completeness = SearchCompleteness::Complete, const QString &mailbox = QString()) const = 0;
    // The IDs of every message the query matches, newest first (complete). nullopt (and *error) when the query
    // cannot run or has no terms (then it would stand for every message: DELETE /api/v1/search must not).
    virtual std::optional<QStringList> searchIds(const QString &query, const QTimeZone &zone, QString *error) const = 0;
    // As above; an empty text is every message, a text without terms none.
    virtual QStringList searchIds(const QString &query, const QTimeZone &zone = QTimeZone::utc()) const = 0;
    // The newest message's ID (matching query when one is given); "" when none, and when the query has text but
    // no terms.
    virtual QString latestId(const QString &query = QString(), const QTimeZone &zone = QTimeZone::utc()) const = 0;
    // Every mailbox with its counts as of the last commit: Inbox first, then in the order they were made.
    virtual QList<MailboxCount> mailboxes() const = 0;
    // A mailbox's messages for a mail client (IMAP), oldest first, with their UIDs; nullopt when there is no such
    // mailbox (matched without regard to case). A configured mailbox without messages yet is not in the store.
    virtual std::optional<MailboxIndex> mailboxIndex(
        const QString &mailbox, MailboxIndex::Texts texts = MailboxIndex::Texts::AsStored) const = 0;
    // Every tag in use, in Mailpit's order (MessageTags), and with how many messages carry each.
    virtual QStringList tags() const = 0;
    virtual QList<TagCount> tagCounts() const = 0;
    // How many messages are pinned: those removeAll() keeps (the desktop's Delete All says so).
    virtual qint64 pinnedCount() const = 0;
    // The stored source as a device reading it in chunks (for large messages); nullptr when there is no such
    // message. The caller owns it.
    virtual QIODevice *openSource(const QString &id) const = 0;
    // The stored source, or its first limit bytes (limit < 0: all), read with a pooled connection: for many small
    // reads in a row (a mail client fetching headers), where openSource()'s own connection would cost more than the
    // read. nullopt when there is no such message.
    virtual std::optional<QByteArray> source(const QString &id, qint64 limit = -1) const = 0;
    // The same for several messages in one read (one lock, one prepared statement), in the order of ids.
    virtual QList<std::optional<QByteArray>> sources(const QStringList &ids, qint64 limit = -1) const = 0;

    // Asynchronous reads, for a thread that must never wait (the GUI's): done runs on context's thread (call them
    // from it), from its event loop, and not at all when context is destroyed first.
    virtual void list(
        const ListRequest &request, QObject *context, std::function<void(const ListReply &)> done) const = 0;
    virtual void summary(
        const QString &id, QObject *context, std::function<void(const std::optional<MessageSummary> &)> done) const = 0;
    virtual void mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const = 0;
    virtual void mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
        std::function<void(const std::optional<MailboxIndex> &)> done) const = 0;
    virtual void tags(QObject *context, std::function<void(const QStringList &)> done) const = 0;
    virtual void pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const = 0;

    // Counts as of the last commit: they never wait.
    // Messages stored but not yet in the search index (indexed between deliveries, within milliseconds unless a
    // flood is arriving). Complete searches index those stored before them first; indexingCaughtUp() says when
    // none are left.
    virtual qint64 unindexedCount() const = 0;
    // Grows with every commit, before its change signals and callbacks: a reader that kept it with what it read
    // knows, without asking the store or waiting for a signal, whether anything may have changed since (a mail
    // client's next command must see a read mark the API has just acknowledged).
    virtual quint64 generation() const = 0;
    virtual qint64 count() const = 0;
    virtual qint64 unreadCount() const = 0;

    // Writes that return at once: done runs on context's thread once the change is durable (error "") or has
    // failed (error says why; writeFailed() is emitted too). The change signals come before done.
    virtual void remove(const QStringList &ids, QObject *context, std::function<void(const QString &error)> done) = 0;
    virtual void removeAll(QObject *context, std::function<void(const QString &error)> done) = 0;
    virtual void setRead(
        const QStringList &ids, bool read, QObject *context, std::function<void(const QString &error)> done)
        = 0;
    // Those of ids that are not pinned (DELETE /api/v1/search).
    virtual void removeUnpinned(
        const QStringList &ids, QObject *context, std::function<void(const QString &error)> done)
        = 0;
    // Gives each message exactly these tags (MessageTags::normalized(); a tag that exists in another case keeps its
    // spelling); tags no message carries any more go. Unknown IDs are passed over.
    virtual void setTags(const QStringList &ids, const QStringList &tags, QObject *context,
        std::function<void(const QString &error)> done)
        = 0;
    // Mailpit's answers: "invalid tag name: NEW", "tag not found: OLD", "tag already exists: NEW"; renaming a tag to
    // its own name changes nothing.
    virtual void renameTag(
        const QString &from, const QString &to, QObject *context, std::function<void(const QString &error)> done)
        = 0;
    // Takes the tag off every message (the messages stay); "tag not found: NAME" when there is none.
    virtual void deleteTag(const QString &name, QObject *context, std::function<void(const QString &error)> done) = 0;
    virtual void setPinned(
        const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &error)> done)
        = 0;
    // The same, waiting for the writer (threads that may wait). On failure nothing changed, *error says why
    // (such as "database or disk is full"), and writeFailed() is emitted (not for a refused tag name).
    virtual bool remove(const QStringList &ids, QString *error = nullptr) = 0;
    virtual bool removeAll(QString *error = nullptr) = 0;
    virtual bool setRead(const QStringList &ids, bool read, QString *error = nullptr) = 0;
    virtual bool removeUnpinned(const QStringList &ids, QString *error = nullptr) = 0;
    virtual bool setTags(const QStringList &ids, const QStringList &tags, QString *error = nullptr) = 0;
    virtual bool renameTag(const QString &from, const QString &to, QString *error = nullptr) = 0;
    virtual bool deleteTag(const QString &name, QString *error = nullptr) = 0;
    virtual bool setPinned(const QStringList &ids, bool pinned, QString *error = nullptr) = 0;

    // Relay bookkeeping (core/relay's RelayService; docs/architecture.md "Relay"): each message's relay log and its
    // auto-relays still to be tried, deleted with the message. The synchronous calls are for the relay's own thread.
    // changeRelay() applies change in one durable transaction (a new pending row gets its id). false with *error
    // empty: the message, or the pending row named, is gone (deleted meanwhile) and nothing changed; false with
    // *error: the write failed.
    virtual bool changeRelay(RelayChange *change, QString *error) = 0;
    // Every pending auto-relay, soonest first.
    virtual QList<RelayPending> relayPending() const = 0;
    // A message's relay log, oldest first.
    virtual QList<RelayRecord> relayLog(const QString &id) const = 0;
    virtual void relayLog(
        const QString &id, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const = 0;

    // The bounces still to be made (core/service's BounceScheduler), oldest message first: stored with their message
    // when it arrives and deleted with it, or by the store of its bounce (IncomingMessage::bounceOf). For a thread
    // that may wait.
    virtual QList<PendingBounce> pendingBounces() const = 0;
    // Refused sessions (MessageDelivery::keepRefusedSession(); docs/architecture.md "Refused sessions"): kept apart
    // from the messages, bounded by the same retention limit counted on its own, left alone by removeAll().
    // One page, newest first (synchronous; each without its data), and one session with its data.
    virtual std::optional<RefusedSessionPage> refusedSessions(qint64 start, qint64 limit) const = 0;
    virtual std::optional<RefusedSession> refusedSession(const QString &id) const = 0;
    virtual void refusedSessions(
        qint64 start, qint64 limit, QObject *context, std::function<void(const RefusedSessionPage &)> done) const = 0;
    // Every kept refused session goes.
    virtual bool removeRefusedSessions(QString *error = nullptr) = 0;

Q_SIGNALS:
    // After the commit; the summary has the delivery's facts (see DeliveryResult), summary(id) the parsed ones.
    void messageStored(const MessageSummary &summary);
    void messagesRemoved(const QStringList &ids);
    // removeAll() when every message went (count of them), instead of one messagesRemoved per ID. When pinned
    // messages stay, removeAll() tells messagesRemoved() with the IDs that went instead.
    void messagesCleared(qint64 count);
    void messagesPruned(const QStringList &ids);
    void readChanged(const QStringList &ids, bool read);
    // These messages' tags changed (setTags(), renameTag(), deleteTag()); summary(id) has the new ones. The set of
    // tags in use may have changed with them (tags()).
    void tagsChanged(const QStringList &ids);
    void pinnedChanged(const QStringList &ids, bool pinned);
    // A mailbox was made (by the first message delivered into it); counts change with the message signals.
    void mailboxesChanged();
    // A write changed nothing (also logged to letterbox.store): what it was, for how many messages, and why.
    void writeFailed(MessageStore::Write what, qint64 messages, const QString &error);
    // A refused session was kept (after the commit; without its data, with its whole transcript).
    void refusedSessionKept(const RefusedSession &session);
    // removeRefusedSessions() removed count sessions.
    void refusedSessionsCleared(qint64 count);
    // Every stored message is in the search index again (emitted from the store's thread after the commit).
    void indexingCaughtUp();
};
