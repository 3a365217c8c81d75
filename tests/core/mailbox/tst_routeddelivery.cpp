// RoutedDelivery: a message handed over is stored once per mailbox its recipients route to (CONTRACT "Mailboxes": each
// copy with its own ID, read flag and tags; the same envelope and the same source but for the id of its Received:
// header, which names that copy's ID), and the sender hears once, after every copy.
#include <mailbox/mailboxsettings.h>
#include <mailbox/routeddelivery.h>
#include <message/clientaddress.h>

#include <QTest>

namespace {
// The store's side: keeps what it is handed and answers when told.
class RecordingStore : public MessageDelivery
{
public:
    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override
    {
        handed.push_back({ std::move(message), std::move(done) });
        ++calls;
    }
    void deliverAll(std::vector<Delivery> deliveries) override
    {
        for (Delivery &d : deliveries) {
            handed.push_back(std::move(d));
        }
        ++calls;
    }
    void answer(qsizetype i, bool ok)
    {
        DeliveryResult result;
        result.ok = ok;
        result.errorString = ok ? QString() : QStringLiteral("disk full");
        result.summary.id = QString::fromLatin1(handed.at(size_t(i)).message.id);
        result.summary.mailbox = handed.at(size_t(i)).message.mailbox;
        handed.at(size_t(i)).done(result);
    }

    std::vector<Delivery> handed;
    int calls = 0;
};

const QByteArray ShopAndBilling = R"({"version": 1, "perUser": false, "mailboxes": [
  {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
  {"name": "billing", "routes": [{"recipient": "*@billing.test"}]}]})";

IncomingMessage message(const QByteArrayList &recipients)
{
    IncomingMessage m;
    m.id = "0VcAAAAAAAAAAAAAAAAAAA";
    m.receivedMs = 1'700'000'000'000;
    m.envelope.mailFrom = "app@example.test";
    m.envelope.rcptTo = recipients;
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.traceHeader = "Received: from app ([127.0.0.1]) by catcher (Letterbox) with ESMTP id " + m.id
        + "; Tue, 14 Nov 2023 22:13:20 +0000\r\n";
    m.data = "Subject: hi\r\n\r\nbody\r\n";
    m.sessionKey = 7;
    m.transcript.append(TranscriptEntry { 1, TranscriptEntry::Direction::In, "MAIL FROM:<app@example.test>" });
    return m;
}

bool useShopAndBilling(MailboxSettings *settings)
{
    QString error;
    return settings->replace(*MailboxConfig::fromJson(ShopAndBilling, &error), &error);
}

MailboxRouter router(const QByteArray &json)
{
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(json, &error);
    if (!config) {
        qFatal("bad test configuration: %s", qPrintable(error));
    }
    return MailboxRouter(*config);
}
} // namespace

class TestRoutedDelivery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneMailboxKeepsTheMessageAsItIs();
    void copiesHaveTheirOwnIdsAndTheSameEnvelopeAndSource();
    void theSessionIsStoredOnceWithTheFirstCopy();
    void theSenderHearsOnceAfterTheLastCopy();
    void aFailedCopyFailsTheMessage();
    void withoutSettingsEverythingStaysWhereItWasAddressed();
    void aChangedConfigurationAppliesToTheNextMessage();
    void copiesOfABatchKeepItsOrderInOneHandOver();
};

void TestRoutedDelivery::oneMailboxKeepsTheMessageAsItIs()
{
    const IncomingMessage original = message({ "a@shop.test", "b@shop.test" });
    const std::vector<IncomingMessage> copies = RoutedDelivery::copies(original, router(ShopAndBilling));
    QCOMPARE(copies.size(), size_t(1));
    QCOMPARE(copies.front().mailbox, QStringLiteral("shop"));
    QCOMPARE(copies.front().id, original.id);
    QCOMPARE(copies.front().traceHeader, original.traceHeader);
    QCOMPARE(copies.front().transcript.size(), 1);
}

void TestRoutedDelivery::copiesHaveTheirOwnIdsAndTheSameEnvelopeAndSource()
{
    const IncomingMessage original = message({ "a@billing.test", "b@other.test", "c@shop.test" });
    const std::vector<IncomingMessage> copies = RoutedDelivery::copies(original, router(ShopAndBilling));
    // In the configuration's order, Inbox (not listed) last.
    QCOMPARE(copies.size(), size_t(3));
    QCOMPARE(copies.at(0).mailbox, QStringLiteral("shop"));
    QCOMPARE(copies.at(1).mailbox, QStringLiteral("billing"));
    QCOMPARE(copies.at(2).mailbox, QStringLiteral("Inbox"));
    QCOMPARE(copies.at(0).id, original.id);
    QSet<QByteArray> ids;
    for (const IncomingMessage &copy : copies) {
        ids.insert(copy.id);
        QCOMPARE(copy.id.size(), original.id.size());
        QCOMPARE(copy.envelope.rcptTo, original.envelope.rcptTo); // the whole envelope, not the routed part
        QCOMPARE(copy.envelope.mailFrom, original.envelope.mailFrom);
        QCOMPARE(copy.data, original.data);
        QCOMPARE(copy.receivedMs, original.receivedMs);
        QCOMPARE(copy.sessionKey, original.sessionKey);
        // The Received: header names this copy's ID, and is otherwise the same.
        QByteArray expected = original.traceHeader;
        expected.replace(original.id, copy.id);
        QCOMPARE(copy.traceHeader, expected);
        QVERIFY(copy.traceHeader.contains(" id " + copy.id + ";"));
    }
    QCOMPARE(ids.size(), 3);
}

void TestRoutedDelivery::theSessionIsStoredOnceWithTheFirstCopy()
{
    const std::vector<IncomingMessage> copies
        = RoutedDelivery::copies(message({ "a@shop.test", "b@billing.test" }), router(ShopAndBilling));
    QCOMPARE(copies.size(), size_t(2));
    QCOMPARE(copies.at(0).transcript.size(), 1);
    QVERIFY(copies.at(1).transcript.isEmpty());
}

void TestRoutedDelivery::theSenderHearsOnceAfterTheLastCopy()
{
    RecordingStore store;
    MailboxSettings settings;
    QVERIFY(useShopAndBilling(&settings));
    RoutedDelivery delivery(&store);
    delivery.setSettings(&settings);
    int answers = 0;
    DeliveryResult answer;
    delivery.deliver(message({ "a@shop.test", "b@billing.test", "c@other.test" }), [&](const DeliveryResult &r) {
        ++answers;
        answer = r;
    });
    QCOMPARE(store.calls, 1); // one hand-over for every copy
    QCOMPARE(store.handed.size(), size_t(3));
    store.answer(2, true);
    store.answer(0, true);
    QCOMPARE(answers, 0);
    store.answer(1, true);
    QCOMPARE(answers, 1);
    QVERIFY(answer.ok);
    // The reply names the first copy (the one with the session), whichever finished last.
    QCOMPARE(answer.summary.id, QStringLiteral("0VcAAAAAAAAAAAAAAAAAAA"));
    QCOMPARE(answer.summary.mailbox, QStringLiteral("shop"));
}

void TestRoutedDelivery::aFailedCopyFailsTheMessage()
{
    RecordingStore store;
    MailboxSettings settings;
    QVERIFY(useShopAndBilling(&settings));
    RoutedDelivery delivery(&store);
    delivery.setSettings(&settings);
    std::optional<DeliveryResult> answer;
    delivery.deliver(message({ "a@shop.test", "b@billing.test" }), [&](const DeliveryResult &r) { answer = r; });
    store.answer(0, true);
    store.answer(1, false);
    QVERIFY(answer);
    QVERIFY(!answer->ok);
    QCOMPARE(answer->errorString, QStringLiteral("disk full"));
}

void TestRoutedDelivery::withoutSettingsEverythingStaysWhereItWasAddressed()
{
    RecordingStore store;
    RoutedDelivery delivery(&store);
    IncomingMessage m = message({ "a@shop.test" });
    m.mailbox = QStringLiteral("shop"); // e.g. POST /mailbox/shop/api/v1/send
    delivery.deliver(m, [](const DeliveryResult &) {});
    QCOMPARE(store.handed.size(), size_t(1));
    QCOMPARE(store.handed.front().message.mailbox, QStringLiteral("shop"));
    QCOMPARE(store.handed.front().message.id, m.id);
}

void TestRoutedDelivery::aChangedConfigurationAppliesToTheNextMessage()
{
    RecordingStore store;
    MailboxSettings settings;
    RoutedDelivery delivery(&store);
    delivery.setSettings(&settings);
    delivery.deliver(message({ "a@shop.test" }), [](const DeliveryResult &) {});
    QVERIFY(useShopAndBilling(&settings));
    delivery.deliver(message({ "a@shop.test" }), [](const DeliveryResult &) {});
    QCOMPARE(store.handed.size(), size_t(2));
    QCOMPARE(store.handed.at(0).message.mailbox, QStringLiteral("Inbox"));
    QCOMPARE(store.handed.at(1).message.mailbox, QStringLiteral("shop"));
}

void TestRoutedDelivery::copiesOfABatchKeepItsOrderInOneHandOver()
{
    RecordingStore store;
    MailboxSettings settings;
    QVERIFY(useShopAndBilling(&settings));
    RoutedDelivery delivery(&store);
    delivery.setSettings(&settings);
    std::vector<Delivery> batch;
    IncomingMessage first = message({ "a@shop.test", "b@billing.test" });
    IncomingMessage second = message({ "c@other.test" });
    second.id = "0VcBBBBBBBBBBBBBBBBBBB";
    batch.push_back({ first, [](const DeliveryResult &) {
                     } });
    batch.push_back({ second, [](const DeliveryResult &) {
                     } });
    delivery.deliverAll(std::move(batch));
    QCOMPARE(store.calls, 1);
    QCOMPARE(store.handed.size(), size_t(3));
    QCOMPARE(store.handed.at(0).message.mailbox, QStringLiteral("shop"));
    QCOMPARE(store.handed.at(1).message.mailbox, QStringLiteral("billing"));
    QCOMPARE(store.handed.at(2).message.id, second.id);
    QCOMPARE(store.handed.at(2).message.mailbox, QStringLiteral("Inbox"));
}

QTEST_GUILESS_MAIN(TestRoutedDelivery)
#include "tst_routeddelivery.moc"
