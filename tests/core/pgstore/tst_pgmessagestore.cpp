// PgMessageStore against a real PostgreSQL (tests/interop/pgserver.py; docs/architecture.md "PostgreSQL store"):
// the MessageStore contract as the SQLite store keeps it (reading back byte for byte, a 10 MB source streamed,
// lists and searches, flags, tags, pins, delete-all keeping pinned messages, retention, relay, bounces, refused
// sessions, IMAP UIDs), and what only a shared database has: two instances on one database seeing each other's
// changes by their signals within a second, a newer schema refused, and a database restart failing deliveries
// meanwhile and recovering by itself.
#include "pgtestserver.h"

#include <message/messageid.h>
#include <pgstore/pgconnection.h>
#include <pgstore/pgmessagestore.h>
#include <pgstore/pgparameter.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <csignal>
#include <future>
#include <memory>

namespace {
IncomingMessage makeMessage(const QByteArray &id, const QByteArray &data, qint64 receivedMs = 1764000000000)
{
    IncomingMessage m;
    m.id = id;
    m.envelope.mailFrom = "sender@x.test";
    m.envelope.rcptTo = { "a@y.test", "b@y.test" };
    m.envelope.helo = "client.test";
    m.envelope.esmtp = true;
    m.envelope.authUser = "alice";
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.envelope.clientPort = 50123;
    m.receivedMs = receivedMs;
    m.traceHeader = "Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTPA id " + id
        + "; Wed, 25 Nov 2026 09:00:00 +0000\r\n";
    m.data = data;
    m.transcript = { { 1764000000000, TranscriptEntry::Direction::Out, "220 mx.test ESMTP Letterbox" },
        { 1764000000001, TranscriptEntry::Direction::In, "EHLO client.test" },
        { 1764000000002, TranscriptEntry::Direction::Out, "250-mx.test\n250 PIPELINING" } };
    return m;
}

DeliveryResult deliverAndWait(MessageStore &store, IncomingMessage message)
{
    std::promise<DeliveryResult> promise;
    auto future = promise.get_future();
    store.deliver(std::move(message), [&promise](const DeliveryResult &r) { promise.set_value(r); });
    return future.get();
}

const QByteArray Sample
    = "From: Alice <alice@x.test>\r\nTo: Bob <bob@y.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
      "Date: Wed, 25 Nov 2026 10:00:00 +0100\r\nMessage-ID: <m1@x.test>\r\n\r\nHello\r\n";

QStringList ids(const QList<MessageSummary> &list)
{
    QStringList out;
    for (const MessageSummary &s : list) {
        out << s.id;
    }
    return out;
}

// Whether the test server takes connections (it is stopped and started by signals to pgserver.py).
bool serverAnswers()
{
    PgConnection probe;
    return probe.open(PgTestServer::url());
}

// Signals pgserver.py (SIGUSR1: stop the server, SIGUSR2: start it again).
bool signalServer(int signal)
{
    const qint64 pid = qEnvironmentVariableIntValue("LETTERBOX_TEST_PGSERVER_PID");
    return pid > 0 && ::kill(pid_t(pid), signal) == 0;
}
} // namespace

class TestPgMessageStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void storesSourceEnvelopeAndTranscript();
    void bouncesAndOriginalsLinkBothWays();
    void tenMegabyteSourceStreamsByteExact();
    void listsNewestFirstAndSearches();
    void removesAndMarksRead();
    void retentionPrunesOldest();
    void setsRenamesAndDeletesTags();
    void pinnedMessagesSurviveDeleteAllAndRetention();
    void mailboxIndexUidsAscendAndAreNeverReused();
    void relayBookkeepingRoundTrips();
    void pendingWorkIsTakenUpOnce();
    void refusedSessionsRoundTrip();
    void concurrentDeliveriesShareCommits();
    void indexCatchesUpOffTheReplyPath();
    void asynchronousReadsAnswerOnTheCallersThread();
    void twoInstancesAreOneCatcher();
    void aNewerSchemaIsRefused();
    void aDatabaseRestartFailsDeliveriesThenRecovers();

private:
    // A store on this test's own database.
    std::unique_ptr<PgMessageStore> openStore();

    QString m_url;
    std::unique_ptr<PgMessageStore> m_store;
};

void TestPgMessageStore::initTestCase()
{
    if (PgTestServer::url().isEmpty()) {
        QSKIP("no PostgreSQL: run through tests/interop/pgserver.py (ctest does)");
    }
}

void TestPgMessageStore::init()
{
    QString error;
    m_url = PgTestServer::createDatabase(
        QStringLiteral("store_%1").arg(QString::fromLatin1(QTest::currentTestFunction()).toLower()), &error);
    QVERIFY2(!m_url.isEmpty(), qPrintable(error));
    m_store = openStore();
    QVERIFY(m_store);
}

void TestPgMessageStore::cleanup()
{
    m_store.reset();
}

std::unique_ptr<PgMessageStore> TestPgMessageStore::openStore()
{
    auto store = std::make_unique<PgMessageStore>();
    if (!store->open(m_url)) {
        qWarning("%s", qPrintable(store->errorString()));
        return nullptr;
    }
    return store;
}

void TestPgMessageStore::storesSourceEnvelopeAndTranscript()
{
    QSignalSpy stored(m_store.get(), &MessageStore::messageStored);
    IncomingMessage in = makeMessage("ID1", Sample);
    const QByteArray expectedRaw = in.traceHeader + Sample;
    const DeliveryResult r = deliverAndWait(*m_store, in);
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(r.summary.id, QStringLiteral("ID1"));
    QCOMPARE(r.summary.mailFrom, QStringLiteral("sender@x.test"));
    QCOMPARE(r.summary.size, qint64(expectedRaw.size()));
    QCOMPARE(m_store->count(), 1);
    QCOMPARE(m_store->unreadCount(), 1);
    // Parsed fields are there for readers at once, before the indexer parses the row between deliveries.
    QCOMPARE(m_store->summary(QStringLiteral("ID1"))->subject, QStringLiteral("Gr\u00fc\u00dfe"));
    QTRY_COMPARE(stored.size(), 1);

    const auto m = m_store->message(QStringLiteral("ID1"));
    QVERIFY(m.has_value());
    QCOMPARE(m->raw, expectedRaw);
    QCOMPARE(m->summary.from, QStringLiteral("Alice <alice@x.test>"));
    QCOMPARE(m->summary.to, QStringLiteral("Bob <bob@y.test>"));
    QCOMPARE(m->summary.messageId, QStringLiteral("m1@x.test"));
    QCOMPARE(m->summary.dateMs, Q_INT64_C(1795597200000)); // 2026-11-25T09:00:00Z
    QCOMPARE(m->summary.receivedMs, Q_INT64_C(1764000000000));
    QCOMPARE(m->summary.mailbox, QStringLiteral("Inbox"));
    QCOMPARE(m->mailFrom, QStringLiteral("sender@x.test"));
    QCOMPARE(m->rcptTo, (QStringList { QStringLiteral("a@y.test"), QStringLiteral("b@y.test") }));
    QCOMPARE(m->clientAddress, QStringLiteral("127.0.0.1"));
    QCOMPARE(m->clientPort, 50123);
    QCOMPARE(m->helo, QStringLiteral("client.test"));
    QCOMPARE(m->authUser, QStringLiteral("alice"));
    QCOMPARE(m->tls, false);
    QCOMPARE(m->transcript.size(), 3);
    QCOMPARE(m->transcript.at(0).timeMs, Q_INT64_C(1764000000000));
    QCOMPARE(m->transcript.at(0).direction, TranscriptEntry::Direction::Out);
    QCOMPARE(m->transcript.at(1).direction, TranscriptEntry::Direction::In);
    QCOMPARE(m->transcript.at(1).text, QByteArray("EHLO client.test"));
    QCOMPARE(m->transcript.at(2).text, QByteArray("250-mx.test\n250 PIPELINING"));
    QVERIFY(!m_store->message(QStringLiteral("nope")).has_value());

    // A second message of the same session shows the whole session; TLS facts are kept; bytes a client sent that
    // are no UTF-8 (or NUL) do not fail the delivery.
    IncomingMessage second = makeMessage("ID2", Sample);
    second.envelope.tls = true;
    second.envelope.tlsProtocol = "TLSv1.3";
    second.envelope.tlsCipher = "TLS_AES_256_GCM_SHA384";
    second.envelope.helo = QByteArray("bad\xff\0helo", 9);
    second.transcript = { { 1764000000003, TranscriptEntry::Direction::In, "MAIL FROM:<\"q\\\"\"@x.test>" },
        { 1764000000004, TranscriptEntry::Direction::Out, "250 2.1.0 Ok" } };
    const DeliveryResult r2 = deliverAndWait(*m_store, second);
    QVERIFY2(r2.ok, qPrintable(r2.errorString));
    const auto overTls = m_store->message(QStringLiteral("ID2"));
    QVERIFY(overTls.has_value());
    QCOMPARE(overTls->tls, true);
    QCOMPARE(overTls->tlsProtocol, QStringLiteral("TLSv1.3"));
    QCOMPARE(overTls->tlsCipher, QStringLiteral("TLS_AES_256_GCM_SHA384"));
    QCOMPARE(overTls->helo, QStringLiteral("bad\ufffdhelo"));
    QCOMPARE(overTls->transcript.size(), 5);
    QCOMPARE(overTls->transcript.at(3).text, QByteArray("MAIL FROM:<\"q\\\"\"@x.test>"));
    QVERIFY(m_store->storageSize() > 0);
    QVERIFY(m_store->location().startsWith(QLatin1String("postgresql://letterbox@127.0.0.1:")));
    QVERIFY(!m_store->location().contains(qEnvironmentVariable("PGPASSWORD")));
}

void TestPgMessageStore::bouncesAndOriginalsLinkBothWays()
{
    IncomingMessage first = makeMessage("original0000000000000A", Sample);
    first.sessionKey = 1;
    first.envelope.bounces = { SmtpBounce { "b@y.test", 550, "5.1.1", "No such user", "recipient rule 1", 0 } };
    QVERIFY(deliverAndWait(*m_store, first).ok);
    QCOMPARE(m_store->pendingBounces().size(), 1);
    QCOMPARE(m_store->pendingBounces().at(0).messageId, QStringLiteral("original0000000000000A"));
    QCOMPARE(m_store->pendingBounces().at(0).bounces.at(0).text, QByteArray("No such user"));
    IncomingMessage bounce = makeMessage("bounce000000000000000C", Sample, 1764000005000);
    bounce.sessionKey = 3;
    bounce.envelope.mailFrom.clear();
    bounce.envelope.rcptTo = { "sender@x.test" };
    bounce.bounceOf = "original0000000000000A";
    bounce.bounceRule = "recipient rule 3: glob *@bounce.test";
    bounce.transcript = { { 1764000005000, TranscriptEntry::Direction::Out, "[bounce made by recipient rule 3]" } };
    QVERIFY(deliverAndWait(*m_store, bounce).ok);
    // The bounce made, the original's pending bounces go in its transaction.
    QVERIFY(m_store->pendingBounces().isEmpty());
    const std::optional<StoredMessage> made = m_store->message(QStringLiteral("bounce000000000000000C"));
    QVERIFY(made);
    QCOMPARE(made->bounceOf, QStringLiteral("original0000000000000A"));
    QCOMPARE(made->bounceRule, QStringLiteral("recipient rule 3: glob *@bounce.test"));
    QCOMPARE(made->transcript.size(), 1);
    const std::optional<StoredMessage> original = m_store->message(QStringLiteral("original0000000000000A"));
    QVERIFY(original);
    QCOMPARE(original->bounces, QStringList { QStringLiteral("bounce000000000000000C") });
    QCOMPARE(original->transcript.size(), 3);
}

void TestPgMessageStore::tenMegabyteSourceStreamsByteExact()
{
    QByteArray big;
    big.reserve(10 * 1024 * 1024 + 100);
    big += "Subject: big\r\n\r\n";
    for (int i = 0; big.size() < 10 * 1024 * 1024; ++i) {
        big += QByteArray::number(i).rightJustified(76, '.') + "\r\n";
    }
    // Every byte value, so that nothing is taken for text on the way.
    for (int b = 0; b < 256; ++b) {
        big += char(b);
    }
    const IncomingMessage in = makeMessage("BIG", big);
    const QByteArray expected = in.traceHeader + big;
    const DeliveryResult r = deliverAndWait(*m_store, in);
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(r.summary.size, qint64(expected.size()));

    std::unique_ptr<QIODevice> device(m_store->openSource(QStringLiteral("BIG")));
    QVERIFY(device);
    QCOMPARE(device->size(), qint64(expected.size()));
    // Read in odd pieces, as a client on a slow link would be sent it.
    QByteArray streamed;
    char buffer[100003];
    for (;;) {
        const qint64 n = device->read(buffer, sizeof buffer);
        QVERIFY(n >= 0);
        if (n == 0) {
            break;
        }
        streamed.append(buffer, n);
    }
    QCOMPARE(streamed.size(), expected.size());
    QVERIFY(streamed == expected);
    // Random access: the end, then the start again.
    QVERIFY(device->seek(expected.size() - 256));
    QCOMPARE(device->read(256), expected.right(256));
    QVERIFY(device->seek(0));
    QCOMPARE(device->read(9), QByteArray("Received:"));
    QVERIFY(!m_store->openSource(QStringLiteral("nope")));

    QCOMPARE(m_store->source(QStringLiteral("BIG"), 100), std::optional<QByteArray>(expected.left(100)));
    const QList<std::optional<QByteArray>> both = m_store->sources({ QStringLiteral("nope"), QStringLiteral("BIG") });
    QVERIFY(!both.at(0));
    QVERIFY(both.at(1) == expected);
    QCOMPARE(m_store->message(QStringLiteral("BIG"))->raw.size(), expected.size());
}

void TestPgMessageStore::listsNewestFirstAndSearches()
{
    for (int i = 1; i <= 5; ++i) {
        const QByteArray n = QByteArray::number(i);
        QByteArray data = "From: Sender " + n + " <s" + n + "@x.test>\r\nTo: bob@y.test\r\nSubject: "
            + (i % 2 ? "Invoice " : "Newsletter ") + n + "\r\n\r\nbody " + n + "\r\n";
        QVERIFY(deliverAndWait(*m_store, makeMessage("L" + n, data, 1764000000000 + i)).ok);
    }
    QCOMPARE(ids(m_store->messages(0, 10)), (QStringList { "L5", "L4", "L3", "L2", "L1" }));
    QCOMPARE(ids(m_store->messages(1, 2)), (QStringList { "L4", "L3" }));
    QCOMPARE(m_store->latestId(), QStringLiteral("L5"));

    // Complete searches cover what was stored before them (indexed first).
    QString error;
    std::optional<SearchResult> invoices = m_store->search(QStringLiteral("invoice"), 0, 2, QTimeZone::utc(), &error);
    QVERIFY2(invoices, qPrintable(error));
    QCOMPARE(invoices->matches, 3);
    QCOMPARE(invoices->unreadMatches, 3);
    QCOMPARE(ids(invoices->messages), (QStringList { "L5", "L3" }));
    QCOMPARE(m_store->unindexedCount(), 0);
    QCOMPARE(m_store->searchIds(QStringLiteral("subject:newsletter")), (QStringList { "L4", "L2" }));
    QCOMPARE(m_store->searchIds(QStringLiteral("-invoice")), (QStringList { "L4", "L2" }));
    QCOMPARE(m_store->searchIds(QStringLiteral("from:s3@x.test")), QStringList { "L3" });
    QCOMPARE(m_store->latestId(QStringLiteral("newsletter")), QStringLiteral("L4"));
    QVERIFY(!m_store->search(QStringLiteral("\""), 0, 10, QTimeZone::utc(), &error));
    QVERIFY(!m_store->searchIds(QStringLiteral("-"), QTimeZone::utc(), &error));

    // Other orders, with and without a query, and a mailbox's list.
    const MessageSort bySubject { MessageSort::Key::Subject, Qt::AscendingOrder };
    std::optional<SearchResult> sorted = m_store->list(QString(), bySubject, 0, 10);
    QVERIFY(sorted);
    QCOMPARE(ids(sorted->messages), (QStringList { "L1", "L3", "L5", "L2", "L4" }));
    QCOMPARE(sorted->matches, 5);
    sorted = m_store->list(QStringLiteral("invoice"), { MessageSort::Key::Subject, Qt::DescendingOrder }, 1, 10);
    QVERIFY(sorted);
    QCOMPARE(ids(sorted->messages), (QStringList { "L3", "L1" }));
    QCOMPARE(sorted->matches, 3);
    QVERIFY(m_store->setRead({ QStringLiteral("L1") }, true));
    std::optional<SearchResult> inbox = m_store->list(QString(), MessageSort(), 0, 2, QTimeZone::utc(), &error,
        SearchCompleteness::Complete, QStringLiteral("inbox"));
    QVERIFY(inbox);
    QCOMPARE(inbox->matches, 5);
    QCOMPARE(inbox->unreadMatches, 4);
    QCOMPARE(ids(inbox->messages), (QStringList { "L5", "L4" }));
    QCOMPARE(m_store
                 ->list(QString(), MessageSort(), 0, 2, QTimeZone::utc(), &error, SearchCompleteness::Complete,
                     QStringLiteral("nowhere"))
                 ->matches,
        0);
    QCOMPARE(m_store->searchIds(QStringLiteral("is:read")), QStringList { "L1" });
}

void TestPgMessageStore::removesAndMarksRead()
{
    for (const char *id : { "A", "B", "C" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QSignalSpy readSpy(m_store.get(), &MessageStore::readChanged);
    QSignalSpy removedSpy(m_store.get(), &MessageStore::messagesRemoved);
    QCOMPARE(m_store->unreadCount(), 3);
    const quint64 before = m_store->generation();
    QVERIFY(m_store->setRead({ QStringLiteral("A"), QStringLiteral("B") }, true));
    QVERIFY(m_store->generation() > before);
    QCOMPARE(m_store->unreadCount(), 1);
    QVERIFY(m_store->message(QStringLiteral("A"))->summary.read);
    QVERIFY(m_store->setRead({ QStringLiteral("A") }, false));
    QCOMPARE(m_store->unreadCount(), 2);
    QTRY_COMPARE(readSpy.size(), 2);
    QCOMPARE(readSpy.at(0).at(0).toStringList(), (QStringList { "A", "B" }));

    QVERIFY(m_store->remove({ QStringLiteral("B"), QStringLiteral("unknown") }));
    QCOMPARE(m_store->count(), 2);
    QVERIFY(!m_store->message(QStringLiteral("B")).has_value());
    QTRY_COMPARE(removedSpy.size(), 1);
    QCOMPARE(removedSpy.at(0).at(0).toStringList(), QStringList { QStringLiteral("B") });

    QSignalSpy clearedSpy(m_store.get(), &MessageStore::messagesCleared);
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->count(), 0);
    QCOMPARE(m_store->unreadCount(), 0);
    QTRY_COMPARE(clearedSpy.size(), 1);
    QCOMPARE(clearedSpy.at(0).at(0).toLongLong(), 2);
    QVERIFY(deliverAndWait(*m_store, makeMessage("D", Sample)).ok);
    QCOMPARE(m_store->count(), 1);
}

void TestPgMessageStore::retentionPrunesOldest()
{
    QSignalSpy pruned(m_store.get(), &MessageStore::messagesPruned);
    m_store->setMaxMessages(3);
    for (int i = 1; i <= 5; ++i) {
        QVERIFY(deliverAndWait(*m_store, makeMessage("R" + QByteArray::number(i), Sample)).ok);
    }
    QCOMPARE(m_store->count(), 3);
    QVERIFY(!m_store->message(QStringLiteral("R1")).has_value());
    QVERIFY(!m_store->message(QStringLiteral("R2")).has_value());
    QVERIFY(m_store->message(QStringLiteral("R3")).has_value());
    QTRY_COMPARE(pruned.size(), 2);
    QCOMPARE(pruned.at(0).at(0).toStringList(), QStringList { QStringLiteral("R1") });

    // Two instances with the same limit: the limit holds for the database, whoever delivers.
    std::unique_ptr<PgMessageStore> other = openStore();
    QVERIFY(other);
    other->setMaxMessages(3);
    for (int i = 6; i <= 9; ++i) {
        MessageStore &into = i % 2 ? static_cast<MessageStore &>(*m_store) : *other;
        QVERIFY(deliverAndWait(into, makeMessage("R" + QByteArray::number(i), Sample)).ok);
    }
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "R9", "R8", "R7" }));
}

void TestPgMessageStore::setsRenamesAndDeletesTags()
{
    QVERIFY(deliverAndWait(*m_store, makeMessage("T1", "Subject: one\r\nX-Tags: Invoice\r\n\r\nx\r\n")).ok);
    QVERIFY(deliverAndWait(*m_store, makeMessage("T2", "Subject: two\r\n\r\nx\r\n")).ok);
    QVERIFY(deliverAndWait(*m_store, makeMessage("T3", "Subject: three\r\n\r\nx\r\n")).ok);
    QCOMPARE(m_store->summary(QStringLiteral("T1"))->tags, QStringList { "Invoice" });
    QSignalSpy changed(m_store.get(), &MessageStore::tagsChanged);

    QString error;
    QVERIFY2(m_store->setTags({ QStringLiteral("T2"), QStringLiteral("T3"), QStringLiteral("nope") },
                 { QStringLiteral("invoice"), QStringLiteral("urgent"), QStringLiteral(" urgent ") }, &error),
        qPrintable(error));
    QCOMPARE(m_store->summary(QStringLiteral("T2"))->tags, (QStringList { "Invoice", "urgent" }));
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toStringList(), (QStringList { "T2", "T3" }));
    QVERIFY(m_store->setTags({ QStringLiteral("T3") }, { QStringLiteral("later") }));
    QCOMPARE(m_store->tags(), (QStringList { "Invoice", "later", "urgent" }));
    QCOMPARE(m_store->tagCounts(),
        (QList<TagCount> {
            { QStringLiteral("Invoice"), 2 }, { QStringLiteral("later"), 1 }, { QStringLiteral("urgent"), 1 } }));
    QCOMPARE(m_store->searchIds(QStringLiteral("tag:invoice")), (QStringList { "T2", "T1" }));
    QCOMPARE(m_store->searchIds(QStringLiteral("is:tagged -tag:urgent")), (QStringList { "T3", "T1" }));

    QVERIFY(!m_store->renameTag(QStringLiteral("missing"), QStringLiteral("x"), &error));
    QCOMPARE(error, QStringLiteral("tag not found: missing"));
    QVERIFY(!m_store->renameTag(QStringLiteral("urgent"), QStringLiteral("later"), &error));
    QCOMPARE(error, QStringLiteral("tag already exists: later"));
    QVERIFY(!m_store->renameTag(QStringLiteral("urgent"), QStringLiteral("!!"), &error));
    QCOMPARE(error, QStringLiteral("invalid tag name: "));
    QVERIFY2(m_store->renameTag(QStringLiteral("Invoice"), QStringLiteral("Billing"), &error), qPrintable(error));
    QCOMPARE(m_store->summary(QStringLiteral("T2"))->tags, (QStringList { "Billing", "urgent" }));
    QTRY_COMPARE(changed.size(), 3);
    QCOMPARE(changed.at(2).at(0).toStringList(), (QStringList { "T1", "T2" }));

    QVERIFY(!m_store->deleteTag(QStringLiteral("missing"), &error));
    QCOMPARE(error, QStringLiteral("tag not found: missing"));
    QVERIFY(m_store->deleteTag(QStringLiteral("Billing")));
    QCOMPARE(m_store->count(), 3);
    QCOMPARE(m_store->summary(QStringLiteral("T2"))->tags, QStringList { "urgent" });
    QVERIFY(m_store->setTags({ QStringLiteral("T3") }, {}));
    QCOMPARE(m_store->tags(), QStringList { "urgent" });
    QVERIFY(m_store->remove({ QStringLiteral("T2") }));
    QCOMPARE(m_store->tags(), QStringList());
}

void TestPgMessageStore::pinnedMessagesSurviveDeleteAllAndRetention()
{
    for (const char *id : { "P1", "P2", "P3", "P4" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QSignalSpy pinnedSpy(m_store.get(), &MessageStore::pinnedChanged);
    QVERIFY(m_store->setPinned({ QStringLiteral("P1"), QStringLiteral("P3") }, true));
    QVERIFY(m_store->summary(QStringLiteral("P1"))->pinned);
    QTRY_COMPARE(pinnedSpy.size(), 1);
    QCOMPARE(pinnedSpy.at(0).at(0).toStringList(), (QStringList { "P1", "P3" }));
    QCOMPARE(m_store->pinnedCount(), 2);
    QVERIFY(m_store->removeUnpinned({ QStringLiteral("P1"), QStringLiteral("P2") }));
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P4", "P3", "P1" }));

    QSignalSpy cleared(m_store.get(), &MessageStore::messagesCleared);
    QSignalSpy removed(m_store.get(), &MessageStore::messagesRemoved);
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P3", "P1" }));
    QCOMPARE(m_store->mailboxes(), (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 2 } }));
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).toStringList(), QStringList { "P4" });
    QCOMPARE(cleared.size(), 0);

    m_store->setMaxMessages(3);
    for (const char *id : { "P5", "P6", "P7" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P7", "P3", "P1" }));
    QCOMPARE(m_store->count(), 3);

    QVERIFY(m_store->remove({ QStringLiteral("P1") }));
    QVERIFY(m_store->setPinned({ QStringLiteral("P3") }, false));
    QCOMPARE(m_store->pinnedCount(), 0);
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->count(), 0);
    QTRY_COMPARE(cleared.size(), 1);
    QCOMPARE(cleared.at(0).at(0).toLongLong(), 2);
}

void TestPgMessageStore::mailboxIndexUidsAscendAndAreNeverReused()
{
    const auto into = [](const QByteArray &id, const QString &mailbox) {
        IncomingMessage m = makeMessage(id, "From: a@example.com\r\nSubject: " + id + "\r\n\r\nx\r\n");
        m.mailbox = mailbox;
        return m;
    };
    QSignalSpy mailboxesChanged(m_store.get(), &MessageStore::mailboxesChanged);
    QVERIFY(deliverAndWait(*m_store, into("U1", MailboxName::inbox())).ok);
    QVERIFY(deliverAndWait(*m_store, into("U2", QStringLiteral("shop"))).ok);
    QTRY_COMPARE(mailboxesChanged.size(), 1);
    QVERIFY(deliverAndWait(*m_store, into("U3", MailboxName::inbox())).ok);
    QVERIFY(deliverAndWait(*m_store, into("U5", QStringLiteral("SHOP"))).ok);
    QVERIFY(m_store->setRead({ QStringLiteral("U3") }, true));
    QVERIFY(m_store->setPinned({ QStringLiteral("U1") }, true));
    QCOMPARE(m_store->mailboxes(),
        (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 1 }, { QStringLiteral("shop"), 2, 2 } }));
    QCOMPARE(mailboxesChanged.size(), 1);

    std::optional<MailboxIndex> inbox = m_store->mailboxIndex(QStringLiteral("INBOX"), MailboxIndex::Texts::Parsed);
    QVERIFY(inbox);
    QCOMPARE(inbox->name, QStringLiteral("Inbox"));
    QVERIFY(inbox->uidValidity > 0);
    QCOMPARE(inbox->entries.size(), 2);
    const MailboxIndexEntry first = inbox->entries.at(0);
    const MailboxIndexEntry second = inbox->entries.at(1);
    QCOMPARE(first.id, QStringLiteral("U1"));
    QCOMPARE(second.id, QStringLiteral("U3"));
    QVERIFY(first.uid < second.uid);
    QVERIFY(first.pinned && !first.read);
    QVERIFY(second.read && !second.pinned);
    QCOMPARE(second.subject, QStringLiteral("U3"));
    QCOMPARE(inbox->uidNext, second.uid + 1);
    QVERIFY(!m_store->mailboxIndex(QStringLiteral("nowhere")));

    const qint64 validity = inbox->uidValidity;
    QVERIFY(m_store->remove({ QStringLiteral("U3") }));
    m_store = openStore();
    QVERIFY(m_store);
    QVERIFY(deliverAndWait(*m_store, into("U4", MailboxName::inbox())).ok);
    inbox = m_store->mailboxIndex(MailboxName::inbox());
    QVERIFY(inbox);
    QCOMPARE(inbox->uidValidity, validity);
    QCOMPARE(inbox->entries.size(), 2);
    QCOMPARE(inbox->entries.at(1).id, QStringLiteral("U4"));
    QVERIFY(inbox->entries.at(1).uid > second.uid);
    QCOMPARE(inbox->uidNext, inbox->entries.at(1).uid + 1);
}

void TestPgMessageStore::relayBookkeepingRoundTrips()
{
    QVERIFY(deliverAndWait(*m_store, makeMessage("RL1", Sample)).ok);
    IncomingMessage copy = makeMessage("RL2", Sample);
    copy.copyOf = "RL1";
    copy.mailbox = QStringLiteral("team");
    QVERIFY(deliverAndWait(*m_store, copy).ok);

    RelayChange change;
    change.messageId = QStringLiteral("RL1");
    change.pending = RelayPending { 0, QStringLiteral("RL1"), { "x@relay.test" }, 1764000009000, 0, false };
    change.log = { RelayRecord { 1764000001000, { "x@relay.test" }, false, "421 try later" } };
    QString error;
    QVERIFY2(m_store->changeRelay(&change, &error), qPrintable(error));
    QVERIFY(change.pending->id > 0);
    QList<RelayPending> pending = m_store->relayPending();
    QCOMPARE(pending.size(), 1);
    QCOMPARE(pending.at(0).id, change.pending->id);
    QCOMPARE(pending.at(0).to, QByteArrayList { "x@relay.test" });
    QCOMPARE(pending.at(0).dueMs, 1764000009000);

    // The attempt succeeded: the queue row goes, the log grows; the copy shares the first copy's log.
    RelayChange done;
    done.messageId = QStringLiteral("RL1");
    done.removePending = change.pending->id;
    done.log = { RelayRecord { 1764000010000, { "x@relay.test" }, true, "250 ok" } };
    QVERIFY2(m_store->changeRelay(&done, &error), qPrintable(error));
    QVERIFY(m_store->relayPending().isEmpty());
    const QList<RelayRecord> log = m_store->relayLog(QStringLiteral("RL2"));
    QCOMPARE(log.size(), 2);
    QCOMPARE(log.at(0).reply, QByteArray("421 try later"));
    QCOMPARE(log.at(1).ok, true);

    // A queue row that is gone, or a message that is: false without an error, nothing changed.
    QVERIFY(!m_store->changeRelay(&done, &error));
    QVERIFY(error.isEmpty());
    RelayChange gone;
    gone.messageId = QStringLiteral("nope");
    gone.log = done.log;
    QVERIFY(!m_store->changeRelay(&gone, &error));
    QVERIFY(error.isEmpty());
    // Deleting the message takes its relay bookkeeping with it.
    QVERIFY(m_store->remove({ QStringLiteral("RL1") }));
    QVERIFY(m_store->relayLog(QStringLiteral("RL1")).isEmpty());
}

void TestPgMessageStore::pendingWorkIsTakenUpOnce()
{
    // A pending auto-relay retry and a pending bounce, made by this instance (migration 0005: rows it owns).
    IncomingMessage message = makeMessage("OWN1", Sample);
    message.sessionKey = 1;
    message.envelope.bounces = { SmtpBounce { "b@y.test", 550, "5.1.1", "No such user", "recipient rule 1", 60000 } };
    QVERIFY(deliverAndWait(*m_store, message).ok);
    RelayChange change;
    change.messageId = QStringLiteral("OWN1");
    change.pending = RelayPending { 0, QStringLiteral("OWN1"), { "x@relay.test" }, 1764000009000, 1, false };
    QString error;
    QVERIFY2(m_store->changeRelay(&change, &error), qPrintable(error));
    QCOMPARE(m_store->relayPending().size(), 1);
    QCOMPARE(m_store->pendingBounces().size(), 1);

    // Another instance starting while this one runs takes up neither: they are this one's to send.
    const std::unique_ptr<PgMessageStore> other = openStore();
    QVERIFY(other);
    QVERIFY(other->relayPending().isEmpty());
    QVERIFY(other->pendingBounces().isEmpty());

    // This one stops (the server releases its key with its connection, as when its process is killed): the next
    // instance to start takes them up, and from then on they are its own; the other still gets none of them.
    m_store->close();
    m_store.reset();
    const std::unique_ptr<PgMessageStore> next = openStore();
    QVERIFY(next);
    const QList<RelayPending> taken = next->relayPending();
    QCOMPARE(taken.size(), 1);
    QCOMPARE(taken.at(0).id, change.pending->id);
    QCOMPARE(taken.at(0).failures, 1);
    const QList<PendingBounce> bounces = next->pendingBounces();
    QCOMPARE(bounces.size(), 1);
    QCOMPARE(bounces.at(0).messageId, QStringLiteral("OWN1"));
    QCOMPARE(bounces.at(0).bounces.at(0).afterMs, 60000);
    QVERIFY(other->relayPending().isEmpty());
    QVERIFY(other->pendingBounces().isEmpty());
    QCOMPARE(next->relayPending().size(), 1);
}

void TestPgMessageStore::refusedSessionsRoundTrip()
{
    // A session that stored a message, then had its next one refused: kept with the whole transcript.
    constexpr qint64 Start = 1764000000000;
    IncomingMessage delivered = makeMessage(MessageId::generate(Start + 10), Sample, Start + 10);
    delivered.sessionKey = quint64(Start) << 12;
    QVERIFY(deliverAndWait(*m_store, delivered).ok);
    QSignalSpy kept(m_store.get(), &MessageStore::refusedSessionKept);
    RefusedSession session;
    session.startMs = Start;
    session.endMs = Start + 500;
    session.id = MessageId::generate(session.endMs);
    session.sessionKey = quint64(Start) << 12;
    session.clientAddress = QStringLiteral("127.0.0.1");
    session.clientPort = 40000;
    session.helo = "client.test";
    session.rules = { "recipient rule 2: regex ^bogus" };
    session.transcript = { { Start + 400, TranscriptEntry::Direction::In, "RCPT TO:<bogus@y.test>" },
        { Start + 401, TranscriptEntry::Direction::Out, "550 5.1.1 no" } };
    session.data = QByteArray("refused\0data", 12);
    m_store->keepRefusedSession(session);
    QTRY_COMPARE(kept.size(), 1);
    const RefusedSession told = kept.at(0).at(0).value<RefusedSession>();
    QVERIFY(told.data.isEmpty());
    QCOMPARE(told.transcript.size(), 5);

    const std::optional<RefusedSessionPage> page = m_store->refusedSessions(0, 10);
    QVERIFY(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->sessions.at(0).id, session.id);
    QCOMPARE(page->sessions.at(0).rules, session.rules);
    QCOMPARE(page->sessions.at(0).dataSize, 12);
    QCOMPARE(page->sessions.at(0).messages, QStringList { QString::fromLatin1(delivered.id) });
    const std::optional<RefusedSession> one = m_store->refusedSession(QString::fromLatin1(session.id));
    QVERIFY(one);
    QCOMPARE(one->data, session.data);
    QCOMPARE(one->transcript.size(), 5);
    QCOMPARE(one->transcript.at(0).text, QByteArray("220 mx.test ESMTP Letterbox"));
    QCOMPARE(one->transcript.at(4).text, QByteArray("550 5.1.1 no"));
    // Deleting the message leaves the session whole, without naming the message.
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->refusedSession(QString::fromLatin1(session.id))->transcript.size(), 5);
    QVERIFY(m_store->refusedSession(QString::fromLatin1(session.id))->messages.isEmpty());
    QSignalSpy cleared(m_store.get(), &MessageStore::refusedSessionsCleared);
    QVERIFY(m_store->removeRefusedSessions());
    QTRY_COMPARE(cleared.size(), 1);
    QCOMPARE(cleared.at(0).at(0).toLongLong(), 1);
    QCOMPARE(m_store->refusedSessions(0, 10)->total, 0);
}

void TestPgMessageStore::concurrentDeliveriesShareCommits()
{
    constexpr int Messages = 60;
    std::atomic<int> left { Messages };
    std::atomic<int> failed { 0 };
    std::promise<void> all;
    std::vector<Delivery> deliveries;
    for (int i = 0; i < Messages; ++i) {
        IncomingMessage m = makeMessage("C" + QByteArray::number(i), Sample);
        // One bad message (a mailbox name no store accepts) fails alone: the others share its transaction.
        if (i == 7) {
            m.mailbox = QStringLiteral("no/such name");
        }
        m.otherSessions = Messages;
        deliveries.push_back({ std::move(m), [&](const DeliveryResult &r) {
                                  failed += r.ok ? 0 : 1;
                                  if (--left == 0) {
                                      all.set_value();
                                  }
                              } });
    }
    m_store->deliverAll(std::move(deliveries));
    all.get_future().wait();
    QCOMPARE(failed.load(), 1);
    QCOMPARE(m_store->count(), Messages - 1);
    QVERIFY2(m_store->commitCount() < Messages / 2, qPrintable(QString::number(m_store->commitCount())));
}

void TestPgMessageStore::indexCatchesUpOffTheReplyPath()
{
    QSignalSpy caughtUp(m_store.get(), &MessageStore::indexingCaughtUp);
    for (int i = 0; i < 20; ++i) {
        QVERIFY(deliverAndWait(*m_store, makeMessage("I" + QByteArray::number(i), Sample)).ok);
    }
    QVERIFY(m_store->unindexedCount() > 0);
    // An indexed-only search never waits, and says what it may miss.
    QString error;
    const std::optional<SearchResult> quick
        = m_store->search(QStringLiteral("hello"), 0, 50, QTimeZone::utc(), &error, SearchCompleteness::IndexedOnly);
    QVERIFY2(quick, qPrintable(error));
    QCOMPARE(quick->matches + quick->unindexed, 20);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unindexedCount(), 0, 10000);
    QTRY_VERIFY(caughtUp.size() >= 1);
    PgConnection db;
    QVERIFY(db.open(m_url));
    QCOMPARE(db.exec("SELECT count(*) FROM messages WHERE parsed AND indexed").int64(0, 0), 20);
    QCOMPARE(db.exec("SELECT subject FROM message_search LIMIT 1").text(0, 0), QStringLiteral("gr\u00fc\u00dfe"));
}

void TestPgMessageStore::asynchronousReadsAnswerOnTheCallersThread()
{
    QVERIFY(deliverAndWait(*m_store, makeMessage("AS1", Sample)).ok);
    QThread *caller = QThread::currentThread();
    bool listed = false;
    ListRequest request;
    request.limit = 10;
    m_store->list(request, this, [&](const ListReply &reply) {
        QCOMPARE(QThread::currentThread(), caller);
        QVERIFY(reply.result);
        QCOMPARE(ids(reply.result->messages), QStringList { "AS1" });
        listed = true;
    });
    bool boxes = false;
    m_store->mailboxes(this, [&](const QList<MailboxCount> &list) {
        QCOMPARE(QThread::currentThread(), caller);
        QCOMPARE(list.size(), 1);
        boxes = true;
    });
    bool read = false;
    m_store->setRead({ QStringLiteral("AS1") }, true, this, [&](const QString &error) {
        QCOMPARE(QThread::currentThread(), caller);
        QVERIFY(error.isEmpty());
        read = true;
    });
    QTRY_VERIFY(listed && boxes && read);
    QCOMPARE(m_store->unreadCount(), 0);
}

void TestPgMessageStore::twoInstancesAreOneCatcher()
{
    // CONTRACT "Team store": a message accepted by one instance is announced by every instance within 1 s; flags,
    // tags, pins and deletions are shared. Each instance's own signals are emitted once, not again when its own
    // NOTIFY comes back.
    std::unique_ptr<PgMessageStore> other = openStore();
    QVERIFY(other);
    QSignalSpy storedThere(other.get(), &MessageStore::messageStored);
    QSignalSpy storedHere(m_store.get(), &MessageStore::messageStored);
    QSignalSpy mailboxesThere(other.get(), &MessageStore::mailboxesChanged);
    const quint64 generation = other->generation();
    QElapsedTimer timer;
    timer.start();
    IncomingMessage first = makeMessage("S1", Sample);
    first.mailbox = QStringLiteral("team");
    QVERIFY(deliverAndWait(*m_store, first).ok);
    QTRY_COMPARE_WITH_TIMEOUT(storedThere.size(), 1, 1000);
    QVERIFY(timer.elapsed() < 1000);
    const MessageSummary told = storedThere.at(0).at(0).value<MessageSummary>();
    QCOMPARE(told.id, QStringLiteral("S1"));
    QCOMPARE(told.subject, QStringLiteral("Gr\u00fc\u00dfe"));
    QCOMPARE(told.mailbox, QStringLiteral("team"));
    QCOMPARE(mailboxesThere.size(), 1);
    QVERIFY(other->generation() > generation);
    QCOMPARE(other->count(), 1);
    QCOMPARE(other->unreadCount(), 1);
    QCOMPARE(other->summary(QStringLiteral("S1"))->subject, QStringLiteral("Gr\u00fc\u00dfe"));

    // The other way round, each change by its signal.
    QSignalSpy readHere(m_store.get(), &MessageStore::readChanged);
    QSignalSpy tagsHere(m_store.get(), &MessageStore::tagsChanged);
    QSignalSpy pinnedHere(m_store.get(), &MessageStore::pinnedChanged);
    QSignalSpy removedHere(m_store.get(), &MessageStore::messagesRemoved);
    QSignalSpy clearedHere(m_store.get(), &MessageStore::messagesCleared);
    QVERIFY(other->setRead({ QStringLiteral("S1") }, true));
    QTRY_COMPARE_WITH_TIMEOUT(readHere.size(), 1, 1000);
    QCOMPARE(readHere.at(0).at(0).toStringList(), QStringList { "S1" });
    QCOMPARE(readHere.at(0).at(1).toBool(), true);
    QCOMPARE(m_store->unreadCount(), 0);
    QVERIFY(other->setTags({ QStringLiteral("S1") }, { QStringLiteral("shared") }));
    QTRY_COMPARE_WITH_TIMEOUT(tagsHere.size(), 1, 1000);
    QCOMPARE(m_store->summary(QStringLiteral("S1"))->tags, QStringList { "shared" });
    QVERIFY(other->setPinned({ QStringLiteral("S1") }, true));
    QTRY_COMPARE_WITH_TIMEOUT(pinnedHere.size(), 1, 1000);
    QVERIFY(deliverAndWait(*other, makeMessage("S2", Sample)).ok);
    QTRY_COMPARE_WITH_TIMEOUT(storedHere.size(), 2, 1000);
    QCOMPARE(storedHere.at(1).at(0).value<MessageSummary>().id, QStringLiteral("S2"));
    QCOMPARE(m_store->count(), 2);
    QVERIFY(other->remove({ QStringLiteral("S2") }));
    QTRY_COMPARE_WITH_TIMEOUT(removedHere.size(), 1, 1000);
    QCOMPARE(removedHere.at(0).at(0).toStringList(), QStringList { "S2" });
    QVERIFY(other->setPinned({ QStringLiteral("S1") }, false));
    QVERIFY(other->removeAll());
    QTRY_COMPARE_WITH_TIMEOUT(clearedHere.size(), 1, 1000);
    QCOMPARE(clearedHere.at(0).at(0).toLongLong(), 1);
    QCOMPARE(m_store->count(), 0);

    // Nothing came twice: each instance heard its own changes from itself only.
    QCOMPARE(storedThere.size(), 2);
    QCOMPARE(storedHere.size(), 2);
    QCOMPARE(readHere.size(), 1);

    // Many messages at once: the changes are split over several notifications, none lost.
    std::vector<Delivery> flood;
    std::atomic<int> left { 400 };
    std::promise<void> all;
    for (int i = 0; i < 400; ++i) {
        IncomingMessage m = makeMessage("F" + QByteArray::number(i).rightJustified(21, '0'), Sample);
        m.otherSessions = 400;
        flood.push_back({ std::move(m), [&](const DeliveryResult &) {
                             if (--left == 0) {
                                 all.set_value();
                             }
                         } });
    }
    m_store->deliverAll(std::move(flood));
    all.get_future().wait();
    QTRY_COMPARE_WITH_TIMEOUT(storedThere.size(), 402, 5000);
    QCOMPARE(other->count(), 400);
    QVERIFY(m_store->removeAll());
    QTRY_COMPARE_WITH_TIMEOUT(other->count(), 0, 1000);
}

void TestPgMessageStore::aNewerSchemaIsRefused()
{
    m_store.reset();
    PgConnection db;
    QVERIFY(db.open(m_url));
    QVERIFY(db.exec("INSERT INTO schema_version (version) VALUES (999)").isOk());
    PgMessageStore store;
    QVERIFY(!store.open(m_url));
    QVERIFY(store.schemaIsNewer());
    QVERIFY2(store.errorString().contains(QLatin1String("newer")), qPrintable(store.errorString()));
    QVERIFY(store.errorString().startsWith(QLatin1String("postgresql://")));
    QVERIFY(!store.isOpen());
    // An unreachable database is no newer schema.
    PgMessageStore nowhere;
    QVERIFY(!nowhere.open(QStringLiteral("postgresql://letterbox@127.0.0.1:1/none")));
    QVERIFY(!nowhere.schemaIsNewer());
    QVERIFY(nowhere.errorString().startsWith(QLatin1String("postgresql://letterbox@127.0.0.1:1/none: ")));
}

void TestPgMessageStore::aDatabaseRestartFailsDeliveriesThenRecovers()
{
    if (qEnvironmentVariableIntValue("LETTERBOX_TEST_PGSERVER_PID") <= 0) {
        QSKIP("pgserver.py does not say its process id");
    }
    QVERIFY(deliverAndWait(*m_store, makeMessage("B1", Sample)).ok);
    QSignalSpy failures(m_store.get(), &MessageStore::writeFailed);

    QVERIFY(signalServer(SIGUSR1));
    QTRY_VERIFY_WITH_TIMEOUT(!serverAnswers(), 20000);
    // Meanwhile deliveries fail with a reason (the SMTP side answers 451 4.3.0), promptly.
    QElapsedTimer timer;
    timer.start();
    const DeliveryResult refused = deliverAndWait(*m_store, makeMessage("B2", Sample));
    QVERIFY(!refused.ok);
    QVERIFY2(refused.errorString.contains(QLatin1String("postgresql://")), qPrintable(refused.errorString));
    QVERIFY(timer.elapsed() < 5000);
    QCOMPARE(failures.size(), 1);
    QVERIFY(!deliverAndWait(*m_store, makeMessage("B3", Sample)).ok);

    QVERIFY(signalServer(SIGUSR2));
    QTRY_VERIFY_WITH_TIMEOUT(serverAnswers(), 20000);
    // The writer connects again by itself (bounded backoff): a delivery soon works again.
    bool recovered = false;
    for (int attempt = 0; attempt < 100 && !recovered; ++attempt) {
        recovered = deliverAndWait(*m_store, makeMessage("B4", Sample)).ok;
        if (!recovered) {
            QThread::msleep(100);
        }
    }
    QVERIFY(recovered);
    // Nothing acknowledged was lost, nothing refused was kept; reads and the listener work again.
    QTRY_COMPARE_WITH_TIMEOUT(m_store->searchIds(QString()), (QStringList { "B4", "B1" }), 5000);
    std::unique_ptr<PgMessageStore> other = openStore();
    QVERIFY(other);
    // The listener connects again by itself too: another instance's message is announced here again.
    QSignalSpy storedHere(m_store.get(), &MessageStore::messageStored);
    bool announced = false;
    for (int attempt = 0; attempt < 15 && !announced; ++attempt) {
        QVERIFY(deliverAndWait(*other, makeMessage("B5" + QByteArray::number(attempt), Sample)).ok);
        announced = storedHere.wait(1000);
    }
    QVERIFY(announced);
}

QTEST_MAIN(TestPgMessageStore)
#include "tst_pgmessagestore.moc"
