// MessageBuilder round trips through ParsedMessage (GMime's parser): what was put in comes back out, in the tree
// RFC 2046 §5.1 and RFC 2387 describe, with RFC 2047 encoded words where text is not ASCII and CRLF line ends
// (RFC 5322 §2.1). Expected values are the inputs and the RFCs' shapes, never the builder's own output.
#include <mime/messagebuilder.h>
#include <mime/parsedmessage.h>

#include <QRegularExpression>
#include <QTest>

using Role = MimePart::Role;

namespace {
QString u(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

QStringList shape(const ParsedMessage &m)
{
    QStringList out;
    for (const MimePart &p : m.parts) {
        const char *role = "";
        switch (p.role) {
        case Role::Container:
            role = "container";
            break;
        case Role::TextBody:
            role = "text";
            break;
        case Role::HtmlBody:
            role = "html";
            break;
        case Role::Attachment:
            role = "attachment";
            break;
        case Role::Inline:
            role = "inline";
            break;
        case Role::Other:
            role = "other";
            break;
        }
        out << QStringLiteral("%1 %2 %3").arg(p.partId, QLatin1String(role), p.contentType);
    }
    return out;
}

MessageBuilder basic()
{
    MessageBuilder b;
    b.from = { QStringLiteral("Ada Lovelace"), QStringLiteral("ada@example.test") };
    b.to = { { QStringLiteral("Bob"), QStringLiteral("bob@example.test") } };
    b.subject = QStringLiteral("Hello");
    return b;
}

const QDateTime When = QDateTime::fromSecsSinceEpoch(1795000000, Qt::UTC);
// A PNG's signature and a byte of every value: base64 must carry them all unchanged.
QByteArray binary()
{
    QByteArray bytes("\x89PNG\r\n\x1a\n", 8);
    for (int i = 0; i < 256; ++i) {
        bytes += char(i);
    }
    return bytes;
}
} // namespace

class TestMessageBuilder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void treeShape_data();
    void treeShape();
    void headersRoundTrip();
    void nonAsciiIsEncoded();
    void attachmentBytesAreIdentical();
    void linesEndInCrlf();
    void bccIsEnvelopeOnly();
    void refusals_data();
    void refusals();
    void addresses_data();
    void addresses();
    void addressLists_data();
    void addressLists();
};

void TestMessageBuilder::treeShape_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("html");
    QTest::addColumn<bool>("attachment");
    QTest::addColumn<bool>("inlineImage");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("a text body alone is the message's one part")
        << u("Hi") << QString() << false << false << QStringList { u("1 text text/plain") };
    QTest::newRow("an HTML body alone is the message's one part")
        << QString() << u("<p>Hi</p>") << false << false << QStringList { u("1 html text/html") };
    QTest::newRow("no body at all is an empty text part, as Mailpit's builder makes")
        << QString() << QString() << false << false << QStringList { u("1 text text/plain") };
    QTest::newRow("text and HTML are alternatives, plainest first (RFC 2046 5.1.4)")
        << u("Hi") << u("<p>Hi</p>") << false << false
        << QStringList { u("0 container multipart/alternative"), u("1 text text/plain"), u("2 html text/html") };
    QTest::newRow("an attachment follows the body in multipart/mixed")
        << u("Hi") << QString() << true << false
        << QStringList { u("0 container multipart/mixed"), u("1 text text/plain"), u("2 attachment text/csv") };
    QTest::newRow("a Content-ID part is related to the HTML it belongs to (RFC 2387)")
        << u("Hi") << u("<img src=\"cid:logo@x\">") << false << true
        << QStringList { u("0 container multipart/alternative"), u("1 text text/plain"),
               u("2 container multipart/related"), u("2.1 html text/html"), u("2.2 inline image/png") };
    QTest::newRow("everything: mixed around alternative around related")
        << u("Hi") << u("<img src=\"cid:logo@x\">") << true << true
        << QStringList { u("0 container multipart/mixed"), u("1 container multipart/alternative"),
               u("1.1 text text/plain"), u("1.2 container multipart/related"), u("1.2.1 html text/html"),
               u("1.2.2 inline image/png"), u("2 attachment text/csv") };
}

void TestMessageBuilder::treeShape()
{
    QFETCH(QString, text);
    QFETCH(QString, html);
    QFETCH(bool, attachment);
    QFETCH(bool, inlineImage);
    QFETCH(QStringList, expected);
    MessageBuilder b = basic();
    b.text = text;
    b.html = html;
    if (attachment) {
        b.attachments << MessageBuilder::Attachment { u("report.csv"), u("text/csv"), QString(), "a,b\n1,2\n" };
    }
    if (inlineImage) {
        b.attachments << MessageBuilder::Attachment { u("logo.png"), u("image/png"), u("logo@x"), binary() };
    }
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    const ParsedMessage m = ParsedMessage::parse(*raw);
    QCOMPARE(shape(m), expected);
    QVERIFY2(m.warnings.isEmpty(), qPrintable(m.warnings.join(u'\n')));
    if (!text.isEmpty()) {
        QCOMPARE(m.text.trimmed(), text);
    }
    QCOMPARE(m.html.trimmed(), html);
}

void TestMessageBuilder::headersRoundTrip()
{
    MessageBuilder b = basic();
    b.cc = { { QString(), u("carol@example.test") } };
    b.replyTo = { { u("Help Desk"), u("help@example.test") } };
    b.text = u("Body");
    b.headers = { { u("X-Campaign"), u("spring") }, { u("X-Priority"), u("1") } };
    b.tags = { u("alpha"), u("beta") };
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    const ParsedMessage m = ParsedMessage::parse(*raw);
    QCOMPARE(m.from, (MailAddressList { { u("Ada Lovelace"), u("ada@example.test") } }));
    QCOMPARE(m.to, (MailAddressList { { u("Bob"), u("bob@example.test") } }));
    QCOMPARE(m.cc, (MailAddressList { { QString(), u("carol@example.test") } }));
    QCOMPARE(m.replyTo, (MailAddressList { { u("Help Desk"), u("help@example.test") } }));
    QCOMPARE(m.subject, u("Hello"));
    QCOMPARE(m.date, When);
    QCOMPARE(m.messageId, u("m1@mx.test"));
    QCOMPARE(m.headerValues(u("X-Campaign")), QStringList { u("spring") });
    QCOMPARE(m.headerValues(u("X-Priority")), QStringList { u("1") });
    // Mailpit's send API: Tags become one X-Tags header, comma-separated.
    QCOMPARE(m.headerValues(u("X-Tags")), QStringList { u("alpha, beta") });
    // RFC 2045 §4.
    QCOMPARE(m.headerValues(u("MIME-Version")), QStringList { u("1.0") });
    QCOMPARE(m.text.trimmed(), u("Body"));

    // A Message-ID given as a header is the message's (an application's own id), not a second one.
    b.headers = { { u("Message-ID"), u("<own@app.test>") } };
    const std::optional<QByteArray> own = b.build(When, "m1@mx.test", &error);
    QVERIFY2(own, qPrintable(error));
    const ParsedMessage o = ParsedMessage::parse(*own);
    QCOMPARE(o.messageId, u("own@app.test"));
    QCOMPARE(o.headerValues(u("Message-ID")).size(), 1);
}

void TestMessageBuilder::nonAsciiIsEncoded()
{
    MessageBuilder b = basic();
    b.from.name = u("Zoë Ångström");
    b.subject = u("Größe: 日本語のテスト");
    b.text = u("Grüße aus Köln");
    b.html = u("<p>Grüße</p>");
    b.headers = { { u("X-Note"), u("café") } };
    b.attachments << MessageBuilder::Attachment { u("Übersicht.txt"), u("text/plain"), QString(), "x" };
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    // RFC 5322 §2.2: header fields are US-ASCII; RFC 2047 words carry the rest. Bodies are 7-bit too.
    for (const char c : *raw) {
        QVERIFY2(static_cast<unsigned char>(c) < 0x80, "a non-ASCII octet in the message");
    }
    QVERIFY(raw->contains("=?utf-8?") || raw->contains("=?UTF-8?"));
    const ParsedMessage m = ParsedMessage::parse(*raw);
    QCOMPARE(m.from.value(0).name, u("Zoë Ångström"));
    QCOMPARE(m.subject, u("Größe: 日本語のテスト"));
    QCOMPARE(m.text.trimmed(), u("Grüße aus Köln"));
    QCOMPARE(m.html.trimmed(), u("<p>Grüße</p>"));
    QCOMPARE(m.headerValues(u("X-Note")), QStringList { u("café") });
    QCOMPARE(m.attachments().value(0).fileName, u("Übersicht.txt"));
}

void TestMessageBuilder::attachmentBytesAreIdentical()
{
    MessageBuilder b = basic();
    b.text = u("See attached");
    b.attachments << MessageBuilder::Attachment { u("blob.bin"), u("application/octet-stream"), QString(), binary() };
    b.attachments << MessageBuilder::Attachment { u("empty.txt"), QString(), QString(), QByteArray() };
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    const ParsedMessage m = ParsedMessage::parse(*raw);
    const QList<MimePart> attachments = m.attachments();
    QCOMPARE(attachments.size(), 2);
    QCOMPARE(attachments[0].transferEncoding, u("base64"));
    QCOMPARE(attachments[0].disposition, u("attachment"));
    QCOMPARE(attachments[0].size, binary().size());
    QCOMPARE(ParsedMessage::partContent(*raw, attachments[0].partId), std::optional<QByteArray>(binary()));
    // No ContentType: guessed from the name (shared-mime-info: .txt is text/plain).
    QCOMPARE(attachments[1].contentType, u("text/plain"));
    QCOMPARE(ParsedMessage::partContent(*raw, attachments[1].partId), std::optional<QByteArray>(QByteArray()));
}

void TestMessageBuilder::linesEndInCrlf()
{
    MessageBuilder b = basic();
    b.text = u("one\ntwo\r\nthree\rfour");
    b.html = u("<p>a</p>\n<p>b</p>");
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    QVERIFY(!raw->isEmpty());
    static const QRegularExpression bare(QStringLiteral("[^\\r]\\n|\\r[^\\n]"));
    QVERIFY2(!bare.match(QString::fromLatin1(*raw)).hasMatch(), raw->constData());
    const ParsedMessage m = ParsedMessage::parse(*raw);
    QCOMPARE(m.text.trimmed(), u("one\r\ntwo\r\nthree\r\nfour"));
}

void TestMessageBuilder::bccIsEnvelopeOnly()
{
    MessageBuilder b = basic();
    b.cc = { { QString(), u("carol@example.test") }, { QString(), u("BOB@example.test") } };
    b.bcc = { { QString(), u("audit@example.test") } };
    QString error;
    const std::optional<QByteArray> raw = b.build(When, "m1@mx.test", &error);
    QVERIFY2(raw, qPrintable(error));
    QVERIFY(!raw->contains("audit@example.test"));
    QVERIFY(ParsedMessage::parse(*raw).headerValues(u("Bcc")).isEmpty());
    // Each recipient once (RFC 5321 §3.3 takes addresses case-insensitively in practice: the domain always).
    QCOMPARE(
        b.envelopeRecipients(), (QByteArrayList { "bob@example.test", "carol@example.test", "audit@example.test" }));
}

void TestMessageBuilder::refusals_data()
{
    QTest::addColumn<int>("what");
    QTest::addColumn<QString>("error");
    QTest::newRow("no From address") << 0 << u("From address is required");
    QTest::newRow("a From that is no address") << 1 << u("invalid From address: not-an-address");
    QTest::newRow("no recipient at all") << 2 << u("no recipients (To, Cc, Bcc)");
    QTest::newRow("a To that is no address") << 3 << u("invalid To address: bob@");
    QTest::newRow("a header the builder writes itself") << 4 << u("cannot overwrite header: \"subject\"");
    QTest::newRow("a header name with a space (RFC 5322 3.6.8)") << 5 << u("invalid header name: \"X Bad\"");
    QTest::newRow("a header value with a line break") << 6 << u("header \"X-A\": a value is one line");
    QTest::newRow("X-Tags as a header when Tags are given") << 7 << u("cannot overwrite header: \"X-Tags\"");
    QTest::newRow("a content type that is not type/subtype") << 8 << u("invalid ContentType of attachment \"a\": pdf");
}

void TestMessageBuilder::refusals()
{
    QFETCH(int, what);
    QFETCH(QString, error);
    MessageBuilder b = basic();
    switch (what) {
    case 0:
        b.from = {};
        break;
    case 1:
        b.from.address = u("not-an-address");
        break;
    case 2:
        b.to.clear();
        break;
    case 3:
        b.to << MailAddress { QString(), u("bob@") };
        break;
    case 4:
        b.headers = { { u("subject"), u("x") } };
        break;
    case 5:
        b.headers = { { u("X Bad"), u("x") } };
        break;
    case 6:
        b.headers = { { u("X-A"), u("x\r\nBcc: evil@example.test") } };
        break;
    case 7:
        b.tags = { u("a") };
        b.headers = { { u("X-Tags"), u("b") } };
        break;
    case 8:
        b.attachments << MessageBuilder::Attachment { u("a"), u("pdf"), QString(), "x" };
        break;
    }
    QString actual;
    QVERIFY(!b.build(When, "m1@mx.test", &actual));
    QCOMPARE(actual, error);
}

void TestMessageBuilder::addresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("valid");
    QTest::newRow("a plain address") << u("bob@example.test") << true;
    QTest::newRow("dots and a plus in the local part") << u("first.last+tag@example.test") << true;
    QTest::newRow("a quoted local part with a space (RFC 5321 4.1.2)") << u("\"john doe\"@example.test") << true;
    QTest::newRow("an address literal") << u("postmaster@[127.0.0.1]") << true;
    QTest::newRow("UTF-8 (RFC 6531)") << u("jürgen@bücher.example") << true;
    QTest::newRow("no at sign") << u("bob.example.test") << false;
    QTest::newRow("no local part") << u("@example.test") << false;
    QTest::newRow("no domain") << u("bob@") << false;
    QTest::newRow("a space") << u("bob smith@example.test") << false;
    QTest::newRow("angle brackets") << u("<bob@example.test>") << false;
    QTest::newRow("two addresses") << u("a@x.test,b@x.test") << false;
    QTest::newRow("a leading dot") << u(".bob@example.test") << false;
    QTest::newRow("two dots in a row") << u("bo..b@example.test") << false;
    QTest::newRow("a domain label starting with a hyphen") << u("bob@-example.test") << false;
}

void TestMessageBuilder::addresses()
{
    QFETCH(QString, address);
    QFETCH(bool, valid);
    QCOMPARE(MessageBuilder::isAddress(address), valid);
}

void TestMessageBuilder::addressLists_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<MailAddressList>("expected");
    QTest::addColumn<QString>("invalid");
    QTest::newRow("nothing typed is no address") << u("  ") << MailAddressList() << QString();
    QTest::newRow("bare addresses separated by commas")
        << u("a@x.test, b@x.test") << MailAddressList { { QString(), u("a@x.test") }, { QString(), u("b@x.test") } }
        << QString();
    QTest::newRow("a display name and angle brackets (RFC 5322 3.4)")
        << u("Bob Smith <bob@x.test>") << MailAddressList { { u("Bob Smith"), u("bob@x.test") } } << QString();
    QTest::newRow("a quoted name with a comma")
        << u("\"Smith, Bob\" <bob@x.test>, c@x.test")
        << MailAddressList { { u("Smith, Bob"), u("bob@x.test") }, { QString(), u("c@x.test") } } << QString();
    QTest::newRow("a group is its members (RFC 5322 3.4)")
        << u("Team: a@x.test, b@x.test;")
        << MailAddressList { { QString(), u("a@x.test") }, { QString(), u("b@x.test") } } << QString();
    QTest::newRow("a word that is no address is named") << u("a@x.test, bob") << MailAddressList() << u("bob");
    QTest::newRow("an address without its domain is named") << u("bob@") << MailAddressList() << u("bob@");
}

void TestMessageBuilder::addressLists()
{
    QFETCH(QString, text);
    QFETCH(MailAddressList, expected);
    QFETCH(QString, invalid);
    QString bad;
    const std::optional<MailAddressList> list = MessageBuilder::parseAddresses(text, &bad);
    QCOMPARE(list.has_value(), invalid.isEmpty());
    if (list) {
        QCOMPARE(*list, expected);
    } else {
        QCOMPARE(bad, invalid);
    }
}

QTEST_APPLESS_MAIN(TestMessageBuilder)
#include "tst_messagebuilder.moc"
