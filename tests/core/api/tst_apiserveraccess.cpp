// ApiServer's access options over real loopback sockets (CONTRACT "Team store, API access and remote attach"):
// --api-auth (HTTP basic auth, RFC 7617, with Mailpit's 401) on every endpoint and the WebSocket but /livez and
// /readyz, and --api-tls-cert (HTTPS and wss) with the Host and Origin guards still in force.
#include <api/apiauthfile.h>
#include <api/apiserver.h>
#include <store/sqlitemessagestore.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <functional>

namespace {
// A line of apache2-utils' `htpasswd -nbB -C 5 alice 'wonder land'`: the hash is not Letterbox's.
const QByteArray Users = "# the team\nalice:$2y$05$7bq.OjoQq9YrnGRALc/FaOUKHcfCWSF18PtggatIq6w6sLMpKd4mS\n";
const QByteArray AliceGood = "Basic " + QByteArray("alice:wonder land").toBase64();
const QByteArray AliceWrong = "Basic " + QByteArray("alice:wonderland").toBase64();

struct Reply
{
    int status = 0;
    QByteArray challenge; // WWW-Authenticate
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
};

QSslCertificate testCertificate()
{
    QFile file(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.crt"));
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("missing tls/localhost.crt");
    }
    return QSslCertificate(file.readAll());
}

QSslConfiguration serverTls()
{
    QFile key(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.key"));
    if (!key.open(QIODevice::ReadOnly)) {
        qFatal("missing tls/localhost.key");
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(testCertificate());
    config.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    return config;
}

// What a client that trusts only the test certificate uses.
QSslConfiguration clientTls()
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates({ testCertificate() });
    return config;
}
} // namespace

class TestApiServerAccess : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void everyEndpointAsksForCredentials_data();
    void everyEndpointAsksForCredentials();
    void probesStayOpen_data();
    void probesStayOpen();
    void theWebSocketAsksForCredentials();
    void aKeptAliveClientStaysLoggedIn();
    void aLargeBodyBehindAPendingLoginIsServed();
    void withoutAnAuthFileNothingIsAsked();
    void httpsServesTheApiAndTheEvents();
    void httpsKeepsTheHostAndOriginGuards_data();
    void httpsKeepsTheHostAndOriginGuards();
    void plainHttpOnTheHttpsPortGetsNoAnswer();

private:
    void startApi(bool auth, bool tls);
    Reply request(const QByteArray &method, const QString &path, const QByteArray &authorization,
        const QList<QPair<QByteArray, QByteArray>> &fields = {});
    // Sends bytes on a raw connection and reads until the server closes it (refusals close).
    QByteArray exchange(const QByteArray &bytes);
    // Spins the event loop until done() or 10 s have passed; whether done() became true.
    static bool waitFor(const std::function<bool()> &done);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<ApiServer> m_api;
    std::unique_ptr<QNetworkAccessManager> m_net;
    bool m_tls = false;
};

void TestApiServerAccess::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
    m_net = std::make_unique<QNetworkAccessManager>();
}

void TestApiServerAccess::cleanup()
{
    m_net.reset();
    m_api.reset();
    m_store.reset();
    m_dir.reset();
}

void TestApiServerAccess::startApi(bool auth, bool tls)
{
    m_api = std::make_unique<ApiServer>(m_store.get());
    if (auth) {
        const QString path = m_dir->filePath(QStringLiteral("api-users"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Users);
        file.close();
        ApiAuthFile users;
        QVERIFY2(users.load(path), qPrintable(users.errorString()));
        m_api->setAuthFile(users);
    }
    if (tls) {
        m_api->setTlsConfiguration(serverTls());
    }
    m_tls = tls;
    QCOMPARE(m_api->isTls(), tls);
    QVERIFY2(m_api->listen(QHostAddress::LocalHost, 0), qPrintable(m_api->errorString()));
}

Reply TestApiServerAccess::request(const QByteArray &method, const QString &path, const QByteArray &authorization,
    const QList<QPair<QByteArray, QByteArray>> &fields)
{
    QNetworkRequest req(QUrl(QStringLiteral("%1://127.0.0.1:%2%3")
                                 .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                                 .arg(m_api->serverPort())
                                 .arg(path)));
    if (m_tls) {
        req.setSslConfiguration(clientTls());
    }
    if (!authorization.isEmpty()) {
        req.setRawHeader("Authorization", authorization);
    }
    for (const auto &[name, value] : fields) {
        req.setRawHeader(name, value);
    }
    QByteArray body;
    if (method == "PUT") {
        body = R"({"IDs": [], "Read": true})";
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    QNetworkReply *reply = m_net->sendCustomRequest(req, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished()) {
        finished.wait(20000);
    }
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.challenge = reply->rawHeader("WWW-Authenticate");
    r.body = reply->readAll();
    r.error = reply->error();
    reply->deleteLater();
    return r;
}

QByteArray TestApiServerAccess::exchange(const QByteArray &bytes)
{
    // The server runs in this thread: every wait spins the event loop (QTest::qWait), none blocks it.
    std::unique_ptr<QTcpSocket> socket;
    if (m_tls) {
        auto *ssl = new QSslSocket;
        socket.reset(ssl);
        ssl->setSslConfiguration(clientTls());
        ssl->connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_api->serverPort());
        if (!waitFor([ssl] { return ssl->isEncrypted() || ssl->state() == QAbstractSocket::UnconnectedState; })
            || !ssl->isEncrypted()) {
            return "no TLS: " + ssl->errorString().toUtf8();
        }
    } else {
        socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, m_api->serverPort());
        if (!waitFor([&socket] { return socket->state() == QAbstractSocket::ConnectedState; })) {
            return "not connected";
        }
    }
    QByteArray received;
    QObject::connect(socket.get(), &QIODevice::readyRead, socket.get(), [&] { received += socket->readAll(); });
    socket->write(bytes);
    waitFor([&socket] { return socket->state() == QAbstractSocket::UnconnectedState; });
    received += socket->readAll();
    return received;
}

bool TestApiServerAccess::waitFor(const std::function<bool()> &done)
{
    QDeadlineTimer deadline(10000);
    while (!done()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QTest::qWait(20);
    }
    return true;
}

void TestApiServerAccess::everyEndpointAsksForCredentials_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("authorised"); // the status with the right password
    QTest::newRow("listing messages") << QByteArray("GET") << QStringLiteral("/api/v1/messages") << 200;
    QTest::newRow("marking messages read") << QByteArray("PUT") << QStringLiteral("/api/v1/messages") << 200;
    QTest::newRow("the info") << QByteArray("GET") << QStringLiteral("/api/v1/info") << 200;
    QTest::newRow("a message that is not there") << QByteArray("GET") << QStringLiteral("/api/v1/message/nope") << 404;
    QTest::newRow("a view") << QByteArray("GET") << QStringLiteral("/view/nope.txt") << 404;
    QTest::newRow("an unknown path") << QByteArray("GET") << QStringLiteral("/nowhere") << 404;
    QTest::newRow("a probe's path spelled otherwise") << QByteArray("GET") << QStringLiteral("/livez/") << 404;
}

void TestApiServerAccess::everyEndpointAsksForCredentials()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, authorised);
    startApi(true, false);
    // Mailpit's basicAuthResponse(): 401, Basic realm="Login", "Unauthorised.".
    for (const QByteArray &authorization : { QByteArray(), AliceWrong, QByteArray("Bearer abc"),
             "Basic " + QByteArray("mallory:wonder land").toBase64() }) {
        const Reply r = request(method, path, authorization);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.challenge, QByteArray("Basic realm=\"Login\""));
        QCOMPARE(r.body, QByteArray("Unauthorised.\n"));
    }
    QCOMPARE(request(method, path, AliceGood).status, authorised);
}

void TestApiServerAccess::probesStayOpen_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("/livez") << QStringLiteral("/livez");
    QTest::newRow("/readyz") << QStringLiteral("/readyz");
}

void TestApiServerAccess::probesStayOpen()
{
    QFETCH(QString, path);
    startApi(true, false);
    const Reply r = request("GET", path, QByteArray());
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
}

void TestApiServerAccess::theWebSocketAsksForCredentials()
{
    startApi(true, false);
    // The upgrade request without credentials is answered 401 before any WebSocket exists.
    const QByteArray upgrade = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 13\r\n";
    const QByteArray refused = exchange(upgrade + "\r\n");
    QVERIFY2(refused.startsWith("HTTP/1.1 401 Unauthorized\r\n"), refused.constData());
    QVERIFY(refused.contains("\r\nWWW-Authenticate: Basic realm=\"Login\"\r\n"));
    QVERIFY(exchange(upgrade + "Authorization: " + AliceWrong + "\r\n\r\n").startsWith("HTTP/1.1 401 "));
    QCOMPARE(m_api->eventClientCount(), 0);

    // With the password: the switch to the WebSocket protocol (RFC 6455 §4.2.2), and events.
    QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    req.setRawHeader("Authorization", AliceGood);
    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    socket.open(req);
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 1);
}

void TestApiServerAccess::aKeptAliveClientStaysLoggedIn()
{
    startApi(true, false);
    // A probe first (no password), then the API on the same connection: its reply's status line.
    const auto probeThenApi = [this](const QByteArray &authorization) -> QByteArray {
        QTcpSocket socket;
        QByteArray received;
        connect(&socket, &QIODevice::readyRead, &socket, [&] { received += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, m_api->serverPort());
        if (!waitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; })) {
            return "not connected";
        }
        socket.write("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        if (!waitFor([&] { return received.endsWith("ok"); }) || !received.startsWith("HTTP/1.1 200 OK\r\n")) {
            return "probe: " + received;
        }
        received.clear();
        socket.write("GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization + "\r\n\r\n");
        waitFor([&] { return received.contains("\r\n\r\n"); });
        return received.left(received.indexOf("\r\n") + 2);
    };
    // There, a password not verified before is refused rather than checked on the API thread (where bcrypt would
    // hold up every other client): even the right one, until a connection of its own has had it verified.
    QCOMPARE(probeThenApi(AliceGood), QByteArray("HTTP/1.1 401 Unauthorized\r\n"));
    // QNetworkAccessManager keeps its connection: the first request waits for bcrypt, the next ones are let in from
    // memory; a wrong password on the same client is still refused.
    for (int i = 0; i < 20; ++i) {
        QCOMPARE(request("GET", QStringLiteral("/api/v1/messages"), AliceGood).status, 200);
    }
    QCOMPARE(request("GET", QStringLiteral("/api/v1/messages"), AliceWrong).status, 401);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/messages"), AliceGood).status, 200);
    // Verified once, the password is let in after a probe too; a wrong one is not.
    QCOMPARE(probeThenApi(AliceGood), QByteArray("HTTP/1.1 200 OK\r\n"));
    QCOMPARE(probeThenApi(AliceWrong), QByteArray("HTTP/1.1 401 Unauthorized\r\n"));
}

void TestApiServerAccess::aLargeBodyBehindAPendingLoginIsServed()
{
    startApi(true, false);
    // A client that pipelines a large body behind its first request while its password is verified: the server
    // buffers only a little of it meanwhile (the kernel holds the rest) and reads on once the password verified, so
    // both requests are answered, in order.
    QTcpSocket socket;
    QByteArray received;
    connect(&socket, &QIODevice::readyRead, &socket, [&] { received += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, m_api->serverPort());
    QVERIFY(waitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }));
    const QByteArray body = QByteArray("{\"Read\": true}") + QByteArray(512 * 1024, ' ');
    socket.write("GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + AliceGood + "\r\n\r\n");
    socket.write("PUT /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + AliceGood
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n");
    socket.write(body);
    QVERIFY2(waitFor([&] { return received.count("HTTP/1.1 ") >= 2 && received.endsWith("ok"); }),
        received.left(300).constData());
    QVERIFY2(received.startsWith("HTTP/1.1 200 OK\r\n"), received.left(300).constData());
    QVERIFY2(received.mid(received.lastIndexOf("HTTP/1.1 ")).startsWith("HTTP/1.1 200 OK\r\n"),
        received.left(300).constData());
}

void TestApiServerAccess::withoutAnAuthFileNothingIsAsked()
{
    startApi(false, false);
    const Reply r = request("GET", QStringLiteral("/api/v1/messages"), QByteArray());
    QCOMPARE(r.status, 200);
    QVERIFY(r.challenge.isEmpty());
}

void TestApiServerAccess::httpsServesTheApiAndTheEvents()
{
    startApi(true, true);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/info"), QByteArray()).status, 401);
    const Reply r = request("GET", QStringLiteral("/api/v1/info"), AliceGood);
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QCOMPARE(request("GET", QStringLiteral("/livez"), QByteArray()).status, 200);

    // wss: /api/events over TLS, with the password.
    QNetworkRequest req(QUrl(QStringLiteral("wss://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    req.setRawHeader("Authorization", AliceGood);
    QWebSocket socket;
    socket.setSslConfiguration(clientTls());
    QSignalSpy connected(&socket, &QWebSocket::connected);
    socket.open(req);
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 1);
}

void TestApiServerAccess::httpsKeepsTheHostAndOriginGuards_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("a Host rebound by DNS") << QByteArray("Host") << QByteArray("evil.test");
    QTest::newRow("a foreign Origin") << QByteArray("Origin") << QByteArray("https://evil.test");
}

void TestApiServerAccess::httpsKeepsTheHostAndOriginGuards()
{
    QFETCH(QByteArray, field);
    QFETCH(QByteArray, value);
    startApi(false, true);
    const QByteArray host = field == "Host" ? QByteArray() : QByteArray("Host: 127.0.0.1\r\n");
    const QByteArray answer = exchange("GET /api/v1/info HTTP/1.1\r\n" + host + field + ": " + value + "\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 403 Forbidden\r\n"), answer.constData());
}

void TestApiServerAccess::plainHttpOnTheHttpsPortGetsNoAnswer()
{
    startApi(false, true);
    QTcpSocket socket;
    QByteArray received;
    connect(&socket, &QIODevice::readyRead, &socket, [&] { received += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, m_api->serverPort());
    QVERIFY(waitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }));
    socket.write("GET /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // The TLS handshake fails on an HTTP request: the server closes, and never answers in plain text.
    QVERIFY(waitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }));
    QVERIFY2(!received.startsWith("HTTP/"), received.constData());
}

QTEST_MAIN(TestApiServerAccess)
#include "tst_apiserveraccess.moc"
