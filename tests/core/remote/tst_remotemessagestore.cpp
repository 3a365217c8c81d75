// RemoteMessageStore (CONTRACT "--attach URL") against the real headless letterbox and against a Mailpit-shaped
// double that has none of Letterbox's extensions: reads, writes, live events, basic auth, reconnection.

#include "remotetestservers.h"

#include <remote/remotehttp.h>
#include <remote/remotemessagestore.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

namespace {
RemoteEndpoint endpointOf(const QString &url, const QString &user = QString(), const QString &password = QString())
{
    RemoteEndpoint endpoint;
    QString error;
    if (!RemoteEndpoint::parse(url, &endpoint, &error)) {
        qFatal("bad URL %s: %s", qPrintable(url), qPrintable(error));
    }
    endpoint.user = user;
    endpoint.password = password;
    return endpoint;
}

// The asynchronous release, waited for: ok and the text to show.
std::pair<bool, QString> releaseNow(RemoteMessageStore *store, const QString &id, const QStringList &to)
{
    std::optional<std::pair<bool, QString>> answer;
    QObject context;
    store->release(id, to, &context, [&answer](bool ok, const QString &text) { answer = std::make_pair(ok, text); });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }, 20000)) {
        return { false, QStringLiteral("no answer within 20 s") };
    }
    return *answer;
}

// The asynchronous list, waited for.
ListReply listNow(RemoteMessageStore *store, const QString &query = QString(), qint64 limit = 50)
{
    ListRequest request;
    request.query = query;
    request.limit = limit;
    std::optional<ListReply> answer;
    QObject context;
    store->list(request, &context, [&answer](const ListReply &reply) { answer = reply; });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }, 10000)) {
        return ListReply { std::nullopt, QStringLiteral("no answer within 10 s") };
    }
    return answer.value_or(ListReply {});
}

QString asyncWrite(std::function<void(QObject *, std::function<void(const QString &)>)> call)
{
    std::optional<QString> error;
    QObject context;
    call(&context, [&error](const QString &e) { error = e; });
    if (!QTest::qWaitFor([&error] { return error.has_value(); }, 10000)) {
        return QStringLiteral("no answer within 10 s");
    }
    return error.value_or(QStringLiteral("no answer"));
}

QStringList subjects(const QList<MessageSummary> &list)
{
    QStringList s;
    for (const MessageSummary &m : list) {
        s << m.subject;
    }
    return s;
}

bool storeInDouble(const QString &url, const QString &subject)
{
    const RemoteReply reply = RemoteHttp::send(endpointOf(url), "POST", QUrl(url + QStringLiteral("/_test/add")),
        QJsonDocument(QJsonObject { { QStringLiteral("Subject"), subject },
                          { QStringLiteral("From"), QStringLiteral("Ada <ada@double.test>") },
                          { QStringLiteral("To"), QStringLiteral("bob@double.test") },
                          { QStringLiteral("Text"), QStringLiteral("Hello from the double.") } })
            .toJson());
    return reply.isOk();
}
} // namespace

class TestRemoteMessageStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void endpointUrls();
    void unreachableCatcherIsAnError();
    void letterboxShowsItsExtensions();
    void letterboxChangesAreLive();
    void letterboxReconnectsAfterARestart();
    void letterboxWithBasicAuth();
    void mailpitHidesWhatItLacks();
    void mailpitChangesAreLiveAndItReconnects();
    void releaseAsksTheCatchersRelay();
};

void TestRemoteMessageStore::endpointUrls()
{
    RemoteEndpoint e;
    QString error;
    QVERIFY(RemoteEndpoint::parse(QStringLiteral("http://ada@catcher.example:8025/mail/"), &e, &error));
    QCOMPARE(e.user, QStringLiteral("ada"));
    QCOMPARE(e.displayText(), QStringLiteral("http://catcher.example:8025/mail"));
    QCOMPARE(e.url(QStringLiteral("/api/v1/messages")).toString(),
        QStringLiteral("http://catcher.example:8025/mail/api/v1/messages"));
    // CONTRACT "Mailboxes": a mailbox's API is under /mailbox/NAME.
    QCOMPARE(
        e.url(QStringLiteral("/api/v1/search"), QUrlQuery(), QStringLiteral("Team A")).toString(QUrl::FullyEncoded),
        QStringLiteral("http://catcher.example:8025/mail/mailbox/Team%20A/api/v1/search"));
    QCOMPARE(e.eventsUrl().toString(), QStringLiteral("ws://catcher.example:8025/mail/api/events"));
    QVERIFY(RemoteEndpoint::parse(QStringLiteral("https://catcher.example"), &e, &error));
    QCOMPARE(e.eventsUrl().toString(), QStringLiteral("wss://catcher.example/api/events"));
    QVERIFY(!RemoteEndpoint::parse(QStringLiteral("ftp://catcher.example"), &e, &error));
    QVERIFY(!RemoteEndpoint::parse(QStringLiteral("http://catcher.example/?x=1"), &e, &error));
}

void TestRemoteMessageStore::unreachableCatcherIsAnError()
{
    // A port nobody listens on: bound, then closed.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    RemoteMessageStore store(endpointOf(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    std::optional<QString> error;
    store.attach(this, [&error](const QString &e) { error = e; });
    QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 15000);
    QVERIFY2(!error->isEmpty(), "attaching to a closed port worked");
    QVERIFY2(error->contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(*error));
    QCOMPARE(store.state(), RemoteMessageStore::State::Detached);
}

void TestRemoteMessageStore::letterboxShowsItsExtensions()
{
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path()));
    for (const char *subject : { "First report", "Second report", "Invoice 42" }) {
        QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
            QString::fromLatin1(subject)));
    }
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    QCOMPARE(store.features(),
        RemoteMessageStore::Feature::Envelope | RemoteMessageStore::Feature::Mailboxes
            | RemoteMessageStore::Feature::Pins | RemoteMessageStore::Feature::Rules
            | RemoteMessageStore::Feature::Release);
    QCOMPARE(store.count(), 3);
    QCOMPARE(store.unreadCount(), 3);

    const ListReply all = listNow(&store);
    QVERIFY2(all.result, qPrintable(all.error));
    QCOMPARE(subjects(all.result->messages),
        (QStringList {
            QStringLiteral("Invoice 42"), QStringLiteral("Second report"), QStringLiteral("First report") }));
    QCOMPARE(all.result->matches, 3);
    // Pages on demand: the second of two-message pages.
    const std::optional<SearchResult> second = store.list(QString(), MessageSort(), 2, 2);
    QVERIFY(second);
    QCOMPARE(subjects(second->messages), QStringList { QStringLiteral("First report") });

    const ListReply found = listNow(&store, QStringLiteral("subject:report -second"));
    QVERIFY2(found.result, qPrintable(found.error));
    QCOMPARE(subjects(found.result->messages), QStringList { QStringLiteral("First report") });
    QCOMPARE(found.result->matches, 1);

    // The message view's read: the source, the envelope and the session, and the message stays unread.
    const QString id = all.result->messages.constFirst().id;
    const std::optional<StoredMessage> message = store.message(id);
    QVERIFY(message);
    QVERIFY(message->raw.contains("Subject: Invoice 42"));
    QVERIFY(message->raw.startsWith("Received: "));
    QCOMPARE(message->mailFrom, QStringLiteral("ada@example.com"));
    QCOMPARE(message->rcptTo, QStringList { QStringLiteral("bob@example.com") });
    QCOMPARE(message->helo, QStringLiteral("test.example"));
    QVERIFY(!message->transcript.isEmpty());
    QCOMPARE(message->transcript.constFirst().direction, TranscriptEntry::Direction::Out); // the greeting
    QVERIFY(message->transcript.constFirst().text.startsWith("220 "));
    QCOMPARE(store.summary(id)->read, false);
    QCOMPARE(listNow(&store, QStringLiteral("is:unread")).result->matches, 3);

    QCOMPARE(store.mailboxes().value(0).name, QStringLiteral("Inbox"));
    QCOMPARE(store.mailboxes().value(0).total, 3);
    QCOMPARE(store.latestId(), id);
    QCOMPARE(store.searchIds(QStringLiteral("report"), QTimeZone::utc(), &error)->size(), 2);
    QVERIFY(!store.message(QStringLiteral("no-such-id")));
    // Another order than newest first is not served by the API: said, not faked.
    MessageSort bySubject;
    bySubject.key = MessageSort::Key::Subject;
    QVERIFY(!store.list(QString(), bySubject, 0, 10, QTimeZone::utc(), &error));
    QVERIFY(error.contains(QStringLiteral("newest first")));
}

void TestRemoteMessageStore::letterboxChangesAreLive()
{
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path()));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QSignalSpy states(&store, &RemoteMessageStore::stateChanged);
    std::optional<QString> attached;
    store.attach(this, [&attached](const QString &e) { attached = e; });
    QTRY_VERIFY_WITH_TIMEOUT(attached.has_value(), 10000);
    QCOMPARE(*attached, QString());
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 10000);
    QVERIFY(store.stateText().contains(server.apiUrl()));

    // Arrivals: the event's summary, before anybody asks.
    QSignalSpy stored(&store, &MessageStore::messageStored);
    QSignalSpy counts(&store, &RemoteMessageStore::countsChanged);
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Live one")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 5000);
    const MessageSummary arrived = stored.at(0).at(0).value<MessageSummary>();
    QCOMPARE(arrived.subject, QStringLiteral("Live one"));
    QCOMPARE(arrived.fromList.value(0).address, QStringLiteral("ada@example.com"));
    QCOMPARE(store.summary(arrived.id)->subject, QStringLiteral("Live one"));
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 1, 5000);
    QVERIFY(!counts.isEmpty());

    // This window's write: its signal, then its answer.
    QSignalSpy read(&store, &MessageStore::readChanged);
    QCOMPARE(asyncWrite([&](QObject *c, auto done) { store.setRead({ arrived.id }, true, c, done); }), QString());
    QVERIFY(!read.isEmpty());
    QCOMPARE(read.at(0).at(0).toStringList(), QStringList { arrived.id });
    QCOMPARE(read.at(0).at(1).toBool(), true);
    QTRY_COMPARE_WITH_TIMEOUT(store.unreadCount(), 0, 5000);

    // Another client's write (a browser on the same catcher): told by the server's event.
    read.clear();
    const RemoteReply other = RemoteHttp::send(endpointOf(server.apiUrl()), "PUT",
        QUrl(server.apiUrl() + QStringLiteral("/api/v1/messages")),
        QJsonDocument(
            QJsonObject { { QStringLiteral("IDs"), QJsonArray { arrived.id } }, { QStringLiteral("Read"), false } })
            .toJson());
    QVERIFY(other.isOk());
    QTRY_VERIFY_WITH_TIMEOUT(!read.isEmpty(), 5000);
    QCOMPARE(read.last().at(1).toBool(), false);
    QCOMPARE(store.summary(arrived.id)->read, false);

    // Pins and tags (Letterbox's), each told and remembered.
    QSignalSpy pinned(&store, &MessageStore::pinnedChanged);
    QCOMPARE(asyncWrite([&](QObject *c, auto done) { store.setPinned({ arrived.id }, true, c, done); }), QString());
    QVERIFY(!pinned.isEmpty());
    QCOMPARE(store.summary(arrived.id)->pinned, true);
    QCOMPARE(store.pinnedCount(), 1);
    QSignalSpy tagged(&store, &MessageStore::tagsChanged);
    QCOMPARE(asyncWrite([&](QObject *c, auto done) {
        store.setTags({ arrived.id }, { QStringLiteral("release-1"), QStringLiteral("qa") }, c, done);
    }),
        QString());
    QVERIFY(!tagged.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(store.tags(), (QStringList { QStringLiteral("qa"), QStringLiteral("release-1") }), 5000);
    QCOMPARE(listNow(&store, QStringLiteral("tag:qa")).result->matches, 1);
    // A tag name the server refuses: its words, no write failure.
    QSignalSpy failed(&store, &MessageStore::writeFailed);
    const QString refused = asyncWrite(
        [&](QObject *c, auto done) { store.renameTag(QStringLiteral("no-such-tag"), QStringLiteral("x"), c, done); });
    QVERIFY2(refused.contains(QStringLiteral("tag not found")), qPrintable(refused));
    QVERIFY(failed.isEmpty());

    // Delete All keeps the pinned one on a Letterbox; a plain delete takes it.
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Unpinned")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 2, 5000);
    QCOMPARE(asyncWrite([&](QObject *c, auto done) { store.removeAll(c, done); }), QString());
    QCOMPARE(subjects(listNow(&store).result->messages), QStringList { QStringLiteral("Live one") });
    QSignalSpy removed(&store, &MessageStore::messagesRemoved);
    QCOMPARE(asyncWrite([&](QObject *c, auto done) { store.remove({ arrived.id }, c, done); }), QString());
    QVERIFY(!removed.isEmpty());
    QCOMPARE(listNow(&store).result->matches, 0);
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 0, 5000);

    // What a catcher here would do is refused, saying where it happens.
    std::optional<DeliveryResult> delivery;
    store.deliver(IncomingMessage {}, [&delivery](const DeliveryResult &r) { delivery = r; });
    QVERIFY(delivery && !delivery->ok);
    QVERIFY(delivery->errorString.contains(QStringLiteral("server")));
}

void TestRemoteMessageStore::letterboxReconnectsAfterARestart()
{
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path()));
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Before the restart")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    store.setReconnectInterval(200);
    QString error;
    std::optional<QString> attached;
    store.attach(this, [&attached](const QString &e) { attached = e; });
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 10000);
    QSignalSpy resynchronized(&store, &RemoteMessageStore::resynchronized);

    const quint16 port = server.apiPort();
    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Reconnecting, 10000);
    QVERIFY(store.stateText().startsWith(QStringLiteral("Reconnecting")));
    // Meanwhile reads fail with a reason, they do not hang.
    const ListReply down = listNow(&store);
    QVERIFY(!down.result);
    QVERIFY(!down.error.isEmpty());

    QVERIFY(server.startLetterbox(data.path(), port));
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("After the restart")));
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(resynchronized.size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 2, 5000);
    QCOMPARE(subjects(listNow(&store).result->messages),
        (QStringList { QStringLiteral("After the restart"), QStringLiteral("Before the restart") }));
    // And it is live again.
    QSignalSpy stored(&store, &MessageStore::messageStored);
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Live again")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 5000);
}

void TestRemoteMessageStore::letterboxWithBasicAuth()
{
    QTemporaryDir data;
    // htpasswd -B, as Mailpit's auth file (CONTRACT "--api-auth").
    QProcess htpasswd;
    htpasswd.start(QStringLiteral("htpasswd"),
        { QStringLiteral("-nbB"), QStringLiteral("-C"), QStringLiteral("5"), QStringLiteral("ada"),
            QStringLiteral("s3cret pass") });
    QVERIFY(htpasswd.waitForFinished(30000));
    QCOMPARE(htpasswd.exitCode(), 0);
    QFile auth(data.filePath(QStringLiteral("api-users")));
    QVERIFY(auth.open(QIODevice::WriteOnly));
    auth.write(htpasswd.readAllStandardOutput().trimmed() + "\n");
    auth.close();
    const QString dir = data.filePath(QStringLiteral("store"));
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(dir, 0, { QStringLiteral("--api-auth"), auth.fileName() }));
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Behind a login")));

    QString error;
    RemoteMessageStore anonymous(endpointOf(server.apiUrl()));
    QVERIFY(!anonymous.attach(&error));
    QVERIFY2(error.contains(QStringLiteral("401")), qPrintable(error));
    RemoteMessageStore wrong(endpointOf(server.apiUrl(), QStringLiteral("ada"), QStringLiteral("guess")));
    QVERIFY(!wrong.attach(&error));
    QVERIFY2(error.contains(QStringLiteral("401")), qPrintable(error));

    RemoteMessageStore store(endpointOf(server.apiUrl(), QStringLiteral("ada"), QStringLiteral("s3cret pass")));
    std::optional<QString> attached;
    store.attach(this, [&attached](const QString &e) { attached = e; });
    QTRY_VERIFY_WITH_TIMEOUT(attached.has_value(), 15000);
    QCOMPARE(*attached, QString());
    QCOMPARE(subjects(listNow(&store).result->messages), QStringList { QStringLiteral("Behind a login") });
    // The WebSocket carries the credentials too.
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 10000);
    QSignalSpy stored(&store, &MessageStore::messageStored);
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Second behind a login")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 5000);
}

void TestRemoteMessageStore::mailpitHidesWhatItLacks()
{
    RemoteTestServer server;
    QVERIFY(server.startMailpitDouble());
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("From the double")));
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Another one")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    // None of Letterbox's extensions: each a hidden feature.
    QCOMPARE(store.features(), RemoteMessageStore::Features());
    QCOMPARE(store.count(), 2);

    const ListReply all = listNow(&store);
    QVERIFY2(all.result, qPrintable(all.error));
    QCOMPARE(subjects(all.result->messages),
        (QStringList { QStringLiteral("Another one"), QStringLiteral("From the double") }));
    const QString id = all.result->messages.constFirst().id;
    const std::optional<StoredMessage> message = store.message(id);
    QVERIFY(message);
    QVERIFY(message->raw.contains("Subject: Another one"));
    // No envelope or session on Mailpit: empty, not an error.
    QVERIFY(message->mailFrom.isEmpty());
    QVERIFY(message->transcript.isEmpty());
    QCOMPARE(store.mailboxes().size(), 1);
    QCOMPARE(store.mailboxes().constFirst().name, QStringLiteral("Inbox"));
    QCOMPARE(store.pinnedCount(), 0);
    QVERIFY(!store.setPinned({ id }, true, &error));
    QVERIFY(error.contains(QStringLiteral("does not pin")));
    QCOMPARE(listNow(&store, QStringLiteral("another")).result->matches, 1);

    // Nothing was asked that the double lacks after the probe, and nothing that marks a message read.
    const RemoteReply log = RemoteHttp::send(endpointOf(server.apiUrl()), "GET", QUrl(server.apiUrl() + "/_test/log"));
    QStringList asked;
    for (const QJsonValue &v : QJsonDocument::fromJson(log.body).array()) {
        asked << v.toString();
    }
    QCOMPARE(asked.filter(QStringLiteral("/envelope")), QStringList());
    QCOMPARE(asked.filter(QStringLiteral("/session")), QStringList());
    QCOMPARE(asked.filter(QStringLiteral("GET /api/v1/message/") + id).size(), 1); // …/raw only
    QCOMPARE(asked.filter(QStringLiteral("/api/v1/mailboxes")).size(), 1); // the probe
    QCOMPARE(store.summary(id)->read, false);
}

void TestRemoteMessageStore::mailpitChangesAreLiveAndItReconnects()
{
    RemoteTestServer server;
    QVERIFY(server.startMailpitDouble());
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    store.setReconnectInterval(200);
    store.attach(this, [](const QString &) {});
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 10000);
    QSignalSpy stored(&store, &MessageStore::messageStored);
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Arrives live")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 5000);
    const QString id = stored.at(0).at(0).value<MessageSummary>().id;
    QTRY_COMPARE_WITH_TIMEOUT(store.count(), 1, 5000);
    QSignalSpy read(&store, &MessageStore::readChanged);
    QVERIFY(store.setRead({ id }, true));
    QTRY_COMPARE_WITH_TIMEOUT(read.size(), 2, 5000); // this write's signal, then the server's event
    QSignalSpy tagged(&store, &MessageStore::tagsChanged);
    QVERIFY(store.setTags({ id }, { QStringLiteral("demo") }));
    QCOMPARE(store.summary(id)->tags, QStringList { QStringLiteral("demo") });
    QCOMPARE(store.tags(), QStringList { QStringLiteral("demo") });
    QSignalSpy cleared(&store, &MessageStore::messagesCleared);
    QVERIFY(store.removeAll());
    QVERIFY(!cleared.isEmpty());

    QSignalSpy resynchronized(&store, &RemoteMessageStore::resynchronized);
    const quint16 port = server.apiPort();
    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Reconnecting, 10000);
    QVERIFY(server.startMailpitDouble(port));
    QTRY_COMPARE_WITH_TIMEOUT(store.state(), RemoteMessageStore::State::Connected, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(resynchronized.size(), 1, 5000);
    stored.clear();
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("After the restart")));
    QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 5000);
}

void TestRemoteMessageStore::releaseAsksTheCatchersRelay()
{
    // A Letterbox without --relay: Release is offered (it serves no /api/v1/webui), and its 400 says why not.
    QTemporaryDir data;
    RemoteTestServer letterbox;
    QVERIFY(letterbox.startLetterbox(data.path()));
    QVERIFY(sendMail(letterbox.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Release me")));
    RemoteMessageStore attached(endpointOf(letterbox.apiUrl()));
    QString error;
    QVERIFY2(attached.attach(&error), qPrintable(error));
    QVERIFY(attached.has(RemoteMessageStore::Feature::Release));
    const QString id = listNow(&attached).result->messages.value(0).id;
    QVERIFY(!id.isEmpty());
    // CONTRACT "Release": no relay configured is 400, in the catcher's own words.
    const auto [sent, said] = releaseNow(&attached, id, { QStringLiteral("carol@example.com") });
    QVERIFY(!sent);
    QVERIFY2(said.startsWith(QStringLiteral("no relay configured")), qPrintable(said));

    // A Mailpit with relaying enabled (GET /api/v1/webui): Release offered and taken.
    RemoteTestServer mailpit;
    QVERIFY(mailpit.startMailpitDouble(0, RemoteTestServer::Relay::On));
    QVERIFY(storeInDouble(mailpit.apiUrl(), QStringLiteral("Release me too")));
    RemoteMessageStore other(endpointOf(mailpit.apiUrl()));
    QVERIFY2(other.attach(&error), qPrintable(error));
    QCOMPARE(other.features(), RemoteMessageStore::Features(RemoteMessageStore::Feature::Release));
    const QString otherId = listNow(&other).result->messages.value(0).id;
    const auto [released, text] = releaseNow(&other, otherId, { QStringLiteral("dan@example.com") });
    QVERIFY2(released, qPrintable(text));
    QVERIFY2(text.contains(mailpit.apiUrl()), qPrintable(text));
    const RemoteReply log = RemoteHttp::send(
        endpointOf(mailpit.apiUrl()), "GET", QUrl(mailpit.apiUrl() + QStringLiteral("/_test/released")));
    const QJsonArray releases = QJsonDocument::fromJson(log.body).array();
    QCOMPARE(releases.size(), 1);
    QCOMPARE(releases.at(0).toObject().value(QLatin1String("ID")).toString(), otherId);
    QCOMPARE(releases.at(0).toObject().value(QLatin1String("To")).toArray(),
        QJsonArray { QStringLiteral("dan@example.com") });
    // A refusal from the catcher is shown as said.
    const auto [refused, why] = releaseNow(&other, otherId, {});
    QVERIFY(!refused);
    QCOMPARE(why, QStringLiteral("No valid addresses found"));
}

QTEST_GUILESS_MAIN(TestRemoteMessageStore)
#include "tst_remotemessagestore.moc"
