#include <pop3/pop3session.h>

#include <QTest>

// The POP3 session against RFC 1939's commands and examples, RFC 2449 (CAPA, response codes, pipelining), RFC 2595
// (STLS) and RFC 5034 (AUTH PLAIN). Expected bytes are written out from the RFCs' text.
class TestPop3Session : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void greetingAndCapabilities_data();
    void greetingAndCapabilities();
    void userPassLoginListsAndDeletes();
    void failedLoginMayBeRetried();
    void retrStuffsDotsAndEndsLinesWithCrlf_data();
    void retrStuffsDotsAndEndsLinesWithCrlf();
    void topSendsTheHeaderAndTheAskedLines_data();
    void topSendsTheHeaderAndTheAskedLines();
    void chunksSplitAnywhere();
    void pipelinedCommandsWaitForTheMessage();
    void authPlain_data();
    void authPlain();
    void stlsDropsWhatWasPipelinedAfterIt();
    void commandsOutOfState_data();
    void commandsOutOfState();
    void badArguments_data();
    void badArguments();
    void overlongLinesAreRefusedAndTheSessionGoesOn();
    void unreadableMessage();
    void quitWithoutDeletionsAndFailedUpdate();
    void timeoutAndShutdownDoNotUpdate();
};

namespace {
const QList<Pop3MaildropEntry> Maildrop { { "1aXyZ", 120 }, { "2bQrs", 200 } };

struct Harness
{
    explicit Harness(bool tls = false)
        : session([&] {
            Pop3SessionConfig config;
            config.hostname = "mx.test";
            config.tlsAvailable = tls;
            return config;
        }())
    {
        session.start();
        session.takeOutput();
        session.takeEvents();
    }
    QByteArray send(const QByteArray &bytes)
    {
        session.receive(bytes);
        return session.takeOutput();
    }
    void login()
    {
        send("USER shop\r\nPASS secret\r\n");
        session.takeEvents();
        session.loginFinished(true, Maildrop);
        session.takeOutput();
        session.takeEvents();
    }
    template<typename Event>
    QList<Event> events()
    {
        QList<Event> found;
        for (const Pop3Event &e : session.takeEvents()) {
            if (const Event *event = std::get_if<Event>(&e)) {
                found << *event;
            }
        }
        return found;
    }
    Pop3Session session;
};
} // namespace

void TestPop3Session::greetingAndCapabilities_data()
{
    QTest::addColumn<bool>("tls");
    QTest::addColumn<QByteArray>("capa");
    QTest::newRow("without a certificate")
        << false
        << QByteArray("+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                      "PIPELINING\r\nSASL PLAIN\r\nIMPLEMENTATION Letterbox\r\n.\r\n");
    QTest::newRow("with a certificate: STLS")
        << true
        << QByteArray("+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
                      "PIPELINING\r\nSASL PLAIN\r\nSTLS\r\nIMPLEMENTATION Letterbox\r\n.\r\n");
}

void TestPop3Session::greetingAndCapabilities()
{
    QFETCH(bool, tls);
    QFETCH(QByteArray, capa);
    Pop3SessionConfig config;
    config.hostname = "mx.test";
    config.tlsAvailable = tls;
    Pop3Session session(config);
    QCOMPARE(session.state(), Pop3Session::State::Idle);
    session.start();
    QCOMPARE(session.takeOutput(), QByteArray("+OK mx.test Letterbox POP3 server ready\r\n"));
    session.receive("capa\r\n"); // keywords are case-insensitive (RFC 1939 §3)
    QCOMPARE(session.takeOutput(), capa);
    QCOMPARE(session.state(), Pop3Session::State::Authorization);
}

void TestPop3Session::userPassLoginListsAndDeletes()
{
    Harness h;
    QCOMPARE(h.send("USER shop\r\n"), QByteArray("+OK send PASS\r\n"));
    h.session.takeEvents();
    QCOMPARE(h.send("PASS two words\r\n"), QByteArray());
    const std::vector<Pop3Event> events = h.session.takeEvents();
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(std::get<Pop3Events::ReceivedLine>(events.at(0)).text, QByteArray("PASS ****"));
    const auto login = std::get<Pop3Events::LoginRequested>(events.at(1));
    QCOMPARE(login.user, QByteArray("shop"));
    QCOMPARE(login.password, QByteArray("two words")); // RFC 1939 §7: the rest of the line
    QCOMPARE(login.mechanism, QByteArray("USER"));
    QCOMPARE(h.session.state(), Pop3Session::State::Paused);
    h.session.loginFinished(true, Maildrop);
    QCOMPARE(h.session.takeOutput(), QByteArray("+OK maildrop has 2 messages (320 octets)\r\n"));
    QCOMPARE(h.session.state(), Pop3Session::State::Transaction);
    QCOMPARE(h.send("STAT\r\n"), QByteArray("+OK 2 320\r\n"));
    QCOMPARE(h.send("LIST\r\n"), QByteArray("+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"));
    QCOMPARE(h.send("LIST 2\r\n"), QByteArray("+OK 2 200\r\n"));
    QCOMPARE(h.send("LIST 3\r\n"), QByteArray("-ERR no such message\r\n"));
    QCOMPARE(h.send("UIDL\r\n"), QByteArray("+OK unique-id listing follows\r\n1 1aXyZ\r\n2 2bQrs\r\n.\r\n"));
    QCOMPARE(h.send("UIDL 1\r\n"), QByteArray("+OK 1 1aXyZ\r\n"));
    QCOMPARE(h.send("DELE 1\r\n"), QByteArray("+OK message 1 deleted\r\n"));
    QCOMPARE(h.send("DELE 1\r\n"), QByteArray("-ERR message 1 already deleted\r\n"));
    QCOMPARE(h.send("RETR 1\r\n"), QByteArray("-ERR message 1 already deleted\r\n"));
    QCOMPARE(h.send("STAT\r\n"), QByteArray("+OK 1 200\r\n"));
    QCOMPARE(h.send("LIST\r\n"), QByteArray("+OK 1 messages (200 octets)\r\n2 200\r\n.\r\n"));
    QCOMPARE(h.send("RSET\r\n"), QByteArray("+OK maildrop has 2 messages (320 octets)\r\n"));
    QCOMPARE(h.send("NOOP\r\n"), QByteArray("+OK\r\n"));
    QCOMPARE(h.send("DELE 2\r\n"), QByteArray("+OK message 2 deleted\r\n"));
    h.session.takeEvents();
    QCOMPARE(h.send("QUIT\r\n"), QByteArray());
    const auto updates = h.events<Pop3Events::Update>();
    QCOMPARE(updates.size(), 1);
    QCOMPARE(updates.first().deletedIds, QByteArrayList { "2bQrs" });
    h.session.updateFinished(true);
    QCOMPARE(
        h.session.takeOutput(), QByteArray("+OK mx.test Letterbox POP3 server signing off (1 messages deleted)\r\n"));
    QCOMPARE(h.events<Pop3Events::Close>().size(), 1);
    QVERIFY(h.session.isClosed());
}

void TestPop3Session::failedLoginMayBeRetried()
{
    Harness h;
    h.send("USER nobody\r\nPASS x\r\n");
    h.session.loginFinished(false);
    QCOMPARE(h.session.takeOutput(), QByteArray("-ERR [AUTH] authentication failed\r\n"));
    QCOMPARE(h.session.state(), Pop3Session::State::Authorization);
    // The user name does not outlive the failed PASS.
    QCOMPARE(h.send("PASS y\r\n"), QByteArray("-ERR USER first\r\n"));
    h.session.takeEvents();
    h.send("USER shop\r\nPASS secret\r\n");
    QCOMPARE(h.events<Pop3Events::LoginRequested>().size(), 1);
    h.session.loginFinished(true, {});
    QCOMPARE(h.session.takeOutput(), QByteArray("+OK maildrop has 0 messages (0 octets)\r\n"));
}

void TestPop3Session::retrStuffsDotsAndEndsLinesWithCrlf_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("sent");
    QTest::newRow("plain") << QByteArray("Subject: a\r\n\r\nHello\r\n")
                           << QByteArray("+OK 120 octets\r\nSubject: a\r\n\r\nHello\r\n.\r\n");
    QTest::newRow("lines starting with a dot get another (RFC 1939 §3)")
        << QByteArray("Subject: a\r\n\r\n.\r\n..x\r\n.end\r\n")
        << QByteArray("+OK 120 octets\r\nSubject: a\r\n\r\n..\r\n...x\r\n..end\r\n.\r\n");
    QTest::newRow("bare LF line ends become CRLF") << QByteArray(
        "Subject: a\n\n.dot\nlast\n") << QByteArray("+OK 120 octets\r\nSubject: a\r\n\r\n..dot\r\nlast\r\n.\r\n");
    QTest::newRow("a last line without its end gets one")
        << QByteArray("Subject: a\r\n\r\nno end") << QByteArray("+OK 120 octets\r\nSubject: a\r\n\r\nno end\r\n.\r\n");
    QTest::newRow("a CR inside a line stays")
        << QByteArray("Subject: a\r\n\r\nx\ry\r\n") << QByteArray("+OK 120 octets\r\nSubject: a\r\n\r\nx\ry\r\n.\r\n");
    QTest::newRow("an empty message") << QByteArray() << QByteArray("+OK 120 octets\r\n.\r\n");
}

void TestPop3Session::retrStuffsDotsAndEndsLinesWithCrlf()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, sent);
    Harness h;
    h.login();
    QCOMPARE(h.send("RETR 1\r\n"), QByteArray());
    const auto requests = h.events<Pop3Events::RetrieveRequested>();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().number, 1);
    QCOMPARE(requests.first().id, QByteArray("1aXyZ"));
    QCOMPARE(requests.first().bodyLines, -1);
    QVERIFY(requests.first().markRead); // the contract: RETR marks read
    h.session.messageData(source);
    h.session.messageDataFinished(true);
    QCOMPARE(h.session.takeOutput(), sent);
    QCOMPARE(h.session.state(), Pop3Session::State::Transaction);
}

void TestPop3Session::topSendsTheHeaderAndTheAskedLines_data()
{
    QTest::addColumn<QByteArray>("command");
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("sent");
    const QByteArray message = "From: a@x\r\nSubject: s\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n";
    QTest::newRow("0 lines: the header and the blank line (RFC 1939 §7)") << QByteArray(
        "TOP 2 0") << message << QByteArray("+OK top of message follows\r\nFrom: a@x\r\nSubject: s\r\n\r\n.\r\n");
    QTest::newRow("2 lines") << QByteArray("TOP 2 2") << message
                             << QByteArray("+OK top of message follows\r\nFrom: a@x\r\nSubject: s\r\n\r\nline 1\r\n"
                                           "..line 2\r\n.\r\n");
    QTest::newRow("more lines than the body has")
        << QByteArray("TOP 2 10") << message
        << QByteArray("+OK top of message follows\r\nFrom: a@x\r\nSubject: s\r\n\r\nline 1\r\n..line 2\r\n"
                      "line 3\r\n.\r\n");
    QTest::newRow("no body at all") << QByteArray("TOP 2 1") << QByteArray("Subject: s\r\n")
                                    << QByteArray("+OK top of message follows\r\nSubject: s\r\n.\r\n");
    QTest::newRow("LF line ends") << QByteArray("TOP 2 1") << QByteArray("Subject: s\n\nbody 1\nbody 2\n")
                                  << QByteArray("+OK top of message follows\r\nSubject: s\r\n\r\nbody 1\r\n.\r\n");
}

void TestPop3Session::topSendsTheHeaderAndTheAskedLines()
{
    QFETCH(QByteArray, command);
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, sent);
    Harness h;
    h.login();
    h.send(command + "\r\n");
    const auto requests = h.events<Pop3Events::RetrieveRequested>();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().id, QByteArray("2bQrs"));
    QVERIFY(!requests.first().markRead);
    QVERIFY(h.session.wantsMessageData());
    h.session.messageData(source);
    h.session.messageDataFinished(true);
    QCOMPARE(h.session.takeOutput(), sent);
}

void TestPop3Session::chunksSplitAnywhere()
{
    // Every split of the source into two chunks sends the same bytes: a CR, a dot or a header end at a boundary.
    const QByteArray source = "Subject: s\r\n\r\n.a\r\n\r\n..\r\nx\r\ny\r";
    const QByteArray expected = "+OK top of message follows\r\nSubject: s\r\n\r\n..a\r\n\r\n...\r\nx\r\n.\r\n";
    for (qsizetype split = 0; split <= source.size(); ++split) {
        Harness h;
        h.login();
        h.send("TOP 1 4\r\n");
        h.session.messageData(QByteArrayView(source).first(split));
        h.session.messageData(QByteArrayView(source).sliced(split));
        h.session.messageDataFinished(true);
        QCOMPARE(h.session.takeOutput(), expected);
    }
}

void TestPop3Session::pipelinedCommandsWaitForTheMessage()
{
    Harness h;
    // RFC 2449 §6.6: a client may send many commands at once; the answers come in order.
    QCOMPARE(
        h.send("USER shop\r\nPASS secret\r\nSTAT\r\nRETR 1\r\nLIST 1\r\nQUIT\r\n"), QByteArray("+OK send PASS\r\n"));
    QCOMPARE(h.events<Pop3Events::LoginRequested>().size(), 1);
    QVERIFY(h.session.bufferedBytes() > 0);
    h.session.loginFinished(true, Maildrop);
    QCOMPARE(h.session.takeOutput(), QByteArray("+OK maildrop has 2 messages (320 octets)\r\n+OK 2 320\r\n"));
    QCOMPARE(h.events<Pop3Events::RetrieveRequested>().size(), 1);
    h.session.messageData("S: 1\r\n\r\nb\r\n");
    h.session.messageDataFinished(true);
    QCOMPARE(h.session.takeOutput(),
        QByteArray("+OK 120 octets\r\nS: 1\r\n\r\nb\r\n.\r\n+OK 1 120\r\n"
                   "+OK mx.test Letterbox POP3 server signing off\r\n"));
    QVERIFY(h.session.isClosed());
}

void TestPop3Session::authPlain_data()
{
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<QByteArray>("output");
    QTest::addColumn<QByteArray>("user"); // empty: no login asked for
    QTest::addColumn<QByteArray>("password");
    QTest::newRow("initial response (RFC 5034 §4)")
        << QByteArrayList { "AUTH PLAIN " + QByteArray("\0shop\0pw", 8).toBase64() } << QByteArray()
        << QByteArray("shop") << QByteArray("pw");
    QTest::newRow("after an empty challenge") << QByteArrayList { "AUTH PLAIN", QByteArray("\0shop\0pw", 8).toBase64() }
                                              << QByteArray("+ \r\n") << QByteArray("shop") << QByteArray("pw");
    QTest::newRow("authzid the same as authcid")
        << QByteArrayList { "AUTH PLAIN " + QByteArray("shop\0shop\0pw", 12).toBase64() } << QByteArray()
        << QByteArray("shop") << QByteArray("pw");
    QTest::newRow("acting as another user is refused")
        << QByteArrayList { "AUTH PLAIN " + QByteArray("other\0shop\0pw", 13).toBase64() }
        << QByteArray("-ERR [AUTH] authentication failed\r\n") << QByteArray() << QByteArray();
    QTest::newRow("cancelled") << QByteArrayList { "AUTH PLAIN", "*" }
                               << QByteArray("+ \r\n-ERR authentication cancelled\r\n") << QByteArray() << QByteArray();
    QTest::newRow("not base64") << QByteArrayList { "AUTH PLAIN !!!" }
                                << QByteArray("-ERR [AUTH] malformed PLAIN response\r\n") << QByteArray()
                                << QByteArray();
    QTest::newRow("two fields only") << QByteArrayList { "AUTH PLAIN " + QByteArray("shop\0pw", 7).toBase64() }
                                     << QByteArray("-ERR [AUTH] malformed PLAIN response\r\n") << QByteArray()
                                     << QByteArray();
    QTest::newRow("another mechanism") << QByteArrayList { "AUTH CRAM-MD5" }
                                       << QByteArray("-ERR unsupported authentication mechanism\r\n") << QByteArray()
                                       << QByteArray();
    QTest::newRow("the list of mechanisms")
        << QByteArrayList { "AUTH" } << QByteArray("+OK\r\nPLAIN\r\n.\r\n") << QByteArray() << QByteArray();
}

void TestPop3Session::authPlain()
{
    QFETCH(QByteArrayList, lines);
    QFETCH(QByteArray, output);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);
    Harness h;
    QByteArray out;
    for (const QByteArray &line : lines) {
        out += h.send(line + "\r\n");
    }
    QCOMPARE(out, output);
    const std::vector<Pop3Event> events = h.session.takeEvents();
    QList<Pop3Events::LoginRequested> logins;
    for (const Pop3Event &e : events) {
        if (const auto *login = std::get_if<Pop3Events::LoginRequested>(&e)) {
            logins << *login;
        }
        if (const auto *line = std::get_if<Pop3Events::ReceivedLine>(&e)) {
            // The secret is never logged.
            QVERIFY2(!line->text.contains(QByteArray("\0shop\0pw", 8).toBase64()), line->text.constData());
        }
    }
    QCOMPARE(logins.size(), user.isEmpty() ? 0 : 1);
    if (!user.isEmpty()) {
        QCOMPARE(logins.first().user, user);
        QCOMPARE(logins.first().password, password);
        QCOMPARE(logins.first().mechanism, QByteArray("PLAIN"));
    } else {
        QCOMPARE(h.session.state(), Pop3Session::State::Authorization);
    }
}

void TestPop3Session::stlsDropsWhatWasPipelinedAfterIt()
{
    Harness h(true);
    QCOMPARE(h.send("STLS\r\nUSER injected\r\n"), QByteArray("+OK Begin TLS negotiation\r\n"));
    QCOMPARE(h.events<Pop3Events::StartTls>().size(), 1);
    QCOMPARE(h.session.state(), Pop3Session::State::Paused);
    h.session.tlsStarted();
    QVERIFY(h.session.isTls());
    // "USER injected" came in plain text before the handshake: it is gone, so PASS finds no user.
    QCOMPARE(h.send("PASS x\r\n"), QByteArray("-ERR USER first\r\n"));
    QCOMPARE(h.send("STLS\r\n"), QByteArray("-ERR already using TLS\r\n"));
    QVERIFY(!h.send("CAPA\r\n").contains("STLS"));
    Harness plain(false);
    QCOMPARE(plain.send("STLS\r\n"), QByteArray("-ERR STLS not available\r\n"));
}

void TestPop3Session::commandsOutOfState_data()
{
    QTest::addColumn<bool>("loggedIn");
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("reply");
    for (const char *command : { "STAT", "LIST", "UIDL", "RETR 1", "TOP 1 0", "DELE 1", "NOOP", "RSET" }) {
        QTest::addRow("%s before login", command)
            << false << QByteArray(command) << QByteArray("-ERR log in first\r\n");
    }
    for (const char *command : { "USER shop", "PASS x", "AUTH PLAIN", "STLS" }) {
        QTest::addRow("%s after login", command)
            << true << QByteArray(command) << QByteArray("-ERR already logged in\r\n");
    }
    QTest::newRow("unknown before login") << false << QByteArray("XTND") << QByteArray("-ERR unknown command\r\n");
    QTest::newRow("unknown after login") << true << QByteArray("APOP a b") << QByteArray("-ERR unknown command\r\n");
    QTest::newRow("PASS without USER") << false << QByteArray("PASS x") << QByteArray("-ERR USER first\r\n");
    QTest::newRow("USER without a name") << false << QByteArray("USER") << QByteArray("-ERR USER needs a name\r\n");
}

void TestPop3Session::commandsOutOfState()
{
    QFETCH(bool, loggedIn);
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, reply);
    Harness h(true);
    if (loggedIn) {
        h.login();
    }
    QCOMPARE(h.send(line + "\r\n"), reply);
    QCOMPARE(h.session.state(), loggedIn ? Pop3Session::State::Transaction : Pop3Session::State::Authorization);
}

void TestPop3Session::badArguments_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("reply");
    QTest::newRow("message 0") << QByteArray("RETR 0") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("past the last") << QByteArray("DELE 3") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("not a number") << QByteArray("LIST one") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("a sign") << QByteArray("LIST +1") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("huge") << QByteArray("LIST 99999999999999") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("RETR without a number") << QByteArray("RETR") << QByteArray("-ERR no such message\r\n");
    QTest::newRow("RETR with two") << QByteArray("RETR 1 2") << QByteArray("-ERR RETR needs a message number\r\n");
    QTest::newRow("TOP without lines") << QByteArray("TOP 1")
                                       << QByteArray("-ERR TOP needs a message and a number of lines\r\n");
    QTest::newRow("TOP with negative lines")
        << QByteArray("TOP 1 -1") << QByteArray("-ERR the number of lines must be a non-negative number\r\n");
}

void TestPop3Session::badArguments()
{
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, reply);
    Harness h;
    h.login();
    QCOMPARE(h.send(line + "\r\n"), reply);
    QCOMPARE(h.events<Pop3Events::RetrieveRequested>().size(), 0);
    QCOMPARE(h.session.state(), Pop3Session::State::Transaction);
}

void TestPop3Session::overlongLinesAreRefusedAndTheSessionGoesOn()
{
    Harness h;
    // RFC 2449 §4: 255 octets with CRLF; one more is refused, the session goes on.
    QCOMPARE(h.send("USER " + QByteArray(248, 'a') + "\r\n"), QByteArray("+OK send PASS\r\n"));
    QCOMPARE(h.send("USER " + QByteArray(249, 'a') + "\r\n"), QByteArray("-ERR line too long\r\n"));
    // A line that never ends is cut off at the AUTH limit, answered once, and skipped to its end.
    QByteArray out = h.send(QByteArray(Pop3Session::AuthLineLimit + 1, 'x'));
    QCOMPARE(out, QByteArray("-ERR line too long\r\n"));
    QCOMPARE(h.send(QByteArray(100000, 'x')), QByteArray());
    QVERIFY(h.session.bufferedBytes() < Pop3Session::AuthLineLimit + 2);
    QCOMPARE(h.send("x\r\nNOOP\r\n"), QByteArray("-ERR log in first\r\n"));
    // An AUTH initial response may be longer than a command.
    h.send("AUTH PLAIN " + QByteArray(1000, 'A') + "\r\n");
    QCOMPARE(h.session.state(), Pop3Session::State::Authorization);
}

void TestPop3Session::unreadableMessage()
{
    Harness h;
    h.login();
    h.send("RETR 1\r\n");
    h.session.messageDataFinished(false);
    QCOMPARE(h.session.takeOutput(), QByteArray("-ERR [SYS/TEMP] the message could not be read\r\n"));
    QCOMPARE(h.session.state(), Pop3Session::State::Transaction);
    h.session.takeEvents();
    h.send("RETR 2\r\n");
    h.session.messageData("Subject: x\r\n");
    h.session.messageDataFinished(false);
    QCOMPARE(h.session.takeOutput(), QByteArray("+OK 200 octets\r\nSubject: x\r\n"));
    QVERIFY(h.session.isClosed());
    QCOMPARE(h.events<Pop3Events::Close>().size(), 1);
}

void TestPop3Session::quitWithoutDeletionsAndFailedUpdate()
{
    Harness before;
    QCOMPARE(before.send("QUIT\r\n"), QByteArray("+OK mx.test Letterbox POP3 server signing off\r\n"));
    QVERIFY(before.session.isClosed());
    Harness none;
    none.login();
    QCOMPARE(none.send("QUIT\r\n"), QByteArray("+OK mx.test Letterbox POP3 server signing off\r\n"));
    QCOMPARE(none.events<Pop3Events::Update>().size(), 0);
    Harness failed;
    failed.login();
    failed.send("DELE 1\r\nQUIT\r\n");
    failed.session.updateFinished(false);
    QCOMPARE(failed.session.takeOutput(), QByteArray("-ERR [SYS/TEMP] some deleted messages not removed\r\n"));
    QVERIFY(failed.session.isClosed());
}

void TestPop3Session::timeoutAndShutdownDoNotUpdate()
{
    Harness idle;
    idle.login();
    idle.send("DELE 1\r\n");
    idle.session.takeEvents();
    idle.session.timeout();
    QCOMPARE(idle.session.takeOutput(), QByteArray("-ERR autologout: idle for too long\r\n"));
    QCOMPARE(idle.events<Pop3Events::Update>().size(), 0); // RFC 1939 §3: no UPDATE state
    QVERIFY(idle.session.isClosed());
    Harness stopping;
    stopping.login();
    stopping.session.shutdown();
    QCOMPARE(stopping.session.takeOutput(), QByteArray("-ERR [SYS/TEMP] server shutting down\r\n"));
    QVERIFY(stopping.session.isClosed());
    stopping.send("NOOP\r\n");
    QCOMPARE(stopping.session.takeOutput(), QByteArray());
}

QTEST_APPLESS_MAIN(TestPop3Session)
#include "tst_pop3session.moc"
