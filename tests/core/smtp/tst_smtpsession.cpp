// SmtpSession against RFC 5321 and CONTRACT.md, without a network: every row is a client byte stream
// and the exact replies the RFC/contract call for, replayed whole, one byte at a time and in random splits.
#include <smtp/smtpsession.h>
#include <smtp/smtpvalidator.h>

#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QTest>

namespace {
const QByteArray Host = "mx.test";

// Rejects what the tcllib smtpd example rejects: hosts in 192.0.2.0/24, sender "denied@…", recipients "bogus…".
class TestValidator : public SmtpValidator
{
public:
    SmtpVerdict checkHost(const QHostAddress &client) const override
    {
        if (client.isInSubnet(QHostAddress(QStringLiteral("192.0.2.0")), 24)) {
            return SmtpVerdict::reject(550, "5.7.1", "Access denied for " + client.toString().toLatin1());
        }
        return SmtpVerdict::accept();
    }
    SmtpVerdict checkSender(const QByteArray &address, const SmtpEnvelope &) const override
    {
        if (address.startsWith("denied@")) {
            return SmtpVerdict::reject(550, "5.7.1", "mailbox denied denied");
        }
        return SmtpVerdict::accept();
    }
    SmtpVerdict checkRecipient(const QByteArray &address, const SmtpEnvelope &) const override
    {
        if (address.startsWith("bogus")) {
            return SmtpVerdict::reject(550, "5.1.1", "mailbox unavailable");
        }
        return SmtpVerdict::accept();
    }
};

const TestValidator s_validator;

QByteArray crlf(std::initializer_list<const char *> lines)
{
    QByteArray out;
    for (const char *line : lines) {
        out += line;
        out += "\r\n";
    }
    return out;
}

QByteArray ehloReply(bool auth = true, qint64 size = 1000000)
{
    QByteArray r = "250-mx.test Hello client.test\r\n250-PIPELINING\r\n250-SIZE " + QByteArray::number(size)
        + "\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n";
    r += auth ? "250-CHUNKING\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n" : "250 CHUNKING\r\n";
    return r;
}

const QByteArray Greeting = "220 mx.test ESMTP Letterbox\r\n";

enum class Split { Whole, ByteByByte, Random };

struct RunResult
{
    QByteArray output;
    QList<SmtpMessage> messages;
    bool closed = false;
};

// Feeds input to a session; each completed message is answered ok (id MSG<n>) unless failDeliveries.
RunResult run(const QByteArray &input, Split split, quint32 seed, SmtpSessionConfig config = {},
    const QHostAddress &peer = QHostAddress(QStringLiteral("127.0.0.1")), bool failDeliveries = false)
{
    config.hostname = Host;
    if (config.maxMessageSize == 64 * 1024 * 1024) {
        config.maxMessageSize = 1000000;
    }
    config.validator = &s_validator;
    SmtpSession session(config, peer, 40000);
    RunResult result;
    session.start();
    QRandomGenerator rng(seed);
    qsizetype pos = 0;
    const auto pump = [&] {
        for (const SmtpEvent &e : session.takeEvents()) {
            if (e.type == SmtpEvent::Type::Close) {
                result.closed = true;
            }
        }
        while (session.isPaused()) {
            result.messages << session.takeMessage();
            result.output += session.takeOutput();
            session.takeEvents();
            session.deliveryFinished(!failDeliveries, "MSG" + QByteArray::number(result.messages.size()));
            for (const SmtpEvent &e : session.takeEvents()) {
                if (e.type == SmtpEvent::Type::Close) {
                    result.closed = true;
                }
            }
        }
        result.output += session.takeOutput();
    };
    pump();
    while (pos < input.size()) {
        qsizetype n = input.size() - pos;
        if (split == Split::ByteByByte) {
            n = 1;
        } else if (split == Split::Random) {
            n = qMin<qsizetype>(n, 1 + rng.bounded(64));
        }
        session.receive(QByteArrayView(input.constData() + pos, n));
        pos += n;
        pump();
    }
    return result;
}
} // namespace

class TestSmtpSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transcript_data();
    void transcript();
    void recipientLimit();
    void authRequiredByFile();
    void cramMd5();
    void hostRejection();
    void startTlsDropsPipelinedCommands();
    void idleTimeout();
    void failedDeliveryGets451();
    void shutdownWaitsForTheMessageBeingStored();
    void garbageNeverGrowsTheBuffer();
    void envelopeRecordsSessionFacts();
    void traceProtocolName();
};

void TestSmtpSession::transcript_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QByteArrayList>("messages");

    QTest::newRow("QUIT before EHLO answers 221 without an enhanced code")
        << crlf({ "QUIT" }) << Greeting + crlf({ "221 Bye" }) << QByteArrayList {};
    QTest::newRow("EHLO advertises the contract's extensions")
        << crlf({ "EHLO client.test", "QUIT" }) << Greeting + ehloReply() + crlf({ "221 2.0.0 Bye" })
        << QByteArrayList {};
    QTest::newRow("HELO session has no enhanced codes")
        << crlf({ "HELO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "Hi", ".", "QUIT" })
        << Greeting
            + crlf({ "250 mx.test", "250 Ok", "250 Ok", "354 End data with <CR><LF>.<CR><LF>", "250 Ok: queued as MSG1",
                "221 Bye" })
        << QByteArrayList { "Hi\r\n" };
    QTest::newRow("a plain ESMTP transaction stores the data exactly") << crlf({ "EHLO client.test",
        "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "Subject: t", "", "body", ".", "QUIT" })
                                                                       << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1", "221 2.0.0 Bye" }) << QByteArrayList { "Subject: t\r\n\r\nbody\r\n" };
    QTest::newRow("commands are case-insensitive")
        << crlf({ "ehlo client.test", "mail from:<a@x.test>", "rcpt to:<b@y.test>", "data", "x", ".", "quit" })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1", "221 2.0.0 Bye" })
        << QByteArrayList { "x\r\n" };
    QTest::newRow("MAIL before EHLO is out of sequence")
        << crlf({ "MAIL FROM:<a@x.test>" }) << Greeting + crlf({ "503 Error: send HELO/EHLO first" })
        << QByteArrayList {};
    QTest::newRow("RCPT before MAIL is out of sequence")
        << crlf({ "EHLO client.test", "RCPT TO:<b@y.test>" })
        << Greeting + ehloReply() + crlf({ "503 5.5.1 Error: need MAIL command" }) << QByteArrayList {};
    QTest::newRow("DATA without a sender gets 503")
        << crlf({ "EHLO client.test", "DATA" })
        << Greeting + ehloReply() + crlf({ "503 5.5.1 Error: need MAIL command" }) << QByteArrayList {};
    QTest::newRow("DATA without an accepted recipient gets 503")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<bogus@y.test>", "DATA" })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "550 5.1.1 mailbox unavailable", "503 5.5.1 Error: need RCPT command" })
        << QByteArrayList {};
    QTest::newRow("a second MAIL in a transaction is refused")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "MAIL FROM:<c@x.test>" })
        << Greeting + ehloReply() + crlf({ "250 2.1.0 Ok", "503 5.5.1 Error: nested MAIL command" })
        << QByteArrayList {};
    QTest::newRow("RSET ends the transaction")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RSET", "RCPT TO:<b@y.test>" })
        << Greeting + ehloReply() + crlf({ "250 2.1.0 Ok", "250 2.0.0 Ok", "503 5.5.1 Error: need MAIL command" })
        << QByteArrayList {};
    QTest::newRow("EHLO again resets the transaction")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "EHLO client.test", "RCPT TO:<b@y.test>" })
        << Greeting + ehloReply() + crlf({ "250 2.1.0 Ok" }) + ehloReply()
            + crlf({ "503 5.5.1 Error: need MAIL command" })
        << QByteArrayList {};
    QTest::newRow("NOOP, VRFY and HELP") << crlf({ "EHLO client.test", "NOOP", "VRFY someone", "VRFY", "HELP" })
                                         << Greeting + ehloReply()
            + crlf({ "250 2.0.0 Ok", "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
                "501 5.5.4 Syntax: VRFY address",
                "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP AUTH STARTTLS" })
                                         << QByteArrayList {};
    QTest::newRow("unknown and unimplemented commands") << crlf({ "EHLO client.test", "FROB", "EXPN list", "" })
                                                        << Greeting + ehloReply()
            + crlf({ "500 5.5.2 Error: command not recognized", "502 5.5.1 Error: command not implemented",
                "500 5.5.2 Error: command not recognized" })
                                                        << QByteArrayList {};
    QTest::newRow("syntax errors: EHLO without a name, DATA and RSET with arguments")
        << crlf({ "EHLO", "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA now", "RSET x" })
        << Greeting + crlf({ "501 Syntax: EHLO hostname" }) + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "501 5.5.4 Syntax: DATA", "501 5.5.4 Syntax: RSET" })
        << QByteArrayList {};
    QTest::newRow("a command line of exactly 512 octets is accepted")
        << "EHLO client.test\r\nNOOP " + QByteArray(505, 'x') + "\r\n"
        << Greeting + ehloReply() + crlf({ "250 2.0.0 Ok" }) << QByteArrayList {};
    QTest::newRow("a command line of 513 octets gets 500 and the session goes on")
        << "EHLO client.test\r\nNOOP " + QByteArray(506, 'x') + "\r\nNOOP\r\n"
        << Greeting + ehloReply() + crlf({ "500 5.5.2 Error: line too long", "250 2.0.0 Ok" }) << QByteArrayList {};
    QTest::newRow("an endless command line is skipped up to its LF")
        << "EHLO client.test\r\n" + QByteArray(100000, 'A') + "\r\nNOOP\r\n"
        << Greeting + ehloReply() + crlf({ "500 5.5.2 Error: line too long", "250 2.0.0 Ok" }) << QByteArrayList {};
    QTest::newRow("bad address syntax") << crlf({ "EHLO client.test", "MAIL FROM:<a b@x.test>", "MAIL FROM:<nodomain>",
        "MAIL FROM:<a@x.test", "MAIL FROM:<>", "RCPT TO:<>", "RCPT TO:<Postmaster>", "RCPT TO:<@relay.test:c@y.test>" })
                                        << Greeting + ehloReply()
            + crlf({ "501 5.1.7 Bad sender address syntax", "501 5.1.7 Bad sender address syntax",
                "501 5.1.7 Bad sender address syntax", "250 2.1.0 Ok", "501 5.1.3 Bad recipient address syntax",
                "250 2.1.5 Ok", "250 2.1.5 Ok" })
                                        << QByteArrayList {};
    QTest::newRow("MAIL parameters: SIZE over the limit, unknown ones, BODY") << crlf({ "EHLO client.test",
        "MAIL FROM:<a@x.test> SIZE=1000001", "MAIL FROM:<a@x.test> SIZE=abc", "MAIL FROM:<a@x.test> RET=FULL",
        "MAIL FROM:<a@x.test> BODY=BINARYMIME", "MAIL FROM:<a@x.test> SIZE=1000000 BODY=8BITMIME" })
                                                                              << Greeting + ehloReply()
            + crlf({ "552 5.3.4 Message size exceeds fixed maximum message size", "501 5.5.4 Bad SIZE parameter",
                "555 5.5.4 Unsupported parameter RET", "501 5.5.4 Unsupported BODY parameter", "250 2.1.0 Ok" })
                                                                              << QByteArrayList {};
    QTest::newRow("MAIL parameters need EHLO")
        << crlf({ "HELO client.test", "MAIL FROM:<a@x.test> SIZE=10" })
        << Greeting + crlf({ "250 mx.test", "555 MAIL parameters need EHLO" }) << QByteArrayList {};
    QTest::newRow("RCPT parameters are not supported")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test> NOTIFY=NEVER" })
        << Greeting + ehloReply() + crlf({ "250 2.1.0 Ok", "555 5.5.4 Unsupported RCPT parameter" })
        << QByteArrayList {};
    QTest::newRow("SMTPUTF8 is needed for non-ASCII addresses")
        << crlf({ "EHLO client.test", "MAIL FROM:<j\xc3\xb6rg@x.test>", "MAIL FROM:<j\xc3\xb6rg@x.test> SMTPUTF8",
               "RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@y.test>", "DATA", "x", "." })
        << Greeting + ehloReply()
            + crlf({ "553 5.6.7 Non-ASCII address requires SMTPUTF8", "250 2.1.0 Ok", "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { "x\r\n" };
    QTest::newRow("validator rejects a sender and a recipient with its own codes") << crlf({ "EHLO client.test",
        "MAIL FROM:<denied@x.test>", "MAIL FROM:<ok@x.test>", "RCPT TO:<bogus@y.test>", "RCPT TO:<b@y.test>" })
                                                                                   << Greeting + ehloReply()
            + crlf({ "550 5.7.1 mailbox denied denied", "250 2.1.0 Ok", "550 5.1.1 mailbox unavailable",
                "250 2.1.5 Ok" }) << QByteArrayList {};
    QTest::newRow("dot-stuffed lines are unstuffed") << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>",
        "RCPT TO:<b@y.test>", "DATA", "..leading dot", "...", ". space", "." })
                                                     << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1" }) << QByteArrayList { ".leading dot\r\n..\r\n space\r\n" };
    QTest::newRow("an empty message ends at once")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "." })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { "" };
    // SMTP smuggling (CVE-2023-51766 and kin): only CRLF.CRLF ends data.
    QTest::newRow("smuggling: LF.CRLF, CRLF.LF, CR.CR and LF.LF do not end the data")
        << QByteArray("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"
                      "a\n.\r\nMAIL FROM:<evil@x.test>\r\n"
                      "b\r\n.\nc\r.\rd\n.\n"
                      "e\r\n.\r\n")
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { "a\n.\r\nMAIL FROM:<evil@x.test>\r\nb\r\n\nc\r.\rd\n.\ne\r\n" };
    QTest::newRow("a text line of 1000 octets is accepted")
        << "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n" + QByteArray(998, 'y')
            + "\r\n.\r\n"
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { QByteArray(998, 'y') + "\r\n" };
    QTest::newRow("a text line of 1001 octets refuses the message after the end mark")
        << "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n" + QByteArray(999, 'y')
            + "\r\n.\r\nMAIL FROM:<a@x.test>\r\n"
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "500 5.5.2 Error: line too long", "250 2.1.0 Ok" })
        << QByteArrayList {};
    QTest::newRow("a message over the size limit is read to the end and refused with 552")
        << "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"
            + (QByteArray(98, 'z') + "\r\n").repeated(10001) + ".\r\nNOOP\r\n"
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "552 5.3.4 Message size exceeds fixed maximum message size", "250 2.0.0 Ok" })
        << QByteArrayList {};
    QTest::newRow("pipelined transactions get their replies in order")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "RCPT TO:<bogus@y.test>", "DATA",
               "one", ".", "MAIL FROM:<a@x.test>", "RCPT TO:<c@y.test>", "DATA", "two", ".", "QUIT" })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 mailbox unavailable",
                "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as MSG1", "250 2.1.0 Ok", "250 2.1.5 Ok",
                "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as MSG2", "221 2.0.0 Bye" })
        << QByteArrayList { "one\r\n", "two\r\n" };
    QTest::newRow("nothing after QUIT is processed")
        << crlf({ "EHLO client.test", "QUIT", "NOOP" }) << Greeting + ehloReply() + crlf({ "221 2.0.0 Bye" })
        << QByteArrayList {};
    QTest::newRow("BDAT chunks make one message, binary and unstuffed")
        << QByteArray("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
                      "BDAT 7\r\n.\r\nab\r\nBDAT 5 LAST\r\n\n.\r\n\0QUIT\r\n",
               99)
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 7 octets received", "250 2.0.0 Ok: queued as MSG1",
                "221 2.0.0 Bye" })
        << QByteArrayList { QByteArray(".\r\nab\r\n\n.\r\n\0", 12) };
    QTest::newRow("BDAT 0 LAST ends the message")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "BDAT 0 LAST" })
        << Greeting + ehloReply() + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { "" };
    QTest::newRow("BDAT out of sequence still reads its chunk")
        << QByteArray("EHLO client.test\r\nBDAT 6\r\nNOOP\r\nNOOP\r\n")
        << Greeting + ehloReply() + crlf({ "503 5.5.1 Error: need MAIL command", "250 2.0.0 Ok" }) << QByteArrayList {};
    QTest::newRow("DATA after BDAT and bad BDAT syntax")
        << QByteArray("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nBDAT 2\r\nabDATA\r\n"
                      "BDAT x\r\nBDAT 1 MORE\r\n")
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 2 octets received", "503 5.5.1 Error: DATA after BDAT",
                "501 5.5.4 Syntax: BDAT size [LAST]", "501 5.5.4 Syntax: BDAT size [LAST]" })
        << QByteArrayList {};
    QTest::newRow("BDAT over the size limit gets 552 and ends the transaction")
        << "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nBDAT 1000001 LAST\r\n"
            + QByteArray(1000001, 'q') + "BDAT 1 LAST\r\nq"
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "552 5.3.4 Message size exceeds fixed maximum message size",
                "503 5.5.1 Error: need MAIL command" })
        << QByteArrayList {};
    QTest::newRow("AUTH PLAIN with an initial response records the user") << crlf({ "EHLO client.test",
        ("AUTH PLAIN " + QByteArray("\0alice\0secret", 13).toBase64()).constData(), "AUTH PLAIN" })
                                                                          << Greeting + ehloReply()
            + crlf({ "235 2.7.0 Authentication successful", "503 5.5.1 Error: already authenticated" })
                                                                          << QByteArrayList {};
    QTest::newRow("AUTH PLAIN with a continuation")
        << crlf({ "EHLO client.test", "AUTH PLAIN", QByteArray("\0bob\0pw", 7).toBase64().constData() })
        << Greeting + ehloReply() + crlf({ "334 ", "235 2.7.0 Authentication successful" }) << QByteArrayList {};
    QTest::newRow("AUTH LOGIN asks for user and password")
        << crlf({ "EHLO client.test", "AUTH LOGIN", "Y2Fyb2w=", "cHc=" })
        << Greeting + ehloReply()
            + crlf({ "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful" })
        << QByteArrayList {};
    QTest::newRow("AUTH cancelled, bad base64, unknown mechanism, before EHLO, in a transaction")
        << crlf({ "HELO client.test", "AUTH PLAIN", "EHLO client.test", "AUTH LOGIN", "*", "AUTH PLAIN !!!",
               "AUTH GSSAPI", "MAIL FROM:<a@x.test>", "AUTH PLAIN" })
        << Greeting + crlf({ "250 mx.test", "503 Error: send EHLO first" }) + ehloReply()
            + crlf({ "334 VXNlcm5hbWU6", "501 5.7.0 Authentication cancelled", "501 5.5.2 Error: invalid base64 data",
                "504 5.5.4 Error: unsupported authentication mechanism", "250 2.1.0 Ok",
                "503 5.5.1 Error: AUTH not permitted during a mail transaction" })
        << QByteArrayList {};
    QTest::newRow("STARTTLS is refused while TLS is not available")
        << crlf({ "EHLO client.test", "STARTTLS" }) << Greeting + ehloReply() + crlf({ "454 4.7.0 TLS not available" })
        << QByteArrayList {};
}

void TestSmtpSession::transcript()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArrayList, messages);

    const struct
    {
        Split split;
        quint32 seed;
    } modes[] = { { Split::Whole, 0 }, { Split::ByteByByte, 0 }, { Split::Random, 1 }, { Split::Random, 2 },
        { Split::Random, 3 } };
    for (const auto &mode : modes) {
        if (mode.split == Split::ByteByByte && input.size() > 200000) {
            continue; // the 1 MB rows take too long a byte at a time; random splits cover them
        }
        const RunResult result = run(input, mode.split, mode.seed);
        QCOMPARE(result.output, expected);
        QCOMPARE(result.messages.size(), messages.size());
        for (qsizetype i = 0; i < messages.size(); ++i) {
            QCOMPARE(result.messages.at(i).data, messages.at(i));
        }
    }
}

void TestSmtpSession::recipientLimit()
{
    // CONTRACT: after the 1000th recipient each RCPT gets 452 4.5.3 and the transaction goes on.
    QByteArray input = "EHLO client.test\r\nMAIL FROM:<a@x.test>\r\n";
    QByteArray expected = Greeting + ehloReply() + "250 2.1.0 Ok\r\n";
    for (int i = 0; i < 1002; ++i) {
        input += "RCPT TO:<r" + QByteArray::number(i) + "@y.test>\r\n";
        expected += i < 1000 ? "250 2.1.5 Ok\r\n" : "452 4.5.3 Error: too many recipients\r\n";
    }
    input += "DATA\r\nx\r\n.\r\n";
    expected += "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as MSG1\r\n";
    const RunResult result = run(input, Split::Random, 7);
    QCOMPARE(result.output, expected);
    QCOMPARE(result.messages.size(), 1);
    QCOMPARE(result.messages.first().envelope.rcptTo.size(), 1000);
    QCOMPARE(result.messages.first().envelope.rcptTo.last(), QByteArray("r999@y.test"));
}

void TestSmtpSession::authRequiredByFile()
{
    SmtpSessionConfig config;
    config.auth = AuthConfig::fromCredentials({ { "alice", "s3cret:x" } });
    const QByteArray good = QByteArray("\0alice\0s3cret:x", 15).toBase64();
    const QByteArray bad = QByteArray("\0alice\0wrong", 12).toBase64();
    const RunResult result = run(crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", ("AUTH PLAIN " + bad).constData(),
                                     ("AUTH PLAIN " + good).constData(), "MAIL FROM:<a@x.test>" }),
        Split::Whole, 0, config);
    QCOMPARE(result.output,
        Greeting + ehloReply()
            + crlf({ "530 5.7.0 Authentication required", "535 5.7.8 Error: authentication credentials invalid",
                "235 2.7.0 Authentication successful", "250 2.1.0 Ok" }));

    // --auth off: no AUTH in EHLO, and AUTH is not a command.
    SmtpSessionConfig off;
    off.auth = AuthConfig::off();
    QCOMPARE(run(crlf({ "EHLO client.test", "AUTH PLAIN" }), Split::Whole, 0, off).output,
        Greeting + ehloReply(false) + crlf({ "502 5.5.1 Error: authentication not enabled" }));
}

void TestSmtpSession::cramMd5()
{
    SmtpSessionConfig config;
    config.hostname = Host;
    config.auth = AuthConfig::fromCredentials({ { "tim", "tanstaaftanstaaf" } });
    for (const bool right : { true, false }) {
        SmtpSession session(config, QHostAddress::LocalHost, 1);
        session.start();
        session.receive("EHLO client.test\r\nAUTH CRAM-MD5\r\n");
        const QByteArray out = session.takeOutput();
        const qsizetype at = out.lastIndexOf("334 ");
        QVERIFY(at > 0);
        const QByteArray challenge = QByteArray::fromBase64(out.mid(at + 4).trimmed());
        // RFC 2195 §2: the challenge looks like a msg-id.
        QVERIFY(challenge.startsWith('<') && challenge.endsWith('>') && challenge.contains('@'));
        const QByteArray key = right ? "tanstaaftanstaaf" : "guess";
        const QByteArray digest = QMessageAuthenticationCode::hash(challenge, key, QCryptographicHash::Md5).toHex();
        session.receive(("tim " + digest).toBase64() + "\r\n");
        QCOMPARE(session.takeOutput(),
            right ? QByteArray("235 2.7.0 Authentication successful\r\n")
                  : QByteArray("535 5.7.8 Error: authentication credentials invalid\r\n"));
        QCOMPARE(session.envelope().authUser, right ? QByteArray("tim") : QByteArray());
    }
    // RFC 2195's own example (challenge and digest from §2).
    QCOMPARE(QMessageAuthenticationCode::hash(
                 "<1896.697170952@postoffice.reston.mci.net>", "tanstaaftanstaaf", QCryptographicHash::Md5)
                 .toHex(),
        QByteArray("b913a602c7eda7a495b4e6e7334d3890"));
}

void TestSmtpSession::hostRejection()
{
    // CONTRACT: 550 TEXT instead of the greeting, connection kept, 503 5.7.1 to all but QUIT.
    const RunResult result = run(crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "NOOP", "QUIT" }), Split::Random, 4,
        {}, QHostAddress(QStringLiteral("192.0.2.7")));
    QCOMPARE(result.output,
        crlf({ "550 Access denied for 192.0.2.7", "503 5.7.1 Error: access denied", "503 5.7.1 Error: access denied",
            "503 5.7.1 Error: access denied", "221 Bye" }));
    QVERIFY(result.closed);
    // IPv4-mapped IPv6 peers are matched as IPv4.
    const RunResult mapped
        = run(crlf({ "QUIT" }), Split::Whole, 0, {}, QHostAddress(QStringLiteral("::ffff:192.0.2.9")));
    QVERIFY(mapped.output.startsWith("550 Access denied for 192.0.2.9\r\n"));
}

void TestSmtpSession::startTlsDropsPipelinedCommands()
{
    SmtpSessionConfig config;
    config.hostname = Host;
    config.maxMessageSize = 1000000;
    config.tlsAvailable = true;
    SmtpSession session(config, QHostAddress::LocalHost, 1);
    session.start();
    session.takeOutput();
    session.receive("EHLO client.test\r\n");
    QVERIFY(session.takeOutput().contains("250-STARTTLS\r\n"));
    session.takeEvents();
    // RFC 3207 §5 / CVE-2011-0411: the MAIL sent with STARTTLS must not be executed.
    session.receive("STARTTLS\r\nMAIL FROM:<injected@x.test>\r\n");
    QCOMPARE(session.takeOutput(), QByteArray("220 2.0.0 Ready to start TLS\r\n"));
    bool startTls = false;
    for (const SmtpEvent &e : session.takeEvents()) {
        startTls |= e.type == SmtpEvent::Type::StartTls;
    }
    QVERIFY(startTls);
    session.tlsStarted();
    session.receive("MAIL FROM:<a@x.test>\r\nEHLO client.test\r\n");
    const QByteArray out = session.takeOutput();
    QVERIFY(out.startsWith("503 Error: send HELO/EHLO first\r\n250-mx.test Hello client.test\r\n"));
    QVERIFY(!out.contains("STARTTLS"));
    QVERIFY(session.envelope().tls);
    QCOMPARE(session.envelope().protocol(), QByteArray("ESMTPS"));
}

void TestSmtpSession::idleTimeout()
{
    SmtpSessionConfig config;
    config.hostname = Host;
    SmtpSession before(config, QHostAddress::LocalHost, 1);
    before.start();
    before.takeOutput();
    before.timeout();
    QCOMPARE(before.takeOutput(), QByteArray("421 mx.test Error: timeout exceeded\r\n"));
    QVERIFY(before.isClosed());

    SmtpSession after(config, QHostAddress::LocalHost, 1);
    after.start();
    after.receive("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\npartial");
    after.takeOutput();
    after.timeout();
    QCOMPARE(after.takeOutput(), QByteArray("421 4.4.2 mx.test Error: timeout exceeded\r\n"));
    QVERIFY(after.isClosed());
}

void TestSmtpSession::failedDeliveryGets451()
{
    const RunResult result = run(crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "x",
                                     ".", "MAIL FROM:<a@x.test>" }),
        Split::Random, 9, {}, QHostAddress(QStringLiteral("127.0.0.1")), true);
    QCOMPARE(result.output,
        Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "451 4.3.0 Error: message could not be stored, try again later", "250 2.1.0 Ok" }));
}

void TestSmtpSession::shutdownWaitsForTheMessageBeingStored()
{
    SmtpSessionConfig config;
    config.hostname = Host;
    SmtpSession idle(config, QHostAddress::LocalHost, 1);
    idle.start();
    idle.takeOutput();
    idle.shutdown();
    QCOMPARE(idle.takeOutput(), QByteArray("421 mx.test Service shutting down\r\n"));
    QVERIFY(idle.isClosed());

    SmtpSession busy(config, QHostAddress::LocalHost, 1);
    busy.start();
    busy.receive("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.\r\n"
                 "MAIL FROM:<next@x.test>\r\n");
    QVERIFY(busy.isPaused());
    busy.takeOutput();
    busy.shutdown();
    QCOMPARE(busy.takeOutput(), QByteArray()); // nothing before the message's answer
    busy.deliveryFinished(true, "ID1");
    // The acknowledgement first, then the 421; the pipelined MAIL is never processed.
    QCOMPARE(
        busy.takeOutput(), QByteArray("250 2.0.0 Ok: queued as ID1\r\n421 4.3.2 mx.test Service shutting down\r\n"));
    QVERIFY(busy.isClosed());
}

void TestSmtpSession::garbageNeverGrowsTheBuffer()
{
    // Random bytes mixed with command fragments, in random pieces: every reply is well-formed and what the
    // session keeps unprocessed stays bounded (a command line, an AUTH line or the start of a dot line).
    const QByteArrayList fragments = { "EHLO x\r\n", "MAIL FROM:<a@b.c>\r\n", "RCPT TO:<d@e.f>\r\n", "DATA\r\n",
        "\r\n.\r\n", "BDAT 5\r\n", "AUTH LOGIN\r\n", "RSET\r\n", ".", "\r", "\n" };
    for (quint32 seed = 1; seed <= 20; ++seed) {
        QRandomGenerator rng(seed);
        SmtpSessionConfig config;
        config.hostname = Host;
        config.maxMessageSize = 100000;
        SmtpSession session(config, QHostAddress::LocalHost, 1);
        session.start();
        qsizetype sent = 0;
        while (sent < 2000000 && !session.isClosed()) {
            QByteArray chunk;
            if (rng.bounded(3) == 0) {
                chunk = fragments.at(rng.bounded(int(fragments.size())));
            } else {
                chunk.resize(rng.bounded(1, 4096));
                for (char &c : chunk) {
                    c = char(rng.bounded(256));
                }
            }
            session.receive(chunk);
            sent += chunk.size();
            if (session.isPaused()) {
                session.takeMessage();
                session.deliveryFinished(true, "ID");
            }
            QVERIFY2(session.bufferedBytes() <= 12288 + 4096, qPrintable(QString::number(session.bufferedBytes())));
            const QByteArray out = session.takeOutput();
            for (const QByteArray &line : out.split('\n')) {
                if (!line.isEmpty()) {
                    QVERIFY2(line.size() >= 5 && line.endsWith('\r') && (line[3] == ' ' || line[3] == '-'),
                        line.constData());
                }
            }
            session.takeEvents();
        }
    }
}

void TestSmtpSession::envelopeRecordsSessionFacts()
{
    const RunResult result
        = run(crlf({ "EHLO client.test", ("AUTH PLAIN " + QByteArray("\0alice\0pw", 9).toBase64()).constData(),
                  "MAIL FROM:<> SMTPUTF8", "RCPT TO:<b@y.test>", "RCPT TO:<c@y.test>", "DATA", "x", "." }),
            Split::Random, 11, {}, QHostAddress(QStringLiteral("::1")));
    QCOMPARE(result.messages.size(), 1);
    const SmtpEnvelope &env = result.messages.first().envelope;
    QCOMPARE(env.mailFrom, QByteArray());
    QCOMPARE(env.rcptTo, (QByteArrayList { "b@y.test", "c@y.test" }));
    QCOMPARE(env.helo, QByteArray("client.test"));
    QCOMPARE(env.authUser, QByteArray("alice"));
    QVERIFY(env.smtpUtf8);
    QCOMPARE(env.clientAddress, QHostAddress(QStringLiteral("::1")));
    QCOMPARE(env.clientPort, quint16(40000));
    QCOMPARE(env.protocol(), QByteArray("ESMTPA"));
}

void TestSmtpSession::traceProtocolName()
{
    // RFC 3848: SMTP after HELO, ESMTP after EHLO, S for TLS and A for AUTH.
    SmtpEnvelope e;
    QCOMPARE(e.protocol(), QByteArray("SMTP"));
    e.esmtp = true;
    QCOMPARE(e.protocol(), QByteArray("ESMTP"));
    e.tls = true;
    e.authUser = "u";
    QCOMPARE(e.protocol(), QByteArray("ESMTPSA"));
}

QTEST_APPLESS_MAIN(TestSmtpSession)
#include "tst_smtpsession.moc"
