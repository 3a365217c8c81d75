// SmtpClient over real loopback sockets against Letterbox's own SmtpServer (127.0.0.1 only): plain, STARTTLS with
// the server's certificate trusted or not, implicit TLS, AUTH over TLS, a server list whose first server is down and
// a server that never answers. What is expected comes from RFC 5321, RFC 3207, RFC 8314 and the contract's
// "Relay, auto-relay and the SMTP client": what arrived at the server is compared with what was sent.
#include "../smtp/smtptranscripts.h"

#include <client/smtpclient.h>
#include <smtp/messagedelivery.h>
#include <smtp/smtpserver.h>
#include <tls/tlsidentity.h>

#include <QMutex>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <memory>

namespace {
// Keeps what the server delivers, from its network thread.
class MemoryDelivery : public MessageDelivery
{
public:
    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override
    {
        {
            QMutexLocker lock(&m_mutex);
            m_messages << message;
        }
        DeliveryResult result;
        result.ok = true;
        done(result);
    }
    QList<IncomingMessage> messages() const
    {
        QMutexLocker lock(&m_mutex);
        return m_messages;
    }

private:
    mutable QMutex m_mutex;
    QList<IncomingMessage> m_messages;
};

const QByteArray Message = "From: a@x.test\r\nTo: b@y.test\r\nSubject: loopback\r\n\r\nHello\r\n.dot line\r\n";

SmtpSendResult sendAndWait(SmtpClient *client, const SmtpOutgoing &outgoing, int timeoutMs = 20000)
{
    QSignalSpy finished(client, &SmtpClient::finished);
    client->send(outgoing);
    // finished() never comes from inside send().
    if (finished.count() != 0) {
        qWarning("finished() came from inside send()");
        return {};
    }
    if (!finished.wait(timeoutMs)) {
        qWarning("no finished() in time");
        return {};
    }
    if (finished.count() != 1) {
        qWarning("finished() came %d times", int(finished.count()));
    }
    return finished.first().first().value<SmtpSendResult>();
}

// A scripted SMTP server for one connection (RFC 5321 §4.3.2's replies, no extension): it answers each command
// line, takes the data up to the end mark and records every byte the client sent. finalReply empty: the end of the
// data is never answered.
class ScriptedServer : public QObject
{
public:
    explicit ScriptedServer(QByteArray finalReply = "250 OK: queued") : m_finalReply(std::move(finalReply))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *socket = m_server.nextPendingConnection();
            socket->setParent(this);
            socket->write("220 mx.test ESMTP\r\n");
            QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, this, [this] { m_closed = true; });
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray received() const { return m_received; }
    bool closed() const { return m_closed; }

private:
    void read(QTcpSocket *socket)
    {
        const QByteArray bytes = socket->readAll();
        m_received += bytes;
        m_buffer += bytes;
        qsizetype lf;
        while ((lf = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(lf + 1);
            m_buffer.remove(0, lf + 1);
            if (m_inData) {
                if (line == ".\r\n") {
                    m_inData = false;
                    if (!m_finalReply.isEmpty()) {
                        socket->write(m_finalReply + "\r\n");
                    }
                }
                continue;
            }
            const QByteArray verb = line.left(4).toUpper();
            if (verb == "DATA") {
                m_inData = true;
                socket->write("354 Go ahead\r\n");
            } else if (verb == "QUIT") {
                socket->write("221 Bye\r\n");
                socket->disconnectFromHost();
            } else {
                socket->write("250 OK\r\n");
            }
        }
    }

    QTcpServer m_server;
    QByteArray m_finalReply;
    QByteArray m_received;
    QByteArray m_buffer;
    bool m_inData = false;
    bool m_closed = false;
};
} // namespace

class TestSmtpClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void plainSessionDeliversTheMessage();
    void refusedRecipientsAreListedAndTheOthersGetIt();
    void startTlsWithTheCertificateTrusted();
    void startTlsWithAnUntrustedCertificateFails();
    void startTlsUnverifiedWhenAskedTo();
    void implicitTls();
    void authOverTls_data();
    void authOverTls();
    void aClosedFirstServerIsPassedOver();
    void aSilentServerTimesOut();
    void aServerRefusingToGreetIsPassedOver();
    void ipv6Server();
    void aNewSendFromTheFinishedSlot();
    void inAnotherThreadWithAQueuedResult();
    void noServerFailsAfterSendReturned();
    void abortEndsTheSend();
    void chunkingSendsTheDataUnchanged();
    void aTricklingServerTimesOut();
    void theFinalReplyHasItsOwnTimeout();
    void deletingTheClientInFinishedIsSafeAndQuitStillGoesOut();
    void invalidAddressesAreRefusedWithoutConnecting();

private:
    void startServer(NetListenOptions::Tls tls, const AuthConfig &auth = AuthConfig::any());
    SmtpClientOptions options(SmtpTlsMode tls) const;

    std::optional<TlsIdentity> m_identity;
    std::unique_ptr<MemoryDelivery> m_delivery;
    std::unique_ptr<SmtpServer> m_server;
    quint16 m_port = 0;
};

void TestSmtpClient::initTestCase()
{
    QString error;
    m_identity = TlsIdentity::generateSelfSigned(QStringLiteral("mx.test"), 30, &error);
    QVERIFY2(m_identity, qPrintable(error));
}

void TestSmtpClient::init()
{
    m_delivery = std::make_unique<MemoryDelivery>();
    m_server = std::make_unique<SmtpServer>(m_delivery.get());
}

void TestSmtpClient::cleanup()
{
    m_server.reset();
    m_delivery.reset();
}

void TestSmtpClient::startServer(NetListenOptions::Tls tls, const AuthConfig &auth)
{
    SmtpSessionConfig config;
    config.hostname = SmtpTranscripts::Host;
    config.auth = auth;
    config.validator = &SmtpTranscripts::s_validator;
    m_server->setSessionConfig(config);
    if (tls == NetListenOptions::Tls::None) {
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    } else {
        const TlsIdentity identity = *m_identity;
        const auto source = [identity]() -> std::optional<QSslConfiguration> {
            QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
            configuration.setLocalCertificateChain(identity.certificates());
            configuration.setPrivateKey(identity.privateKey());
            configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
            return configuration;
        };
        QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, tls, source), qPrintable(m_server->errorString()));
    }
    m_port = m_server->listeningAddresses().last().second;
    QVERIFY(m_port != 0);
}

SmtpClientOptions TestSmtpClient::options(SmtpTlsMode tls) const
{
    SmtpClientOptions options;
    // The generated certificate names localhost and 127.0.0.1 (TlsIdentity::generateSelfSigned).
    options.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), m_port } };
    options.tls = tls;
    options.heloName = QStringLiteral("client.test");
    options.timeoutMs = 10000;
    return options;
}

void TestSmtpClient::plainSessionDeliversTheMessage()
{
    startServer(NetListenOptions::Tls::None);
    SmtpClient client(options(SmtpTlsMode::Off));
    QSignalSpy progressed(&client, &SmtpClient::progressed);
    const SmtpSendResult result
        = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test", "c@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QCOMPARE(result.stage, SmtpSendResult::Stage::Done);
    QCOMPARE(result.code, 250);
    QVERIFY(result.reply.startsWith("250 2.0.0 "));
    QCOMPARE(result.server, QStringLiteral("127.0.0.1:%1").arg(m_port));
    QCOMPARE(result.accepted, QByteArrayList({ "b@y.test", "c@y.test" }));
    QVERIFY(result.refused.isEmpty());
    QVERIFY(!progressed.isEmpty());
    QCOMPARE(progressed.first().first().toString(), QStringLiteral("Connecting to 127.0.0.1:%1").arg(m_port));

    QTRY_COMPARE(m_delivery->messages().size(), 1);
    const IncomingMessage message = m_delivery->messages().first();
    QCOMPARE(message.envelope.mailFrom, QByteArray("a@x.test"));
    QCOMPARE(message.envelope.rcptTo, QByteArrayList({ "b@y.test", "c@y.test" }));
    QCOMPARE(message.envelope.helo, QByteArray("client.test"));
    QVERIFY(message.envelope.esmtp);
    QVERIFY(!message.envelope.tls);
    // Dot-stuffed on the way, unstuffed on arrival: the same bytes.
    QCOMPARE(message.data, Message);
}

void TestSmtpClient::refusedRecipientsAreListedAndTheOthersGetIt()
{
    startServer(NetListenOptions::Tls::None);
    SmtpClient client(options(SmtpTlsMode::Off));
    // SmtpTranscripts::TestValidator refuses recipients starting with "bogus" with 550 5.1.1.
    const SmtpSendResult result
        = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "bogus@y.test", "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QCOMPARE(result.accepted, QByteArrayList({ "b@y.test" }));
    QCOMPARE(result.refused.size(), 1);
    QCOMPARE(result.refused.first().address, QByteArray("bogus@y.test"));
    QCOMPARE(result.refused.first().code, 550);
    QCOMPARE(result.refused.first().enhanced, QByteArray("5.1.1"));
    QTRY_COMPARE(m_delivery->messages().size(), 1);
    QCOMPARE(m_delivery->messages().first().envelope.rcptTo, QByteArrayList({ "b@y.test" }));

    // Every recipient refused: nothing delivered, a failure at RCPT that is not temporary (5xx).
    const SmtpSendResult none = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "bogus@y.test" }, Message });
    QVERIFY(!none.ok);
    QCOMPARE(none.stage, SmtpSendResult::Stage::RcptTo);
    QCOMPARE(none.code, 550);
    QVERIFY(!none.isTemporaryFailure());
    QTest::qWait(100);
    QCOMPARE(m_delivery->messages().size(), 1);
}

void TestSmtpClient::startTlsWithTheCertificateTrusted()
{
    startServer(NetListenOptions::Tls::OnRequest);
    SmtpClientOptions o = options(SmtpTlsMode::StartTls);
    o.caCertificates = m_identity->certificates();
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QTRY_COMPARE(m_delivery->messages().size(), 1);
    QVERIFY(m_delivery->messages().first().envelope.tls);
    QCOMPARE(m_delivery->messages().first().data, Message);
}

void TestSmtpClient::startTlsWithAnUntrustedCertificateFails()
{
    startServer(NetListenOptions::Tls::OnRequest);
    // Opportunistic STARTTLS verifies the certificate too (CONTRACT "Auto-relay (details)"); nothing is sent in the
    // clear after a failed handshake.
    for (const SmtpTlsMode mode : { SmtpTlsMode::StartTls, SmtpTlsMode::Opportunistic }) {
        SmtpClient client(options(mode));
        const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
        QVERIFY(!result.ok);
        QCOMPARE(result.stage, SmtpSendResult::Stage::StartTls);
        QCOMPARE(result.code, 0);
        QVERIFY2(result.errorString.contains(QStringLiteral("certificate"), Qt::CaseInsensitive),
            qPrintable(result.errorString));
    }
    QTest::qWait(100);
    QVERIFY(m_delivery->messages().isEmpty());
}

void TestSmtpClient::startTlsUnverifiedWhenAskedTo()
{
    startServer(NetListenOptions::Tls::OnRequest);
    SmtpClientOptions o = options(SmtpTlsMode::StartTls);
    o.verifyCertificate = false; // --relay-insecure
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QTRY_COMPARE(m_delivery->messages().size(), 1);
    QVERIFY(m_delivery->messages().first().envelope.tls);
}

void TestSmtpClient::implicitTls()
{
    startServer(NetListenOptions::Tls::Implicit);
    SmtpClientOptions o = options(SmtpTlsMode::Implicit);
    o.caCertificates = m_identity->certificates();
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QTRY_COMPARE(m_delivery->messages().size(), 1);
    QVERIFY(m_delivery->messages().first().envelope.tls);

    // Untrusted, the implicit-TLS server is not reached at all: a connection failure.
    SmtpClient untrusting(options(SmtpTlsMode::Implicit));
    const SmtpSendResult refused = sendAndWait(&untrusting, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY(!refused.ok);
    QCOMPARE(refused.stage, SmtpSendResult::Stage::Connect);
    QVERIFY(refused.isTemporaryFailure());
}

void TestSmtpClient::authOverTls_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("code");
    QTest::newRow("the right password is accepted (235) and the message goes")
        << QStringLiteral("secret") << true << 250;
    QTest::newRow("a wrong password fails the send at AUTH with 535 (RFC 4954 §6)")
        << QStringLiteral("wrong") << false << 535;
}

void TestSmtpClient::authOverTls()
{
    QFETCH(QString, password);
    QFETCH(bool, ok);
    QFETCH(int, code);
    startServer(NetListenOptions::Tls::OnRequest, AuthConfig::fromCredentials({ { "tim", "secret" } }));
    SmtpClientOptions o = options(SmtpTlsMode::StartTls);
    o.caCertificates = m_identity->certificates();
    o.username = QStringLiteral("tim");
    o.password = password;
    SmtpClient client(o);
    QSignalSpy progressed(&client, &SmtpClient::progressed);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QCOMPARE(result.ok, ok);
    QCOMPARE(result.code, code);
    QStringList steps;
    for (const QList<QVariant> &signal : std::as_const(progressed)) {
        steps << signal.first().toString();
    }
    // Letterbox offers PLAIN, LOGIN and CRAM-MD5: CRAM-MD5 is preferred, after STARTTLS.
    QVERIFY2(steps.indexOf(QStringLiteral("AUTH CRAM-MD5")) > steps.indexOf(QStringLiteral("STARTTLS")),
        qPrintable(steps.join(u',')));
    if (ok) {
        QTRY_COMPARE(m_delivery->messages().size(), 1);
        QCOMPARE(m_delivery->messages().first().envelope.authUser, QByteArray("tim"));
    } else {
        QCOMPARE(result.stage, SmtpSendResult::Stage::Auth);
        QVERIFY(!result.isTemporaryFailure());
    }
}

void TestSmtpClient::aClosedFirstServerIsPassedOver()
{
    startServer(NetListenOptions::Tls::None);
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers.prepend(SmtpServerAddress { QStringLiteral("127.0.0.1"), closedPort });
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QCOMPARE(result.server, QStringLiteral("127.0.0.1:%1").arg(m_port));

    // Only the closed one: a connection failure, temporary.
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), closedPort } };
    SmtpClient alone(o);
    const SmtpSendResult failed = sendAndWait(&alone, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY(!failed.ok);
    QCOMPARE(failed.stage, SmtpSendResult::Stage::Connect);
    QCOMPARE(failed.code, 0);
    QVERIFY(failed.isTemporaryFailure());
    QVERIFY(!failed.errorString.isEmpty());
    QCOMPARE(failed.summary(), failed.errorString);
}

void TestSmtpClient::aSilentServerTimesOut()
{
    // Accepts connections and never says a word.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    connect(&silent, &QTcpServer::newConnection, this, [&] { accepted << silent.nextPendingConnection(); });
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), silent.serverPort() } };
    o.timeoutMs = 300;
    SmtpClient client(o);
    QElapsedTimer timer;
    timer.start();
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message }, 5000);
    QVERIFY(!result.ok);
    QCOMPARE(result.stage, SmtpSendResult::Stage::Greeting);
    QCOMPARE(result.code, 0);
    QVERIFY2(result.errorString.contains(QStringLiteral("timed out")), qPrintable(result.errorString));
    QVERIFY(result.isTemporaryFailure());
    QVERIFY(timer.elapsed() >= 250);
    QVERIFY(timer.elapsed() < 4000);
    QCOMPARE(accepted.size(), 1);
}

void TestSmtpClient::aServerRefusingToGreetIsPassedOver()
{
    startServer(NetListenOptions::Tls::None);
    // RFC 5321 §3.1: a server that cannot serve now says 421 (or 554) instead of 220; tcllib then tries the next one.
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    connect(&busy, &QTcpServer::newConnection, this, [&busy] {
        QTcpSocket *socket = busy.nextPendingConnection();
        socket->write("421 busy.test Too busy, try later\r\n");
    });
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers.prepend(SmtpServerAddress { QStringLiteral("127.0.0.1"), busy.serverPort() });
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QCOMPARE(result.server, QStringLiteral("127.0.0.1:%1").arg(m_port));

    // Alone, its 421 is the result: temporary.
    o.servers.removeLast();
    SmtpClient alone(o);
    const SmtpSendResult refused = sendAndWait(&alone, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY(!refused.ok);
    QCOMPARE(refused.stage, SmtpSendResult::Stage::Greeting);
    QCOMPARE(refused.code, 421);
    QCOMPARE(refused.reply, QByteArray("421 busy.test Too busy, try later"));
    QVERIFY(refused.isTemporaryFailure());
}

void TestSmtpClient::ipv6Server()
{
    SmtpSessionConfig config;
    config.hostname = SmtpTranscripts::Host;
    m_server->setSessionConfig(config);
    if (!m_server->listen(QHostAddress::LocalHostIPv6, 0)) {
        QSKIP("no IPv6 loopback here");
    }
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    const quint16 port = m_server->listeningAddresses().last().second;
    o.servers = { SmtpServerAddress { QStringLiteral("::1"), port } };
    SmtpClient client(o);
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    // RFC 3986 §3.2.2: the address in brackets, so that the port stays readable.
    QCOMPARE(result.server, QStringLiteral("[::1]:%1").arg(port));
}

void TestSmtpClient::aNewSendFromTheFinishedSlot()
{
    startServer(NetListenOptions::Tls::None);
    SmtpClient client(options(SmtpTlsMode::Off));
    QList<SmtpSendResult> results;
    connect(&client, &SmtpClient::finished, this, [&](const SmtpSendResult &result) {
        results << result;
        if (results.size() == 1) {
            client.send(SmtpOutgoing { "a@x.test", { "c@y.test" }, Message });
        }
    });
    client.send(SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QTRY_COMPARE(results.size(), 2);
    QVERIFY(results.at(0).ok);
    QVERIFY(results.at(1).ok);
    QTRY_COMPARE(m_delivery->messages().size(), 2);
    QCOMPARE(m_delivery->messages().at(1).envelope.rcptTo, QByteArrayList { "c@y.test" });
}

void TestSmtpClient::inAnotherThreadWithAQueuedResult()
{
    // Relay and compose run the client off the GUI thread; its result crosses threads as a registered metatype.
    startServer(NetListenOptions::Tls::None);
    const SmtpClientOptions o = options(SmtpTlsMode::Off);
    QThread thread;
    thread.start();
    QObject owner;
    owner.moveToThread(&thread);
    QList<SmtpSendResult> results;
    QMetaObject::invokeMethod(&owner, [&] {
        auto *client = new SmtpClient(o, &owner);
        // this lives in the test's thread: a queued connection.
        connect(client, &SmtpClient::finished, this, [&](const SmtpSendResult &result) {
            QCOMPARE(QThread::currentThread(), qApp->thread());
            results << result;
        });
        client->send(SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    });
    QTRY_COMPARE(results.size(), 1);
    QVERIFY2(results.first().ok, qPrintable(results.first().summary()));
    QMetaObject::invokeMethod(
        &owner, [&owner] { qDeleteAll(owner.children()); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
}

void TestSmtpClient::noServerFailsAfterSendReturned()
{
    SmtpClient client(SmtpClientOptions {});
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY(!result.ok);
    QVERIFY(!result.errorString.isEmpty());
}

void TestSmtpClient::abortEndsTheSend()
{
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), silent.serverPort() } };
    SmtpClient client(o);
    QSignalSpy finished(&client, &SmtpClient::finished);
    QSignalSpy progressed(&client, &SmtpClient::progressed);
    client.send(SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QVERIFY(progressed.wait(5000));
    client.abort();
    QTRY_COMPARE(finished.count(), 1);
    QCOMPARE(finished.first().first().value<SmtpSendResult>().errorString, QStringLiteral("aborted"));
    QTest::qWait(100);
    QCOMPARE(finished.count(), 1);
}

void TestSmtpClient::chunkingSendsTheDataUnchanged()
{
    // Letterbox's SmtpServer offers CHUNKING (RFC 3030): the client sends BDAT, and what is stored is the bytes
    // sent, byte for byte (CONTRACT "Release": the stored source unchanged), a bare LF, a bare CR and a line of
    // 1500 octets (DATA would have made them CRLF and cannot carry lines over 1000 octets) included.
    startServer(NetListenOptions::Tls::None);
    SmtpClient client(options(SmtpTlsMode::Off));
    const QByteArray data = "From: a@x.test\r\nTo: b@y.test\r\nSubject: raw\r\n\r\nbare LF\nbare CR\rend\r\n"
        + QByteArray(1500, 'x') + "\r\n.dot line\r\nno final line end";
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, data });
    QVERIFY2(result.ok, qPrintable(result.summary()));
    QTRY_COMPARE(m_delivery->messages().size(), 1);
    QCOMPARE(m_delivery->messages().first().data, data);
}

void TestSmtpClient::aTricklingServerTimesOut()
{
    // A server sending a byte every 100 ms never completes a reply: the step's deadline (300 ms from the
    // connection) is not moved by the bytes, so the send fails in bounded time.
    QTcpServer trickling;
    QVERIFY(trickling.listen(QHostAddress::LocalHost, 0));
    QTimer drip;
    drip.setInterval(100);
    QList<QTcpSocket *> accepted;
    connect(&trickling, &QTcpServer::newConnection, this, [&] {
        accepted << trickling.nextPendingConnection();
        accepted.last()->write("220-mx.test ");
        drip.start();
    });
    connect(&drip, &QTimer::timeout, this, [&] {
        for (QTcpSocket *socket : std::as_const(accepted)) {
            socket->write("x");
        }
    });
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), trickling.serverPort() } };
    o.timeoutMs = 300;
    SmtpClient client(o);
    QElapsedTimer timer;
    timer.start();
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message }, 5000);
    QVERIFY(!result.ok);
    QCOMPARE(result.stage, SmtpSendResult::Stage::Greeting);
    QCOMPARE(result.code, 0);
    QVERIFY2(result.errorString.contains(QStringLiteral("timed out")), qPrintable(result.errorString));
    QVERIFY(timer.elapsed() < 3000);
}

void TestSmtpClient::theFinalReplyHasItsOwnTimeout()
{
    // RFC 5321 §4.5.3.2.6: the reply after the end of the data gets finalReplyTimeoutMs, not timeoutMs.
    ScriptedServer server(QByteArray {});
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), server.port() } };
    o.timeoutMs = 300;
    o.finalReplyTimeoutMs = 1500;
    SmtpClient client(o);
    QElapsedTimer timer;
    timer.start();
    const SmtpSendResult result = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test" }, Message }, 10000);
    const qint64 elapsed = timer.elapsed();
    QVERIFY(!result.ok);
    QCOMPARE(result.stage, SmtpSendResult::Stage::Data);
    QVERIFY2(result.errorString.contains(QStringLiteral("timed out after 1500 ms")), qPrintable(result.errorString));
    QVERIFY2(elapsed >= 1400, qPrintable(QString::number(elapsed)));
    QVERIFY(server.received().endsWith("\r\n.\r\n"));
}

void TestSmtpClient::deletingTheClientInFinishedIsSafeAndQuitStillGoesOut()
{
    // The relay and the composer delete their client from its finished() slot, which comes from inside the
    // socket's readyRead: the socket must survive that (run under letterbox-dev test --sanitize), and still send
    // the QUIT that RFC 5321 §4.1.1.10 asks for and close the connection.
    ScriptedServer server;
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), server.port() } };
    auto *client = new SmtpClient(o);
    QList<SmtpSendResult> results;
    connect(client, &SmtpClient::finished, this, [&](const SmtpSendResult &result) {
        results << result;
        delete client;
        client = nullptr;
    });
    client->send(SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QTRY_COMPARE(results.size(), 1);
    QVERIFY2(results.first().ok, qPrintable(results.first().summary()));
    QVERIFY(client == nullptr);
    QTRY_VERIFY2(server.received().endsWith("\r\n.\r\nQUIT\r\n"), server.received().right(40).constData());
    QTRY_VERIFY(server.closed());

    // And from a progressed() slot, in the middle of the send.
    ScriptedServer second;
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), second.port() } };
    client = new SmtpClient(o);
    connect(client, &SmtpClient::progressed, this, [&](const QString &step) {
        if (step == QStringLiteral("MAIL FROM")) {
            delete client;
            client = nullptr;
        }
    });
    client->send(SmtpOutgoing { "a@x.test", { "b@y.test" }, Message });
    QTRY_VERIFY(client == nullptr);
    QTRY_VERIFY(second.closed());
}

void TestSmtpClient::invalidAddressesAreRefusedWithoutConnecting()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    SmtpClientOptions o = options(SmtpTlsMode::Off);
    o.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), probe.serverPort() } };
    SmtpClient client(o);
    QSignalSpy closed(&client, &SmtpClient::connectionClosed);
    const SmtpSendResult result
        = sendAndWait(&client, SmtpOutgoing { "a@x.test", { "b@y.test\r\nDATA" }, Message }, 5000);
    QVERIFY(!result.ok);
    QCOMPARE(result.stage, SmtpSendResult::Stage::RcptTo);
    QVERIFY2(result.errorString.contains(QStringLiteral("b@y.test")), qPrintable(result.errorString));
    QTRY_COMPARE(closed.count(), 1);
    QVERIFY(!probe.hasPendingConnections());
}

QTEST_GUILESS_MAIN(TestSmtpClient)
#include "tst_smtpclient.moc"
