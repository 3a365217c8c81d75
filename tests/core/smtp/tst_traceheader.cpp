// TraceHeader: the Received: line a stored message starts with. Expected lines are written by hand from RFC 5321
// §4.4 (the Stamp: "from" the EHLO name and the client's address literal, "by" this host, "with" the protocol, "id",
// then ";" and the date), RFC 3848 (SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA), RFC 5321 §4.1.3 (IPv6 literals carry the
// "IPv6:" tag) and RFC 5322 §3.3 (the date) and §2.1.1 (at most 998 characters a line).
#include <smtp/smtpenvelope.h>
#include <smtp/traceheader.h>

#include <QTest>

namespace {
// 2026-01-31T12:34:56Z, a Saturday: 2026-01-01 is 20,454 days after the epoch, a Thursday; 30 days later is
// a Saturday; 12:34:56 is 45,296 s into the day.
constexpr qint64 Saturday = Q_INT64_C(1769862896000);
const QByteArray SaturdayText = "Sat, 31 Jan 2026 12:34:56 +0000";

SmtpEnvelope envelope(const QByteArray &helo, const QString &address, bool esmtp = true)
{
    SmtpEnvelope e;
    e.helo = helo;
    e.clientAddress = ClientAddress::fromString(address);
    e.esmtp = esmtp;
    return e;
}
} // namespace

class TestTraceHeader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void received_data();
    void received();
    void theDate_data();
    void theDate();
    void aHeloNameCannotBreakTheHeader_data();
    void aHeloNameCannotBreakTheHeader();
    void foldsOnlyPastTheLineLimit_data();
    void foldsOnlyPastTheLineLimit();
};

void TestTraceHeader::received_data()
{
    QTest::addColumn<QByteArray>("helo");
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("esmtp");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<QByteArray>("authUser");
    QTest::addColumn<QByteArray>("expected");
    const QByteArray tail = " id ID123; " + SaturdayText + "\r\n";
    QTest::newRow("after HELO the protocol is SMTP")
        << QByteArray("client.example") << "192.0.2.1" << false << false << QByteArray()
        << "Received: from client.example ([192.0.2.1]) by mx.test (Letterbox) with SMTP" + tail;
    QTest::newRow("after EHLO the protocol is ESMTP")
        << QByteArray("client.example") << "192.0.2.1" << true << false << QByteArray()
        << "Received: from client.example ([192.0.2.1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("with TLS, ESMTPS") << QByteArray("client.example") << "192.0.2.1" << true << true << QByteArray()
                                      << "Received: from client.example ([192.0.2.1]) by mx.test (Letterbox) with "
                                         "ESMTPS"
            + tail;
    QTest::newRow("with AUTH, ESMTPA") << QByteArray("client.example") << "192.0.2.1" << true << false
                                       << QByteArray("alice")
                                       << "Received: from client.example ([192.0.2.1]) by mx.test (Letterbox) with "
                                          "ESMTPA"
            + tail;
    QTest::newRow("with TLS and AUTH, ESMTPSA")
        << QByteArray("client.example") << "192.0.2.1" << true << true << QByteArray("alice")
        << "Received: from client.example ([192.0.2.1]) by mx.test "
           "(Letterbox) with ESMTPSA"
            + tail;
    QTest::newRow("RFC 3848 has no SMTPA: HELO stays SMTP")
        << QByteArray("client.example") << "192.0.2.1" << false << false << QByteArray("alice")
        << "Received: from client.example ([192.0.2.1]) by mx.test (Letterbox) with SMTP" + tail;
    QTest::newRow("an IPv6 client carries the IPv6: tag")
        << QByteArray("client.example") << "2001:db8::1" << true << false << QByteArray()
        << "Received: from client.example ([IPv6:2001:db8::1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("IPv6 loopback") << QByteArray("localhost") << "::1" << true << false << QByteArray()
                                   << "Received: from localhost ([IPv6:::1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("an IPv4-mapped address is the RFC's IPv6v4 form")
        << QByteArray("client.example") << "::ffff:192.0.2.1" << true << false << QByteArray()
        << "Received: from client.example ([IPv6:::ffff:192.0.2.1]) by mx.test (Letterbox) with ESMTP" + tail;
    // IPv6-hex is hex digits only: a link-local peer's zone ("%eth0") has no place in the literal.
    QTest::newRow("a link-local client loses its zone")
        << QByteArray("client.example") << "fe80::1%eth0" << true << false << QByteArray()
        << "Received: from client.example ([IPv6:fe80::1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("an address literal as the EHLO name is kept")
        << QByteArray("[192.0.2.1]") << "192.0.2.1" << true << false << QByteArray()
        << "Received: from [192.0.2.1] ([192.0.2.1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("an IPv6 literal as the EHLO name is kept")
        << QByteArray("[IPv6:2001:db8::1]") << "2001:db8::1" << true << false << QByteArray()
        << "Received: from [IPv6:2001:db8::1] ([IPv6:2001:db8::1]) by mx.test (Letterbox) with ESMTP" + tail;
    QTest::newRow("no EHLO name at all") << QByteArray() << "192.0.2.1" << true << false << QByteArray()
                                         << "Received: from unknown ([192.0.2.1]) by mx.test (Letterbox) with ESMTP"
            + tail;
}

void TestTraceHeader::received()
{
    QFETCH(QByteArray, helo);
    QFETCH(QString, address);
    QFETCH(bool, esmtp);
    QFETCH(bool, tls);
    QFETCH(QByteArray, authUser);
    QFETCH(QByteArray, expected);
    SmtpEnvelope e = envelope(helo, address, esmtp);
    e.tls = tls;
    e.authUser = authUser;
    QCOMPARE(TraceHeader::received(e, "mx.test", "ID123", Saturday), expected);
}

void TestTraceHeader::theDate_data()
{
    QTest::addColumn<qint64>("timeMs");
    QTest::addColumn<QByteArray>("date");
    QTest::newRow("the epoch") << Q_INT64_C(0) << QByteArray("Thu, 01 Jan 1970 00:00:00 +0000");
    QTest::newRow("milliseconds are cut, not rounded")
        << Q_INT64_C(999) << QByteArray("Thu, 01 Jan 1970 00:00:00 +0000");
    QTest::newRow("a Saturday afternoon") << Saturday << SaturdayText;
    // 2024-02-29: 2024-01-01 is 19,723 days after the epoch (a Monday); 59 days later, a Thursday.
    QTest::newRow("a leap day") << Q_INT64_C(1709164800000) + 23 * 3600000 + 59 * 60000 + 59000
                                << QByteArray("Thu, 29 Feb 2024 23:59:59 +0000");
}

void TestTraceHeader::theDate()
{
    QFETCH(qint64, timeMs);
    QFETCH(QByteArray, date);
    const QByteArray header = TraceHeader::received(envelope("h", "192.0.2.1"), "mx.test", "ID", timeMs);
    QVERIFY(header.endsWith("; " + date + "\r\n"));
}

void TestTraceHeader::aHeloNameCannotBreakTheHeader_data()
{
    QTest::addColumn<QByteArray>("helo");
    QTest::addColumn<QByteArray>("written");
    QTest::newRow("CR LF cannot start a header of its own")
        << QByteArray("evil\r\nX-Injected: yes") << QByteArray("evil??X-Injected:?yes");
    QTest::newRow("a bare LF") << QByteArray("a\nb") << QByteArray("a?b");
    QTest::newRow("a space would end the name") << QByteArray("a b") << QByteArray("a?b");
    QTest::newRow("a tab") << QByteArray("a\tb") << QByteArray("a?b");
    QTest::newRow("a NUL byte") << QByteArray("a\0b", 3) << QByteArray("a?b");
    QTest::newRow("DEL") << QByteArray("a\x7f"
                                       "b")
                         << QByteArray("a?b");
    QTest::newRow("UTF-8 bytes") << QByteArray("b\xc3\xbc"
                                               "cher.example")
                                 << QByteArray("b??cher.example");
    QTest::newRow("parentheses would open a comment") << QByteArray("a(b)c") << QByteArray("a?b?c");
    QTest::newRow("a backslash would quote") << QByteArray("a\\b") << QByteArray("a?b");
    // RFC 5322 §3.6.7: the one ";" of a Received: field separates the tokens from the date.
    QTest::newRow("a semicolon would end the tokens early")
        << QByteArray("a; Mon, 1 Jan 2001 00:00:00 +0000") << QByteArray("a??Mon??1?Jan?2001?00:00:00?+0000");
    QTest::newRow("a double quote would open a quoted string") << QByteArray("a\"b") << QByteArray("a?b");
    QTest::newRow("angle brackets") << QByteArray("<a>") << QByteArray("?a?");
    QTest::newRow("a comma") << QByteArray("a,b") << QByteArray("a?b");
    QTest::newRow("an at sign, dots and a hyphen stay")
        << QByteArray("user@mail-1.example") << QByteArray("user@mail-1.example");
    QTest::newRow("a name of 255 octets is kept whole") << QByteArray(255, 'a') << QByteArray(255, 'a');
    QTest::newRow("a longer name is cut to 255 octets") << QByteArray(1000, 'a') << QByteArray(255, 'a');
    QTest::newRow("a name of only odd bytes") << QByteArray("\r\n") << QByteArray("??");
}

void TestTraceHeader::aHeloNameCannotBreakTheHeader()
{
    QFETCH(QByteArray, helo);
    QFETCH(QByteArray, written);
    const QByteArray header = TraceHeader::received(envelope(helo, "192.0.2.1"), "mx.test", "ID123", Saturday);
    QCOMPARE(header,
        "Received: from " + written + " ([192.0.2.1]) by mx.test (Letterbox) with ESMTP id ID123; " + SaturdayText
            + "\r\n");
    // One line, one CRLF, one ";".
    QCOMPARE(header.count('\r'), 1);
    QCOMPARE(header.count('\n'), 1);
    QCOMPARE(header.count(';'), 1);
}

void TestTraceHeader::foldsOnlyPastTheLineLimit_data()
{
    QTest::addColumn<int>("lineLength"); // of the header on one line, without its CRLF
    QTest::addColumn<bool>("folded");
    QTest::newRow("an ordinary line") << 120 << false;
    QTest::newRow("a line of 998 characters, the most RFC 5322 allows") << 998 << false;
    QTest::newRow("a line of 999 characters is folded before the date") << 999 << true;
    QTest::newRow("a line the fold brings back to 998 characters") << 1030 << true;
}

void TestTraceHeader::foldsOnlyPastTheLineLimit()
{
    QFETCH(int, lineLength);
    QFETCH(bool, folded);
    // A host name long enough to make the whole line lineLength characters.
    const QByteArray head = "Received: from client.example ([192.0.2.1]) by ";
    const QByteArray tail = " (Letterbox) with ESMTP id ID123; " + SaturdayText;
    const QByteArray hostname = QByteArray("mx.") + QByteArray(lineLength - head.size() - tail.size() - 3, 'h');
    const QByteArray oneLine = head + hostname + tail;
    QCOMPARE(oneLine.size(), lineLength);
    const QByteArray header
        = TraceHeader::received(envelope("client.example", "192.0.2.1"), hostname, "ID123", Saturday);
    if (!folded) {
        QCOMPARE(header, oneLine + "\r\n");
        return;
    }
    // RFC 5322 §3.2.2: folding is a CRLF before white space; unfolding gives back the line.
    const QByteArray expected = head + hostname + " (Letterbox) with ESMTP id ID123;\r\n " + SaturdayText + "\r\n";
    QCOMPARE(header, expected);
    QByteArray unfolded = header;
    unfolded.chop(2);
    unfolded.replace("\r\n", "");
    QCOMPARE(unfolded, oneLine);
    for (const QByteArray &line : header.split('\n')) {
        QVERIFY(line.size() <= 998 + 1);
    }
}

QTEST_APPLESS_MAIN(TestTraceHeader)
#include "tst_traceheader.moc"
