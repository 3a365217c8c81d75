// SmtpSequence: which command may come when. Each row is a session state, a command and what RFC 5321 §3.3 and
// §4.1.4 (a session starts with EHLO/HELO; MAIL, then RCPT, then DATA; no MAIL inside a transaction), RFC 3030 §2
// (BDAT like DATA, never DATA after BDAT), RFC 4954 §4 and §6 (AUTH after EHLO, once, outside a transaction; 530
// when required), RFC 3207 §4 (STARTTLS when offered, once) and README "Testing failure handling" (503 5.7.1 to all
// but QUIT after a host rejection) call for.
#include <smtp/smtpsequence.h>

#include <QTest>

Q_DECLARE_METATYPE(SmtpCommand)
Q_DECLARE_METATYPE(SmtpSequence::Facts)

namespace {
using Facts = SmtpSequence::Facts;

Facts fresh()
{
    Facts f;
    f.authOffered = true;
    return f;
}

Facts greeted(bool extended = true)
{
    Facts f = fresh();
    f.greeted = true;
    f.extended = extended;
    return f;
}

Facts inTransaction(bool recipients)
{
    Facts f = greeted();
    f.sender = true;
    f.recipients = recipients;
    return f;
}

// The reply's text, or "allowed".
QByteArray outcome(SmtpCommand command, const Facts &facts)
{
    const std::optional<SmtpReplyId> refusal = SmtpSequence::refusal(command, facts);
    if (!refusal) {
        return "allowed";
    }
    const SmtpReply r = SmtpReplies::reply(*refusal, "mx.test", SmtpSequence::syntax(command));
    return QByteArray::number(r.code) + ' ' + r.enhanced + ' ' + r.lines.join('/');
}
} // namespace

class TestSmtpSequence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void table_data();
    void table();
    void verbs();
};

void TestSmtpSequence::table_data()
{
    QTest::addColumn<Facts>("facts");
    QTest::addColumn<SmtpCommand>("command");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray needHelo = "503 5.5.1 Error: send HELO/EHLO first";
    const QByteArray needMail = "503 5.5.1 Error: need MAIL command";
    const QByteArray needRcpt = "503 5.5.1 Error: need RCPT command";

    QTest::newRow("EHLO is allowed at once") << fresh() << SmtpCommand::Ehlo << QByteArray("allowed");
    QTest::newRow("MAIL before EHLO") << fresh() << SmtpCommand::Mail << needHelo;
    QTest::newRow("RCPT before EHLO") << fresh() << SmtpCommand::Rcpt << needHelo;
    QTest::newRow("DATA before EHLO") << fresh() << SmtpCommand::Data << needHelo;
    QTest::newRow("BDAT before EHLO") << fresh() << SmtpCommand::Bdat << needHelo;
    QTest::newRow("MAIL after EHLO") << greeted() << SmtpCommand::Mail << QByteArray("allowed");
    QTest::newRow("RCPT without MAIL") << greeted() << SmtpCommand::Rcpt << needMail;
    QTest::newRow("DATA without MAIL") << greeted() << SmtpCommand::Data << needMail;
    QTest::newRow("DATA without an accepted recipient") << inTransaction(false) << SmtpCommand::Data << needRcpt;
    QTest::newRow("BDAT without an accepted recipient") << inTransaction(false) << SmtpCommand::Bdat << needRcpt;
    QTest::newRow("DATA after a recipient") << inTransaction(true) << SmtpCommand::Data << QByteArray("allowed");
    QTest::newRow("a second MAIL in a transaction")
        << inTransaction(false) << SmtpCommand::Mail << QByteArray("503 5.5.1 Error: nested MAIL command");
    Facts bdat = inTransaction(true);
    bdat.bdat = true;
    QTest::newRow("DATA after BDAT") << bdat << SmtpCommand::Data << QByteArray("503 5.5.1 Error: DATA after BDAT");
    QTest::newRow("more BDAT after BDAT") << bdat << SmtpCommand::Bdat << QByteArray("allowed");

    Facts withArgument = inTransaction(true);
    withArgument.argument = true;
    QTest::newRow("DATA with an argument is a syntax error before anything else")
        << withArgument << SmtpCommand::Data << QByteArray("501 5.5.4 Syntax: DATA");
    Facts dataArgumentEarly = fresh();
    dataArgumentEarly.argument = true;
    QTest::newRow("DATA with an argument before EHLO is still the syntax error")
        << dataArgumentEarly << SmtpCommand::Data << QByteArray("501 5.5.4 Syntax: DATA");
    QTest::newRow("RSET with an argument") << withArgument << SmtpCommand::Rset << QByteArray("501 5.5.4 Syntax: RSET");
    QTest::newRow("VRFY without an argument")
        << greeted() << SmtpCommand::Vrfy << QByteArray("501 5.5.4 Syntax: VRFY address");
    QTest::newRow("NOOP takes an argument") << withArgument << SmtpCommand::Noop << QByteArray("allowed");

    QTest::newRow("AUTH after HELO") << greeted(false) << SmtpCommand::Auth
                                     << QByteArray("503 5.5.1 Error: send EHLO first");
    QTest::newRow("AUTH before EHLO") << fresh() << SmtpCommand::Auth << QByteArray("503 5.5.1 Error: send EHLO first");
    Facts authenticated = greeted();
    authenticated.authenticated = true;
    QTest::newRow("AUTH twice") << authenticated << SmtpCommand::Auth
                                << QByteArray("503 5.5.1 Error: already authenticated");
    QTest::newRow("AUTH inside a transaction") << inTransaction(
        false) << SmtpCommand::Auth << QByteArray("503 5.5.1 Error: AUTH not permitted during a mail transaction");
    Facts noAuth = fresh();
    noAuth.authOffered = false;
    QTest::newRow("AUTH when not offered, whatever the state")
        << noAuth << SmtpCommand::Auth << QByteArray("502 5.5.1 Error: authentication not enabled");
    Facts required = greeted();
    required.authRequired = true;
    QTest::newRow("MAIL without AUTH when it is required")
        << required << SmtpCommand::Mail << QByteArray("530 5.7.0 Authentication required");
    Facts requiredEarly = fresh();
    requiredEarly.authRequired = true;
    QTest::newRow("MAIL before EHLO when AUTH is required: EHLO comes first")
        << requiredEarly << SmtpCommand::Mail << needHelo;
    required.authenticated = true;
    QTest::newRow("MAIL after AUTH when it is required") << required << SmtpCommand::Mail << QByteArray("allowed");

    QTest::newRow("STARTTLS when not offered")
        << greeted() << SmtpCommand::StartTls << QByteArray("454 4.7.0 TLS not available");
    Facts tls = greeted();
    tls.tlsOffered = true;
    QTest::newRow("STARTTLS when offered") << tls << SmtpCommand::StartTls << QByteArray("allowed");
    tls.argument = true;
    QTest::newRow("STARTTLS with an argument")
        << tls << SmtpCommand::StartTls << QByteArray("501 5.5.4 Syntax: STARTTLS");
    tls.argument = false;
    tls.tls = true;
    QTest::newRow("STARTTLS in TLS") << tls << SmtpCommand::StartTls
                                     << QByteArray("503 5.5.1 Error: TLS already active");

    Facts rejected = fresh();
    rejected.hostRejected = true;
    for (const SmtpCommand command : { SmtpCommand::Ehlo, SmtpCommand::Mail, SmtpCommand::Noop, SmtpCommand::Rset,
             SmtpCommand::Auth, SmtpCommand::Bdat, SmtpCommand::Unknown }) {
        QTest::addRow("a rejected host's command %d", int(command))
            << rejected << command << QByteArray("503 5.7.1 Error: access denied");
    }
    QTest::newRow("a rejected host may QUIT") << rejected << SmtpCommand::Quit << QByteArray("allowed");
}

void TestSmtpSequence::table()
{
    QFETCH(Facts, facts);
    QFETCH(SmtpCommand, command);
    QFETCH(QByteArray, expected);
    QCOMPARE(outcome(command, facts), expected);
}

void TestSmtpSequence::verbs()
{
    QCOMPARE(SmtpSequence::command("EHLO"), SmtpCommand::Ehlo);
    QCOMPARE(SmtpSequence::command("ehlo"), SmtpCommand::Ehlo);
    QCOMPARE(SmtpSequence::command("StartTLS"), SmtpCommand::StartTls);
    QCOMPARE(SmtpSequence::command("EHL"), SmtpCommand::Unknown);
    QCOMPARE(SmtpSequence::command("EHLOX"), SmtpCommand::Unknown);
    QCOMPARE(SmtpSequence::command(""), SmtpCommand::Unknown);
    QCOMPARE(SmtpSequence::syntax(SmtpCommand::Mail), QByteArray("MAIL FROM:<address>"));
}

QTEST_APPLESS_MAIN(TestSmtpSequence)
#include "tst_smtpsequence.moc"
