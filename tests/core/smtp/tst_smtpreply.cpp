// SmtpReply: a reply on the wire and in the transcript. Expected bytes are written by hand from RFC 5321 §4.2 (a code,
// then SP and the text on the last line, "-" on every line before it, CRLF after each) and RFC 2034 (with
// ENHANCEDSTATUSCODES, the enhanced code and SP start the text of every line).
#include <smtp/smtpreply.h>

#include <QTest>

class TestSmtpReply : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void toWire_data();
    void toWire();
    void toTranscript_data();
    void toTranscript();
};

void TestSmtpReply::toWire_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("enhanced");
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<bool>("withEnhanced");
    QTest::addColumn<QByteArray>("wire");
    QTest::newRow("one line with its enhanced code")
        << 250 << QByteArray("2.0.0") << QByteArrayList { "Ok" } << true << QByteArray("250 2.0.0 Ok\r\n");
    QTest::newRow("one line, enhanced codes off")
        << 250 << QByteArray("2.0.0") << QByteArrayList { "Ok" } << false << QByteArray("250 Ok\r\n");
    QTest::newRow("a reply without an enhanced code stays bare when they are on")
        << 354 << QByteArray() << QByteArrayList { "End data with <CR><LF>.<CR><LF>" } << true
        << QByteArray("354 End data with <CR><LF>.<CR><LF>\r\n");
    QTest::newRow("a multi-line reply continues with a hyphen")
        << 250 << QByteArray() << QByteArrayList { "mx.test", "PIPELINING", "SIZE 1000000" } << true
        << QByteArray("250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n");
    QTest::newRow("every line of a multi-line reply carries the enhanced code")
        << 214 << QByteArray("2.0.0") << QByteArrayList { "Commands:", "HELO EHLO MAIL", "End of HELP" } << true
        << QByteArray("214-2.0.0 Commands:\r\n214-2.0.0 HELO EHLO MAIL\r\n214 2.0.0 End of HELP\r\n");
    QTest::newRow("a multi-line reply with enhanced codes off")
        << 214 << QByteArray("2.0.0") << QByteArrayList { "Commands:", "End of HELP" } << false
        << QByteArray("214-Commands:\r\n214 End of HELP\r\n");
    QTest::newRow("a permanent failure") << 550 << QByteArray("5.1.1") << QByteArrayList { "mailbox unavailable" }
                                         << true << QByteArray("550 5.1.1 mailbox unavailable\r\n");
    QTest::newRow("a transient failure") << 451 << QByteArray("4.3.0") << QByteArrayList { "Try again later" } << true
                                         << QByteArray("451 4.3.0 Try again later\r\n");
    // RFC 5321 §4.2: a client takes the code alone, with or without a trailing space.
    QTest::newRow("no text at all") << 250 << QByteArray() << QByteArrayList() << false << QByteArray("250 \r\n");
    QTest::newRow("an empty continuation line")
        << 250 << QByteArray() << QByteArrayList { "", "Ok" } << false << QByteArray("250-\r\n250 Ok\r\n");
    // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
    QTest::newRow("the longest reply line") << 250 << QByteArray("2.0.0") << QByteArrayList { QByteArray(500, 'x') }
                                            << true << "250 2.0.0 " + QByteArray(500, 'x') + "\r\n";
}

void TestSmtpReply::toWire()
{
    QFETCH(int, code);
    QFETCH(QByteArray, enhanced);
    QFETCH(QByteArrayList, lines);
    QFETCH(bool, withEnhanced);
    QFETCH(QByteArray, wire);
    const SmtpReply reply { code, enhanced, lines };
    QCOMPARE(reply.toWire(withEnhanced), wire);
    for (const QByteArray &line : wire.split('\n')) {
        QVERIFY(line.size() <= 511);
    }
}

void TestSmtpReply::toTranscript_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("enhanced");
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<bool>("withEnhanced");
    QTest::addColumn<QByteArray>("transcript");
    QTest::newRow("one line, no line end")
        << 221 << QByteArray("2.0.0") << QByteArrayList { "Bye" } << true << QByteArray("221 2.0.0 Bye");
    QTest::newRow("lines joined with LF, no CR")
        << 250 << QByteArray() << QByteArrayList { "mx.test", "8BITMIME", "SMTPUTF8" } << false
        << QByteArray("250-mx.test\n250-8BITMIME\n250 SMTPUTF8");
    QTest::newRow("enhanced codes on every line")
        << 250 << QByteArray("2.1.5") << QByteArrayList { "a", "b" } << true << QByteArray("250-2.1.5 a\n250 2.1.5 b");
    QTest::newRow("no text at all") << 554 << QByteArray() << QByteArrayList() << true << QByteArray("554 ");
}

void TestSmtpReply::toTranscript()
{
    QFETCH(int, code);
    QFETCH(QByteArray, enhanced);
    QFETCH(QByteArrayList, lines);
    QFETCH(bool, withEnhanced);
    QFETCH(QByteArray, transcript);
    const SmtpReply reply { code, enhanced, lines };
    QCOMPARE(reply.toTranscript(withEnhanced), transcript);
    QVERIFY(!transcript.contains('\r'));
}

QTEST_APPLESS_MAIN(TestSmtpReply)
#include "tst_smtpreply.moc"
