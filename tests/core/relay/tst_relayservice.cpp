// RelayService (CONTRACT "Relay, auto-relay and the SMTP client", Settled details "Release" and "Auto-relay
// (details)") against a scripted SMTP relay on loopback: auto-relay to all or matching recipients after the store's
// commit, release, temporary failures retried on an injected schedule, a 5xx final, giving up, the queue kept in the
// store across a restart, an interrupted relay not sent again, a deleted message not relayed.
#include <api/apijson.h>
#include <mailbox/mailboxsettings.h>
#include <mailbox/routeddelivery.h>
#include <relay/relayservice.h>
#include <store/sqlitemessagestore.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <future>
#include <memory>

using namespace std::chrono_literals;

namespace {
// What the relay received in one connection.
struct Received
{
    QByteArray mailFrom;
    QByteArrayList rcptTo;
    QByteArray data; // dot-unstuffed, without the final "." line
    qint64 receivedMs = 0; // when its MAIL command came
};

// A tiny SMTP server (RFC 5321 §4.1 commands, one reply line each): replies from reply(connection, command), which
// answers 250 unless told otherwise, 354 to DATA and 221 to QUIT.
class ScriptedRelay : public QObject
{
public:
    using Script = std::function<QByteArray(int connection, const QByteArray &command)>;
    explicit ScriptedRelay(Script script = {}) : m_script(std::move(script))
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                serve(socket, ++connections);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    int connections = 0;
    QList<Received> messages; // accepted at the end of DATA

private:
    void serve(QTcpSocket *socket, int connection)
    {
        auto state = std::make_shared<Received>();
        auto buffer = std::make_shared<QByteArray>();
        auto inData = std::make_shared<bool>(false);
        socket->write("220 relay.test ESMTP scripted\r\n");
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [=, this] {
            *buffer += socket->readAll();
            for (;;) {
                if (*inData) {
                    const qsizetype end = buffer->indexOf("\r\n.\r\n");
                    if (end < 0) {
                        return;
                    }
                    QByteArray data = buffer->left(end + 2);
                    buffer->remove(0, end + 5);
                    *inData = false;
                    data.replace("\r\n..", "\r\n.");
                    if (data.startsWith("..")) {
                        data.remove(0, 1);
                    }
                    state->data = data;
                    const QByteArray reply = answer(connection, ".", "250 2.0.0 Ok: queued as R1");
                    if (reply.startsWith('2')) {
                        messages << *state;
                    }
                    socket->write(reply + "\r\n");
                    continue;
                }
                const qsizetype eol = buffer->indexOf("\r\n");
                if (eol < 0) {
                    return;
                }
                const QByteArray line = buffer->left(eol);
                buffer->remove(0, eol + 2);
                const QByteArray verb = line.left(4).toUpper();
                if (verb == "MAIL") {
                    *state = Received();
                    state->mailFrom = line.mid(line.indexOf('<') + 1, line.indexOf('>') - line.indexOf('<') - 1);
                    state->receivedMs = QDateTime::currentMSecsSinceEpoch();
                    socket->write(answer(connection, "MAIL", "250 2.1.0 Ok") + "\r\n");
                } else if (verb == "RCPT") {
                    const QByteArray reply = answer(connection, "RCPT", "250 2.1.5 Ok");
                    if (reply.startsWith('2')) {
                        state->rcptTo << line.mid(line.indexOf('<') + 1, line.indexOf('>') - line.indexOf('<') - 1);
                    }
                    socket->write(reply + "\r\n");
                } else if (verb == "DATA") {
                    const QByteArray reply = answer(connection, "DATA", "354 End data with <CR><LF>.<CR><LF>");
                    *inData = reply.startsWith('3');
                    socket->write(reply + "\r\n");
                } else if (verb == "QUIT") {
                    socket->write("221 2.0.0 Bye\r\n");
                    socket->disconnectFromHost();
                    return;
                } else if (verb == "EHLO" || verb == "HELO") {
                    socket->write(answer(connection, "EHLO", "250 relay.test") + "\r\n");
                } else {
                    socket->write(answer(connection, verb, "250 2.0.0 Ok") + "\r\n");
                }
            }
        });
    }
    QByteArray answer(int connection, const QByteArray &command, const QByteArray &otherwise) const
    {
        const QByteArray scripted = m_script ? m_script(connection, command) : QByteArray();
        return scripted.isEmpty() ? otherwise : scripted;
    }

    QTcpServer m_server;
    Script m_script;
};

const QByteArray Source
    = "From: Sender <sender@x.test>\r\nTo: a@y.test\r\nSubject: relay me\r\n\r\nline\r\n.dot line\r\n";

IncomingMessage makeMessage(const QByteArray &id, const QByteArrayList &rcptTo)
{
    IncomingMessage m;
    m.id = id;
    m.envelope.mailFrom = "sender@x.test";
    m.envelope.rcptTo = rcptTo;
    m.envelope.helo = "client.test";
    m.envelope.esmtp = true;
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.envelope.clientPort = 50123;
    m.receivedMs = 1764000000000;
    m.traceHeader = "Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id " + id
        + "; Wed, 25 Nov 2026 09:00:00 +0000\r\n";
    m.data = Source;
    return m;
}

bool deliverAndWait(MessageDelivery &store, IncomingMessage message, RelayService *received = nullptr)
{
    const QString id = QString::fromLatin1(message.id);
    std::promise<bool> promise;
    auto future = promise.get_future();
    store.deliver(std::move(message), [&promise](const DeliveryResult &r) { promise.set_value(r.ok); });
    const bool ok = future.get();
    // As CatcherService does for what came over SMTP (its server's messageDelivered).
    if (ok && received) {
        received->messageReceived(id);
    }
    return ok;
}

RelayConfig relayTo(quint16 port, RelayConfig::AutoRelay autoRelay = RelayConfig::AutoRelay::Off)
{
    RelayConfig config;
    config.client.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), port } };
    config.client.tls = SmtpTlsMode::Off;
    config.client.timeoutMs = 5000;
    config.autoRelay = autoRelay;
    return config;
}

// A port where nothing listens (connection refused).
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}
} // namespace

class TestRelayService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void autoRelayAll();
    void autoRelayMatching_data();
    void autoRelayMatching();
    void autoRelayOffRelaysNothing();
    void copiesInSeveralMailboxesAreRelayedOnceAndShareTheLog();
    void importedMessageIsNotAutoRelayed();
    void release();
    void releaseRefused();
    void releaseWithoutRelay();
    void temporaryFailureIsRetried();
    void temporarilyRefusedRecipientIsRetried();
    void permanentFailureIsFinal();
    void givesUpAfterTheSchedule();
    void connectionRefusedIsTemporary();
    void pendingRetrySurvivesARestart();
    void inFlightAtStartIsNotResent();
    void deletedMessageIsNotRelayed();

private:
    void openStore();
    RelayService *makeService(const RelayConfig &config, const QList<std::chrono::milliseconds> &schedule = {});
    QList<RelayAttempt> log(const QString &id);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<RelayService> m_service;
};

void TestRelayService::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    openStore();
}

void TestRelayService::cleanup()
{
    m_service.reset();
    m_store.reset();
    m_dir.reset();
}

void TestRelayService::openStore()
{
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
}

RelayService *TestRelayService::makeService(const RelayConfig &config, const QList<std::chrono::milliseconds> &schedule)
{
    m_service = std::make_unique<RelayService>(m_store.get());
    m_service->setConfig(config);
    if (!schedule.isEmpty()) {
        m_service->setRetrySchedule(schedule);
    }
    m_service->start();
    return m_service.get();
}

QList<RelayAttempt> TestRelayService::log(const QString &id)
{
    QList<RelayAttempt> attempts;
    bool done = false;
    m_service->relayLog(id, this, [&](const QList<RelayAttempt> &answer) {
        attempts = answer;
        done = true;
    });
    [&] {
        QTRY_VERIFY(done);
    }();
    return attempts;
}

void TestRelayService::autoRelayAll()
{
    ScriptedRelay relay;
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All));
    QSignalSpy changed(m_service.get(), &RelayService::relayLogChanged);
    // CONTRACT "Auto-relay (details)": each recipient relayed once.
    QVERIFY(deliverAndWait(*m_store, makeMessage("AUTOALL", { "a@y.test", "b@y.test", "A@y.test" }), m_service.get()));
    QTRY_COMPARE(relay.messages.size(), 1);
    const Received got = relay.messages.front();
    QCOMPARE(got.mailFrom, QByteArray("sender@x.test"));
    QCOMPARE(got.rcptTo, QByteArrayList({ "a@y.test", "b@y.test" }));
    // The stored source unchanged: the trace header and the data as received.
    QCOMPARE(got.data, m_store->message(QStringLiteral("AUTOALL"))->raw);
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(changed.front().front().toString(), QStringLiteral("AUTOALL"));
    const QList<RelayAttempt> attempts = log(QStringLiteral("AUTOALL"));
    QCOMPARE(attempts.size(), 1);
    QVERIFY(attempts.front().ok);
    QCOMPARE(attempts.front().to, QByteArrayList({ "a@y.test", "b@y.test" }));
    QCOMPARE(attempts.front().reply, QByteArray("250 2.0.0 Ok: queued as R1"));
    QCOMPARE(attempts.front().time.timeSpec(), Qt::UTC);
    QVERIFY(m_store->relayPending().isEmpty());
    QTest::qWait(200);
    QCOMPARE(relay.connections, 1);
}

// CONTRACT "Auto-relay (details)": a message stored as several copies (mailboxes) is relayed once, and every copy
// shows the relay log.
void TestRelayService::copiesInSeveralMailboxesAreRelayedOnceAndShareTheLog()
{
    ScriptedRelay relay;
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All));
    MailboxSettings mailboxes;
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(
        R"({"version": 1, "mailboxes": [{"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})", &error);
    QVERIFY2(config && mailboxes.replace(*config, &error), qPrintable(error));
    RoutedDelivery routed(m_store.get());
    routed.setSettings(&mailboxes);
    // As CatcherService does: SMTP's messages go through the routes; its server tells the relay once per message.
    QVERIFY(deliverAndWait(routed, makeMessage("COPIES", { "a@shop.test", "b@other.test" }), m_service.get()));
    const QList<MessageSummary> stored = m_store->list(QString(), MessageSort(), 0, 10)->messages;
    QCOMPARE(stored.size(), 2);
    QTRY_COMPARE(relay.messages.size(), 1);
    QCOMPARE(relay.messages.front().rcptTo, QByteArrayList({ "a@shop.test", "b@other.test" }));
    QTRY_COMPARE(log(QStringLiteral("COPIES")).size(), 1);
    for (const MessageSummary &copy : stored) {
        const QList<RelayAttempt> attempts = log(copy.id);
        QCOMPARE(attempts.size(), 1);
        QVERIFY(attempts.front().ok);
        QCOMPARE(attempts.front().to, QByteArrayList({ "a@shop.test", "b@other.test" }));
    }
    QTest::qWait(200);
    QCOMPARE(relay.connections, 1);
}

void TestRelayService::autoRelayMatching_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QByteArrayList>("relayed");
    // A case-insensitive, unanchored search on each envelope recipient (CONTRACT "Relay, auto-relay and the SMTP
    // client").
    QTest::newRow("one of three") << QStringLiteral("^b@") << QByteArrayList { "b@y.test" };
    QTest::newRow("case-insensitive") << QStringLiteral("KEEP") << QByteArrayList { "keep.me@y.test" };
    QTest::newRow("unanchored") << QStringLiteral("y\\.test$")
                                << QByteArrayList { "a@y.test", "b@y.test", "keep.me@y.test" };
    QTest::newRow("none") << QStringLiteral("nobody") << QByteArrayList {};
}

void TestRelayService::autoRelayMatching()
{
    QFETCH(QString, pattern);
    QFETCH(QByteArrayList, relayed);
    ScriptedRelay relay;
    RelayConfig config = relayTo(relay.port(), RelayConfig::AutoRelay::Matching);
    config.matching = QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
    makeService(config);
    QVERIFY(
        deliverAndWait(*m_store, makeMessage("MATCH", { "a@y.test", "b@y.test", "keep.me@y.test" }), m_service.get()));
    if (relayed.isEmpty()) {
        QTest::qWait(300);
        QCOMPARE(relay.connections, 0);
        QVERIFY(log(QStringLiteral("MATCH")).isEmpty());
        return;
    }
    QTRY_COMPARE(relay.messages.size(), 1);
    QCOMPARE(relay.messages.front().rcptTo, relayed);
    QTRY_COMPARE(log(QStringLiteral("MATCH")).size(), 1);
}

void TestRelayService::autoRelayOffRelaysNothing()
{
    ScriptedRelay relay;
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::Off));
    QVERIFY(deliverAndWait(*m_store, makeMessage("OFF", { "a@y.test" }), m_service.get()));
    QTest::qWait(300);
    QCOMPARE(relay.connections, 0);
    QVERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::importedMessageIsNotAutoRelayed()
{
    ScriptedRelay relay;
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All));
    // Stored, but not received over SMTP (an import, an API-made message): messageReceived() is never called.
    QVERIFY(deliverAndWait(*m_store, makeMessage("IMPORTED", { "a@y.test" })));
    QTest::qWait(300);
    QCOMPARE(relay.connections, 0);
    QVERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::release()
{
    ScriptedRelay relay;
    makeService(relayTo(relay.port()));
    // The clock of the log (injected): its time is the attempt's, in UTC with milliseconds.
    const QDateTime fixed(QDate(2026, 1, 2), QTime(3, 4, 5, 123), QTimeZone::utc());
    m_service->setClock([fixed] { return fixed; });
    QVERIFY(deliverAndWait(*m_store, makeMessage("REL", { "a@y.test" })));
    bool answered = false;
    bool ok = false;
    QString text;
    m_service->release(QStringLiteral("REL"), { QStringLiteral("z@w.test"), QStringLiteral("q@w.test") }, this,
        [&](bool success, const QString &reply) {
            answered = true;
            ok = success;
            text = reply;
        });
    QTRY_VERIFY(answered);
    QVERIFY(ok);
    QCOMPARE(text, QStringLiteral("250 2.0.0 Ok: queued as R1"));
    QCOMPARE(relay.messages.size(), 1);
    // CONTRACT "Release": MAIL FROM the envelope sender, RCPT TO the request's To, the stored source unchanged.
    QCOMPARE(relay.messages.front().mailFrom, QByteArray("sender@x.test"));
    QCOMPARE(relay.messages.front().rcptTo, QByteArrayList({ "z@w.test", "q@w.test" }));
    QCOMPARE(relay.messages.front().data, m_store->message(QStringLiteral("REL"))->raw);
    const QList<RelayAttempt> attempts = log(QStringLiteral("REL"));
    QCOMPARE(attempts.size(), 1);
    QCOMPARE(attempts.front().time, fixed);
    const QJsonArray json = ApiJson::relayLog(attempts);
    QCOMPARE(json.size(), 1);
    QCOMPARE(json.at(0).toObject(),
        QJsonObject({ { "Time", "2026-01-02T03:04:05.123Z" }, { "To", QJsonArray { "z@w.test", "q@w.test" } },
            { "Ok", true }, { "Reply", "250 2.0.0 Ok: queued as R1" } }));
}

void TestRelayService::releaseRefused()
{
    ScriptedRelay relay(
        [](int, const QByteArray &command) { return command == "RCPT" ? QByteArray("550 5.1.1 No such user") : ""; });
    makeService(relayTo(relay.port()));
    QVERIFY(deliverAndWait(*m_store, makeMessage("REFUSED", { "a@y.test" })));
    bool answered = false;
    bool ok = true;
    QString text;
    m_service->release(
        QStringLiteral("REFUSED"), { QStringLiteral("z@w.test") }, this, [&](bool success, const QString &reply) {
            answered = true;
            ok = success;
            text = reply;
        });
    QTRY_VERIFY(answered);
    QVERIFY(!ok);
    QVERIFY2(text.contains(QStringLiteral("550 5.1.1 No such user")), qPrintable(text));
    QVERIFY(relay.messages.isEmpty());
    const QList<RelayAttempt> attempts = log(QStringLiteral("REFUSED"));
    QCOMPARE(attempts.size(), 1);
    QVERIFY(!attempts.front().ok);
    // A release is answered, never retried.
    QVERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::releaseWithoutRelay()
{
    makeService(RelayConfig());
    QVERIFY(deliverAndWait(*m_store, makeMessage("NORELAY", { "a@y.test" })));
    bool answered = false;
    bool ok = true;
    QString text;
    m_service->release(
        QStringLiteral("NORELAY"), { QStringLiteral("z@w.test") }, this, [&](bool success, const QString &reply) {
            answered = true;
            ok = success;
            text = reply;
        });
    QTRY_VERIFY(answered);
    QVERIFY(!ok);
    QCOMPARE(text, QStringLiteral("no relay configured"));
}

void TestRelayService::temporaryFailureIsRetried()
{
    // 451 to MAIL on the first two connections (RFC 5321 §4.2.1: 4yz is transient), then accepted.
    ScriptedRelay relay([](int connection, const QByteArray &command) {
        return command == "MAIL" && connection <= 2 ? QByteArray("451 4.3.0 Try again later") : QByteArray();
    });
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 300ms, 300ms, 300ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("RETRY", { "a@y.test" }), m_service.get()));
    QTRY_VERIFY(relay.connections >= 1);
    // The queue row is marked in flight (no failure yet) while an attempt runs, and counts the failure once the
    // attempt has failed: wait for that (on a loaded machine the second attempt may have failed too by then).
    RelayPending pending;
    QTRY_VERIFY([&] {
        const QList<RelayPending> rows = m_store->relayPending();
        if (rows.size() != 1 || rows.front().inFlight || rows.front().failures < 1) {
            return false;
        }
        pending = rows.front();
        return true;
    }());
    QVERIFY2(pending.failures == 1 || pending.failures == 2, qPrintable(QString::number(pending.failures)));
    QTRY_COMPARE_WITH_TIMEOUT(relay.messages.size(), 1, 10000);
    QCOMPARE(relay.connections, 3);
    // Not before it was due.
    QVERIFY(relay.messages.front().receivedMs >= pending.dueMs);
    QTRY_COMPARE(log(QStringLiteral("RETRY")).size(), 3);
    const QList<RelayAttempt> attempts = log(QStringLiteral("RETRY"));
    QCOMPARE(attempts.at(0).reply, QByteArray("451 4.3.0 Try again later"));
    QVERIFY(!attempts.at(0).ok);
    QVERIFY(!attempts.at(1).ok);
    QVERIFY(attempts.at(2).ok);
    QVERIFY(attempts.at(1).time.msecsTo(attempts.at(2).time) >= 250);
    QTRY_VERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::temporarilyRefusedRecipientIsRetried()
{
    // The relay takes the message for a@ but answers 450 to b@ the first time (RFC 5321 §4.2.1: transient), and 550
    // to c@ (permanent).
    auto rcpts = std::make_shared<int>(0);
    ScriptedRelay relay([rcpts](int connection, const QByteArray &command) -> QByteArray {
        if (command != "RCPT") {
            return {};
        }
        const int n = ++*rcpts;
        if (connection == 1 && n == 2) {
            return "450 4.2.1 Mailbox busy";
        }
        if (connection == 1 && n == 3) {
            return "550 5.1.1 No such user";
        }
        return {};
    });
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 200ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("PARTIAL", { "a@y.test", "b@y.test", "c@y.test" }), m_service.get()));
    QTRY_COMPARE_WITH_TIMEOUT(relay.messages.size(), 2, 10000);
    QCOMPARE(relay.messages.at(0).rcptTo, QByteArrayList({ "a@y.test" }));
    // Only the temporarily refused recipient again.
    QCOMPARE(relay.messages.at(1).rcptTo, QByteArrayList({ "b@y.test" }));
    QTRY_COMPARE(log(QStringLiteral("PARTIAL")).size(), 2);
    const QList<RelayAttempt> attempts = log(QStringLiteral("PARTIAL"));
    QVERIFY(attempts.at(0).ok);
    QCOMPARE(attempts.at(0).to, QByteArrayList({ "a@y.test", "b@y.test", "c@y.test" }));
    QCOMPARE(attempts.at(0).reply,
        QByteArray("250 2.0.0 Ok: queued as R1 (refused b@y.test: 450 4.2.1 Mailbox busy; c@y.test: 550 5.1.1 No such "
                   "user)"));
    QVERIFY(attempts.at(1).ok);
    QCOMPARE(attempts.at(1).to, QByteArrayList({ "b@y.test" }));
    QTRY_VERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::permanentFailureIsFinal()
{
    ScriptedRelay relay([](int, const QByteArray &command) {
        return command == "." ? QByteArray("554 5.7.1 Message refused") : QByteArray();
    });
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 100ms, 100ms, 100ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("FINAL", { "a@y.test" }), m_service.get()));
    QTRY_COMPARE(log(QStringLiteral("FINAL")).size(), 1);
    QTest::qWait(400);
    QCOMPARE(relay.connections, 1);
    const QList<RelayAttempt> attempts = log(QStringLiteral("FINAL"));
    QCOMPARE(attempts.size(), 1);
    QVERIFY(!attempts.front().ok);
    QCOMPARE(attempts.front().reply, QByteArray("554 5.7.1 Message refused"));
    QVERIFY(m_store->relayPending().isEmpty());
}

void TestRelayService::givesUpAfterTheSchedule()
{
    ScriptedRelay relay([](int, const QByteArray &command) {
        return command == "RCPT" ? QByteArray("450 4.2.1 Mailbox busy") : QByteArray();
    });
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 100ms, 100ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("GIVEUP", { "a@y.test" }), m_service.get()));
    // The first attempt and one per wait of the schedule, then a last line saying so.
    QTRY_COMPARE_WITH_TIMEOUT(log(QStringLiteral("GIVEUP")).size(), 4, 10000);
    const QList<RelayAttempt> attempts = log(QStringLiteral("GIVEUP"));
    for (int i = 0; i < 3; ++i) {
        QVERIFY(!attempts.at(i).ok);
        QVERIFY2(attempts.at(i).reply.contains("450 4.2.1 Mailbox busy"), attempts.at(i).reply.constData());
    }
    QVERIFY(!attempts.at(3).ok);
    QCOMPARE(attempts.at(3).reply, QByteArray("gave up after 3 attempts"));
    QVERIFY(m_store->relayPending().isEmpty());
    QTest::qWait(300);
    QCOMPARE(relay.connections, 3);
}

void TestRelayService::connectionRefusedIsTemporary()
{
    makeService(relayTo(closedPort(), RelayConfig::AutoRelay::All), { 100ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("REFUSEDCONN", { "a@y.test" }), m_service.get()));
    QTRY_COMPARE_WITH_TIMEOUT(log(QStringLiteral("REFUSEDCONN")).size(), 3, 10000);
    const QList<RelayAttempt> attempts = log(QStringLiteral("REFUSEDCONN"));
    QVERIFY(!attempts.at(0).ok);
    QVERIFY(!attempts.at(0).reply.isEmpty());
    QCOMPARE(attempts.at(2).reply, QByteArray("gave up after 2 attempts"));
}

void TestRelayService::pendingRetrySurvivesARestart()
{
    ScriptedRelay relay([](int connection, const QByteArray &command) {
        return command == "MAIL" && connection == 1 ? QByteArray("421 4.3.2 Shutting down") : QByteArray();
    });
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 1500ms });
    QVERIFY(deliverAndWait(*m_store, makeMessage("RESTART", { "a@y.test" }), m_service.get()));
    QTRY_COMPARE(m_store->relayPending().size(), 1);
    QTRY_COMPARE(relay.connections, 1);
    // The first attempt over (logged, its retry scheduled): a stop in the middle of it would leave it interrupted,
    // which is not what this tests.
    QTRY_COMPARE_WITH_TIMEOUT(log(QStringLiteral("RESTART")).size(), 1, 10000);
    const qint64 due = m_store->relayPending().front().dueMs;
    // Letterbox stops before the retry is due, then starts again.
    m_service.reset();
    m_store->close();
    m_store.reset();
    openStore();
    QCOMPARE(m_store->relayPending().size(), 1);
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 1500ms });
    QTRY_COMPARE_WITH_TIMEOUT(relay.messages.size(), 1, 10000);
    QVERIFY(relay.messages.front().receivedMs >= due);
    QTRY_VERIFY(m_store->relayPending().isEmpty());
    QTest::qWait(300);
    // Sent once.
    QCOMPARE(relay.connections, 2);
    QCOMPARE(relay.messages.size(), 1);
    QCOMPARE(log(QStringLiteral("RESTART")).size(), 2);
}

void TestRelayService::inFlightAtStartIsNotResent()
{
    ScriptedRelay relay;
    QVERIFY(deliverAndWait(*m_store, makeMessage("CRASH", { "a@y.test" })));
    // What a crash in the middle of sending leaves: the row marked in flight.
    RelayChange change { QStringLiteral("CRASH"), {},
        RelayPending { 0, QStringLiteral("CRASH"), { "a@y.test" }, QDateTime::currentMSecsSinceEpoch(), 0, true }, 0 };
    QString error;
    QVERIFY2(m_store->changeRelay(&change, &error), qPrintable(error));
    QVERIFY(change.pending->id > 0);
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All), { 100ms });
    QTRY_COMPARE(log(QStringLiteral("CRASH")).size(), 1);
    const RelayAttempt attempt = log(QStringLiteral("CRASH")).front();
    QVERIFY(!attempt.ok);
    QVERIFY2(attempt.reply.startsWith("interrupted"), attempt.reply.constData());
    QCOMPARE(attempt.to, QByteArrayList({ "a@y.test" }));
    QVERIFY(m_store->relayPending().isEmpty());
    QTest::qWait(300);
    QCOMPARE(relay.connections, 0);
}

void TestRelayService::deletedMessageIsNotRelayed()
{
    ScriptedRelay relay;
    QVERIFY(deliverAndWait(*m_store, makeMessage("GONE", { "a@y.test" })));
    QVERIFY(deliverAndWait(*m_store, makeMessage("STAYS", { "a@y.test" })));
    for (const char *id : { "GONE", "STAYS" }) {
        RelayChange change { QString::fromLatin1(id),
            { RelayRecord { QDateTime::currentMSecsSinceEpoch(), { "a@y.test" }, false, "451 4.3.0 later" } },
            RelayPending {
                0, QString::fromLatin1(id), { "a@y.test" }, QDateTime::currentMSecsSinceEpoch() + 600, 1, false },
            0 };
        QVERIFY(m_store->changeRelay(&change, nullptr));
    }
    makeService(relayTo(relay.port(), RelayConfig::AutoRelay::All));
    QCOMPARE(m_store->relayPending().size(), 2);
    // Deleted while its retry waits: its queue row and log go with it.
    QVERIFY(m_store->remove({ QStringLiteral("GONE") }));
    QCOMPARE(m_store->relayPending().size(), 1);
    QCOMPARE(m_store->relayPending().front().messageId, QStringLiteral("STAYS"));
    QVERIFY(m_store->relayLog(QStringLiteral("GONE")).isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(relay.messages.size(), 1, 10000);
    QTest::qWait(300);
    QCOMPARE(relay.connections, 1);
    QVERIFY(m_store->relayPending().isEmpty());
    // Deleting everything drops every queue row too.
    RelayChange again { QStringLiteral("STAYS"), {},
        RelayPending {
            0, QStringLiteral("STAYS"), { "a@y.test" }, QDateTime::currentMSecsSinceEpoch() + 60000, 1, false },
        0 };
    QVERIFY(m_store->changeRelay(&again, nullptr));
    QVERIFY(m_store->removeAll());
    QVERIFY(m_store->relayPending().isEmpty());
}

QTEST_GUILESS_MAIN(TestRelayService)
#include "tst_relayservice.moc"
