// The SMTP transcripts both SmtpSession's appless test and the loopback server test replay: client bytes and
// the exact replies RFC 5321 and README "What the SMTP server does" call for (hostname mx.test, SIZE 1000000, AUTH
// any, the test validator below). Written by hand from the RFCs and the README, never from the code's output.
#pragma once

#include <smtp/smtpvalidator.h>

#include <QTest>

namespace SmtpTranscripts {
inline const QByteArray Host = "mx.test";

// Rejects what the tcllib smtpd example rejects: hosts in 192.0.2.0/24, sender "denied@…", recipients "bogus…".
class TestValidator : public SmtpValidator
{
public:
    SmtpVerdict checkHost(const ClientAddress &client) const override
    {
        // 192.0.2.0/24 (RFC 5737 TEST-NET-1): the first three octets of the dotted quad.
        if (client.family() == ClientAddress::Family::IPv4 && client.toString().startsWith(u"192.0.2.")) {
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

inline const TestValidator s_validator;

inline QByteArray crlf(std::initializer_list<const char *> lines)
{
    QByteArray out;
    for (const char *line : lines) {
        out += line;
        out += "\r\n";
    }
    return out;
}

inline QByteArray ehloReply(bool auth = true, qint64 size = 1000000)
{
    QByteArray r = "250-mx.test Hello client.test\r\n250-PIPELINING\r\n250-SIZE " + QByteArray::number(size)
        + "\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n";
    r += auth ? "250-CHUNKING\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n" : "250 CHUNKING\r\n";
    return r;
}

inline const QByteArray Greeting = "220 mx.test ESMTP Letterbox\r\n";

// Columns: input (QByteArray), expected (QByteArray), messages (QByteArrayList: the data of each stored message).
inline void addRows()
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
            + crlf({ "500 5.5.2 Error: command not recognized", "502 5.5.1 Error: command not supported",
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
    QTest::newRow("smuggling: CR.CRLF and CRLF.CR do not end the data either")
        << QByteArray("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n"
                      "f\r.\r\nMAIL FROM:<evil@x.test>\r\n"
                      ".\rRCPT TO:<evil@y.test>\r\n"
                      "g\r\n.\r\n")
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1" })
        << QByteArrayList { "f\r.\r\nMAIL FROM:<evil@x.test>\r\n\rRCPT TO:<evil@y.test>\r\ng\r\n" };
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
    // Cross-protocol requests (as Postfix's smtpd_forbidden_commands): a web page can make a browser POST to the
    // SMTP port with an SMTP session as its body. An HTTP request or header line ends the session at once.
    QTest::newRow("a browser's POST is refused at its request line and nothing in its body is executed")
        << QByteArray("POST / HTTP/1.1\r\nHost: 127.0.0.1:1025\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 93\r\n\r\n")
            + crlf({ "EHLO x", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "smuggled", ".", "QUIT" })
        << Greeting + crlf({ "554 Error: HTTP request on the SMTP port, closing connection" }) << QByteArrayList {};
    QTest::newRow("HTTP verbs are recognised in any case")
        << crlf({ "get /index.html HTTP/1.0", "QUIT" })
        << Greeting + crlf({ "554 Error: HTTP request on the SMTP port, closing connection" }) << QByteArrayList {};
    QTest::newRow("an HTTP header line in a transaction ends the session and drops the transaction")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "user-agent: Mozilla/5.0", "DATA",
               "x", "." })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok",
                "554 5.5.1 Error: HTTP request on the SMTP port, closing connection" })
        << QByteArrayList {};
    QTest::newRow("a Host header line as the first command closes the connection")
        << crlf({ "HOST: mx.test", "NOOP" })
        << Greeting + crlf({ "554 Error: HTTP request on the SMTP port, closing connection" }) << QByteArrayList {};
    QTest::newRow("commands that only begin like HTTP are not HTTP")
        << crlf({ "EHLO client.test", "POSTMASTER", "GET", "HOSTNAME: x", "CONNECTED now", "NOOP" })
        << Greeting + ehloReply()
            + crlf({ "500 5.5.2 Error: command not recognized", "500 5.5.2 Error: command not recognized",
                "500 5.5.2 Error: command not recognized", "500 5.5.2 Error: command not recognized", "250 2.0.0 Ok" })
        << QByteArrayList {};
    QTest::newRow("HTTP-looking lines inside the message data are data")
        << crlf({ "EHLO client.test", "MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA", "GET / HTTP/1.1",
               "Host: example.test", "User-Agent: test", ".", "NOOP" })
        << Greeting + ehloReply()
            + crlf({ "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                "250 2.0.0 Ok: queued as MSG1", "250 2.0.0 Ok" })
        << QByteArrayList { "GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: test\r\n" };
    QTest::newRow("STARTTLS is refused while TLS is not available")
        << crlf({ "EHLO client.test", "STARTTLS" }) << Greeting + ehloReply() + crlf({ "454 4.7.0 TLS not available" })
        << QByteArrayList {};
}
} // namespace SmtpTranscripts
