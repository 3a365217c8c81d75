#include "apiserver.h"

#include "../mime/parsedmessage.h"
#include "../rules/ruleengine.h"
#include "../store/messagestore.h"
#include "apijson.h"

#include <QBuffer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QSaveFile>
#include <QTcpServer>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcApi, "letterbox.api")

using Status = QHttpServerResponder::StatusCode;
using Method = QHttpServerRequest::Method;

namespace {
// Mailpit's "stats" events come at most four times a second.
constexpr int StatsIntervalMs = 250;

const QByteArray TextPlain = QByteArrayLiteral("text/plain; charset=utf-8");
const QByteArray Json = QByteArrayLiteral("application/json");

void sendText(QHttpServerResponder &responder, Status status, const QByteArray &text)
{
    responder.write(text, TextPlain, status);
}

void sendJson(QHttpServerResponder &responder, const QJsonObject &object)
{
    responder.write(QJsonDocument(object).toJson(QJsonDocument::Compact), Json, Status::Ok);
}

// Go's http.NotFound body, which Mailpit clients see for unknown paths and messages.
void sendNotFound(QHttpServerResponder &responder)
{
    sendText(responder, Status::NotFound, QByteArrayLiteral("404 page not found\n"));
}

struct Paging
{
    qint64 start = 0;
    qint64 limit = 50;
    QString error;
};

// The query string as Go (and so Mailpit) reads it: form encoding, where '+' is a space (curl --data-urlencode,
// browsers' forms); a literal plus arrives as %2B.
QUrlQuery formQuery(const QUrl &url)
{
    QString query = url.query(QUrl::FullyEncoded);
    query.replace(QLatin1Char('+'), QLatin1String("%20"));
    return QUrlQuery(query);
}

Paging paging(const QUrlQuery &query)
{
    Paging p;
    const auto read = [&query, &p](const QString &name, qint64 *value) {
        if (!query.hasQueryItem(name)) {
            return;
        }
        bool ok = false;
        const qint64 v = query.queryItemValue(name).toLongLong(&ok);
        if (!ok || v < 0) {
            p.error = QStringLiteral("invalid %1: %2").arg(name, query.queryItemValue(name));
            return;
        }
        *value = v;
    };
    read(QStringLiteral("start"), &p.start);
    read(QStringLiteral("limit"), &p.limit);
    return p;
}

// The tz parameter of before:/after: (an IANA name); UTC when absent. Invalid: nullopt.
std::optional<QTimeZone> timeZone(const QUrlQuery &query)
{
    const QString tz = query.queryItemValue(QStringLiteral("tz"));
    if (tz.isEmpty()) {
        return QTimeZone::utc();
    }
    QTimeZone zone(tz.toUtf8());
    if (!zone.isValid()) {
        return std::nullopt;
    }
    return zone;
}

// A JSON object body; an empty body is an empty object. nullopt: not a JSON object.
std::optional<QJsonObject> jsonBody(const QHttpServerRequest &request)
{
    const QByteArray body = request.body().trimmed();
    if (body.isEmpty()) {
        return QJsonObject();
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        return std::nullopt;
    }
    return doc.object();
}

std::optional<QStringList> stringList(const QJsonValue &value)
{
    if (value.isUndefined() || value.isNull()) {
        return QStringList();
    }
    if (!value.isArray()) {
        return std::nullopt;
    }
    QStringList list;
    for (const QJsonValue &v : value.toArray()) {
        if (!v.isString()) {
            return std::nullopt;
        }
        list << v.toString();
    }
    return list;
}

qint64 residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * 4096 : 0;
}
} // namespace

struct ApiServer::Private
{
    MessageStore *store = nullptr;
    RuleEngine *rules = nullptr;
    QString rulesFile;
    QTcpServer *listener = nullptr;
    QString errorString;
    QList<QPointer<QWebSocket>> sockets;
    QTimer *statsTimer = nullptr;
    bool statsPending = false;
    QElapsedTimer uptime;
    qint64 accepted = 0;
    qint64 acceptedSize = 0;
    qint64 deleted = 0;

    void route(const QHttpServerRequest &request, QHttpServerResponder &responder, ApiServer *q);
    void messages(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void search(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void message(const QHttpServerRequest &request, QHttpServerResponder &responder, const QStringList &path);
    void view(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &file);
    void info(QHttpServerResponder &responder);
    void rulesResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void chaosResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    // The ID a path names ("latest": the newest, or the newest matching ?query=); "" when none.
    QString resolve(const QString &id, const QUrlQuery &query) const;
};

void ApiServer::setRules(RuleEngine *engine, const QString &rulesFile)
{
    d->rules = engine;
    d->rulesFile = rulesFile;
}

ApiServer::ApiServer(MessageStore *store, QObject *parent) : QAbstractHttpServer(parent), d(std::make_unique<Private>())
{
    d->store = store;
    d->uptime.start();
    d->statsTimer = new QTimer(this);
    d->statsTimer->setSingleShot(true);
    d->statsTimer->setInterval(StatsIntervalMs);
    connect(d->statsTimer, &QTimer::timeout, this, &ApiServer::sendStats);
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, &ApiServer::acceptWebSockets);

    // Store signals come from its writer thread: queued into this object's thread.
    connect(
        store, &MessageStore::messageStored, this,
        [this](const MessageSummary &summary) {
            ++d->accepted;
            d->acceptedSize += summary.size;
            // The parsed summary is read (and made if need be) only when someone listens.
            if (eventClientCount() > 0) {
                broadcast("new", ApiJson::summary(d->store->summary(summary.id).value_or(summary)));
            }
            scheduleStats();
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::messagesRemoved, this,
        [this](const QStringList &ids) {
            d->deleted += ids.size();
            for (const QString &id : ids) {
                broadcast("delete", QJsonObject { { QStringLiteral("ID"), id } });
            }
            scheduleStats();
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::messagesCleared, this,
        [this](qint64 count) {
            d->deleted += count;
            broadcast("truncate", QJsonValue::Null);
            scheduleStats();
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::messagesPruned, this,
        [this](const QStringList &ids) {
            d->deleted += ids.size();
            broadcast("prune", QJsonValue::Null);
            scheduleStats();
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::readChanged, this,
        [this](const QStringList &ids, bool read) {
            for (const QString &id : ids) {
                broadcast("update", QJsonObject { { QStringLiteral("ID"), id }, { QStringLiteral("Read"), read } });
            }
            scheduleStats();
        },
        Qt::QueuedConnection);
}

ApiServer::~ApiServer()
{
    close();
}

bool ApiServer::listen(const QHostAddress &address, quint16 port)
{
    close();
    auto *listener = new QTcpServer(this);
    if (!listener->listen(address, port)) {
        d->errorString = listener->errorString();
        delete listener;
        return false;
    }
    d->listener = listener;
    bind(listener);
    return true;
}

QString ApiServer::errorString() const
{
    return d->errorString;
}

QHostAddress ApiServer::serverAddress() const
{
    return d->listener ? d->listener->serverAddress() : QHostAddress();
}

quint16 ApiServer::serverPort() const
{
    return d->listener ? d->listener->serverPort() : 0;
}

void ApiServer::close()
{
    if (d->listener) {
        d->listener->close();
    }
    for (const QPointer<QWebSocket> &socket : std::as_const(d->sockets)) {
        if (socket) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway);
        }
    }
}

int ApiServer::eventClientCount() const
{
    int n = 0;
    for (const QPointer<QWebSocket> &socket : std::as_const(d->sockets)) {
        n += socket ? 1 : 0;
    }
    return n;
}

void ApiServer::acceptWebSockets()
{
    while (hasPendingWebSocketConnections()) {
        QWebSocket *socket = nextPendingWebSocketConnection().release();
        socket->setParent(this);
        if (socket->requestUrl().path() != QLatin1String("/api/events")) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unknown path"));
            socket->deleteLater();
            continue;
        }
        // Cross-site WebSocket hijacking: a web page elsewhere must not read the inbox through the user's browser.
        // Scripts and tools send no Origin; pages served from this machine may connect.
        const QString origin = socket->origin();
        const QString host = QUrl(origin).host().toLower();
        if (!origin.isEmpty() && host != QLatin1String("localhost") && !QHostAddress(host).isLoopback()) {
            qCInfo(lcApi) << "refused a WebSocket from origin" << origin;
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("origin not allowed"));
            socket->deleteLater();
            continue;
        }
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        d->sockets.removeAll(QPointer<QWebSocket>());
        d->sockets.append(socket);
    }
}

void ApiServer::broadcast(const QByteArray &type, const QJsonValue &data)
{
    if (d->sockets.isEmpty()) {
        return;
    }
    QJsonObject frame { { QStringLiteral("Type"), QString::fromLatin1(type) }, { QStringLiteral("Data"), data } };
    const QString text = QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    for (const QPointer<QWebSocket> &socket : std::as_const(d->sockets)) {
        if (socket && socket->isValid()) {
            socket->sendTextMessage(text);
        }
    }
}

void ApiServer::scheduleStats()
{
    // Coalesced: a burst of changes gives one stats event per interval.
    if (!d->statsTimer->isActive()) {
        d->statsTimer->start();
    }
}

void ApiServer::sendStats()
{
    broadcast("stats",
        QJsonObject { { QStringLiteral("Total"), double(d->store->count()) },
            { QStringLiteral("Unread"), double(d->store->unreadCount()) },
            { QStringLiteral("Version"), QStringLiteral("v" LETTERBOX_VERSION) } });
}

bool ApiServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Accepted without an HTTP answer: QAbstractHttpServer (Qt 6.4) then hands the socket to its WebSocket server,
    // and acceptWebSockets() keeps /api/events and closes any other path.
    if (request.value(QByteArrayLiteral("upgrade")).compare(QByteArrayLiteral("websocket"), Qt::CaseInsensitive) == 0) {
        return true;
    }
    QHttpServerResponder responder = makeResponder(request, socket);
    d->route(request, responder, this);
    return true;
}

void ApiServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    sendNotFound(responder);
}

QString ApiServer::Private::resolve(const QString &id, const QUrlQuery &query) const
{
    if (id == QLatin1String("latest")) {
        return store->latestId(query.queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded));
    }
    return id;
}

void ApiServer::Private::route(const QHttpServerRequest &request, QHttpServerResponder &responder, ApiServer *)
{
    const QString path = request.url().path();
    const Method method = request.method();
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const auto allow = [&responder, method](std::initializer_list<Method> methods) {
        for (Method m : methods) {
            if (m == method) {
                return true;
            }
        }
        responder.write(QByteArray(), TextPlain, Status::MethodNotAllowed);
        return false;
    };

    if (path == QLatin1String("/livez") || path == QLatin1String("/readyz")) {
        if (allow({ Method::Get, Method::Head })) {
            sendText(responder, Status::Ok, store->isOpen() ? "ok" : "store closed");
        }
        return;
    }
    if (parts.size() == 2 && parts[0] == QLatin1String("view")) {
        if (allow({ Method::Get })) {
            view(request, responder, parts[1]);
        }
        return;
    }
    if (parts.size() < 3 || parts[0] != QLatin1String("api") || parts[1] != QLatin1String("v1")) {
        sendNotFound(responder);
        return;
    }
    const QString resource = parts[2];
    if (parts.size() == 3 && resource == QLatin1String("messages")) {
        if (allow({ Method::Get, Method::Put, Method::Delete })) {
            messages(request, responder);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("search")) {
        if (allow({ Method::Get, Method::Delete })) {
            search(request, responder);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("info")) {
        if (allow({ Method::Get })) {
            info(responder);
        }
        return;
    }
    if (parts.size() >= 4 && resource == QLatin1String("message")) {
        message(request, responder, parts.mid(3));
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("rules") && rules) {
        if (allow({ Method::Get, Method::Put })) {
            rulesResource(request, responder);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("chaos") && rules) {
        if (allow({ Method::Get, Method::Put })) {
            chaosResource(request, responder);
        }
        return;
    }
    sendNotFound(responder);
}

void ApiServer::Private::rulesResource(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    if (request.method() == Method::Put) {
        // CONTRACT: all rules are validated before any changes; then written atomically where they came from.
        QString error;
        const std::optional<RuleSet> set = RuleSet::fromJson(request.body(), &error);
        if (!set) {
            sendText(responder, Status::BadRequest, error.toUtf8());
            return;
        }
        if (!rulesFile.isEmpty()) {
            QSaveFile file(rulesFile);
            if (!file.open(QIODevice::WriteOnly) || file.write(set->toJson()) < 0 || !file.commit()) {
                sendText(responder, Status::InternalServerError,
                    QStringLiteral("cannot save %1: %2").arg(rulesFile, file.errorString()).toUtf8());
                return;
            }
        }
        rules->setRules(*set);
    }
    responder.write(rules->rules().toJson(), Json, Status::Ok);
}

namespace {
QJsonObject chaosJson(const ChaosTriggers &c)
{
    auto trigger = [](const ChaosTriggers::Trigger &t) {
        return QJsonObject { { QStringLiteral("ErrorCode"), t.errorCode },
            { QStringLiteral("Probability"), t.probability } };
    };
    return QJsonObject { { QStringLiteral("Sender"), trigger(c.sender) },
        { QStringLiteral("Recipient"), trigger(c.recipient) },
        { QStringLiteral("Authentication"), trigger(c.authentication) } };
}
} // namespace

void ApiServer::Private::chaosResource(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    if (request.method() == Method::Put) {
        const std::optional<QJsonObject> body = jsonBody(request);
        if (!body) {
            sendText(responder, Status::BadRequest, "invalid JSON body");
            return;
        }
        // Mailpit: a trigger left out is reset (probability 0); ErrorCode 0 or absent takes the default.
        ChaosTriggers chaos;
        const struct
        {
            const char *name;
            ChaosTriggers::Trigger *trigger;
        } fields[] = { { "Sender", &chaos.sender }, { "Recipient", &chaos.recipient },
            { "Authentication", &chaos.authentication } };
        for (const auto &field : fields) {
            const QJsonObject t = body->value(QLatin1String(field.name)).toObject();
            const int code = t.value(QLatin1String("ErrorCode")).toInt(0);
            const int probability = t.value(QLatin1String("Probability")).toInt(0);
            if (code != 0 && (code < 400 || code > 599)) {
                sendText(responder, Status::BadRequest, "error code must be between 400 and 599");
                return;
            }
            if (probability < 0 || probability > 100) {
                sendText(responder, Status::BadRequest, "probability must be between 0 and 100");
                return;
            }
            if (code != 0) {
                field.trigger->errorCode = code;
            }
            field.trigger->probability = probability;
        }
        rules->setChaos(chaos);
    }
    sendJson(responder, chaosJson(rules->chaos()));
}

void ApiServer::Private::messages(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QUrlQuery query = formQuery(request.url());
    if (request.method() == Method::Get) {
        const Paging p = paging(query);
        if (!p.error.isEmpty()) {
            sendText(responder, Status::BadRequest, p.error.toUtf8());
            return;
        }
        const qint64 total = store->count();
        const qint64 unread = store->unreadCount();
        sendJson(
            responder, ApiJson::summaries(store->messages(p.start, p.limit), p.start, total, unread, total, unread));
        return;
    }
    const std::optional<QJsonObject> body = jsonBody(request);
    if (!body) {
        sendText(responder, Status::BadRequest, "invalid JSON body");
        return;
    }
    const std::optional<QStringList> ids = stringList(body->value(QStringLiteral("IDs")));
    if (!ids) {
        sendText(responder, Status::BadRequest, "IDs must be an array of strings");
        return;
    }
    if (request.method() == Method::Delete) {
        const bool ok = ids->isEmpty() ? store->removeAll() : store->remove(*ids);
        ok ? sendText(responder, Status::Ok, "ok") : sendText(responder, Status::InternalServerError, "delete failed");
        return;
    }
    // PUT: mark read/unread by IDs, by Search, or everything.
    const QJsonValue read = body->value(QStringLiteral("Read"));
    if (!read.isUndefined() && !read.isBool()) {
        sendText(responder, Status::BadRequest, "Read must be true or false");
        return;
    }
    const QString searchText = body->value(QStringLiteral("Search")).toString();
    if (!ids->isEmpty() && !searchText.isEmpty()) {
        sendText(responder, Status::BadRequest, "IDs and Search are mutually exclusive");
        return;
    }
    const std::optional<QTimeZone> zone = timeZone(query);
    if (!zone) {
        sendText(responder, Status::BadRequest, "invalid tz");
        return;
    }
    QStringList targets = *ids;
    if (ids->isEmpty()) {
        targets = store->searchIds(searchText, *zone);
    }
    if (store->setRead(targets, read.toBool(false))) {
        sendText(responder, Status::Ok, "ok");
    } else {
        sendText(responder, Status::InternalServerError, "update failed");
    }
}

void ApiServer::Private::search(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QUrlQuery query = formQuery(request.url());
    const QString text = query.queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded).trimmed();
    if (text.isEmpty()) {
        sendText(responder, Status::BadRequest, "Error: no search query");
        return;
    }
    const std::optional<QTimeZone> zone = timeZone(query);
    if (!zone) {
        sendText(responder, Status::BadRequest, "invalid tz");
        return;
    }
    if (request.method() == Method::Delete) {
        const QStringList ids = store->searchIds(text, *zone);
        if (ids.isEmpty() || store->remove(ids)) {
            sendText(responder, Status::Ok, "ok");
        } else {
            sendText(responder, Status::InternalServerError, "delete failed");
        }
        return;
    }
    const Paging p = paging(query);
    if (!p.error.isEmpty()) {
        sendText(responder, Status::BadRequest, p.error.toUtf8());
        return;
    }
    QString error;
    const std::optional<SearchResult> result = store->search(text, p.start, p.limit, *zone, &error);
    if (!result) {
        sendText(responder, Status::BadRequest, error.toUtf8());
        return;
    }
    sendJson(responder,
        ApiJson::summaries(
            result->messages, p.start, store->count(), store->unreadCount(), result->matches, result->unreadMatches));
}

void ApiServer::Private::message(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QStringList &path)
{
    const QUrlQuery query = formQuery(request.url());
    const QString id = resolve(path[0], query);
    const QString sub = path.value(1);
    const bool known = (path.size() == 1)
        || (path.size() == 2
            && (sub == QLatin1String("headers") || sub == QLatin1String("raw") || sub == QLatin1String("envelope")
                || sub == QLatin1String("session")))
        || (path.size() == 3 && sub == QLatin1String("part"));
    if (!known) {
        sendNotFound(responder);
        return;
    }
    if (request.method() != Method::Get) {
        responder.write(QByteArray(), TextPlain, Status::MethodNotAllowed);
        return;
    }
    if (id.isEmpty()) {
        sendNotFound(responder);
        return;
    }
    if (sub == QLatin1String("raw")) {
        QIODevice *source = store->openSource(id);
        if (!source) {
            sendNotFound(responder);
            return;
        }
        // Streamed from the database in chunks as the socket drains (QHttpServerResponder owns the device).
        responder.write(source, TextPlain, Status::Ok);
        return;
    }
    const std::optional<StoredMessage> stored = store->message(id);
    if (!stored) {
        sendNotFound(responder);
        return;
    }
    if (sub == QLatin1String("envelope")) {
        sendJson(responder, ApiJson::envelope(*stored));
        return;
    }
    if (sub == QLatin1String("session")) {
        responder.write(stored->transcriptJson, Json, Status::Ok);
        return;
    }
    if (sub == QLatin1String("part")) {
        const ParsedMessage parsed = ParsedMessage::parse(stored->raw);
        const std::optional<MimePart> part = parsed.part(path[2]);
        std::optional<QByteArray> content;
        if (part) {
            content = ParsedMessage::partContent(stored->raw, part->partId);
        }
        if (!content) {
            sendNotFound(responder);
            return;
        }
        QByteArray type = part->contentType.toUtf8();
        if (!part->charset.isEmpty()) {
            type += "; charset=" + part->charset.toUtf8();
        }
        auto *buffer = new QBuffer;
        buffer->setData(std::move(*content));
        responder.write(buffer, type, Status::Ok);
        return;
    }
    const ParsedMessage parsed = ParsedMessage::parse(stored->raw);
    if (sub == QLatin1String("headers")) {
        sendJson(responder, ApiJson::headers(parsed));
        return;
    }
    // Mailpit: fetching a message marks it read.
    if (!stored->summary.read) {
        store->setRead({ id }, true);
    }
    sendJson(responder, ApiJson::message(*stored, parsed));
}

void ApiServer::Private::view(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &file)
{
    const bool html = file.endsWith(QLatin1String(".html"));
    const bool text = file.endsWith(QLatin1String(".txt"));
    if (!html && !text) {
        sendNotFound(responder);
        return;
    }
    const QString id = resolve(file.left(file.lastIndexOf(QLatin1Char('.'))), formQuery(request.url()));
    const std::optional<StoredMessage> stored = id.isEmpty() ? std::nullopt : store->message(id);
    if (!stored) {
        sendNotFound(responder);
        return;
    }
    const ParsedMessage parsed = ParsedMessage::parse(stored->raw);
    if (html) {
        if (parsed.html.isEmpty()) {
            sendNotFound(responder);
            return;
        }
        responder.write(parsed.html.toUtf8(), "text/html; charset=utf-8", Status::Ok);
        return;
    }
    sendText(responder, Status::Ok, parsed.text.toUtf8());
}

void ApiServer::Private::info(QHttpServerResponder &responder)
{
    const QString path = store->databasePath();
    qint64 size = QFileInfo(path).size();
    size += QFileInfo(path + QStringLiteral("-wal")).size();
    sendJson(responder,
        QJsonObject {
            { QStringLiteral("Version"), QStringLiteral("v" LETTERBOX_VERSION) },
            { QStringLiteral("LatestVersion"), QString() },
            { QStringLiteral("Database"), path },
            { QStringLiteral("DatabaseSize"), double(size) },
            { QStringLiteral("Messages"), double(store->count()) },
            { QStringLiteral("Unread"), double(store->unreadCount()) },
            { QStringLiteral("Tags"), QJsonObject() },
            { QStringLiteral("RuntimeStats"),
                QJsonObject {
                    { QStringLiteral("Memory"), double(residentBytes()) },
                    { QStringLiteral("MessagesDeleted"), double(deleted) },
                    { QStringLiteral("SMTPAccepted"), double(accepted) },
                    { QStringLiteral("SMTPAcceptedSize"), double(acceptedSize) },
                    // Refusals are answered in the SMTP session (and its transcript), not counted here.
                    { QStringLiteral("SMTPRejected"), 0 },
                    { QStringLiteral("SMTPIgnored"), 0 },
                    { QStringLiteral("Uptime"), double(uptime.elapsed() / 1000) },
                } },
        });
}
