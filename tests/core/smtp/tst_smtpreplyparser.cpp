// SmtpReplyParser: a server's replies as a client reads them. Inputs and expected values are written by hand from
// RFC 5321 §4.2 (a reply is lines "CODE-text" ending with "CODE text" or the code alone, one code throughout, the
// first digit 2 to 5), RFC 2034 §3-§4 (an enhanced status code and a space start the text of each line, its class
// that of the reply code) and RFC 3463 §2 (class.subject.detail, one to three digits each).
#include <smtp/smtpreplyparser.h>

#include <QTest>

namespace {
struct Parsed
{
    QList<SmtpReply> replies;
    bool error = false;
};

// Feeds input in pieces of at most step octets and collects every reply.
Parsed parse(const QByteArray &input, qsizetype step)
{
    SmtpReplyParser parser;
    Parsed parsed;
    for (qsizetype pos = 0; pos < input.size(); pos += step) {
        parser.feed(QByteArrayView(input).sliced(pos, qMin(step, input.size() - pos)));
        for (;;) {
            SmtpReply reply;
            const SmtpReplyParser::Status status = parser.next(&reply);
            if (status == SmtpReplyParser::Status::Reply) {
                parsed.replies << reply;
                continue;
            }
            parsed.error = status == SmtpReplyParser::Status::Error;
            break;
        }
        if (parsed.error) {
            break;
        }
    }
    return parsed;
}

QByteArray describe(const SmtpReply &r)
{
    return QByteArray::number(r.code) + '|' + r.enhanced + '|' + r.lines.join('/');
}
} // namespace

class TestSmtpReplyParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replies_data();
    void replies();
    void errors_data();
    void errors();
    void anErrorIsSticky();
    void whatIsNotAReplyYetStaysBuffered();
    void roundTripsWithTheFormatter_data();
    void roundTripsWithTheFormatter();
};

void TestSmtpReplyParser::replies_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArrayList>("expected"); // code|enhanced|line/line

    QTest::newRow("a greeting") << QByteArray("220 mx.test ESMTP\r\n") << QByteArrayList { "220||mx.test ESMTP" };
    QTest::newRow("an EHLO reply of several lines")
        << QByteArray("250-mx.test Hello client\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 SMTPUTF8\r\n")
        << QByteArrayList { "250||mx.test Hello client/PIPELINING/SIZE 1000000/SMTPUTF8" };
    QTest::newRow("an enhanced code is taken off the text")
        << QByteArray("250 2.1.5 Ok\r\n") << QByteArrayList { "250|2.1.5|Ok" };
    QTest::newRow("an enhanced code on every line of a multi-line reply") << QByteArray(
        "550-5.7.1 Relaying denied\r\n550 5.7.1 Go away\r\n") << QByteArrayList { "550|5.7.1|Relaying denied/Go away" };
    QTest::newRow("three-digit subject and detail")
        << QByteArray("451 4.123.456 Busy\r\n") << QByteArrayList { "451|4.123.456|Busy" };
    QTest::newRow("a code of another class is text, not an enhanced code")
        << QByteArray("250 5.0.0 looks like a code\r\n") << QByteArrayList { "250||5.0.0 looks like a code" };
    QTest::newRow("four digits are no enhanced code")
        << QByteArray("250 2.0.1000 Ok\r\n") << QByteArrayList { "250||2.0.1000 Ok" };
    QTest::newRow("a version number is no enhanced code")
        << QByteArray("220 mx.test ESMTP 2.10 ready\r\n") << QByteArrayList { "220||mx.test ESMTP 2.10 ready" };
    QTest::newRow("354 carries no enhanced code") << QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n")
                                                  << QByteArrayList { "354||End data with <CR><LF>.<CR><LF>" };
    QTest::newRow("the code alone") << QByteArray("250\r\n") << QByteArrayList { "250||" };
    QTest::newRow("the code and a space") << QByteArray("250 \r\n") << QByteArrayList { "250||" };
    QTest::newRow("an enhanced code without text") << QByteArray("250 2.0.0\r\n") << QByteArrayList { "250|2.0.0|" };
    QTest::newRow("a bare LF ends a line too") << QByteArray("221 2.0.0 Bye\n") << QByteArrayList { "221|2.0.0|Bye" };
    QTest::newRow("pipelined replies, one after the other")
        << QByteArray("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n")
        << QByteArrayList { "250|2.1.0|Ok", "250|2.1.5|Ok", "354||Go ahead" };
    QTest::newRow("an empty continuation line") << QByteArray("250-\r\n250 Ok\r\n") << QByteArrayList { "250||/Ok" };
    QTest::newRow("a challenge") << QByteArray("334 VXNlcm5hbWU6\r\n") << QByteArrayList { "334||VXNlcm5hbWU6" };
    QTest::newRow("text with CR inside a line stays") << QByteArray("250 a\rb\r\n") << QByteArrayList { "250||a\rb" };
}

void TestSmtpReplyParser::replies()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArrayList, expected);
    for (const qsizetype step : { input.size(), qsizetype(1), qsizetype(2), qsizetype(7) }) {
        const Parsed parsed = parse(input, step);
        QVERIFY2(!parsed.error, qPrintable(QString::number(step)));
        QByteArrayList got;
        for (const SmtpReply &r : parsed.replies) {
            got << describe(r);
        }
        QCOMPARE(got, expected);
    }
}

void TestSmtpReplyParser::errors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("a letter in the code") << QByteArray("25O Ok\r\n");
    QTest::newRow("no separator after the code") << QByteArray("250Ok\r\n");
    QTest::newRow("a code starting with 6") << QByteArray("600 what\r\n");
    QTest::newRow("a code starting with 1") << QByteArray("150 preliminary\r\n");
    QTest::newRow("two digits") << QByteArray("25 Ok\r\n");
    QTest::newRow("an empty line") << QByteArray("\r\n");
    QTest::newRow("another code inside a multi-line reply") << QByteArray("250-mx.test\r\n251 PIPELINING\r\n");
    QTest::newRow("a line past the limit") << "250 " + QByteArray(SmtpReplyParser::MaxLineLength + 10, 'x') + "\r\n";
    QTest::newRow("a line past the limit and no line end yet")
        << "250 " + QByteArray(SmtpReplyParser::MaxLineLength + 10, 'x');
    QByteArray many;
    for (qsizetype i = 0; i <= SmtpReplyParser::MaxLines; ++i) {
        many += "250-x\r\n";
    }
    QTest::newRow("a reply of too many lines") << many;
}

void TestSmtpReplyParser::errors()
{
    QFETCH(QByteArray, input);
    for (const qsizetype step : { input.size(), qsizetype(1), qsizetype(5) }) {
        QVERIFY2(parse(input, step).error, qPrintable(QString::number(step)));
    }
}

void TestSmtpReplyParser::anErrorIsSticky()
{
    SmtpReplyParser parser;
    parser.feed("hello\r\n250 Ok\r\n");
    SmtpReply reply;
    QCOMPARE(parser.next(&reply), SmtpReplyParser::Status::Error);
    QVERIFY(!parser.errorString().isEmpty());
    parser.feed("250 Ok\r\n");
    QCOMPARE(parser.next(&reply), SmtpReplyParser::Status::Error);
    QCOMPARE(parser.bufferedBytes(), 0);
}

void TestSmtpReplyParser::whatIsNotAReplyYetStaysBuffered()
{
    SmtpReplyParser parser;
    SmtpReply reply;
    parser.feed("250-mx.test\r\n250 PIPEL");
    QCOMPARE(parser.next(&reply), SmtpReplyParser::Status::NeedData);
    QCOMPARE(parser.bufferedBytes(), qsizetype(22));
    parser.feed("INING\r\n");
    QCOMPARE(parser.next(&reply), SmtpReplyParser::Status::Reply);
    QCOMPARE(reply.lines, (QByteArrayList { "mx.test", "PIPELINING" }));
    QCOMPARE(parser.next(&reply), SmtpReplyParser::Status::NeedData);
    QCOMPARE(parser.bufferedBytes(), 0);
}

void TestSmtpReplyParser::roundTripsWithTheFormatter_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("enhanced");
    QTest::addColumn<QByteArrayList>("lines");
    QTest::newRow("one line with an enhanced code") << 250 << QByteArray("2.0.0") << QByteArrayList { "Ok: queued" };
    QTest::newRow("several lines with an enhanced code")
        << 214 << QByteArray("2.0.0") << QByteArrayList { "Commands:", "HELO EHLO", "End of HELP" };
    QTest::newRow("several lines without") << 250 << QByteArray() << QByteArrayList { "mx.test", "8BITMIME" };
    QTest::newRow("a temporary failure") << 421 << QByteArray("4.4.2") << QByteArrayList { "mx.test timeout" };
}

void TestSmtpReplyParser::roundTripsWithTheFormatter()
{
    QFETCH(int, code);
    QFETCH(QByteArray, enhanced);
    QFETCH(QByteArrayList, lines);
    const SmtpReply sent { code, enhanced, lines };
    const Parsed parsed = parse(sent.toWire(true), 3);
    QVERIFY(!parsed.error);
    QCOMPARE(parsed.replies.size(), 1);
    QCOMPARE(parsed.replies.first().code, code);
    QCOMPARE(parsed.replies.first().enhanced, enhanced);
    QCOMPARE(parsed.replies.first().lines, lines);
}

QTEST_APPLESS_MAIN(TestSmtpReplyParser)
#include "tst_smtpreplyparser.moc"
