// BounceScheduler between SMTP and a fake store: the original passes at once, and its bounce follows once it is
// durable, after the rule's wait, as one RFC 3464 notification from the null sender to the original sender
// (CONTRACT "Failure scenarios (rules)"). Expected values come from the contract and RFC 3464, not from the code.
#include <mime/parsedmessage.h>
#include <service/bouncescheduler.h>
#include <store/sqlitemessagestore.h>
#include <store/storedmessage.h>

#include <QElapsedTimer>
#include <QMutex>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <future>

#include <memory>

namespace {
class FakeStore : public MessageDelivery
{
public:
    bool ok = true;

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override
    {
        {
            const QMutexLocker lock(&m_mutex);
            m_messages << message;
        }
        DeliveryResult result;
        result.ok = ok;
        if (!ok) {
            result.errorString = QStringLiteral("disk full");
        }
        done(result);
    }

    void keepRefusedSession(RefusedSession session) override
    {
        const QMutexLocker lock(&m_mutex);
        m_kept << session.id;
    }
    QByteArrayList kept() const
    {
        const QMutexLocker lock(&m_mutex);
        return m_kept;
    }

    QList<IncomingMessage> messages() const
    {
        const QMutexLocker lock(&m_mutex);
        return m_messages;
    }
    int count() const { return messages().size(); }

private:
    mutable QMutex m_mutex;
    QList<IncomingMessage> m_messages;
    QByteArrayList m_kept;
};

SmtpBounce bounce(
    const QByteArray &recipient, int afterMs, const QByteArray &rule = "recipient rule 1: glob *@bounce.test")
{
    return SmtpBounce { recipient, 550, "5.1.1", "User unknown", rule, afterMs };
}

IncomingMessage original(const QByteArray &sender, const SmtpBounces &bounces)
{
    IncomingMessage m;
    m.id = "Orig1nal0000000000000A";
    m.receivedMs = 1'800'000'000'000;
    m.envelope.mailFrom = sender;
    m.envelope.rcptTo = { "ok@example.com" };
    for (const SmtpBounce &b : bounces) {
        m.envelope.rcptTo << b.recipient;
    }
    m.envelope.bounces = bounces;
    m.traceHeader = "Received: from client by catcher; Tue, 1 Dec 2026 11:00:00 +0000\r\n";
    m.data = "From: alice@example.org\r\nTo: bob@bounce.test\r\nSubject: Invoice 42\r\n\r\nBody text\r\n";
    return m;
}

int groupCount(const QByteArray &status, const QByteArray &field)
{
    int n = 0;
    for (const QByteArray &line : status.split('\n')) {
        if (line.toLower().startsWith(field.toLower() + ':')) {
            ++n;
        }
    }
    return n;
}
} // namespace

class TestBounceScheduler : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void noJobWithoutBounceOrWithTheNullSender_data();
    void noJobWithoutBounceOrWithTheNullSender();
    void oneJobWaitsForTheLongestRule();
    void bounceFollowsTheCommitAfterItsWait();
    void twoBouncedRecipientsMakeOneNotification();
    void nullSenderNeverBounces();
    void failedCommitDoesNotBounce();
    void refusedSessionsPassThrough();
    void anOriginalDeletedBeforeItsBounceIsDueIsNotBounced();
    void pendingBouncesGoWithTheScheduler();
    void theStoreKeepsPendingBouncesUntilTheBounceIsStored();
    void aBounceWaitingAtQuitIsMadeAfterTheNextStart();
};

void TestBounceScheduler::noJobWithoutBounceOrWithTheNullSender_data()
{
    QTest::addColumn<QByteArray>("sender");
    QTest::addColumn<bool>("bounced");
    QTest::addColumn<bool>("job");
    QTest::newRow("a sender and a bounced recipient make a job") << QByteArray("alice@example.org") << true << true;
    QTest::newRow("no bounced recipient makes none") << QByteArray("alice@example.org") << false << false;
    QTest::newRow("the null sender makes none") << QByteArray() << true << false;
}

void TestBounceScheduler::noJobWithoutBounceOrWithTheNullSender()
{
    QFETCH(QByteArray, sender);
    QFETCH(bool, bounced);
    QFETCH(bool, job);
    const IncomingMessage m = original(sender, bounced ? SmtpBounces { bounce("bob@bounce.test", 0) } : SmtpBounces {});
    QCOMPARE(BounceScheduler::jobFor(m).has_value(), job);
}

void TestBounceScheduler::oneJobWaitsForTheLongestRule()
{
    const IncomingMessage m
        = original("alice@example.org", { bounce("bob@bounce.test", 200), bounce("carol@bounce.test", 5000) });
    const std::optional<BounceJob> job = BounceScheduler::jobFor(m);
    QVERIFY(job);
    QCOMPARE(job->afterMs, 5000);
    QCOMPARE(job->bounces.size(), 2);
    // The header section only: RFC 6522 §4's text/rfc822-headers carries no body.
    QVERIFY(job->headers.contains("Subject: Invoice 42"));
    QVERIFY(job->headers.startsWith("Received: "));
    QVERIFY(!job->headers.contains("Body text"));
}

void TestBounceScheduler::bounceFollowsTheCommitAfterItsWait()
{
    FakeStore store;
    BounceScheduler scheduler(&store, nullptr);
    scheduler.setHostname("catcher.example");
    bool replied = false;
    QElapsedTimer clock;
    clock.start();
    scheduler.deliver(original("alice@example.org", { bounce("bob@bounce.test", 300) }),
        [&replied](const DeliveryResult &result) { replied = result.ok; });
    // The 250 does not wait for the bounce.
    QVERIFY(replied);
    QCOMPARE(store.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 2, 10000);
    QVERIFY2(clock.elapsed() >= 300, "the bounce came before the rule's bounceAfterMs");

    const IncomingMessage dsn = store.messages().at(1);
    // RFC 5321 §4.5.5, RFC 3464 §2: from the null sender to the original envelope sender.
    QVERIFY(dsn.envelope.mailFrom.isEmpty());
    QCOMPARE(dsn.envelope.rcptTo, QByteArrayList { "alice@example.org" });
    QCOMPARE(dsn.bounceOf, QByteArray("Orig1nal0000000000000A"));
    QCOMPARE(dsn.bounceRule, QByteArray("recipient rule 1: glob *@bounce.test"));
    QVERIFY(dsn.id != QByteArray("Orig1nal0000000000000A"));
    QVERIFY(dsn.envelope.bounces.isEmpty());
    QCOMPARE(dsn.transcript.size(), 1);
    QVERIFY(dsn.transcript.first().text.contains("recipient rule 1: glob *@bounce.test"));
    QVERIFY(dsn.transcript.first().text.contains("Orig1nal0000000000000A"));

    const ParsedMessage parsed = ParsedMessage::parse(dsn.traceHeader + dsn.data);
    QCOMPARE(parsed.from.size(), 1);
    QCOMPARE(parsed.from.first().address, QStringLiteral("MAILER-DAEMON@catcher.example"));
    QCOMPARE(parsed.to.size(), 1);
    QCOMPARE(parsed.to.first().address, QStringLiteral("alice@example.org"));
    const QByteArray status = ParsedMessage::partContent(dsn.data, QStringLiteral("2")).value_or(QByteArray());
    QVERIFY(status.contains("Reporting-MTA: dns; catcher.example"));
    QVERIFY(status.contains("Final-Recipient: rfc822; bob@bounce.test"));
    QVERIFY(status.contains("Diagnostic-Code: smtp; 550 User unknown"));
    const QByteArray headers = ParsedMessage::partContent(dsn.data, QStringLiteral("3")).value_or(QByteArray());
    QVERIFY(headers.contains("Subject: Invoice 42"));
    QCOMPARE(scheduler.pendingCount(), 0);
}

void TestBounceScheduler::twoBouncedRecipientsMakeOneNotification()
{
    FakeStore store;
    BounceScheduler scheduler(&store, nullptr);
    scheduler.deliver(original("alice@example.org",
                          { bounce("bob@bounce.test", 0, "recipient rule 1: glob *@bounce.test"),
                              bounce("carol@bounce.test", 50, "recipient rule 2: exact carol@bounce.test") }),
        [](const DeliveryResult &) {});
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 2, 10000);
    // CONTRACT "Failure rules (details)": one DSN per message, one per-recipient group for each bounced recipient.
    QTest::qWait(200);
    QCOMPARE(store.count(), 2);
    const IncomingMessage dsn = store.messages().at(1);
    const QByteArray status = ParsedMessage::partContent(dsn.data, QStringLiteral("2")).value_or(QByteArray());
    QCOMPARE(groupCount(status, "Final-Recipient"), 2);
    QCOMPARE(groupCount(status, "Action"), 2);
    QCOMPARE(groupCount(status, "Reporting-MTA"), 1);
    QVERIFY(status.contains("Final-Recipient: rfc822; bob@bounce.test"));
    QVERIFY(status.contains("Final-Recipient: rfc822; carol@bounce.test"));
    QVERIFY(dsn.bounceRule.contains("recipient rule 1"));
    QVERIFY(dsn.bounceRule.contains("recipient rule 2"));
}

void TestBounceScheduler::nullSenderNeverBounces()
{
    FakeStore store;
    BounceScheduler scheduler(&store, nullptr);
    bool replied = false;
    scheduler.deliver(original(QByteArray(), { bounce("bob@bounce.test", 0) }),
        [&replied](const DeliveryResult &r) { replied = r.ok; });
    QVERIFY(replied);
    QCOMPARE(scheduler.pendingCount(), 0);
    QTest::qWait(300);
    QCOMPARE(store.count(), 1);
}

void TestBounceScheduler::failedCommitDoesNotBounce()
{
    FakeStore store;
    store.ok = false;
    BounceScheduler scheduler(&store);
    bool failed = false;
    scheduler.deliver(original("alice@example.org", { bounce("bob@bounce.test", 0) }),
        [&failed](const DeliveryResult &r) { failed = !r.ok; });
    QVERIFY(failed);
    QCOMPARE(scheduler.pendingCount(), 0);
    QTest::qWait(300);
    QCOMPARE(store.count(), 1);
}

void TestBounceScheduler::refusedSessionsPassThrough()
{
    // The scheduler stands between the SMTP server and the store: a refused session must reach the store.
    FakeStore store;
    BounceScheduler scheduler(&store);
    RefusedSession session;
    session.id = "Refused000000000000000A";
    scheduler.keepRefusedSession(session);
    QCOMPARE(store.kept(), QByteArrayList { "Refused000000000000000A" });
    QCOMPARE(store.count(), 0);
}

void TestBounceScheduler::anOriginalDeletedBeforeItsBounceIsDueIsNotBounced()
{
    // As after a restart (its pending row goes with it): a deleted original is bounced by no running scheduler
    // either. The scheduler stores through the store itself here.
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY2(store.open(dir.filePath(QStringLiteral("data"))), qPrintable(store.errorString()));
    BounceScheduler scheduler(&store, &store);
    std::promise<bool> ok;
    IncomingMessage kept = original("alice@example.org", { bounce("bob@bounce.test", 400) });
    IncomingMessage deleted = original("alice@example.org", { bounce("bob@bounce.test", 400) });
    deleted.id = "Deleted000000000000000";
    scheduler.deliver(kept, [](const DeliveryResult &) {});
    scheduler.deliver(deleted, [&ok](const DeliveryResult &r) { ok.set_value(r.ok); });
    QVERIFY(ok.get_future().get());
    QVERIFY(store.remove({ QStringLiteral("Deleted000000000000000") }));
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), qint64(2), 10000); // the kept original and its bounce
    QTest::qWait(500);
    QCOMPARE(store.count(), qint64(2));
    const QList<MessageSummary> all = store.messages(0, 10);
    QCOMPARE(all.size(), 2);
    QVERIFY(all.at(0).mailFrom.isEmpty()); // the bounce, newest
    QCOMPARE(store.message(all.at(0).id)->bounceOf, QStringLiteral("Orig1nal0000000000000A"));
}

void TestBounceScheduler::pendingBouncesGoWithTheScheduler()
{
    FakeStore store;
    {
        BounceScheduler scheduler(&store, nullptr);
        std::vector<Delivery> batch;
        batch.push_back(
            { original("alice@example.org", { bounce("bob@bounce.test", 200) }), [](const DeliveryResult &) {
             } });
        scheduler.deliverAll(std::move(batch));
        QCOMPARE(scheduler.pendingCount(), 1);
    }
    // Well past the wait: a timer left running would have stored a bounce by now.
    QTest::qWait(600);
    QCOMPARE(store.count(), 1);
}

void TestBounceScheduler::theStoreKeepsPendingBouncesUntilTheBounceIsStored()
{
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY2(store.open(dir.filePath(QStringLiteral("data"))), qPrintable(store.errorString()));
    auto deliverAndWait = [&store](IncomingMessage m) {
        std::promise<bool> ok;
        store.deliver(std::move(m), [&ok](const DeliveryResult &r) { ok.set_value(r.ok); });
        return ok.get_future().get();
    };
    IncomingMessage withSender = original("alice@example.org",
        { bounce("bob@bounce.test", 100),
            bounce("carol@bounce.test", 900, "recipient rule 2: exact carol@bounce.test") });
    QVERIFY(deliverAndWait(withSender));
    IncomingMessage nullSender = original(QByteArray(), { bounce("bob@bounce.test", 100) });
    nullSender.id = "NullSender000000000000";
    QVERIFY(deliverAndWait(nullSender));
    const QList<PendingBounce> pending = store.pendingBounces();
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.first().messageId, QStringLiteral("Orig1nal0000000000000A"));
    QCOMPARE(pending.first().bounces.size(), 2);
    QCOMPARE(pending.first().bounces.at(1).recipient, QByteArray("carol@bounce.test"));
    QCOMPARE(pending.first().bounces.at(1).rule, QByteArray("recipient rule 2: exact carol@bounce.test"));
    QCOMPARE(pending.first().bounces.at(1).afterMs, 900);
    QCOMPARE(pending.first().bounces.at(0).code, 550);
    QCOMPARE(pending.first().bounces.at(0).enhanced, QByteArray("5.1.1"));
    QCOMPARE(pending.first().bounces.at(0).text, QByteArray("User unknown"));

    // Storing the bounce ends its wait, in the same commit.
    const std::optional<StoredMessage> stored = store.message(QStringLiteral("Orig1nal0000000000000A"));
    QVERIFY(stored);
    QVERIFY(deliverAndWait(BounceScheduler::bounceFor(
        BounceScheduler::jobFor(*stored, pending.first().bounces), "catcher.example", 1'800'000'001'000)));
    QVERIFY(store.pendingBounces().isEmpty());

    // Deleting a message deletes its pending bounces.
    IncomingMessage another = original("alice@example.org", { bounce("bob@bounce.test", 100) });
    another.id = "Another000000000000000";
    QVERIFY(deliverAndWait(another));
    QCOMPARE(store.pendingBounces().size(), 1);
    QVERIFY(store.remove({ QStringLiteral("Another000000000000000") }));
    QVERIFY(store.pendingBounces().isEmpty());
}

void TestBounceScheduler::aBounceWaitingAtQuitIsMadeAfterTheNextStart()
{
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY2(store.open(dir.filePath(QStringLiteral("data"))), qPrintable(store.errorString()));
    IncomingMessage m = original("alice@example.org", { bounce("bob@bounce.test", 400) });
    m.receivedMs = QDateTime::currentMSecsSinceEpoch();
    {
        BounceScheduler first(&store, &store);
        first.resume();
        std::atomic<bool> done { false };
        first.deliver(m, [&done](const DeliveryResult &r) { done = r.ok; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(first.pendingCount(), 1);
        // Letterbox quits before the bounce is due.
    }
    QCOMPARE(store.count(), 1);
    QCOMPARE(store.pendingBounces().size(), 1);

    BounceScheduler second(&store, &store);
    second.setHostname("catcher.example");
    second.resume();
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(store.pendingBounces().isEmpty(), 10000);
    QString bounceId;
    for (const MessageSummary &summary : store.messages(0, 10)) {
        if (summary.id != QStringLiteral("Orig1nal0000000000000A")) {
            bounceId = summary.id;
        }
    }
    const std::optional<StoredMessage> made = store.message(bounceId);
    QVERIFY(made);
    QCOMPARE(made->bounceOf, QStringLiteral("Orig1nal0000000000000A"));
    QVERIFY(made->mailFrom.isEmpty());
    QCOMPARE(made->rcptTo, QStringList { QStringLiteral("alice@example.org") });
    const QByteArray status = ParsedMessage::partContent(made->raw, QStringLiteral("2")).value_or(QByteArray());
    QVERIFY(status.contains("Reporting-MTA: dns; catcher.example"));
    QVERIFY(status.contains("Final-Recipient: rfc822; bob@bounce.test"));

    // Nothing is left to take up: a third start makes no second bounce.
    BounceScheduler third(&store, &store);
    third.resume();
    QTest::qWait(300);
    QCOMPARE(store.count(), 2);
    QCOMPARE(third.pendingCount(), 0);
}

QTEST_GUILESS_MAIN(TestBounceScheduler)
#include "tst_bouncescheduler.moc"
