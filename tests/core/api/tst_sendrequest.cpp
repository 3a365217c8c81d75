// SendRequest reads POST /api/v1/send's JSON as Mailpit does (Go's encoding/json into Mailpit's SendRequest): field
// names case-insensitive, null as absent, unknown fields ignored, addresses as objects or strings, one or a list,
// attachments as base64 or a data: URL. Appless: no event loop, no I/O.
#include <api/sendrequest.h>
#include <mime/messagebuilder.h>

#include <QTest>

class TestSendRequest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsMailpitsShape();
    void lenientLikeGo_data();
    void lenientLikeGo();
    void attachments_data();
    void attachments();
};

void TestSendRequest::readsMailpitsShape()
{
    QString error;
    const std::optional<MessageBuilder> b = SendRequest::parse(R"({
        "From": {"Email": "ada@example.test", "Name": "Ada"},
        "To": [{"Email": "bob@example.test", "Name": "Bob"}, {"Email": "team@example.test"}],
        "Cc": [{"Email": "carol@example.test"}], "Bcc": ["audit@example.test"],
        "ReplyTo": [{"Email": "help@example.test"}], "Subject": "S", "Text": "T", "HTML": "<p>H</p>",
        "Headers": {"X-A": "1"}, "Tags": ["t1", " ", "t2"]})",
        &error);
    QVERIFY2(b, qPrintable(error));
    QCOMPARE(b->from, (MailAddress { QStringLiteral("Ada"), QStringLiteral("ada@example.test") }));
    QCOMPARE(b->to,
        (MailAddressList { { QStringLiteral("Bob"), QStringLiteral("bob@example.test") },
            { QString(), QStringLiteral("team@example.test") } }));
    QCOMPARE(b->cc, (MailAddressList { { QString(), QStringLiteral("carol@example.test") } }));
    QCOMPARE(b->bcc, (MailAddressList { { QString(), QStringLiteral("audit@example.test") } }));
    QCOMPARE(b->replyTo, (MailAddressList { { QString(), QStringLiteral("help@example.test") } }));
    QCOMPARE(b->subject, QStringLiteral("S"));
    QCOMPARE(b->text, QStringLiteral("T"));
    QCOMPARE(b->html, QStringLiteral("<p>H</p>"));
    QCOMPARE(b->headers.size(), 1);
    QCOMPARE(b->headers[0].first, QStringLiteral("X-A"));
    QCOMPARE(b->headers[0].second, QStringLiteral("1"));
    // Blank tags are no tags.
    QCOMPARE(b->tags, (QStringList { QStringLiteral("t1"), QStringLiteral("t2") }));
}

void TestSendRequest::lenientLikeGo_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QStringList>("to");
    QTest::newRow("field names in any case, as Go matches them")
        << QByteArray(R"({"from": {"email": "a@x.test"}, "TO": [{"EMAIL": "b@x.test"}]})") << QStringLiteral("a@x.test")
        << QStringList { QStringLiteral("b@x.test") };
    QTest::newRow("addresses as bare strings (Mailpit's EmailOrObject)")
        << QByteArray(R"({"From": "a@x.test", "To": ["b@x.test", "c@x.test"]})") << QStringLiteral("a@x.test")
        << QStringList { QStringLiteral("b@x.test"), QStringLiteral("c@x.test") };
    QTest::newRow("one address instead of a list")
        << QByteArray(R"({"From": {"Email": "a@x.test"}, "To": {"Email": "b@x.test"}})") << QStringLiteral("a@x.test")
        << QStringList { QStringLiteral("b@x.test") };
    QTest::newRow("null fields are absent ones")
        << QByteArray(R"({"From": {"Email": "a@x.test"}, "To": null, "Subject": null, "Attachments": null})")
        << QStringLiteral("a@x.test") << QStringList();
    QTest::newRow("unknown fields are ignored")
        << QByteArray(R"({"From": {"Email": "a@x.test"}, "Priority": 1, "To": ["b@x.test"]})")
        << QStringLiteral("a@x.test") << QStringList { QStringLiteral("b@x.test") };
    QTest::newRow("no From is for the builder to refuse")
        << QByteArray(R"({"To": ["b@x.test"]})") << QString() << QStringList { QStringLiteral("b@x.test") };
}

void TestSendRequest::lenientLikeGo()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, from);
    QFETCH(QStringList, to);
    QString error;
    const std::optional<MessageBuilder> b = SendRequest::parse(json, &error);
    QVERIFY2(b, qPrintable(error));
    QCOMPARE(b->from.address, from);
    QStringList addresses;
    for (const MailAddress &a : b->to) {
        addresses << a.address;
    }
    QCOMPARE(addresses, to);
}

void TestSendRequest::attachments_data()
{
    QTest::addColumn<QByteArray>("attachment");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("contentId");
    QTest::addColumn<QString>("error");
    QTest::newRow("base64 (RFC 4648 4)") << QByteArray(R"({"Content": "aGVsbG8=", "Filename": "h.txt"})")
                                         << QByteArray("hello") << QString() << QString();
    QTest::newRow("base64 broken over lines, as Go's decoder takes it")
        << QByteArray(R"({"Content": "aGVs\r\nbG8=", "Filename": "h.txt"})") << QByteArray("hello") << QString()
        << QString();
    QTest::newRow("a data: URL from a browser's readAsDataURL()")
        << QByteArray(R"({"Content": "data:text/plain;base64,aGVsbG8=", "Filename": "h.txt"})") << QByteArray("hello")
        << QString() << QString();
    QTest::newRow("a Content-ID in angle brackets is the same id (RFC 2392)")
        << QByteArray(R"({"Content": "", "Filename": "i.png", "ContentID": "<logo@x>"})") << QByteArray()
        << QStringLiteral("logo@x") << QString();
    QTest::newRow("characters outside the alphabet")
        << QByteArray(R"({"Content": "aGVs*G8=", "Filename": "h.txt"})") << QByteArray() << QString()
        << QStringLiteral("error decoding base64 attachment \"h.txt\"");
    QTest::newRow("missing padding") << QByteArray(R"({"Content": "aGVsbG8", "Filename": "h.txt"})") << QByteArray()
                                     << QString() << QStringLiteral("error decoding base64 attachment \"h.txt\"");
    QTest::newRow("Content that is a number")
        << QByteArray(R"({"Content": 5, "Filename": "h.txt"})") << QByteArray() << QString()
        << QStringLiteral("Attachments[0].Content: expected a string");
    QTest::newRow("an attachment that is a string") << QByteArray(R"("aGVsbG8=")") << QByteArray() << QString()
                                                    << QStringLiteral("Attachments[0]: expected an object");
}

void TestSendRequest::attachments()
{
    QFETCH(QByteArray, attachment);
    QFETCH(QByteArray, content);
    QFETCH(QString, contentId);
    QFETCH(QString, error);
    QString actual;
    const std::optional<MessageBuilder> b = SendRequest::parse(
        R"({"From": "a@x.test", "To": ["b@x.test"], "Attachments": [)" + attachment + "]}", &actual);
    QCOMPARE(b.has_value(), error.isEmpty());
    if (!b) {
        QCOMPARE(actual, error);
        return;
    }
    QCOMPARE(b->attachments.size(), 1);
    QCOMPARE(b->attachments[0].content, content);
    QCOMPARE(b->attachments[0].contentId, contentId);
}

QTEST_APPLESS_MAIN(TestSendRequest)
#include "tst_sendrequest.moc"
