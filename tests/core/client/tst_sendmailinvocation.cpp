// SendmailInvocation, appless: the sendmail command lines real programs use (PHP's mail(), cron, git send-email,
// mailx), usage errors naming the flag, and the transaction made from what they pipe in: -t recipients with Bcc
// removed, the lone-dot rule, CRLF line ends, the sender's precedence, and the headers a submission server adds.
#include <client/sendmailinvocation.h>

#include <QTest>

class TestSendmailInvocation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void commandLines_data();
    void commandLines();
    void helpAndVersion_data();
    void helpAndVersion();
    void usageErrors_data();
    void usageErrors();
    void recipients_data();
    void recipients();
    void loneDot_data();
    void loneDot();
    void sender_data();
    void sender();
    void addedHeaders();
    void headersAreKept();
    void invalidAddresses_data();
    void invalidAddresses();
};

void TestSendmailInvocation::commandLines_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("environment");
    QTest::addColumn<QString>("server");
    QTest::addColumn<bool>("fromHeaders");
    QTest::addColumn<bool>("dotEnds");
    QTest::addColumn<QString>("sender");
    QTest::addColumn<QString>("fullName");
    QTest::addColumn<QStringList>("recipients");

    QTest::newRow("PHP's mail(): sendmail -t -i") << QStringList { "-t", "-i" } << ""
                                                  << "127.0.0.1:1025" << true << false << ""
                                                  << "" << QStringList {};
    QTest::newRow("cron: -FCronDaemon -i -B8BITMIME -oem user")
        << QStringList { "-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root" } << ""
        << "127.0.0.1:1025" << false << false << ""
        << "CronDaemon" << QStringList { "root" };
    QTest::newRow("git send-email: -i -f from -- recipients")
        << QStringList { "-i", "-f", "dev@example.test", "--", "list@example.test", "-odd@example.test" } << ""
        << "127.0.0.1:1025" << false << false << "dev@example.test"
        << "" << QStringList { "list@example.test", "-odd@example.test" };
    QTest::newRow("mailx: -oi -oem -r sender -- rcpt")
        << QStringList { "-oi", "-oem", "-rsender@example.test", "--", "bob@example.test" } << ""
        << "127.0.0.1:1025" << false << false << "sender@example.test"
        << "" << QStringList { "bob@example.test" };
    QTest::newRow("the lone dot ends the message without -i") << QStringList { "bob@example.test" } << ""
                                                              << "127.0.0.1:1025" << false << true << ""
                                                              << "" << QStringList { "bob@example.test" };
    QTest::newRow("$LETTERBOX_SMTP names the server") << QStringList { "-t" } << "localhost:2525"
                                                      << "localhost:2525" << true << true << ""
                                                      << "" << QStringList {};
    QTest::newRow("--smtp wins over the environment")
        << QStringList { "--smtp", "[::1]:2526", "-t", "-bm", "-odi" } << "localhost:2525"
        << "[::1]:2526" << true << true << ""
        << "" << QStringList {};
    QTest::newRow("--smtp=HOST:PORT") << QStringList { "--smtp=mail.test:25", "x@y.test" } << ""
                                      << "mail.test:25" << false << true << ""
                                      << "" << QStringList { "x@y.test" };
    QTest::newRow("-f <> is the null sender") << QStringList { "-f", "<>", "x@y.test" } << ""
                                              << "127.0.0.1:1025" << false << true << "<>"
                                              << "" << QStringList { "x@y.test" };
}

void TestSendmailInvocation::commandLines()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, environment);
    QString error;
    const std::optional<SendmailInvocation> invocation = SendmailInvocation::parse(arguments, environment, &error);
    QVERIFY2(invocation, qPrintable(error));
    QTEST(invocation->server, "server");
    QTEST(invocation->recipientsFromHeaders, "fromHeaders");
    QTEST(invocation->dotEndsMessage, "dotEnds");
    QTEST(invocation->sender, "sender");
    QTEST(invocation->fullName, "fullName");
    QTEST(invocation->recipients, "recipients");
}

void TestSendmailInvocation::helpAndVersion_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("help");
    QTest::addColumn<bool>("version");
    QTest::newRow("--help alone") << QStringList { "--help" } << true << false;
    QTest::newRow("--help after flags, before a bad one") << QStringList { "-t", "--help", "-k" } << true << false;
    QTest::newRow("--version") << QStringList { "--version" } << false << true;
    QTest::newRow("neither") << QStringList { "-t" } << false << false;
}

void TestSendmailInvocation::helpAndVersion()
{
    QFETCH(QStringList, arguments);
    QString error;
    const std::optional<SendmailInvocation> invocation = SendmailInvocation::parse(arguments, QString(), &error);
    QVERIFY2(invocation, qPrintable(error));
    QTEST(invocation->helpRequested, "help");
    QTEST(invocation->versionRequested, "version");
}

void TestSendmailInvocation::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("environment");
    QTest::addColumn<QString>("error");
    QTest::newRow("an unknown flag") << QStringList { "-k", "x@y.test" } << ""
                                     << "unknown flag '-k'";
    QTest::newRow("an unknown long option") << QStringList { "--verbose" } << ""
                                            << "unknown option '--verbose'";
    QTest::newRow("-f without its address") << QStringList { "x@y.test", "-f" } << ""
                                            << "-f needs a value";
    QTest::newRow("a mode other than -bm") << QStringList { "-bp" } << ""
                                           << "-bp: only -bm (deliver a message) is supported";
    QTest::newRow("--smtp without a port") << QStringList { "--smtp", "localhost" } << ""
                                           << "--smtp: expected HOST:PORT, got 'localhost'";
    QTest::newRow("--smtp with port 0") << QStringList { "--smtp", "localhost:0" } << ""
                                        << "--smtp: expected HOST:PORT, got 'localhost:0'";
    QTest::newRow("a broken $LETTERBOX_SMTP") << QStringList { "-t" } << "localhost:99999"
                                              << "LETTERBOX_SMTP: expected HOST:PORT, got 'localhost:99999'";
}

void TestSendmailInvocation::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, environment);
    QString error;
    QVERIFY(!SendmailInvocation::parse(arguments, environment, &error));
    QTEST(error, "error");
}

namespace {
SendmailInvocation::Transaction prepared(
    const QStringList &arguments, const QByteArray &input, QString *error = nullptr)
{
    QString ignored;
    const auto invocation = SendmailInvocation::parse(arguments, QString(), error ? error : &ignored);
    if (!invocation) {
        return {};
    }
    return invocation->prepare(input, QStringLiteral("alice"), QStringLiteral("host.test"), error ? error : &ignored)
        .value_or(SendmailInvocation::Transaction {});
}

// The header block of data, without the fields a submission server adds.
QByteArray headerBlock(const QByteArray &data)
{
    return data.left(data.indexOf("\r\n\r\n") + 2);
}
} // namespace

void TestSendmailInvocation::recipients_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<bool>("bccLeft");

    const QByteArray message = "From: Dev <dev@example.test>\nTo: Bob <bob@example.test>, carol@example.test\n"
                               "Cc: \"Doe, Dan\" <dan@example.test>\nBcc: audit@example.test,\n hidden@example.test\n"
                               "Subject: hi\n\nbody\n";
    QTest::newRow("-t takes To, Cc and folded Bcc, and removes Bcc")
        << QStringList { "-t", "-i" } << message
        << QByteArrayList { "bob@example.test", "carol@example.test", "dan@example.test", "audit@example.test",
               "hidden@example.test" }
        << false;
    QTest::newRow("-t adds the arguments, each address once")
        << QStringList { "-t", "-i", "extra@example.test", "BOB@example.test" } << message
        << QByteArrayList { "bob@example.test", "carol@example.test", "dan@example.test", "audit@example.test",
               "hidden@example.test", "extra@example.test" }
        << false;
    QTest::newRow("without -t only the arguments, and Bcc stays as sent")
        << QStringList { "-i", "only@example.test" } << message << QByteArrayList { "only@example.test" } << true;
    QTest::newRow("an argument listing several addresses")
        << QStringList { "-i", "a@example.test, <b@example.test>" } << QByteArray("Subject: x\n\nx\n")
        << QByteArrayList { "a@example.test", "b@example.test" } << false;
    QTest::newRow("a group and repeated To headers")
        << QStringList { "-t" }
        << QByteArray("To: team: a@example.test, b@example.test;\n"
                      "To: c@example.test\n\nx\n")
        << QByteArrayList { "a@example.test", "b@example.test", "c@example.test" } << false;
    // RFC 5322 §3.4's name-addr, as programs pass it: the envelope takes the addr-spec alone (RFC 5321 §4.1.2).
    QTest::newRow("an argument with a display name is its address")
        << QStringList { "-i", "Bob Smith <bob@example.test>" } << QByteArray("Subject: x\n\nx\n")
        << QByteArrayList { "bob@example.test" } << false;
}

void TestSendmailInvocation::recipients()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, input);
    QFETCH(bool, bccLeft);
    const SendmailInvocation::Transaction t = prepared(arguments, input);
    QTEST(t.rcptTo, "rcptTo");
    QCOMPARE(headerBlock(t.data).contains("\r\nBcc:"), bccLeft);
    QVERIFY(!t.data.contains("hidden@example.test") || bccLeft);
    // Every line ends in CRLF, none with a bare LF.
    QVERIFY(!t.data.contains("\n\n"));
    QCOMPARE(t.data.count('\n'), t.data.count("\r\n"));
}

void TestSendmailInvocation::loneDot_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("a lone dot ends the message")
        << QStringList { "x@y.test" } << QByteArray("Subject: s\n\none\n.\nnot sent\n") << QByteArray("one\r\n");
    QTest::newRow("a lone dot with CRLF")
        << QStringList { "x@y.test" } << QByteArray("Subject: s\r\n\r\none\r\n.\r\n") << QByteArray("one\r\n");
    QTest::newRow("with -i a lone dot is text")
        << QStringList { "-i", "x@y.test" } << QByteArray("Subject: s\n\none\n.\ntwo\n")
        << QByteArray("one\r\n.\r\ntwo\r\n");
    QTest::newRow("a line starting with a dot is text either way")
        << QStringList { "x@y.test" } << QByteArray("Subject: s\n\n.hidden\n..\n") << QByteArray(".hidden\r\n..\r\n");
    QTest::newRow("the last line without a line end gets one")
        << QStringList { "-i", "x@y.test" } << QByteArray("Subject: s\n\nlast") << QByteArray("last\r\n");
}

void TestSendmailInvocation::loneDot()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, body);
    const SendmailInvocation::Transaction t = prepared(arguments, input);
    QCOMPARE(t.data.mid(t.data.indexOf("\r\n\r\n") + 4), body);
}

void TestSendmailInvocation::sender_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("mailFrom");
    QTest::newRow("-f first") << QStringList { "-f", "bounce@example.test", "x@y.test" }
                              << QByteArray("From: Dev <dev@example.test>\n\nx\n") << QByteArray("bounce@example.test");
    QTest::newRow("-r as -f") << QStringList { "-r<bounce@example.test>", "x@y.test" } << QByteArray("\nx\n")
                              << QByteArray("bounce@example.test");
    QTest::newRow("then the From header's address")
        << QStringList { "x@y.test" } << QByteArray("From: \"Dev Team\" <dev@example.test>\n\nx\n")
        << QByteArray("dev@example.test");
    QTest::newRow("then the user at this host")
        << QStringList { "x@y.test" } << QByteArray("Subject: s\n\nx\n") << QByteArray("alice@host.test");
    QTest::newRow("-f <> is the null sender")
        << QStringList { "-f", "<>", "x@y.test" } << QByteArray("From: dev@example.test\n\nx\n") << QByteArray("");
    QTest::newRow("-f with a display name is its address") << QStringList { "-f", "Dev Team <dev@example.test>",
        "x@y.test" } << QByteArray("Subject: s\n\nx\n") << QByteArray("dev@example.test");
}

void TestSendmailInvocation::sender()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, input);
    QTEST(prepared(arguments, input).mailFrom, "mailFrom");
}

void TestSendmailInvocation::addedHeaders()
{
    // A body piped in without headers (echo hi | sendmail bob): From, Date and Message-ID are added.
    const SendmailInvocation::Transaction t = prepared({ "-F", "Cron Daemon", "bob@example.test" }, "hello\n");
    const QByteArray head = headerBlock(t.data);
    QVERIFY2(head.startsWith("From: Cron Daemon <alice@host.test>\r\nDate: "), head.constData());
    QVERIFY(head.contains("\r\nMessage-ID: <"));
    QVERIFY(head.contains("@host.test>\r\n"));
    QVERIFY(t.data.endsWith("\r\n\r\nhello\r\n"));
    // A name that is not all atoms is quoted (RFC 5322 §3.2.4).
    const QByteArray quoted = headerBlock(prepared({ "-F", "Doe, Jane", "b@example.test" }, "x\n").data);
    QVERIFY2(quoted.startsWith("From: \"Doe, Jane\" <alice@host.test>\r\n"), quoted.constData());
    // No recipient at all is an error, not an empty transaction.
    QString error;
    QVERIFY(prepared({ "-t" }, "Subject: nobody\n\nx\n", &error).rcptTo.isEmpty());
    QCOMPARE(error, QStringLiteral("no recipient: none given and none in To, Cc or Bcc"));
}

void TestSendmailInvocation::headersAreKept()
{
    const QByteArray input = "From: dev@example.test\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n"
                             "Message-ID: <kept@example.test>\nSubject: =?utf-8?q?caf=C3=A9?=\n\nbody\n";
    const SendmailInvocation::Transaction t = prepared({ "-i", "x@y.test" }, input);
    QCOMPARE(t.data,
        QByteArray("From: dev@example.test\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
                   "Message-ID: <kept@example.test>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nbody\r\n"));
}

void TestSendmailInvocation::invalidAddresses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("named");
    // RFC 5321 §4.1.2: a path has no space, no angle bracket inside and no CR or LF (which would end the command).
    QTest::newRow("a space in a recipient")
        << QStringList { "bob smith@example.test" } << QStringLiteral("bob smith@example.test");
    QTest::newRow("a stray '>' in a recipient")
        << QStringList { "bob@example.test>" } << QStringLiteral("bob@example.test>");
    QTest::newRow("a CR inside a recipient")
        << QStringList { "bob@example.test\rx" } << QStringLiteral("bob@example.test");
    QTest::newRow("a space in -f") << QStringList { "-f", "bad sender@example.test", "x@y.test" }
                                   << QStringLiteral("bad sender@example.test");
    QTest::newRow("an LF in -f") << QStringList { "-f", "a@example.test\nDATA", "x@y.test" }
                                 << QStringLiteral("a@example.test");
}

void TestSendmailInvocation::invalidAddresses()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, named);
    QString error;
    const auto invocation = SendmailInvocation::parse(arguments, QString(), &error);
    QVERIFY2(invocation, qPrintable(error));
    const auto transaction
        = invocation->prepare("Subject: s\n\nx\n", QStringLiteral("alice"), QStringLiteral("host.test"), &error);
    QVERIFY(!transaction);
    QVERIFY2(error.contains(named), qPrintable(error));
    // One line on standard error.
    QVERIFY2(!error.contains(u'\n') && !error.contains(u'\r'), qPrintable(error));
}

QTEST_APPLESS_MAIN(TestSendmailInvocation)
#include "tst_sendmailinvocation.moc"
