// SmtpServer + MessageStore over real loopback sockets (127.0.0.1 and ::1 only).
#include "smtptranscripts.h"

#include <api/apijson.h>
#include <rules/ruleengine.h>
#include <rules/ruleset.h>
#include <smtp/smtpserver.h>
#include <smtp/smtpvalidator.h>
#include <store/sqlitemessagestore.h>

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {
// A blocking client on plain sockets, usable from any thread, with a receive timeout.
class Client
{
public:
    Client(const QHostAddress &address, quint16 port, int timeoutMs = 10000)
    {
        const bool v6 = address.protocol() == QAbstractSocket::IPv6Protocol;
        m_fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        timeval tv { timeoutMs / 1000, (timeoutMs % 1000) * 1000 };
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (v6) {
            sockaddr_in6 sa {};
            sa.sin6_family = AF_INET6;
            sa.sin6_port = htons(port);
            const Q_IPV6ADDR a = address.toIPv6Address();
            std::memcpy(&sa.sin6_addr, &a, 16);
            m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0;
        } else {
            sockaddr_in sa {};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(port);
            sa.sin_addr.s_addr = htonl(address.toIPv4Address());
            m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0;
        }
    }
    ~Client() { ::close(m_fd); }
    bool isConnected() const { return m_connected; }

    bool send(const QByteArray &data)
    {
        qsizetype off = 0;
        while (off < data.size()) {
            const ssize_t n = ::send(m_fd, data.constData() + off, size_t(data.size() - off), MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            off += n;
        }
        return true;
    }

    // One whole reply (all its lines), or empty on EOF/timeout.
    QByteArray reply()
    {
        for (;;) {
            qsizetype start = 0;
            for (;;) {
                const qsizetype eol = m_buffer.indexOf("\r\n", start);
                if (eol < 0) {
                    break;
                }
                if (eol - start >= 4 && m_buffer[start + 3] == ' ') {
                    const QByteArray r = m_buffer.left(eol + 2);
                    m_buffer.remove(0, eol + 2);
                    return r;
                }
                start = eol + 2;
            }
            if (!fill()) {
                return {};
            }
        }
    }

    // True when the server closed the connection (EOF) before the timeout.
    bool waitForClose()
    {
        char buf[256];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n == 0) {
                return true;
            }
            if (n < 0) {
                return false;
            }
        }
    }

private:
    bool fill()
    {
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return false;
        }
        m_buffer.append(buf, n);
        return true;
    }

    int m_fd = -1;
    bool m_connected = false;
    QByteArray m_buffer;
};

class RejectingValidator : public SmtpValidator
{
public:
    SmtpVerdict checkHost(const ClientAddress &client) const override
    {
        const bool loopback = QHostAddress(client.toString()).isLoopback();
        return loopback ? SmtpVerdict::reject(550, "5.7.1", "Access denied") : SmtpVerdict::accept();
    }
};

// Holds the network thread in the host hook of the first connection only (the hook runs on that thread), so
// that connections arriving meanwhile wait in the listen queue.
class SlowFirstHostValidator : public SmtpValidator
{
public:
    SmtpVerdict checkHost(const ClientAddress &) const override
    {
        if (m_calls.fetch_add(1) == 0) {
            m_sleeping = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        return SmtpVerdict::accept();
    }
    bool isSleeping() const { return m_sleeping.load(); }

private:
    mutable std::atomic<int> m_calls { 0 };
    mutable std::atomic<bool> m_sleeping { false };
};

// This process's virtual memory size in KiB (the server runs in-process).
qint64 virtualMemoryKib()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmSize:")) {
            return line.mid(7).trimmed().split(' ').first().toLongLong();
        }
    }
    return -1;
}

qint64 median(std::vector<qint64> values)
{
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

const QByteArray HttpRefusal = "554 Error: HTTP request on the SMTP port, closing connection\r\n";

QByteArray queuedId(const QByteArray &reply)
{
    const QByteArray prefix = "250 2.0.0 Ok: queued as ";
    return reply.startsWith(prefix) ? reply.mid(prefix.size()).trimmed() : QByteArray();
}

const QByteArray Body = "From: a@x.test\r\nTo: b@y.test\r\nSubject: loopback\r\n\r\nline one\r\n..dot\r\n";
} // namespace

class TestSmtpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void transcriptsOverLoopback_data();
    void transcriptsOverLoopback();
    void sequentialSession();
    void pipelinedSessionOverIpv6();
    void transcriptPerMessage();
    void twoHundredConcurrentClients();
    void fiftyMegabyteMessage();
    void idleTimeoutCloses();
    void connectionLimit();
    void hostRejection();
    void storeFailureGets451();
    void signalsReachOtherThreads();
    void aBrowserPostIsRefusedAndStoresNothing();
    void aClientThatTalksBeforeTheGreetingIsRefused();
    void aHugeDeclaredSizeIsNotReserved();
    void declaredSizesReserveNoMemory();
    void aSlowRuleRegexDoesNotStallOtherSessions();
    void storedTranscriptIsWhatTheClientReceived_data();
    void storedTranscriptIsWhatTheClientReceived();

private:
    void startServer(const SmtpSessionConfig &config = {});
    quint16 m_port = 0;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<SmtpServer> m_server;
};

void TestSmtpServer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
    m_server = std::make_unique<SmtpServer>(m_store.get());
}

void TestSmtpServer::cleanup()
{
    m_server.reset();
    m_store.reset();
    m_dir.reset();
}

void TestSmtpServer::startServer(const SmtpSessionConfig &base)
{
    SmtpSessionConfig config = base;
    config.hostname = "mx.test";
    m_server->setSessionConfig(config);
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    m_port = m_server->listeningAddresses().last().second;
    QVERIFY(m_port != 0);
}

void TestSmtpServer::transcriptsOverLoopback_data()
{
    SmtpTranscripts::addRows();
}

void TestSmtpServer::transcriptsOverLoopback()
{
    // The appless session test's rows again, through the real server: sent 10 bytes at a time (4 KB for the
    // large rows), every reply read back, every message checked in the store.
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArrayList, messages);
    SmtpSessionConfig config;
    config.maxMessageSize = 1000000;
    config.validator = &SmtpTranscripts::s_validator;
    startServer(config);
    QByteArray output;
    {
        Client c(QHostAddress::LocalHost, m_port, 20000);
        // RFC 5321 §3.1: a client waits for the greeting before it talks.
        output = c.reply();
        const qsizetype piece = input.size() > 100000 ? 4096 : 10;
        for (qsizetype pos = 0; pos < input.size(); pos += piece) {
            if (!c.send(input.mid(pos, piece))) {
                break; // the server closed the connection (QUIT, an HTTP request): the replies tell
            }
        }
        // As many replies as the row expects (a reply's last line has a space after the code).
        qsizetype replies = 0;
        for (const QByteArray &line : expected.split('\n')) {
            replies += line.size() > 3 && line[3] == ' ' ? 1 : 0;
        }
        for (qsizetype i = 1; i < replies; ++i) {
            const QByteArray reply = c.reply();
            if (reply.isEmpty()) {
                break;
            }
            output += reply;
        }
    }
    // Message IDs are the server's own: number them in order, as the rows do.
    QByteArrayList ids;
    const QRegularExpression queued(QStringLiteral("queued as ([0-9A-Za-z]{22})"));
    QString text = QString::fromLatin1(output);
    for (auto it = queued.globalMatch(text); it.hasNext();) {
        ids << it.next().captured(1).toLatin1();
    }
    for (qsizetype i = 0; i < ids.size(); ++i) {
        text.replace(QString::fromLatin1(ids.at(i)), QStringLiteral("MSG%1").arg(i + 1));
    }
    QCOMPARE(text.toLatin1(), expected);
    QCOMPARE(ids.size(), messages.size());
    QCOMPARE(m_store->count(), qint64(messages.size()));
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const auto stored = m_store->message(QString::fromLatin1(ids.at(i)));
        QVERIFY(stored.has_value());
        QVERIFY(stored->raw.startsWith("Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with "));
        const qsizetype traceEnd = stored->raw.indexOf("\r\n") + 2;
        QCOMPARE(stored->raw.mid(traceEnd), messages.at(i));
    }
}

void TestSmtpServer::sequentialSession()
{
    startServer();
    Client c(QHostAddress::LocalHost, m_port);
    QVERIFY(c.isConnected());
    QCOMPARE(c.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    QVERIFY(c.send("EHLO client.test\r\n"));
    QVERIFY(c.reply().startsWith("250-mx.test Hello client.test\r\n250-PIPELINING\r\n"));
    QVERIFY(c.send("MAIL FROM:<a@x.test>\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.0 Ok\r\n"));
    QVERIFY(c.send("RCPT TO:<b@y.test>\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.5 Ok\r\n"));
    QVERIFY(c.send("DATA\r\n"));
    QCOMPARE(c.reply(), QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n"));
    QVERIFY(c.send(Body.left(10)));
    QVERIFY(c.send(Body.mid(10) + ".\r\n"));
    const QByteArray id = queuedId(c.reply());
    QCOMPARE(id.size(), 22);
    QVERIFY(c.send("QUIT\r\n"));
    QCOMPARE(c.reply(), QByteArray("221 2.0.0 Bye\r\n"));
    QVERIFY(c.waitForClose());

    // The 250 came after the commit: the message is readable now, with no waiting.
    const auto m = m_store->message(QString::fromLatin1(id));
    QVERIFY(m.has_value());
    const QByteArray expectedBody = "From: a@x.test\r\nTo: b@y.test\r\nSubject: loopback\r\n\r\nline one\r\n.dot\r\n";
    QVERIFY(m->raw.endsWith(expectedBody));
    const QByteArray trace = m->raw.left(m->raw.size() - expectedBody.size());
    QVERIFY2(
        trace.startsWith("Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id " + id + "; "),
        trace.constData());
    QVERIFY(trace.endsWith(" +0000\r\n"));
    QCOMPARE(m->summary.subject, QStringLiteral("loopback"));
    QCOMPARE(m->helo, QStringLiteral("client.test"));
    QCOMPARE(m->clientAddress, QStringLiteral("127.0.0.1"));
    QVERIFY(m->clientPort > 0);
}

void TestSmtpServer::pipelinedSessionOverIpv6()
{
    startServer();
    QVERIFY(m_server->listen(QHostAddress::LocalHostIPv6, 0));
    const quint16 port6 = m_server->listeningAddresses().last().second;
    Client c(QHostAddress::LocalHostIPv6, port6);
    QVERIFY(c.isConnected());
    QCOMPARE(c.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    // RFC 2920: the whole batch in one write, two messages included; replies come back in order.
    QVERIFY(c.send("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\none\r\n.\r\n"
                   "MAIL FROM:<a@x.test>\r\nRCPT TO:<c@y.test>\r\nRCPT TO:<d@y.test>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n"));
    QVERIFY(c.reply().startsWith("250-mx.test"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.0 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.5 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n"));
    const QByteArray id1 = queuedId(c.reply());
    QCOMPARE(c.reply(), QByteArray("250 2.1.0 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.5 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.5 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n"));
    const QByteArray id2 = queuedId(c.reply());
    QCOMPARE(c.reply(), QByteArray("221 2.0.0 Bye\r\n"));
    QVERIFY(!id1.isEmpty() && !id2.isEmpty() && id1 != id2);
    const auto m1 = m_store->message(QString::fromLatin1(id1));
    const auto m2 = m_store->message(QString::fromLatin1(id2));
    QVERIFY(m1 && m2);
    QVERIFY(m1->raw.endsWith("one\r\n"));
    QVERIFY(m2->raw.endsWith("two\r\n"));
    QCOMPARE(m2->rcptTo, (QStringList { QStringLiteral("c@y.test"), QStringLiteral("d@y.test") }));
    QCOMPARE(m2->clientAddress, QStringLiteral("::1"));
    QVERIFY(m2->raw.startsWith("Received: from client.test ([IPv6:::1]) by mx.test"));
}

void TestSmtpServer::transcriptPerMessage()
{
    startServer();
    Client c(QHostAddress::LocalHost, m_port);
    c.reply();
    QVERIFY(c.send("EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"));
    c.reply();
    QCOMPARE(c.reply(), QByteArray("235 2.7.0 Authentication successful\r\n"));
    QByteArrayList ids;
    for (const char *rcpt : { "first@y.test", "second@y.test" }) {
        QVERIFY(c.send(QByteArray("MAIL FROM:<a@x.test>\r\nRCPT TO:<") + rcpt + ">\r\nDATA\r\n"));
        c.reply();
        c.reply();
        c.reply();
        QVERIFY(c.send("Subject: s\r\n\r\nbody\r\n.\r\n"));
        ids << queuedId(c.reply());
    }
    const auto m = m_store->message(QString::fromLatin1(ids.at(1)));
    QVERIFY(m.has_value());
    QCOMPARE(m->authUser, QStringLiteral("alice"));
    QVERIFY(m->raw.contains("with ESMTPA id"));
    QStringList texts;
    QStringList directions;
    const QJsonArray entries = ApiJson::transcript(m->transcript).value(u"Transcript").toArray();
    for (const QJsonValue &v : entries) {
        texts << v.toObject().value(u"Text").toString();
        directions << v.toObject().value(u"Direction").toString();
    }
    // The whole session up to this message's final reply; AUTH secrets masked.
    QCOMPARE(texts.first(), QStringLiteral("220 mx.test ESMTP Letterbox"));
    QCOMPARE(texts.at(1), QStringLiteral("EHLO client.test"));
    QCOMPARE(texts.at(3), QStringLiteral("AUTH PLAIN ****"));
    QVERIFY(!texts.join(u'|').contains(QStringLiteral("AGFsaWNl")));
    const QString firstQueued = QStringLiteral("250 2.0.0 Ok: queued as %1").arg(QString::fromLatin1(ids.at(0)));
    const QString secondQueued = QStringLiteral("250 2.0.0 Ok: queued as %1").arg(QString::fromLatin1(ids.at(1)));
    QVERIFY(texts.indexOf(QStringLiteral("RCPT TO:<first@y.test>")) < texts.indexOf(firstQueued));
    QVERIFY(texts.indexOf(firstQueued) < texts.indexOf(QStringLiteral("RCPT TO:<second@y.test>")));
    QCOMPARE(texts.count(firstQueued), 1);
    QCOMPARE(texts.count(QStringLiteral("[20 octets of message data]")), 2);
    QCOMPARE(texts.last(), secondQueued);
    // greeting, EHLO, reply, AUTH, 235, then 8 entries per message (MAIL, 250, RCPT, 250, DATA, 354, data, 250).
    QCOMPARE(texts.size(), 5 + 2 * 8);
    QCOMPARE(directions.first(), QStringLiteral("out"));
    QCOMPARE(directions.at(1), QStringLiteral("in"));

    // The first message's transcript ends with its own final reply.
    const auto first = m_store->message(QString::fromLatin1(ids.at(0)));
    const QJsonArray firstEntries = ApiJson::transcript(first->transcript).value(u"Transcript").toArray();
    QCOMPARE(firstEntries.size(), 5 + 8);
    QCOMPARE(firstEntries.last().toObject().value(u"Text").toString(), firstQueued);

    // Deleting the first message keeps the second one's whole session.
    QVERIFY(m_store->remove({ QString::fromLatin1(ids.at(0)) }));
    const auto again = m_store->message(QString::fromLatin1(ids.at(1)));
    QCOMPARE(ApiJson::transcript(again->transcript).value(u"Transcript").toArray().size(), 5 + 2 * 8);
}

void TestSmtpServer::twoHundredConcurrentClients()
{
    startServer();
    constexpr int Clients = 200;
    constexpr int PerClient = 3;
    std::atomic<int> acknowledged { 0 };
    std::atomic<int> failures { 0 };
    std::vector<std::thread> threads;
    std::mutex idsMutex;
    QByteArrayList ids;
    for (int t = 0; t < Clients; ++t) {
        threads.emplace_back([&, t] {
            Client c(QHostAddress::LocalHost, m_port, 30000);
            if (!c.isConnected() || !c.reply().startsWith("220 ")) {
                ++failures;
                return;
            }
            c.send("EHLO c" + QByteArray::number(t) + ".test\r\n");
            c.reply();
            for (int i = 0; i < PerClient; ++i) {
                c.send("MAIL FROM:<s@x.test>\r\nRCPT TO:<r@y.test>\r\nDATA\r\n");
                c.reply();
                c.reply();
                c.reply();
                c.send("Subject: c" + QByteArray::number(t) + " m" + QByteArray::number(i) + "\r\n\r\nx\r\n.\r\n");
                const QByteArray id = queuedId(c.reply());
                if (id.isEmpty()) {
                    ++failures;
                    continue;
                }
                ++acknowledged;
                std::lock_guard lock(idsMutex);
                ids << id;
            }
            c.send("QUIT\r\n");
            c.reply();
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    QCOMPARE(failures.load(), 0);
    QCOMPARE(acknowledged.load(), Clients * PerClient);
    QCOMPARE(m_store->count(), qint64(Clients * PerClient));
    for (const QByteArray &id : ids) {
        QVERIFY(m_store->message(QString::fromLatin1(id)).has_value());
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, 10000);
}

void TestSmtpServer::fiftyMegabyteMessage()
{
    startServer();
    QByteArray body = "Subject: big\r\n\r\n";
    const QByteArray line = QByteArray(76, 'b') + "\r\n";
    body.reserve(50 * 1024 * 1024 + 100);
    while (body.size() < 50 * 1024 * 1024) {
        body += line;
    }
    Client c(QHostAddress::LocalHost, m_port, 60000);
    c.reply();
    QVERIFY(c.send("EHLO client.test\r\nMAIL FROM:<a@x.test> SIZE=" + QByteArray::number(body.size())
        + "\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"));
    c.reply();
    c.reply();
    c.reply();
    QCOMPARE(c.reply(), QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n"));
    QVERIFY(c.send(body));
    QVERIFY(c.send(".\r\n"));
    const QByteArray id = queuedId(c.reply());
    QVERIFY(!id.isEmpty());
    const auto m = m_store->message(QString::fromLatin1(id));
    QVERIFY(m.has_value());
    QVERIFY(m->raw.endsWith(body));
    QCOMPARE(QCryptographicHash::hash(m->raw.right(body.size()), QCryptographicHash::Sha256),
        QCryptographicHash::hash(body, QCryptographicHash::Sha256));
}

void TestSmtpServer::idleTimeoutCloses()
{
    m_server->setIdleTimeout(300);
    startServer();
    Client before(QHostAddress::LocalHost, m_port);
    Client after(QHostAddress::LocalHost, m_port);
    QCOMPARE(before.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    after.reply();
    after.send("EHLO client.test\r\n");
    after.reply();
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(before.reply(), QByteArray("421 mx.test Error: timeout exceeded\r\n"));
    QCOMPARE(after.reply(), QByteArray("421 4.4.2 mx.test Error: timeout exceeded\r\n"));
    QVERIFY(before.waitForClose());
    QVERIFY(after.waitForClose());
    QVERIFY(timer.elapsed() < 5000);
}

void TestSmtpServer::connectionLimit()
{
    m_server->setMaxConnections(2);
    startServer();
    Client a(QHostAddress::LocalHost, m_port);
    Client b(QHostAddress::LocalHost, m_port);
    QCOMPARE(a.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    QCOMPARE(b.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    Client c(QHostAddress::LocalHost, m_port);
    QCOMPARE(c.reply(), QByteArray("421 mx.test Too many connections, try again later\r\n"));
    QVERIFY(c.waitForClose());
    a.send("QUIT\r\n");
    a.reply();
    QVERIFY(a.waitForClose());
    // A freed slot is usable again.
    QTRY_COMPARE(m_server->connectionCount(), 1);
    Client d(QHostAddress::LocalHost, m_port);
    QCOMPARE(d.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
}

void TestSmtpServer::hostRejection()
{
    RejectingValidator validator;
    SmtpSessionConfig config;
    config.validator = &validator;
    startServer(config);
    Client c(QHostAddress::LocalHost, m_port);
    QCOMPARE(c.reply(), QByteArray("550 Access denied\r\n"));
    c.send("EHLO client.test\r\n");
    QCOMPARE(c.reply(), QByteArray("503 5.7.1 Error: access denied\r\n"));
    c.send("QUIT\r\n");
    QCOMPARE(c.reply(), QByteArray("221 Bye\r\n"));
    QVERIFY(c.waitForClose());
}

void TestSmtpServer::storeFailureGets451()
{
    startServer();
    QVERIFY(m_store->limitGrowthForTesting(0));
    Client c(QHostAddress::LocalHost, m_port);
    c.reply();
    c.send("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    c.reply();
    c.reply();
    c.reply();
    c.reply();
    c.send((QByteArray(98, 'x') + "\r\n").repeated(1000) + ".\r\n");
    QCOMPARE(c.reply(), QByteArray("451 4.3.0 Error: message could not be stored, try again later\r\n"));
    QCOMPARE(m_store->count(), 0);
    // The session goes on, and once the disk has room the same message is accepted.
    QVERIFY(m_store->limitGrowthForTesting(-1));
    c.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
    c.reply();
    c.reply();
    c.reply();
    c.send("x\r\n.\r\n");
    QVERIFY(!queuedId(c.reply()).isEmpty());
    QCOMPARE(m_store->count(), 1);
}

void TestSmtpServer::signalsReachOtherThreads()
{
    startServer();
    QSignalSpy opened(m_server.get(), &SmtpServer::connectionOpened);
    QSignalSpy closed(m_server.get(), &SmtpServer::connectionClosed);
    QSignalSpy lines(m_server.get(), &SmtpServer::transcriptLine);
    QSignalSpy delivered(m_server.get(), &SmtpServer::messageDelivered);
    {
        Client c(QHostAddress::LocalHost, m_port);
        c.reply();
        c.send("HELO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n");
        c.reply();
        c.reply();
        c.reply();
        c.reply();
        c.send(Body + ".\r\nQUIT\r\n");
        c.reply();
        c.reply();
        QVERIFY(c.waitForClose());
    }
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.at(0).at(1).value<QHostAddress>(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(closed.at(0).at(0).toULongLong(), opened.at(0).at(0).toULongLong());
    QTRY_COMPARE(delivered.size(), 1);
    const QString id = delivered.at(0).at(1).value<MessageSummary>().id;
    QCOMPARE(m_store->summary(id)->subject, QStringLiteral("loopback"));
    // greeting, HELO, 250, MAIL, 250, RCPT, 250, DATA, 354, data, 250, QUIT, 221
    QTRY_COMPARE(lines.size(), 13);
    const auto first = lines.at(0).at(1).value<TranscriptEntry>();
    QCOMPARE(first.direction, TranscriptEntry::Direction::Out);
    QCOMPARE(first.text, QByteArray("220 mx.test ESMTP Letterbox"));
    QCOMPARE(lines.at(9).at(1).value<TranscriptEntry>().text, QByteArray("[67 octets of message data]"));
}

void TestSmtpServer::aBrowserPostIsRefusedAndStoresNothing()
{
    // A web page can make a browser POST to 127.0.0.1:1025 with an SMTP session as the body (cross-protocol
    // request). The request line ends the connection; nothing of the body is executed or stored.
    startServer();
    const QByteArray smtp = "EHLO x\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n"
                            "Subject: cross-protocol\r\n\r\nhello\r\n.\r\nQUIT\r\n";
    const QByteArray post = "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port)
        + "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
          "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
          "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "
        + QByteArray::number(smtp.size())
        + "\r\nOrigin: http://attacker.test\r\nConnection: keep-alive\r\nReferer: http://attacker.test/\r\n\r\n" + smtp;
    {
        // A client that waited for the greeting: the request line gets the refusal.
        Client c(QHostAddress::LocalHost, m_port);
        QCOMPARE(c.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
        QVERIFY(c.send(post));
        QCOMPARE(c.reply(), HttpRefusal);
        QVERIFY(c.waitForClose());
    }
    {
        // A browser does not wait for a greeting: the refusal is the HTTP one or the early-talker one.
        Client c(QHostAddress::LocalHost, m_port);
        QVERIFY(c.send(post));
        QByteArray first = c.reply();
        if (first == "220 mx.test ESMTP Letterbox\r\n") {
            first = c.reply();
            QCOMPARE(first, HttpRefusal);
        } else {
            QCOMPARE(first, QByteArray("554 mx.test Error: client sent data before the greeting\r\n"));
        }
        QVERIFY(c.waitForClose());
    }
    QTRY_COMPARE(m_server->connectionCount(), 0);
    QCOMPARE(m_store->count(), 0);
}

void TestSmtpServer::aClientThatTalksBeforeTheGreetingIsRefused()
{
    SlowFirstHostValidator validator;
    SmtpSessionConfig config;
    config.validator = &validator;
    startServer(config);
    Client first(QHostAddress::LocalHost, m_port);
    // The network thread is now held in the first connection's host hook for 300 ms.
    QTRY_VERIFY_WITH_TIMEOUT(validator.isSleeping(), 5000);
    Client early(QHostAddress::LocalHost, m_port);
    QVERIFY(early.isConnected());
    QVERIFY(early.send("EHLO early.test\r\nMAIL FROM:<a@x.test>\r\n"));
    QCOMPARE(first.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    // Its bytes were waiting when it was accepted: refused and closed, nothing executed.
    QCOMPARE(early.reply(), QByteArray("554 mx.test Error: client sent data before the greeting\r\n"));
    QVERIFY(early.waitForClose());
    // Clients that wait for the greeting are unaffected.
    QVERIFY(first.send("EHLO first.test\r\n"));
    QVERIFY(first.reply().startsWith("250-mx.test Hello first.test\r\n"));
    Client later(QHostAddress::LocalHost, m_port);
    QCOMPARE(later.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    QVERIFY(later.send("EHLO later.test\r\n"));
    QVERIFY(later.reply().startsWith("250-mx.test Hello later.test\r\n"));
}

void TestSmtpServer::aHugeDeclaredSizeIsNotReserved()
{
    // RFC 1870's SIZE is the client's word, not an allocation request: a declared terabyte must not make the
    // server allocate it (std::bad_alloc would end the process).
    SmtpSessionConfig config;
    config.maxMessageSize = 1000000000000LL;
    startServer(config);
    Client c(QHostAddress::LocalHost, m_port);
    QCOMPARE(c.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    QVERIFY(c.send("EHLO client.test\r\nMAIL FROM:<a@x.test> SIZE=999999999999\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"));
    QVERIFY(c.reply().startsWith("250-mx.test"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.0 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("250 2.1.5 Ok\r\n"));
    QCOMPARE(c.reply(), QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n"));
    QVERIFY(c.send(Body + ".\r\n"));
    const QByteArray id = queuedId(c.reply());
    QVERIFY(!id.isEmpty());
    QVERIFY(m_store->message(QString::fromLatin1(id))->raw.endsWith("line one\r\n.dot\r\n"));
}

void TestSmtpServer::declaredSizesReserveNoMemory()
{
    // 100 clients each declare 60 MB and start DATA: the server's memory follows what they sent, not what they
    // declared (before: 6 GB of address space).
    startServer();
    const auto openData = [this](int i) {
        auto c = std::make_unique<Client>(QHostAddress::LocalHost, m_port);
        c->reply();
        c->send("EHLO c" + QByteArray::number(i)
            + ".test\r\nMAIL FROM:<a@x.test> SIZE=60000000\r\n"
              "RCPT TO:<b@y.test>\r\nDATA\r\n");
        c->reply();
        c->reply();
        c->reply();
        const bool ok = c->reply() == "354 End data with <CR><LF>.<CR><LF>\r\n";
        c->send("Subject: declared big\r\n\r\nsmall body\r\n");
        return ok ? std::move(c) : nullptr;
    };
    // One session first, so that the network thread's allocator arenas exist before the baseline.
    QVERIFY(openData(0));
    const qint64 before = virtualMemoryKib();
    QVERIFY(before > 0);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 1; i <= 100; ++i) {
        clients.push_back(openData(i));
        QVERIFY(clients.back());
    }
    const qint64 growthMib = (virtualMemoryKib() - before) / 1024;
    qInfo("100 sessions in DATA, each having declared 60 MB: address space grew by %lld MiB", growthMib);
    QVERIFY2(growthMib < 1024, qPrintable(QStringLiteral("address space grew by %1 MiB").arg(growthMib)));
}

void TestSmtpServer::aSlowRuleRegexDoesNotStallOtherSessions()
{
    // A catastrophic-backtracking recipient rule: ^(a+)+$ against a's followed by '!' is 2^n steps unbounded.
    QString error;
    const std::optional<RuleSet> rules
        = RuleSet::fromJson(R"({"recipient": [{"match": "regex", "pattern": "^(a+)+$", "action": "reject"}]})", &error);
    QVERIFY2(rules.has_value(), qPrintable(error));
    RuleEngine engine;
    engine.setRules(*rules);
    SmtpSessionConfig config;
    config.validator = &engine;
    startServer(config);

    Client talker(QHostAddress::LocalHost, m_port, 60000);
    QCOMPARE(talker.reply(), QByteArray("220 mx.test ESMTP Letterbox\r\n"));
    QVERIFY(talker.send("EHLO client.test\r\n"));
    QVERIFY(talker.reply().startsWith("250-"));
    // 50 pipelined RCPTs (RFC 2920) in a fresh transaction; nanoseconds until the last reply. unique: each
    // recipient differs (a'n'!NUMBER@x), so nothing learnt about one address helps with the next.
    std::atomic<int> serial { 0 };
    const auto burst = [&serial](Client &c, const QByteArray &recipient, bool unique = false) -> qint64 {
        QByteArray commands = "RSET\r\nMAIL FROM:<a@x.test>\r\n";
        for (int i = 0; i < 50; ++i) {
            const QByteArray address = unique ? recipient.left(recipient.indexOf('@')) + QByteArray::number(++serial)
                    + recipient.mid(recipient.indexOf('@'))
                                              : recipient;
            commands += "RCPT TO:<" + address + ">\r\n";
        }
        QElapsedTimer timer;
        timer.start();
        if (!c.send(commands)) {
            return -1;
        }
        for (int i = 0; i < 52; ++i) {
            const QByteArray reply = c.reply();
            if (!reply.startsWith("250 ")) {
                return -1;
            }
        }
        return timer.nsecsElapsed();
    };
    const QByteArray pathological = "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!@x";
    std::vector<qint64> plain;
    std::vector<qint64> slow;
    std::vector<qint64> distinct;
    for (int round = 0; round < 3; ++round) {
        plain.push_back(burst(talker, "plain@y.test"));
        slow.push_back(burst(talker, pathological));
        distinct.push_back(burst(talker, pathological, true));
        QVERIFY(plain.back() > 0 && slow.back() > 0 && distinct.back() > 0);
    }
    const qint64 plainNs = *std::min_element(plain.cbegin(), plain.cend());
    const qint64 slowNs = *std::min_element(slow.cbegin(), slow.cend());
    const qint64 distinctNs = *std::min_element(distinct.cbegin(), distinct.cend());
    qInfo("50 RCPTs: plain %.2f ms, one pathological address %.2f ms (%.1fx), 50 different ones %.2f ms (%.1fx)",
        plainNs / 1e6, slowNs / 1e6, double(slowNs) / double(plainNs), distinctNs / 1e6,
        double(distinctNs) / double(plainNs));
    QVERIFY2(slowNs < 10 * plainNs, "a pathological address costs about as much as a plain one");
    // Each different address costs the match limit (about 15 µs with JIT) on top of a plain RCPT (about 2 µs).
    QVERIFY2(distinctNs < 40 * plainNs, "the match limit bounds what each pathological address costs");

    // Another client's greeting while the pathological bursts run, against the same greeting on an idle server.
    const auto greetingNs = [this]() -> qint64 {
        QElapsedTimer timer;
        timer.start();
        Client c(QHostAddress::LocalHost, m_port);
        return c.reply().startsWith("220 ") ? timer.nsecsElapsed() : -1;
    };
    std::vector<qint64> idle;
    for (int i = 0; i < 7; ++i) {
        idle.push_back(greetingNs());
    }
    std::atomic<bool> stop { false };
    std::atomic<int> bursts { 0 };
    std::atomic<bool> loadFailed { false };
    std::thread load([&] {
        while (!stop) {
            if (burst(talker, pathological, true) < 0) {
                loadFailed = true;
                return;
            }
            ++bursts;
        }
    });
    std::vector<qint64> busy;
    for (int i = 0; i < 7 && !loadFailed; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        busy.push_back(greetingNs());
    }
    stop = true;
    load.join();
    QVERIFY(!loadFailed);
    QVERIFY(bursts > 0);
    const qint64 idleNs = median(idle);
    const qint64 busyNs = median(busy);
    qInfo("greeting: idle %.2f ms, during pathological bursts %.2f ms (%d bursts)", idleNs / 1e6, busyNs / 1e6,
        bursts.load());
    QVERIFY(idleNs > 0 && busyNs > 0);
    // The yardstick is what the server needs anyway: an idle greeting plus one ordinary burst of 50 commands. (The
    // greeting may wait for one slice of the other session's commands: SmtpConnection's CommandChunk.)
    QVERIFY2(busyNs < 20 * (idleNs + plainNs), "a greeting waits no longer than a few ordinary bursts");
}

void TestSmtpServer::storedTranscriptIsWhatTheClientReceived_data()
{
    // Each step is sent whole and answered by exactly one reply. README "REST API" (/session): the stored transcript is
    // the session up to the message's final reply, one entry per reply (lines joined with '\n'); enhanced codes only
    // after EHLO. So the transcript's "out" entries are the replies on the wire, byte for byte.
    QTest::addColumn<QByteArray>("rules");
    QTest::addColumn<QByteArrayList>("steps");
    const QByteArray body = "Subject: wire\r\n\r\nsame words\r\n.\r\n";
    const QByteArrayList transaction = { "MAIL FROM:<a@x.test>\r\n", "RCPT TO:<b@y.test>\r\n", "DATA\r\n", body };
    QTest::newRow("after HELO, without enhanced codes")
        << QByteArray() << QByteArrayList { "HELO client.test\r\n" } + transaction;
    QTest::newRow("after EHLO, with enhanced codes")
        << QByteArray() << QByteArrayList { "EHLO client.test\r\n" } + transaction;
    QTest::newRow("the second message of a HELO session")
        << QByteArray() << QByteArrayList { "HELO client.test\r\n" } + transaction + transaction;
    QTest::newRow("a data rule's delay holds the final reply after HELO")
        << QByteArray(R"({"data": [{"match": "glob", "pattern": "*", "action": "accept", "delayMs": 200}]})")
        << QByteArrayList { "HELO client.test\r\n" } + transaction;
    QTest::newRow("a recipient rule's delay after EHLO")
        << QByteArray(R"({"recipient": [{"match": "glob", "pattern": "*", "action": "accept", "delayMs": 200}]})")
        << QByteArrayList { "EHLO client.test\r\n" } + transaction;
    QTest::newRow("BDAT chunks after EHLO")
        << QByteArray()
        << QByteArrayList { "EHLO client.test\r\n", "MAIL FROM:<a@x.test>\r\n", "RCPT TO:<b@y.test>\r\n",
               "BDAT 15\r\nSubject: wire\r\n", "BDAT 14 LAST\r\n\r\nsame words\r\n" };
    QTest::newRow("AUTH LOGIN after EHLO")
        << QByteArray()
        << QByteArrayList { "EHLO client.test\r\n", "AUTH LOGIN\r\n", "YWxpY2U=\r\n", "c2VjcmV0\r\n" } + transaction;
    QTest::newRow("AUTH PLAIN after HELO is refused, the mail goes on")
        << QByteArray()
        << QByteArrayList { "HELO client.test\r\n", "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" } + transaction;
}

void TestSmtpServer::storedTranscriptIsWhatTheClientReceived()
{
    QFETCH(QByteArray, rules);
    QFETCH(QByteArrayList, steps);
    RuleEngine engine;
    if (!rules.isEmpty()) {
        QString error;
        const std::optional<RuleSet> set = RuleSet::fromJson(rules, &error);
        QVERIFY2(set, qPrintable(error));
        engine.setRules(*set);
    }
    SmtpSessionConfig config;
    config.validator = &engine;
    startServer(config);
    // Every reply as the client received it, as a transcript entry would hold it.
    QStringList wire;
    Client c(QHostAddress::LocalHost, m_port);
    const auto receive = [&c, &wire] {
        QByteArray reply = c.reply();
        QVERIFY(reply.endsWith("\r\n"));
        reply.chop(2);
        wire << QString::fromUtf8(reply.replace("\r\n", "\n"));
    };
    receive();
    for (const QByteArray &step : std::as_const(steps)) {
        QVERIFY(c.send(step));
        receive();
    }
    const QRegularExpression queued(QStringLiteral("queued as ([0-9A-Za-z]{22})$"));
    const QRegularExpressionMatch last = queued.match(wire.last());
    QVERIFY2(last.hasMatch(), qPrintable(wire.last()));
    const std::optional<StoredMessage> stored = m_store->message(last.captured(1));
    QVERIFY(stored);
    QStringList out;
    const QJsonArray entries = ApiJson::transcript(stored->transcript).value(u"Transcript").toArray();
    for (const QJsonValue &entry : entries) {
        if (entry.toObject().value(u"Direction").toString() == u"out") {
            out << entry.toObject().value(u"Text").toString();
        }
    }
    QCOMPARE(out.size(), wire.size());
    for (qsizetype i = 0; i < wire.size(); ++i) {
        QCOMPARE(out.at(i), wire.at(i));
    }
}

QTEST_GUILESS_MAIN(TestSmtpServer)
#include "tst_smtpserver.moc"
