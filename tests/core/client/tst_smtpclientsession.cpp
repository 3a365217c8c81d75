// SmtpClientSession against scripted servers, appless (KSMTP's C:/S: transcripts, h11's bytes in): every row is
// replayed whole, byte by byte and in random pieces. Expected client lines and results come from RFC 5321, RFC 2920
// (PIPELINING), RFC 3207 (STARTTLS), RFC 4954/4616/2195 (AUTH), RFC 1870 (SIZE) and RFC 6531 (SMTPUTF8), with the
// RFCs' own examples where they give one, never from the code's output.
#include <client/smtpclientsession.h>

#include <QRandomGenerator>
#include <QTest>

namespace {
using Stage = SmtpSendResult::Stage;

const QByteArray Ehlo = "C: EHLO client.test";
const QByteArray Greeting = "S: 220 mx.test ESMTP";
const QByteArray Quit = "C: QUIT";

enum class Split { Whole, ByteByByte, Random };

struct Run
{
    QByteArray sent; // everything the session wrote
    QByteArray expected; // the C: lines so far
    SmtpSendResult result;
    bool finished = false;
    bool sawStartTls = false;
    QStringList steps;
};
} // namespace

class TestSmtpClientSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transcripts_data();
    void transcripts();
    void nothingAfterFinishedIsRead();
    void aConnectionFailureEndsTheSendWithoutQuit();
    void aLongAuthPlainWaitsForTheChallenge();
    void invalidEnvelopeAddressesAreRefusedBeforeAnythingIsSent_data();
    void invalidEnvelopeAddressesAreRefusedBeforeAnythingIsSent();
    void theFinalReplyIsAwaitedAfterTheData();
};

// script: "S: text" is a server reply line (CRLF added; "\r\n" inside a line sends more than one in one piece),
// "C: text" a line the client must have sent by then, "D: bytes" bytes it must have sent as they are (no CRLF
// added), "TLS" the owner's finished handshake after STARTTLS.
void TestSmtpClientSession::transcripts_data()
{
    QTest::addColumn<int>("tls");
    QTest::addColumn<bool>("encrypted");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QByteArray>("mailFrom");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArrayList>("script");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("stage");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<QByteArrayList>("accepted");
    QTest::addColumn<QByteArrayList>("refused"); // "address code text"
    QTest::addColumn<QString>("error"); // a part of errorString; empty: errorString must be empty
    // CONTRACT "Auto-relay (details)": a failure without a reply or with a 4xx is tried again later, a 5xx is not.
    QTest::addColumn<bool>("temporary");

    const int off = int(SmtpTlsMode::Off);
    const int opportunistic = int(SmtpTlsMode::Opportunistic);
    const int required = int(SmtpTlsMode::StartTls);
    const int implicit = int(SmtpTlsMode::Implicit);
    const QByteArray hi = "Subject: hi\r\n\r\nHello\r\n";
    const QByteArrayList one { "b@y.test" };

    QTest::newRow("a plain session with an RFC 5321 server: EHLO, MAIL, RCPT, DATA, the message, QUIT")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello",
               "C: .", "S: 250 OK: queued as 42", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK: queued as 42") << one << QByteArrayList {}
        << QString() << false;

    QTest::newRow("a server refusing EHLO with 502 gets HELO (RFC 5321 §3.2) and no extensions are used")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 502 Command not implemented", "C: HELO client.test", "S: 250 mx.test",
               "C: MAIL FROM:<a@x.test>", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA",
               "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    QTest::newRow("with PIPELINING MAIL, every RCPT and DATA go as one group; replies are read in order (RFC 2920)")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES",
               "C: MAIL FROM:<a@x.test>", "C: RCPT TO:<b@y.test>", "C: RCPT TO:<c@y.test>", "C: DATA",
               "S: 250 2.1.0 OK", "S: 250 2.1.5 OK", "S: 250 2.1.5 OK", "S: 354 Go ahead", "C: Subject: hi",
               "C: ", "C: Hello", "C: .", "S: 250 2.0.0 OK: queued", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 2.0.0 OK: queued")
        << QByteArrayList { "b@y.test", "c@y.test" } << QByteArrayList {} << QString() << false;

    QTest::newRow("a refused recipient among accepted ones is listed with its reply and the message goes")
        << off << false << QString() << QByteArray("a@x.test")
        << QByteArrayList { "b@y.test", "bogus@y.test", "c@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 ENHANCEDSTATUSCODES", "C: MAIL FROM:<a@x.test>",
               "S: 250 2.1.0 OK", "C: RCPT TO:<b@y.test>", "S: 250 2.1.5 OK", "C: RCPT TO:<bogus@y.test>",
               "S: 550 5.1.1 No such user", "C: RCPT TO:<c@y.test>", "S: 250 2.1.5 OK", "C: DATA", "S: 354 Go ahead",
               "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 2.0.0 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 2.0.0 OK") << QByteArrayList { "b@y.test", "c@y.test" }
        << QByteArrayList { "bogus@y.test 550 5.1.1 No such user" } << QString() << false;

    QTest::newRow("every recipient refused: no DATA, QUIT, the send fails at RCPT (tcllib -atleastone)")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 550 No such user", "C: RCPT TO:<c@y.test>", "S: 553 Not here", Quit }
        << false << int(Stage::RcptTo) << 553 << QByteArray("553 Not here") << QByteArrayList {}
        << QByteArrayList { "b@y.test 550  No such user", "c@y.test 553  Not here" } << QString() << false;

    QTest::newRow("every recipient refused, one for now: the 4xx decides, so that the send is tried again")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 450 Mailbox busy", "C: RCPT TO:<c@y.test>", "S: 550 No such user", Quit }
        << false << int(Stage::RcptTo) << 450 << QByteArray("450 Mailbox busy") << QByteArrayList {}
        << QByteArrayList { "b@y.test 450  Mailbox busy", "c@y.test 550  No such user" } << QString() << true;

    QTest::newRow("pipelined, every recipient refused and DATA refused too: QUIT, no message")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 PIPELINING", "C: MAIL FROM:<a@x.test>",
               "C: RCPT TO:<b@y.test>", "C: DATA", "S: 250 OK", "S: 550 No such user", "S: 554 No valid recipients",
               Quit }
        << false << int(Stage::RcptTo) << 550 << QByteArray("550 No such user") << QByteArrayList {}
        << QByteArrayList { "b@y.test 550  No such user" } << QString() << false;

    QTest::newRow("pipelined, every recipient refused but DATA got 354: a single dot, no message (RFC 2920 §3.1)")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 PIPELINING", "C: MAIL FROM:<a@x.test>",
               "C: RCPT TO:<b@y.test>", "C: DATA", "S: 250 OK", "S: 550 No such user", "S: 354 Go ahead", "C: .",
               "S: 554 No valid recipients", Quit }
        << false << int(Stage::RcptTo) << 550 << QByteArray("550 No such user") << QByteArrayList {}
        << QByteArrayList { "b@y.test 550  No such user" } << QString() << false;

    QTest::newRow("a 4xx to MAIL fails the send at MAIL FROM, temporarily")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 ENHANCEDSTATUSCODES", "C: MAIL FROM:<a@x.test>",
               "S: 451 4.3.0 Try again later", Quit }
        << false << int(Stage::MailFrom) << 451 << QByteArray("451 4.3.0 Try again later") << QByteArrayList {}
        << QByteArrayList {} << QString() << true;

    QTest::newRow("pipelined, MAIL refused: the RCPT and DATA replies judge no recipient, MAIL's reply decides")
        << off << false << QString() << QByteArray("denied@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 PIPELINING", "C: MAIL FROM:<denied@x.test>",
               "C: RCPT TO:<b@y.test>", "C: DATA", "S: 550 Sender denied", "S: 503 Need MAIL first",
               "S: 503 Need MAIL first", Quit }
        << false << int(Stage::MailFrom) << 550 << QByteArray("550 Sender denied") << QByteArrayList {}
        << QByteArrayList {} << QString() << false;

    QTest::newRow("a 5xx after the end of data fails the send at DATA")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello",
               "C: .", "S: 554 Message refused: spam", Quit }
        << false << int(Stage::Data) << 554 << QByteArray("554 Message refused: spam") << one << QByteArrayList {}
        << QString() << false;

    QTest::newRow("a 5xx to DATA itself fails the send at DATA and sends no message")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 554 No thanks", Quit }
        << false << int(Stage::Data) << 554 << QByteArray("554 No thanks") << one << QByteArrayList {} << QString()
        << false;

    QTest::newRow("a 554 greeting fails the send at the greeting; the client says QUIT (RFC 5321 §3.1)")
        << opportunistic << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { "S: 554 mx.test No service here", Quit } << false << int(Stage::Greeting) << 554
        << QByteArray("554 mx.test No service here") << QByteArrayList {} << QByteArrayList {} << QString() << false;

    QTest::newRow("STARTTLS required but not offered: QUIT before MAIL, nothing sent")
        << required << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 PIPELINING", Quit } << false << int(Stage::StartTls)
        << 0 << QByteArray() << QByteArrayList {} << QByteArrayList {} << QStringLiteral("STARTTLS") << true;

    QTest::newRow("STARTTLS required and refused with 454: the send fails at STARTTLS")
        << required << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 STARTTLS", "C: STARTTLS", "S: 454 TLS not available",
               Quit }
        << false << int(Stage::StartTls) << 454 << QByteArray("454 TLS not available") << QByteArrayList {}
        << QByteArrayList {} << QString() << true;

    QTest::newRow("opportunistic STARTTLS refused with 454 goes on in the clear")
        << opportunistic << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 STARTTLS", "C: STARTTLS", "S: 454 TLS not available",
               "C: MAIL FROM:<a@x.test>", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA",
               "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    QTest::newRow("opportunistic without STARTTLS offered sends in the clear")
        << opportunistic << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello",
               "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    QTest::newRow("STARTTLS: what came after the 220 in the clear is dropped, EHLO again, no second STARTTLS")
        << required << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 STARTTLS", "C: STARTTLS",
               "S: 220 Go ahead\r\n250-injected\r\n250 PIPELINING", "TLS", Ehlo, "S: 250-mx.test\r\n250 STARTTLS",
               "C: MAIL FROM:<a@x.test>", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA",
               "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    QTest::newRow("implicit TLS sends no STARTTLS")
        << implicit << true << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 STARTTLS", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello",
               "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    const QByteArrayList tail { "S: 235 2.7.0 Authentication successful", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
        "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello", "C: .",
        "S: 250 OK", Quit };
    QTest::newRow("AUTH CRAM-MD5 is preferred when offered; RFC 2195 §2's example exchange")
        << implicit << true << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH LOGIN PLAIN CRAM-MD5", "C: AUTH CRAM-MD5",
               "S: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
               "C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw" }
            + tail
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("AUTH PLAIN with its initial response (RFC 4616 §2, RFC 4954 §4) when CRAM-MD5 is not offered")
        << implicit << true << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH LOGIN PLAIN",
               "C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm" }
            + tail
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("AUTH LOGIN, the old AUTH= form of the keyword: user name, then password")
        << implicit << true << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH=LOGIN", "C: AUTH LOGIN", "S: 334 VXNlcm5hbWU6",
               "C: dGlt", "S: 334 UGFzc3dvcmQ6", "C: dGFuc3RhYWZ0YW5zdGFhZg==" }
            + tail
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("AUTH over plain text with TLS off on purpose (CONTRACT \"Release\")")
        << off << false << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH PLAIN",
               "C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm" }
            + tail
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("AUTH refused on a connection that is not encrypted: QUIT, the password never sent")
        << opportunistic << false << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH PLAIN LOGIN", Quit } << false
        << int(Stage::Auth) << 0 << QByteArray() << QByteArrayList {} << QByteArrayList {}
        << QStringLiteral("not encrypted") << true;
    QTest::newRow("AUTH failing with 535 fails the send at AUTH")
        << implicit << true << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH PLAIN",
               "C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "S: 535 5.7.8 Authentication credentials invalid", Quit }
        << false << int(Stage::Auth) << 535 << QByteArray("535 5.7.8 Authentication credentials invalid")
        << QByteArrayList {} << QByteArrayList {} << QString() << false;
    QTest::newRow("AUTH wanted but the server offers no mechanism the client knows")
        << implicit << true << QStringLiteral("tim") << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 AUTH GSSAPI", Quit } << false << int(Stage::Auth)
        << 0 << QByteArray() << QByteArrayList {} << QByteArrayList {} << QStringLiteral("GSSAPI") << true;

    // SIZE: "s" + CRLF is 3 octets, the empty line 2, the 2-octet é + CRLF 4: 9 (RFC 1870: CRLF counted, a bare LF
    // is sent as CRLF). The é is in the body, so no SMTPUTF8.
    QTest::newRow("SIZE counts CRLF line ends (RFC 1870) and 8-bit data is declared")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "b@y.test" }
        << QByteArray("s\n\n\xc3\xa9\n")
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 SMTPUTF8",
               "C: MAIL FROM:<a@x.test> SIZE=9 BODY=8BITMIME", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK",
               "C: DATA", "S: 354 Go ahead", "C: s", "C: ", "C: \xc3\xa9", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << QByteArrayList { "b@y.test" } << QByteArrayList {}
        << QString() << false;
    QTest::newRow("an address beyond ASCII goes with SMTPUTF8 (RFC 6531 §3.4)")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "j\xc3\xb6rg@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 SMTPUTF8", "C: MAIL FROM:<a@x.test> SMTPUTF8",
               "S: 250 OK", "C: RCPT TO:<j\xc3\xb6rg@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead",
               "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << QByteArrayList { "j\xc3\xb6rg@y.test" }
        << QByteArrayList {} << QString() << false;
    QTest::newRow("a header in UTF-8 (RFC 6532) is announced with SMTPUTF8 when offered (RFC 6531 §3.4)")
        << off << false << QString() << QByteArray("a@x.test") << one << QByteArray("Subject: \xc3\xa9\r\n\r\nx\r\n")
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-8BITMIME\r\n250 SMTPUTF8",
               "C: MAIL FROM:<a@x.test> BODY=8BITMIME SMTPUTF8", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK",
               "C: DATA", "S: 354 Go ahead", "C: Subject: \xc3\xa9", "C: ", "C: x", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("8-bit only in the body: BODY=8BITMIME (RFC 6152) but no SMTPUTF8")
        << off << false << QString() << QByteArray("a@x.test") << one << QByteArray("Subject: s\r\n\r\n\xc3\xa9\r\n")
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-8BITMIME\r\n250 SMTPUTF8",
               "C: MAIL FROM:<a@x.test> BODY=8BITMIME", "S: 250 OK", "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA",
               "S: 354 Go ahead", "C: Subject: s", "C: ", "C: \xc3\xa9", "C: .", "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("an address beyond ASCII to a server without SMTPUTF8: nothing sent (RFC 6531 §3.2)")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "j\xc3\xb6rg@y.test" } << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", Quit } << false << int(Stage::MailFrom) << 0
        << QByteArray() << QByteArrayList {} << QByteArrayList {} << QStringLiteral("SMTPUTF8") << true;
    QTest::newRow("the null sender is MAIL FROM:<>")
        << off << false << QString() << QByteArray() << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<>", "S: 250 OK", "C: RCPT TO:<b@y.test>",
               "S: 250 OK", "C: DATA", "S: 354 Go ahead", "C: Subject: hi", "C: ", "C: Hello", "C: .", "S: 250 OK",
               Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    const QByteArrayList dataStart { Greeting, Ehlo, "S: 250 mx.test", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
        "C: RCPT TO:<b@y.test>", "S: 250 OK", "C: DATA", "S: 354 Go ahead" };
    QTest::newRow("a line starting with a dot gets another (RFC 5321 §4.5.2)")
        << off << false << QString() << QByteArray("a@x.test") << one
        << QByteArray("Subject: dots\r\n\r\n.line\r\n..two\r\n.\r\nend")
        << dataStart
            + QByteArrayList { "C: Subject: dots", "C: ", "C: ..line", "C: ...two", "C: ..", "C: end", "C: .",
                  "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;
    QTest::newRow("bare LF and bare CR become CRLF, so no server sees an end of data early (RFC 5321 §2.3.8)")
        << off << false << QString() << QByteArray("a@x.test") << one << QByteArray("a\nb\rc\n.\nd\r\n")
        << dataStart + QByteArrayList { "C: a", "C: b", "C: c", "C: ..", "C: d", "C: .", "S: 250 OK", Quit } << true
        << int(Stage::Done) << 250 << QByteArray("250 OK") << one << QByteArrayList {} << QString() << false;

    QTest::newRow("a multi-line reply to the end of data is one reply, joined in the result")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << dataStart
            + QByteArrayList { "C: Subject: hi", "C: ", "C: Hello", "C: .",
                  "S: 250-2.0.0 Accepted\r\n250-2.0.0 for delivery\r\n250 2.0.0 as 7", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 2.0.0 Accepted for delivery as 7") << one
        << QByteArrayList {} << QString() << false;

    QTest::newRow("garbage instead of a greeting is a protocol error; nothing is sent")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { "S: HTTP/1.1 400 Bad Request" } << false << int(Stage::Greeting) << 0 << QByteArray()
        << QByteArrayList {} << QByteArrayList {} << QStringLiteral("protocol error") << true;
    QTest::newRow("a multi-line reply changing its code is a protocol error (RFC 5321 §4.2.1)")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n251 PIPELINING" } << false << int(Stage::Ehlo) << 0
        << QByteArray() << QByteArrayList {} << QByteArrayList {} << QStringLiteral("protocol error") << true;
    QTest::newRow("an oversized reply line is a protocol error, not a buffer without end")
        << off << false << QString() << QByteArray("a@x.test") << one << hi
        << QByteArrayList { "S: 220 " + QByteArray(SmtpReplyParser::MaxLineLength + 10, 'x') } << false
        << int(Stage::Greeting) << 0 << QByteArray() << QByteArrayList {} << QByteArrayList {}
        << QStringLiteral("longer than") << true;

    // RFC 3030: with CHUNKING the data goes as BDAT, its octets exactly as stored (CONTRACT "Release": the stored
    // source unchanged): a bare LF and CR stay, a line of 1500 octets (over RFC 5321 §4.5.3.1.6's 1000) and a line
    // starting with a dot are not touched, and no end mark follows.
    const QByteArray binary = "Subject: raw\r\n\r\nbare LF\nbare CR\r" + QByteArray(1500, 'x') + "\r\n.dot\r\nend";
    const QByteArray bdat = "C: BDAT " + QByteArray::number(binary.size()) + " LAST";
    QTest::newRow("CHUNKING offered: BDAT n LAST with the data unchanged, SIZE its octets (RFC 3030 §2, §4.3)")
        << off << false << QString() << QByteArray("a@x.test") << one << binary
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-SIZE 1000000\r\n250 CHUNKING",
               "C: MAIL FROM:<a@x.test> SIZE=" + QByteArray::number(binary.size()), "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", bdat, "D: " + binary, "S: 250 2.0.0 OK: queued", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 2.0.0 OK: queued") << one << QByteArrayList {}
        << QString() << false;
    QTest::newRow("CHUNKING with PIPELINING: MAIL and the RCPTs in one group, BDAT once a recipient was accepted")
        << off << false << QString() << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c@y.test" } << binary
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING",
               "C: MAIL FROM:<a@x.test>", "C: RCPT TO:<b@y.test>", "C: RCPT TO:<c@y.test>",
               "S: 250 OK\r\n550 No such user\r\n250 OK", bdat, "D: " + binary, "S: 250 OK", Quit }
        << true << int(Stage::Done) << 250 << QByteArray("250 OK") << QByteArrayList { "c@y.test" }
        << QByteArrayList { "b@y.test 550  No such user" } << QString() << false;
    QTest::newRow("CHUNKING with PIPELINING, every recipient refused: no BDAT, no data, QUIT")
        << off << false << QString() << QByteArray("a@x.test") << one << binary
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING",
               "C: MAIL FROM:<a@x.test>", "C: RCPT TO:<b@y.test>", "S: 250 OK\r\n550 No such user", Quit }
        << false << int(Stage::RcptTo) << 550 << QByteArray("550 No such user") << QByteArrayList {}
        << QByteArrayList { "b@y.test 550  No such user" } << QString() << false;
    QTest::newRow("CHUNKING, a 4xx to BDAT LAST fails the send at DATA, temporarily (RFC 3030 §2)")
        << off << false << QString() << QByteArray("a@x.test") << one << binary
        << QByteArrayList { Greeting, Ehlo, "S: 250-mx.test\r\n250 CHUNKING", "C: MAIL FROM:<a@x.test>", "S: 250 OK",
               "C: RCPT TO:<b@y.test>", "S: 250 OK", bdat, "D: " + binary, "S: 452 4.3.1 Insufficient storage", Quit }
        << false << int(Stage::Data) << 452 << QByteArray("452 4.3.1 Insufficient storage") << one << QByteArrayList {}
        << QString() << true;
}

void TestSmtpClientSession::transcripts()
{
    QFETCH(int, tls);
    QFETCH(bool, encrypted);
    QFETCH(QString, user);
    QFETCH(QByteArray, mailFrom);
    QFETCH(QByteArrayList, rcptTo);
    QFETCH(QByteArray, data);
    QFETCH(QByteArrayList, script);
    QFETCH(bool, ok);
    QFETCH(int, stage);
    QFETCH(int, code);
    QFETCH(QByteArray, reply);
    QFETCH(QByteArrayList, accepted);
    QFETCH(QByteArrayList, refused);
    QFETCH(QString, error);
    QFETCH(bool, temporary);

    SmtpClientOptions options;
    options.tls = SmtpTlsMode(tls);
    options.heloName = QStringLiteral("client.test");
    options.username = user;
    options.password = QStringLiteral("tanstaaftanstaaf");
    const SmtpOutgoing outgoing { mailFrom, rcptTo, data };

    for (const Split split : { Split::Whole, Split::ByteByByte, Split::Random }) {
        SmtpClientSession session(options, outgoing, encrypted);
        Run run;
        const auto drain = [&] {
            run.sent += session.takeOutput();
            for (const SmtpClientEvent &event : session.takeEvents()) {
                if (const auto *progress = std::get_if<SmtpClientEvents::Progress>(&event)) {
                    run.steps << progress->step;
                } else if (std::holds_alternative<SmtpClientEvents::StartTls>(event)) {
                    run.sawStartTls = true;
                } else {
                    QVERIFY2(!run.finished, "Finished comes once");
                    run.finished = true;
                }
            }
        };
        QRandomGenerator random(42);
        for (const QByteArray &item : std::as_const(script)) {
            if (item.startsWith("C: ")) {
                run.expected += item.mid(3) + "\r\n";
                continue;
            }
            if (item.startsWith("D: ")) {
                run.expected += item.mid(3);
                continue;
            }
            // Before the server speaks again, the client has said exactly what the script says, and no more.
            QCOMPARE(run.sent, run.expected);
            if (item == "TLS") {
                QVERIFY(run.sawStartTls);
                QVERIFY(session.awaitsTls());
                session.tlsStarted();
                drain();
                continue;
            }
            QVERIFY2(item.startsWith("S: "), item.constData());
            const QByteArray bytes = item.mid(3) + "\r\n";
            qsizetype pos = 0;
            while (pos < bytes.size()) {
                const qsizetype n = split == Split::Whole ? bytes.size()
                    : split == Split::ByteByByte          ? 1
                                                          : 1 + random.bounded(8);
                session.receive(QByteArrayView(bytes).sliced(pos, qMin(n, bytes.size() - pos)));
                pos += n;
                drain();
            }
        }
        QCOMPARE(run.sent, run.expected);
        QVERIFY(run.finished);
        QVERIFY(session.isFinished());
        const SmtpSendResult &result = session.result();
        QCOMPARE(result.ok, ok);
        QCOMPARE(int(result.stage), stage);
        QCOMPARE(result.code, code);
        QCOMPARE(result.reply, reply);
        QCOMPARE(result.accepted, accepted);
        QByteArrayList refusedLines;
        for (const SmtpRecipientResult &r : result.refused) {
            refusedLines << r.address + ' ' + QByteArray::number(r.code) + ' ' + r.enhanced + ' ' + r.text;
        }
        QCOMPARE(refusedLines, refused);
        if (error.isEmpty()) {
            QVERIFY2(result.errorString.isEmpty(), qPrintable(result.errorString));
        } else {
            QVERIFY2(result.errorString.contains(error, Qt::CaseInsensitive), qPrintable(result.errorString));
        }
        QCOMPARE(result.isTemporaryFailure(), temporary);
    }
}

void TestSmtpClientSession::nothingAfterFinishedIsRead()
{
    SmtpClientOptions options;
    options.tls = SmtpTlsMode::Off;
    options.heloName = QStringLiteral("client.test");
    SmtpClientSession session(options, SmtpOutgoing { "a@x.test", { "b@y.test" }, "x\r\n" });
    session.receive("554 go away\r\n");
    QVERIFY(session.isFinished());
    QCOMPARE(session.takeOutput(), QByteArray("QUIT\r\n"));
    session.takeEvents();
    session.receive("220 changed my mind\r\n250 OK\r\n");
    QCOMPARE(session.takeOutput(), QByteArray());
    QVERIFY(session.takeEvents().empty());
    QCOMPARE(session.result().code, 554);
}

void TestSmtpClientSession::aConnectionFailureEndsTheSendWithoutQuit()
{
    SmtpClientOptions options;
    options.tls = SmtpTlsMode::Off;
    options.heloName = QStringLiteral("client.test");
    SmtpClientSession session(options, SmtpOutgoing { "a@x.test", { "b@y.test" }, "x\r\n" });
    session.receive("220 mx.test\r\n250 mx.test\r\n");
    QCOMPARE(session.takeOutput(), QByteArray("EHLO client.test\r\nMAIL FROM:<a@x.test>\r\n"));
    session.connectionFailed(QStringLiteral("timed out"));
    QVERIFY(session.isFinished());
    QCOMPARE(session.takeOutput(), QByteArray());
    QCOMPARE(session.result().stage, SmtpSendResult::Stage::MailFrom);
    QCOMPARE(session.result().code, 0);
    QCOMPARE(session.result().errorString, QStringLiteral("timed out"));
    QVERIFY(session.result().isTemporaryFailure());
}

void TestSmtpClientSession::aLongAuthPlainWaitsForTheChallenge()
{
    // RFC 4954 §4: "AUTH PLAIN " and the initial response in base64 would pass 512 octets with the CRLF, so the
    // mechanism goes alone and the 334's empty challenge gets the response (RFC 4616 §2).
    SmtpClientOptions options;
    options.tls = SmtpTlsMode::Implicit;
    options.heloName = QStringLiteral("client.test");
    options.username = QStringLiteral("tim");
    options.password = QString(400, u'p');
    SmtpClientSession session(options, SmtpOutgoing { "a@x.test", { "b@y.test" }, "x\r\n" }, true);
    session.receive("220 mx.test\r\n250-mx.test\r\n250 AUTH PLAIN\r\n");
    QCOMPARE(session.takeOutput(), QByteArray("EHLO client.test\r\nAUTH PLAIN\r\n"));
    session.receive("334 \r\n");
    const QByteArray response = QByteArray("\0tim\0", 5) + QByteArray(400, 'p');
    QCOMPARE(session.takeOutput(), response.toBase64() + "\r\n");
    session.receive("235 2.7.0 Authentication successful\r\n");
    QCOMPARE(session.takeOutput(), QByteArray("MAIL FROM:<a@x.test>\r\n"));

    // At the limit it still goes as the initial response: 11 + 500 octets of base64 + CRLF would be 513, 11 + 496
    // + 2 is 509.
    options.password = QString(367, u'p'); // 5 + 367 = 372 octets, 496 in base64
    SmtpClientSession fits(options, SmtpOutgoing { "a@x.test", { "b@y.test" }, "x\r\n" }, true);
    fits.receive("220 mx.test\r\n250-mx.test\r\n250 AUTH PLAIN\r\n");
    QCOMPARE(fits.takeOutput(),
        "EHLO client.test\r\nAUTH PLAIN " + (QByteArray("\0tim\0", 5) + QByteArray(367, 'p')).toBase64() + "\r\n");
}

void TestSmtpClientSession::invalidEnvelopeAddressesAreRefusedBeforeAnythingIsSent_data()
{
    QTest::addColumn<QByteArray>("mailFrom");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<int>("stage");
    QTest::addColumn<QString>("named"); // a part of the address the error must name

    const int mail = int(SmtpSendResult::Stage::MailFrom);
    const int rcpt = int(SmtpSendResult::Stage::RcptTo);
    // RFC 5321 §2.3.8: CR and LF end a command line; a second command would be smuggled in.
    QTest::newRow("CRLF in the sender") << QByteArray("a@x.test\r\nRCPT TO:<evil@z.test>")
                                        << QByteArrayList { "b@y.test" } << mail << QStringLiteral("evil@z.test");
    QTest::newRow("a bare LF in a recipient")
        << QByteArray("a@x.test") << QByteArrayList { "b@y.test\nDATA" } << rcpt << QStringLiteral("b@y.test");
    QTest::newRow("a bare CR in a recipient")
        << QByteArray("a@x.test") << QByteArrayList { "b@y.test\rx" } << rcpt << QStringLiteral("b@y.test");
    QTest::newRow("NUL in a recipient") << QByteArray("a@x.test") << QByteArrayList { QByteArray("b@y\0.test", 9) }
                                        << rcpt << QStringLiteral("b@y");
    // RFC 5321 §4.1.2: the path is in angle brackets; another bracket would end it, parameters could follow.
    QTest::newRow("'>' in the sender") << QByteArray("a@x.test> SIZE=1") << QByteArrayList { "b@y.test" } << mail
                                       << QStringLiteral("SIZE=1");
    QTest::newRow("a display name form as a recipient")
        << QByteArray("a@x.test") << QByteArrayList { "Bob <b@y.test>" } << rcpt << QStringLiteral("Bob");
    QTest::newRow("a space in the second recipient")
        << QByteArray("a@x.test") << QByteArrayList { "b@y.test", "c d@y.test" } << rcpt
        << QStringLiteral("c d@y.test");
}

void TestSmtpClientSession::invalidEnvelopeAddressesAreRefusedBeforeAnythingIsSent()
{
    QFETCH(QByteArray, mailFrom);
    QFETCH(QByteArrayList, rcptTo);
    QFETCH(int, stage);
    QFETCH(QString, named);

    SmtpClientOptions options;
    options.tls = SmtpTlsMode::Off;
    options.heloName = QStringLiteral("client.test");
    SmtpClientSession session(options, SmtpOutgoing { mailFrom, rcptTo, "x\r\n" });
    QVERIFY(session.isFinished());
    const std::vector<SmtpClientEvent> events = session.takeEvents();
    QCOMPARE(events.size(), size_t(1));
    QVERIFY(std::holds_alternative<SmtpClientEvents::Finished>(events.front()));
    session.receive("220 mx.test\r\n250 mx.test\r\n250 OK\r\n250 OK\r\n");
    QCOMPARE(session.takeOutput(), QByteArray());
    QVERIFY(!session.result().ok);
    QCOMPARE(int(session.result().stage), stage);
    QCOMPARE(session.result().code, 0);
    QVERIFY2(session.result().errorString.contains(named), qPrintable(session.result().errorString));
    QVERIFY2(!session.result().errorString.contains(u'\n') && !session.result().errorString.contains(u'\r'),
        qPrintable(session.result().errorString));

    SmtpSendResult refusal;
    QVERIFY(!SmtpClientSession::checkEnvelope(SmtpOutgoing { mailFrom, rcptTo, "x\r\n" }, &refusal));
    QCOMPARE(int(refusal.stage), stage);
    // The null sender (RFC 5321 §4.5.5) and plain addresses pass.
    QVERIFY(SmtpClientSession::checkEnvelope(SmtpOutgoing { "", { "b@y.test", "\"q\"@y.test" }, "x\r\n" }, &refusal));
}

void TestSmtpClientSession::theFinalReplyIsAwaitedAfterTheData()
{
    // RFC 5321 §4.5.3.2.6: the reply to the end of the data has its own, longer timeout; the owner asks when it runs.
    SmtpClientOptions options;
    options.tls = SmtpTlsMode::Off;
    options.heloName = QStringLiteral("client.test");
    SmtpClientSession session(options, SmtpOutgoing { "a@x.test", { "b@y.test" }, "x\r\n" });
    session.receive("220 mx.test\r\n250 mx.test\r\n250 OK\r\n250 OK\r\n");
    QVERIFY(!session.awaitsFinalReply());
    QCOMPARE(session.repliesHandled(), 4);
    session.receive("354 Go");
    QCOMPARE(session.repliesHandled(), 4); // not complete yet
    QVERIFY(!session.awaitsFinalReply());
    session.receive(" ahead\r\n");
    QCOMPARE(session.repliesHandled(), 5);
    QVERIFY(session.awaitsFinalReply());
    session.receive("250 OK\r\n");
    QVERIFY(!session.awaitsFinalReply());
    QVERIFY(session.result().ok);
}

QTEST_APPLESS_MAIN(TestSmtpClientSession)
#include "tst_smtpclientsession.moc"
