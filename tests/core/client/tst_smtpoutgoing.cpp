// SmtpOutgoing::fillFromHeaders: the envelope taken from the header as tcllib smtp::sendmessage takes it
// (originator from Resent-From or From, else Sender; recipients from Resent-To/Cc/Bcc or To/Cc/Bcc) and the Bcc
// field removed (RFC 5322 §3.6.3). Address syntax from RFC 5322 §3.4 (display names, comments, groups, folding).
#include <client/smtpoutgoing.h>

#include <QTest>

class TestSmtpOutgoing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fillFromHeaders_data();
    void fillFromHeaders();
    void givenEnvelopeIsKept();
};

void TestSmtpOutgoing::fillFromHeaders_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QByteArray>("mailFrom");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<QByteArray>("sent"); // data after the call

    QTest::newRow("From, To, Cc and Bcc: every recipient once, the Bcc field gone")
        << QByteArray("From: Ann <a@x.test>\r\nTo: b@y.test, \"Carl, Jr.\" <c@y.test>\r\nCc: B@y.test\r\n"
                      "Bcc: hidden@z.test\r\nSubject: s\r\n\r\nBcc: in the body stays\r\n")
        << true << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test", "hidden@z.test" }
        << QByteArray("From: Ann <a@x.test>\r\nTo: b@y.test, \"Carl, Jr.\" <c@y.test>\r\nCc: B@y.test\r\n"
                      "Subject: s\r\n\r\nBcc: in the body stays\r\n");
    QTest::newRow("folded lists with comments and a group (RFC 5322 §3.4, §3.2.2)")
        << QByteArray("From: a@x.test (Ann)\nTo: team: b@y.test,\n  (boss) c@y.test;\nBcc: d@y.test,\n\te@y.test\n"
                      "\nbody\n")
        << true << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test", "d@y.test", "e@y.test" }
        << QByteArray("From: a@x.test (Ann)\nTo: team: b@y.test,\n  (boss) c@y.test;\n\nbody\n");
    QTest::newRow("an empty group names nobody: no recipient is a failure")
        << QByteArray("From: a@x.test\r\nTo: undisclosed-recipients:;\r\n\r\nx\r\n") << false << QByteArray("a@x.test")
        << QByteArrayList {} << QByteArray("From: a@x.test\r\nTo: undisclosed-recipients:;\r\n\r\nx\r\n");
    QTest::newRow("Sender is the originator when From has no address")
        << QByteArray("Sender: s@x.test\r\nTo: b@y.test\r\n\r\nx\r\n") << true << QByteArray("s@x.test")
        << QByteArrayList { "b@y.test" } << QByteArray("Sender: s@x.test\r\nTo: b@y.test\r\n\r\nx\r\n");
    QTest::newRow("no From and no Sender: no originator is a failure")
        << QByteArray("To: b@y.test\r\n\r\nx\r\n") << false << QByteArray() << QByteArrayList { "b@y.test" }
        << QByteArray("To: b@y.test\r\n\r\nx\r\n");
    QTest::newRow("a resent message goes to its Resent-* recipients, from Resent-From; Resent-Bcc goes (RFC 5322 "
                  "§3.6.6)")
        << QByteArray("Resent-From: r@x.test\r\nResent-To: new@y.test\r\nResent-Bcc: secret@y.test\r\n"
                      "From: a@x.test\r\nTo: old@y.test\r\nBcc: oldhidden@y.test\r\n\r\nx\r\n")
        << true << QByteArray("r@x.test") << QByteArrayList { "new@y.test", "secret@y.test" }
        << QByteArray("Resent-From: r@x.test\r\nResent-To: new@y.test\r\n"
                      "From: a@x.test\r\nTo: old@y.test\r\nBcc: oldhidden@y.test\r\n\r\nx\r\n");
    QTest::newRow("recipients in several To fields are all taken")
        << QByteArray("From: a@x.test\r\nTo: b@y.test\r\nTo: c@y.test\r\n\r\nx\r\n") << true << QByteArray("a@x.test")
        << QByteArrayList { "b@y.test", "c@y.test" }
        << QByteArray("From: a@x.test\r\nTo: b@y.test\r\nTo: c@y.test\r\n\r\nx\r\n");
}

void TestSmtpOutgoing::fillFromHeaders()
{
    QFETCH(QByteArray, data);
    QFETCH(bool, ok);
    QFETCH(QByteArray, mailFrom);
    QFETCH(QByteArrayList, rcptTo);
    QFETCH(QByteArray, sent);

    SmtpOutgoing outgoing;
    outgoing.data = data;
    QString error;
    QCOMPARE(SmtpOutgoing::fillFromHeaders(&outgoing, &error), ok);
    QCOMPARE(error.isEmpty(), ok);
    QCOMPARE(outgoing.mailFrom, mailFrom);
    QCOMPARE(outgoing.rcptTo, rcptTo);
    QCOMPARE(outgoing.data, sent);
}

void TestSmtpOutgoing::givenEnvelopeIsKept()
{
    // tcllib -originator and -recipients: when given, the header is not consulted; Bcc still goes.
    SmtpOutgoing outgoing { "given@x.test", { "given@y.test" },
        "From: a@x.test\r\nTo: b@y.test\r\nBcc: c@y.test\r\n\r\nx\r\n" };
    QString error;
    QVERIFY(SmtpOutgoing::fillFromHeaders(&outgoing, &error));
    QCOMPARE(outgoing.mailFrom, QByteArray("given@x.test"));
    QCOMPARE(outgoing.rcptTo, QByteArrayList { "given@y.test" });
    QCOMPARE(outgoing.data, QByteArray("From: a@x.test\r\nTo: b@y.test\r\n\r\nx\r\n"));
}

QTEST_APPLESS_MAIN(TestSmtpOutgoing)
#include "tst_smtpoutgoing.moc"
