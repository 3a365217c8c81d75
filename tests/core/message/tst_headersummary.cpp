// HeaderSummary against RFC 2047's own examples and hand-decoded headers.
#include <message/headersummary.h>

#include <QTest>

class TestHeaderSummary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodeWords_data();
    void decodeWords();
    void summary();
    void attachments_data();
    void attachments();
};

void TestHeaderSummary::decodeWords_data()
{
    QTest::addColumn<QByteArray>("encoded");
    QTest::addColumn<QString>("decoded");
    // RFC 2047 §8 examples.
    QTest::newRow("ISO-8859-1 Q word in a display name")
        << QByteArray("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>")
        << QStringLiteral("Andr\u00e9 Pirard <PIRARD@vm1.ulg.ac.be>");
    QTest::newRow("a word followed by text keeps the space")
        << QByteArray("(=?ISO-8859-1?Q?a?= b)") << QStringLiteral("(a b)");
    QTest::newRow("space between adjacent words is dropped")
        << QByteArray("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") << QStringLiteral("(ab)");
    QTest::newRow("folding whitespace between words is dropped")
        << QByteArray("(=?ISO-8859-1?Q?a?=   \t =?ISO-8859-1?Q?b?=)") << QStringLiteral("(ab)");
    QTest::newRow("underscore is a space in Q") << QByteArray("(=?ISO-8859-1?Q?a_b?=)") << QStringLiteral("(a b)");
    QTest::newRow("UTF-8 B word") << QByteArray("=?UTF-8?B?w6nDqMOg?=") << QStringLiteral("\u00e9\u00e8\u00e0");
    QTest::newRow("lower-case charset and encoding")
        << QByteArray("=?utf-8?q?caf=C3=A9?=") << QStringLiteral("caf\u00e9");
    QTest::newRow("windows-1252 euro sign") << QByteArray("=?windows-1252?Q?=80_5?=") << QStringLiteral("\u20ac 5");
    QTest::newRow("ISO-8859-2") << QByteArray("=?ISO-8859-2?Q?=A3=F3d=BC?=") << QStringLiteral("\u0141\u00f3d\u017a");
    QTest::newRow("ISO-2022-JP B word") << QByteArray("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=")
                                        << QStringLiteral("\u65e5\u672c\u8a9e");
    QTest::newRow("RFC 2231 language suffix")
        << QByteArray("=?US-ASCII*EN?Q?Keith_Moore?=") << QStringLiteral("Keith Moore");
    QTest::newRow("malformed word stays as it is")
        << QByteArray("=?UTF-8?X?abc?= and =?broken") << QStringLiteral("=?UTF-8?X?abc?= and =?broken");
    QTest::newRow("raw UTF-8 (RFC 6532)")
        << QByteArray("J\xc3\xb6rg <j@x.test>") << QStringLiteral("J\u00f6rg <j@x.test>");
}

void TestHeaderSummary::decodeWords()
{
    QFETCH(QByteArray, encoded);
    QFETCH(QString, decoded);
    QCOMPARE(HeaderSummary::decodeWords(encoded), decoded);
}

void TestHeaderSummary::summary()
{
    const QByteArray message = "From: =?UTF-8?Q?J=C3=B6rg?= <j@x.test>\r\n"
                               "To: a@y.test,\r\n"
                               " b@y.test\r\n"
                               "CC: c@y.test\r\n"
                               "Subject: =?UTF-8?B?SGVsbG8g?=\r\n"
                               "\t=?UTF-8?B?d29ybGQ=?=\r\n"
                               "Date: Tue, 1 Jul 2003 10:52:37 +0200 (CEST)\r\n"
                               "Message-ID: <1234@local.machine.example>\r\n"
                               "\r\n"
                               "Subject: not a header\r\n";
    const HeaderSummary s = HeaderSummary::fromMessage(message);
    QCOMPARE(s.from, QStringLiteral("J\u00f6rg <j@x.test>"));
    QCOMPARE(s.to, QStringLiteral("a@y.test, b@y.test"));
    QCOMPARE(s.cc, QStringLiteral("c@y.test"));
    QCOMPARE(s.subject, QStringLiteral("Hello world"));
    QCOMPARE(s.dateMs, Q_INT64_C(1057049557000)); // 2003-07-01T08:52:37Z
    QCOMPARE(s.messageId, QStringLiteral("1234@local.machine.example"));
    QVERIFY(!s.hasAttachments);

    const HeaderSummary empty = HeaderSummary::fromMessage("no headers at all");
    QCOMPARE(empty.subject, QString());
    QCOMPARE(empty.dateMs, Q_INT64_C(0));
}

void TestHeaderSummary::attachments_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("hasAttachments");
    QTest::newRow("plain text") << QByteArray("Content-Type: text/plain\r\n\r\nhi\r\n") << false;
    QTest::newRow("mixed with an attachment part") << QByteArray(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n"
        "\r\nJVBERi0=\r\n--b--\r\n") << true;
    QTest::newRow("alternative only") << QByteArray("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
                                                    "Content-Type: text/plain\r\n\r\nhi\r\n--b--\r\n")
                                      << false;
    QTest::newRow("single-part attachment") << QByteArray("Content-Type: application/zip\r\nContent-Disposition: "
                                                          "attachment; filename=x.zip\r\n\r\nUEsDBA==\r\n")
                                            << true;
}

void TestHeaderSummary::attachments()
{
    QFETCH(QByteArray, message);
    QFETCH(bool, hasAttachments);
    QCOMPARE(HeaderSummary::fromMessage(message).hasAttachments, hasAttachments);
}

QTEST_APPLESS_MAIN(TestHeaderSummary)
#include "tst_headersummary.moc"
