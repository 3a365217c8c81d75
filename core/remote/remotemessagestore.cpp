#include "remotemessagestore.h"

#include "remotehttp.h"
#include "remotejson.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcRemote, "letterbox.remote")

namespace {
// Pages fetched when every match is wanted (searchIds(), pinnedCount()).
constexpr qint64 BulkPage = 1000;
// The summaries remembered for summary(id): those listed or announced lately.
constexpr qsizetype RememberedSummaries = 50000;
constexpr int LongestReconnectInterval = 5000;

QString notHere(const char *what)
{
    return QStringLiteral("%1 happens on the attached catcher's server, not in this window").arg(QLatin1String(what));
}

QJsonArray jsonStrings(const QStringList &list)
{
    QJsonArray array;
    for (const QString &s : list) {
        array.append(s);
    }
    return array;
}

QString pathId(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}
} // namespace

RemoteMessageStore::RemoteMessageStore(const RemoteEndpoint &endpoint, QObject *parent)
    : MessageStore(parent)
    , m_endpoint(endpoint)
    , m_pool(std::make_unique<QThreadPool>())
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
    , m_reconnect(new QTimer(this))
{
    // A few requests at once (a page, a message, a write) without taking the application's pool, whose threads
    // parse and render.
    m_pool->setMaxThreadCount(4);
    m_reconnect->setSingleShot(true);
    connect(m_reconnect, &QTimer::timeout, this, &RemoteMessageStore::openEvents);
    connect(m_socket, &QWebSocket::connected, this, &RemoteMessageStore::onSocketConnected);
    // Unconnected after a failed attempt as after a lost connection (a refused connection never says disconnected()).
    connect(m_socket, &QWebSocket::stateChanged, this, [this](QAbstractSocket::SocketState state) {
        if (state == QAbstractSocket::UnconnectedState) {
            onSocketLost();
        }
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, &RemoteMessageStore::onEvent);
    // Qt 6.4 names the signal error() (errorOccurred() came with 6.5).
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
        [this](QAbstractSocket::SocketError error) {
            QMutexLocker lock(&m_mutex);
            // A peer that closes says "Unknown error": nothing a user could act on.
            m_error = error == QAbstractSocket::UnknownSocketError || error == QAbstractSocket::RemoteHostClosedError
                ? tr("the connection was lost")
                : m_socket->errorString();
        });
}

RemoteMessageStore::~RemoteMessageStore()
{
    close();
}

template<typename T>
void RemoteMessageStore::runAsync(QObject *context, std::function<T()> work, std::function<void(const T &)> done) const
{
    QPointer<QObject> guard(context);
    QPointer<const RemoteMessageStore> self(this);
    m_pool->start([self, guard, work = std::move(work), done = std::move(done)] {
        T result = work();
        if (!self) {
            return;
        }
        // Back on the store's thread (which outlives its pool: close() waits for it), where the context is checked;
        // from there to the context's own thread.
        QMetaObject::invokeMethod(
            const_cast<RemoteMessageStore *>(self.data()),
            [guard, done, result = std::move(result)] {
                if (QObject *c = guard.data()) {
                    QMetaObject::invokeMethod(c, [done, result] { done(result); });
                }
            },
            Qt::QueuedConnection);
    });
}

RemoteReply RemoteMessageStore::send(const QByteArray &method, const QUrl &url, const QByteArray &body) const
{
    if (!m_open) {
        RemoteReply closed;
        closed.error = QStringLiteral("detached from %1").arg(m_endpoint.displayText());
        return closed;
    }
    return RemoteHttp::send(m_endpoint, method, url, body, m_timeout, &m_open);
}

RemoteReply RemoteMessageStore::get(const QString &path, const QUrlQuery &query, const QString &mailbox) const
{
    return send("GET", m_endpoint.url(path, query, mailbox));
}

void RemoteMessageStore::attach(QObject *context, std::function<void(const QString &error)> done)
{
    runAsync<QString>(
        this,
        [this] {
            QString error;
            attach(&error);
            return error;
        },
        [this, guard = QPointer<QObject>(context), done = std::move(done)](const QString &error) {
            if (error.isEmpty()) {
                openEvents();
            }
            if (guard) {
                QMetaObject::invokeMethod(guard.data(), [done, error] { done(error); });
            }
        });
}

bool RemoteMessageStore::attach(QString *error)
{
    const RemoteReply info = get(QStringLiteral("/api/v1/info"));
    if (!info.isOk()) {
        *error = QStringLiteral("%1: %2").arg(m_endpoint.displayText(), info.errorString());
        return false;
    }
    const QJsonObject object = QJsonDocument::fromJson(info.body).object();
    // Mailpit's and Letterbox's info both carry Version and Messages: anything else is not a catcher's API.
    if (!object.contains(QLatin1String("Version")) || !object.contains(QLatin1String("Messages"))) {
        *error = QStringLiteral("%1 answers, but not as a Mailpit or Letterbox API (GET /api/v1/info)")
                     .arg(m_endpoint.displayText());
        return false;
    }
    setCounts(qint64(object.value(QLatin1String("Messages")).toDouble()),
        qint64(object.value(QLatin1String("Unread")).toDouble()));
    m_storageSize = qint64(object.value(QLatin1String("DatabaseSize")).toDouble());
    Features features;
    // Letterbox's extensions to Mailpit's API (README "REST API"): a Mailpit answers 404 to these.
    const RemoteReply mailboxes = get(QStringLiteral("/api/v1/mailboxes"));
    if (mailboxes.isOk() && QJsonDocument::fromJson(mailboxes.body).isArray()) {
        features |= Feature::Mailboxes | Feature::Envelope | Feature::Pins;
    }
    const RemoteReply rules = get(QStringLiteral("/api/v1/rules"));
    if (rules.isOk() && QJsonDocument::fromJson(rules.body).isObject()) {
        features |= Feature::Rules;
    }
    // Mailpit says whether its relay is configured (its web UI shows Release only then); Letterbox has no web UI
    // configuration to serve, and its release answers 400 "no relay configured" itself.
    const RemoteReply webui = get(QStringLiteral("/api/v1/webui"));
    const QJsonObject relay
        = QJsonDocument::fromJson(webui.body).object().value(QLatin1String("MessageRelay")).toObject();
    if (webui.isOk() && !relay.isEmpty()) {
        if (relay.value(QLatin1String("Enabled")).toBool()) {
            features |= Feature::Release;
        }
    } else if (features.testFlag(Feature::Mailboxes)) {
        features |= Feature::Release;
    }
    m_features = int(features);
    qCInfo(lcRemote) << "attached to" << m_endpoint.displayText() << "features" << features;
    return true;
}

RemoteMessageStore::Features RemoteMessageStore::features() const
{
    return Features(m_features.load());
}

bool RemoteMessageStore::has(Feature feature) const
{
    return features().testFlag(feature);
}

RemoteEndpoint RemoteMessageStore::endpoint() const
{
    return m_endpoint;
}

RemoteMessageStore::State RemoteMessageStore::state() const
{
    return m_state;
}

QString RemoteMessageStore::stateText() const
{
    const QString where = m_endpoint.displayText();
    switch (m_state.load()) {
    case State::Detached:
        return tr("Detached from %1").arg(where);
    case State::Connecting:
        return tr("Connecting to %1…").arg(where);
    case State::Connected:
        return tr("Attached to %1").arg(where);
    case State::Reconnecting: {
        QMutexLocker lock(&m_mutex);
        return m_error.isEmpty() ? tr("Reconnecting to %1…").arg(where)
                                 : tr("Reconnecting to %1… (%2)").arg(where, m_error);
    }
    }
    return where;
}

void RemoteMessageStore::setReconnectInterval(int milliseconds)
{
    m_reconnectInterval = milliseconds;
    m_backoff = milliseconds;
}

void RemoteMessageStore::setRequestTimeout(int milliseconds)
{
    m_timeout = milliseconds;
}

void RemoteMessageStore::setState(State state)
{
    if (m_state.exchange(state) != state) {
        Q_EMIT stateChanged(state);
    }
}

void RemoteMessageStore::openEvents()
{
    if (!m_open || m_socket->state() != QAbstractSocket::UnconnectedState) {
        return;
    }
    setState(m_wasConnected ? State::Reconnecting : State::Connecting);
    m_socket->open(m_endpoint.request(m_endpoint.eventsUrl()));
}

void RemoteMessageStore::onSocketConnected()
{
    m_backoff = m_reconnectInterval;
    const bool again = m_wasConnected;
    m_wasConnected = true;
    setState(State::Connected);
    if (again) {
        // Whatever changed while the socket was down was not told: the counts and the lists load again.
        runAsync<RemoteReply>(
            this, [this] { return get(QStringLiteral("/api/v1/info")); },
            [this](const RemoteReply &info) {
                if (info.isOk()) {
                    const QJsonObject o = QJsonDocument::fromJson(info.body).object();
                    setCounts(qint64(o.value(QLatin1String("Messages")).toDouble()),
                        qint64(o.value(QLatin1String("Unread")).toDouble()));
                }
            });
        ++m_generation;
        Q_EMIT resynchronized();
    }
}

void RemoteMessageStore::onSocketLost()
{
    if (!m_open || m_reconnect->isActive()) {
        return;
    }
    {
        QMutexLocker lock(&m_mutex);
        if (m_error.isEmpty()) {
            m_error = m_socket->closeReason().isEmpty() ? tr("the connection was lost") : m_socket->closeReason();
        }
    }
    setState(State::Reconnecting);
    m_reconnect->start(m_backoff);
    m_backoff = qMin(m_backoff * 2, LongestReconnectInterval);
}

void RemoteMessageStore::onEvent(const QString &text)
{
    const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = frame.value(QLatin1String("Type")).toString();
    const QJsonValue data = frame.value(QLatin1String("Data"));
    {
        QMutexLocker lock(&m_mutex);
        m_error.clear();
    }
    // Mailpit's /api/events frames: {"Type": "new" | "delete" | "stats" | …, "Data": …}.
    if (type == QLatin1String("new")) {
        const MessageSummary s = RemoteJson::summary(data.toObject());
        if (s.id.isEmpty()) {
            return;
        }
        remember({ s });
        ++m_generation;
        Q_EMIT messageStored(s);
    } else if (type == QLatin1String("update")) {
        const QJsonObject o = data.toObject();
        const QString id = o.value(QLatin1String("ID")).toString();
        QMutexLocker lock(&m_mutex);
        const auto it = m_summaries.find(id);
        ++m_generation;
        if (o.contains(QLatin1String("Read"))) {
            const bool read = o.value(QLatin1String("Read")).toBool();
            if (it != m_summaries.end()) {
                it->read = read;
            }
            lock.unlock();
            Q_EMIT readChanged({ id }, read);
        } else if (o.contains(QLatin1String("Tags"))) {
            if (it != m_summaries.end()) {
                it->tags.clear();
                for (const QJsonValue &tag : o.value(QLatin1String("Tags")).toArray()) {
                    it->tags << tag.toString();
                }
            }
            lock.unlock();
            Q_EMIT tagsChanged({ id });
        } else if (o.contains(QLatin1String("Pinned"))) {
            const bool pinned = o.value(QLatin1String("Pinned")).toBool();
            if (it != m_summaries.end()) {
                it->pinned = pinned;
            }
            lock.unlock();
            Q_EMIT pinnedChanged({ id }, pinned);
        }
    } else if (type == QLatin1String("delete")) {
        const QString id = data.toObject().value(QLatin1String("ID")).toString();
        {
            QMutexLocker lock(&m_mutex);
            m_summaries.remove(id);
        }
        ++m_generation;
        Q_EMIT messagesRemoved({ id });
    } else if (type == QLatin1String("truncate")) {
        {
            QMutexLocker lock(&m_mutex);
            m_summaries.clear();
        }
        ++m_generation;
        Q_EMIT messagesCleared(m_count);
    } else if (type == QLatin1String("prune")) {
        // Retention on the server names no IDs: the lists load again.
        ++m_generation;
        Q_EMIT resynchronized();
    } else if (type == QLatin1String("stats")) {
        const QJsonObject o = data.toObject();
        setCounts(
            qint64(o.value(QLatin1String("Total")).toDouble()), qint64(o.value(QLatin1String("Unread")).toDouble()));
    }
}

void RemoteMessageStore::remember(const QList<MessageSummary> &summaries) const
{
    QMutexLocker lock(&m_mutex);
    if (m_summaries.size() + summaries.size() > RememberedSummaries) {
        m_summaries.clear();
    }
    for (const MessageSummary &s : summaries) {
        m_summaries.insert(s.id, s);
    }
}

void RemoteMessageStore::setCounts(qint64 total, qint64 unread) const
{
    auto *self = const_cast<RemoteMessageStore *>(this);
    const bool changed = self->m_count.exchange(total) != total;
    if ((self->m_unread.exchange(unread) != unread) || changed) {
        Q_EMIT self->countsChanged();
    }
}

void RemoteMessageStore::close()
{
    if (!m_open.exchange(false)) {
        return;
    }
    if (QThread::currentThread() == thread()) {
        m_reconnect->stop();
        m_socket->abort();
    }
    m_pool->waitForDone();
    setState(State::Detached);
}

bool RemoteMessageStore::isOpen() const
{
    return m_open;
}

QString RemoteMessageStore::errorString() const
{
    QMutexLocker lock(&m_mutex);
    return m_error;
}

QString RemoteMessageStore::location() const
{
    return m_endpoint.displayText();
}

qint64 RemoteMessageStore::storageSize() const
{
    return m_storageSize;
}

void RemoteMessageStore::setMaxMessages(qint64 max)
{
    // Retention is the server's (its --max-messages); kept only to be read back.
    m_maxMessages = max;
}

qint64 RemoteMessageStore::maxMessages() const
{
    return m_maxMessages;
}

std::optional<StoredMessage> RemoteMessageStore::message(const QString &id) const
{
    const QString base = QStringLiteral("/api/v1/message/") + pathId(id);
    // The source, not GET /api/v1/message/{ID}: that one marks the message read (Mailpit), and the window parses
    // the source itself, as for a local message.
    const RemoteReply raw = get(base + QStringLiteral("/raw"));
    if (!raw.isOk()) {
        if (raw.status != 404) {
            qCWarning(lcRemote) << "reading message" << id << "failed:" << raw.errorString();
        }
        return std::nullopt;
    }
    StoredMessage m;
    m.raw = raw.body;
    m.summary = summary(id).value_or(MessageSummary {});
    m.summary.id = id;
    m.summary.size = m.raw.size();
    m.authUser = m.summary.authUser;
    if (has(Feature::Envelope)) {
        const RemoteReply envelope = get(base + QStringLiteral("/envelope"));
        if (envelope.isOk()) {
            RemoteJson::applyEnvelope(QJsonDocument::fromJson(envelope.body).object(), &m);
        }
        const RemoteReply session = get(base + QStringLiteral("/session"));
        if (session.isOk()) {
            m.transcript = RemoteJson::transcript(QJsonDocument::fromJson(session.body).object());
        }
    }
    return m;
}

std::optional<MessageSummary> RemoteMessageStore::summary(const QString &id) const
{
    // A message's summary alone has no endpoint that leaves it unread: the window asks only for messages it has
    // listed or been told of, whose summaries are remembered (and kept up to date by the events).
    QMutexLocker lock(&m_mutex);
    const auto it = m_summaries.constFind(id);
    if (it == m_summaries.cend()) {
        return std::nullopt;
    }
    return *it;
}

QList<MessageSummary> RemoteMessageStore::messages(qint64 start, qint64 limit) const
{
    const std::optional<SearchResult> page = list(QString(), MessageSort(), start, limit);
    return page ? page->messages : QList<MessageSummary>();
}

std::optional<SearchResult> RemoteMessageStore::search(const QString &query, qint64 start, qint64 limit,
    const QTimeZone &zone, QString *error, SearchCompleteness completeness, const QString &mailbox) const
{
    if (query.trimmed().isEmpty()) {
        if (error) {
            *error = QStringLiteral("no search query");
        }
        return std::nullopt;
    }
    return list(query, MessageSort(), start, limit, zone, error, completeness, mailbox);
}

std::optional<SearchResult> RemoteMessageStore::list(const QString &query, const MessageSort &sort, qint64 start,
    qint64 limit, const QTimeZone &zone, QString *error, SearchCompleteness, const QString &mailbox) const
{
    if (!sort.isDefault()) {
        // Mailpit's API lists newest first only.
        if (error) {
            *error = QStringLiteral("an attached catcher lists its messages newest first only");
        }
        return std::nullopt;
    }
    if (!mailbox.isEmpty() && !has(Feature::Mailboxes)) {
        if (error) {
            *error = QStringLiteral("this catcher has no mailboxes");
        }
        return std::nullopt;
    }
    QUrlQuery parameters;
    parameters.addQueryItem(QStringLiteral("start"), QString::number(start));
    // Mailpit reads limit 0 as its default page: one message is asked for and dropped when only counts are wanted.
    parameters.addQueryItem(QStringLiteral("limit"), QString::number(qMax<qint64>(limit, 1)));
    const bool searching = !query.trimmed().isEmpty();
    if (searching) {
        parameters.addQueryItem(QStringLiteral("query"), query);
        parameters.addQueryItem(QStringLiteral("tz"), QString::fromLatin1(zone.id()));
    }
    const RemoteReply reply
        = get(searching ? QStringLiteral("/api/v1/search") : QStringLiteral("/api/v1/messages"), parameters, mailbox);
    if (!reply.isOk()) {
        if (error) {
            *error = reply.errorString();
        }
        return std::nullopt;
    }
    qint64 total = 0;
    qint64 unread = 0;
    SearchResult result = RemoteJson::page(QJsonDocument::fromJson(reply.body).object(), &total, &unread);
    if (limit <= 0) {
        result.messages.clear();
    }
    remember(result.messages);
    if (mailbox.isEmpty()) {
        setCounts(total, unread);
    }
    return result;
}

std::optional<QStringList> RemoteMessageStore::searchIds(
    const QString &query, const QTimeZone &zone, QString *error) const
{
    if (query.trimmed().isEmpty()) {
        if (error) {
            *error = QStringLiteral("no search query");
        }
        return std::nullopt;
    }
    QStringList ids;
    for (qint64 start = 0;; start += BulkPage) {
        const std::optional<SearchResult> page = list(query, MessageSort(), start, BulkPage, zone, error);
        if (!page) {
            return std::nullopt;
        }
        for (const MessageSummary &s : page->messages) {
            ids << s.id;
        }
        if (page->messages.size() < BulkPage || start + BulkPage >= page->matches) {
            return ids;
        }
    }
}

QStringList RemoteMessageStore::searchIds(const QString &query, const QTimeZone &zone) const
{
    if (!query.isEmpty()) {
        return searchIds(query, zone, nullptr).value_or(QStringList());
    }
    QStringList ids;
    for (qint64 start = 0;; start += BulkPage) {
        const std::optional<SearchResult> page = list(QString(), MessageSort(), start, BulkPage, zone);
        if (!page) {
            return ids;
        }
        for (const MessageSummary &s : page->messages) {
            ids << s.id;
        }
        if (page->messages.size() < BulkPage || start + BulkPage >= page->matches) {
            return ids;
        }
    }
}

QString RemoteMessageStore::latestId(const QString &query, const QTimeZone &zone) const
{
    const std::optional<SearchResult> page = list(query, MessageSort(), 0, 1, zone);
    return page && !page->messages.isEmpty() ? page->messages.constFirst().id : QString();
}

QList<MailboxCount> RemoteMessageStore::mailboxes() const
{
    if (has(Feature::Mailboxes)) {
        const RemoteReply reply = get(QStringLiteral("/api/v1/mailboxes"));
        if (reply.isOk()) {
            QList<MailboxCount> list = RemoteJson::mailboxes(QJsonDocument::fromJson(reply.body).array());
            // As a local store lists them: those holding messages (a configured mailbox without any is not one).
            list.removeIf([](const MailboxCount &m) { return m.total == 0 && m.name != QLatin1String("Inbox"); });
            return list;
        }
        return {};
    }
    // A catcher without mailboxes is one inbox.
    return { MailboxCount { QStringLiteral("Inbox"), m_count, m_unread } };
}

std::optional<MailboxIndex> RemoteMessageStore::mailboxIndex(const QString &, MailboxIndex::Texts) const
{
    // IMAP's view of a mailbox is served by the catcher's own IMAP listener, not through this window.
    return std::nullopt;
}

QStringList RemoteMessageStore::tags() const
{
    const RemoteReply reply = get(QStringLiteral("/api/v1/tags"));
    QStringList tags;
    if (reply.isOk()) {
        for (const QJsonValue &v : QJsonDocument::fromJson(reply.body).array()) {
            tags << v.toString();
        }
    }
    return tags;
}

QList<TagCount> RemoteMessageStore::tagCounts() const
{
    const RemoteReply reply = get(QStringLiteral("/api/v1/info"));
    if (!reply.isOk()) {
        return {};
    }
    return RemoteJson::tagCounts(QJsonDocument::fromJson(reply.body).object().value(QLatin1String("Tags")).toObject());
}

qint64 RemoteMessageStore::pinnedCount() const
{
    if (!has(Feature::Pins)) {
        return 0;
    }
    // No count of pins is served: the pages are read through (Delete All's question, on the pool).
    qint64 pinned = 0;
    for (qint64 start = 0;; start += BulkPage) {
        const std::optional<SearchResult> page = list(QString(), MessageSort(), start, BulkPage);
        if (!page) {
            return pinned;
        }
        for (const MessageSummary &s : page->messages) {
            pinned += s.pinned ? 1 : 0;
        }
        if (page->messages.size() < BulkPage || start + BulkPage >= page->matches) {
            return pinned;
        }
    }
}

QIODevice *RemoteMessageStore::openSource(const QString &id) const
{
    std::optional<QByteArray> raw = source(id);
    if (!raw) {
        return nullptr;
    }
    auto *buffer = new QBuffer;
    buffer->setData(*raw);
    buffer->open(QIODevice::ReadOnly);
    return buffer;
}

std::optional<QByteArray> RemoteMessageStore::source(const QString &id, qint64 limit) const
{
    const RemoteReply raw = get(QStringLiteral("/api/v1/message/") + pathId(id) + QStringLiteral("/raw"));
    if (!raw.isOk()) {
        return std::nullopt;
    }
    return limit < 0 ? raw.body : raw.body.left(limit);
}

QList<std::optional<QByteArray>> RemoteMessageStore::sources(const QStringList &ids, qint64 limit) const
{
    QList<std::optional<QByteArray>> list;
    for (const QString &id : ids) {
        list.append(source(id, limit));
    }
    return list;
}

void RemoteMessageStore::list(
    const ListRequest &request, QObject *context, std::function<void(const ListReply &)> done) const
{
    runAsync<ListReply>(
        context,
        [this, request] {
            ListReply reply;
            reply.result = list(request.query, request.sort, request.start, request.limit, request.zone, &reply.error,
                request.completeness, request.mailbox);
            return reply;
        },
        std::move(done));
}

void RemoteMessageStore::summary(
    const QString &id, QObject *context, std::function<void(const std::optional<MessageSummary> &)> done) const
{
    runAsync<std::optional<MessageSummary>>(
        context, [this, id] { return summary(id); }, std::move(done));
}

void RemoteMessageStore::mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const
{
    runAsync<QList<MailboxCount>>(
        context, [this] { return mailboxes(); }, std::move(done));
}

void RemoteMessageStore::mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
    std::function<void(const std::optional<MailboxIndex> &)> done) const
{
    runAsync<std::optional<MailboxIndex>>(
        context, [this, mailbox, texts] { return mailboxIndex(mailbox, texts); }, std::move(done));
}

void RemoteMessageStore::tags(QObject *context, std::function<void(const QStringList &)> done) const
{
    runAsync<QStringList>(
        context, [this] { return tags(); }, std::move(done));
}

void RemoteMessageStore::pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const
{
    runAsync<qint64>(
        context, [this] { return pinnedCount(); }, [done = std::move(done)](const qint64 &n) { done(n); });
}

qint64 RemoteMessageStore::unindexedCount() const
{
    // The server searches what it has indexed; it says nothing of what it has not.
    return 0;
}

quint64 RemoteMessageStore::generation() const
{
    return m_generation;
}

qint64 RemoteMessageStore::count() const
{
    return m_count;
}

qint64 RemoteMessageStore::unreadCount() const
{
    return m_unread;
}

bool RemoteMessageStore::write(const QByteArray &method, const QString &path, const QByteArray &body, QString *error,
    MessageStore::Write what, qint64 messages)
{
    const RemoteReply reply = send(method, m_endpoint.url(path), body);
    if (reply.isOk()) {
        ++m_generation;
        return true;
    }
    const QString why = reply.errorString();
    if (error) {
        *error = why;
    }
    // A refused tag name is the user's to correct, not a failed write (as on the local store).
    if (what != Write::Tagging || reply.status == 0 || reply.status >= 500) {
        Q_EMIT writeFailed(what, messages, why);
    }
    return false;
}

bool RemoteMessageStore::remove(const QStringList &ids, QString *error)
{
    if (ids.isEmpty()) {
        return true;
    }
    // DELETE /api/v1/messages with an empty IDs list deletes everything: never sent for an empty selection.
    if (!write("DELETE", QStringLiteral("/api/v1/messages"),
            RemoteJson::body({ { QStringLiteral("IDs"), jsonStrings(ids) } }), error, Write::Removal, ids.size())) {
        return false;
    }
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : ids) {
            m_summaries.remove(id);
        }
    }
    Q_EMIT messagesRemoved(ids);
    return true;
}

bool RemoteMessageStore::removeAll(QString *error)
{
    const qint64 before = m_count;
    if (!write("DELETE", QStringLiteral("/api/v1/messages"), QByteArray(), error, Write::RemovalOfAll, before)) {
        return false;
    }
    // Pinned messages stay on a Letterbox: the lists load again rather than guess which went.
    if (has(Feature::Pins)) {
        Q_EMIT resynchronized();
    } else {
        {
            QMutexLocker lock(&m_mutex);
            m_summaries.clear();
        }
        Q_EMIT messagesCleared(before);
    }
    return true;
}

bool RemoteMessageStore::setRead(const QStringList &ids, bool read, QString *error)
{
    if (ids.isEmpty()) {
        return true;
    }
    if (!write("PUT", QStringLiteral("/api/v1/messages"),
            RemoteJson::body({ { QStringLiteral("IDs"), jsonStrings(ids) }, { QStringLiteral("Read"), read } }), error,
            read ? Write::MarkRead : Write::MarkUnread, ids.size())) {
        return false;
    }
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : ids) {
            if (auto it = m_summaries.find(id); it != m_summaries.end()) {
                it->read = read;
            }
        }
    }
    Q_EMIT readChanged(ids, read);
    return true;
}

bool RemoteMessageStore::removeUnpinned(const QStringList &ids, QString *error)
{
    QStringList unpinned;
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : ids) {
            if (!m_summaries.value(id).pinned) {
                unpinned << id;
            }
        }
    }
    return remove(unpinned, error);
}

bool RemoteMessageStore::setTags(const QStringList &ids, const QStringList &tags, QString *error)
{
    if (ids.isEmpty()) {
        return true;
    }
    if (!write("PUT", QStringLiteral("/api/v1/tags"),
            RemoteJson::body(
                { { QStringLiteral("IDs"), jsonStrings(ids) }, { QStringLiteral("Tags"), jsonStrings(tags) } }),
            error, Write::Tagging, ids.size())) {
        return false;
    }
    // The server's spelling of each tag comes with its events; until then the tags as asked.
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : ids) {
            if (auto it = m_summaries.find(id); it != m_summaries.end()) {
                it->tags = tags;
            }
        }
    }
    Q_EMIT tagsChanged(ids);
    return true;
}

bool RemoteMessageStore::renameTag(const QString &from, const QString &to, QString *error)
{
    if (!write("PUT", QStringLiteral("/api/v1/tags/") + pathId(from),
            RemoteJson::body({ { QStringLiteral("Name"), to } }), error, Write::Tagging, 0)) {
        return false;
    }
    // Which messages carried it is the server's knowledge: the lists load again.
    Q_EMIT resynchronized();
    return true;
}

bool RemoteMessageStore::deleteTag(const QString &name, QString *error)
{
    if (!write("DELETE", QStringLiteral("/api/v1/tags/") + pathId(name), QByteArray(), error, Write::Tagging, 0)) {
        return false;
    }
    Q_EMIT resynchronized();
    return true;
}

bool RemoteMessageStore::setPinned(const QStringList &ids, bool pinned, QString *error)
{
    if (!has(Feature::Pins)) {
        if (error) {
            *error = QStringLiteral("this catcher does not pin messages");
        }
        return false;
    }
    if (ids.isEmpty()) {
        return true;
    }
    if (!write("PUT", QStringLiteral("/api/v1/messages"),
            RemoteJson::body({ { QStringLiteral("IDs"), jsonStrings(ids) }, { QStringLiteral("Pinned"), pinned } }),
            error, pinned ? Write::Pin : Write::Unpin, ids.size())) {
        return false;
    }
    {
        QMutexLocker lock(&m_mutex);
        for (const QString &id : ids) {
            if (auto it = m_summaries.find(id); it != m_summaries.end()) {
                it->pinned = pinned;
            }
        }
    }
    Q_EMIT pinnedChanged(ids, pinned);
    return true;
}

void RemoteMessageStore::remove(const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, ids] {
            QString error;
            remove(ids, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::removeAll(QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this] {
            QString error;
            removeAll(&error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::setRead(
    const QStringList &ids, bool read, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, ids, read] {
            QString error;
            setRead(ids, read, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::removeUnpinned(
    const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, ids] {
            QString error;
            removeUnpinned(ids, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::setTags(
    const QStringList &ids, const QStringList &tags, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, ids, tags] {
            QString error;
            setTags(ids, tags, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::renameTag(
    const QString &from, const QString &to, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, from, to] {
            QString error;
            renameTag(from, to, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::deleteTag(const QString &name, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, name] {
            QString error;
            deleteTag(name, &error);
            return error;
        },
        std::move(done));
}

void RemoteMessageStore::setPinned(
    const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &)> done)
{
    runAsync<QString>(
        context,
        [this, ids, pinned] {
            QString error;
            setPinned(ids, pinned, &error);
            return error;
        },
        std::move(done));
}

bool RemoteMessageStore::changeRelay(RelayChange *, QString *error)
{
    *error = notHere("relaying");
    return false;
}

QList<RelayPending> RemoteMessageStore::relayPending() const
{
    // The server retries its own auto-relays; this window keeps none.
    return {};
}

QList<RelayRecord> RemoteMessageStore::relayLog(const QString &) const
{
    // The relay log is not part of the API.
    return {};
}

void RemoteMessageStore::relayLog(
    const QString &, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const
{
    QMetaObject::invokeMethod(
        context, [done = std::move(done)] { done({}); }, Qt::QueuedConnection);
}

QList<PendingBounce> RemoteMessageStore::pendingBounces() const
{
    return {};
}

std::optional<RefusedSessionPage> RemoteMessageStore::refusedSessions(qint64, qint64) const
{
    // The server's refused sessions belong to its Sessions view, which an attached window does not show.
    return RefusedSessionPage {};
}

std::optional<RefusedSession> RemoteMessageStore::refusedSession(const QString &) const
{
    return std::nullopt;
}

void RemoteMessageStore::refusedSessions(
    qint64, qint64, QObject *context, std::function<void(const RefusedSessionPage &)> done) const
{
    QMetaObject::invokeMethod(
        context, [done = std::move(done)] { done({}); }, Qt::QueuedConnection);
}

bool RemoteMessageStore::removeRefusedSessions(QString *error)
{
    if (error) {
        *error = notHere("keeping refused sessions");
    }
    return false;
}

void RemoteMessageStore::setReleaseTimeout(int milliseconds)
{
    m_releaseTimeout = milliseconds;
}

void RemoteMessageStore::release(
    const QString &id, const QStringList &to, QObject *context, std::function<void(bool ok, const QString &text)> done)
{
    struct Answer
    {
        bool ok = false;
        QString text;
    };
    runAsync<Answer>(
        context,
        [this, id, to] {
            Answer answer;
            if (!m_open) {
                answer.text = QStringLiteral("detached from %1").arg(m_endpoint.displayText());
                return answer;
            }
            const RemoteReply reply = RemoteHttp::send(m_endpoint, "POST",
                m_endpoint.url(QStringLiteral("/api/v1/message/") + pathId(id) + QStringLiteral("/release")),
                RemoteJson::body({ { QStringLiteral("To"), jsonStrings(to) } }),
                qMax(m_timeout.load(), m_releaseTimeout.load()), &m_open);
            answer.ok = reply.isOk();
            const QString said = QString::fromUtf8(reply.body).trimmed();
            if (answer.ok) {
                // Both catchers answer "ok" once the relay accepted the message (CONTRACT "Release").
                answer.text = said.isEmpty() || said == QLatin1String("ok")
                    ? QStringLiteral("the relay of %1 accepted it").arg(m_endpoint.displayText())
                    : said;
            } else if (reply.status == 400 && !said.isEmpty()) {
                // The relay's reply or the connection error, or "no relay configured": the catcher's own words.
                answer.text = said;
            } else {
                answer.text = reply.errorString();
            }
            return answer;
        },
        [done = std::move(done)](const Answer &answer) { done(answer.ok, answer.text); });
}

void RemoteMessageStore::deliver(IncomingMessage, std::function<void(const DeliveryResult &)> done)
{
    DeliveryResult result;
    result.errorString = notHere("taking mail");
    done(result);
}
