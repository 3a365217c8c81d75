#include <imap/imapsession.h>

#include <QDateTime>
#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

#include <type_traits>

// The IMAP session against RFC 3501 (its §8 example and the commands' own examples), RFC 2177 (IDLE), RFC 4959 and
// RFC 4616 (AUTHENTICATE PLAIN with and without an initial response) and RFC 7888 (LITERAL+), with a fake owner that
// answers every request from a small store at once. Expected bytes are written out from the RFCs' text.
class TestImapSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void greeting_data();
    void greeting();
    void rfc3501Example();
    void transcriptInAnyPieces();
    void pipelinedCommandsWaitForTheOwner();
    void loginWithLiterals();
    void loginRefused();
    void authenticatePlain_data();
    void authenticatePlain();
    void overlongLineIsRefused();
    void literalOverTheLimitIsRefused();
    void badCommands_data();
    void badCommands();
    void listAndLsub_data();
    void listAndLsub();
    void status();
    void selectUnknownMailboxDeselects();
    void examineIsReadOnly();
    void fetchRenderedByTheSession();
    void fetchOfTheSourceGoesToTheOwner();
    void fetchSequenceNumbersOutOfRange();
    void storeChangesTheStore();
    void searchKeys_data();
    void searchKeys();
    void searchText();
    void refreshShowsAFlagSetElsewhere();
    void aRefreshOfTheGenerationAnnouncedIsNotCompared();
    void expungeWithheldDuringFetch();
    void expungeAndClose();
    void idleAnnouncesChanges();
    void selectedMailboxDeleted();
    void startTlsDropsPipelinedInput();
    void ownerFailures();
    void timeoutAndShutdown();
};

namespace {
qint64 utc(int year, int month, int day, int hour, int minute, int second)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second), QTimeZone::utc()).toMSecsSinceEpoch();
}

ImapMessageEntry entry(quint32 uid, const QByteArray &id, qint64 size, qint64 receivedMs, bool seen, bool flagged,
    const QString &from, const QString &to, const QString &cc, const QString &subject)
{
    ImapMessageEntry result;
    result.uid = uid;
    result.id = id;
    result.size = size;
    result.receivedMs = receivedMs;
    result.seen = seen;
    result.flagged = flagged;
    result.from = from;
    result.to = to;
    result.cc = cc;
    result.subject = subject;
    return result;
}

// The owner: a store of mailboxes, answering every request at once (unless told to hold them).
struct FakeOwner
{
    FakeOwner()
    {
        ImapMailboxSnapshot shop;
        shop.name = QStringLiteral("shop");
        shop.uidValidity = 3857529045u;
        shop.uidNext = 5;
        shop.messages = {
            entry(1, "m1", 4286, utc(1996, 7, 17, 2, 44, 25), true, false, "Alice <alice@example.com>",
                "shop@example.com", QString(), "Invoice 42"),
            entry(2, "m2", 1200, utc(2020, 1, 1, 10, 0, 0), false, false, "Bob <bob@example.net>", "shop@example.com",
                QString(), "Hello"),
            entry(4, "m4", 90, utc(2020, 1, 2, 23, 59, 0), false, true, "Carol <carol@example.org>", "shop@example.com",
                "alice@example.com", "Re: invoice"),
        };
        ImapMailboxSnapshot billing;
        billing.name = QStringLiteral("billing");
        billing.uidValidity = 7;
        billing.uidNext = 10;
        billing.messages = { entry(9, "b9", 10, utc(2021, 5, 5, 0, 0, 0), true, false, "x", "y", "", "z") };
        ImapMailboxSnapshot inbox;
        inbox.name = QStringLiteral("Inbox");
        mailboxes = { shop, inbox, billing };
        bodies = { { "m1", "Please pay the invoice" }, { "m2", "Hello world" }, { "m4", "Paid, thanks" } };
    }

    ImapMailboxSnapshot *find(const QString &name)
    {
        for (ImapMailboxSnapshot &mailbox : mailboxes) {
            if (mailbox.name.compare(name, Qt::CaseInsensitive) == 0) {
                return &mailbox;
            }
        }
        return nullptr;
    }
    ImapMessageEntry *message(const QByteArray &id)
    {
        for (ImapMailboxSnapshot &mailbox : mailboxes) {
            for (ImapMessageEntry &entry : mailbox.messages) {
                if (entry.id == id) {
                    return &entry;
                }
            }
        }
        return nullptr;
    }

    void answer(ImapSession &session, const ImapEvent &event)
    {
        std::visit(
            [&](const auto &e) {
                using Event = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<Event, ImapEvents::LoginRequested>) {
                    const ImapMailboxSnapshot *mailbox = find(QString::fromUtf8(e.user));
                    session.loginFinished(
                        mailbox && e.password != "wrong" ? std::optional<QString>(mailbox->name) : std::nullopt);
                } else if constexpr (std::is_same_v<Event, ImapEvents::ListRequested>) {
                    QStringList names;
                    for (const ImapMailboxSnapshot &mailbox : std::as_const(mailboxes)) {
                        names << mailbox.name;
                    }
                    session.listFinished(names + extraNames);
                } else if constexpr (std::is_same_v<Event, ImapEvents::MailboxRequested>) {
                    const ImapMailboxSnapshot *mailbox = find(e.mailbox);
                    session.mailboxFinished(mailbox ? std::optional<ImapMailboxSnapshot>(*mailbox) : std::nullopt);
                } else if constexpr (std::is_same_v<Event, ImapEvents::FetchRequested>) {
                    // A stand-in for the FETCH renderer: the message's body as BODY[].
                    bool ok = true;
                    for (const auto &target : e.targets) {
                        ImapMessageEntry *stored = message(target.entry.id);
                        if (!stored) {
                            ok = false;
                            continue;
                        }
                        if (e.markSeen) {
                            stored->seen = true;
                        }
                        const QByteArray body = bodies.value(target.entry.id);
                        session.fetchData("* " + QByteArray::number(target.sequence) + " FETCH (BODY[] {"
                            + QByteArray::number(body.size()) + "}\r\n");
                        session.fetchData(body + ")\r\n");
                    }
                    session.fetchFinished(ok);
                } else if constexpr (std::is_same_v<Event, ImapEvents::StoreRequested>) {
                    for (const QByteArray &id : e.markRead) {
                        message(id)->seen = true;
                    }
                    for (const QByteArray &id : e.markUnread) {
                        message(id)->seen = false;
                    }
                    for (const QByteArray &id : e.pin) {
                        message(id)->flagged = true;
                    }
                    for (const QByteArray &id : e.unpin) {
                        message(id)->flagged = false;
                    }
                    session.storeFinished(true);
                } else if constexpr (std::is_same_v<Event, ImapEvents::ExpungeRequested>) {
                    for (ImapMailboxSnapshot &mailbox : mailboxes) {
                        mailbox.messages.removeIf(
                            [&](const ImapMessageEntry &entry) { return e.ids.contains(entry.id); });
                    }
                    session.expungeFinished(true);
                } else if constexpr (std::is_same_v<Event, ImapEvents::SearchTextRequested>) {
                    QList<QSet<QByteArray>> matches;
                    for (const ImapTextQuery &query : e.queries) {
                        QSet<QByteArray> ids;
                        for (const QByteArray &id : e.ids) {
                            if (QString::fromUtf8(bodies.value(id)).contains(query.needle, Qt::CaseInsensitive)) {
                                ids.insert(id);
                            }
                        }
                        matches << ids;
                    }
                    session.searchTextFinished(matches);
                } else if constexpr (std::is_same_v<Event, ImapEvents::StartTls>) {
                    session.tlsStarted();
                }
            },
            event);
    }

    QList<ImapMailboxSnapshot> mailboxes;
    QHash<QByteArray, QByteArray> bodies;
    QStringList extraNames;
};

// An event as text, to compare with less ceremony.
QByteArray describe(const ImapEvent &event)
{
    return std::visit(
        [](const auto &e) -> QByteArray {
            using Event = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<Event, ImapEvents::ReceivedLine>) {
                return "C: " + e.text;
            } else if constexpr (std::is_same_v<Event, ImapEvents::SentReply>) {
                return "S: " + e.text;
            } else if constexpr (std::is_same_v<Event, ImapEvents::LoginRequested>) {
                return "login " + e.mechanism + ' ' + e.user + ' ' + e.password;
            } else if constexpr (std::is_same_v<Event, ImapEvents::ListRequested>) {
                return "list";
            } else if constexpr (std::is_same_v<Event, ImapEvents::MailboxRequested>) {
                static const char *const purposes[] = { "select", "examine", "status", "refresh" };
                return QByteArray(purposes[int(e.purpose)]) + ' ' + e.mailbox.toUtf8();
            } else if constexpr (std::is_same_v<Event, ImapEvents::FetchRequested>) {
                QByteArrayList targets;
                for (const auto &target : e.targets) {
                    targets << QByteArray::number(target.sequence) + '=' + target.entry.id
                            + (target.deleted ? "(deleted)" : "");
                }
                return "fetch " + targets.join(',') + " items " + QByteArray::number(e.items.size())
                    + (e.markSeen ? " markSeen" : "");
            } else if constexpr (std::is_same_v<Event, ImapEvents::StoreRequested>) {
                return "store read " + e.markRead.join(',') + " unread " + e.markUnread.join(',') + " pin "
                    + e.pin.join(',') + " unpin " + e.unpin.join(',');
            } else if constexpr (std::is_same_v<Event, ImapEvents::ExpungeRequested>) {
                return "expunge " + e.ids.join(',');
            } else if constexpr (std::is_same_v<Event, ImapEvents::SearchTextRequested>) {
                QByteArrayList queries;
                for (const ImapTextQuery &query : e.queries) {
                    queries << (query.wholeMessage ? "TEXT " : "BODY ") + query.needle.toUtf8();
                }
                return "search " + e.ids.join(',') + " for " + queries.join(',');
            } else if constexpr (std::is_same_v<Event, ImapEvents::IdleStarted>) {
                return "idle started";
            } else if constexpr (std::is_same_v<Event, ImapEvents::IdleEnded>) {
                return "idle ended";
            } else if constexpr (std::is_same_v<Event, ImapEvents::StartTls>) {
                return "starttls";
            } else {
                return "close";
            }
        },
        event);
}

struct Harness
{
    explicit Harness(bool tls = false, qint64 maxLiteral = 0)
        : session([&] {
            ImapSessionConfig config;
            config.hostname = "mx.test";
            config.tlsAvailable = tls;
            config.maxLiteral = maxLiteral;
            return config;
        }())
    {
        session.start();
        session.takeOutput();
        session.takeEvents();
    }
    // Feeds bytes, lets the owner answer everything, and returns what the session sent.
    QByteArray send(const QByteArray &bytes)
    {
        session.receive(bytes);
        pump();
        return session.takeOutput();
    }
    void pump()
    {
        for (std::vector<ImapEvent> batch = session.takeEvents(); !batch.empty(); batch = session.takeEvents()) {
            for (const ImapEvent &event : batch) {
                events << describe(event);
                if (answering) {
                    owner.answer(session, event);
                }
            }
        }
    }
    // The requests among the events since the last call (not the lines sent and received).
    QByteArrayList requests()
    {
        QByteArrayList result;
        for (const QByteArray &event : std::as_const(events)) {
            if (!event.startsWith("C: ") && !event.startsWith("S: ")) {
                result << event;
            }
        }
        events.clear();
        return result;
    }
    void login() { send("L1 LOGIN shop secret\r\n"); }
    void select()
    {
        login();
        send("S1 SELECT INBOX\r\n");
        events.clear();
    }

    FakeOwner owner;
    ImapSession session;
    QByteArrayList events;
    bool answering = true;
};

const QByteArray Capabilities = "IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT";

// RFC 3501 §8's session, adapted to this store (its messages, flags and UIDVALIDITY), with a source FETCH, a STORE
// and an EXPUNGE.
const QByteArray ExampleClient = "a001 login shop secret\r\n"
                                 "a002 select inbox\r\n"
                                 "a003 fetch 2 (flags internaldate rfc822.size)\r\n"
                                 "a004 fetch 2 body[]\r\n"
                                 "a005 store 1 +flags \\deleted\r\n"
                                 "a006 expunge\r\n"
                                 "a007 logout\r\n";
const QByteArray ExampleServer = "a001 OK [CAPABILITY " + Capabilities
    + "] LOGIN completed\r\n"
      "* FLAGS (\\Seen \\Flagged \\Deleted)\r\n"
      "* OK [PERMANENTFLAGS (\\Seen \\Flagged \\Deleted)] flags permitted\r\n"
      "* 3 EXISTS\r\n"
      "* 0 RECENT\r\n"
      "* OK [UNSEEN 2] first unseen\r\n"
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
      "* OK [UIDNEXT 5] predicted next UID\r\n"
      "a002 OK [READ-WRITE] SELECT completed\r\n"
      "* 2 FETCH (FLAGS () INTERNALDATE \"01-Jan-2020 10:00:00 +0000\" RFC822.SIZE 1200)\r\n"
      "a003 OK FETCH completed\r\n"
      "* 2 FETCH (BODY[] {11}\r\nHello world)\r\n"
      "a004 OK FETCH completed\r\n"
      // a004 read message 2 (the owner marked it): the refresh before a005 agrees, nothing to announce.
      "* 1 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
      "a005 OK STORE completed\r\n"
      "* 1 EXPUNGE\r\n"
      "a006 OK EXPUNGE completed\r\n"
      "* BYE mx.test Letterbox IMAP4rev1 server logging out\r\n"
      "a007 OK LOGOUT completed\r\n";
} // namespace

void TestImapSession::greeting_data()
{
    QTest::addColumn<bool>("tlsAvailable");
    QTest::addColumn<bool>("implicitTls");
    QTest::addColumn<QByteArray>("expected");
    // RFC 3501 §7.1.1's greeting with RFC 3501 §7.2.1's CAPABILITY code; STARTTLS only where it can be used.
    QTest::newRow("plain, no certificate")
        << false << false << "* OK [CAPABILITY " + Capabilities + " AUTH=PLAIN] mx.test Letterbox IMAP4rev1 ready\r\n";
    QTest::newRow("plain, certificate") << true << false
                                        << "* OK [CAPABILITY " + Capabilities
            + " AUTH=PLAIN STARTTLS] mx.test Letterbox IMAP4rev1 ready\r\n";
    QTest::newRow("implicit TLS") << true << true
                                  << "* OK [CAPABILITY " + Capabilities
            + " AUTH=PLAIN] mx.test Letterbox IMAP4rev1 ready\r\n";
}

void TestImapSession::greeting()
{
    QFETCH(bool, tlsAvailable);
    QFETCH(bool, implicitTls);
    QFETCH(QByteArray, expected);
    ImapSessionConfig config;
    config.hostname = "mx.test";
    config.tlsAvailable = tlsAvailable;
    ImapSession session(config);
    QCOMPARE(session.state(), ImapSession::State::Idle);
    if (implicitTls) {
        session.setTlsActive();
    }
    session.start();
    QCOMPARE(session.takeOutput(), expected);
    QCOMPARE(session.state(), ImapSession::State::NotAuthenticated);
    QCOMPARE(session.isTls(), implicitTls);
    session.receive("c1 CAPABILITY\r\n");
    QCOMPARE(session.takeOutput(),
        "* CAPABILITY " + expected.mid(17, expected.indexOf(']') - 17) + "\r\nc1 OK CAPABILITY completed\r\n");
}

void TestImapSession::rfc3501Example()
{
    Harness harness;
    QByteArray out;
    for (const QByteArray &line : ExampleClient.split('\n')) {
        if (!line.isEmpty()) {
            out += harness.send(line + '\n');
        }
    }
    QCOMPARE(out.split('\n'), ExampleServer.split('\n'));
    QVERIFY(harness.session.isClosed());
    QCOMPARE(harness.requests(),
        (QByteArrayList { "login LOGIN shop secret", "select shop", "refresh shop", "refresh shop",
            "fetch 2=m2 items 1 markSeen", "refresh shop", "refresh shop", "expunge m1", "close" }));
    QCOMPARE(harness.owner.find("shop")->messages.size(), 2);
}

void TestImapSession::transcriptInAnyPieces()
{
    QList<qsizetype> sizes { 1, 2, 7 };
    for (int i = 0; i < 20; ++i) {
        sizes << -1; // random
    }
    for (const qsizetype size : sizes) {
        Harness harness;
        QByteArray out;
        for (qsizetype pos = 0; pos < ExampleClient.size();) {
            const qsizetype piece
                = size > 0 ? size : qsizetype(QRandomGenerator::global()->bounded(1, int(ExampleClient.size())));
            out += harness.send(ExampleClient.mid(pos, piece));
            pos += piece;
        }
        QCOMPARE(out.split('\n'), ExampleServer.split('\n'));
    }
}

void TestImapSession::pipelinedCommandsWaitForTheOwner()
{
    Harness harness;
    harness.answering = false;
    // RFC 3501 §5.5: a client may send commands without waiting; the session answers them in order.
    const QByteArray pipelined = "p1 LOGIN shop secret\r\np2 SELECT INBOX\r\np3 FETCH 1:* (UID)\r\np4 NOOP\r\n";
    QCOMPARE(harness.send(pipelined), QByteArray());
    QVERIFY(harness.session.isPaused());
    QCOMPARE(harness.session.bufferedBytes(), pipelined.size() - 22);
    QCOMPARE(harness.requests(), QByteArrayList { "login LOGIN shop secret" });
    harness.session.loginFinished(QStringLiteral("shop"));
    harness.pump();
    QCOMPARE(harness.session.takeOutput(), "p1 OK [CAPABILITY " + Capabilities + "] LOGIN completed\r\n");
    QCOMPARE(harness.requests(), QByteArrayList { "select shop" });
    harness.session.mailboxFinished(*harness.owner.find("shop"));
    harness.pump();
    QVERIFY(harness.session.takeOutput().endsWith("p2 OK [READ-WRITE] SELECT completed\r\n"));
    // Every command in the Selected state reads the mailbox first (a refresh).
    QCOMPARE(harness.requests(), QByteArrayList { "refresh shop" });
    harness.session.mailboxFinished(*harness.owner.find("shop"));
    harness.pump();
    QCOMPARE(harness.session.takeOutput(),
        QByteArray("* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 4)\r\np3 OK FETCH completed\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "refresh shop" });
    harness.session.mailboxFinished(*harness.owner.find("shop"));
    QCOMPARE(harness.session.takeOutput(), QByteArray("p4 OK NOOP completed\r\n"));
    QVERIFY(!harness.session.isPaused());
    QCOMPARE(harness.session.bufferedBytes(), 0);
}

void TestImapSession::loginWithLiterals()
{
    // RFC 3501 §7.5: "+" before each synchronizing literal; RFC 7888: none before a non-synchronizing one.
    Harness harness;
    QCOMPARE(harness.send("a1 LOGIN {4}\r\n"), QByteArray("+ Ready for literal\r\n"));
    QCOMPARE(harness.send("shop {7}\r\n"), QByteArray("+ Ready for literal\r\n"));
    QCOMPARE(harness.send("p\"a ss\\\r\n"), "a1 OK [CAPABILITY " + Capabilities + "] LOGIN completed\r\n");
    QCOMPARE(harness.requests(), QByteArrayList { "login LOGIN shop p\"a ss\\" });
    // The password is not logged.
    QVERIFY(harness.events.isEmpty());
    Harness plus;
    QCOMPARE(plus.send("a1 LOGIN {4+}\r\nshop \"se cret\"\r\n"),
        "a1 OK [CAPABILITY " + Capabilities + "] LOGIN completed\r\n");
    QCOMPARE(plus.events.first(), QByteArray("C: a1 LOGIN shop ****"));
    QCOMPARE(plus.requests(), QByteArrayList { "login LOGIN shop se cret" });
    QCOMPARE(plus.session.state(), ImapSession::State::Authenticated);
}

void TestImapSession::loginRefused()
{
    Harness harness;
    // CONTRACT: a user that is no mailbox, or a wrong password, is refused with [AUTHENTICATIONFAILED] (RFC 5530).
    QCOMPARE(harness.send("a1 LOGIN nobody x\r\na2 LOGIN shop wrong\r\n"),
        QByteArray("a1 NO [AUTHENTICATIONFAILED] authentication failed\r\n"
                   "a2 NO [AUTHENTICATIONFAILED] authentication failed\r\n"));
    QCOMPARE(harness.session.state(), ImapSession::State::NotAuthenticated);
    QCOMPARE(harness.send("a3 SELECT INBOX\r\n"), QByteArray("a3 BAD log in first\r\n"));
    QCOMPARE(harness.send("a4 LOGIN shop secret\r\na5 LOGIN shop secret\r\n"),
        "a4 OK [CAPABILITY " + Capabilities + "] LOGIN completed\r\na5 BAD already authenticated\r\n");
}

void TestImapSession::authenticatePlain_data()
{
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QByteArrayList>("requests");
    const QByteArray ok = "a1 OK [CAPABILITY " + Capabilities + "] AUTHENTICATE completed\r\n";
    const QByteArray credentials = QByteArray("\0shop\0secret", 12).toBase64();
    // RFC 4959 §3: the initial response on the command line.
    QTest::newRow("initial response") << QByteArrayList { "a1 AUTHENTICATE PLAIN " + credentials } << ok
                                      << QByteArrayList { "login PLAIN shop secret" };
    // RFC 3501 §6.2.2: an empty challenge, then the response.
    QTest::newRow("after a challenge") << QByteArrayList { "a1 authenticate plain", credentials } << "+ \r\n" + ok
                                       << QByteArrayList { "login PLAIN shop secret" };
    QTest::newRow("authorization identity the same")
        << QByteArrayList { "a1 AUTHENTICATE PLAIN " + QByteArray("shop\0shop\0secret", 16).toBase64() } << ok
        << QByteArrayList { "login PLAIN shop secret" };
    QTest::newRow("cancelled") << QByteArrayList { "a1 AUTHENTICATE PLAIN", "*" }
                               << QByteArray("+ \r\na1 BAD AUTHENTICATE cancelled\r\n") << QByteArrayList {};
    QTest::newRow("not base64") << QByteArrayList { "a1 AUTHENTICATE PLAIN %%%" }
                                << QByteArray("a1 BAD malformed initial response\r\n") << QByteArrayList {};
    QTest::newRow("no NULs") << QByteArrayList { "a1 AUTHENTICATE PLAIN " + QByteArray("shop").toBase64() }
                             << QByteArray("a1 BAD malformed PLAIN response\r\n") << QByteArrayList {};
    QTest::newRow("empty initial response") << QByteArrayList { "a1 AUTHENTICATE PLAIN =" }
                                            << QByteArray("a1 BAD malformed PLAIN response\r\n") << QByteArrayList {};
    QTest::newRow("another user") << QByteArrayList { "a1 AUTHENTICATE PLAIN "
        + QByteArray("boss\0shop\0secret", 16).toBase64() }
                                  << QByteArray("a1 NO [AUTHORIZATIONFAILED] authorization identity refused\r\n")
                                  << QByteArrayList {};
    QTest::newRow("another mechanism") << QByteArrayList { "a1 AUTHENTICATE CRAM-MD5" }
                                       << QByteArray("a1 NO unsupported authentication mechanism\r\n")
                                       << QByteArrayList {};
}

void TestImapSession::authenticatePlain()
{
    QFETCH(QByteArrayList, lines);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArrayList, requests);
    Harness harness;
    QByteArray out;
    for (const QByteArray &line : lines) {
        out += harness.send(line + "\r\n");
    }
    QCOMPARE(out, expected);
    QCOMPARE(harness.requests(), requests);
    for (const QByteArray &event : std::as_const(harness.events)) {
        QVERIFY2(!event.contains(QByteArray("\0shop\0secret", 12).toBase64()), event.constData());
    }
}

void TestImapSession::overlongLineIsRefused()
{
    Harness harness;
    const QByteArray longLine = "a1 LOGIN shop " + QByteArray(ImapSession::CommandLimit, 'x') + "\r\n";
    QCOMPARE(
        harness.send(longLine + "a2 NOOP\r\n"), QByteArray("a1 BAD command line too long\r\na2 OK NOOP completed\r\n"));
    // Without a line end it is not buffered while it grows.
    for (int i = 0; i < 10; ++i) {
        harness.send(QByteArray(ImapSession::CommandLimit / 4, 'y'));
        QVERIFY(harness.session.bufferedBytes() <= ImapSession::CommandLimit);
    }
    QCOMPARE(harness.send("\r\na3 NOOP\r\n"), QByteArray("a3 OK NOOP completed\r\n"));
}

void TestImapSession::literalOverTheLimitIsRefused()
{
    Harness harness(false, 100);
    // A synchronizing literal is refused before the client sends it: no "+".
    QCOMPARE(harness.send("a1 LOGIN shop {101}\r\n"), QByteArray("a1 NO [TOOBIG] literal too big\r\n"));
    QCOMPARE(harness.send("a2 NOOP\r\n"), QByteArray("a2 OK NOOP completed\r\n"));
    // A non-synchronizing one comes anyway: skipped as it arrives, never buffered.
    QCOMPARE(harness.send("a3 LOGIN shop {5000+}\r\n"), QByteArray("a3 NO [TOOBIG] literal too big\r\n"));
    for (int i = 0; i < 50; ++i) {
        QCOMPARE(harness.send(QByteArray(100, 'z')), QByteArray());
        QCOMPARE(harness.session.bufferedBytes(), 0);
    }
    QCOMPARE(harness.send("\r\na4 LOGIN shop {100+}\r\n" + QByteArray(100, 'p') + "\r\n"),
        "a4 OK [CAPABILITY " + Capabilities + "] LOGIN completed\r\n");
}

void TestImapSession::badCommands_data()
{
    QTest::addColumn<bool>("selected");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("an empty line") << false << QByteArray("\r\n") << QByteArray("* BAD missing tag\r\n");
    QTest::newRow("a tag alone") << false << QByteArray("a1\r\n") << QByteArray("a1 BAD missing command\r\n");
    QTest::newRow("a tag with a plus") << false << QByteArray("a+1 NOOP\r\n")
                                       << QByteArray("a BAD missing command\r\n");
    QTest::newRow("an unknown command") << false << QByteArray("a1 XYZZY\r\n")
                                        << QByteArray("a1 BAD unknown command\r\n");
    QTest::newRow("NOOP with arguments") << false << QByteArray("a1 NOOP now\r\n")
                                         << QByteArray("a1 BAD NOOP takes no arguments\r\n");
    QTest::newRow("FETCH before login") << false << QByteArray("a1 FETCH 1 FLAGS\r\n")
                                        << QByteArray("a1 BAD no mailbox selected\r\n");
    QTest::newRow("LOGIN without a password")
        << false << QByteArray("a1 LOGIN shop\r\n") << QByteArray("a1 BAD LOGIN needs a user name and a password\r\n");
    QTest::newRow("binary garbage") << false << QByteArray("\x01\xff\x80 (\r\n", 7)
                                    << QByteArray("* BAD missing tag\r\n");
    QTest::newRow("STARTTLS without a certificate")
        << false << QByteArray("a1 STARTTLS\r\n") << QByteArray("a1 BAD STARTTLS not available\r\n");
    QTest::newRow("FETCH of an unknown item")
        << true << QByteArray("a1 FETCH 1 (FLAGS SHOE)\r\n") << QByteArray("a1 BAD FETCH: unknown FETCH item\r\n");
    QTest::newRow("STORE of something else")
        << true << QByteArray("a1 STORE 1 LABELS (x)\r\n")
        << QByteArray("a1 BAD STORE needs a set, FLAGS, +FLAGS or -FLAGS and flags\r\n");
    QTest::newRow("UID alone") << true << QByteArray("a1 UID\r\n") << QByteArray("a1 BAD UID needs a command\r\n");
    QTest::newRow("UID of something else")
        << true << QByteArray("a1 UID NOOP\r\n") << QByteArray("a1 BAD unknown command\r\n");
    QTest::newRow("SEARCH of nonsense") << true << QByteArray("a1 SEARCH SHINY\r\n")
                                        << QByteArray("a1 BAD SEARCH: expected a space\r\n");
    QTest::newRow("SEARCH in Latin-1") << true << QByteArray("a1 SEARCH CHARSET ISO-8859-1 FROM x\r\n")
                                       << QByteArray("a1 NO [BADCHARSET (UTF-8 US-ASCII)] unsupported charset\r\n");
    QTest::newRow("COPY") << true << QByteArray("a1 COPY 1 Trash\r\n")
                          << QByteArray("a1 NO [CANNOT] COPY is not supported: mail arrives over SMTP\r\n");
    QTest::newRow("CREATE") << true << QByteArray("a1 CREATE Trash\r\n")
                            << QByteArray("a1 NO [CANNOT] CREATE is not supported: mail arrives over SMTP\r\n");
}

void TestImapSession::badCommands()
{
    QFETCH(bool, selected);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    Harness harness;
    if (selected) {
        harness.select();
    }
    QCOMPARE(harness.send(input), expected);
    // The session goes on.
    QCOMPARE(harness.send("z9 NOOP\r\n"), QByteArray("z9 OK NOOP completed\r\n"));
}

void TestImapSession::listAndLsub_data()
{
    QTest::addColumn<QByteArray>("command");
    QTest::addColumn<QByteArray>("expected");
    // CONTRACT: INBOX is the login's mailbox ("shop"); every other mailbox is a folder of its name, but the app's
    // "Inbox", which would fall together with INBOX (RFC 3501 §5.1: INBOX is case-insensitive).
    QTest::newRow("everything") << QByteArray("LIST \"\" *")
                                << QByteArray("* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
                                              "* LIST (\\HasNoChildren) \"/\" \"billing\"\r\n"
                                              "* LIST (\\HasNoChildren) \"/\" \"Jane Doe's\"\r\n"
                                              "a1 OK LIST completed\r\n");
    QTest::newRow("the top level") << QByteArray("LIST \"\" %")
                                   << QByteArray("* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
                                                 "* LIST (\\HasNoChildren) \"/\" \"billing\"\r\n"
                                                 "* LIST (\\HasNoChildren) \"/\" \"Jane Doe's\"\r\n"
                                                 "a1 OK LIST completed\r\n");
    QTest::newRow("inbox in any case") << QByteArray("LIST \"\" inbox")
                                       << QByteArray("* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
                                                     "a1 OK LIST completed\r\n");
    QTest::newRow("a pattern") << QByteArray("LIST \"\" b*")
                               << QByteArray("* LIST (\\HasNoChildren) \"/\" \"billing\"\r\na1 OK LIST completed\r\n");
    QTest::newRow("a reference and a pattern") << QByteArray("LIST bil %ing")
                                               << QByteArray("* LIST (\\HasNoChildren) \"/\" \"billing\"\r\n"
                                                             "a1 OK LIST completed\r\n");
    QTest::newRow("nothing matches") << QByteArray("LIST \"\" nope/%") << QByteArray("a1 OK LIST completed\r\n");
    // RFC 3501 §6.3.8: the delimiter and the root.
    QTest::newRow("the delimiter") << QByteArray("LIST \"\" \"\"")
                                   << QByteArray("* LIST (\\Noselect) \"/\" \"\"\r\na1 OK LIST completed\r\n");
    QTest::newRow("subscribed is everything") << QByteArray("LSUB \"\" *")
                                              << QByteArray("* LSUB (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
                                                            "* LSUB (\\HasNoChildren) \"/\" \"billing\"\r\n"
                                                            "* LSUB (\\HasNoChildren) \"/\" \"Jane Doe's\"\r\n"
                                                            "a1 OK LSUB completed\r\n");
    // Every mailbox is subscribed; the list is not the client's to change.
    QTest::newRow("subscribing") << QByteArray("SUBSCRIBE billing") << QByteArray("a1 OK SUBSCRIBE completed\r\n");
    QTest::newRow("LIST without a pattern")
        << QByteArray("LIST \"\"") << QByteArray("a1 BAD LIST needs a reference and a mailbox pattern\r\n");
}

void TestImapSession::listAndLsub()
{
    QFETCH(QByteArray, command);
    QFETCH(QByteArray, expected);
    Harness harness;
    harness.owner.extraNames = { QStringLiteral("Jane Doe's"), QStringLiteral("SHOP") };
    harness.login();
    QCOMPARE(harness.send("a1 " + command + "\r\n"), expected);
}

void TestImapSession::status()
{
    Harness harness;
    harness.login();
    // RFC 3501 §6.3.10: the items in the client's order, the name as the client gave it.
    QCOMPARE(harness.send("a1 STATUS inbox (UIDNEXT MESSAGES UNSEEN RECENT UIDVALIDITY)\r\n"),
        QByteArray("* STATUS \"inbox\" (UIDNEXT 5 MESSAGES 3 UNSEEN 2 RECENT 0 UIDVALIDITY 3857529045)\r\n"
                   "a1 OK STATUS completed\r\n"));
    QCOMPARE(harness.send("a2 STATUS billing (MESSAGES)\r\na3 STATUS nowhere (MESSAGES)\r\n"),
        QByteArray("* STATUS \"billing\" (MESSAGES 1)\r\na2 OK STATUS completed\r\n"
                   "a3 NO [NONEXISTENT] no such mailbox\r\n"));
    QCOMPARE(harness.send("a4 STATUS billing (SIZE)\r\n"),
        QByteArray("a4 BAD STATUS needs a mailbox name and a list of items\r\n"));
    QCOMPARE(harness.requests(),
        (QByteArrayList { "login LOGIN shop secret", "status shop", "status billing", "status nowhere" }));
}

void TestImapSession::selectUnknownMailboxDeselects()
{
    Harness harness;
    harness.select();
    QCOMPARE(harness.session.state(), ImapSession::State::Selected);
    // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
    QCOMPARE(harness.send("a1 SELECT nowhere\r\n"), QByteArray("a1 NO [NONEXISTENT] no such mailbox\r\n"));
    QCOMPARE(harness.session.state(), ImapSession::State::Authenticated);
    QCOMPARE(harness.send("a2 FETCH 1 FLAGS\r\n"), QByteArray("a2 BAD no mailbox selected\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "select nowhere" });
}

void TestImapSession::examineIsReadOnly()
{
    Harness harness;
    harness.login();
    // RFC 3501 §6.3.2: no PERMANENTFLAGS that could change, READ-ONLY, and fetching does not set \Seen.
    QCOMPARE(harness.send("a1 EXAMINE billing\r\n"),
        QByteArray("* FLAGS (\\Seen \\Flagged \\Deleted)\r\n"
                   "* 1 EXISTS\r\n"
                   "* 0 RECENT\r\n"
                   "* OK [UIDVALIDITY 7] UIDs valid\r\n"
                   "* OK [UIDNEXT 10] predicted next UID\r\n"
                   "a1 OK [READ-ONLY] EXAMINE completed\r\n"));
    QCOMPARE(harness.send("a2 STORE 1 +FLAGS (\\Flagged)\r\n"),
        QByteArray("a2 NO [READ-ONLY] the mailbox is read-only\r\n"));
    QCOMPARE(harness.send("a3 EXPUNGE\r\n"), QByteArray("a3 NO [READ-ONLY] the mailbox is read-only\r\n"));
    harness.send("a4 FETCH 1 BODY[TEXT]\r\n");
    QCOMPARE(harness.requests(),
        (QByteArrayList { "login LOGIN shop secret", "examine billing", "refresh billing", "refresh billing",
            "refresh billing", "fetch 1=b9 items 1" }));
}

void TestImapSession::fetchRenderedByTheSession()
{
    Harness harness;
    harness.select();
    // RFC 3501 §6.4.5 FAST; UID FETCH adds UID (§6.4.8); a UID set naming nothing is no error.
    QCOMPARE(harness.send("a1 FETCH 3:2 FAST\r\n"),
        QByteArray("* 2 FETCH (FLAGS () INTERNALDATE \"01-Jan-2020 10:00:00 +0000\" RFC822.SIZE 1200)\r\n"
                   "* 3 FETCH (FLAGS (\\Flagged) INTERNALDATE \"02-Jan-2020 23:59:00 +0000\" RFC822.SIZE 90)\r\n"
                   "a1 OK FETCH completed\r\n"));
    QCOMPARE(harness.send("a2 UID FETCH 2:* FLAGS\r\n"),
        QByteArray(
            "* 2 FETCH (UID 2 FLAGS ())\r\n* 3 FETCH (UID 4 FLAGS (\\Flagged))\r\na2 OK UID FETCH completed\r\n"));
    QCOMPARE(harness.send("a3 UID FETCH 3,7:9 (UID RFC822.SIZE)\r\n"), QByteArray("a3 OK UID FETCH completed\r\n"));
    QCOMPARE(harness.send("a4 FETCH * UID\r\n"), QByteArray("* 3 FETCH (UID 4)\r\na4 OK FETCH completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "refresh shop", "refresh shop", "refresh shop" }));
}

void TestImapSession::fetchOfTheSourceGoesToTheOwner()
{
    Harness harness;
    harness.select();
    harness.send("a1 STORE 3 +FLAGS.SILENT (\\Deleted)\r\n");
    harness.requests();
    // BODY.PEEK does not set \Seen; BODY[] does (RFC 3501 §6.4.5); \Deleted, which the session keeps, goes along.
    QCOMPARE(harness.send("a2 UID FETCH 2:4 (BODY.PEEK[HEADER.FIELDS (Subject)] ENVELOPE)\r\n"),
        QByteArray("* 2 FETCH (BODY[] {11}\r\nHello world)\r\n* 3 FETCH (BODY[] {12}\r\nPaid, thanks)\r\n"
                   "a2 OK UID FETCH completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "fetch 2=m2,3=m4(deleted) items 3" }));
    harness.send("a3 FETCH 1,3 RFC822\r\n");
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "fetch 1=m1,3=m4(deleted) items 1 markSeen" }));
    // The owner marked them read: the next refresh announces nothing for them.
    QCOMPARE(harness.send("a4 NOOP\r\n"), QByteArray("a4 OK NOOP completed\r\n"));
    QCOMPARE(harness.send("a5 FETCH 3 FLAGS\r\n"),
        QByteArray("* 3 FETCH (FLAGS (\\Seen \\Flagged \\Deleted))\r\na5 OK FETCH completed\r\n"));
}

void TestImapSession::fetchSequenceNumbersOutOfRange()
{
    Harness harness;
    harness.select();
    // RFC 3501 §9 seq-number: a number beyond the messages is an error (BAD), unlike a UID.
    QCOMPARE(harness.send("a1 FETCH 4 FLAGS\r\n"), QByteArray("a1 BAD no such message\r\n"));
    QCOMPARE(harness.send("a2 FETCH 1:5 FLAGS\r\n"), QByteArray("a2 BAD no such message\r\n"));
    QCOMPARE(harness.send("a3 STORE 9 +FLAGS \\Seen\r\n"), QByteArray("a3 BAD no such message\r\n"));
    // "*" in an empty mailbox names no message either; as a UID it names none, which is no error.
    ImapMailboxSnapshot empty;
    empty.name = QStringLiteral("alerts");
    harness.owner.mailboxes << empty;
    QVERIFY(harness.send("a4 SELECT alerts\r\n").contains("* 0 EXISTS\r\n"));
    QCOMPARE(harness.send("a5 FETCH 1:* FLAGS\r\n"), QByteArray("a5 BAD no such message\r\n"));
    QCOMPARE(harness.send("a6 UID FETCH 1:* FLAGS\r\n"), QByteArray("a6 OK UID FETCH completed\r\n"));
}

void TestImapSession::storeChangesTheStore()
{
    Harness harness;
    harness.select();
    // RFC 3501 §6.4.6: the new flags of each message come back, with its UID for UID STORE; only real changes of
    // \Seen and \Flagged go to the store, \Deleted stays in the session.
    QCOMPARE(harness.send("a1 STORE 1:3 +FLAGS (\\Seen \\Deleted)\r\n"),
        QByteArray("* 1 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
                   "* 2 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
                   "* 3 FETCH (FLAGS (\\Seen \\Flagged \\Deleted))\r\n"
                   "a1 OK STORE completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "store read m2,m4 unread  pin  unpin " }));
    QCOMPARE(harness.send("a2 UID STORE 4 -FLAGS (\\Flagged \\Answered)\r\n"),
        QByteArray("* 3 FETCH (FLAGS (\\Seen \\Deleted) UID 4)\r\na2 OK UID STORE completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "store read  unread  pin  unpin m4" }));
    QCOMPARE(harness.send("a3 STORE 1,2 FLAGS.SILENT (\\Flagged)\r\n"), QByteArray("a3 OK STORE completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "store read  unread m1,m2 pin m1,m2 unpin " }));
    // Nothing changes: no request, no FETCH.
    QCOMPARE(harness.send("a4 STORE 1 +FLAGS (\\Flagged $Junk)\r\n"), QByteArray("a4 OK STORE completed\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "refresh shop" });
    QCOMPARE(harness.owner.message("m1")->seen, false);
    QCOMPARE(harness.owner.message("m1")->flagged, true);
    QCOMPARE(harness.owner.message("m4")->seen, true);
    QCOMPARE(harness.owner.message("m4")->flagged, false);
    QCOMPARE(harness.send("a5 FETCH 1:* FLAGS\r\n"),
        QByteArray("* 1 FETCH (FLAGS (\\Flagged))\r\n* 2 FETCH (FLAGS (\\Flagged))\r\n"
                   "* 3 FETCH (FLAGS (\\Seen \\Deleted))\r\na5 OK FETCH completed\r\n"));
}

void TestImapSession::searchKeys_data()
{
    QTest::addColumn<QByteArray>("command");
    QTest::addColumn<QByteArray>("expected");
    // Message 1: uid 1, seen, 4286 bytes, 17-Jul-1996, from Alice, "Invoice 42"; message 2: uid 2, 1200 bytes,
    // 1-Jan-2020, from Bob, "Hello"; message 3: uid 4, flagged, 90 bytes, 2-Jan-2020, from Carol, cc alice,
    // "Re: invoice".
    QTest::newRow("all") << QByteArray("SEARCH ALL") << QByteArray("* SEARCH 1 2 3");
    QTest::newRow("or") << QByteArray("SEARCH OR SEEN FLAGGED") << QByteArray("* SEARCH 1 3");
    QTest::newRow("not, by UID") << QByteArray("UID SEARCH NOT SEEN") << QByteArray("* SEARCH 2 4");
    QTest::newRow("subject without regard to case")
        << QByteArray("SEARCH SUBJECT INVOICE") << QByteArray("* SEARCH 1 3");
    QTest::newRow("from and cc") << QByteArray("SEARCH OR FROM alice CC alice") << QByteArray("* SEARCH 1 3");
    QTest::newRow("to") << QByteArray("SEARCH TO shop@") << QByteArray("* SEARCH 1 2 3");
    QTest::newRow("header subject") << QByteArray("SEARCH HEADER SUBJECT hello") << QByteArray("* SEARCH 2");
    QTest::newRow("since") << QByteArray("SEARCH SINCE 2-Jan-2020") << QByteArray("* SEARCH 3");
    QTest::newRow("before") << QByteArray("SEARCH BEFORE 2-Jan-2020") << QByteArray("* SEARCH 1 2");
    QTest::newRow("on") << QByteArray("SEARCH ON 17-Jul-1996") << QByteArray("* SEARCH 1");
    QTest::newRow("larger and smaller") << QByteArray("SEARCH LARGER 90 SMALLER 4286") << QByteArray("* SEARCH 2");
    QTest::newRow("a UID set") << QByteArray("SEARCH UID 2:*") << QByteArray("* SEARCH 2 3");
    QTest::newRow("a sequence set and a group")
        << QByteArray("SEARCH 2:* (UNSEEN UNFLAGGED)") << QByteArray("* SEARCH 2");
    QTest::newRow("nothing answered") << QByteArray("SEARCH ANSWERED") << QByteArray("* SEARCH");
    QTest::newRow("all unanswered, undeleted")
        << QByteArray("SEARCH UNANSWERED UNDELETED NOT DELETED") << QByteArray("* SEARCH 1 2 3");
    QTest::newRow("charset UTF-8") << QByteArray("SEARCH CHARSET UTF-8 FROM {3}\r\nBOB") << QByteArray("* SEARCH 2");
}

void TestImapSession::searchKeys()
{
    QFETCH(QByteArray, command);
    QFETCH(QByteArray, expected);
    Harness harness;
    harness.select();
    const QByteArray name = command.left(command.startsWith("UID") ? 10 : 6);
    QByteArray out = harness.send("a1 " + command + "\r\n");
    out.replace("+ Ready for literal\r\n", "");
    QCOMPARE(out, expected + "\r\na1 OK " + name + " completed\r\n");
}

void TestImapSession::searchText()
{
    Harness harness;
    harness.select();
    // BODY and TEXT need the messages' text: the owner answers them, the session combines.
    QCOMPARE(harness.send("a1 SEARCH OR BODY invoice TEXT thanks NOT SEEN\r\n"),
        QByteArray("* SEARCH 3\r\na1 OK SEARCH completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "search m1,m2,m4 for BODY invoice,TEXT thanks" }));
}

void TestImapSession::refreshShowsAFlagSetElsewhere()
{
    Harness harness;
    harness.select();
    // The app marks message 2 read and unpins message 3 (the contract: one read state for IMAP, POP3, app and API).
    harness.owner.message("m2")->seen = true;
    harness.owner.message("m4")->flagged = false;
    QCOMPARE(harness.send("a1 NOOP\r\n"),
        QByteArray("* 2 FETCH (FLAGS (\\Seen))\r\n* 3 FETCH (FLAGS ())\r\na1 OK NOOP completed\r\n"));
    // A new message: EXISTS (RFC 3501 §7.3.1).
    harness.owner.find("shop")->messages << entry(7, "m7", 5, 0, false, false, "", "", "", "new");
    QCOMPARE(harness.send("a2 CHECK\r\n"), QByteArray("* 4 EXISTS\r\na2 OK CHECK completed\r\n"));
    QCOMPARE(harness.send("a3 UID SEARCH UNSEEN\r\n"), QByteArray("* SEARCH 4 7\r\na3 OK UID SEARCH completed\r\n"));
}

void TestImapSession::aRefreshOfTheGenerationAnnouncedIsNotCompared()
{
    // The owner stamps each snapshot with the store's generation: one the session has announced is the same
    // mailbox, so it is not compared message by message (a client sending thousands of commands); a new one is.
    Harness harness;
    harness.owner.find("shop")->generation = 5;
    harness.select();
    harness.owner.message("m2")->seen = true; // seen by the session only when the generation says it changed
    QCOMPARE(harness.send("a1 NOOP\r\n"), QByteArray("a1 OK NOOP completed\r\n"));
    harness.owner.find("shop")->generation = 6;
    QCOMPARE(harness.send("a2 NOOP\r\n"), QByteArray("* 2 FETCH (FLAGS (\\Seen))\r\na2 OK NOOP completed\r\n"));
    // An EXPUNGE held back during FETCH goes out at the next command that allows it, generation unchanged.
    harness.owner.find("shop")->messages.removeAt(0);
    harness.owner.find("shop")->generation = 7;
    QCOMPARE(harness.send("a3 FETCH 2 (UID)\r\n"), QByteArray("* 2 FETCH (UID 2)\r\na3 OK FETCH completed\r\n"));
    QCOMPARE(harness.send("a4 NOOP\r\n"), QByteArray("* 1 EXPUNGE\r\na4 OK NOOP completed\r\n"));
    QCOMPARE(harness.send("a5 NOOP\r\n"), QByteArray("a5 OK NOOP completed\r\n"));
}

void TestImapSession::expungeWithheldDuringFetch()
{
    Harness harness;
    harness.select();
    harness.owner.find("shop")->messages.removeAt(1); // m2 deleted in the app
    // RFC 3501 §7.4.1: no EXPUNGE during FETCH, STORE or SEARCH; the numbers stay put.
    QCOMPARE(harness.send("a1 FETCH 3 (UID)\r\n"), QByteArray("* 3 FETCH (UID 4)\r\na1 OK FETCH completed\r\n"));
    QCOMPARE(harness.send("a2 SEARCH ALL\r\n"), QByteArray("* SEARCH 1 2 3\r\na2 OK SEARCH completed\r\n"));
    QCOMPARE(harness.send("a3 STORE 3 +FLAGS.SILENT (\\Seen)\r\n"), QByteArray("a3 OK STORE completed\r\n"));
    // Nothing to store it in: NO [EXPUNGEISSUED] (RFC 5530), and the store is not asked.
    harness.requests();
    QCOMPARE(harness.send("a3b STORE 2 +FLAGS (\\Seen)\r\n"),
        QByteArray("a3b NO [EXPUNGEISSUED] some of the messages were deleted\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "refresh shop" });
    // Its source is gone: the owner cannot fetch it.
    QCOMPARE(harness.send("a4 FETCH 2 BODY.PEEK[]\r\n"), QByteArray("a4 NO some messages could not be fetched\r\n"));
    // NOOP may announce it.
    QCOMPARE(harness.send("a5 NOOP\r\n"), QByteArray("* 2 EXPUNGE\r\na5 OK NOOP completed\r\n"));
    QCOMPARE(harness.send("a6 FETCH 2 (UID)\r\n"), QByteArray("* 2 FETCH (UID 4)\r\na6 OK FETCH completed\r\n"));
    // UID FETCH may (RFC 3501 §7.4.1's note).
    harness.owner.find("shop")->messages.removeAt(0);
    QCOMPARE(harness.send("a7 UID FETCH 1:* (UID)\r\n"),
        QByteArray("* 1 EXPUNGE\r\n* 1 FETCH (UID 4)\r\na7 OK UID FETCH completed\r\n"));
}

void TestImapSession::expungeAndClose()
{
    Harness harness;
    harness.select();
    harness.send("a1 STORE 1,3 +FLAGS.SILENT (\\Deleted)\r\n");
    harness.requests();
    // RFC 3501 §6.4.3's example: each EXPUNGE's number counts the ones before it.
    QCOMPARE(harness.send("a2 EXPUNGE\r\n"), QByteArray("* 3 EXPUNGE\r\n* 1 EXPUNGE\r\na2 OK EXPUNGE completed\r\n"));
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "expunge m1,m4" }));
    QCOMPARE(harness.send("a3 FETCH 1:* (UID FLAGS)\r\n"),
        QByteArray("* 1 FETCH (UID 2 FLAGS ())\r\na3 OK FETCH completed\r\n"));
    harness.send("a4 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n");
    harness.requests();
    // RFC 3501 §6.4.2: CLOSE expunges without a word.
    QCOMPARE(harness.send("a5 CLOSE\r\n"), QByteArray("a5 OK CLOSE completed\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "expunge m2" });
    QCOMPARE(harness.session.state(), ImapSession::State::Authenticated);
    QVERIFY(harness.owner.find("shop")->messages.isEmpty());
    // UNSELECT (RFC 3691) leaves without expunging.
    harness.send("a6 SELECT billing\r\n");
    harness.send("a7 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n");
    QCOMPARE(harness.send("a8 UNSELECT\r\n"), QByteArray("a8 OK UNSELECT completed\r\n"));
    QCOMPARE(harness.owner.find("billing")->messages.size(), 1);
    QCOMPARE(harness.send("a9 CLOSE\r\n"), QByteArray("a9 BAD no mailbox selected\r\n"));
}

void TestImapSession::idleAnnouncesChanges()
{
    Harness harness;
    harness.select();
    // RFC 2177 §3's example: "+ idling", untagged data as it happens, DONE, the tagged OK.
    QCOMPARE(harness.send("a1 IDLE\r\n"), QByteArray("+ idling\r\n"));
    QVERIFY(harness.session.isIdling());
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "idle started" }));
    ImapMailboxSnapshot &shop = *harness.owner.find("shop");
    shop.messages << entry(5, "m5", 10, 0, false, false, "", "", "", "new")
                  << entry(6, "m6", 10, 0, false, false, "", "", "", "newer");
    harness.session.mailboxChanged(shop);
    QCOMPARE(harness.session.takeOutput(), QByteArray("* 5 EXISTS\r\n"));
    shop.messages.removeAt(3); // uid 5, message 4
    shop.messages.removeAt(0); // uid 1, message 1
    shop.messages[0].seen = true; // uid 2
    harness.session.mailboxChanged(shop);
    // Highest first, so no number shifts before it is said; then the flags by the new numbers.
    QCOMPARE(harness.session.takeOutput(), QByteArray("* 4 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Seen))\r\n"));
    harness.session.mailboxChanged(shop);
    QCOMPARE(harness.session.takeOutput(), QByteArray());
    QCOMPARE(harness.send("DONE\r\n"), QByteArray("a1 OK IDLE terminated\r\n"));
    QVERIFY(!harness.session.isIdling());
    QCOMPARE(harness.requests(), QByteArrayList { "idle ended" });
    // Outside IDLE a change waits for the next command.
    shop.messages.removeAt(0);
    harness.session.mailboxChanged(shop);
    QCOMPARE(harness.session.takeOutput(), QByteArray());
    QCOMPARE(harness.send("a2 FETCH 1:* UID\r\n"),
        QByteArray("* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 4)\r\n* 3 FETCH (UID 6)\r\na2 OK FETCH completed\r\n"));
    // Anything but DONE ends IDLE with BAD.
    QCOMPARE(harness.send("a3 IDLE\r\n"), QByteArray("* 1 EXPUNGE\r\n+ idling\r\n"));
    QCOMPARE(harness.send("a4 NOOP\r\n"), QByteArray("a3 BAD expected DONE\r\n"));
    // IDLE without a mailbox waits for DONE and announces nothing.
    Harness unselected;
    unselected.login();
    QCOMPARE(unselected.send("b1 IDLE\r\nDONE\r\n"), QByteArray("+ idling\r\nb1 OK IDLE terminated\r\n"));
    QCOMPARE(unselected.requests(), QByteArrayList { "login LOGIN shop secret" });
}

void TestImapSession::selectedMailboxDeleted()
{
    Harness harness;
    harness.select();
    harness.owner.mailboxes.removeFirst();
    QCOMPARE(harness.send("a1 NOOP\r\n"), QByteArray("* BYE the selected mailbox no longer exists\r\n"));
    QVERIFY(harness.session.isClosed());
    QCOMPARE(harness.requests(), (QByteArrayList { "refresh shop", "close" }));
}

void TestImapSession::startTlsDropsPipelinedInput()
{
    Harness harness(true);
    harness.answering = false;
    // RFC 3501 §6.2.1: what follows STARTTLS before the handshake is not a command (the injection attack).
    QCOMPARE(
        harness.send("a1 STARTTLS\r\na2 LOGIN shop secret\r\n"), QByteArray("a1 OK Begin TLS negotiation now\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList { "starttls" });
    QVERIFY(harness.session.isPaused());
    QCOMPARE(harness.session.bufferedBytes(), 0);
    harness.session.tlsStarted();
    QVERIFY(harness.session.isTls());
    harness.answering = true;
    QCOMPARE(harness.send("a3 CAPABILITY\r\n"),
        "* CAPABILITY " + Capabilities + " AUTH=PLAIN\r\na3 OK CAPABILITY completed\r\n");
    QCOMPARE(harness.send("a4 STARTTLS\r\n"), QByteArray("a4 BAD already using TLS\r\n"));
    QCOMPARE(harness.requests(), QByteArrayList {});
}

void TestImapSession::ownerFailures()
{
    Harness harness;
    harness.select();
    harness.answering = false;
    auto refreshed = [&](const QByteArray &command) {
        harness.send(command);
        harness.session.mailboxFinished(*harness.owner.find("shop"));
        harness.pump();
    };
    // A store that fails changes nothing in the view.
    refreshed("a1 STORE 2 +FLAGS (\\Seen \\Deleted)\r\n");
    QVERIFY(harness.session.isPaused());
    harness.session.storeFinished(false);
    QCOMPARE(harness.session.takeOutput(), QByteArray("a1 NO the flags could not be stored\r\n"));
    refreshed("a2 FETCH 2 FLAGS\r\n");
    QCOMPARE(harness.session.takeOutput(), QByteArray("* 2 FETCH (FLAGS ())\r\na2 OK FETCH completed\r\n"));
    // An expunge that fails keeps the messages.
    refreshed("a3 STORE 2 +FLAGS.SILENT (\\Deleted)\r\n");
    refreshed("a4 EXPUNGE\r\n");
    QCOMPARE(harness.requests().last(), QByteArray("expunge m2"));
    harness.session.expungeFinished(false);
    QCOMPARE(harness.session.takeOutput(), QByteArray("a4 NO EXPUNGE failed: the messages could not be deleted\r\n"));
    // A fetch read partly: what was fed stands, the tagged NO follows, nothing is marked read.
    refreshed("a5 FETCH 2:3 BODY[]\r\n");
    harness.session.fetchData("* 2 FETCH (BODY[] {2}\r\nhi)\r\n");
    harness.session.fetchFinished(false);
    QCOMPARE(harness.session.takeOutput(),
        QByteArray("* 2 FETCH (BODY[] {2}\r\nhi)\r\na5 NO some messages could not be fetched\r\n"));
    refreshed("a6 FETCH 2 FLAGS\r\n");
    QCOMPARE(harness.session.takeOutput(), QByteArray("* 2 FETCH (FLAGS (\\Deleted))\r\na6 OK FETCH completed\r\n"));
    // Answers nobody asked for are ignored.
    harness.session.loginFinished(QStringLiteral("other"));
    harness.session.listFinished({});
    harness.session.storeFinished(true);
    QCOMPARE(harness.session.takeOutput(), QByteArray());
    QCOMPARE(harness.session.state(), ImapSession::State::Selected);
}

void TestImapSession::timeoutAndShutdown()
{
    Harness harness;
    harness.select();
    harness.session.timeout();
    QCOMPARE(harness.session.takeOutput(), QByteArray("* BYE Autologout; idle for too long\r\n"));
    QVERIFY(harness.session.isClosed());
    QCOMPARE(harness.send("a1 NOOP\r\n"), QByteArray());
    Harness idling;
    idling.select();
    idling.send("a1 IDLE\r\n");
    idling.requests();
    idling.session.shutdown();
    QCOMPARE(idling.session.takeOutput(), QByteArray("* BYE server shutting down\r\n"));
    idling.pump();
    QCOMPARE(idling.requests(), (QByteArrayList { "idle ended", "close" }));
}

QTEST_APPLESS_MAIN(TestImapSession)
#include "tst_imapsession.moc"
