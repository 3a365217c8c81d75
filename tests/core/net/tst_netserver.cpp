// NetServer and NetConnection (core/net) under a toy line protocol over loopback: greeting, echo, limits, idle
// sweep, shutdown, reads held while the protocol is busy, and TLS both on request (STARTTLS-style, with the input
// pipelined after the request dropped: RFC 3207 §4.2, CVE-2011-0411) and from the first byte (RFC 8314 §3.3).
// The certificate is a test fixture (tests/data/tls, self-signed for localhost:
// openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost).
#include <net/netconnection.h>
#include <net/netprotocol.h>
#include <net/netserver.h>

#include <QElapsedTimer>
#include <QFile>
#include <QMutex>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

namespace {
// What the handlers saw, for the test thread to read.
struct Log
{
    QMutex mutex;
    QByteArray input; // every byte any handler received
    QByteArrayList early;
    int tlsStarts = 0;

    void add(QByteArrayView bytes)
    {
        QMutexLocker lock(&mutex);
        input += bytes;
    }
    QByteArray received()
    {
        QMutexLocker lock(&mutex);
        return input;
    }
};

// Greets with "hello", echoes lines, and knows STARTTLS, PAUSE (no reading for 300 ms), PACE N (read at most N octets
// a second from now on; 0: unpaced) and QUIT. Reads one octet at
// a time, so that what a client pipelines stays in the socket for NetConnection to deal with.
class EchoHandler : public NetHandler
{
public:
    EchoHandler(NetConnection *connection, Log *log) : m_connection(connection), m_log(log) { }

    void start(QByteArrayView early) override
    {
        {
            QMutexLocker lock(&m_log->mutex);
            m_log->early << early.toByteArray();
        }
        m_connection->write("hello " + m_connection->clientAddress().toString().toLatin1() + "\r\n");
    }
    qsizetype readSize() const override { return m_paused || m_closed ? 0 : 1; }
    void receive(QByteArrayView bytes) override
    {
        m_log->add(bytes);
        m_line += bytes;
        if (!m_line.endsWith('\n')) {
            return;
        }
        const QByteArray line = m_line.trimmed();
        m_line.clear();
        if (line == "STARTTLS") {
            m_connection->write("go\r\n");
            if (!m_connection->startServerTls()) {
                m_connection->write("no tls\r\n");
            }
        } else if (line == "PAUSE") {
            m_paused = true;
            QTimer::singleShot(300, m_connection, [this] {
                m_paused = false;
                m_connection->write("resumed\r\n");
                m_connection->readMore();
            });
        } else if (line.startsWith("PACE ")) {
            m_connection->setReadRate(line.mid(5).toLongLong());
            m_connection->write("paced\r\n");
        } else if (line == "QUIT") {
            m_closed = true;
            m_connection->write("bye\r\n");
            m_connection->close();
        } else {
            m_connection->write(line + "\r\n");
        }
    }
    void tlsStarted() override
    {
        {
            QMutexLocker lock(&m_log->mutex);
            ++m_log->tlsStarts;
        }
        m_connection->write(m_connection->isEncrypted() ? "tls\r\n" : "plain?\r\n");
    }
    bool canTimeOut() const override { return !m_paused; }
    void timeout() override
    {
        m_closed = true;
        m_connection->write("timeout\r\n");
        m_connection->close();
    }
    void shutdown() override
    {
        m_closed = true;
        m_connection->write("shutdown\r\n");
        m_connection->close();
    }

private:
    NetConnection *m_connection;
    Log *m_log;
    QByteArray m_line;
    bool m_paused = false;
    bool m_closed = false;
};

class EchoProtocol : public NetProtocol
{
public:
    Log log;
    std::unique_ptr<NetHandler> createHandler(NetConnection *connection) override
    {
        return std::make_unique<EchoHandler>(connection, &log);
    }
    QByteArray refusal(NetRefusal reason) const override
    {
        return reason == NetRefusal::TooManyConnections ? "busy\r\n" : "no descriptors\r\n";
    }
};

QByteArray readLine(QTcpSocket &socket, int timeoutMs = 10000)
{
    QElapsedTimer timer;
    timer.start();
    while (!socket.canReadLine()) {
        if (timer.elapsed() > timeoutMs || (!socket.waitForReadyRead(timeoutMs) && !socket.canReadLine())) {
            return {};
        }
    }
    return socket.readLine();
}

bool waitForClose(QTcpSocket &socket)
{
    if (socket.state() == QAbstractSocket::UnconnectedState) {
        return true;
    }
    return socket.waitForDisconnected(10000);
}

QSslConfiguration serverTls()
{
    QFile certificate(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.crt"));
    QFile key(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.key"));
    if (!certificate.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly)) {
        return {};
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(QSslCertificate(certificate.readAll()));
    config.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
    return config;
}
// How a listener has its certificate: given, or made by a source when a connection first needs it (the connection
// then starts on a plain socket and moves to a QSslSocket at STARTTLS).
void addCertificateRows()
{
    QTest::addColumn<bool>("onDemand");
    QTest::newRow("the listener has its certificate") << false;
    QTest::newRow("the certificate is made when first needed") << true;
}

void setCertificate(NetListenOptions *options, bool onDemand, std::shared_ptr<QAtomicInt> asked)
{
    if (onDemand) {
        options->sslConfigurationSource = [asked]() -> std::optional<QSslConfiguration> {
            asked->ref();
            return serverTls();
        };
    } else {
        options->sslConfiguration = serverTls();
    }
}

} // namespace

class TestNetServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void greetsAndEchoes();
    void signalsOpenAndClose();
    void refusesPastTheConnectionLimit();
    void sweepsIdleConnections();
    void doesNotTimeOutABusyHandler();
    void shutdownReachesEveryConnection();
    void holdsReadsWhileTheHandlerIsBusy();
    void readsAtTheRateItIsGiven();
    void aListenerWithoutCertificateCannotStartTls();
    void startsTlsOnRequestAndDropsWhatWasPipelined_data();
    void startsTlsOnRequestAndDropsWhatWasPipelined();
    void implicitTlsStartsTheProtocolAfterTheHandshake_data();
    void implicitTlsStartsTheProtocolAfterTheHandshake();
    void aFailedListenSaysWhy();

private:
    quint16 listen(NetListenOptions options = {});

    std::unique_ptr<NetServer> m_server;
    std::unique_ptr<EchoProtocol> m_protocol;
};

void TestNetServer::init()
{
    m_protocol = std::make_unique<EchoProtocol>();
    m_server = std::make_unique<NetServer>(QStringLiteral("test-network"));
}

void TestNetServer::cleanup()
{
    m_server.reset();
    m_protocol.reset();
}

quint16 TestNetServer::listen(NetListenOptions options)
{
    if (!m_server->listen(options, m_protocol.get())) {
        return 0;
    }
    return m_server->listeningAddresses().last().second;
}

void TestNetServer::greetsAndEchoes()
{
    const quint16 port = listen();
    QVERIFY(port != 0);
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("one\ntwo\n");
    QCOMPARE(readLine(client), QByteArray("one\r\n"));
    QCOMPARE(readLine(client), QByteArray("two\r\n"));
    client.write("QUIT\n");
    QCOMPARE(readLine(client), QByteArray("bye\r\n"));
    QVERIFY(waitForClose(client));
}

void TestNetServer::signalsOpenAndClose()
{
    const quint16 port = listen();
    QSignalSpy opened(m_server.get(), &NetServer::connectionOpened);
    QSignalSpy closed(m_server.get(), &NetServer::connectionClosed);
    {
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
        QCOMPARE(m_server->connectionCount(), 1);
        client.write("QUIT\n");
        QVERIFY(waitForClose(client));
    }
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.first().at(0).toULongLong(), closed.first().at(0).toULongLong());
    QCOMPARE(opened.first().at(1).value<QHostAddress>(), QHostAddress(QHostAddress::LocalHost));
    QTRY_COMPARE(m_server->connectionCount(), 0);
}

void TestNetServer::refusesPastTheConnectionLimit()
{
    m_server->setMaxConnections(1);
    const quint16 port = listen();
    QTcpSocket first;
    first.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(first), QByteArray("hello 127.0.0.1\r\n"));
    QTcpSocket second;
    second.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(second), QByteArray("busy\r\n"));
    QVERIFY(waitForClose(second));
    first.write("QUIT\n");
    QVERIFY(waitForClose(first));
    QTRY_COMPARE(m_server->connectionCount(), 0);
    QTcpSocket third;
    third.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(third), QByteArray("hello 127.0.0.1\r\n"));
}

void TestNetServer::sweepsIdleConnections()
{
    m_server->setIdleTimeout(200);
    const quint16 port = listen();
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(readLine(client), QByteArray("timeout\r\n"));
    QVERIFY(timer.elapsed() >= 150);
    QVERIFY(waitForClose(client));
}

void TestNetServer::doesNotTimeOutABusyHandler()
{
    // PAUSE keeps the handler busy for 300 ms, longer than the idle timeout: no timeout meanwhile.
    m_server->setIdleTimeout(200);
    const quint16 port = listen();
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("PAUSE\n");
    QCOMPARE(readLine(client), QByteArray("resumed\r\n"));
}

void TestNetServer::shutdownReachesEveryConnection()
{
    const quint16 port = listen();
    QTcpSocket a;
    QTcpSocket b;
    a.connectToHost(QHostAddress::LocalHost, port);
    b.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(a), QByteArray("hello 127.0.0.1\r\n"));
    QCOMPARE(readLine(b), QByteArray("hello 127.0.0.1\r\n"));
    m_server->stopListening();
    QVERIFY(m_server->listeningAddresses().isEmpty());
    m_server->shutdownConnections();
    QCOMPARE(readLine(a), QByteArray("shutdown\r\n"));
    QCOMPARE(readLine(b), QByteArray("shutdown\r\n"));
    QVERIFY(waitForClose(a));
    QVERIFY(waitForClose(b));
    QTcpSocket late;
    late.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!late.waitForConnected(2000) || readLine(late, 1000).isEmpty());
}

void TestNetServer::readsAtTheRateItIsGiven()
{
    // A host rule's bytesPerSecond (CONTRACT "Failure scenarios (rules)") reaches the connection as setReadRate():
    // 2,002 octets at 1,000 a second take at least 1.9 s (the rate, less the tenth of a second's worth the pacer
    // starts with); unpaced again, the same come far faster (a ratio in the same run, not a timed threshold).
    const quint16 port = listen();
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("PACE 1000\n");
    QCOMPARE(readLine(client), QByteArray("paced\r\n"));
    const QByteArray line = QByteArray(2000, 'x') + "\r\n";
    QElapsedTimer timer;
    timer.start();
    client.write(line);
    QCOMPARE(readLine(client), line);
    const qint64 paced = timer.elapsed();
    QVERIFY2(paced >= 1800, qPrintable(QString::number(paced)));

    client.write("PACE 0\n");
    QCOMPARE(readLine(client), QByteArray("paced\r\n"));
    timer.restart();
    client.write(line);
    QCOMPARE(readLine(client), line);
    const qint64 unpaced = qMax<qint64>(timer.elapsed(), 1);
    QVERIFY2(paced / unpaced >= 5, qPrintable(QStringLiteral("%1 ms against %2 ms").arg(paced).arg(unpaced)));
}

void TestNetServer::holdsReadsWhileTheHandlerIsBusy()
{
    // While the handler reads nothing, what the client sends waits: it is not handed over, and once the handler
    // reads again it comes in order.
    const quint16 port = listen();
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("PAUSE\nafter\n");
    client.flush();
    QTest::qWait(100);
    QVERIFY(!m_protocol->log.received().contains("after"));
    QCOMPARE(readLine(client), QByteArray("resumed\r\n"));
    QCOMPARE(readLine(client), QByteArray("after\r\n"));
}

void TestNetServer::aListenerWithoutCertificateCannotStartTls()
{
    const quint16 port = listen();
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("STARTTLS\n");
    QCOMPARE(readLine(client), QByteArray("go\r\n"));
    QCOMPARE(readLine(client), QByteArray("no tls\r\n"));
}

void TestNetServer::startsTlsOnRequestAndDropsWhatWasPipelined_data()
{
    addCertificateRows();
}

void TestNetServer::startsTlsOnRequestAndDropsWhatWasPipelined()
{
    if (!QSslSocket::supportsSsl()) {
        QSKIP("no TLS backend");
    }
    QFETCH(bool, onDemand);
    auto asked = std::make_shared<QAtomicInt>(0);
    NetListenOptions options;
    options.tls = NetListenOptions::Tls::OnRequest;
    setCertificate(&options, onDemand, asked);
    QVERIFY(!serverTls().localCertificate().isNull());
    const quint16 port = listen(options);
    QSslSocket client;
    client.setPeerVerifyMode(QSslSocket::VerifyNone);
    client.connectToHost(QHostAddress::LocalHost, port);
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    QCOMPARE(asked->loadRelaxed(), 0);
    // CVE-2011-0411: a command pipelined with the request must not run inside the TLS session.
    client.write("STARTTLS\ninjected\n");
    QCOMPARE(readLine(client), QByteArray("go\r\n"));
    client.startClientEncryption();
    QVERIFY2(client.waitForEncrypted(10000), qPrintable(client.errorString()));
    QCOMPARE(readLine(client), QByteArray("tls\r\n"));
    client.write("secret\n");
    QCOMPARE(readLine(client), QByteArray("secret\r\n"));
    QVERIFY(!m_protocol->log.received().contains("injected"));
    QCOMPARE(m_protocol->log.received(), QByteArray("STARTTLS\nsecret\n"));
    QCOMPARE(asked->loadRelaxed(), onDemand ? 1 : 0);
    client.write("STARTTLS\n");
    QCOMPARE(readLine(client), QByteArray("go\r\n"));
    QCOMPARE(readLine(client), QByteArray("no tls\r\n"));
}

void TestNetServer::implicitTlsStartsTheProtocolAfterTheHandshake_data()
{
    addCertificateRows();
}

void TestNetServer::implicitTlsStartsTheProtocolAfterTheHandshake()
{
    if (!QSslSocket::supportsSsl()) {
        QSKIP("no TLS backend");
    }
    QFETCH(bool, onDemand);
    auto asked = std::make_shared<QAtomicInt>(0);
    NetListenOptions options;
    options.tls = NetListenOptions::Tls::Implicit;
    setCertificate(&options, onDemand, asked);
    const quint16 port = listen(options);
    QSslSocket client;
    client.setPeerVerifyMode(QSslSocket::VerifyNone);
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    QVERIFY2(client.waitForEncrypted(10000), qPrintable(client.errorString()));
    QCOMPARE(readLine(client), QByteArray("hello 127.0.0.1\r\n"));
    client.write("ping\n");
    QCOMPARE(readLine(client), QByteArray("ping\r\n"));
    QMutexLocker lock(&m_protocol->log.mutex);
    QCOMPARE(m_protocol->log.early, QByteArrayList { QByteArray() });
}

void TestNetServer::aFailedListenSaysWhy()
{
    const quint16 port = listen();
    NetListenOptions again;
    again.port = port;
    QVERIFY(!m_server->listen(again, m_protocol.get()));
    QVERIFY(!m_server->errorString().isEmpty());
    QCOMPARE(m_server->listeningAddresses().size(), 1);
}

QTEST_GUILESS_MAIN(TestNetServer)
#include "tst_netserver.moc"
