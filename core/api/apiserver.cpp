#include "apiserver.h"

#include "../mailbox/mailboxsettings.h"
#include "../mailbox/routeddelivery.h"
#include "../mime/parsedmessage.h"
#include "../relay/relayservice.h"
#include "../rules/ruleengine.h"
#include "../settings/settingsdocument.h"
#include "../store/messagestore.h"
#include "apiauthenticator.h"
#include "apijson.h"
#include "basiccredentials.h"
#include "httprequestguard.h"
#include "sendrequest.h"

#include "../message/clientaddress.h"
#include "../message/mailboxname.h"
#include "../message/safefilename.h"
#include "../mime/messagebuilder.h"
#include "../store/messagesubmission.h"
#include "../store/searchquery.h"

#include <QAbstractHttpServer>
#include <QBuffer>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QPointer>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTcpServer>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QWaitCondition>
#include <QWebSocket>

#include <cmath>
#include <future>

Q_LOGGING_CATEGORY(lcApi, "letterbox.api")

using Status = QHttpServerResponder::StatusCode;
using Method = QHttpServerRequest::Method;

namespace {
// Mailpit's "stats" events come at most four times a second.
constexpr int StatsIntervalMs = 250;

const QByteArray TextPlain = QByteArrayLiteral("text/plain; charset=utf-8");
const QByteArray Json = QByteArrayLiteral("application/json");

// Every response says what it is and forbids the browser to guess (nosniff) or to run anything in it: API data and
// text load nothing, and a document opened from here runs in an opaque origin (sandbox), so nothing in a message
// can ever act with the API's authority (a mailed <script> opened at /view or /part read the inbox and PUT rules).
const QByteArray DataPolicy = QByteArrayLiteral("default-src 'none'; sandbox");
// A message's HTML at /view: its own styles, inline and data: images; no script, form, base or remote load.
const QByteArray ViewPolicy = QByteArrayLiteral("default-src 'none'; img-src 'self' data:; "
                                                "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
                                                "media-src 'self' data:; form-action 'none'; base-uri 'none'; sandbox");
// /view?remote=1: remote images, styles and fonts too, when the user asks for them; still no script.
const QByteArray ViewPolicyRemote
    = QByteArrayLiteral("default-src 'none'; img-src * data:; "
                        "style-src * 'unsafe-inline'; font-src * data:; "
                        "media-src * data:; form-action 'none'; base-uri 'none'; sandbox");

// Bodies: a send request carries a message of up to the size limit, base64-encoded in JSON; everything else is small.
constexpr qint64 SmallBodyLimit = 4 * 1024 * 1024;

struct Reply
{
    Status status = Status::Ok;
    QByteArray contentType = TextPlain;
    QByteArray policy = DataPolicy;
    QByteArray disposition; // empty: none
};

// The one place a response is written: every header is a fixed name and a value built from validated parts.
template<typename Body>
void send(QHttpServerResponder &responder, const Reply &reply, Body body)
{
    if (reply.disposition.isEmpty()) {
        responder.write(body,
            { { "Content-Type", reply.contentType }, { "X-Content-Type-Options", "nosniff" },
                { "Content-Security-Policy", reply.policy }, { "Referrer-Policy", "no-referrer" } },
            reply.status);
        return;
    }
    responder.write(body,
        { { "Content-Type", reply.contentType }, { "X-Content-Type-Options", "nosniff" },
            { "Content-Security-Policy", reply.policy }, { "Referrer-Policy", "no-referrer" },
            { "Content-Disposition", reply.disposition } },
        reply.status);
}

void sendText(QHttpServerResponder &responder, Status status, const QByteArray &text)
{
    send(responder, Reply { status, TextPlain, DataPolicy, {} }, text);
}

void sendJson(QHttpServerResponder &responder, const QJsonObject &object)
{
    send(responder, Reply { Status::Ok, Json, DataPolicy, {} }, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// Go's http.NotFound body, which Mailpit clients see for unknown paths and messages.
void sendNotFound(QHttpServerResponder &responder)
{
    sendText(responder, Status::NotFound, QByteArrayLiteral("404 page not found\n"));
}

void sendMethodNotAllowed(QHttpServerResponder &responder)
{
    sendText(responder, Status::MethodNotAllowed, QByteArray());
}

// RFC 9110 §5.6.2: a token. Response header values are built from tokens only (never raw message text).
bool isToken(const QString &text)
{
    if (text.isEmpty() || text.size() > 127) {
        return false;
    }
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || (u < 0x80 && QByteArrayView("!#$%&'*+-.^_`|~").contains(char(u)));
        if (!ok) {
            return false;
        }
    }
    return true;
}

// A part's Content-Type for the response: its type/subtype and charset when they are RFC 2045 tokens, else
// application/octet-stream (an RFC 2231 charset*=…%0D%0A… must never become a header of ours).
QByteArray partContentType(const MimePart &part)
{
    const qsizetype slash = part.contentType.indexOf(u'/');
    if (slash <= 0 || !isToken(part.contentType.left(slash)) || !isToken(part.contentType.mid(slash + 1))) {
        return QByteArrayLiteral("application/octet-stream");
    }
    QByteArray type = part.contentType.toLatin1();
    if (isToken(part.charset)) {
        type += "; charset=" + part.charset.toLatin1();
    }
    return type;
}

// Raster images a browser shows inline; anything else (HTML, SVG with its scripts, PDFs…) is a download.
bool isInlineImage(const QString &type)
{
    static const QStringList types { QStringLiteral("image/png"), QStringLiteral("image/jpeg"),
        QStringLiteral("image/gif"), QStringLiteral("image/webp"), QStringLiteral("image/bmp"),
        QStringLiteral("image/avif"), QStringLiteral("image/x-icon"), QStringLiteral("image/vnd.microsoft.icon") };
    return types.contains(type);
}

// RFC 6266: attachment, with an ASCII fallback name and the UTF-8 name (RFC 8187), both from the sanitised name.
QByteArray attachmentDisposition(const MimePart &part)
{
    const QString name = SafeFileName::sanitized(
        part.fileName.isEmpty() ? part.contentId : part.fileName, QStringLiteral("part-") + part.partId);
    QByteArray ascii;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        ascii += (u >= 0x20 && u < 0x7f && u != '"' && u != '\\' && u != '%') ? char(u) : '_';
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + QUrl::toPercentEncoding(name);
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

// RuntimeStats.Memory (the resident set): 0 where it is not known, as SMTPRejected and SMTPIgnored are 0 for counts
// Letterbox does not keep, because Mailpit's clients expect a number there.
qint64 residentBytes()
{
#if defined(Q_OS_LINUX)
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * 4096 : 0;
#else
    // /proc is Linux's; a port may read task_info() (macOS) or GetProcessMemoryInfo() (Windows) here.
    return 0;
#endif
}
// Creates each connection's socket itself (a QSslSocket with --api-tls-cert), so that a request guard reads the bytes
// before the HTTP server does; the guard hands the socket to the HTTP server (attach()) once its first request may be
// answered.
class ApiListener : public QTcpServer
{
public:
    ApiListener(std::function<void(QTcpSocket *)> guard, std::optional<QSslConfiguration> tls, QObject *parent)
        : QTcpServer(parent), m_guard(std::move(guard)), m_tls(std::move(tls))
    {
    }

    // From now on the HTTP server reads the socket.
    void attach(QTcpSocket *socket) { addPendingConnection(socket); }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        if (m_tls) {
            auto *socket = new QSslSocket(this);
            socket->setSslConfiguration(*m_tls);
            if (!socket->setSocketDescriptor(descriptor)) {
                delete socket;
                return;
            }
            QObject::connect(socket, &QAbstractSocket::errorOccurred, socket, [socket](QAbstractSocket::SocketError) {
                if (!socket->isEncrypted()) {
                    qCInfo(lcApi).noquote()
                        << "no TLS with" << socket->peerAddress().toString() << ":" << socket->errorString();
                }
            });
            // A client that never completes the handshake does not keep its socket.
            QTimer::singleShot(HandshakeTimeoutMs, socket, [socket] {
                if (!socket->isEncrypted()) {
                    socket->abort();
                }
            });
            // QSslSocket emits readyRead for decrypted bytes only: the guard and the HTTP server read plain HTTP.
            m_guard(socket);
            socket->startServerEncryption();
            return;
        }
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        // Connected before the HTTP server's own readyRead handler (added when it takes the connection), so the
        // guard sees every byte first.
        m_guard(socket);
    }

private:
    static constexpr int HandshakeTimeoutMs = 30000;
    std::function<void(QTcpSocket *)> m_guard;
    std::optional<QSslConfiguration> m_tls;
};

// One connection as the guard sees it: its request framing, and whether the HTTP server reads it yet. With --api-auth
// a connection is handed to the HTTP server only once its first request's credentials verified (bcrypt runs on a
// worker thread meanwhile), so that no request is answered, and no other client waits, before that.
struct GuardedConnection
{
    using Policy = std::function<HttpRequestGuard::Decision(const HttpRequestHead &, GuardedConnection *)>;

    explicit GuardedConnection(const Policy &policy)
        : guard([this, policy](const HttpRequestHead &head) { return policy(head, this); })
    {
    }

    HttpRequestGuard guard;
    qint64 fed = 0; // octets of the socket's buffer the guard has seen and the HTTP server has not read
    bool attached = false; // the HTTP server reads the socket
    bool refused = false; // answered with a refusal: never attached after
    bool passed = false; // a request head passed the policy
    bool verifying = false;
    std::optional<BasicCredentials> pending; // to verify before the connection is attached
    QMetaObject::Connection deleteOnClose; // until attached (then the HTTP server deletes it)
};

// RFC 7617 and Mailpit's basicAuthResponse(): 401, the challenge, "Unauthorised." in plain text.
HttpRequestGuard::Refusal unauthorised()
{
    return HttpRequestGuard::Refusal { 401, "Unauthorised.", { { "WWW-Authenticate", "Basic realm=\"Login\"" } } };
}

// Logins being verified at once; more are refused with 503 rather than queued without end.
constexpr int MaxVerifications = 64;
// What a connection may have buffered while its password is verified (a request head and a small body).
constexpr qint64 UnverifiedReadBuffer = 64 * 1024;

// Qt HttpServer's request parsing, responders and WebSocket upgrade, for ApiServer. QAbstractHttpServer's constructor
// makes a QSslConfiguration (for its own HTTPS, which the API does not use: with --api-tls-cert ApiListener makes the
// TLS sockets), and that loads Qt's TLS plugins and OpenSSL: 6 MB resident (docs/benchmarks.md "Headless memory").
// So it is made when the first client connects, not with the ApiServer: a plain-HTTP API that nobody calls costs no
// TLS library.
class HttpFrontend : public QAbstractHttpServer
{
public:
    using Route = std::function<void(const QHttpServerRequest &, QHttpServerResponder &)>;

    HttpFrontend(Route route, QObject *parent) : QAbstractHttpServer(parent), m_route(std::move(route)) { }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        // Accepted without an HTTP answer: QAbstractHttpServer (Qt 6.4) then hands the socket to its WebSocket
        // server, and ApiServer::acceptWebSockets() keeps /api/events and closes any other path.
        if (request.value(QByteArrayLiteral("upgrade")).compare(QByteArrayLiteral("websocket"), Qt::CaseInsensitive)
            == 0) {
            return true;
        }
        QHttpServerResponder responder = makeResponder(request, socket);
        m_route(request, responder);
        return true;
    }

    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        QHttpServerResponder responder = makeResponder(request, socket);
        sendNotFound(responder);
    }

private:
    Route m_route;
};

// A host name from a Host header or an Origin: lower case, without port, brackets or a final dot.
QString hostName(const QString &hostAndPort)
{
    QString host = hostAndPort.trimmed().toLower();
    if (host.startsWith(u'[')) {
        const qsizetype close = host.indexOf(u']');
        host = close < 0 ? QString() : host.mid(1, close - 1);
    } else if (host.count(u':') == 1) {
        host = host.left(host.indexOf(u':'));
    }
    if (host.endsWith(u'.')) {
        host.chop(1);
    }
    return host;
}

// What an error text may quote of a request: printable ASCII, bounded.
QByteArray quoted(const QByteArray &text)
{
    QByteArray out;
    for (char c : text.left(200)) {
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}
} // namespace

struct ApiServer::Private
{
    MessageStore *store = nullptr;
    RuleEngine *rules = nullptr;
    RelayService *relay = nullptr;
    MailboxSettings *mailboxSettings = nullptr;
    SettingsDocument *rulesDocument = nullptr;
    ApiListener *listener = nullptr;
    QAbstractHttpServer *http = nullptr; // made at the first connection (HttpFrontend)
    std::optional<QSslConfiguration> tls; // --api-tls-cert/--api-tls-key: HTTPS
    std::shared_ptr<ApiAuthenticator> authenticator; // --api-auth; none: no authentication
    std::unique_ptr<QThreadPool> verifier; // runs bcrypt, off the API thread
    int verifications = 0; // running or queued in verifier
    QHostAddress listenAddress;
    QStringList allowedHosts; // lower case
    qint64 maxMessageSize = 64 * 1024 * 1024;
    QByteArray hostname = "localhost";
    QString errorString;
    // A client of /api/events and the mailbox it follows ("": every mailbox, at the root).
    struct EventClient
    {
        QPointer<QWebSocket> socket;
        QString mailbox;
    };
    QList<EventClient> sockets;
    QTimer *statsTimer = nullptr;
    bool statsPending = false;
    QElapsedTimer uptime;
    qint64 accepted = 0;
    qint64 acceptedSize = 0;
    qint64 deleted = 0;

    // What a browser must not be able to send: a Host naming another site (DNS rebinding), a foreign Origin,
    // a cross-site subresource fetch; and how large the request's body may be.
    HttpRequestGuard::Decision decide(const HttpRequestHead &head, GuardedConnection *connection) const;
    // --api-auth: whether the request may go on; a refusal (401) otherwise. Credentials not verified before are
    // left in connection->pending while it is not attached.
    std::optional<HttpRequestGuard::Refusal> authenticate(
        const HttpRequestHead &head, GuardedConnection *connection) const;
    bool hostAllowed(const QString &host) const;
    void guard(QTcpSocket *socket, ApiServer *q);
    void attach(QTcpSocket *socket, const std::shared_ptr<GuardedConnection> &connection);
    void verify(QTcpSocket *socket, const std::shared_ptr<GuardedConnection> &connection, ApiServer *q);
    // Answers with the refusal and closes the connection.
    static void refuse(QTcpSocket *socket, const HttpRequestGuard::Refusal &refusal);
    // Every handler below takes the mailbox the request is limited to (CONTRACT "Mailboxes": the API under
    // /mailbox/{name}), as spelled where it was made; "" at the root, for every mailbox together.
    void route(const QHttpServerRequest &request, QHttpServerResponder &responder, ApiServer *q);
    void messages(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox);
    void search(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox);
    void message(const QHttpServerRequest &request, QHttpServerResponder &responder, const QStringList &path,
        const QString &mailbox);
    void view(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &file,
        const QString &mailbox);
    void info(QHttpServerResponder &responder, const QString &mailbox);
    void tags(
        const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &tag, const QString &mailbox);
    void rulesResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void chaosResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void mailboxesResource(QHttpServerResponder &responder);
    // GET|DELETE /api/v1/sessions, GET /api/v1/session/{ID} and /api/v1/session/{ID}/raw: the kept refused sessions.
    void sessionsResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void sessionResource(QHttpServerResponder &responder, const QStringList &path);
    void mailboxConfigResource(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void sendMessage(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox);
    // POST /api/v1/message/{ID}/release and GET /api/v1/message/{ID}/relay.
    void relayResource(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &id,
        const QString &sub, const QString &mailbox);
    // The ID a path names ("latest": the newest, or the newest matching ?query=, of the mailbox); "" when none.
    // nullopt (and *error) when ?query= has text but no terms: it must never stand for "any message".
    std::optional<QString> resolve(
        const QString &id, const QUrlQuery &query, const QString &mailbox, QString *error) const;

    // The mailbox a /mailbox/{name} prefix names, as spelled where it was made: Inbox, a configured mailbox or one
    // the store holds (per-user mailboxes, mailboxes taken out of the file that still hold messages); names are
    // case-insensitive. nullopt: no such mailbox (404).
    std::optional<QString> mailboxNamed(const QString &name) const;
    // The mailbox's counts as of the last commit (every mailbox's at the root); 0 before its first message.
    MailboxCount countsOf(const QString &mailbox) const;
    // Whether a message belongs to the mailbox a request is limited to (any, at the root).
    static bool inMailbox(const MessageSummary &summary, const QString &mailbox);
    // Those of ids whose messages are in the mailbox; the others are passed over as unknown IDs are.
    QStringList ofMailbox(const QStringList &ids, const QString &mailbox) const;
    // store->searchIds() within the mailbox. The mailbox term comes first so that an unclosed quote in the query
    // cannot take it into a phrase; a query without terms is still refused, never "the whole mailbox".
    std::optional<QStringList> matchingIds(
        const QString &query, const QTimeZone &zone, const QString &mailbox, QString *error) const;
};

bool ApiServer::Private::hostAllowed(const QString &host) const
{
    if (host == QLatin1String("localhost") || allowedHosts.contains(host)) {
        return true;
    }
    // An IP address cannot be rebound to another site by DNS: the ones this API is reachable on are accepted.
    QHostAddress address;
    if (!address.setAddress(host)) {
        return false;
    }
    if (listenAddress == QHostAddress::Any || listenAddress == QHostAddress::AnyIPv4
        || listenAddress == QHostAddress::AnyIPv6) {
        return true;
    }
    return address.isEqual(listenAddress, QHostAddress::TolerantConversion)
        || (listenAddress.isLoopback() && address.isLoopback());
}

HttpRequestGuard::Decision ApiServer::Private::decide(const HttpRequestHead &head, GuardedConnection *connection) const
{
    using Refusal = HttpRequestGuard::Refusal;
    // DNS rebinding: a site whose name now resolves to 127.0.0.1 sends its own name as Host. Clients that send no
    // Host at all (HTTP/1.0 tools) are no browser.
    const QByteArray host = head.value("host");
    if (!host.isNull() && !hostAllowed(hostName(QString::fromLatin1(host)))) {
        return { Refusal { 403,
                     "Host '" + quoted(host)
                         + "' is not allowed: the API answers to localhost, the addresses it listens on and the names "
                           "given with --api-host (or in Settings)" },
            0 };
    }
    // A page elsewhere may make the browser send requests here (a form, fetch in no-cors mode): browsers name
    // the page's origin, and tools send none. Pages of this machine's own sites (any port) may call, as they
    // may open /api/events; a sandboxed document ("null", such as a message opened at /view) may not.
    const QByteArray origin = head.value("origin");
    if (!origin.isNull()) {
        const QUrl url(QString::fromLatin1(origin));
        if (origin == "null" || !url.isValid() || !hostAllowed(hostName(url.host()))) {
            return { Refusal { 403, "cross-origin request from '" + quoted(origin) + "' refused" }, 0 };
        }
    }
    // Subresource requests from another site (an <img> or <script> pointing here) carry no Origin; Fetch Metadata
    // names them. Following a link (a top-level navigation) stays possible.
    const QByteArray site = head.value("sec-fetch-site");
    if (site.compare("cross-site", Qt::CaseInsensitive) == 0
        && !(head.value("sec-fetch-mode").compare("navigate", Qt::CaseInsensitive) == 0
            && (head.method == "GET" || head.method == "HEAD"))) {
        return { Refusal { 403, "cross-site request refused" }, 0 };
    }
    if (std::optional<HttpRequestGuard::Refusal> refusal = authenticate(head, connection)) {
        return { std::move(refusal), 0 };
    }
    connection->passed = true;
    const qint64 sendLimit = maxMessageSize / 3 * 4 + 1024 * 1024;
    return { std::nullopt, head.path().endsWith("/api/v1/send") ? qMax(sendLimit, SmallBodyLimit) : SmallBodyLimit };
}

std::optional<HttpRequestGuard::Refusal> ApiServer::Private::authenticate(
    const HttpRequestHead &head, GuardedConnection *connection) const
{
    // CONTRACT "Team store, API access and remote attach": /livez and /readyz stay open (probes carry no password).
    const QByteArray path = head.path();
    if (!authenticator || path == "/livez" || path == "/readyz") {
        return std::nullopt;
    }
    const QByteArray field = head.value("authorization");
    const std::optional<BasicCredentials> credentials
        = field.isNull() ? std::nullopt : BasicCredentials::fromAuthorization(field);
    if (!credentials) {
        return unauthorised();
    }
    if (authenticator->isKnownGood(*credentials)) {
        return std::nullopt;
    }
    if (connection->attached) {
        // Only a connection whose requests so far needed no password (/livez first, then the API) gets here. bcrypt
        // never runs on this thread (a client could stall every other one with made-up passwords): credentials not
        // verified before are refused here; the client's next connection has them verified off this thread.
        return unauthorised();
    }
    if (!connection->pending) {
        connection->pending = credentials;
        return std::nullopt;
    }
    // Pipelined requests with other credentials than the first one's, before that one verified: not a real client.
    if (connection->pending->user != credentials->user || connection->pending->password != credentials->password) {
        return unauthorised();
    }
    return std::nullopt;
}

void ApiServer::Private::refuse(QTcpSocket *socket, const HttpRequestGuard::Refusal &refusal)
{
    qCInfo(lcApi).noquote() << "refused a request from" << socket->peerAddress().toString() << ":" << refusal.status
                            << refusal.text;
    // Neither the HTTP server nor the guard reads on: what follows is discarded, up to a bound, so that the client
    // sees the answer instead of a reset; then the connection closes.
    QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
    socket->write(HttpRequestGuard::response(refusal));
    auto drained = std::make_shared<qint64>(0);
    QObject::connect(socket, &QIODevice::readyRead, socket, [socket, drained] {
        *drained += socket->skip(socket->bytesAvailable());
        if (*drained > 8 * 1024 * 1024) {
            socket->abort();
        }
    });
    QTimer::singleShot(2000, socket, [socket] { socket->disconnectFromHost(); });
    QTimer::singleShot(5000, socket, [socket] { socket->abort(); });
}

void ApiServer::Private::guard(QTcpSocket *socket, ApiServer *q)
{
    auto connection = std::make_shared<GuardedConnection>(
        [this](const HttpRequestHead &head, GuardedConnection *c) { return decide(head, c); });
    connection->deleteOnClose = QObject::connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    QObject::connect(socket, &QIODevice::readyRead, socket, [this, q, socket, connection] {
        if (connection->guard.isUpgraded() && connection->attached) {
            return;
        }
        // The bytes the guard has not seen: all of them once attached (the HTTP server reads everything at each
        // readyRead, after this handler), else those that came since the last time.
        const qint64 available = socket->bytesAvailable();
        const QByteArray bytes = socket->peek(available).mid(qMin(connection->fed, available));
        connection->fed = connection->attached ? 0 : available;
        if (!bytes.isEmpty()) {
            if (const std::optional<HttpRequestGuard::Refusal> refusal = connection->guard.feed(bytes)) {
                connection->refused = true;
                refuse(socket, *refusal);
                return;
            }
        }
        if (connection->attached) {
            return;
        }
        if (connection->pending) {
            if (!connection->verifying) {
                verify(socket, connection, q);
            }
        } else if (connection->passed) {
            attach(socket, connection);
        }
    });
    // Without --api-auth nothing waits: the HTTP server reads from the start (the guard before it). With it, what a
    // client sends while its password is verified stays in the socket's buffer, bounded (the kernel holds the rest).
    if (!authenticator) {
        attach(socket, connection);
    } else {
        socket->setReadBufferSize(UnverifiedReadBuffer);
    }
}

void ApiServer::Private::attach(QTcpSocket *socket, const std::shared_ptr<GuardedConnection> &connection)
{
    connection->attached = true;
    socket->setReadBufferSize(0);
    QObject::disconnect(connection->deleteOnClose);
    listener->attach(socket);
    // What came while the connection waited is in the socket's buffer: the HTTP server reads it now (the guard has
    // seen it: fed is the whole buffer).
    if (socket->bytesAvailable() > 0) {
        Q_EMIT socket->readyRead();
    }
}

void ApiServer::Private::verify(QTcpSocket *socket, const std::shared_ptr<GuardedConnection> &connection, ApiServer *q)
{
    if (verifications >= MaxVerifications) {
        connection->refused = true;
        refuse(socket, HttpRequestGuard::Refusal { 503, "too many logins at once; try again" });
        return;
    }
    connection->verifying = true;
    ++verifications;
    const BasicCredentials credentials = *connection->pending;
    QPointer<QTcpSocket> guarded(socket);
    verifier->start([this, q, guarded, connection, credentials, authenticator = authenticator] {
        const bool good = authenticator->verify(credentials);
        // Back on the API thread; not called once the server is gone (q is the context).
        QMetaObject::invokeMethod(
            q,
            [this, guarded, connection, good] {
                --verifications;
                connection->verifying = false;
                if (!guarded || guarded->state() != QAbstractSocket::ConnectedState || connection->refused) {
                    return;
                }
                if (!good) {
                    connection->refused = true;
                    refuse(guarded, unauthorised());
                    return;
                }
                connection->pending.reset();
                attach(guarded, connection);
            },
            Qt::QueuedConnection);
    });
}

bool ApiServer::isHostName(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+)$"));
    return valid.match(name).hasMatch();
}

void ApiServer::setAllowedHosts(const QStringList &names)
{
    d->allowedHosts.clear();
    for (const QString &name : names) {
        d->allowedHosts << hostName(name);
    }
}

QStringList ApiServer::allowedHosts() const
{
    return d->allowedHosts;
}

void ApiServer::setMaxMessageSize(qint64 bytes)
{
    d->maxMessageSize = bytes;
}

void ApiServer::setHostname(const QByteArray &hostname)
{
    d->hostname = hostname;
}

void ApiServer::setRelay(RelayService *relay)
{
    d->relay = relay;
}

void ApiServer::setRules(RuleEngine *engine, SettingsDocument *document)
{
    d->rules = engine;
    d->rulesDocument = document;
}

void ApiServer::setMailboxes(MailboxSettings *settings)
{
    d->mailboxSettings = settings;
}

std::optional<QString> ApiServer::Private::mailboxNamed(const QString &name) const
{
    if (!MailboxName::isValid(name)) {
        return std::nullopt;
    }
    if (MailboxName::same(name, MailboxName::inbox())) {
        return MailboxName::inbox();
    }
    if (mailboxSettings) {
        const MailboxConfig config = mailboxSettings->config();
        const qsizetype index = config.indexOf(name);
        if (index >= 0) {
            return config.mailboxes.at(index).name;
        }
    }
    for (const MailboxCount &count : store->mailboxes()) {
        if (MailboxName::same(count.name, name)) {
            return count.name;
        }
    }
    return std::nullopt;
}

MailboxCount ApiServer::Private::countsOf(const QString &mailbox) const
{
    if (mailbox.isEmpty()) {
        return MailboxCount { QString(), store->count(), store->unreadCount() };
    }
    for (const MailboxCount &count : store->mailboxes()) {
        if (MailboxName::same(count.name, mailbox)) {
            return count;
        }
    }
    return MailboxCount { mailbox, 0, 0 };
}

bool ApiServer::Private::inMailbox(const MessageSummary &summary, const QString &mailbox)
{
    return mailbox.isEmpty() || MailboxName::same(summary.mailbox, mailbox);
}

QStringList ApiServer::Private::ofMailbox(const QStringList &ids, const QString &mailbox) const
{
    if (mailbox.isEmpty()) {
        return ids;
    }
    QStringList kept;
    for (const QString &id : ids) {
        const std::optional<MessageSummary> summary = store->summary(id);
        if (summary && inMailbox(*summary, mailbox)) {
            kept << id;
        }
    }
    return kept;
}

std::optional<QStringList> ApiServer::Private::matchingIds(
    const QString &query, const QTimeZone &zone, const QString &mailbox, QString *error) const
{
    if (mailbox.isEmpty()) {
        return store->searchIds(query, zone, error);
    }
    if (SearchQuery::parse(query, zone).isEmpty()) {
        *error = QStringLiteral("the search query has no terms");
        return std::nullopt;
    }
    // Mailbox names are letters, digits, '.', '_' and '-' (MailboxName): one word of the search syntax.
    return store->searchIds(QStringLiteral("mailbox:") + mailbox + u' ' + query, zone, error);
}

ApiServer::ApiServer(MessageStore *store, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->store = store;
    d->uptime.start();
    // bcrypt for --api-auth: two logins verified at once at most, the API thread never waits for one.
    d->verifier = std::make_unique<QThreadPool>();
    d->verifier->setMaxThreadCount(2);
    d->statsTimer = new QTimer(this);
    d->statsTimer->setSingleShot(true);
    d->statsTimer->setInterval(StatsIntervalMs);
    connect(d->statsTimer, &QTimer::timeout, this, &ApiServer::sendStats);

    // Store signals come from its writer thread: queued into this object's thread.
    connect(
        store, &MessageStore::messageStored, this,
        [this](const MessageSummary &summary) {
            ++d->accepted;
            d->acceptedSize += summary.size;
            // The parsed summary is read (and made if need be) only when someone listens.
            if (eventClientCount() > 0) {
                broadcast("new", ApiJson::summary(d->store->summary(summary.id).value_or(summary)), summary.mailbox);
            }
            scheduleStats();
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::messagesRemoved, this,
        [this](const QStringList &ids) {
            d->deleted += ids.size();
            // The message is gone, and with it the store's knowledge of its mailbox: every client is told, and a
            // client of another mailbox passes over an ID it never listed (as Mailpit's clients do).
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
            const QHash<QString, QString> mailboxes = mailboxesOf(ids);
            for (const QString &id : ids) {
                broadcast("update", QJsonObject { { QStringLiteral("ID"), id }, { QStringLiteral("Read"), read } },
                    mailboxes.value(id));
            }
            scheduleStats();
        },
        Qt::QueuedConnection);
    // Mailpit's SetMessageTags broadcasts "update" with the message's ID and Tags; pinning is told the same way.
    connect(
        store, &MessageStore::tagsChanged, this,
        [this](const QStringList &ids) {
            if (eventClientCount() == 0) {
                return;
            }
            for (const QString &id : ids) {
                if (const std::optional<MessageSummary> s = d->store->summary(id)) {
                    broadcast("update",
                        QJsonObject {
                            { QStringLiteral("ID"), id }, { QStringLiteral("Tags"), ApiJson::strings(s->tags) } },
                        s->mailbox);
                }
            }
        },
        Qt::QueuedConnection);
    connect(
        store, &MessageStore::pinnedChanged, this,
        [this](const QStringList &ids, bool pinned) {
            const QHash<QString, QString> mailboxes = mailboxesOf(ids);
            for (const QString &id : ids) {
                broadcast("update", QJsonObject { { QStringLiteral("ID"), id }, { QStringLiteral("Pinned"), pinned } },
                    mailboxes.value(id));
            }
        },
        Qt::QueuedConnection);
}

ApiServer::~ApiServer()
{
    close();
    // The verifications still running call back into this object: they end first; those not started yet are dropped.
    d->verifier->clear();
    d->verifier->waitForDone();
}

void ApiServer::setAuthFile(const ApiAuthFile &file)
{
    d->authenticator = file.isEmpty() ? nullptr : std::make_shared<ApiAuthenticator>(file);
}

void ApiServer::setTlsConfiguration(const std::optional<QSslConfiguration> &configuration)
{
    d->tls = configuration;
}

bool ApiServer::isTls() const
{
    return d->tls.has_value();
}

bool ApiServer::listen(const QHostAddress &address, quint16 port)
{
    close();
    auto *listener = new ApiListener(
        [this](QTcpSocket *socket) {
            makeHttpServer();
            d->guard(socket, this);
        },
        d->tls, this);
    if (!listener->listen(address, port)) {
        d->errorString = listener->errorString();
        delete listener;
        return false;
    }
    d->listener = listener;
    d->listenAddress = address;
    if (d->http) {
        d->http->bind(listener);
    }
    return true;
}

void ApiServer::makeHttpServer()
{
    if (d->http) {
        return;
    }
    d->http = new HttpFrontend(
        [this](const QHttpServerRequest &request, QHttpServerResponder &responder) { respond(request, responder); },
        this);
    connect(d->http, &QAbstractHttpServer::newWebSocketConnection, this, &ApiServer::acceptWebSockets);
    d->http->bind(d->listener);
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
    for (const Private::EventClient &client : std::as_const(d->sockets)) {
        if (client.socket) {
            client.socket->close(QWebSocketProtocol::CloseCodeGoingAway);
        }
    }
}

int ApiServer::eventClientCount() const
{
    int n = 0;
    for (const Private::EventClient &client : std::as_const(d->sockets)) {
        n += client.socket ? 1 : 0;
    }
    return n;
}

void ApiServer::acceptWebSockets()
{
    while (d->http->hasPendingWebSocketConnections()) {
        QWebSocket *socket = d->http->nextPendingWebSocketConnection().release();
        socket->setParent(this);
        // CONTRACT "Mailboxes": /mailbox/{name}/api/events tells only that mailbox's events.
        const QStringList path = socket->requestUrl().path().split(u'/', Qt::SkipEmptyParts);
        std::optional<QString> mailbox;
        if (path == QStringList { QStringLiteral("api"), QStringLiteral("events") }) {
            mailbox = QString();
        } else if (path.size() == 4 && path[0] == QLatin1String("mailbox") && path[2] == QLatin1String("api")
            && path[3] == QLatin1String("events")) {
            mailbox = d->mailboxNamed(path[1]);
        }
        if (!mailbox) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unknown path"));
            socket->deleteLater();
            continue;
        }
        // Cross-site WebSocket hijacking: a web page elsewhere must not read the inbox through the user's browser.
        // Scripts and tools send no Origin; pages of the hosts the API answers to may connect (the same rule as the
        // request guard's for every request: localhost, the listening addresses, --api-host names).
        const QString origin = socket->origin();
        if (!origin.isEmpty() && !d->hostAllowed(hostName(QUrl(origin).host()))) {
            qCInfo(lcApi) << "refused a WebSocket from origin" << origin;
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("origin not allowed"));
            socket->deleteLater();
            continue;
        }
        // Clients never need to send anything on /api/events: a frame or message beyond a few KB is refused.
        socket->setMaxAllowedIncomingFrameSize(64 * 1024);
        socket->setMaxAllowedIncomingMessageSize(64 * 1024);
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        d->sockets.removeIf([](const Private::EventClient &client) { return !client.socket; });
        d->sockets.append({ socket, *mailbox });
    }
}

void ApiServer::broadcast(const QByteArray &type, const QJsonValue &data, const QString &mailbox)
{
    if (d->sockets.isEmpty()) {
        return;
    }
    QJsonObject frame { { QStringLiteral("Type"), QString::fromLatin1(type) }, { QStringLiteral("Data"), data } };
    const QString text = QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    for (const Private::EventClient &client : std::as_const(d->sockets)) {
        const bool concerned
            = mailbox.isEmpty() || client.mailbox.isEmpty() || MailboxName::same(client.mailbox, mailbox);
        if (concerned && client.socket && client.socket->isValid()) {
            client.socket->sendTextMessage(text);
        }
    }
}

QHash<QString, QString> ApiServer::mailboxesOf(const QStringList &ids) const
{
    QHash<QString, QString> mailboxes;
    const bool scoped = std::any_of(d->sockets.cbegin(), d->sockets.cend(),
        [](const Private::EventClient &client) { return client.socket && !client.mailbox.isEmpty(); });
    if (!scoped) {
        return mailboxes;
    }
    for (const QString &id : ids) {
        if (const std::optional<MessageSummary> summary = d->store->summary(id)) {
            mailboxes.insert(id, summary->mailbox);
        }
    }
    return mailboxes;
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
    const auto stats = [](qint64 total, qint64 unread) {
        const QJsonObject object { { QStringLiteral("Total"), double(total) },
            { QStringLiteral("Unread"), double(unread) },
            { QStringLiteral("Version"), QStringLiteral("v" LETTERBOX_VERSION) } };
        return QString::fromUtf8(QJsonDocument(
            QJsonObject { { QStringLiteral("Type"), QStringLiteral("stats") }, { QStringLiteral("Data"), object } })
                                     .toJson(QJsonDocument::Compact));
    };
    const QString all = stats(d->store->count(), d->store->unreadCount());
    // A client of one mailbox gets that mailbox's counts (the store's, as of the last commit: no query).
    QList<MailboxCount> counts;
    bool countsRead = false;
    for (const Private::EventClient &client : std::as_const(d->sockets)) {
        if (!client.socket || !client.socket->isValid()) {
            continue;
        }
        if (client.mailbox.isEmpty()) {
            client.socket->sendTextMessage(all);
            continue;
        }
        if (!countsRead) {
            counts = d->store->mailboxes();
            countsRead = true;
        }
        MailboxCount own;
        for (const MailboxCount &count : std::as_const(counts)) {
            if (MailboxName::same(count.name, client.mailbox)) {
                own = count;
            }
        }
        client.socket->sendTextMessage(stats(own.total, own.unread));
    }
}

void ApiServer::respond(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    d->route(request, responder, this);
}

std::optional<QString> ApiServer::Private::resolve(
    const QString &id, const QUrlQuery &query, const QString &mailbox, QString *error) const
{
    if (id != QLatin1String("latest")) {
        return id;
    }
    const QString text = query.queryItemValue(QStringLiteral("query"), QUrl::FullyDecoded).trimmed();
    if (text.isEmpty() && mailbox.isEmpty()) {
        return store->latestId();
    }
    if (text.isEmpty()) {
        const std::optional<SearchResult> newest = store->list(
            QString(), MessageSort(), 0, 1, QTimeZone::utc(), error, SearchCompleteness::Complete, mailbox);
        if (!newest) {
            return std::nullopt;
        }
        return newest->messages.isEmpty() ? QString() : newest->messages.front().id;
    }
    const std::optional<QTimeZone> zone = timeZone(query);
    if (!zone) {
        *error = QStringLiteral("invalid tz");
        return std::nullopt;
    }
    const std::optional<SearchResult> newest
        = store->search(text, 0, 1, *zone, error, SearchCompleteness::Complete, mailbox);
    if (!newest) {
        return std::nullopt;
    }
    return newest->messages.isEmpty() ? QString() : newest->messages.front().id;
}

void ApiServer::Private::route(const QHttpServerRequest &request, QHttpServerResponder &responder, ApiServer *)
{
    QString path = request.url().path();
    const Method method = request.method();
    QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QStringList encodedParts = request.url().path(QUrl::FullyEncoded).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    // CONTRACT "Mailboxes": every path under /mailbox/{name} is the same API limited to that mailbox, so a Mailpit
    // client given http://HOST:PORT/mailbox/{name} as its base URL works unchanged. The prefix is taken off here and
    // the mailbox handed to the handlers: one route table serves both. Host and Origin were checked on the whole
    // request before (HttpRequestGuard), prefix or not.
    QString mailbox;
    if (parts.size() >= 2 && parts[0] == QLatin1String("mailbox")) {
        const std::optional<QString> named = mailboxNamed(parts[1]);
        if (!named) {
            sendNotFound(responder);
            return;
        }
        mailbox = *named;
        parts = parts.mid(2);
        encodedParts = encodedParts.mid(2);
        path = u'/' + parts.join(u'/');
    }
    const auto allow = [&responder, method](std::initializer_list<Method> methods) {
        for (Method m : methods) {
            if (m == method) {
                return true;
            }
        }
        sendMethodNotAllowed(responder);
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
            view(request, responder, parts[1], mailbox);
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
            messages(request, responder, mailbox);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("search")) {
        if (allow({ Method::Get, Method::Delete })) {
            search(request, responder, mailbox);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("info")) {
        if (allow({ Method::Get })) {
            info(responder, mailbox);
        }
        return;
    }
    if (parts.size() >= 4 && resource == QLatin1String("message")) {
        message(request, responder, parts.mid(3), mailbox);
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
    if (resource == QLatin1String("tags") && parts.size() <= 4) {
        // Mailpit: GET|PUT /api/v1/tags, PUT|DELETE /api/v1/tags/{tag} (the tag url-encoded).
        if (parts.size() == 3 ? allow({ Method::Get, Method::Put }) : allow({ Method::Put, Method::Delete })) {
            const QString encoded = encodedParts.value(3);
            tags(request, responder, parts.size() == 4 ? QUrl::fromPercentEncoding(encoded.toLatin1()) : QString(),
                mailbox);
        }
        return;
    }
    if (parts.size() == 3 && resource == QLatin1String("send")) {
        if (allow({ Method::Post })) {
            sendMessage(request, responder, mailbox);
        }
        return;
    }
    // Sessions are in no mailbox (a refused one stored no message): the catcher's, the same under any prefix, as
    // rules and mailboxes are (docs/architecture.md "Refused sessions").
    if (parts.size() == 3 && resource == QLatin1String("sessions")) {
        if (allow({ Method::Get, Method::Delete })) {
            sessionsResource(request, responder);
        }
        return;
    }
    if ((parts.size() == 4 || parts.size() == 5) && resource == QLatin1String("session")) {
        if (allow({ Method::Get })) {
            sessionResource(responder, parts.mid(3));
        }
        return;
    }
    // The mailboxes themselves are the catcher's, as rules and chaos are: the same under any prefix.
    if (parts.size() == 3 && resource == QLatin1String("mailboxes")) {
        if (allow({ Method::Get })) {
            mailboxesResource(responder);
        }
        return;
    }
    if (parts.size() == 4 && resource == QLatin1String("mailboxes") && parts[3] == QLatin1String("config")) {
        if (allow({ Method::Get, Method::Put })) {
            mailboxConfigResource(request, responder);
        }
        return;
    }
    sendNotFound(responder);
}

// POST /api/v1/send (Mailpit's SendMessageHandler): the JSON made into a message (SendRequest, MessageBuilder) and
// stored as if delivered (MessageSubmission), answered {"ID": …} once it is committed. Every refusal is 400 with
// {"Error": …}, the one JSON error body of Mailpit's API (Mailpit's httpJSONError).
//
// CONTRACT "Mailboxes": under /mailbox/{name} the message is stored into that mailbox, unrouted; at the root it is
// routed as SMTP's messages are (client address = the caller, no listener, no AUTH user), one copy per mailbox, and
// the answer names the first copy.
void ApiServer::Private::sendMessage(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox)
{
    const auto refuse = [&responder](const QString &error) {
        send(responder, Reply { Status::BadRequest, Json, DataPolicy, {} },
            QJsonDocument(QJsonObject { { QStringLiteral("Error"), error } }).toJson(QJsonDocument::Compact));
    };
    QString error;
    const std::optional<MessageBuilder> builder = SendRequest::parse(request.body(), &error);
    if (!builder) {
        refuse(error);
        return;
    }
    const ClientAddress client = ClientAddress::fromString(request.remoteAddress().toString());
    std::optional<IncomingMessage> incoming = MessageSubmission::incoming(*builder, MessageSubmission::Source::Api,
        client, 0, hostname, maxMessageSize, QDateTime::currentMSecsSinceEpoch(), &error);
    if (!incoming) {
        refuse(error);
        return;
    }
    std::vector<IncomingMessage> copies;
    if (!mailbox.isEmpty()) {
        incoming->mailbox = mailbox;
        copies.push_back(std::move(*incoming));
    } else if (mailboxSettings) {
        copies = RoutedDelivery::copies(std::move(*incoming), *mailboxSettings->router());
    } else {
        copies.push_back(std::move(*incoming));
    }
    const QString id = QString::fromLatin1(copies.front().id);
    // This thread may wait (docs/architecture.md "Threads"): the answer names a message that is on disk, every copy
    // of it, as a 250 after DATA does.
    std::vector<std::future<DeliveryResult>> results;
    std::vector<Delivery> deliveries;
    for (IncomingMessage &copy : copies) {
        auto stored = std::make_shared<std::promise<DeliveryResult>>();
        results.push_back(stored->get_future());
        deliveries.push_back({ std::move(copy), [stored](const DeliveryResult &r) {
                                  stored->set_value(r);
                              } });
    }
    store->deliverAll(std::move(deliveries));
    QString failure;
    for (std::future<DeliveryResult> &result : results) {
        const DeliveryResult delivered = result.get();
        if (!delivered.ok && failure.isEmpty()) {
            failure = delivered.errorString;
        }
    }
    if (!failure.isEmpty()) {
        qCWarning(lcApi).noquote() << "cannot store a message sent through the API:" << failure;
        refuse(QStringLiteral("cannot store the message: %1").arg(failure));
        return;
    }
    sendJson(responder, QJsonObject { { QStringLiteral("ID"), id } });
}

void ApiServer::Private::rulesResource(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    if (request.method() == Method::Put) {
        // README "REST API" (PUT /api/v1/rules): all rules are validated before any changes; then written atomically
        // where they came from (README "Testing failure handling"), with a PostgreSQL store the database that every
        // instance on it follows.
        QString error;
        const std::optional<RuleSet> set = RuleSet::fromJson(request.body(), &error);
        if (!set) {
            sendText(responder, Status::BadRequest, error.toUtf8());
            return;
        }
        // The document applies what it saved to the engine (RuleEngine::setRulesFromJson()), in revision order
        // with the Rules window's saves and other instances' changes.
        QString saveError;
        if (!rulesDocument) {
            rules->setRules(*set);
        } else if (!rulesDocument->save(set->toJson(), &saveError)) {
            qCWarning(lcApi).noquote() << "cannot save the rules:" << saveError;
            sendText(responder, Status::InternalServerError, QStringLiteral("cannot save %1").arg(saveError).toUtf8());
            return;
        }
    }
    send(responder, Reply { Status::Ok, Json, DataPolicy, {} }, rules->rules().toJson());
}

// GET /api/v1/mailboxes (CONTRACT "Mailboxes"): Inbox, the configured mailboxes in the file's order (0 counts before
// their first message), then those only the store knows (per-user mailboxes, mailboxes taken out of the file that
// still hold messages) in the order they were made. Counts are the store's as of the last commit: no query runs.
void ApiServer::Private::mailboxesResource(QHttpServerResponder &responder)
{
    QList<MailboxCount> counts = store->mailboxes();
    QJsonArray list;
    const auto add = [&counts, &list](const QString &name) {
        MailboxCount entry { name, 0, 0 };
        for (qsizetype i = 0; i < counts.size(); ++i) {
            if (MailboxName::same(counts.at(i).name, name)) {
                entry.total = counts.at(i).total;
                entry.unread = counts.at(i).unread;
                counts.removeAt(i);
                break;
            }
        }
        list.append(QJsonObject { { QStringLiteral("Name"), entry.name },
            { QStringLiteral("Total"), double(entry.total) }, { QStringLiteral("Unread"), double(entry.unread) } });
    };
    add(MailboxName::inbox());
    if (mailboxSettings) {
        for (const MailboxDefinition &definition : mailboxSettings->config().mailboxes) {
            if (!MailboxName::same(definition.name, MailboxName::inbox())) {
                add(definition.name);
            }
        }
    }
    while (!counts.isEmpty()) {
        add(counts.constFirst().name);
    }
    send(responder, Reply { Status::Ok, Json, DataPolicy, {} }, QJsonDocument(list).toJson(QJsonDocument::Compact));
}

// GET|PUT /api/v1/mailboxes/config, with PUT /api/v1/rules' conventions (CONTRACT "Settled details"): the body is
// validated whole (400, text/plain "LINE: field: problem", nothing changes), saved atomically where the routes came
// from (--mailboxes FILE, else mailboxes.json in --data; 500 when it cannot be written), applied to the next message,
// and answered with the configuration now in use, as GET answers it.
void ApiServer::Private::mailboxConfigResource(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    if (request.method() == Method::Put) {
        if (!mailboxSettings) {
            sendText(responder, Status::BadRequest, "mailboxes cannot be configured in this instance");
            return;
        }
        QString error;
        const std::optional<MailboxConfig> config = MailboxConfig::fromJson(request.body(), &error);
        if (!config) {
            sendText(responder, Status::BadRequest, error.toUtf8());
            return;
        }
        if (!mailboxSettings->replace(*config, &error)) {
            qCWarning(lcApi).noquote() << "cannot save the mailboxes:" << error;
            sendText(responder, Status::InternalServerError, QStringLiteral("cannot save %1").arg(error).toUtf8());
            return;
        }
    }
    const MailboxConfig config = mailboxSettings ? mailboxSettings->config() : MailboxConfig();
    send(responder, Reply { Status::Ok, Json, DataPolicy, {} }, config.toJson());
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
        // As Mailpit (Go's JSON decoding into int fields): a value that is not a whole number in range is a 400,
        // never silently zero.
        const auto wholeNumber = [](const QJsonValue &value, int min, int max) -> std::optional<int> {
            if (value.isUndefined() || value.isNull()) {
                return 0;
            }
            const double number = value.toDouble(qQNaN());
            if (!value.isDouble() || number != std::floor(number) || number < min || number > max) {
                return std::nullopt;
            }
            return int(number);
        };
        for (const auto &field : fields) {
            const QJsonValue trigger = body->value(QLatin1String(field.name));
            if (!trigger.isUndefined() && !trigger.isNull() && !trigger.isObject()) {
                sendText(responder, Status::BadRequest, QByteArray(field.name) + " must be an object");
                return;
            }
            const QJsonObject t = trigger.toObject();
            const QJsonValue codeValue = t.value(QLatin1String("ErrorCode"));
            const std::optional<int> code = wholeNumber(codeValue, 0, 599);
            if (!code || (*code != 0 && *code < 400)) {
                sendText(responder, Status::BadRequest,
                    QByteArray(field.name) + ".ErrorCode must be a whole number between 400 and 599");
                return;
            }
            const std::optional<int> probability = wholeNumber(t.value(QLatin1String("Probability")), 0, 100);
            if (!probability) {
                sendText(responder, Status::BadRequest,
                    QByteArray(field.name) + ".Probability must be a whole number between 0 and 100");
                return;
            }
            if (*code != 0) {
                field.trigger->errorCode = *code;
            }
            field.trigger->probability = *probability;
        }
        rules->setChaos(chaos);
    }
    sendJson(responder, chaosJson(rules->chaos()));
}

void ApiServer::Private::messages(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox)
{
    const QUrlQuery query = formQuery(request.url());
    if (request.method() == Method::Get) {
        const Paging p = paging(query);
        if (!p.error.isEmpty()) {
            sendText(responder, Status::BadRequest, p.error.toUtf8());
            return;
        }
        if (!mailbox.isEmpty()) {
            // One mailbox: its page and its own counts (the store keeps them per mailbox).
            QString error;
            const std::optional<SearchResult> page = store->list(QString(), MessageSort(), p.start, p.limit,
                QTimeZone::utc(), &error, SearchCompleteness::Complete, mailbox);
            if (!page) {
                sendText(responder, Status::InternalServerError, error.toUtf8());
                return;
            }
            sendJson(responder,
                ApiJson::summaries(page->messages, p.start, page->matches, page->unreadMatches, page->matches,
                    page->unreadMatches, store->tags()));
            return;
        }
        const qint64 total = store->count();
        const qint64 unread = store->unreadCount();
        sendJson(responder,
            ApiJson::summaries(
                store->messages(p.start, p.limit), p.start, total, unread, total, unread, store->tags()));
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
        QString error;
        bool removed = false;
        if (!ids->isEmpty()) {
            // Another mailbox's message is not there: passed over, as an unknown ID is.
            const QStringList own = ofMailbox(*ids, mailbox);
            removed = own.isEmpty() || store->remove(own, &error);
        } else if (mailbox.isEmpty()) {
            removed = store->removeAll(&error);
        } else {
            // Delete all within one mailbox: its messages but the pinned ones (CONTRACT "Mailboxes").
            const QStringList all = store->searchIds(QStringLiteral("mailbox:") + mailbox);
            removed = all.isEmpty() || store->removeUnpinned(all, &error);
        }
        if (removed) {
            sendText(responder, Status::Ok, "ok");
        } else {
            sendText(responder, Status::InternalServerError, "delete failed: " + error.toUtf8());
        }
        return;
    }
    // PUT: mark read/unread by IDs, by Search, or everything; Letterbox's Pinned pins or unpins the same messages
    // (CONTRACT "Mailboxes"), and alone leaves the read flags as they are.
    const QJsonValue read = body->value(QStringLiteral("Read"));
    if (!read.isUndefined() && !read.isBool()) {
        sendText(responder, Status::BadRequest, "Read must be true or false");
        return;
    }
    const QJsonValue pinned = body->value(QStringLiteral("Pinned"));
    if (!pinned.isUndefined() && !pinned.isNull() && !pinned.isBool()) {
        sendText(responder, Status::BadRequest, "Pinned must be true or false");
        return;
    }
    const QJsonValue search = body->value(QStringLiteral("Search"));
    if (!search.isUndefined() && !search.isNull() && !search.isString()) {
        sendText(responder, Status::BadRequest, "Search must be a string");
        return;
    }
    const QString searchText = search.toString().trimmed();
    if (!ids->isEmpty() && !searchText.isEmpty()) {
        sendText(responder, Status::BadRequest, "IDs and Search are mutually exclusive");
        return;
    }
    const std::optional<QTimeZone> zone = timeZone(query);
    if (!zone) {
        sendText(responder, Status::BadRequest, "invalid tz");
        return;
    }
    QStringList targets = ofMailbox(*ids, mailbox);
    if (ids->isEmpty() && searchText.isEmpty()) {
        // Mailpit: neither IDs nor Search is every message (of the mailbox).
        targets = store->searchIds(mailbox.isEmpty() ? QString() : QStringLiteral("mailbox:") + mailbox, *zone);
    } else if (ids->isEmpty()) {
        QString error;
        const std::optional<QStringList> matches = matchingIds(searchText, *zone, mailbox, &error);
        if (!matches) {
            sendText(responder, Status::BadRequest, error.toUtf8());
            return;
        }
        targets = *matches;
    }
    QString error;
    const bool pin = pinned.isBool();
    if (pin && !store->setPinned(targets, pinned.toBool(), &error)) {
        sendText(responder, Status::InternalServerError, "update failed: " + error.toUtf8());
        return;
    }
    if ((!pin || read.isBool()) && !store->setRead(targets, read.toBool(false), &error)) {
        sendText(responder, Status::InternalServerError, "update failed: " + error.toUtf8());
        return;
    }
    sendText(responder, Status::Ok, "ok");
}

// Mailpit's tag endpoints (server/apiv1/tags.go): GET the tags in use as a JSON array; PUT {"IDs", "Tags"} gives
// those messages exactly those tags; PUT /{tag} {"Name"} renames; DELETE /{tag} takes the tag off every message.
// Mutations answer "ok" as text/plain; a refusal ("tag not found: …") is 400 with Mailpit's text.
//
// Tag names are the catcher's, as in Mailpit's single inbox: listing, renaming and deleting a tag under /mailbox/{name}
// act on the one set of names (a tag renamed from one mailbox's client is renamed everywhere). Tagging messages by
// their IDs is limited to the mailbox's messages.
void ApiServer::Private::tags(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &tag, const QString &mailbox)
{
    if (request.method() == Method::Get) {
        send(responder, Reply { Status::Ok, Json, DataPolicy, {} },
            QJsonDocument(ApiJson::strings(store->tags())).toJson(QJsonDocument::Compact));
        return;
    }
    const auto answer = [&responder](bool ok, const QString &error) {
        if (ok) {
            sendText(responder, Status::Ok, "ok");
        } else {
            sendText(responder, Status::BadRequest, error.toUtf8());
        }
    };
    QString error;
    if (request.method() == Method::Delete) {
        answer(store->deleteTag(tag, &error), error);
        return;
    }
    const std::optional<QJsonObject> body = jsonBody(request);
    if (!body) {
        sendText(responder, Status::BadRequest, "invalid JSON body");
        return;
    }
    if (!tag.isNull()) {
        const QJsonValue name = body->value(QStringLiteral("Name"));
        if (!name.isUndefined() && !name.isNull() && !name.isString()) {
            sendText(responder, Status::BadRequest, "Name must be a string");
            return;
        }
        answer(store->renameTag(tag, name.toString(), &error), error);
        return;
    }
    const std::optional<QStringList> ids = stringList(body->value(QStringLiteral("IDs")));
    const std::optional<QStringList> names = stringList(body->value(QStringLiteral("Tags")));
    if (!ids || !names) {
        sendText(responder, Status::BadRequest, "IDs and Tags must be arrays of strings");
        return;
    }
    const QStringList own = ofMailbox(*ids, mailbox);
    answer(own.isEmpty() || store->setTags(own, *names, &error), error);
}

void ApiServer::Private::search(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &mailbox)
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
        // A query without terms would stand for every message: refused, never "delete all".
        QString error;
        const std::optional<QStringList> ids = matchingIds(text, *zone, mailbox, &error);
        if (!ids) {
            sendText(responder, Status::BadRequest, error.toUtf8());
            return;
        }
        // CONTRACT "Mailboxes": pinned messages stay.
        if (ids->isEmpty() || store->removeUnpinned(*ids, &error)) {
            sendText(responder, Status::Ok, "ok");
        } else {
            sendText(responder, Status::InternalServerError, "delete failed: " + error.toUtf8());
        }
        return;
    }
    const Paging p = paging(query);
    if (!p.error.isEmpty()) {
        sendText(responder, Status::BadRequest, p.error.toUtf8());
        return;
    }
    QString error;
    const std::optional<SearchResult> result
        = store->search(text, p.start, p.limit, *zone, &error, SearchCompleteness::Complete, mailbox);
    if (!result) {
        sendText(responder, Status::BadRequest, error.toUtf8());
        return;
    }
    // Mailpit's total and unread are the inbox's: here the mailbox's.
    const MailboxCount counts = countsOf(mailbox);
    const qint64 total = counts.total;
    const qint64 unread = counts.unread;
    sendJson(responder,
        ApiJson::summaries(
            result->messages, p.start, total, unread, result->matches, result->unreadMatches, store->tags()));
}

void ApiServer::Private::message(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QStringList &path, const QString &mailbox)
{
    const QUrlQuery query = formQuery(request.url());
    const QString sub = path.value(1);
    if (path.size() == 2 && (sub == QLatin1String("release") || sub == QLatin1String("relay"))) {
        relayResource(request, responder, path[0], sub, mailbox);
        return;
    }
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
        sendMethodNotAllowed(responder);
        return;
    }
    QString error;
    const std::optional<QString> resolved = resolve(path[0], query, mailbox, &error);
    if (!resolved) {
        sendText(responder, Status::BadRequest, error.toUtf8());
        return;
    }
    const QString id = *resolved;
    if (id.isEmpty()) {
        sendNotFound(responder);
        return;
    }
    // A message of another mailbox is not there (CONTRACT "Mailboxes").
    if (!mailbox.isEmpty()) {
        const std::optional<MessageSummary> summary = store->summary(id);
        if (!summary || !inMailbox(*summary, mailbox)) {
            sendNotFound(responder);
            return;
        }
    }
    if (sub == QLatin1String("raw")) {
        QIODevice *source = store->openSource(id);
        if (!source) {
            sendNotFound(responder);
            return;
        }
        // Streamed from the database in chunks as the socket drains (QHttpServerResponder owns the device).
        send(responder, Reply {}, source);
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
        send(responder, Reply { Status::Ok, Json, DataPolicy, {} },
            QJsonDocument(ApiJson::transcript(stored->transcript)).toJson(QJsonDocument::Compact));
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
        // Images show inline (they cannot run anything); every other part is a download, never a page of ours.
        Reply reply { Status::Ok, partContentType(*part), DataPolicy, {} };
        if (!isInlineImage(part->contentType)) {
            reply.disposition = attachmentDisposition(*part);
        }
        auto *buffer = new QBuffer;
        buffer->setData(std::move(*content));
        send(responder, reply, static_cast<QIODevice *>(buffer));
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

void ApiServer::Private::relayResource(const QHttpServerRequest &request, QHttpServerResponder &responder,
    const QString &pathId, const QString &sub, const QString &mailbox)
{
    const bool release = sub == QLatin1String("release");
    if (request.method() != (release ? Method::Post : Method::Get)) {
        sendMethodNotAllowed(responder);
        return;
    }
    QString error;
    const std::optional<QString> resolved = resolve(pathId, formQuery(request.url()), mailbox, &error);
    if (!resolved) {
        sendText(responder, Status::BadRequest, error.toUtf8());
        return;
    }
    const QString id = *resolved;
    const std::optional<MessageSummary> summary = id.isEmpty() ? std::nullopt : store->summary(id);
    if (!summary || !inMailbox(*summary, mailbox)) {
        sendNotFound(responder);
        return;
    }
    if (!release) {
        QList<RelayAttempt> attempts;
        for (const RelayRecord &record : store->relayLog(id)) {
            attempts << RelayAttempt::fromRecord(record);
        }
        send(responder, Reply { Status::Ok, Json, DataPolicy, {} },
            QJsonDocument(ApiJson::relayLog(attempts)).toJson(QJsonDocument::Compact));
        return;
    }
    // Mailpit's release: {"To": ["address", …]}.
    const std::optional<QJsonObject> body = jsonBody(request);
    const std::optional<QStringList> to = body ? stringList(body->value(QStringLiteral("To"))) : std::nullopt;
    if (!to) {
        sendText(responder, Status::BadRequest, "invalid JSON: expected {\"To\": [\"address\", ...]}");
        return;
    }
    QStringList recipients;
    for (const QString &address : *to) {
        const QString trimmed = address.trimmed();
        // A bare address (RFC 5321 §4.1.2 Mailbox); anything that could break the RCPT command is refused.
        static const QRegularExpression bare(QStringLiteral("^[^\\s<>@]+@[^\\s<>@]+$"));
        if (!bare.match(trimmed).hasMatch()) {
            sendText(responder, Status::BadRequest, "invalid address: " + quoted(trimmed.toUtf8()));
            return;
        }
        if (!recipients.contains(trimmed, Qt::CaseInsensitive)) {
            recipients << trimmed;
        }
    }
    if (recipients.isEmpty()) {
        sendText(responder, Status::BadRequest, "no recipients in To");
        return;
    }
    if (!relay || !relay->config().isConfigured()) {
        sendText(responder, Status::BadRequest, "no relay configured (--relay HOST:PORT)");
        return;
    }
    // Qt 6.4's responder refers to the request and socket of this call, both gone once the socket closes: the
    // answer is given from here, so this thread waits for the relay (as for the store's synchronous writes),
    // bounded by the client's timeout over every step it may take.
    const SmtpClientOptions options = relay->config().client;
    struct Answer
    {
        QMutex mutex;
        QWaitCondition given;
        bool ready = false;
        bool ok = false;
        QString text;
    };
    const auto answer = std::make_shared<Answer>();
    relay->release(id, recipients, nullptr, [answer](bool ok, const QString &text) {
        const QMutexLocker lock(&answer->mutex);
        answer->ready = true;
        answer->ok = ok;
        answer->text = text;
        answer->given.wakeAll();
    });
    // Every step of every server, and the long wait for the reply after the data (RFC 5321 §4.5.3.2.6), which the
    // client allows so as not to send a message twice: the answer never says "failed" while the relay may still
    // take the message.
    QDeadlineTimer deadline(qint64(options.timeoutMs) * 10 * qMax<qsizetype>(1, options.servers.size())
        + options.finalReplyTimeoutMs + 1000);
    QMutexLocker lock(&answer->mutex);
    while (!answer->ready && !deadline.hasExpired()) {
        answer->given.wait(&answer->mutex, deadline);
    }
    if (!answer->ready) {
        sendText(responder, Status::BadRequest, "the relay did not answer in time");
        return;
    }
    const bool ok = answer->ok;
    const QString text = answer->text;
    lock.unlock();
    if (ok) {
        sendText(responder, Status::Ok, "ok");
    } else {
        sendText(responder, Status::BadRequest, text.toUtf8());
    }
}

void ApiServer::Private::view(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &file, const QString &mailbox)
{
    const bool html = file.endsWith(QLatin1String(".html"));
    const bool text = file.endsWith(QLatin1String(".txt"));
    if (!html && !text) {
        sendNotFound(responder);
        return;
    }
    QString error;
    const std::optional<QString> id
        = resolve(file.left(file.lastIndexOf(QLatin1Char('.'))), formQuery(request.url()), mailbox, &error);
    if (!id) {
        sendText(responder, Status::BadRequest, error.toUtf8());
        return;
    }
    const std::optional<StoredMessage> stored = id->isEmpty() ? std::nullopt : store->message(*id);
    if (!stored || !inMailbox(stored->summary, mailbox)) {
        sendNotFound(responder);
        return;
    }
    const ParsedMessage parsed = ParsedMessage::parse(stored->raw);
    if (html) {
        if (parsed.html.isEmpty()) {
            sendNotFound(responder);
            return;
        }
        const bool remote = formQuery(request.url()).queryItemValue(QStringLiteral("remote")) == QLatin1String("1");
        send(responder, Reply { Status::Ok, "text/html; charset=utf-8", remote ? ViewPolicyRemote : ViewPolicy, {} },
            parsed.html.toUtf8());
        return;
    }
    sendText(responder, Status::Ok, parsed.text.toUtf8());
}

namespace {
// Mailpit's /api/v1/info "Tags": tag name -> how many messages carry it.
QJsonObject tagCounts(const QList<TagCount> &counts)
{
    QJsonObject object;
    for (const TagCount &count : counts) {
        object.insert(count.name, double(count.messages));
    }
    return object;
}
} // namespace

// Under /mailbox/{name}, Messages and Unread are the mailbox's; the rest (database, tags, runtime counters) is the
// catcher's.
void ApiServer::Private::info(QHttpServerResponder &responder, const QString &mailbox)
{
    const MailboxCount counts = countsOf(mailbox);
    const qint64 messages = counts.total;
    const qint64 unread = counts.unread;
    sendJson(responder,
        QJsonObject {
            { QStringLiteral("Version"), QStringLiteral("v" LETTERBOX_VERSION) },
            { QStringLiteral("LatestVersion"), QString() },
            { QStringLiteral("Database"), store->location() },
            { QStringLiteral("DatabaseSize"), double(store->storageSize()) },
            { QStringLiteral("Messages"), double(messages) },
            { QStringLiteral("Unread"), double(unread) },
            { QStringLiteral("Tags"), tagCounts(store->tagCounts()) },
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

// Issue 16 "Refused sessions are kept": only sessions in which a rule refused something are kept as sessions (the
// others' transcripts are with their messages), so the list is the refused ones; ?refused=true names them explicitly
// and ?refused=false lists none. Paging as for messages (start, limit; default 50).
void ApiServer::Private::sessionsResource(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    if (request.method() == Method::Delete) {
        QString error;
        if (store->removeRefusedSessions(&error)) {
            sendText(responder, Status::Ok, "ok");
        } else {
            sendText(responder, Status::InternalServerError, "delete failed: " + error.toUtf8());
        }
        return;
    }
    const QUrlQuery query = formQuery(request.url());
    const Paging p = paging(query);
    if (!p.error.isEmpty()) {
        sendText(responder, Status::BadRequest, p.error.toUtf8());
        return;
    }
    bool refusedOnly = true;
    if (query.hasQueryItem(QStringLiteral("refused"))) {
        // Go's strconv.ParseBool, as Mailpit reads its boolean parameters.
        const QString value = query.queryItemValue(QStringLiteral("refused"));
        static const QStringList yes { QStringLiteral("1"), QStringLiteral("t"), QStringLiteral("T"),
            QStringLiteral("true"), QStringLiteral("TRUE"), QStringLiteral("True") };
        static const QStringList no { QStringLiteral("0"), QStringLiteral("f"), QStringLiteral("F"),
            QStringLiteral("false"), QStringLiteral("FALSE"), QStringLiteral("False") };
        if (!yes.contains(value) && !no.contains(value)) {
            sendText(responder, Status::BadRequest, "invalid refused: " + value.toUtf8());
            return;
        }
        refusedOnly = yes.contains(value);
    }
    if (!refusedOnly) {
        sendJson(responder, ApiJson::refusedSessions({}, p.start, 0));
        return;
    }
    const std::optional<RefusedSessionPage> page = store->refusedSessions(p.start, p.limit);
    if (!page) {
        sendText(responder, Status::InternalServerError, "sessions cannot be read");
        return;
    }
    sendJson(responder, ApiJson::refusedSessions(page->sessions, p.start, page->total));
}

void ApiServer::Private::sessionResource(QHttpServerResponder &responder, const QStringList &path)
{
    const QString &id = path[0];
    const bool raw = path.size() == 2;
    if (raw && path[1] != QLatin1String("raw")) {
        sendNotFound(responder);
        return;
    }
    const std::optional<RefusedSession> session = store->refusedSession(id);
    if (!session) {
        sendNotFound(responder);
        return;
    }
    if (!raw) {
        sendJson(responder, ApiJson::refusedSession(*session));
        return;
    }
    // The message data a rule refused at the end of DATA or BDAT, as /api/v1/message/{ID}/raw serves a source (no
    // trace header: it was never stored as a message); 404 when the session refused none.
    if (session->data.isEmpty()) {
        sendNotFound(responder);
        return;
    }
    send(responder, Reply {}, session->data);
}
