// SendmailOutcome, appless: every way an SMTP send can end, mapped to the exit code the contract gives it
// (CONTRACT "Settled details", sendmail mode: 0 delivered; 65 message refused with 5xx after DATA; 67 every
// recipient refused with 5xx; 69 server unreachable; 75 any temporary failure, 4xx or every recipient refused with
// 4xx; 77 sender refused with 5xx) and one line for stderr that says what happened.
#include <client/sendmailoutcome.h>
#include <client/smtpsendresult.h>

#include <QTest>

using Stage = SmtpSendResult::Stage;

namespace {
SmtpSendResult result(Stage stage, int code, const QByteArray &reply, const QString &errorString = QString())
{
    SmtpSendResult r;
    r.ok = stage == Stage::Done && code == 250;
    r.stage = stage;
    r.server = QStringLiteral("127.0.0.1:1025");
    r.code = code;
    r.reply = reply;
    r.errorString = errorString;
    return r;
}

SmtpSendResult withRecipients(
    SmtpSendResult r, const QByteArrayList &accepted, const QList<SmtpRecipientResult> &refused)
{
    r.accepted = accepted;
    r.refused = refused;
    return r;
}

SmtpRecipientResult refusal(const QByteArray &address, int code, const QByteArray &enhanced, const QByteArray &text)
{
    return { address, code, enhanced, text };
}
} // namespace

class TestSendmailOutcome : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exitCodes_data();
    void exitCodes();
};

void TestSendmailOutcome::exitCodes_data()
{
    QTest::addColumn<SmtpSendResult>("result");
    QTest::addColumn<int>("exitCode");
    // What the stderr line must say ("" for no line at all).
    QTest::addColumn<QStringList>("says");

    const SmtpRecipientResult bogus = refusal("bogus@example.test", 550, "5.1.1", "mailbox unavailable");
    const SmtpRecipientResult busy = refusal("busy@example.test", 450, "4.2.1", "try later");

    QTest::newRow("a message every recipient took exits 0 silently")
        << withRecipients(result(Stage::Done, 250, "250 2.0.0 Ok: queued"), { "bob@example.test" }, {}) << 0
        << QStringList {};
    QTest::newRow("a message delivered to one of two exits 0 and names the refused one")
        << withRecipients(result(Stage::Done, 250, "250 2.0.0 Ok: queued"), { "bob@example.test" }, { bogus }) << 0
        << QStringList { "delivered to 1 of 2", "<bogus@example.test> 550 5.1.1 mailbox unavailable" };
    QTest::newRow("nothing listening on the port is 69")
        << result(Stage::Connect, 0, "", QStringLiteral("Connection refused")) << 69
        << QStringList { "cannot reach 127.0.0.1:1025", "Connection refused" };
    QTest::newRow("a connect that times out is 69")
        << result(Stage::Connect, 0, "", QStringLiteral("timed out after 30000 ms")) << 69
        << QStringList { "cannot reach", "timed out" };
    QTest::newRow("a greeting refusing the host with 550 is 69")
        << result(Stage::Greeting, 550, "550 Access denied") << 69 << QStringList { "550 Access denied" };
    QTest::newRow("a 421 greeting (too many connections) is 75") << result(Stage::Greeting, 421,
        "421 mx.test Too many connections") << 75 << QStringList { "421 mx.test Too many connections" };
    QTest::newRow("a connection closed before the greeting is 75")
        << result(Stage::Greeting, 0, "", QStringLiteral("the server closed the connection")) << 75
        << QStringList { "greeting", "the server closed the connection" };
    QTest::newRow("a sender refused with 550 is 77") << result(Stage::MailFrom, 550,
        "550 5.7.1 sender not allowed") << 77 << QStringList { "sender refused", "550 5.7.1 sender not allowed" };
    QTest::newRow("a sender refused with 451 is 75")
        << result(Stage::MailFrom, 451, "451 4.3.0 try again") << 75 << QStringList { "MAIL FROM", "451 4.3.0" };
    QTest::newRow("a login refused with 535 is 77")
        << result(Stage::Auth, 535, "535 5.7.8 authentication failed") << 77 << QStringList { "535 5.7.8" };
    QTest::newRow("every recipient refused with 5xx is 67")
        << withRecipients(result(Stage::RcptTo, 550, "550 5.1.1 mailbox unavailable"), {},
               { bogus, refusal("nobody@example.test", 553, "5.1.3", "bad address") })
        << 67
        << QStringList { "every recipient refused",
               "<bogus@example.test> 550 5.1.1 mailbox unavailable; <nobody@example.test> 553 5.1.3 bad address" };
    QTest::newRow("every recipient refused with 4xx is 75")
        << withRecipients(result(Stage::RcptTo, 450, "450 4.2.1 try later"), {}, { busy }) << 75
        << QStringList { "<busy@example.test> 450 4.2.1 try later" };
    QTest::newRow("every recipient refused, one of them with 4xx, is 75")
        << withRecipients(result(Stage::RcptTo, 550, "550 5.1.1 mailbox unavailable"), {}, { busy, bogus }) << 75
        << QStringList { "busy@example.test", "bogus@example.test" };
    QTest::newRow("a message refused with 554 after DATA is 65")
        << withRecipients(result(Stage::Data, 554, "554 5.6.0 content rejected"), { "bob@example.test" }, {}) << 65
        << QStringList { "message refused", "554 5.6.0 content rejected" };
    QTest::newRow("the DATA command refused with 554 is 65")
        << withRecipients(result(Stage::Data, 554, "554 5.5.1 no valid recipients"), { "bob@example.test" }, {}) << 65
        << QStringList { "554 5.5.1" };
    QTest::newRow("a message refused with 452 after DATA is 75")
        << withRecipients(result(Stage::Data, 452, "452 4.3.1 storage full"), { "bob@example.test" }, {}) << 75
        << QStringList { "452 4.3.1 storage full" };
    QTest::newRow("a connection lost after DATA is 75") << withRecipients(
        result(Stage::Data, 0, "", QStringLiteral("timed out after 30000 ms")), { "bob@example.test" }, {})
                                                        << 75 << QStringList { "DATA", "timed out" };
    QTest::newRow("a multi-line reply is still one line") << result(Stage::MailFrom, 550,
        "550-5.7.1 first\r\n550 5.7.1 second") << 77 << QStringList { "first", "second" };
}

void TestSendmailOutcome::exitCodes()
{
    QFETCH(SmtpSendResult, result);
    QFETCH(QStringList, says);
    const SendmailOutcome outcome = SendmailOutcome::fromResult(result);
    QTEST(outcome.exitCode, "exitCode");
    QCOMPARE(outcome.message.isEmpty(), says.isEmpty());
    for (const QString &text : says) {
        QVERIFY2(outcome.message.contains(text), qPrintable(outcome.message));
    }
    QVERIFY2(!outcome.message.contains(u'\n') && !outcome.message.contains(u'\r'), qPrintable(outcome.message));
}

QTEST_APPLESS_MAIN(TestSendmailOutcome)
#include "tst_sendmailoutcome.moc"
