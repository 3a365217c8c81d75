#pragma once

#include "remoteendpoint.h"
#include "remotereply.h"

#include <store/messagestore.h>

#include <QHash>
#include <QMutex>

#include <atomic>
#include <memory>

class QThreadPool;
class QTimer;
class QWebSocket;

// A catcher on another machine (or port) as a MessageStore (CONTRACT "--attach URL"): a Letterbox or Mailpit REST
// API read page by page, and its /api/events WebSocket turned into the store's change signals, so that the window,
// its models and its workers run unchanged against it.
//
// - Asynchronous reads and writes run their requests on a small pool of this store's own and answer on context's
//   thread: the GUI thread never waits for the network. Synchronous ones (for workers, as the interface says) send
//   their request from the calling thread with a bounded wait (RemoteHttp).
// - A write that the server acknowledged is told by its signal at once; the server's event for it follows and is
//   told again (the receivers take a change twice as once): the window is right even while the WebSocket is down.
// - What the server lacks is a missing feature, never an error: attach() probes the Letterbox-only endpoints
//   (mailboxes, envelope and session, pins, rules) and whether a release is offered (Mailpit's /api/v1/webui), and
//   features() says what is there.
// - The WebSocket reconnects by itself (state(), stateChanged()); after a reconnect the events missed meanwhile are
//   unknown, so resynchronized() asks the lists to load again.
// - The catcher's own work (taking mail, relaying, bouncing, keeping refused sessions, retention) stays on the
//   server: deliveries and relay bookkeeping are refused with an error saying so, and the calls of a local catcher
//   (relayPending(), pendingBounces(), mailboxIndex()) find nothing. A release is the server's too: release() asks
//   it to.
class RemoteMessageStore : public MessageStore
{
    Q_OBJECT
public:
    enum class Feature {
        Envelope = 0x1, // GET /api/v1/message/{ID}/envelope and /session (Letterbox)
        Mailboxes = 0x2, // GET /api/v1/mailboxes and /mailbox/NAME/… (Letterbox)
        Pins = 0x4, // PUT /api/v1/messages {"Pinned"} (Letterbox)
        Rules = 0x8, // GET|PUT /api/v1/rules (Letterbox)
        // POST /api/v1/message/{ID}/release offered: a Mailpit whose GET /api/v1/webui says MessageRelay.Enabled, or
        // a Letterbox (which serves no /api/v1/webui: whether it has a relay is its release's answer, 400 "no relay
        // configured" when none, since a desktop catcher's relay may be set in its Settings at any time).
        Release = 0x10,
    };
    Q_DECLARE_FLAGS(Features, Feature)
    Q_FLAG(Features)
    enum class State { Detached, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit RemoteMessageStore(const RemoteEndpoint &endpoint, QObject *parent = nullptr);
    ~RemoteMessageStore() override;

    // Probes the catcher (GET /api/v1/info, then the Letterbox-only endpoints and Mailpit's /api/v1/webui) and opens
    // /api/events. done runs on
    // this object's thread with "" when the catcher answered, else why not (unreachable, 401, not a catcher's API).
    void attach(QObject *context, std::function<void(const QString &error)> done);
    // The same, waiting (a thread that may wait: tests, workers).
    bool attach(QString *error);
    Features features() const;
    bool has(Feature feature) const;
    RemoteEndpoint endpoint() const;
    State state() const;
    // For the status bar: "Attached to URL", "Reconnecting to URL…: why".
    QString stateText() const;
    // How long after a lost WebSocket the first reconnection is tried (doubling up to 5 s); tests shorten it.
    void setReconnectInterval(int milliseconds);
    // Bound on every request's wait (default 15 s).
    void setRequestTimeout(int milliseconds);

    void close() override;
    bool isOpen() const override;
    QString errorString() const override;
    QString location() const override;
    qint64 storageSize() const override;
    void setMaxMessages(qint64 max) override;
    qint64 maxMessages() const override;

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
    QList<MailboxCount> mailboxes() const override;
    std::optional<MailboxIndex> mailboxIndex(
        const QString &mailbox, MailboxIndex::Texts texts = MailboxIndex::Texts::AsStored) const override;
    QStringList tags() const override;
    QList<TagCount> tagCounts() const override;
    qint64 pinnedCount() const override;
    QIODevice *openSource(const QString &id) const override;
    std::optional<QByteArray> source(const QString &id, qint64 limit = -1) const override;
    QList<std::optional<QByteArray>> sources(const QStringList &ids, qint64 limit = -1) const override;

    void list(const ListRequest &request, QObject *context, std::function<void(const ListReply &)> done) const override;
    void summary(const QString &id, QObject *context,
        std::function<void(const std::optional<MessageSummary> &)> done) const override;
    void mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const override;
    void mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
        std::function<void(const std::optional<MailboxIndex> &)> done) const override;
    void tags(QObject *context, std::function<void(const QStringList &)> done) const override;
    void pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const override;

    qint64 unindexedCount() const override;
    quint64 generation() const override;
    qint64 count() const override;
    qint64 unreadCount() const override;

    void remove(const QStringList &ids, QObject *context, std::function<void(const QString &error)> done) override;
    void removeAll(QObject *context, std::function<void(const QString &error)> done) override;
    void setRead(
        const QStringList &ids, bool read, QObject *context, std::function<void(const QString &error)> done) override;
    void removeUnpinned(
        const QStringList &ids, QObject *context, std::function<void(const QString &error)> done) override;
    void setTags(const QStringList &ids, const QStringList &tags, QObject *context,
        std::function<void(const QString &error)> done) override;
    void renameTag(const QString &from, const QString &to, QObject *context,
        std::function<void(const QString &error)> done) override;
    void deleteTag(const QString &name, QObject *context, std::function<void(const QString &error)> done) override;
    void setPinned(
        const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &error)> done) override;
    bool remove(const QStringList &ids, QString *error = nullptr) override;
    bool removeAll(QString *error = nullptr) override;
    bool setRead(const QStringList &ids, bool read, QString *error = nullptr) override;
    bool removeUnpinned(const QStringList &ids, QString *error = nullptr) override;
    bool setTags(const QStringList &ids, const QStringList &tags, QString *error = nullptr) override;
    bool renameTag(const QString &from, const QString &to, QString *error = nullptr) override;
    bool deleteTag(const QString &name, QString *error = nullptr) override;
    bool setPinned(const QStringList &ids, bool pinned, QString *error = nullptr) override;

    bool changeRelay(RelayChange *change, QString *error) override;
    QList<RelayPending> relayPending() const override;
    QList<RelayRecord> relayLog(const QString &id) const override;
    void relayLog(
        const QString &id, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const override;
    QList<PendingBounce> pendingBounces() const override;
    std::optional<RefusedSessionPage> refusedSessions(qint64 start, qint64 limit) const override;
    std::optional<RefusedSession> refusedSession(const QString &id) const override;
    void refusedSessions(qint64 start, qint64 limit, QObject *context,
        std::function<void(const RefusedSessionPage &)> done) const override;
    bool removeRefusedSessions(QString *error = nullptr) override;

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override;

    // Release (CONTRACT "Release"): POST /api/v1/message/{ID}/release {"To": [...]}, on the pool; done runs on
    // context's thread with ok and what to show: the catcher's acknowledgement, or its 400 text (the relay's reply
    // or the connection error, as a local release shows it), or why there was no answer. The wait is the longer of
    // the request timeout and releaseTimeout(): the server answers only once its relay has.
    void release(const QString &id, const QStringList &to, QObject *context,
        std::function<void(bool ok, const QString &text)> done);
    // How long a release may take before the window stops waiting (default 5 min: RFC 5321 §4.5.3.2.6 lets the
    // relay take up to 10 min over the final reply, and Mailpit's and Letterbox's own waits are shorter).
    void setReleaseTimeout(int milliseconds);

Q_SIGNALS:
    void stateChanged(RemoteMessageStore::State state);
    // The WebSocket is back after a loss: changes made meanwhile were not told, lists should load again.
    void resynchronized();
    // count() or unreadCount() changed (the server's stats event, or a page's counts).
    void countsChanged();

private:
    RemoteReply send(const QByteArray &method, const QUrl &url, const QByteArray &body = QByteArray()) const;
    RemoteReply get(
        const QString &path, const QUrlQuery &query = QUrlQuery(), const QString &mailbox = QString()) const;
    // Runs work on the pool; done gets its result on context's thread (not at all when context is gone).
    template<typename T>
    void runAsync(QObject *context, std::function<T()> work, std::function<void(const T &)> done) const;
    void remember(const QList<MessageSummary> &summaries) const;
    void setCounts(qint64 total, qint64 unread) const;
    // A write's request, then its signal on success.
    bool write(const QByteArray &method, const QString &path, const QByteArray &body, QString *error,
        MessageStore::Write what, qint64 messages);
    void openEvents();
    void onEvent(const QString &text);
    void onSocketConnected();
    void onSocketLost();
    void setState(State state);

    const RemoteEndpoint m_endpoint;
    std::unique_ptr<QThreadPool> m_pool;
    QWebSocket *m_socket;
    QTimer *m_reconnect;
    int m_reconnectInterval = 500;
    int m_backoff = 500;
    std::atomic<int> m_timeout { 15000 };
    std::atomic<int> m_releaseTimeout { 300000 };
    std::atomic<bool> m_open { true };
    std::atomic<State> m_state { State::Detached };
    bool m_wasConnected = false;
    std::atomic<int> m_features { 0 };
    std::atomic<qint64> m_count { 0 };
    std::atomic<qint64> m_unread { 0 };
    std::atomic<qint64> m_storageSize { 0 };
    mutable std::atomic<quint64> m_generation { 0 };
    std::atomic<qint64> m_maxMessages { 0 };
    mutable QMutex m_mutex; // guards what follows
    mutable QHash<QString, MessageSummary> m_summaries; // as last listed or told by an event
    QString m_error; // the last reason the WebSocket was lost
};

Q_DECLARE_OPERATORS_FOR_FLAGS(RemoteMessageStore::Features)
