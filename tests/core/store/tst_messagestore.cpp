// MessageStore: durability contract, reading back, paging, deleting, read flags, retention, failures.
#include "searchcorpus.h"

#include <api/apijson.h>
#include <store/sqlitedatabase.h>
#include <store/sqlitemessagestore.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

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

// Delivers and waits for the durable answer.
DeliveryResult deliverAndWait(MessageStore &store, IncomingMessage message)
{
    std::promise<DeliveryResult> promise;
    auto future = promise.get_future();
    store.deliver(std::move(message), [&promise](const DeliveryResult &r) { promise.set_value(r); });
    return future.get();
}

// Hands count messages to the store at once (as a flood of sessions does) and waits until all are committed.
bool deliverFlood(MessageStore &store, int count, const QByteArray &prefix)
{
    std::atomic<int> left { count };
    std::atomic<bool> allOk { true };
    std::promise<void> done;
    for (int i = 0; i < count; ++i) {
        const QByteArray id = prefix + QByteArray::number(i);
        store.deliver(makeMessage(id, "Subject: " + prefix + " " + QByteArray::number(i) + "\r\n\r\nflood body\r\n"),
            [&](const DeliveryResult &r) {
                if (!r.ok) {
                    allOk = false;
                }
                if (--left == 0) {
                    done.set_value();
                }
            });
    }
    done.get_future().wait();
    return allOk;
}

// The permission bits of path (stat(2)); -1 when it does not exist.
int modeOf(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

const QByteArray Sample
    = "From: Alice <alice@x.test>\r\nTo: Bob <bob@y.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
      "Date: Wed, 25 Nov 2026 10:00:00 +0100\r\nMessage-ID: <m1@x.test>\r\n\r\nHello\r\n";
} // namespace

class TestMessageStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void storesSourceEnvelopeAndTranscript();
    void bouncesAndOriginalsLinkBothWays();
    void largeMessageRoundTrips();
    void listsNewestFirstWithPaging();
    void removesAndMarksRead();
    void retentionPrunesOldest();
    void transcriptKeepsWholeSession();
    void persistsAcrossReopen();
    void concurrentDeliveriesShareCommits();
    void messagesHandedOverTogetherShareOneCommit();
    void fullDiskFailsDeliveryAndRecovers();
    void unopenableDirectoryFails();
    void deliveryAfterCloseFails();
    void summaryComesFromTheParser();
    void summaryDecodesPaddedEncodedWords();
    void searchUsesMailpitSyntax_data();
    void searchUsesMailpitSyntax();
    void searchCountsAndPages();
    void migratesSchemaOneStores();
    void refusesAStoreOfANewerSchema();
    void indexCatchesUpOffTheReplyPath();
    void completeSearchCoversAFloodOfMoreThan20000();
    void deliveriesAreAcknowledgedDuringACompleteSearch();
    void dataIsReadableByItsOwnerOnly();
    void failedWritesAreReported();
    void indexedOnlySearchesSayWhatTheyMiss();
    void asynchronousReadsAnswerOnTheCallersThread();
    void asynchronousWritesCallBackWhenDurable();
    void anAnswerForAGoneContextIsDropped();
    void migratesStoresIntoInbox();
    void tagsOnArrival_data();
    void tagsOnArrival();
    void setsRenamesAndDeletesTags();
    void pinnedMessagesSurviveDeleteAllAndRetention();
    void countsPerMailbox();
    void mailboxIndexUidsAscendAndAreNeverReused();
    void tagsPinsAndMailboxesHaveAsynchronousForms();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
};

void TestMessageStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY2(m_store->open(m_dir->filePath(QStringLiteral("data"))), qPrintable(m_store->errorString()));
}

void TestMessageStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void TestMessageStore::bouncesAndOriginalsLinkBothWays()
{
    // CONTRACT "Failure scenarios (rules)": a bounce's session view says which rule made it and for which message,
    // and the original links to its bounce.
    IncomingMessage first = makeMessage("original0000000000000A", Sample);
    first.sessionKey = 1;
    QVERIFY(deliverAndWait(*m_store, first).ok);
    IncomingMessage unrelated = makeMessage("unrelated000000000000B", Sample);
    unrelated.sessionKey = 2;
    QVERIFY(deliverAndWait(*m_store, unrelated).ok);
    IncomingMessage bounce = makeMessage("bounce000000000000000C", Sample, 1764000005000);
    bounce.sessionKey = 3;
    bounce.envelope.mailFrom.clear();
    bounce.envelope.rcptTo = { "sender@x.test" };
    bounce.bounceOf = "original0000000000000A";
    bounce.bounceRule = "recipient rule 3: glob *@bounce.test";
    bounce.transcript = { { 1764000005000, TranscriptEntry::Direction::Out,
        "[bounce made by recipient rule 3: glob *@bounce.test]" } };
    QVERIFY(deliverAndWait(*m_store, bounce).ok);

    const std::optional<StoredMessage> made = m_store->message(QStringLiteral("bounce000000000000000C"));
    QVERIFY(made);
    QCOMPARE(made->bounceOf, QStringLiteral("original0000000000000A"));
    QCOMPARE(made->bounceRule, QStringLiteral("recipient rule 3: glob *@bounce.test"));
    QVERIFY(made->bounces.isEmpty());
    QCOMPARE(made->transcript.size(), 1);

    const std::optional<StoredMessage> original = m_store->message(QStringLiteral("original0000000000000A"));
    QVERIFY(original);
    QVERIFY(original->bounceOf.isEmpty());
    QCOMPARE(original->bounces, QStringList { QStringLiteral("bounce000000000000000C") });
    // The original's transcript stays its session's own (CONTRACT: up to its final reply); the link is bounces.
    QCOMPARE(original->transcript.size(), 3);
    for (const TranscriptEntry &e : original->transcript) {
        QVERIFY(!e.text.contains("bounce000000000000000C"));
    }

    const std::optional<StoredMessage> other = m_store->message(QStringLiteral("unrelated000000000000B"));
    QVERIFY(other);
    QVERIFY(other->bounces.isEmpty());
}

void TestMessageStore::storesSourceEnvelopeAndTranscript()
{
    QSignalSpy stored(m_store.get(), &MessageStore::messageStored);
    IncomingMessage in = makeMessage("ID1", Sample);
    const QByteArray expectedRaw = in.traceHeader + Sample;
    const DeliveryResult r = deliverAndWait(*m_store, in);
    QVERIFY2(r.ok, qPrintable(r.errorString));
    QCOMPARE(r.summary.id, QStringLiteral("ID1"));
    QCOMPARE(r.summary.mailFrom, QStringLiteral("sender@x.test"));
    QCOMPARE(r.summary.size, qint64(expectedRaw.size()));
    // Parsed fields are there for readers at once, even before the store parses the row between deliveries.
    QCOMPARE(m_store->summary(QStringLiteral("ID1"))->subject, QStringLiteral("Gr\u00fc\u00dfe"));
    QVERIFY(stored.wait(2000) || stored.size() == 1);

    const auto m = m_store->message(QStringLiteral("ID1"));
    QVERIFY(m.has_value());
    QCOMPARE(m->raw, expectedRaw);
    QCOMPARE(m->summary.size, qint64(expectedRaw.size()));
    QCOMPARE(m->summary.from, QStringLiteral("Alice <alice@x.test>"));
    QCOMPARE(m->summary.to, QStringLiteral("Bob <bob@y.test>"));
    QCOMPARE(m->summary.messageId, QStringLiteral("m1@x.test"));
    QCOMPARE(m->summary.dateMs, Q_INT64_C(1795597200000)); // 2026-11-25T09:00:00Z
    QCOMPARE(m->summary.receivedMs, Q_INT64_C(1764000000000));
    QCOMPARE(m->summary.read, false);
    QCOMPARE(m->mailFrom, QStringLiteral("sender@x.test"));
    QCOMPARE(m->rcptTo, (QStringList { QStringLiteral("a@y.test"), QStringLiteral("b@y.test") }));
    QCOMPARE(m->clientAddress, QStringLiteral("127.0.0.1"));
    QCOMPARE(m->clientPort, 50123);
    QCOMPARE(m->helo, QStringLiteral("client.test"));
    QCOMPARE(m->authUser, QStringLiteral("alice"));
    QCOMPARE(m->tls, false);
    QCOMPARE(m->tlsProtocol, QString());
    QCOMPARE(m->tlsCipher, QString());

    const QJsonArray transcript = ApiJson::transcript(m->transcript).value(u"Transcript").toArray();
    QCOMPARE(transcript.size(), 3);
    QCOMPARE(transcript.at(0).toObject().value(u"Time").toString(), QStringLiteral("2025-11-24T16:00:00.000Z"));
    QCOMPARE(transcript.at(1).toObject().value(u"Direction").toString(), QStringLiteral("in"));
    QCOMPARE(transcript.at(1).toObject().value(u"Text").toString(), QStringLiteral("EHLO client.test"));
    QCOMPARE(transcript.at(2).toObject().value(u"Text").toString(), QStringLiteral("250-mx.test\n250 PIPELINING"));

    QVERIFY(!m_store->message(QStringLiteral("nope")).has_value());

    // A message that came over TLS keeps what was negotiated (migration 5).
    IncomingMessage secure = makeMessage("ID2", Sample);
    secure.envelope.tls = true;
    secure.envelope.tlsProtocol = "TLSv1.3";
    secure.envelope.tlsCipher = "TLS_AES_256_GCM_SHA384";
    QVERIFY(deliverAndWait(*m_store, secure).ok);
    const auto overTls = m_store->message(QStringLiteral("ID2"));
    QVERIFY(overTls.has_value());
    QCOMPARE(overTls->tls, true);
    QCOMPARE(overTls->tlsProtocol, QStringLiteral("TLSv1.3"));
    QCOMPARE(overTls->tlsCipher, QStringLiteral("TLS_AES_256_GCM_SHA384"));
}

void TestMessageStore::largeMessageRoundTrips()
{
    // Above the streamed-blob threshold: written in chunks, read back byte for byte.
    QByteArray big;
    big.reserve(5 * 1024 * 1024);
    big += "Subject: big\r\n\r\n";
    for (int i = 0; big.size() < 5 * 1024 * 1024; ++i) {
        big += QByteArray::number(i).rightJustified(76, '.') + "\r\n";
    }
    const IncomingMessage in = makeMessage("BIG", big);
    const QByteArray expected = in.traceHeader + big;
    QVERIFY(deliverAndWait(*m_store, in).ok);
    const auto m = m_store->message(QStringLiteral("BIG"));
    QVERIFY(m.has_value());
    QCOMPARE(m->raw.size(), expected.size());
    QVERIFY(m->raw == expected);
}

void TestMessageStore::listsNewestFirstWithPaging()
{
    for (int i = 1; i <= 5; ++i) {
        QVERIFY(deliverAndWait(
            *m_store, makeMessage("M" + QByteArray::number(i), "Subject: " + QByteArray::number(i) + "\r\n\r\nx\r\n"))
                    .ok);
    }
    QCOMPARE(m_store->count(), 5);
    const auto first = m_store->messages(0, 2);
    QCOMPARE(first.size(), 2);
    QCOMPARE(first.at(0).id, QStringLiteral("M5"));
    QCOMPARE(first.at(1).id, QStringLiteral("M4"));
    const auto last = m_store->messages(4, 10);
    QCOMPARE(last.size(), 1);
    QCOMPARE(last.at(0).id, QStringLiteral("M1"));
    QCOMPARE(last.at(0).subject, QStringLiteral("1"));
    QVERIFY(m_store->messages(5, 10).isEmpty());
}

void TestMessageStore::removesAndMarksRead()
{
    for (const char *id : { "A", "B", "C" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QSignalSpy readSpy(m_store.get(), &MessageStore::readChanged);
    QSignalSpy removedSpy(m_store.get(), &MessageStore::messagesRemoved);
    QCOMPARE(m_store->unreadCount(), 3);
    QVERIFY(m_store->setRead({ QStringLiteral("A"), QStringLiteral("B") }, true));
    QCOMPARE(m_store->unreadCount(), 1);
    QVERIFY(m_store->message(QStringLiteral("A"))->summary.read);
    QVERIFY(m_store->setRead({ QStringLiteral("A") }, false));
    QCOMPARE(m_store->unreadCount(), 2);
    QTRY_COMPARE(readSpy.size(), 2);

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
    // A message arriving after delete-all is kept.
    QVERIFY(deliverAndWait(*m_store, makeMessage("D", Sample)).ok);
    QCOMPARE(m_store->count(), 1);
}

void TestMessageStore::retentionPrunesOldest()
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
}

void TestMessageStore::transcriptKeepsWholeSession()
{
    const auto texts = [this](const QString &id) {
        QStringList out;
        const auto m = m_store->message(id);
        for (const QJsonValue &v : ApiJson::transcript(m->transcript).value(u"Transcript").toArray()) {
            out << v.toObject().value(u"Text").toString();
        }
        return out;
    };
    // Three messages of one session, each carrying the entries since the previous one.
    for (int i = 1; i <= 3; ++i) {
        IncomingMessage m = makeMessage("S" + QByteArray::number(i), Sample);
        m.sessionKey = 42;
        m.transcript = { { 1, TranscriptEntry::Direction::In, "line " + QByteArray::number(i) } };
        QVERIFY(deliverAndWait(*m_store, m).ok);
    }
    IncomingMessage other = makeMessage("O1", Sample);
    other.sessionKey = 43;
    other.transcript = { { 1, TranscriptEntry::Direction::In, "other" } };
    QVERIFY(deliverAndWait(*m_store, other).ok);

    QCOMPARE(texts(QStringLiteral("S1")), QStringList { QStringLiteral("line 1") });
    QCOMPARE(texts(QStringLiteral("S3")),
        (QStringList { QStringLiteral("line 1"), QStringLiteral("line 2"), QStringLiteral("line 3") }));
    QCOMPARE(texts(QStringLiteral("O1")), QStringList { QStringLiteral("other") });
    // Deleting (or pruning) earlier messages keeps what later ones need.
    QVERIFY(m_store->remove({ QStringLiteral("S1") }));
    m_store->setMaxMessages(3);
    IncomingMessage trigger = makeMessage("O2", Sample);
    trigger.sessionKey = 43;
    trigger.transcript = { { 1, TranscriptEntry::Direction::In, "other 2" } };
    QVERIFY(deliverAndWait(*m_store, trigger).ok); // prunes S2
    QVERIFY(!m_store->message(QStringLiteral("S2")).has_value());
    QCOMPARE(texts(QStringLiteral("S3")),
        (QStringList { QStringLiteral("line 1"), QStringLiteral("line 2"), QStringLiteral("line 3") }));
    // Once no message of a session is left, its chunks go too.
    QVERIFY(m_store->remove({ QStringLiteral("S3") }));
    IncomingMessage reused = makeMessage("S4", Sample);
    reused.sessionKey = 42;
    reused.transcript = { { 1, TranscriptEntry::Direction::In, "line 4" } };
    QVERIFY(deliverAndWait(*m_store, reused).ok);
    QCOMPARE(texts(QStringLiteral("S4")), QStringList { QStringLiteral("line 4") });

    // The bookkeeping survives a restart: after reopening, the session of O1/O2 still links and cleans up.
    m_store->close();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    IncomingMessage later = makeMessage("O3", Sample);
    later.sessionKey = 43;
    later.transcript = { { 1, TranscriptEntry::Direction::In, "other 3" } };
    QVERIFY(deliverAndWait(*m_store, later).ok);
    QCOMPARE(texts(QStringLiteral("O3")),
        (QStringList { QStringLiteral("other"), QStringLiteral("other 2"), QStringLiteral("other 3") }));
    QVERIFY(m_store->remove({ QStringLiteral("O1"), QStringLiteral("O2"), QStringLiteral("O3") }));
    IncomingMessage fresh = makeMessage("O4", Sample);
    fresh.sessionKey = 43;
    fresh.transcript = { { 1, TranscriptEntry::Direction::In, "other 4" } };
    QVERIFY(deliverAndWait(*m_store, fresh).ok);
    QCOMPARE(texts(QStringLiteral("O4")), QStringList { QStringLiteral("other 4") });
}

void TestMessageStore::persistsAcrossReopen()
{
    QVERIFY(deliverAndWait(*m_store, makeMessage("P1", Sample)).ok);
    m_store->close();
    SqliteMessageStore again;
    QVERIFY(again.open(m_dir->filePath(QStringLiteral("data"))));
    QCOMPARE(again.count(), 1);
    QCOMPARE(again.message(QStringLiteral("P1"))->raw.right(7), QByteArray("Hello\r\n"));
}

void TestMessageStore::concurrentDeliveriesShareCommits()
{
    constexpr int Threads = 8;
    constexpr int PerThread = 250;
    std::atomic<int> ok { 0 };
    std::vector<std::thread> threads;
    const qint64 commitsBefore = m_store->commitCount();
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < PerThread; ++i) {
                const QByteArray id = "T" + QByteArray::number(t) + "-" + QByteArray::number(i);
                if (deliverAndWait(*m_store, makeMessage(id, Sample)).ok) {
                    ++ok;
                }
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    QCOMPARE(ok.load(), Threads * PerThread);
    QCOMPARE(m_store->count(), qint64(Threads * PerThread));
    const qint64 commits = m_store->commitCount() - commitsBefore;
    qInfo("%d deliveries from %d threads took %lld commits", Threads * PerThread, Threads, commits);
    // Group commit: 8 waiting senders must share fsyncs, not pay one each.
    QVERIFY2(commits < Threads * PerThread * 3 / 4, qPrintable(QString::number(commits)));
}

void TestMessageStore::messagesHandedOverTogetherShareOneCommit()
{
    // MessageDelivery::deliverAll(): the writer is woken once for them all and commits them in one transaction.
    constexpr int Count = 6;
    std::vector<Delivery> deliveries;
    std::atomic<int> answered { 0 };
    std::atomic<int> ok { 0 };
    std::promise<void> allAnswered;
    for (int i = 0; i < Count; ++i) {
        IncomingMessage m = makeMessage("H" + QByteArray::number(i), Sample, 1764000000000 + i);
        deliveries.push_back({ std::move(m), [&](const DeliveryResult &result) {
                                  ok += result.ok ? 1 : 0;
                                  if (++answered == Count) {
                                      allAnswered.set_value();
                                  }
                              } });
    }
    const qint64 commitsBefore = m_store->commitCount();
    m_store->deliverAll(std::move(deliveries));
    allAnswered.get_future().wait();
    QCOMPARE(ok.load(), Count);
    QCOMPARE(m_store->commitCount() - commitsBefore, qint64(1));
    const QList<MessageSummary> listed = m_store->messages(0, Count);
    QCOMPARE(listed.size(), Count);
    QCOMPARE(listed.first().id, QStringLiteral("H5"));
    QCOMPARE(listed.last().id, QStringLiteral("H0"));
}

void TestMessageStore::fullDiskFailsDeliveryAndRecovers()
{
    QVERIFY(deliverAndWait(*m_store, makeMessage("F1", Sample)).ok);
    QVERIFY(m_store->limitGrowthForTesting(12)); // room for a small message, not for 200 KB (49 pages)
    const DeliveryResult failed = deliverAndWait(*m_store, makeMessage("F2", QByteArray(200000, 'x')));
    QVERIFY(!failed.ok);
    QVERIFY(!failed.errorString.isEmpty());
    QVERIFY(!m_store->message(QStringLiteral("F2")).has_value());
    // A failure in a shared commit refuses only the message that failed: queued together, the small one
    // (which fits in the pages there are) is stored and the big one is not.
    std::promise<DeliveryResult> bigResult;
    std::promise<DeliveryResult> smallResult;
    m_store->deliver(
        makeMessage("F2big", QByteArray(200000, 'x')), [&](const DeliveryResult &r) { bigResult.set_value(r); });
    m_store->deliver(
        makeMessage("F2small", "Subject: s\r\n\r\nx\r\n"), [&](const DeliveryResult &r) { smallResult.set_value(r); });
    QVERIFY(!bigResult.get_future().get().ok);
    const DeliveryResult small = smallResult.get_future().get();
    QVERIFY2(small.ok, qPrintable(small.errorString));
    QVERIFY(m_store->message(QStringLiteral("F2small")).has_value());
    QVERIFY(m_store->limitGrowthForTesting(-1));
    QVERIFY(deliverAndWait(*m_store, makeMessage("F3", Sample)).ok);
    QCOMPARE(m_store->count(), 3);
}

void TestMessageStore::unopenableDirectoryFails()
{
    QFile file(m_dir->filePath(QStringLiteral("plainfile")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    SqliteMessageStore store;
    QVERIFY(!store.open(m_dir->filePath(QStringLiteral("plainfile/sub"))));
    QVERIFY(store.errorString().contains(QStringLiteral("plainfile/sub")));
}

void TestMessageStore::deliveryAfterCloseFails()
{
    m_store->close();
    const DeliveryResult r = deliverAndWait(*m_store, makeMessage("X", Sample));
    QVERIFY(!r.ok);
}

namespace {
// The search corpus (searchcorpus.h), which tst_pgsearchcorpus runs on the PostgreSQL store.
void deliverSearchFixtures(MessageStore &store)
{
    QString error;
    QVERIFY2(SearchCorpus::deliver(store, &error), qPrintable(error));
}

QStringList ids(const QList<MessageSummary> &list)
{
    QStringList out;
    for (const MessageSummary &s : list) {
        out << s.id;
    }
    return out;
}
} // namespace

void TestMessageStore::summaryComesFromTheParser()
{
    deliverSearchFixtures(*m_store);
    const std::optional<StoredMessage> c = m_store->message(QStringLiteral("C"));
    QVERIFY(c);
    QCOMPARE(c->summary.attachmentCount, 1);
    QVERIFY(c->summary.hasAttachments);
    QCOMPARE(c->summary.snippet, QStringLiteral("Paid yesterday. Thanks!"));
    QCOMPARE(c->summary.fromList, MailAddressList { (MailAddress { QString(), QStringLiteral("alice@alpha.test") }) });
    const std::optional<StoredMessage> e = m_store->message(QStringLiteral("E"));
    // README "REST API": envelope recipients in neither To nor Cc are Bcc.
    QCOMPARE(e->summary.bccList, MailAddressList { (MailAddress { QString(), QStringLiteral("hidden@secret.test") }) });
    QCOMPARE(
        e->summary.replyToList, MailAddressList { (MailAddress { QString(), QStringLiteral("editor@omega.test") }) });
    QCOMPARE(m_store->message(QStringLiteral("D"))->summary.subject, QStringLiteral("Grüße aus Köln"));
    QCOMPARE(m_store->message(QStringLiteral("A"))->summary.authUser, QStringLiteral("alice"));
}

void TestMessageStore::summaryDecodesPaddedEncodedWords()
{
    // The list's columns are made at ingest by the same decoding as the message view (ParsedMessage): adjacent base64
    // encoded-words ending in "=" padding each decode on their own (RFC 2047 §6.2), as Python's email package has it.
    QFile fixture(QStringLiteral(LETTERBOX_TEST_DATA "/mime/padded-encoded-words.eml"));
    QVERIFY(fixture.open(QIODevice::ReadOnly));
    QVERIFY(deliverAndWait(*m_store, makeMessage("P", fixture.readAll())).ok);
    const std::optional<MessageSummary> listed = m_store->summary(QStringLiteral("P"));
    QVERIFY(listed);
    QCOMPARE(listed->subject, QStringLiteral("Größe Bestellung end"));
    QCOMPARE(listed->fromList.value(0).name, QStringLiteral("Jürgen Müller"));
    QCOMPARE(listed->from, QStringLiteral("Jürgen Müller <billing@example.com>"));
    QCOMPARE(m_store->messages(0, 1).value(0).subject, QStringLiteral("Größe Bestellung end"));
    // And the search index has the words.
    QCOMPARE(m_store->search(QStringLiteral("subject:bestellung"), 0, 10)->matches, 1);
}

void TestMessageStore::searchUsesMailpitSyntax_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected"); // newest first
    const QList<SearchCorpus::Query> queries = SearchCorpus::queries();
    for (const SearchCorpus::Query &q : queries) {
        QTest::newRow(q.name) << q.query << q.expected;
    }
}

void TestMessageStore::searchUsesMailpitSyntax()
{
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    deliverSearchFixtures(*m_store);
    QString error;
    const std::optional<SearchResult> result = m_store->search(query, 0, 50, QTimeZone::utc(), &error);
    QVERIFY2(result, qPrintable(error));
    QCOMPARE(ids(result->messages), expected);
    QCOMPARE(result->matches, expected.size());
    QCOMPARE(m_store->searchIds(query), expected);
}

void TestMessageStore::searchCountsAndPages()
{
    deliverSearchFixtures(*m_store);
    const std::optional<SearchResult> page = m_store->search(QStringLiteral("bob"), 1, 1);
    QVERIFY(page);
    QCOMPARE(page->matches, 2); // D and A
    QCOMPARE(page->unreadMatches, 1); // D is read
    QCOMPARE(ids(page->messages), QStringList { QStringLiteral("A") });
    QCOMPARE(m_store->latestId(), QStringLiteral("E"));
    QCOMPARE(m_store->latestId(QStringLiteral("from:alice")), QStringLiteral("C"));
    QVERIFY(m_store->latestId(QStringLiteral("nothing-matches-this")).isEmpty());
    // Deleted messages leave the index.
    QVERIFY(m_store->remove({ QStringLiteral("C") }));
    QCOMPARE(m_store->searchIds(QStringLiteral("invoice")), (QStringList { QStringLiteral("E"), QStringLiteral("A") }));
    QVERIFY(m_store->removeAll());
    QVERIFY(m_store->searchIds(QStringLiteral("invoice")).isEmpty());
}

void TestMessageStore::migratesSchemaOneStores()
{
    // A store as the first release wrote it (schema 1: header summary only, no search index).
    m_store->close();
    const QString dir = m_dir->filePath(QStringLiteral("v1"));
    QVERIFY(QDir().mkpath(dir));
    {
        SqliteDatabase db;
        QVERIFY(db.open(dir + QStringLiteral("/letterbox.db"), SqliteDatabase::Mode::ReadWrite));
        QVERIFY(db.exec(R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE messages (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, received INTEGER NOT NULL,
    mail_from TEXT NOT NULL, rcpt_to TEXT NOT NULL, client_address TEXT NOT NULL, client_port INTEGER NOT NULL,
    helo TEXT NOT NULL, auth_user TEXT NOT NULL, tls INTEGER NOT NULL, from_header TEXT NOT NULL,
    to_header TEXT NOT NULL, cc_header TEXT NOT NULL, subject TEXT NOT NULL, date INTEGER NOT NULL,
    message_id TEXT NOT NULL, size INTEGER NOT NULL, has_attachments INTEGER NOT NULL,
    is_read INTEGER NOT NULL DEFAULT 0, session_id INTEGER NOT NULL, chunk_id INTEGER NOT NULL);
CREATE TABLE message_data (id INTEGER PRIMARY KEY, raw BLOB NOT NULL);
CREATE TABLE transcript_chunks (id INTEGER PRIMARY KEY, previous_id INTEGER NOT NULL, session_id INTEGER NOT NULL,
    entries TEXT NOT NULL);
INSERT INTO messages VALUES (1, 'OLD1', 1764000000000, 's@x.test', '["bob@beta.test","hidden@x.test"]',
    '127.0.0.1', 4000, 'h', '', 0, 'Alice', 'bob@beta.test', '', 'Old subject', 0, '', 120, 0, 1, 7, 1);
INSERT INTO message_data VALUES (1, CAST('Received: from h ([127.0.0.1]) by mx (Letterbox) with SMTP id OLD1; x' ||
    char(13, 10) || 'From: Alice <alice@alpha.test>' || char(13, 10) || 'To: bob@beta.test' || char(13, 10) ||
    'Subject: Old subject' || char(13, 10) || char(13, 10) || 'An archived walrus.' || char(13, 10) AS BLOB));
INSERT INTO transcript_chunks VALUES (1, 0, 7, '{"Time":"2026-01-01T00:00:00.000Z","Direction":"in","Text":"QUIT"},'
    || '{"Time":"2026-01-01T00:00:01.250Z","Direction":"out","Text":"221 2.0.0 Bye\n"}');
)sql"));
    }
    SqliteMessageStore store;
    QVERIFY2(store.open(dir), qPrintable(store.errorString()));
    QCOMPARE(store.count(), 1);
    QCOMPARE(store.unreadCount(), 0);
    QCOMPARE(store.searchIds(QStringLiteral("walrus")), QStringList { QStringLiteral("OLD1") });
    const std::optional<StoredMessage> m = store.message(QStringLiteral("OLD1"));
    QVERIFY(m);
    QCOMPARE(m->summary.fromList,
        MailAddressList { (MailAddress { QStringLiteral("Alice"), QStringLiteral("alice@alpha.test") }) });
    QCOMPARE(m->summary.bccList, MailAddressList { (MailAddress { QString(), QStringLiteral("hidden@x.test") }) });
    QCOMPARE(m->summary.snippet, QStringLiteral("An archived walrus."));
    QVERIFY(m->summary.read);
    // Its transcript, JSON in those releases, is rows now (migration 4), and the API words it as before.
    QCOMPARE(m->transcript.size(), 2);
    QCOMPARE(m->transcript.at(0).timeMs, Q_INT64_C(1767225600000)); // 2026-01-01T00:00:00.000Z
    QCOMPARE(m->transcript.at(0).direction, TranscriptEntry::Direction::In);
    QCOMPARE(m->transcript.at(0).text, QByteArray("QUIT"));
    QCOMPARE(m->transcript.at(1).timeMs, Q_INT64_C(1767225601250));
    QCOMPARE(m->transcript.at(1).direction, TranscriptEntry::Direction::Out);
    QCOMPARE(m->transcript.at(1).text, QByteArray("221 2.0.0 Bye\n"));
    const QJsonArray session = ApiJson::transcript(m->transcript).value(u"Transcript").toArray();
    QCOMPARE(session.at(1).toObject().value(u"Time").toString(), QStringLiteral("2026-01-01T00:00:01.250Z"));
    QCOMPARE(session.at(1).toObject().value(u"Direction").toString(), QStringLiteral("out"));
    // And new deliveries work on the migrated schema.
    QVERIFY(deliverAndWait(store, makeMessage("NEW1", Sample)).ok);
    QCOMPARE(store.searchIds(QStringLiteral("from:alice")),
        (QStringList { QStringLiteral("NEW1"), QStringLiteral("OLD1") }));
}

void TestMessageStore::refusesAStoreOfANewerSchema()
{
    // A newer release's migrations are unknown here: the store is left as it is, and says why.
    const QString path = m_store->databasePath();
    m_store->close();
    {
        SqliteDatabase db;
        QVERIFY(db.open(path, SqliteDatabase::Mode::ReadWrite));
        QVERIFY(db.exec("PRAGMA user_version = 9999"));
    }
    SqliteMessageStore store;
    QVERIFY(!store.open(m_dir->filePath(QStringLiteral("data"))));
    QVERIFY2(store.errorString().contains(QStringLiteral("made by a newer Letterbox (schema 9999")),
        qPrintable(store.errorString()));
}

void TestMessageStore::indexCatchesUpOffTheReplyPath()
{
    // Acknowledged before it is indexed: the summary is there at once, the index follows when deliveries pause.
    QVERIFY(deliverAndWait(*m_store, makeMessage("Q1", Sample)).ok);
    QCOMPARE(m_store->messages(0, 1).value(0).subject, QStringLiteral("Grüße"));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unindexedCount(), 0, 10000);
    QCOMPARE(m_store->searchIds(QStringLiteral("grüße")), QStringList { QStringLiteral("Q1") });
    // A search right after a delivery waits for the pending index: it never misses what was acknowledged.
    for (int i = 0; i < 20; ++i) {
        const QByteArray id = "R" + QByteArray::number(i);
        QVERIFY(
            deliverAndWait(*m_store, makeMessage(id, "Subject: needle" + QByteArray::number(i) + "\r\n\r\nx\r\n")).ok);
        QCOMPARE(
            m_store->searchIds(QStringLiteral("needle") + QString::number(i)), QStringList { QString::fromLatin1(id) });
    }
}

void TestMessageStore::completeSearchCoversAFloodOfMoreThan20000()
{
    // Right after a flood a search once found 0 of 32,022 matching messages: beyond 20,000 unindexed messages it did
    // not wait for the index. A search asked for complete results covers every message stored before it began.
    constexpr int Flood = 20100;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(deliverFlood(*m_store, Flood, "flood"));
    const qint64 deliveredMs = timer.restart();
    QVERIFY2(m_store->unindexedCount() > Flood / 2, "the index caught up before the search: nothing was tested");
    QString error;
    const std::optional<SearchResult> result
        = m_store->search(QStringLiteral("flood"), 0, 10, QTimeZone::utc(), &error);
    const qint64 searchMs = timer.elapsed();
    QVERIFY2(result, qPrintable(error));
    QCOMPARE(result->matches, Flood);
    QCOMPARE(result->messages.value(0).id, QStringLiteral("flood%1").arg(Flood - 1));
    QCOMPARE(m_store->unindexedCount(), 0);
    qInfo("%d messages delivered in %lld ms, then indexed and searched in %lld ms (%lld messages/s)", Flood,
        deliveredMs, searchMs, searchMs > 0 ? Flood * 1000 / searchMs : 0);
}

void TestMessageStore::deliveriesAreAcknowledgedDuringACompleteSearch()
{
    // Baseline: deliveries with nothing else for the writer to do.
    QList<qint64> baseline;
    for (int i = 0; i < 15; ++i) {
        QElapsedTimer t;
        t.start();
        QVERIFY(deliverAndWait(*m_store, makeMessage("B" + QByteArray::number(i), Sample)).ok);
        baseline << t.nsecsElapsed();
    }
    std::sort(baseline.begin(), baseline.end());
    // A backlog the search must index first (below the old 20,000 cut-off, so that the old code waited for it).
    constexpr int Backlog = 12000;
    QVERIFY(deliverFlood(*m_store, Backlog, "backlog"));
    QVERIFY(m_store->unindexedCount() > Backlog / 2);
    std::atomic<bool> searching { true };
    QElapsedTimer searchTimer;
    searchTimer.start();
    std::optional<SearchResult> found;
    std::thread search([&] {
        found = m_store->search(QStringLiteral("backlog"), 0, 1);
        searching = false;
    });
    // Deliveries while the search indexes: each is acknowledged after a slice of indexing, not the whole backlog.
    QList<qint64> during;
    int i = 0;
    while (searching && i < 1000) {
        QElapsedTimer t;
        t.start();
        QVERIFY(deliverAndWait(*m_store, makeMessage("D" + QByteArray::number(i++), Sample)).ok);
        if (searching) {
            during << t.nsecsElapsed();
        }
    }
    search.join();
    const qint64 searchNs = searchTimer.nsecsElapsed();
    QVERIFY(found);
    QCOMPARE(found->matches, Backlog);
    std::sort(during.begin(), during.end());
    const qint64 baselineMedian = baseline.at(baseline.size() / 2);
    qInfo("search over a backlog of %d took %.0f ms; %lld deliveries during it: median %.1f ms, max %.1f ms "
          "(baseline median %.1f ms, ratio %.1f)",
        Backlog, searchNs / 1e6, qint64(during.size()), during.isEmpty() ? 0.0 : during.at(during.size() / 2) / 1e6,
        during.isEmpty() ? 0.0 : during.last() / 1e6, baselineMedian / 1e6,
        during.isEmpty() ? 0.0 : double(during.at(during.size() / 2)) / double(baselineMedian));
    // The indexing runs in slices with the writer free between them: several deliveries are acknowledged while it
    // runs, each in a small part of its time.
    QVERIFY2(during.size() >= 3, qPrintable(QString::number(during.size())));
    QVERIFY2(during.last() * 4 < searchNs, qPrintable(QString::number(during.last() / 1e6)));
}

void TestMessageStore::dataIsReadableByItsOwnerOnly()
{
    // Caught mail (password resets, tokens) is for the user running Letterbox: a directory the store creates is
    // 0700 and its database files 0600, whatever the umask.
    QVERIFY(deliverAndWait(*m_store, makeMessage("P1", Sample)).ok);
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QCOMPARE(modeOf(data), 0700);
    for (const char *file : { "letterbox.db", "letterbox.db-wal", "letterbox.db-shm" }) {
        QCOMPARE(modeOf(data + QLatin1Char('/') + QLatin1String(file)), 0600);
    }
    m_store->close();

    // A store an earlier version left readable: its files are tightened. The directory was given by the user and
    // already existed (it may be shared, say a project folder), so it is left alone.
    const QString given = m_dir->filePath(QStringLiteral("given"));
    QVERIFY(QDir().mkpath(given));
    QVERIFY(::chmod(QFile::encodeName(given).constData(), 0755) == 0);
    QFile::copy(data + QStringLiteral("/letterbox.db"), given + QStringLiteral("/letterbox.db"));
    QVERIFY(::chmod(QFile::encodeName(given + QStringLiteral("/letterbox.db")).constData(), 0644) == 0);
    SqliteMessageStore store;
    QVERIFY2(store.open(given), qPrintable(store.errorString()));
    QVERIFY(deliverAndWait(store, makeMessage("P2", Sample)).ok);
    QCOMPARE(modeOf(given), 0755);
    for (const char *file : { "letterbox.db", "letterbox.db-wal", "letterbox.db-shm" }) {
        QCOMPARE(modeOf(given + QLatin1Char('/') + QLatin1String(file)), 0600);
    }
    store.close();

    // The default data directory is Letterbox's own: one an earlier version made 0755 is tightened.
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir->filePath(QStringLiteral("xdg"))));
    const QString own = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QVERIFY(own.startsWith(m_dir->path()));
    QVERIFY(QDir().mkpath(own));
    QVERIFY(::chmod(QFile::encodeName(own).constData(), 0755) == 0);
    SqliteMessageStore defaultStore;
    QVERIFY2(defaultStore.open(own), qPrintable(defaultStore.errorString()));
    QCOMPARE(modeOf(own), 0700);
    QCOMPARE(modeOf(own + QStringLiteral("/letterbox.db")), 0600);
    QCOMPARE(modeOf(own + QStringLiteral("/letterbox.reserve")), 0600);
    qunsetenv("XDG_DATA_HOME");
}

void TestMessageStore::failedWritesAreReported()
{
    QStringList ids;
    for (const char *id : { "W1", "W2", "W3" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
        ids << QString::fromLatin1(id);
    }
    QSignalSpy failed(m_store.get(), &MessageStore::writeFailed);
    QVERIFY(m_store->refuseWritesForTesting(true));
    // Each says why, changes nothing and is reported (a window shows it, not just the log).
    QString error;
    QVERIFY(!m_store->remove(ids.mid(0, 2), &error));
    QCOMPARE(error, QStringLiteral("not authorized"));
    QVERIFY(!m_store->removeAll(&error));
    QVERIFY(!m_store->setRead({ ids.at(2) }, true, &error));
    QVERIFY(!deliverAndWait(*m_store, makeMessage("W4", Sample)).ok);
    QTRY_COMPARE(failed.size(), 4);
    const QList<QPair<MessageStore::Write, qint64>> expected { { MessageStore::Write::Removal, 2 },
        { MessageStore::Write::RemovalOfAll, 3 }, { MessageStore::Write::MarkRead, 1 },
        { MessageStore::Write::Delivery, 1 } };
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QCOMPARE(failed.at(i).at(0).value<MessageStore::Write>(), expected.at(i).first);
        QCOMPARE(failed.at(i).at(1).toLongLong(), expected.at(i).second);
        QCOMPARE(failed.at(i).at(2).toString(), QStringLiteral("not authorized"));
    }
    QCOMPARE(m_store->count(), 3);
    QCOMPARE(m_store->unreadCount(), 3);
    QVERIFY(m_store->refuseWritesForTesting(false));
    QVERIFY(m_store->remove(ids.mid(0, 2), &error));
    QVERIFY(error.isEmpty());
    QCOMPARE(m_store->count(), 1);
    QCOMPARE(failed.size(), 4);
}

void TestMessageStore::indexedOnlySearchesSayWhatTheyMiss()
{
    // Just after a flood: a search that may not wait answers from the index as it is and says what it may miss;
    // the store says when the index has caught up.
    QSignalSpy caughtUp(m_store.get(), &MessageStore::indexingCaughtUp);
    constexpr int Flood = 3000;
    QVERIFY(deliverFlood(*m_store, Flood, "pending"));
    QElapsedTimer timer;
    timer.start();
    QString error;
    const std::optional<SearchResult> partial
        = m_store->search(QStringLiteral("pending"), 0, 10, QTimeZone::utc(), &error, SearchCompleteness::IndexedOnly);
    QVERIFY2(partial, qPrintable(error));
    QVERIFY2(partial->unindexed > 0, "indexed before the search: nothing was tested");
    QVERIFY(partial->matches + partial->unindexed >= Flood);
    const std::optional<SearchResult> sorted
        = m_store->list(QString(), { MessageSort::Key::Subject, Qt::AscendingOrder }, 0, 10, QTimeZone::utc(), &error,
            SearchCompleteness::IndexedOnly);
    QVERIFY(sorted);
    QVERIFY(sorted->unindexed > 0); // sort keys come with the index
    // The list everyone opens on (newest first, no query) needs no index: it is always complete.
    const std::optional<SearchResult> newest
        = m_store->list(QString(), MessageSort(), 0, 10, QTimeZone::utc(), &error, SearchCompleteness::IndexedOnly);
    QCOMPARE(newest->unindexed, 0);
    QCOMPARE(newest->matches, Flood);
    QTRY_VERIFY_WITH_TIMEOUT(caughtUp.size() > 0, 30000);
    QCOMPARE(m_store->unindexedCount(), 0);
    const std::optional<SearchResult> complete
        = m_store->search(QStringLiteral("pending"), 0, 10, QTimeZone::utc(), &error, SearchCompleteness::IndexedOnly);
    QCOMPARE(complete->unindexed, 0);
    QCOMPARE(complete->matches, Flood);
}

void TestMessageStore::asynchronousReadsAnswerOnTheCallersThread()
{
    QVERIFY(deliverFlood(*m_store, 30, "async"));
    QObject context;
    std::optional<ListReply> answer;
    QThread *answeredOn = nullptr;
    ListRequest request;
    request.limit = 10;
    m_store->list(request, &context, [&](const ListReply &reply) {
        answer = reply;
        answeredOn = QThread::currentThread();
    });
    // Never inside the call: from the event loop.
    QVERIFY(!answer);
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 5000);
    QCOMPARE(answeredOn, QThread::currentThread());
    QVERIFY(answer->result);
    QCOMPARE(answer->result->matches, 30);
    QCOMPARE(answer->result->messages.size(), 10);
    QCOMPARE(answer->result->messages.first().id, QStringLiteral("async29"));
    // A query that cannot run says why.
    std::optional<ListReply> refused;
    request.query = QStringLiteral("\"");
    request.sort.key = MessageSort::Key::Subject;
    m_store->list(request, &context, [&](const ListReply &reply) { refused = reply; });
    QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 5000);
    QVERIFY(!refused->result);
    QVERIFY(!refused->error.isEmpty());
    std::optional<std::optional<MessageSummary>> summary;
    m_store->summary(
        QStringLiteral("async3"), &context, [&](const std::optional<MessageSummary> &found) { summary = found; });
    QTRY_VERIFY_WITH_TIMEOUT(summary.has_value(), 5000);
    QVERIFY(summary->has_value());
    QCOMPARE((*summary)->subject, QStringLiteral("async 3"));
}

void TestMessageStore::asynchronousWritesCallBackWhenDurable()
{
    QVERIFY(deliverFlood(*m_store, 3, "w"));
    QObject context;
    QSignalSpy read(m_store.get(), &MessageStore::readChanged);
    QSignalSpy removed(m_store.get(), &MessageStore::messagesRemoved);
    std::optional<QString> marked;
    m_store->setRead(
        { QStringLiteral("w0"), QStringLiteral("w1") }, true, &context, [&](const QString &error) { marked = error; });
    QTRY_VERIFY_WITH_TIMEOUT(marked.has_value(), 5000);
    QCOMPARE(*marked, QString());
    // The change signal came first (both queued to this thread, in that order).
    QCOMPARE(read.size(), 1);
    QCOMPARE(m_store->unreadCount(), 1);
    std::optional<QString> deleted;
    m_store->remove({ QStringLiteral("w2") }, &context, [&](const QString &error) { deleted = error; });
    QTRY_VERIFY_WITH_TIMEOUT(deleted.has_value(), 5000);
    QCOMPARE(*deleted, QString());
    QCOMPARE(removed.size(), 1);
    QCOMPARE(m_store->count(), 2);
    // A failed write says why, and changes nothing.
    QVERIFY(m_store->refuseWritesForTesting(true));
    std::optional<QString> refused;
    m_store->removeAll(&context, [&](const QString &error) { refused = error; });
    QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 5000);
    QVERIFY(refused->contains(QStringLiteral("not authorized")));
    QCOMPARE(m_store->count(), 2);
    QVERIFY(m_store->refuseWritesForTesting(false));
}

void TestMessageStore::anAnswerForAGoneContextIsDropped()
{
    QVERIFY(deliverFlood(*m_store, 5, "gone"));
    int called = 0;
    for (int i = 0; i < 20; ++i) {
        auto context = std::make_unique<QObject>();
        m_store->list(ListRequest {}, context.get(), [&](const ListReply &) { ++called; });
        m_store->setRead({ QStringLiteral("gone1") }, i % 2 == 0, context.get(), [&](const QString &) { ++called; });
        context.reset();
    }
    // Every read and write ran; none called back.
    QObject alive;
    bool done = false;
    m_store->list(ListRequest {}, &alive, [&](const ListReply &) { done = true; });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QTest::qWait(100);
    QCOMPARE(called, 0);
}

void TestMessageStore::migratesStoresIntoInbox()
{
    // A store of schema 6 (before mailboxes): made by this build, then the objects of migrations 7 on taken out again.
    for (const char *id : { "M1", "M2", "M3" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QVERIFY(m_store->setRead({ QStringLiteral("M2") }, true));
    const QString path = m_store->databasePath();
    m_store->close();
    {
        SqliteDatabase db;
        QVERIFY(db.open(path, SqliteDatabase::Mode::ReadWrite));
        QVERIFY(db.exec(R"sql(
DROP TRIGGER messages_inserted;
DROP TRIGGER messages_deleted;
DROP TRIGGER messages_moved;
DROP INDEX messages_mailbox;
DROP INDEX messages_pinned;
DROP INDEX messages_facts;
DROP INDEX messages_bounce_of;
DROP TABLE bounce_queue;
ALTER TABLE messages DROP COLUMN bounce_of;
ALTER TABLE messages DROP COLUMN bounce_rule;
CREATE INDEX messages_facts ON messages (id, is_read, received, size, attachments, inlines, message_id);
ALTER TABLE messages DROP COLUMN mailbox_id;
ALTER TABLE messages DROP COLUMN pinned;
ALTER TABLE messages DROP COLUMN copy_of;
DROP TABLE mailboxes;
DROP TABLE message_tags;
DROP TABLE tags;
DROP TABLE refused_sessions;
DROP TABLE refused_session_entries;
PRAGMA user_version = 6;
)sql"));
    }
    SqliteMessageStore store;
    QVERIFY2(store.open(m_dir->filePath(QStringLiteral("data"))), qPrintable(store.errorString()));
    // CONTRACT "Mailboxes": Inbox always exists; every message of an earlier store lives there.
    QCOMPARE(store.mailboxes(), (QList<MailboxCount> { { QStringLiteral("Inbox"), 3, 2 } }));
    for (const char *id : { "M1", "M2", "M3" }) {
        const std::optional<MessageSummary> s = store.summary(QString::fromLatin1(id));
        QVERIFY(s);
        QCOMPARE(s->mailbox, QStringLiteral("Inbox"));
        QCOMPARE(s->tags, QStringList());
        QVERIFY(!s->pinned);
    }
    const std::optional<SearchResult> inbox = store.list(QString(), MessageSort(), 0, 10, QTimeZone::utc(), nullptr,
        SearchCompleteness::Complete, QStringLiteral("inbox"));
    QVERIFY(inbox);
    QCOMPARE(inbox->matches, 3);
    QCOMPARE(inbox->unreadMatches, 2);
    QCOMPARE(inbox->messages.size(), 3);
    QCOMPARE(store.tags(), QStringList());
}

void TestMessageStore::tagsOnArrival_data()
{
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<QStringList>("tags");
    // Mailpit: X-Tags values are comma-separated and trimmed; plus-addresses give the parts after the first '+';
    // a tag keeps ASCII letters, digits, ' ', '-', '_' and '.', anything else becomes a space; sorted bytewise.
    QTest::newRow("no X-Tags and no plus-address") << QByteArray() << QByteArrayList { "bob@y.test" } << QStringList();
    QTest::newRow("X-Tags values are comma-separated and trimmed")
        << QByteArray("X-Tags: beta , alpha,,  gamma \r\n") << QByteArrayList { "bob@y.test" }
        << QStringList { "alpha", "beta", "gamma" };
    QTest::newRow("the header name ignores case")
        << QByteArray("x-tags: one\r\n") << QByteArrayList { "bob@y.test" } << QStringList { "one" };
    QTest::newRow("a folded X-Tags header is one value")
        << QByteArray("X-Tags: one,\r\n two\r\n") << QByteArrayList { "bob@y.test" } << QStringList { "one", "two" };
    QTest::newRow("other characters become spaces, runs of spaces one")
        << QByteArray("X-Tags: a/b!!c,  spaced   out ,v1.2_x-y\r\n") << QByteArrayList { "bob@y.test" }
        << QStringList { "a b c", "spaced out", "v1.2_x-y" };
    QTest::newRow("a plus-address gives a tag")
        << QByteArray() << QByteArrayList { "bob+shop@y.test" } << QStringList { "shop" };
    QTest::newRow("every part after the first plus is a tag")
        << QByteArray() << QByteArrayList { "bob+one+two@y.test", "carol@y.test" } << QStringList { "one", "two" };
    QTest::newRow("a tag twice in different case is one, the first spelling kept")
        << QByteArray("X-Tags: Shop\r\n") << QByteArrayList { "bob+shop@y.test" } << QStringList { "Shop" };
    QTest::newRow("sorted bytewise: capitals first")
        << QByteArray("X-Tags: alpha, Zeta, beta\r\n") << QByteArrayList { "bob@y.test" }
        << QStringList { "Zeta", "alpha", "beta" };
    // CONTRACT "Settled details": plus-address tags also come from the To and Cc addresses.
    QTest::newRow("a plus-address in To gives a tag")
        << QByteArray("To: \"Bob + Co\" <bob+fromto@y.test>, carol@y.test\r\n") << QByteArrayList { "bob@y.test" }
        << QStringList { "fromto" };
    QTest::newRow("a plus-address in Cc gives a tag")
        << QByteArray("Cc: dan+fromcc@y.test\r\n") << QByteArrayList { "bob@y.test" } << QStringList { "fromcc" };
    QTest::newRow("a plus in a display name alone is no tag")
        << QByteArray("To: \"Bob+Co\" <bob@y.test>\r\n") << QByteArrayList { "bob@y.test" } << QStringList();
    QTest::newRow("a plus-address in Reply-To is none")
        << QByteArray("Reply-To: bob+reply@y.test\r\n") << QByteArrayList { "bob@y.test" } << QStringList();
    QTest::newRow("X-Tags in the body is no header")
        << QByteArray("\r\nX-Tags: body\r\n") << QByteArrayList { "bob@y.test" } << QStringList();
}

void TestMessageStore::tagsOnArrival()
{
    QFETCH(QByteArray, headers);
    QFETCH(QByteArrayList, rcptTo);
    QFETCH(QStringList, tags);
    IncomingMessage m = makeMessage("TAG1", "From: a@x.test\r\nSubject: tags\r\n" + headers + "\r\nbody\r\n");
    m.envelope.rcptTo = rcptTo;
    const DeliveryResult delivered = deliverAndWait(*m_store, m);
    QVERIFY(delivered.ok);
    QCOMPARE(delivered.summary.tags, tags);
    QCOMPARE(m_store->summary(QStringLiteral("TAG1"))->tags, tags);
    QStringList inUse = tags;
    std::sort(inUse.begin(), inUse.end());
    QCOMPARE(m_store->tags(), inUse);
}

void TestMessageStore::setsRenamesAndDeletesTags()
{
    IncomingMessage tagged = makeMessage("T1", "Subject: one\r\nX-Tags: Invoice\r\n\r\nx\r\n");
    QVERIFY(deliverAndWait(*m_store, tagged).ok);
    QVERIFY(deliverAndWait(*m_store, makeMessage("T2", "Subject: two\r\n\r\nx\r\n")).ok);
    QVERIFY(deliverAndWait(*m_store, makeMessage("T3", "Subject: three\r\n\r\nx\r\n")).ok);
    QSignalSpy changed(m_store.get(), &MessageStore::tagsChanged);

    // Exactly those tags; an existing tag in another case keeps its spelling; unknown IDs are passed over.
    QString error;
    QVERIFY2(m_store->setTags({ QStringLiteral("T2"), QStringLiteral("T3"), QStringLiteral("nope") },
                 { QStringLiteral("invoice"), QStringLiteral("urgent"), QStringLiteral(" urgent ") }, &error),
        qPrintable(error));
    QCOMPARE(m_store->summary(QStringLiteral("T2"))->tags, (QStringList { "Invoice", "urgent" }));
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toStringList(), (QStringList { "T2", "T3" }));
    QVERIFY(m_store->setTags({ QStringLiteral("T3") }, { QStringLiteral("later") }));
    QCOMPARE(m_store->summary(QStringLiteral("T3"))->tags, QStringList { "later" });
    QCOMPARE(m_store->tags(), (QStringList { "Invoice", "later", "urgent" }));
    QCOMPARE(m_store->tagCounts(),
        (QList<TagCount> {
            { QStringLiteral("Invoice"), 2 }, { QStringLiteral("later"), 1 }, { QStringLiteral("urgent"), 1 } }));
    QCOMPARE(m_store->searchIds(QStringLiteral("tag:invoice")), (QStringList { "T2", "T1" }));
    QCOMPARE(m_store->searchIds(QStringLiteral("is:tagged -tag:urgent")), (QStringList { "T3", "T1" }));

    // Renaming: Mailpit's refusals, then the rename every tagged message shows.
    QVERIFY(!m_store->renameTag(QStringLiteral("missing"), QStringLiteral("x"), &error));
    QCOMPARE(error, QStringLiteral("tag not found: missing"));
    QVERIFY(!m_store->renameTag(QStringLiteral("urgent"), QStringLiteral("later"), &error));
    QCOMPARE(error, QStringLiteral("tag already exists: later"));
    QVERIFY(!m_store->renameTag(QStringLiteral("urgent"), QStringLiteral("!!"), &error));
    QCOMPARE(error, QStringLiteral("invalid tag name: "));
    QVERIFY2(m_store->renameTag(QStringLiteral("Invoice"), QStringLiteral("Billing"), &error), qPrintable(error));
    QCOMPARE(m_store->summary(QStringLiteral("T1"))->tags, QStringList { "Billing" });
    QCOMPARE(m_store->summary(QStringLiteral("T2"))->tags, (QStringList { "Billing", "urgent" }));
    QTRY_COMPARE(changed.size(), 3);
    QCOMPARE(changed.at(2).at(0).toStringList(), (QStringList { "T1", "T2" }));

    // Deleting a tag leaves the messages; a tag no message carries goes from the list.
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

void TestMessageStore::pinnedMessagesSurviveDeleteAllAndRetention()
{
    for (const char *id : { "P1", "P2", "P3", "P4" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QSignalSpy pinnedSpy(m_store.get(), &MessageStore::pinnedChanged);
    QVERIFY(m_store->setPinned({ QStringLiteral("P1"), QStringLiteral("P3") }, true));
    QVERIFY(m_store->summary(QStringLiteral("P1"))->pinned);
    QVERIFY(!m_store->summary(QStringLiteral("P2"))->pinned);
    QTRY_COMPARE(pinnedSpy.size(), 1);
    QCOMPARE(pinnedSpy.at(0).at(0).toStringList(), (QStringList { "P1", "P3" }));
    QCOMPARE(pinnedSpy.at(0).at(1).toBool(), true);
    // How many Delete All keeps: the two pinned of four.
    QCOMPARE(m_store->pinnedCount(), 2);

    // Deleting by search (removeUnpinned) skips them.
    QVERIFY(m_store->removeUnpinned({ QStringLiteral("P1"), QStringLiteral("P2") }));
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P4", "P3", "P1" }));

    // Delete-all keeps them, and says which went instead of "every message went".
    QSignalSpy cleared(m_store.get(), &MessageStore::messagesCleared);
    QSignalSpy removed(m_store.get(), &MessageStore::messagesRemoved);
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P3", "P1" }));
    QCOMPARE(m_store->count(), 2);
    QCOMPARE(m_store->mailboxes(), (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 2 } }));
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).toStringList(), QStringList { "P4" });
    QCOMPARE(cleared.size(), 0);

    // Retention prunes the oldest unpinned messages only.
    m_store->setMaxMessages(3);
    for (const char *id : { "P5", "P6", "P7" }) {
        QVERIFY(deliverAndWait(*m_store, makeMessage(id, Sample)).ok);
    }
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "P7", "P3", "P1" }));
    QCOMPARE(m_store->count(), 3);
    QCOMPARE(m_store->pinnedCount(), 2);

    // Deleting a pinned message by its ID deletes it; unpinned, delete-all takes it.
    QVERIFY(m_store->remove({ QStringLiteral("P1") }));
    QVERIFY(!m_store->summary(QStringLiteral("P1")));
    QCOMPARE(m_store->pinnedCount(), 1);
    QVERIFY(m_store->setPinned({ QStringLiteral("P3") }, false));
    QVERIFY(!m_store->summary(QStringLiteral("P3"))->pinned);
    QCOMPARE(m_store->pinnedCount(), 0);
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->count(), 0);
    QTRY_COMPARE(cleared.size(), 1);
    QCOMPARE(cleared.at(0).at(0).toLongLong(), 2);
}

void TestMessageStore::countsPerMailbox()
{
    QSignalSpy made(m_store.get(), &MessageStore::mailboxesChanged);
    const auto into = [](const QByteArray &id, const QString &mailbox) {
        IncomingMessage m = makeMessage(id, "Subject: " + id + "\r\n\r\nx\r\n");
        m.mailbox = mailbox;
        return m;
    };
    QVERIFY(deliverAndWait(*m_store, into("I1", MailboxName::inbox())).ok);
    const DeliveryResult shop = deliverAndWait(*m_store, into("S1", QStringLiteral("shop")));
    QVERIFY(shop.ok);
    QCOMPARE(shop.summary.mailbox, QStringLiteral("shop"));
    QVERIFY(deliverAndWait(*m_store, into("B1", QStringLiteral("billing"))).ok);
    // Names are case-insensitive: the mailbox keeps the spelling it was made with.
    const DeliveryResult again = deliverAndWait(*m_store, into("S2", QStringLiteral("SHOP")));
    QVERIFY(again.ok);
    QCOMPARE(again.summary.mailbox, QStringLiteral("shop"));
    QVERIFY(deliverAndWait(*m_store, into("I2", QStringLiteral("inbox"))).ok);
    QVERIFY(m_store->setRead({ QStringLiteral("S1") }, true));
    // CONTRACT "Mailboxes": names are 1-64 of letters, digits, '.', '_', '-'.
    const DeliveryResult bad = deliverAndWait(*m_store, into("X1", QStringLiteral("no/slash")));
    QVERIFY(!bad.ok);
    QVERIFY2(bad.errorString.contains(QStringLiteral("invalid mailbox name")), qPrintable(bad.errorString));

    // Inbox first, then in the order made.
    QCOMPARE(m_store->mailboxes(),
        (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 2 }, { QStringLiteral("shop"), 2, 1 },
            { QStringLiteral("billing"), 1, 1 } }));
    QTRY_COMPARE(made.size(), 2);
    QCOMPARE(m_store->summary(QStringLiteral("S2"))->mailbox, QStringLiteral("shop"));

    // A mailbox's list: its own messages and counts; an unknown one has none.
    const std::optional<SearchResult> page = m_store->list(QString(), MessageSort(), 0, 1, QTimeZone::utc(), nullptr,
        SearchCompleteness::Complete, QStringLiteral("Shop"));
    QVERIFY(page);
    QCOMPARE(page->matches, 2);
    QCOMPARE(page->unreadMatches, 1);
    QCOMPARE(page->messages.size(), 1);
    QCOMPARE(page->messages.at(0).id, QStringLiteral("S2"));
    const std::optional<SearchResult> none = m_store->list(QString(), MessageSort(), 0, 10, QTimeZone::utc(), nullptr,
        SearchCompleteness::Complete, QStringLiteral("nowhere"));
    QVERIFY(none);
    QCOMPARE(none->matches, 0);
    QVERIFY(none->messages.isEmpty());
    const std::optional<SearchResult> found = m_store->search(QStringLiteral("subject:S1"), 0, 10, QTimeZone::utc(),
        nullptr, SearchCompleteness::Complete, QStringLiteral("billing"));
    QVERIFY(found);
    QCOMPARE(found->matches, 0);
    QCOMPARE(m_store->searchIds(QStringLiteral("mailbox:shop")), (QStringList { "S2", "S1" }));
    QCOMPARE(m_store->searchIds(QStringLiteral("-mailbox:shop -mailbox:inbox")), QStringList { "B1" });

    // Every change keeps the counts right.
    QVERIFY(m_store->remove({ QStringLiteral("S2") }));
    QVERIFY(m_store->setRead({ QStringLiteral("B1") }, true));
    QCOMPARE(m_store->mailboxes(),
        (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 2 }, { QStringLiteral("shop"), 1, 0 },
            { QStringLiteral("billing"), 1, 0 } }));
    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->mailboxes(),
        (QList<MailboxCount> { { QStringLiteral("Inbox"), 0, 0 }, { QStringLiteral("shop"), 0, 0 },
            { QStringLiteral("billing"), 0, 0 } }));
}

void TestMessageStore::mailboxIndexUidsAscendAndAreNeverReused()
{
    // RFC 3501 §2.3.1.1: UIDs ascend in arrival order and are never given again, not even the newest one's after
    // it is deleted (which SQLite's row ids would reuse), and UIDVALIDITY stays across a restart.
    const auto into = [](const QByteArray &id, const QString &mailbox) {
        IncomingMessage m = makeMessage(id, "From: a@example.com\r\nSubject: " + id + "\r\n\r\nx\r\n");
        m.mailbox = mailbox;
        return m;
    };
    QVERIFY(deliverAndWait(*m_store, into("U1", MailboxName::inbox())).ok);
    QVERIFY(deliverAndWait(*m_store, into("U2", QStringLiteral("shop"))).ok);
    QVERIFY(deliverAndWait(*m_store, into("U3", MailboxName::inbox())).ok);
    QVERIFY(m_store->setRead({ QStringLiteral("U3") }, true));
    QVERIFY(m_store->setPinned({ QStringLiteral("U1") }, true));

    // Parsed: header texts for a search even before the deferred parse has run.
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
    QCOMPARE(first.size, m_store->summary(QStringLiteral("U1"))->size);
    QCOMPARE(inbox->uidNext, second.uid + 1);
    QVERIFY(!m_store->mailboxIndex(QStringLiteral("nowhere")));
    // The source by pooled read, whole or its start (a mail client's header fetch).
    const QByteArray raw = m_store->message(QStringLiteral("U1"))->raw;
    QVERIFY(raw.contains("Subject: U1"));
    QCOMPARE(m_store->source(QStringLiteral("U1")), std::optional<QByteArray>(raw));
    QCOMPARE(m_store->source(QStringLiteral("U1"), 10), std::optional<QByteArray>(raw.left(10)));
    QVERIFY(!m_store->source(QStringLiteral("nowhere")));

    // The newest message goes, and after a restart another arrives: its UID is past the deleted one's.
    const qint64 validity = inbox->uidValidity;
    QVERIFY(m_store->remove({ QStringLiteral("U3") }));
    m_store->close();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    QVERIFY(deliverAndWait(*m_store, into("U4", MailboxName::inbox())).ok);
    inbox = m_store->mailboxIndex(MailboxName::inbox());
    QVERIFY(inbox);
    QCOMPARE(inbox->uidValidity, validity);
    QCOMPARE(inbox->entries.size(), 2);
    QCOMPARE(inbox->entries.at(1).id, QStringLiteral("U4"));
    QVERIFY(inbox->entries.at(1).uid > second.uid);
    QCOMPARE(inbox->uidNext, inbox->entries.at(1).uid + 1);
    // A mailbox's UIDNEXT stays when its newest message goes.
    const std::optional<MailboxIndex> shop = m_store->mailboxIndex(QStringLiteral("shop"));
    QVERIFY(shop);
    QVERIFY(m_store->remove({ QStringLiteral("U2") }));
    QCOMPARE(m_store->mailboxIndex(QStringLiteral("shop"))->uidNext, shop->uidNext);
    QVERIFY(m_store->mailboxIndex(QStringLiteral("shop"))->entries.isEmpty());
}

void TestMessageStore::tagsPinsAndMailboxesHaveAsynchronousForms()
{
    QVERIFY(deliverFlood(*m_store, 3, "a"));
    QObject context;
    QSignalSpy tagged(m_store.get(), &MessageStore::tagsChanged);
    QSignalSpy pinned(m_store.get(), &MessageStore::pinnedChanged);
    std::optional<QString> tagging;
    m_store->setTags(
        { QStringLiteral("a0") }, { QStringLiteral("x") }, &context, [&](const QString &error) { tagging = error; });
    QVERIFY(!tagging);
    QTRY_VERIFY_WITH_TIMEOUT(tagging.has_value(), 5000);
    QCOMPARE(*tagging, QString());
    // The change signal came first.
    QCOMPARE(tagged.size(), 1);
    std::optional<QString> renamed;
    m_store->renameTag(
        QStringLiteral("x"), QStringLiteral("y"), &context, [&](const QString &error) { renamed = error; });
    QTRY_VERIFY_WITH_TIMEOUT(renamed.has_value(), 5000);
    QCOMPARE(*renamed, QString());
    // A refusal is the answer; no write failed.
    QSignalSpy failed(m_store.get(), &MessageStore::writeFailed);
    std::optional<QString> missing;
    m_store->deleteTag(QStringLiteral("x"), &context, [&](const QString &error) { missing = error; });
    QTRY_VERIFY_WITH_TIMEOUT(missing.has_value(), 5000);
    QCOMPARE(*missing, QStringLiteral("tag not found: x"));
    QCOMPARE(failed.size(), 0);
    std::optional<QString> pinning;
    m_store->setPinned({ QStringLiteral("a1") }, true, &context, [&](const QString &error) { pinning = error; });
    QTRY_VERIFY_WITH_TIMEOUT(pinning.has_value(), 5000);
    QCOMPARE(pinned.size(), 1);
    std::optional<QString> kept;
    m_store->removeUnpinned(
        { QStringLiteral("a1"), QStringLiteral("a2") }, &context, [&](const QString &error) { kept = error; });
    QTRY_VERIFY_WITH_TIMEOUT(kept.has_value(), 5000);
    QCOMPARE(m_store->searchIds(QString()), (QStringList { "a1", "a0" }));

    std::optional<QList<MailboxCount>> boxes;
    QThread *answeredOn = nullptr;
    m_store->mailboxes(&context, [&](const QList<MailboxCount> &answer) {
        boxes = answer;
        answeredOn = QThread::currentThread();
    });
    QVERIFY(!boxes);
    QTRY_VERIFY_WITH_TIMEOUT(boxes.has_value(), 5000);
    QCOMPARE(answeredOn, QThread::currentThread());
    QCOMPARE(*boxes, (QList<MailboxCount> { { QStringLiteral("Inbox"), 2, 2 } }));
    std::optional<QStringList> names;
    m_store->tags(&context, [&](const QStringList &answer) { names = answer; });
    QTRY_VERIFY_WITH_TIMEOUT(names.has_value(), 5000);
    QCOMPARE(*names, QStringList { "y" });
    std::optional<qint64> pinnedMessages;
    QThread *countedOn = nullptr;
    m_store->pinnedCount(&context, [&](qint64 answer) {
        pinnedMessages = answer;
        countedOn = QThread::currentThread();
    });
    QVERIFY(!pinnedMessages);
    QTRY_VERIFY_WITH_TIMEOUT(pinnedMessages.has_value(), 5000);
    QCOMPARE(countedOn, QThread::currentThread());
    // a1 alone was pinned.
    QCOMPARE(*pinnedMessages, 1);
    std::optional<ListReply> listed;
    ListRequest request;
    request.limit = 10;
    request.mailbox = QStringLiteral("INBOX");
    request.sort.key = MessageSort::Key::Subject;
    request.sort.order = Qt::AscendingOrder;
    m_store->list(request, &context, [&](const ListReply &reply) { listed = reply; });
    QTRY_VERIFY_WITH_TIMEOUT(listed.has_value(), 5000);
    QVERIFY(listed->result);
    QCOMPARE(listed->result->matches, 2);
    QCOMPARE(listed->result->messages.size(), 2);
    QCOMPARE(listed->result->messages.at(0).id, QStringLiteral("a0"));
    QCOMPARE(listed->result->messages.at(0).tags, QStringList { "y" });
    QVERIFY(listed->result->messages.at(1).pinned);
}

QTEST_GUILESS_MAIN(TestMessageStore)
#include "tst_messagestore.moc"
