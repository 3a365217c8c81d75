// ApiServer over real HTTP and WebSocket on loopback: every endpoint, its status codes and Mailpit's JSON shapes.
#include <api/apiserver.h>
#include <mailbox/mailboxsettings.h>
#include <message/messageid.h>
#include <store/sqlitemessagestore.h>

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <future>

namespace {
QByteArray load(const char *name)
{
    QFile file(QStringLiteral(LETTERBOX_TEST_DATA "/mime/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("missing fixture %s", name);
    }
    return file.readAll();
}

QByteArray traceFor(const QByteArray &id)
{
    return "Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id " + id
        + "; Wed, 25 Nov 2026 09:00:00 +0000\r\n";
}

IncomingMessage makeMessage(const QByteArray &id, const QByteArray &data, QByteArrayList rcptTo, qint64 receivedMs)
{
    IncomingMessage m;
    m.id = id;
    m.envelope.mailFrom = "bounce@sender.test";
    m.envelope.rcptTo = std::move(rcptTo);
    m.envelope.helo = "client.test";
    m.envelope.esmtp = true;
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.envelope.clientPort = 40001;
    m.receivedMs = receivedMs;
    m.traceHeader = traceFor(id);
    m.data = data;
    m.sessionKey = quint64(receivedMs);
    m.transcript = { { receivedMs - 2, TranscriptEntry::Direction::Out, "220 mx.test ESMTP Letterbox" },
        { receivedMs - 1, TranscriptEntry::Direction::In, "EHLO client.test" } };
    return m;
}

IncomingMessage inMailbox(IncomingMessage message, const QString &mailbox)
{
    message.mailbox = mailbox;
    return message;
}

bool deliver(MessageStore &store, IncomingMessage message)
{
    std::promise<bool> done;
    auto future = done.get_future();
    store.deliver(std::move(message), [&done](const DeliveryResult &r) { done.set_value(r.ok); });
    return future.get();
}

struct Reply
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

const QByteArray PdfBytes("%PDF-1.4\n%fake\n");

// Every byte value once, after a PNG signature: an attachment's bytes must come back identical.
QByteArray binaryBytes()
{
    QByteArray bytes("\x89PNG\r\n\x1a\n", 8);
    for (int i = 0; i < 256; ++i) {
        bytes += char(i);
    }
    return bytes;
}

// The value of the first header field name in a message's header section, unfolded (RFC 5322 §2.2.3).
QByteArray headerField(const QByteArray &raw, const QByteArray &name)
{
    const QByteArray head = raw.left(raw.indexOf("\r\n\r\n") + 2);
    const QList<QByteArray> lines = head.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].toLower().startsWith(name.toLower() + ':')) {
            QByteArray value = lines[i].mid(name.size() + 1).trimmed();
            while (i + 1 < lines.size() && (lines[i + 1].startsWith(' ') || lines[i + 1].startsWith('\t'))) {
                value += ' ' + lines[++i].trimmed();
            }
            return value;
        }
    }
    return QByteArray();
}
} // namespace

class TestApiServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void listsMessagesNewestFirstWithPaging();
    void badPagingIs400();
    void messageHasMailpitFieldsAndMarksRead();
    void listAndMessageDecodeHeadersAlike();
    void latestAndLatestWithQuery();
    void unknownMessageIs404();
    void headersInGoCanonicalForm();
    void rawIsTheStoredSourceStreamed();
    void partsAreDecodedWithTheirType();
    void envelopeAndSessionExtensions();
    void searchEndpoint();
    void deleteBySearch();
    void markReadAndUnread();
    void deleteMessages();
    void infoAndHealth();
    void viewHtmlAndText();
    void unknownPathsAndMethods();
    void eventsFollowTheInbox();
    void statsEventsAreCoalesced();
    void sendStoresEveryField();
    void sendRefusals_data();
    void sendRefusals();
    void sentMessageEnvelopeAndSession();
    void sentMessageIsAnnounced();
    void sendRespectsTheSizeLimit();
    void mailboxesListedInOrderWithCounts();
    void mailboxConfigReadAndReplaced();
    void mailboxConfigRefusesABadField_data();
    void mailboxConfigRefusesABadField();
    void mailboxConfigWithoutSettings();
    void mailboxPrefixLimitsEveryEndpoint_data();
    void mailboxPrefixLimitsEveryEndpoint();
    void mailboxPrefixListsSearchesAndCounts();
    void unknownMailboxIs404_data();
    void unknownMailboxIs404();
    void mailboxPrefixChangesOnlyItsMessages();
    void mailboxDeleteAllAndSearchDeleteStayInside();
    void mailboxEventsAreLimited();
    void sendAtTheRootIsRouted();
    void sendUnderAPrefixStoresIntoThatMailbox();
    void mailboxPrefixKeepsTheHostGuard();
    void refusedSessionsListPagedAndFiltered();
    void refusedSessionOneAndItsData();
    void refusedSessionsAreCleared();

private:
    // Kept by the store (committed): started at startMs, with data refused when not empty.
    QByteArray keepSession(qint64 startMs, const QByteArray &rule, const QByteArray &data = QByteArray());
    Reply request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body = QByteArray());
    QString url(const QString &pathAndQuery) const;
    void deliverFixtures();
    // Shop: two messages (S1 older, S2 newer), billing: one (B1), Inbox: one (I1); mailboxes.json lists shop and
    // billing (recipient routes for @shop.test and @billing.test).
    void deliverIntoMailboxes();
    void useMailboxes(const QByteArray &json);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<MailboxSettings> m_mailboxes;
    std::unique_ptr<ApiServer> m_api;
    std::unique_ptr<QNetworkAccessManager> m_net;
};

void TestApiServer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
    m_api = std::make_unique<ApiServer>(m_store.get());
    QVERIFY2(m_api->listen(QHostAddress::LocalHost, 0), qPrintable(m_api->errorString()));
    QVERIFY(m_api->serverPort() != 0);
    m_net = std::make_unique<QNetworkAccessManager>();
}

void TestApiServer::cleanup()
{
    m_net.reset();
    m_api.reset();
    m_mailboxes.reset();
    m_store.reset();
    m_dir.reset();
}

QString TestApiServer::url(const QString &pathAndQuery) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_api->serverPort()).arg(pathAndQuery);
}

Reply TestApiServer::request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body)
{
    QNetworkRequest req { QUrl(url(pathAndQuery)) };
    if (!body.isEmpty()) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    QNetworkReply *reply = m_net->sendCustomRequest(req, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished()) {
        finished.wait(20000);
    }
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    r.body = reply->readAll();
    reply->deleteLater();
    return r;
}

void TestApiServer::deliverFixtures()
{
    // Oldest first: A (plain), B (alternative), C (attachments), D (related).
    QVERIFY(deliver(*m_store, makeMessage("A", load("plain.eml"), { "bob@example.net" }, 1764000000000)));
    QVERIFY(deliver(*m_store,
        makeMessage("B", load("alternative.eml"), { "bob@example.net", "secret@example.org" }, 1764000001000)));
    QVERIFY(
        deliver(*m_store, makeMessage("C", load("attachment-rfc2231.eml"), { "customer@example.net" }, 1764000002000)));
    QVERIFY(deliver(*m_store, makeMessage("D", load("related-cid.eml"), { "reader@example.net" }, 1764000003000)));
}

void TestApiServer::listsMessagesNewestFirstWithPaging()
{
    deliverFixtures();
    Reply r = request("GET", QStringLiteral("/api/v1/messages"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("application/json"));
    QJsonObject o = r.json();
    QCOMPARE(o[QLatin1String("total")].toInt(), 4);
    QCOMPARE(o[QLatin1String("unread")].toInt(), 4);
    QCOMPARE(o[QLatin1String("count")].toInt(), 4);
    QCOMPARE(o[QLatin1String("messages_count")].toInt(), 4);
    QCOMPARE(o[QLatin1String("start")].toInt(), 0);
    QVERIFY(o[QLatin1String("tags")].isArray());
    const QJsonArray messages = o[QLatin1String("messages")].toArray();
    QCOMPARE(messages.size(), 4);
    QCOMPARE(messages[0][QLatin1String("ID")].toString(), QStringLiteral("D"));
    QCOMPARE(messages[3][QLatin1String("ID")].toString(), QStringLiteral("A"));

    const QJsonObject b = messages[2].toObject();
    QCOMPARE(b[QLatin1String("MessageID")].toString(), QStringLiteral("alt.2@example.fr"));
    QCOMPARE(b[QLatin1String("Read")].toBool(), false);
    QCOMPARE(b[QLatin1String("From")][QLatin1String("Name")].toString(), QStringLiteral("Renée Dupont"));
    QCOMPARE(b[QLatin1String("From")][QLatin1String("Address")].toString(), QStringLiteral("renee@example.fr"));
    QCOMPARE(b[QLatin1String("To")].toArray().size(), 2);
    QCOMPARE(b[QLatin1String("Cc")].toArray().size(), 1);
    QCOMPARE(b[QLatin1String("Bcc")].toArray().size(), 1);
    QCOMPARE(b[QLatin1String("Bcc")][0][QLatin1String("Address")].toString(), QStringLiteral("secret@example.org"));
    QCOMPARE(b[QLatin1String("ReplyTo")][0][QLatin1String("Address")].toString(), QStringLiteral("support@example.fr"));
    QCOMPARE(b[QLatin1String("Subject")].toString(), QStringLiteral("Café meeting ☕"));
    QCOMPARE(b[QLatin1String("Created")].toString(), QStringLiteral("2025-11-24T16:00:01.000Z"));
    QCOMPARE(b[QLatin1String("Username")].toString(), QString());
    QVERIFY(b[QLatin1String("Tags")].isArray());
    QCOMPARE(b[QLatin1String("Size")].toInteger(), traceFor("B").size() + load("alternative.eml").size());
    QCOMPARE(b[QLatin1String("Attachments")].toInt(), 0);
    QCOMPARE(b[QLatin1String("Snippet")].toString(), QStringLiteral("Café at 10? ☕"));
    QCOMPARE(messages[1][QLatin1String("Attachments")].toInt(), 2);
    // Empty lists are [] (never null).
    QVERIFY(messages[0][QLatin1String("Cc")].isArray());

    r = request("GET", QStringLiteral("/api/v1/messages?start=1&limit=2"));
    QCOMPARE(r.status, 200);
    o = r.json();
    QCOMPARE(o[QLatin1String("count")].toInt(), 2);
    QCOMPARE(o[QLatin1String("start")].toInt(), 1);
    QCOMPARE(o[QLatin1String("total")].toInt(), 4);
    QCOMPARE(o[QLatin1String("messages")][0][QLatin1String("ID")].toString(), QStringLiteral("C"));
    QCOMPARE(o[QLatin1String("messages")][1][QLatin1String("ID")].toString(), QStringLiteral("B"));
}

void TestApiServer::badPagingIs400()
{
    for (const char *query : { "start=abc", "limit=-1", "start=1.5" }) {
        const Reply r = request("GET", QStringLiteral("/api/v1/messages?") + QLatin1String(query));
        QCOMPARE(r.status, 400);
        QVERIFY(r.contentType.startsWith("text/plain"));
    }
}

void TestApiServer::messageHasMailpitFieldsAndMarksRead()
{
    deliverFixtures();
    Reply r = request("GET", QStringLiteral("/api/v1/message/C"));
    QCOMPARE(r.status, 200);
    const QJsonObject m = r.json();
    QCOMPARE(m[QLatin1String("ID")].toString(), QStringLiteral("C"));
    QCOMPARE(m[QLatin1String("MessageID")].toString(), QStringLiteral("att.4@example.com"));
    QCOMPARE(m[QLatin1String("ReturnPath")].toString(), QStringLiteral("bounce@sender.test"));
    QCOMPARE(m[QLatin1String("Subject")].toString(), QStringLiteral("Your invoice"));
    QCOMPARE(m[QLatin1String("Date")].toString(), QStringLiteral("2026-03-06T08:00:00.000Z"));
    QCOMPARE(m[QLatin1String("Text")].toString(), QStringLiteral("Invoice attached."));
    QCOMPARE(m[QLatin1String("HTML")].toString(), QString());
    QVERIFY(m[QLatin1String("Inline")].toArray().isEmpty());
    QVERIFY(m[QLatin1String("ListUnsubscribe")].isObject());
    const QJsonArray attachments = m[QLatin1String("Attachments")].toArray();
    QCOMPARE(attachments.size(), 2);
    const QJsonObject pdf = attachments[0].toObject();
    QCOMPARE(pdf[QLatin1String("PartID")].toString(), QStringLiteral("2"));
    QCOMPARE(pdf[QLatin1String("FileName")].toString(), QStringLiteral("€ rates 2026.pdf"));
    QCOMPARE(pdf[QLatin1String("ContentType")].toString(), QStringLiteral("application/pdf"));
    QCOMPARE(pdf[QLatin1String("ContentID")].toString(), QString());
    QCOMPARE(pdf[QLatin1String("Size")].toInt(), PdfBytes.size());
    QCOMPARE(pdf[QLatin1String("Checksums")][QLatin1String("SHA256")].toString(),
        QString::fromLatin1(QCryptographicHash::hash(PdfBytes, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(pdf[QLatin1String("Checksums")][QLatin1String("MD5")].toString(),
        QString::fromLatin1(QCryptographicHash::hash(PdfBytes, QCryptographicHash::Md5).toHex()));

    // Fetching marked it read.
    const QJsonArray list
        = request("GET", QStringLiteral("/api/v1/messages")).json()[QLatin1String("messages")].toArray();
    QCOMPARE(list[1][QLatin1String("ID")].toString(), QStringLiteral("C"));
    QCOMPARE(list[1][QLatin1String("Read")].toBool(), true);
    QCOMPARE(m_store->unreadCount(), 3);

    // List-Unsubscribe as Mailpit splits it.
    const QJsonObject b = request("GET", QStringLiteral("/api/v1/message/B")).json();
    const QJsonObject unsub = b[QLatin1String("ListUnsubscribe")].toObject();
    QCOMPARE(unsub[QLatin1String("Links")].toArray(),
        (QJsonArray {
            QStringLiteral("mailto:unsub@example.fr?subject=stop"), QStringLiteral("https://example.fr/unsub?u=42") }));
    QCOMPARE(unsub[QLatin1String("HeaderPost")].toString(), QStringLiteral("List-Unsubscribe=One-Click"));
    QCOMPARE(unsub[QLatin1String("Errors")].toString(), QString());
    QCOMPARE(b[QLatin1String("HTML")].toString(), QStringLiteral("<p>Café at <b>10</b>? ☕</p>"));
    QCOMPARE(b[QLatin1String("Date")].toString(), QStringLiteral("2026-03-04T09:30:00.000-05:00"));

    const QJsonObject d = request("GET", QStringLiteral("/api/v1/message/D")).json();
    QCOMPARE(d[QLatin1String("Inline")].toArray().size(), 1);
    // A part without a file name is named after its Content-ID, as in Mailpit.
    QCOMPARE(d[QLatin1String("Inline")][0][QLatin1String("FileName")].toString(), QStringLiteral("logo@example.com"));
    QCOMPARE(d[QLatin1String("Inline")][0][QLatin1String("ContentID")].toString(), QStringLiteral("logo@example.com"));
    QCOMPARE(d[QLatin1String("Inline")][0][QLatin1String("PartID")].toString(), QStringLiteral("2.2"));
}

void TestApiServer::listAndMessageDecodeHeadersAlike()
{
    // The summary (made at ingest) and the message (parsed when asked for) decode adjacent base64 encoded-words that
    // end in "=" padding each on their own (RFC 2047 §6.2), as Python's email package does.
    QVERIFY(deliver(
        *m_store, makeMessage("P", load("padded-encoded-words.eml"), { "customer@example.net" }, 1764000000000)));
    const QJsonObject listed
        = request("GET", QStringLiteral("/api/v1/messages")).json()[QLatin1String("messages")][0].toObject();
    const QJsonObject message = request("GET", QStringLiteral("/api/v1/message/P")).json();
    for (const QJsonObject &o : { listed, message }) {
        QCOMPARE(o[QLatin1String("Subject")].toString(), QStringLiteral("Größe Bestellung end"));
        QCOMPARE(o[QLatin1String("From")][QLatin1String("Name")].toString(), QStringLiteral("Jürgen Müller"));
    }
}

void TestApiServer::latestAndLatestWithQuery()
{
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/latest")).status, 404);
    deliverFixtures();
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/latest")).json()[QLatin1String("ID")].toString(),
        QStringLiteral("D"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/latest?query=from%3Arenee"))
                 .json()[QLatin1String("ID")]
                 .toString(),
        QStringLiteral("B"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/latest?query=nomatchatall")).status, 404);
    QCOMPARE(
        request("GET", QStringLiteral("/api/v1/message/latest/raw")).body, traceFor("D") + load("related-cid.eml"));
}

void TestApiServer::unknownMessageIs404()
{
    deliverFixtures();
    for (const char *path : { "/api/v1/message/NOPE", "/api/v1/message/NOPE/headers", "/api/v1/message/NOPE/raw",
             "/api/v1/message/NOPE/part/1", "/api/v1/message/NOPE/envelope", "/api/v1/message/NOPE/session",
             "/view/NOPE.html", "/view/NOPE.txt" }) {
        const Reply r = request("GET", QLatin1String(path));
        QCOMPARE(r.status, 404);
        QVERIFY(r.contentType.startsWith("text/plain"));
        QCOMPARE(r.body, QByteArray("404 page not found\n"));
    }
}

void TestApiServer::headersInGoCanonicalForm()
{
    deliverFixtures();
    const Reply r = request("GET", QStringLiteral("/api/v1/message/B/headers"));
    QCOMPARE(r.status, 200);
    const QJsonObject h = r.json();
    QCOMPARE(h[QLatin1String("Message-Id")].toArray(), QJsonArray { QStringLiteral("<alt.2@example.fr>") });
    QCOMPARE(h[QLatin1String("Mime-Version")].toArray(), QJsonArray { QStringLiteral("1.0") });
    QCOMPARE(h[QLatin1String("Content-Type")].toArray(),
        QJsonArray { QStringLiteral("multipart/alternative; boundary=\"b1\"") });
    QCOMPARE(h[QLatin1String("List-Unsubscribe-Post")].toArray(),
        QJsonArray { QStringLiteral("List-Unsubscribe=One-Click") });
    QVERIFY(h[QLatin1String("Received")].toArray()[0].toString().startsWith(QLatin1String("from client.test")));
    QVERIFY(!h.contains(QLatin1String("MIME-Version")));
    // Values as sent, like Go's net/mail: encoded-words are not decoded.
    QCOMPARE(
        h[QLatin1String("Subject")].toArray(), QJsonArray { QStringLiteral("=?UTF-8?B?Q2Fmw6kgbWVldGluZyDimJU=?=") });
}

void TestApiServer::rawIsTheStoredSourceStreamed()
{
    deliverFixtures();
    Reply r = request("GET", QStringLiteral("/api/v1/message/A/raw"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(r.body, traceFor("A") + load("plain.eml"));

    // A 6 MB message comes back byte for byte.
    QByteArray big = "From: big@example.test\r\nSubject: big\r\n\r\n";
    for (int i = 0; big.size() < 6 * 1024 * 1024; ++i) {
        big += "line " + QByteArray::number(i) + " of a large message body, with some padding text\r\n";
    }
    QVERIFY(deliver(*m_store, makeMessage("BIG", big, { "x@example.test" }, 1764000009000)));
    r = request("GET", QStringLiteral("/api/v1/message/BIG/raw"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), traceFor("BIG").size() + big.size());
    QVERIFY(r.body == traceFor("BIG") + big);
}

void TestApiServer::partsAreDecodedWithTheirType()
{
    deliverFixtures();
    Reply r = request("GET", QStringLiteral("/api/v1/message/C/part/2"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.contentType, QByteArray("application/pdf"));
    QCOMPARE(r.body, PdfBytes);
    r = request("GET", QStringLiteral("/api/v1/message/D/part/2.2"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.contentType, QByteArray("image/png"));
    QVERIFY(r.body.startsWith("\x89PNG"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/D/part/2")).status, 404); // a container
    QCOMPARE(request("GET", QStringLiteral("/api/v1/message/D/part/7")).status, 404);
}

void TestApiServer::envelopeAndSessionExtensions()
{
    deliverFixtures();
    const QJsonObject e = request("GET", QStringLiteral("/api/v1/message/B/envelope")).json();
    QCOMPARE(e[QLatin1String("MailFrom")].toString(), QStringLiteral("bounce@sender.test"));
    QCOMPARE(e[QLatin1String("RcptTo")].toArray(),
        (QJsonArray { QStringLiteral("bob@example.net"), QStringLiteral("secret@example.org") }));
    QCOMPARE(e[QLatin1String("ClientAddress")].toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(e[QLatin1String("ClientPort")].toInt(), 40001);
    QCOMPARE(e[QLatin1String("Helo")].toString(), QStringLiteral("client.test"));
    QCOMPARE(e[QLatin1String("Tls")].toBool(), false);
    QVERIFY(e[QLatin1String("TlsProtocol")].isString());
    QVERIFY(e[QLatin1String("TlsCipher")].isString());
    QCOMPARE(e[QLatin1String("Username")].toString(), QString());
    QCOMPARE(e[QLatin1String("Received")].toString(), QStringLiteral("2025-11-24T16:00:01.000Z"));

    const Reply s = request("GET", QStringLiteral("/api/v1/message/B/session"));
    QCOMPARE(s.status, 200);
    const QJsonArray t = s.json()[QLatin1String("Transcript")].toArray();
    QCOMPARE(t.size(), 2);
    QCOMPARE(t[0][QLatin1String("Direction")].toString(), QStringLiteral("out"));
    QCOMPARE(t[0][QLatin1String("Text")].toString(), QStringLiteral("220 mx.test ESMTP Letterbox"));
    QCOMPARE(t[1][QLatin1String("Time")].toString(), QStringLiteral("2025-11-24T16:00:00.999Z"));
}

void TestApiServer::searchEndpoint()
{
    deliverFixtures();
    QVERIFY(m_store->setRead({ QStringLiteral("A") }, true));
    Reply r = request("GET", QStringLiteral("/api/v1/search?query=bob"));
    QCOMPARE(r.status, 200);
    QJsonObject o = r.json();
    QCOMPARE(o[QLatin1String("messages_count")].toInt(), 2); // A and B (To: Bob)
    QCOMPARE(o[QLatin1String("messages_unread")].toInt(), 1);
    QCOMPARE(o[QLatin1String("total")].toInt(), 4); // mailbox-wide
    QCOMPARE(o[QLatin1String("unread")].toInt(), 3);
    QCOMPARE(o[QLatin1String("messages")][0][QLatin1String("ID")].toString(), QStringLiteral("B"));
    r = request("GET", QStringLiteral("/api/v1/search?query=%22caf%C3%A9%20at%22%20-subject%3Ainvoice&limit=1"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QLatin1String("messages_count")].toInt(), 1);

    // Form encoding, as Go reads it: '+' is a space, %2B a plus.
    QCOMPARE(request("GET", QStringLiteral("/api/v1/search?query=from%3Arenee+is%3Aunread"))
                 .json()[QLatin1String("messages_count")]
                 .toInt(),
        1);
    QCOMPARE(
        request("GET", QStringLiteral("/api/v1/search?query=%2B")).json()[QLatin1String("messages_count")].toInt(), 0);

    r = request("GET", QStringLiteral("/api/v1/search"));
    QCOMPARE(r.status, 400);
    QCOMPARE(r.body, QByteArray("Error: no search query"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/search?query=")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/search?query=x&tz=Not/AZone")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/search?query=x&start=zz")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/search?query=after%3A2000-01-01&tz=Europe/Berlin"))
                 .json()[QLatin1String("messages_count")]
                 .toInt(),
        4);
}

void TestApiServer::deleteBySearch()
{
    deliverFixtures();
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/search")).status, 400);
    const Reply r = request("DELETE", QStringLiteral("/api/v1/search?query=from%3Aexample.com"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(r.body, QByteArray("ok"));
    // A (alice@example.com), C (billing@), D (news@) went; B stayed.
    QCOMPARE(m_store->count(), 1);
    QVERIFY(m_store->message(QStringLiteral("B")));
}

void TestApiServer::markReadAndUnread()
{
    deliverFixtures();
    Reply r = request("PUT", QStringLiteral("/api/v1/messages"), R"({"IDs":["A","B"],"Read":true})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(m_store->unreadCount(), 2);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), R"({"Read":true})").status, 200);
    QCOMPARE(m_store->unreadCount(), 0);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), R"({"Search":"from:renee","Read":false})").status, 200);
    QCOMPARE(m_store->unreadCount(), 1);
    QVERIFY(!m_store->message(QStringLiteral("B"))->summary.read);
    // Read omitted means unread, as in Mailpit.
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), R"({"IDs":["A"]})").status, 200);
    QCOMPARE(m_store->unreadCount(), 2);

    QCOMPARE(
        request("PUT", QStringLiteral("/api/v1/messages"), R"({"IDs":["A"],"Search":"x","Read":true})").status, 400);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), "{not json").status, 400);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), R"({"IDs":"A"})").status, 400);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/messages"), R"({"Read":"yes"})").status, 400);
}

void TestApiServer::deleteMessages()
{
    deliverFixtures();
    Reply r = request("DELETE", QStringLiteral("/api/v1/messages"), R"({"IDs":["A","C"]})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QCOMPARE(m_store->count(), 2);
    QVERIFY(!m_store->message(QStringLiteral("A")));
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/messages"), "[1,2]").status, 400);
    // No body: everything.
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/messages")).status, 200);
    QCOMPARE(m_store->count(), 0);
    QVERIFY(deliver(*m_store, makeMessage("E", load("plain.eml"), { "bob@example.net" }, 1764000005000)));
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/messages"), R"({"IDs":[]})").status, 200);
    QCOMPARE(m_store->count(), 0);
}

void TestApiServer::infoAndHealth()
{
    deliverFixtures();
    const Reply r = request("GET", QStringLiteral("/api/v1/info"));
    QCOMPARE(r.status, 200);
    const QJsonObject o = r.json();
    QCOMPARE(o[QLatin1String("Messages")].toInt(), 4);
    QCOMPARE(o[QLatin1String("Unread")].toInt(), 4);
    QCOMPARE(o[QLatin1String("Database")].toString(), m_store->databasePath());
    QVERIFY(o[QLatin1String("DatabaseSize")].toDouble() > 0);
    QVERIFY(o[QLatin1String("Version")].toString().startsWith(QLatin1Char('v')));
    QVERIFY(o[QLatin1String("Tags")].isObject());
    const QJsonObject stats = o[QLatin1String("RuntimeStats")].toObject();
    for (const char *key :
        { "Memory", "MessagesDeleted", "SMTPAccepted", "SMTPAcceptedSize", "SMTPRejected", "SMTPIgnored", "Uptime" }) {
        QVERIFY2(stats.contains(QLatin1String(key)), key);
    }
    QVERIFY(stats[QLatin1String("Memory")].toDouble() > 0);
    QCOMPARE(request("GET", QStringLiteral("/livez")).status, 200);
    QCOMPARE(request("GET", QStringLiteral("/readyz")).status, 200);
}

void TestApiServer::viewHtmlAndText()
{
    deliverFixtures();
    Reply r = request("GET", QStringLiteral("/view/B.html"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("text/html"));
    QCOMPARE(QString::fromUtf8(r.body), QStringLiteral("<p>Café at <b>10</b>? ☕</p>"));
    r = request("GET", QStringLiteral("/view/B.txt"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(QString::fromUtf8(r.body), QStringLiteral("Café at 10? ☕"));
    QCOMPARE(request("GET", QStringLiteral("/view/A.html")).status, 404); // no HTML part
    QCOMPARE(request("GET", QStringLiteral("/view/latest.txt")).body, QByteArray("Our logo is attached inline."));
    QCOMPARE(request("GET", QStringLiteral("/view/B.pdf")).status, 404);
}

void TestApiServer::unknownPathsAndMethods()
{
    for (const char *path :
        { "/", "/api", "/api/v1", "/api/v1/nothing", "/api/v2/messages", "/api/v1/message/A/what" }) {
        const Reply r = request("GET", QLatin1String(path));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("404 page not found\n"));
    }
    QCOMPARE(request("POST", QStringLiteral("/api/v1/messages"), "{}").status, 405);
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/info"), "{}").status, 405);
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/message/latest")).status, 405);
}

void TestApiServer::eventsFollowTheInbox()
{
    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    QList<QJsonObject> frames;
    connect(&socket, &QWebSocket::textMessageReceived, this,
        [&frames](const QString &text) { frames << QJsonDocument::fromJson(text.toUtf8()).object(); });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 1);

    const auto ofType = [&frames](const char *type) {
        QList<QJsonObject> out;
        for (const QJsonObject &f : frames) {
            if (f[QLatin1String("Type")].toString() == QLatin1String(type)) {
                out << f;
            }
        }
        return out;
    };
    QVERIFY(deliver(*m_store, makeMessage("N1", load("alternative.eml"), { "bob@example.net" }, 1764000000000)));
    QTRY_COMPARE(ofType("new").size(), 1);
    const QJsonObject data = ofType("new")[0][QLatin1String("Data")].toObject();
    QCOMPARE(data[QLatin1String("ID")].toString(), QStringLiteral("N1"));
    QCOMPARE(data[QLatin1String("Subject")].toString(), QStringLiteral("Café meeting ☕"));
    QTRY_VERIFY(!ofType("stats").isEmpty());
    const QJsonObject stats = ofType("stats").last()[QLatin1String("Data")].toObject();
    QCOMPARE(stats[QLatin1String("Total")].toInt(), 1);
    QCOMPARE(stats[QLatin1String("Unread")].toInt(), 1);
    QVERIFY(stats.contains(QLatin1String("Version")));

    QVERIFY(m_store->setRead({ QStringLiteral("N1") }, true));
    QTRY_COMPARE(ofType("update").size(), 1);
    QCOMPARE(ofType("update")[0][QLatin1String("Data")].toObject(),
        (QJsonObject { { QStringLiteral("ID"), QStringLiteral("N1") }, { QStringLiteral("Read"), true } }));
    // Mailpit tells a change of tags as an update with the message's tags; Letterbox tells pinning the same way.
    QVERIFY(m_store->setTags({ QStringLiteral("N1") }, { QStringLiteral("beta"), QStringLiteral("alpha") }));
    QTRY_COMPARE(ofType("update").size(), 2);
    QCOMPARE(ofType("update")[1][QLatin1String("Data")].toObject(),
        (QJsonObject { { QStringLiteral("ID"), QStringLiteral("N1") },
            { QStringLiteral("Tags"), QJsonArray { QStringLiteral("alpha"), QStringLiteral("beta") } } }));
    QVERIFY(m_store->setPinned({ QStringLiteral("N1") }, true));
    QTRY_COMPARE(ofType("update").size(), 3);
    QCOMPARE(ofType("update")[2][QLatin1String("Data")].toObject(),
        (QJsonObject { { QStringLiteral("ID"), QStringLiteral("N1") }, { QStringLiteral("Pinned"), true } }));

    QVERIFY(m_store->remove({ QStringLiteral("N1") }));
    QTRY_COMPARE(ofType("delete").size(), 1);
    QCOMPARE(ofType("delete")[0][QLatin1String("Data")].toObject(),
        (QJsonObject { { QStringLiteral("ID"), QStringLiteral("N1") } }));

    QVERIFY(deliver(*m_store, makeMessage("N2", load("plain.eml"), { "bob@example.net" }, 1764000001000)));
    QVERIFY(m_store->removeAll());
    QTRY_COMPARE(ofType("truncate").size(), 1);
    QVERIFY(ofType("truncate")[0][QLatin1String("Data")].isNull());

    m_store->setMaxMessages(1);
    QVERIFY(deliver(*m_store, makeMessage("P1", load("plain.eml"), { "bob@example.net" }, 1764000002000)));
    QVERIFY(deliver(*m_store, makeMessage("P2", load("plain.eml"), { "bob@example.net" }, 1764000003000)));
    QTRY_COMPARE(ofType("prune").size(), 1);
    QTRY_COMPARE(ofType("stats").last()[QLatin1String("Data")][QLatin1String("Total")].toInt(), 1);

    // A page from another site may not listen in (cross-site WebSocket hijacking).
    QWebSocket foreign(QStringLiteral("https://evil.example"));
    QSignalSpy foreignClosed(&foreign, &QWebSocket::disconnected);
    foreign.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(foreignClosed.wait(10000));
    QWebSocket local(QStringLiteral("http://localhost:3000"));
    QSignalSpy localConnected(&local, &QWebSocket::connected);
    local.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(localConnected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 2);
    // A page served under a name given with --api-host may listen, as it may call the rest of the API.
    m_api->setAllowedHosts({ QStringLiteral("catcher.example") });
    QWebSocket named(QStringLiteral("https://catcher.example"));
    QSignalSpy namedConnected(&named, &QWebSocket::connected);
    named.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(namedConnected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 3);
    m_api->setAllowedHosts({});

    // Any other WebSocket path is refused.
    QWebSocket other;
    QSignalSpy closed(&other, &QWebSocket::disconnected);
    other.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/elsewhere").arg(m_api->serverPort())));
    QVERIFY(closed.wait(10000));
}

void TestApiServer::statsEventsAreCoalesced()
{
    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    int news = 0;
    int stats = 0;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        const QString type = QJsonDocument::fromJson(text.toUtf8()).object()[QLatin1String("Type")].toString();
        news += type == QLatin1String("new");
        stats += type == QLatin1String("stats");
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 1);
    QElapsedTimer timer;
    timer.start();
    constexpr int Burst = 300;
    std::vector<std::future<bool>> results;
    for (int i = 0; i < Burst; ++i) {
        auto promise = std::make_shared<std::promise<bool>>();
        results.push_back(promise->get_future());
        m_store->deliver(
            makeMessage("S" + QByteArray::number(i), load("plain.eml"), { "bob@example.net" }, 1764000000000 + i),
            [promise](const DeliveryResult &r) { promise->set_value(r.ok); });
    }
    for (auto &r : results) {
        QVERIFY(r.get());
    }
    QTRY_COMPARE_WITH_TIMEOUT(news, Burst, 20000);
    QTest::qWait(400);
    // Every message is announced, but counts at most four times a second (plus the one in flight).
    QVERIFY2(stats <= timer.elapsed() / 250 + 2,
        qPrintable(QStringLiteral("%1 stats events in %2 ms").arg(stats).arg(timer.elapsed())));
    QVERIFY(stats >= 1);
}

void TestApiServer::sendStoresEveryField()
{
    const QJsonObject request {
        { QStringLiteral("From"),
            QJsonObject { { QStringLiteral("Email"), QStringLiteral("ada@example.test") },
                { QStringLiteral("Name"), QStringLiteral("Ada Lovelace") } } },
        { QStringLiteral("To"),
            QJsonArray { QJsonObject { { QStringLiteral("Email"), QStringLiteral("bob@example.test") },
                             { QStringLiteral("Name"), QStringLiteral("Bøb") } },
                QJsonObject { { QStringLiteral("Email"), QStringLiteral("team@example.test") } } } },
        { QStringLiteral("Cc"),
            QJsonArray { QJsonObject { { QStringLiteral("Email"), QStringLiteral("carol@example.test") } } } },
        { QStringLiteral("Bcc"), QJsonArray { QStringLiteral("audit@example.test") } },
        { QStringLiteral("ReplyTo"),
            QJsonArray { QJsonObject { { QStringLiteral("Email"), QStringLiteral("help@example.test") } } } },
        { QStringLiteral("Subject"), QStringLiteral("Grüße: report ☕") },
        { QStringLiteral("Text"), QStringLiteral("Hello Bob") },
        { QStringLiteral("HTML"), QStringLiteral("<p>Hello <b>Bob</b> <img src=\"cid:logo\"></p>") },
        { QStringLiteral("Headers"), QJsonObject { { QStringLiteral("X-Campaign"), QStringLiteral("spring") } } },
        { QStringLiteral("Tags"), QJsonArray { QStringLiteral("alpha"), QStringLiteral("beta") } },
        { QStringLiteral("Attachments"),
            QJsonArray { QJsonObject { { QStringLiteral("Content"), QString::fromLatin1(binaryBytes().toBase64()) },
                             { QStringLiteral("Filename"), QStringLiteral("blob.bin") },
                             { QStringLiteral("ContentType"), QStringLiteral("application/octet-stream") } },
                QJsonObject { { QStringLiteral("Content"),
                                  QStringLiteral("data:image/png;base64,") + QString::fromLatin1(PdfBytes.toBase64()) },
                    { QStringLiteral("Filename"), QStringLiteral("logo.png") },
                    { QStringLiteral("ContentType"), QStringLiteral("image/png") },
                    { QStringLiteral("ContentID"), QStringLiteral("logo") } } } },
    };
    m_api->setHostname("mx.test");
    const Reply r = this->request("POST", QStringLiteral("/api/v1/send"), QJsonDocument(request).toJson());
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("application/json"));
    const QString id = r.json()[QLatin1String("ID")].toString();
    QCOMPARE(id.size(), 22);
    QCOMPARE(m_store->count(), 1);

    const QByteArray raw = this->request("GET", QStringLiteral("/api/v1/message/%1/raw").arg(id)).body;
    // CONTRACT "Stored message": one trace header first; HTTP is the IANA mail transmission type of the API.
    QVERIFY2(
        raw.startsWith("Received: from api ([127.0.0.1]) by mx.test (Letterbox) with HTTP id " + id.toLatin1() + "; "),
        raw.left(200).constData());
    // RFC 5322 §3.6.3: Bcc is in the envelope only.
    QVERIFY(!raw.contains("audit@example.test"));
    QVERIFY(headerField(raw, "Bcc").isEmpty());
    QCOMPARE(headerField(raw, "MIME-Version"), QByteArray("1.0"));
    QVERIFY(!headerField(raw, "Date").isEmpty());
    QCOMPARE(headerField(raw, "Message-ID"), "<" + id.toLatin1() + "@mx.test>");
    QCOMPARE(headerField(raw, "X-Campaign"), QByteArray("spring"));
    QCOMPARE(headerField(raw, "X-Tags"), QByteArray("alpha, beta"));
    // RFC 2047: the non-ASCII subject and name are encoded words; the whole message is ASCII.
    QVERIFY(headerField(raw, "Subject").startsWith("=?"));
    QVERIFY(headerField(raw, "To").contains("=?"));
    for (const char c : raw) {
        QVERIFY(static_cast<unsigned char>(c) < 0x80);
    }

    const QJsonObject m = this->request("GET", QStringLiteral("/api/v1/message/%1").arg(id)).json();
    QCOMPARE(m[QLatin1String("Subject")].toString(), QStringLiteral("Grüße: report ☕"));
    QCOMPARE(m[QLatin1String("From")].toObject(),
        (QJsonObject { { QStringLiteral("Name"), QStringLiteral("Ada Lovelace") },
            { QStringLiteral("Address"), QStringLiteral("ada@example.test") } }));
    QCOMPARE(m[QLatin1String("To")].toArray().size(), 2);
    QCOMPARE(m[QLatin1String("To")][0][QLatin1String("Name")].toString(), QStringLiteral("Bøb"));
    QCOMPARE(m[QLatin1String("Cc")][0][QLatin1String("Address")].toString(), QStringLiteral("carol@example.test"));
    // CONTRACT "Stored message": Bcc lists the envelope recipients in neither To nor Cc.
    QCOMPARE(m[QLatin1String("Bcc")][0][QLatin1String("Address")].toString(), QStringLiteral("audit@example.test"));
    QCOMPARE(m[QLatin1String("ReplyTo")][0][QLatin1String("Address")].toString(), QStringLiteral("help@example.test"));
    QCOMPARE(m[QLatin1String("ReturnPath")].toString(), QStringLiteral("ada@example.test"));
    QCOMPARE(m[QLatin1String("Text")].toString().trimmed(), QStringLiteral("Hello Bob"));
    QVERIFY(m[QLatin1String("HTML")].toString().contains(QLatin1String("<b>Bob</b>")));
    const QJsonArray attachments = m[QLatin1String("Attachments")].toArray();
    QCOMPARE(attachments.size(), 1);
    QCOMPARE(attachments[0][QLatin1String("FileName")].toString(), QStringLiteral("blob.bin"));
    const QJsonArray inlines = m[QLatin1String("Inline")].toArray();
    QCOMPARE(inlines.size(), 1);
    QCOMPARE(inlines[0][QLatin1String("ContentID")].toString(), QStringLiteral("logo"));
    const Reply blob = this->request("GET",
        QStringLiteral("/api/v1/message/%1/part/%2").arg(id, attachments[0][QLatin1String("PartID")].toString()));
    QCOMPARE(blob.body, binaryBytes());
    const Reply logo = this->request(
        "GET", QStringLiteral("/api/v1/message/%1/part/%2").arg(id, inlines[0][QLatin1String("PartID")].toString()));
    QCOMPARE(logo.body, PdfBytes);
    const QJsonObject headers = this->request("GET", QStringLiteral("/api/v1/message/%1/headers").arg(id)).json();
    QCOMPARE(headers[QLatin1String("X-Tags")].toArray(), QJsonArray { QStringLiteral("alpha, beta") });
}

void TestApiServer::sendRefusals_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    const QByteArray from = R"({"From": {"Email": "ada@example.test"}, )";
    const QByteArray to = R"("To": [{"Email": "bob@example.test"}])";
    QTest::newRow("no From") << QByteArray(R"({"To": [{"Email": "bob@example.test"}], "Subject": "x"})")
                             << QStringLiteral("From address is required");
    QTest::newRow("a From without an address")
        << QByteArray(R"({"From": {"Name": "Ada"}, )" + to + "}") << QStringLiteral("From address is required");
    QTest::newRow("a bad To address") << QByteArray(from + R"("To": [{"Email": "bob"}]})")
                                      << QStringLiteral("invalid To address: bob");
    QTest::newRow("no recipient") << QByteArray(R"({"From": {"Email": "ada@example.test"}})")
                                  << QStringLiteral("no recipients (To, Cc, Bcc)");
    QTest::newRow("an attachment that is not base64")
        << QByteArray(from + to + R"(, "Attachments": [{"Filename": "a.txt", "Content": "not base64!"}]})")
        << QStringLiteral("error decoding base64 attachment \"a.txt\"");
    QTest::newRow("base64 without its padding")
        << QByteArray(from + to + R"(, "Attachments": [{"Filename": "a.txt", "Content": "YWJjZA"}]})")
        << QStringLiteral("error decoding base64 attachment \"a.txt\"");
    QTest::newRow("a Subject that is a number")
        << QByteArray(from + to + R"(, "Subject": 42})") << QStringLiteral("Subject: expected a string");
    QTest::newRow("To that is a number") << QByteArray(
        from + R"("To": 7})") << QStringLiteral("To: expected an address ({\"Email\", \"Name\"} or a string)");
    QTest::newRow("Headers that are a list") << QByteArray(from + to + R"(, "Headers": ["X-A"]})")
                                             << QStringLiteral("Headers: expected an object of header names to values");
    QTest::newRow("a header value that is a number")
        << QByteArray(from + to + R"(, "Headers": {"X-A": 1}})") << QStringLiteral("Headers.X-A: expected a string");
    QTest::newRow("Tags that are a string")
        << QByteArray(from + to + R"(, "Tags": "a"})") << QStringLiteral("Tags: expected an array of strings");
    QTest::newRow("overwriting a header the message has (Mailpit's restricted headers)") << QByteArray(
        from + to + R"(, "Headers": {"Subject": "x"}})") << QStringLiteral("cannot overwrite header: \"Subject\"");
    QTest::newRow("a body that is no JSON object") << QByteArray("[1, 2]") << QStringLiteral("expected a JSON object");
}

void TestApiServer::sendRefusals()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    const Reply r = request("POST", QStringLiteral("/api/v1/send"), body);
    QCOMPARE(r.status, 400);
    // Mailpit's send API: the one JSON error body ({"Error": "…"}); every other error is text/plain.
    QVERIFY(r.contentType.startsWith("application/json"));
    QCOMPARE(r.json()[QLatin1String("Error")].toString(), error);
    QCOMPARE(m_store->count(), 0);
}

void TestApiServer::sentMessageEnvelopeAndSession()
{
    const Reply r = request("POST", QStringLiteral("/api/v1/send"),
        R"({"From": {"Email": "ada@example.test"}, "To": [{"Email": "bob@example.test"}],
            "Cc": [{"Email": "carol@example.test"}], "Bcc": ["audit@example.test"], "Subject": "Hi", "Text": "x"})");
    QCOMPARE(r.status, 200);
    const QString id = r.json()[QLatin1String("ID")].toString();
    // CONTRACT "Extensions' JSON": MailFrom is the From address, RcptTo To + Cc + Bcc, ClientAddress the caller,
    // Helo "api", an empty Transcript.
    const QJsonObject e = request("GET", QStringLiteral("/api/v1/message/%1/envelope").arg(id)).json();
    QCOMPARE(e[QLatin1String("MailFrom")].toString(), QStringLiteral("ada@example.test"));
    QCOMPARE(e[QLatin1String("RcptTo")].toArray(),
        (QJsonArray { QStringLiteral("bob@example.test"), QStringLiteral("carol@example.test"),
            QStringLiteral("audit@example.test") }));
    QCOMPARE(e[QLatin1String("ClientAddress")].toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(e[QLatin1String("Helo")].toString(), QStringLiteral("api"));
    QCOMPARE(e[QLatin1String("Tls")].toBool(), false);
    QCOMPARE(e[QLatin1String("Username")].toString(), QString());
    const Reply s = request("GET", QStringLiteral("/api/v1/message/%1/session").arg(id));
    QCOMPARE(s.status, 200);
    QCOMPARE(s.json()[QLatin1String("Transcript")].toArray(), QJsonArray());
    // Only POST sends.
    QCOMPARE(request("GET", QStringLiteral("/api/v1/send")).status, 405);
}

void TestApiServer::sentMessageIsAnnounced()
{
    QWebSocket socket;
    QSignalSpy connected(&socket, &QWebSocket::connected);
    QList<QJsonObject> frames;
    connect(&socket, &QWebSocket::textMessageReceived, this, [&frames](const QString &text) {
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        if (frame[QLatin1String("Type")].toString() == QLatin1String("new")) {
            frames << frame;
        }
    });
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/events").arg(m_api->serverPort())));
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(m_api->eventClientCount(), 1);
    const Reply r = request("POST", QStringLiteral("/api/v1/send"),
        R"({"From": {"Email": "ada@example.test"}, "To": [{"Email": "bob@example.test"}], "Subject": "Fresh"})");
    QCOMPARE(r.status, 200);
    QTRY_COMPARE(frames.size(), 1);
    const QJsonObject data = frames[0][QLatin1String("Data")].toObject();
    QCOMPARE(data[QLatin1String("ID")].toString(), r.json()[QLatin1String("ID")].toString());
    QCOMPARE(data[QLatin1String("Subject")].toString(), QStringLiteral("Fresh"));
    // At once in the list too.
    QCOMPARE(request("GET", QStringLiteral("/api/v1/messages")).json()[QLatin1String("total")].toInt(), 1);
}

void TestApiServer::sendRespectsTheSizeLimit()
{
    // --max-message-size applies to a sent message as to an SMTP one: the built message, and before that the body.
    m_api->setMaxMessageSize(4096);
    const QByteArray head = R"({"From": {"Email": "ada@example.test"}, "To": [{"Email": "bob@example.test"}], )";
    Reply r = request("POST", QStringLiteral("/api/v1/send"),
        head + R"("Attachments": [{"Filename": "a.bin", "Content": ")" + QByteArray(6000, 'x').toBase64() + "\"}]}");
    QCOMPARE(r.status, 400);
    QVERIFY2(r.json()[QLatin1String("Error")].toString().contains(QLatin1String("exceeds the limit of 4096 bytes")),
        r.body.constData());
    r = request("POST", QStringLiteral("/api/v1/send"), head + R"("Text": "small"})");
    QCOMPARE(r.status, 200);
    // A body far beyond what base64 of the limit can need is refused before it is read (413).
    r = request(
        "POST", QStringLiteral("/api/v1/send"), head + R"("Text": ")" + QByteArray(8 * 1024 * 1024, 'y') + "\"}");
    QCOMPARE(r.status, 413);
    QCOMPARE(m_store->count(), 1);
}

namespace {
const QByteArray ShopAndBilling = R"({"version": 1, "perUser": false, "mailboxes": [
    {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
    {"name": "billing", "routes": [{"recipient": "*@billing.test"}]}]})";

QStringList idsOf(const QJsonObject &list)
{
    QStringList ids;
    for (const QJsonValue &m : list[QLatin1String("messages")].toArray()) {
        ids << m[QLatin1String("ID")].toString();
    }
    return ids;
}

QJsonObject mailboxEntry(const QString &name, int total, int unread)
{
    return QJsonObject { { QStringLiteral("Name"), name }, { QStringLiteral("Total"), total },
        { QStringLiteral("Unread"), unread } };
}

QByteArray sendBody(const QStringList &to, const QString &subject)
{
    QJsonArray recipients;
    for (const QString &address : to) {
        recipients.append(QJsonObject { { QStringLiteral("Email"), address } });
    }
    return QJsonDocument(
        QJsonObject {
            { QStringLiteral("From"), QJsonObject { { QStringLiteral("Email"), QStringLiteral("ada@example.test") } } },
            { QStringLiteral("To"), recipients }, { QStringLiteral("Subject"), subject },
            { QStringLiteral("Text"), QStringLiteral("hello") } })
        .toJson(QJsonDocument::Compact);
}
} // namespace

void TestApiServer::useMailboxes(const QByteArray &json)
{
    const QString path = m_dir->filePath(QStringLiteral("mailboxes.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(json);
    file.close();
    m_mailboxes = std::make_unique<MailboxSettings>(path);
    QString error;
    QVERIFY2(m_mailboxes->load(true, &error), qPrintable(error));
    m_api->setMailboxes(m_mailboxes.get());
}

void TestApiServer::deliverIntoMailboxes()
{
    useMailboxes(ShopAndBilling);
    QVERIFY(deliver(*m_store,
        inMailbox(
            makeMessage("S1", load("plain.eml"), { "orders@shop.test" }, 1764000000000), QStringLiteral("shop"))));
    QVERIFY(deliver(*m_store,
        inMailbox(makeMessage("B1", load("plain.eml"), { "invoices@billing.test" }, 1764000001000),
            QStringLiteral("billing"))));
    QVERIFY(deliver(*m_store, makeMessage("I1", load("plain.eml"), { "bob@example.net" }, 1764000002000)));
    QVERIFY(deliver(*m_store,
        inMailbox(makeMessage("S2", load("alternative.eml"), { "orders@shop.test" }, 1764000003000),
            QStringLiteral("shop"))));
}

void TestApiServer::mailboxesListedInOrderWithCounts()
{
    // CONTRACT "Mailboxes": Inbox first, then the file's mailboxes in its order (none of its messages yet: 0), then
    // those only the store knows (a per-user mailbox, one taken out of the file) in the order they were made.
    useMailboxes(R"({"version": 1, "mailboxes": [{"name": "shop", "routes": []}, {"name": "billing", "routes": []},
        {"name": "empty", "routes": []}]})");
    QVERIFY(deliver(*m_store, inMailbox(makeMessage("J1", load("plain.eml"), {}, 1764000000000), u"jane"_qs)));
    QVERIFY(deliver(*m_store, inMailbox(makeMessage("B1", load("plain.eml"), {}, 1764000001000), u"BILLING"_qs)));
    QVERIFY(deliver(*m_store, inMailbox(makeMessage("B2", load("plain.eml"), {}, 1764000002000), u"billing"_qs)));
    QVERIFY(deliver(*m_store, inMailbox(makeMessage("O1", load("plain.eml"), {}, 1764000003000), u"old"_qs)));
    QVERIFY(deliver(*m_store, inMailbox(makeMessage("S1", load("plain.eml"), {}, 1764000004000), u"shop"_qs)));
    QVERIFY(deliver(*m_store, makeMessage("I1", load("plain.eml"), {}, 1764000005000)));
    QVERIFY(deliver(*m_store, makeMessage("I2", load("plain.eml"), {}, 1764000006000)));
    QVERIFY(m_store->setRead({ QStringLiteral("B1"), QStringLiteral("I2") }, true));

    const Reply r = request("GET", QStringLiteral("/api/v1/mailboxes"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("application/json"));
    const QJsonArray expected { mailboxEntry(u"Inbox"_qs, 2, 1), mailboxEntry(u"shop"_qs, 1, 1),
        mailboxEntry(u"billing"_qs, 2, 1), mailboxEntry(u"empty"_qs, 0, 0), mailboxEntry(u"jane"_qs, 1, 1),
        mailboxEntry(u"old"_qs, 1, 1) };
    QCOMPARE(QJsonDocument::fromJson(r.body).array(), expected);
    // The same list under any mailbox's prefix: the mailboxes are the catcher's.
    QCOMPARE(QJsonDocument::fromJson(request("GET", QStringLiteral("/mailbox/shop/api/v1/mailboxes")).body).array(),
        expected);
    QCOMPARE(request("POST", QStringLiteral("/api/v1/mailboxes"), "{}").status, 405);
}

void TestApiServer::mailboxConfigReadAndReplaced()
{
    useMailboxes(ShopAndBilling);
    Reply r = request("GET", QStringLiteral("/api/v1/mailboxes/config"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.contentType.startsWith("application/json"));
    QCOMPARE(QJsonDocument::fromJson(r.body).object(), QJsonDocument::fromJson(ShopAndBilling).object());

    // Replaced whole, saved where it came from, answered as GET answers it, and applied to the next message.
    const QByteArray next = R"({"version": 1, "perUser": true, "mailboxes": [
        {"name": "crm", "routes": [{"recipient": "*@crm.test"}, {"client": "10.0.0.0/8"}]}]})";
    r = request("PUT", QStringLiteral("/api/v1/mailboxes/config"), next);
    QCOMPARE(r.status, 200);
    QCOMPARE(QJsonDocument::fromJson(r.body).object(), QJsonDocument::fromJson(next).object());
    QFile file(m_dir->filePath(QStringLiteral("mailboxes.json")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(file.readAll()).object(), QJsonDocument::fromJson(next).object());
    QCOMPARE(QJsonDocument::fromJson(request("GET", QStringLiteral("/api/v1/mailboxes/config")).body).object(),
        QJsonDocument::fromJson(next).object());

    r = request("POST", QStringLiteral("/api/v1/send"), sendBody({ u"lead@crm.test"_qs }, u"to crm"_qs));
    QCOMPARE(r.status, 200);
    QCOMPARE(m_store->summary(r.json()[QLatin1String("ID")].toString())->mailbox, QStringLiteral("crm"));
    r = request("POST", QStringLiteral("/api/v1/send"), sendBody({ u"orders@shop.test"_qs }, u"no more shop"_qs));
    QCOMPARE(m_store->summary(r.json()[QLatin1String("ID")].toString())->mailbox, QStringLiteral("Inbox"));
}

void TestApiServer::mailboxConfigRefusesABadField_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("a client route that is no cidr")
        << QByteArray(R"({"version": 1, "mailboxes": [{"name": "shop", "routes": [{"client": "nonsense"}]}]})")
        << u"mailboxes[0].routes[0].client"_qs;
    QTest::newRow("a name with a space") << QByteArray(
        R"({"version": 1, "mailboxes": [{"name": "my shop", "routes": []}]})")
                                         << u"mailboxes[0].name"_qs;
    QTest::newRow("another version") << QByteArray(R"({"version": 2, "mailboxes": []})") << u"version"_qs;
    QTest::newRow("perUser that is no boolean") << QByteArray(R"({"version": 1, "perUser": "yes"})") << u"perUser"_qs;
}

void TestApiServer::mailboxConfigRefusesABadField()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    useMailboxes(ShopAndBilling);
    const Reply r = request("PUT", QStringLiteral("/api/v1/mailboxes/config"), body);
    QCOMPARE(r.status, 400);
    QVERIFY(r.contentType.startsWith("text/plain"));
    // CONTRACT: "400 naming the field", as PUT /api/v1/rules: "LINE: field: problem".
    QVERIFY2(
        QString::fromUtf8(r.body).contains(QStringLiteral(": ") + field + QStringLiteral(": ")), r.body.constData());
    // Nothing changed: neither the configuration in use nor the file.
    QCOMPARE(QJsonDocument::fromJson(request("GET", QStringLiteral("/api/v1/mailboxes/config")).body).object(),
        QJsonDocument::fromJson(ShopAndBilling).object());
    QFile file(m_dir->filePath(QStringLiteral("mailboxes.json")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), ShopAndBilling);
}

void TestApiServer::mailboxConfigWithoutSettings()
{
    // No mailboxes configuration given to the API: everything is Inbox's, the configuration is the empty one and
    // cannot be replaced here.
    Reply r = request("GET", QStringLiteral("/api/v1/mailboxes/config"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json(),
        (QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("perUser"), false },
            { QStringLiteral("mailboxes"), QJsonArray() } }));
    r = request("PUT", QStringLiteral("/api/v1/mailboxes/config"), ShopAndBilling);
    QCOMPARE(r.status, 400);
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(QJsonDocument::fromJson(request("GET", QStringLiteral("/api/v1/mailboxes")).body).array(),
        QJsonArray { mailboxEntry(u"Inbox"_qs, 0, 0) });
}

void TestApiServer::mailboxPrefixLimitsEveryEndpoint_data()
{
    // Every message endpoint under /mailbox/shop: shop's message S2 is there, billing's B1 is not (404).
    QTest::addColumn<QString>("endpoint");
    QTest::newRow("message") << u"/api/v1/message/%1"_qs;
    QTest::newRow("headers") << u"/api/v1/message/%1/headers"_qs;
    QTest::newRow("raw") << u"/api/v1/message/%1/raw"_qs;
    QTest::newRow("part") << u"/api/v1/message/%1/part/1"_qs;
    QTest::newRow("envelope") << u"/api/v1/message/%1/envelope"_qs;
    QTest::newRow("session") << u"/api/v1/message/%1/session"_qs;
    QTest::newRow("relay log") << u"/api/v1/message/%1/relay"_qs;
    QTest::newRow("view as text") << u"/view/%1.txt"_qs;
    QTest::newRow("view as HTML") << u"/view/%1.html"_qs;
}

void TestApiServer::mailboxPrefixLimitsEveryEndpoint()
{
    QFETCH(QString, endpoint);
    deliverIntoMailboxes();
    QCOMPARE(request("GET", u"/mailbox/shop"_qs + endpoint.arg(u"S2"_qs)).status, 200);
    QCOMPARE(request("GET", u"/mailbox/shop"_qs + endpoint.arg(u"B1"_qs)).status, 404);
    QCOMPARE(request("GET", u"/mailbox/billing"_qs + endpoint.arg(u"S2"_qs)).status, 404);
    // At the root every mailbox's message is there.
    QCOMPARE(request("GET", endpoint.arg(u"B1"_qs)).status, endpoint.endsWith(u".html") ? 404 : 200);
    QCOMPARE(request("GET", endpoint.arg(u"S2"_qs)).status, 200);
}

void TestApiServer::mailboxPrefixListsSearchesAndCounts()
{
    deliverIntoMailboxes();
    Reply r = request("GET", QStringLiteral("/mailbox/shop/api/v1/messages"));
    QCOMPARE(r.status, 200);
    QJsonObject o = r.json();
    QCOMPARE(idsOf(o), (QStringList { u"S2"_qs, u"S1"_qs }));
    QCOMPARE(o[QLatin1String("total")].toInt(), 2);
    QCOMPARE(o[QLatin1String("unread")].toInt(), 2);
    QCOMPARE(o[QLatin1String("messages_count")].toInt(), 2);
    QCOMPARE(o[QLatin1String("messages")][0][QLatin1String("Mailbox")].toString(), u"shop"_qs);
    // Names are case-insensitive.
    QCOMPARE(idsOf(request("GET", QStringLiteral("/mailbox/SHOP/api/v1/messages?start=1&limit=1")).json()),
        QStringList { u"S1"_qs });
    QCOMPARE(idsOf(request("GET", QStringLiteral("/mailbox/Inbox/api/v1/messages")).json()), QStringList { u"I1"_qs });
    QCOMPARE(idsOf(request("GET", QStringLiteral("/api/v1/messages")).json()),
        (QStringList { u"S2"_qs, u"I1"_qs, u"B1"_qs, u"S1"_qs }));

    // plain.eml is in shop (S1), billing (B1) and Inbox (I1): a search under a prefix finds its mailbox's only.
    const QString subject = m_store->summary(u"S1"_qs)->subject;
    const QString query
        = QString::fromLatin1(QUrl::toPercentEncoding(u"subject:\""_qs + subject + QStringLiteral("\"")));
    o = request("GET", u"/mailbox/billing/api/v1/search?query="_qs + query).json();
    QCOMPARE(idsOf(o), QStringList { u"B1"_qs });
    QCOMPARE(o[QLatin1String("total")].toInt(), 1);
    QCOMPARE(idsOf(request("GET", u"/api/v1/search?query="_qs + query).json()),
        (QStringList { u"I1"_qs, u"B1"_qs, u"S1"_qs }));

    // latest is the mailbox's newest.
    r = request("GET", QStringLiteral("/mailbox/billing/api/v1/message/latest"));
    QCOMPARE(r.json()[QLatin1String("ID")].toString(), u"B1"_qs);
    r = request("GET", u"/mailbox/shop/api/v1/message/latest?query="_qs + query);
    QCOMPARE(r.json()[QLatin1String("ID")].toString(), u"S1"_qs);

    // info counts the mailbox's messages.
    o = request("GET", QStringLiteral("/mailbox/shop/api/v1/info")).json();
    QCOMPARE(o[QLatin1String("Messages")].toInt(), 2);
    QCOMPARE(o[QLatin1String("Unread")].toInt(), 1); // S1 read by the fetch of latest above
    QCOMPARE(request("GET", QStringLiteral("/api/v1/info")).json()[QLatin1String("Messages")].toInt(), 4);
    QCOMPARE(request("GET", QStringLiteral("/mailbox/shop/livez")).status, 200);
}

void TestApiServer::unknownMailboxIs404_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("a list of no mailbox") << QByteArray("GET") << u"/mailbox/nosuch/api/v1/messages"_qs;
    QTest::newRow("delete all of no mailbox") << QByteArray("DELETE") << u"/mailbox/nosuch/api/v1/messages"_qs;
    QTest::newRow("send into no mailbox") << QByteArray("POST") << u"/mailbox/nosuch/api/v1/send"_qs;
    QTest::newRow("a name no mailbox can have") << QByteArray("GET") << u"/mailbox/a%20b/api/v1/messages"_qs;
    QTest::newRow("a known mailbox with an unknown path") << QByteArray("GET") << u"/mailbox/shop/api/v1/nothing"_qs;
    QTest::newRow("a mailbox without a path") << QByteArray("GET") << u"/mailbox/shop"_qs;
}

void TestApiServer::unknownMailboxIs404()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    deliverIntoMailboxes();
    const Reply r = request(method, path, method == "POST" ? sendBody({ u"a@b.test"_qs }, u"x"_qs) : QByteArray());
    QCOMPARE(r.status, 404);
    QCOMPARE(m_store->count(), 4);
}

void TestApiServer::mailboxPrefixChangesOnlyItsMessages()
{
    deliverIntoMailboxes();
    // Read flags: by IDs (billing's B1 is not in shop: passed over), then "everything" of the mailbox.
    Reply r = request("PUT", QStringLiteral("/mailbox/shop/api/v1/messages"), R"({"IDs":["S1","B1"],"Read":true})");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QVERIFY(m_store->summary(u"S1"_qs)->read);
    QVERIFY(!m_store->summary(u"B1"_qs)->read);
    QCOMPARE(request("PUT", QStringLiteral("/mailbox/shop/api/v1/messages"), R"({"Read":true})").status, 200);
    QVERIFY(m_store->summary(u"S2"_qs)->read);
    QVERIFY(!m_store->summary(u"B1"_qs)->read);
    QVERIFY(!m_store->summary(u"I1"_qs)->read);
    // By search: the query is limited to the mailbox.
    const QString subject = m_store->summary(u"S1"_qs)->subject;
    r = request("PUT", QStringLiteral("/mailbox/shop/api/v1/messages"),
        QJsonDocument(QJsonObject { { QStringLiteral("Search"), u"subject:\""_qs + subject + QStringLiteral("\"") },
                          { QStringLiteral("Read"), false } })
            .toJson());
    QCOMPARE(r.status, 200);
    QVERIFY(!m_store->summary(u"S1"_qs)->read);
    QVERIFY(m_store->summary(u"S2"_qs)->read);
    QVERIFY(!m_store->summary(u"B1"_qs)->read);
    // A query without terms is still refused: never "the whole mailbox".
    const QByteArray noTerms = R"({"Search":"\"\"","Read":true})";
    QCOMPARE(request("PUT", QStringLiteral("/mailbox/shop/api/v1/messages"), noTerms).status, 400);
    QVERIFY(!m_store->summary(u"S1"_qs)->read);

    // Tags by IDs: only the mailbox's messages.
    QCOMPARE(
        request("PUT", QStringLiteral("/mailbox/billing/api/v1/tags"), R"({"IDs":["S1","B1"],"Tags":["paid"]})").status,
        200);
    QCOMPARE(m_store->summary(u"B1"_qs)->tags, QStringList { u"paid"_qs });
    QVERIFY(m_store->summary(u"S1"_qs)->tags.isEmpty());

    // Delete by IDs: another mailbox's message stays.
    QCOMPARE(
        request("DELETE", QStringLiteral("/mailbox/billing/api/v1/messages"), R"({"IDs":["S1","B1"]})").status, 200);
    QVERIFY(!m_store->summary(u"B1"_qs));
    QVERIFY(m_store->summary(u"S1"_qs));
}

void TestApiServer::mailboxDeleteAllAndSearchDeleteStayInside()
{
    deliverIntoMailboxes();
    QVERIFY(m_store->setPinned({ u"S1"_qs }, true));
    // Delete all within shop: its unpinned messages only (CONTRACT: delete-all skips pinned messages).
    Reply r = request("DELETE", QStringLiteral("/mailbox/shop/api/v1/messages"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QVERIFY(!m_store->summary(u"S2"_qs));
    QVERIFY(m_store->summary(u"S1"_qs));
    QVERIFY(m_store->summary(u"B1"_qs));
    QVERIFY(m_store->summary(u"I1"_qs));
    QCOMPARE(request("GET", QStringLiteral("/mailbox/shop/api/v1/messages")).json()[QLatin1String("total")].toInt(), 1);

    // Delete by search within billing: Inbox's message with the same subject stays.
    const QString subject = m_store->summary(u"I1"_qs)->subject;
    const QString query
        = QString::fromLatin1(QUrl::toPercentEncoding(u"subject:\""_qs + subject + QStringLiteral("\"")));
    r = request("DELETE", u"/mailbox/billing/api/v1/search?query="_qs + query);
    QCOMPARE(r.status, 200);
    QVERIFY(!m_store->summary(u"B1"_qs));
    QVERIFY(m_store->summary(u"I1"_qs));
    QVERIFY(m_store->summary(u"S1"_qs));
    QCOMPARE(request("DELETE", u"/mailbox/Inbox/api/v1/search?query=%22%22"_qs).status, 400);
    QVERIFY(m_store->summary(u"I1"_qs));
}

void TestApiServer::mailboxEventsAreLimited()
{
    deliverIntoMailboxes();
    struct Client
    {
        QWebSocket socket;
        QList<QJsonObject> frames;
        QList<QJsonObject> ofType(const char *type) const
        {
            QList<QJsonObject> out;
            for (const QJsonObject &f : frames) {
                if (f[QLatin1String("Type")].toString() == QLatin1String(type)) {
                    out << f;
                }
            }
            return out;
        }
    };
    Client root;
    Client shop;
    Client nosuch;
    for (auto [client, path] :
        { std::pair { &root, u"/api/events"_qs }, std::pair { &shop, u"/mailbox/Shop/api/events"_qs },
            std::pair { &nosuch, u"/mailbox/nosuch/api/events"_qs } }) {
        connect(&client->socket, &QWebSocket::textMessageReceived, this,
            [client](const QString &text) { client->frames << QJsonDocument::fromJson(text.toUtf8()).object(); });
        client->socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(m_api->serverPort()).arg(path)));
    }
    QSignalSpy closed(&nosuch.socket, &QWebSocket::disconnected);
    QTRY_COMPARE(m_api->eventClientCount(), 2);
    QTRY_COMPARE(closed.count(), 1); // no such mailbox: closed

    QVERIFY(deliver(
        *m_store, inMailbox(makeMessage("B2", load("plain.eml"), { "x@billing.test" }, 1764000010000), u"billing"_qs)));
    QVERIFY(deliver(
        *m_store, inMailbox(makeMessage("S3", load("plain.eml"), { "x@shop.test" }, 1764000011000), u"shop"_qs)));
    // The fixtures' own announcements may still be queued when the clients connect: what is checked is that the root
    // hears both new messages and shop hears its own and never another mailbox's.
    const auto newIds = [](const Client &client) {
        QStringList ids;
        for (const QJsonObject &frame : client.ofType("new")) {
            ids << frame[QLatin1String("Data")][QLatin1String("ID")].toString();
        }
        return ids;
    };
    QTRY_VERIFY(newIds(root).contains(u"B2"_qs) && newIds(root).contains(u"S3"_qs));
    QTRY_VERIFY(newIds(shop).contains(u"S3"_qs));
    for (const QString &id : newIds(shop)) {
        QVERIFY2(id.startsWith(u'S'), qPrintable(id));
    }
    // stats: the mailbox's counts (S1, S2, S3), the root's every message's.
    QTRY_COMPARE(shop.ofType("stats").size() > 0 && root.ofType("stats").size() > 0, true);
    QTRY_COMPARE(shop.ofType("stats").last()[QLatin1String("Data")][QLatin1String("Total")].toInt(), 3);
    QTRY_COMPARE(root.ofType("stats").last()[QLatin1String("Data")][QLatin1String("Total")].toInt(), 6);

    // Updates of another mailbox's messages are not told; the mailbox's are.
    QVERIFY(m_store->setRead({ u"B1"_qs }, true));
    QVERIFY(m_store->setRead({ u"S1"_qs }, true));
    QTRY_COMPARE(root.ofType("update").size(), 2);
    QTRY_COMPARE(shop.ofType("update").size(), 1);
    QCOMPARE(shop.ofType("update")[0][QLatin1String("Data")][QLatin1String("ID")].toString(), u"S1"_qs);
    QVERIFY(m_store->setPinned({ u"B1"_qs }, true));
    QVERIFY(m_store->setTags({ u"S2"_qs }, { u"gift"_qs }));
    QTRY_COMPARE(root.ofType("update").size(), 4);
    QTRY_COMPARE(shop.ofType("update").size(), 2);
    QCOMPARE(shop.ofType("update")[1][QLatin1String("Data")][QLatin1String("ID")].toString(), u"S2"_qs);
}

void TestApiServer::sendAtTheRootIsRouted()
{
    // CONTRACT "Mailboxes": POST /api/v1/send at the root is routed like SMTP, client address = the caller.
    useMailboxes(R"({"version": 1, "mailboxes": [
        {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
        {"name": "billing", "routes": [{"recipient": "*@billing.test"}]},
        {"name": "local", "routes": [{"client": "10.0.0.0/8"}, {"listener": "127.0.0.1:2525"}, {"user": "*"}]}]})");
    Reply r = request("POST", QStringLiteral("/api/v1/send"),
        sendBody({ u"a@billing.test"_qs, u"b@shop.test"_qs, u"c@elsewhere.test"_qs }, u"three ways"_qs));
    QCOMPARE(r.status, 200);
    const QString id = r.json()[QLatin1String("ID")].toString();
    // One copy per mailbox, in the mailboxes' order: the answer names the first (shop's).
    QCOMPARE(m_store->summary(id)->mailbox, u"shop"_qs);
    QCOMPARE(request("GET", u"/api/v1/message/"_qs + id).json()[QLatin1String("Mailbox")].toString(), u"shop"_qs);
    QCOMPARE(
        request("GET", QStringLiteral("/mailbox/billing/api/v1/messages")).json()[QLatin1String("total")].toInt(), 1);
    QCOMPARE(
        request("GET", QStringLiteral("/mailbox/Inbox/api/v1/messages")).json()[QLatin1String("total")].toInt(), 1);
    // Neither its client, listener nor user route matches a message from 127.0.0.1 without a listener or AUTH.
    QCOMPARE(
        request("GET", QStringLiteral("/mailbox/local/api/v1/messages")).json()[QLatin1String("total")].toInt(), 0);
    QCOMPARE(m_store->count(), 3);

    // From 127.0.0.1, with no listener and no AUTH user: a client route for loopback takes it.
    r = request("PUT", QStringLiteral("/api/v1/mailboxes/config"),
        R"({"version": 1, "mailboxes": [{"name": "local", "routes": [{"client": "127.0.0.0/8"}]}]})");
    QCOMPARE(r.status, 200);
    r = request("POST", QStringLiteral("/api/v1/send"), sendBody({ u"b@shop.test"_qs }, u"from here"_qs));
    QCOMPARE(m_store->summary(r.json()[QLatin1String("ID")].toString())->mailbox, u"local"_qs);
}

void TestApiServer::sendUnderAPrefixStoresIntoThatMailbox()
{
    useMailboxes(ShopAndBilling);
    // No routing under a prefix: a shop address sent from billing's base URL stays in billing.
    Reply r = request("POST", QStringLiteral("/mailbox/Billing/api/v1/send"),
        sendBody({ u"a@shop.test"_qs, u"b@billing.test"_qs }, u"invoice"_qs));
    QCOMPARE(r.status, 200);
    const QString id = r.json()[QLatin1String("ID")].toString();
    QCOMPARE(m_store->count(), 1);
    QCOMPARE(m_store->summary(id)->mailbox, u"billing"_qs); // spelled as the file spells it
    QCOMPARE(idsOf(request("GET", QStringLiteral("/mailbox/billing/api/v1/messages")).json()), QStringList { id });
    QCOMPARE(request("GET", QStringLiteral("/mailbox/shop/api/v1/messages")).json()[QLatin1String("total")].toInt(), 0);
    r = request("POST", QStringLiteral("/mailbox/Inbox/api/v1/send"), sendBody({ u"a@shop.test"_qs }, u"x"_qs));
    QCOMPARE(m_store->summary(r.json()[QLatin1String("ID")].toString())->mailbox, u"Inbox"_qs);
}

void TestApiServer::mailboxPrefixKeepsTheHostGuard()
{
    deliverIntoMailboxes();
    // DNS rebinding and cross-origin requests are refused under a prefix as at the root.
    for (const QByteArray &header : { QByteArray("Host"), QByteArray("Origin") }) {
        QNetworkRequest req { QUrl(url(QStringLiteral("/mailbox/shop/api/v1/messages"))) };
        req.setRawHeader(header, header == "Host" ? "evil.example:80" : "http://evil.example");
        QNetworkReply *reply = m_net->get(req);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(20000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 403);
        reply->deleteLater();
    }
}

QByteArray TestApiServer::keepSession(qint64 startMs, const QByteArray &rule, const QByteArray &data)
{
    RefusedSession s;
    s.startMs = startMs;
    s.endMs = startMs + 250;
    s.id = MessageId::generate(s.endMs);
    s.sessionKey = quint64(startMs) << 12;
    s.clientAddress = QStringLiteral("192.0.2.7");
    s.clientPort = 40123;
    s.helo = "client.test";
    s.rules = { rule };
    s.transcript = { { startMs, TranscriptEntry::Direction::In, "RCPT TO:<bogus@x.test>" },
        { startMs + 1, TranscriptEntry::Direction::Out, "550 5.1.1 mailbox unavailable" } };
    s.data = data;
    s.dataSize = data.size();
    QSignalSpy kept(m_store.get(), &MessageStore::refusedSessionKept);
    m_store->keepRefusedSession(s);
    if (!kept.wait(5000) && kept.isEmpty()) {
        return QByteArray();
    }
    return s.id;
}

void TestApiServer::refusedSessionsListPagedAndFiltered()
{
    const QByteArray older = keepSession(1764000000000, "recipient rule 1: regex ^bogus");
    const QByteArray newer = keepSession(1764000060000, "host rule 1: cidr 192.0.2.0/24");
    QVERIFY(!older.isEmpty() && !newer.isEmpty());
    Reply r = request("GET", QStringLiteral("/api/v1/sessions"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.contentType, QByteArray("application/json"));
    QJsonObject o = r.json();
    QCOMPARE(o[QLatin1String("total")].toInt(), 2);
    QCOMPARE(o[QLatin1String("count")].toInt(), 2);
    QCOMPARE(o[QLatin1String("start")].toInt(), 0);
    const QJsonArray sessions = o[QLatin1String("sessions")].toArray();
    QCOMPARE(sessions.size(), 2);
    QCOMPARE(sessions[0][QLatin1String("ID")].toString(), QString::fromLatin1(newer));
    QCOMPARE(sessions[1][QLatin1String("ID")].toString(), QString::fromLatin1(older));
    const QJsonObject first = sessions[1].toObject();
    QCOMPARE(first[QLatin1String("Created")].toString(), QStringLiteral("2025-11-24T16:00:00.000Z"));
    QCOMPARE(first[QLatin1String("Ended")].toString(), QStringLiteral("2025-11-24T16:00:00.250Z"));
    QCOMPARE(first[QLatin1String("ClientAddress")].toString(), QStringLiteral("192.0.2.7"));
    QCOMPARE(first[QLatin1String("ClientPort")].toInt(), 40123);
    QCOMPARE(first[QLatin1String("Helo")].toString(), QStringLiteral("client.test"));
    QCOMPARE(first[QLatin1String("Refused")].toBool(), true);
    QCOMPARE(first[QLatin1String("Rule")].toString(), QStringLiteral("recipient rule 1: regex ^bogus"));
    QCOMPARE(first[QLatin1String("Rules")].toArray(), QJsonArray { QStringLiteral("recipient rule 1: regex ^bogus") });
    QCOMPARE(first[QLatin1String("Messages")].toArray(), QJsonArray());
    QCOMPARE(first[QLatin1String("Size")].toInt(), 0);
    // The transcript in /api/v1/message/{ID}/session's shape.
    const QJsonArray t = first[QLatin1String("Transcript")].toArray();
    QCOMPARE(t.size(), 2);
    QCOMPARE(t[1].toObject(),
        (QJsonObject { { QStringLiteral("Time"), QStringLiteral("2025-11-24T16:00:00.001Z") },
            { QStringLiteral("Direction"), QStringLiteral("out") },
            { QStringLiteral("Text"), QStringLiteral("550 5.1.1 mailbox unavailable") } }));

    o = request("GET", QStringLiteral("/api/v1/sessions?start=1&limit=1")).json();
    QCOMPARE(o[QLatin1String("total")].toInt(), 2);
    QCOMPARE(o[QLatin1String("count")].toInt(), 1);
    QCOMPARE(o[QLatin1String("start")].toInt(), 1);
    QCOMPARE(o[QLatin1String("sessions")][0][QLatin1String("ID")].toString(), QString::fromLatin1(older));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/sessions?refused=true")).json()[QLatin1String("total")].toInt(), 2);
    o = request("GET", QStringLiteral("/api/v1/sessions?refused=false")).json();
    QCOMPARE(o[QLatin1String("total")].toInt(), 0);
    QCOMPARE(o[QLatin1String("sessions")].toArray(), QJsonArray());
    QCOMPARE(request("GET", QStringLiteral("/api/v1/sessions?refused=yes")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/sessions?start=x")).status, 400);
    // Sessions are the catcher's: the same under a mailbox prefix.
    QCOMPARE(
        request("GET", QStringLiteral("/mailbox/Inbox/api/v1/sessions")).json()[QLatin1String("total")].toInt(), 2);
    QCOMPARE(request("POST", QStringLiteral("/api/v1/sessions"), "{}").status, 405);
}

void TestApiServer::refusedSessionOneAndItsData()
{
    const QByteArray data = "Subject: refuse me\r\n\r\nbody\r\n";
    const QByteArray withData = keepSession(1764000000000, "data rule 1: glob Subject *refuse me*", data);
    const QByteArray without = keepSession(1764000001000, "recipient rule 1: regex ^bogus");
    Reply r = request("GET", QStringLiteral("/api/v1/session/") + QString::fromLatin1(withData));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[QLatin1String("Size")].toInt(), data.size());
    QCOMPARE(r.json()[QLatin1String("Rule")].toString(), QStringLiteral("data rule 1: glob Subject *refuse me*"));
    r = request("GET", QStringLiteral("/api/v1/session/") + QString::fromLatin1(withData) + QStringLiteral("/raw"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, data);
    QVERIFY(r.contentType.startsWith("text/plain"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/session/") + QString::fromLatin1(without) + QStringLiteral("/raw"))
                 .status,
        404);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/session/nosuchsession")).status, 404);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/session/nosuchsession/raw")).status, 404);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/session/") + QString::fromLatin1(withData) + QStringLiteral("/x"))
                 .status,
        404);
}

void TestApiServer::refusedSessionsAreCleared()
{
    deliverFixtures();
    QVERIFY(!keepSession(1764000000000, "recipient rule 1: regex ^bogus").isEmpty());
    // Deleting every message leaves the sessions.
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/messages"), R"({"IDs": []})").status, 200);
    QCOMPARE(m_store->count(), 0);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/sessions")).json()[QLatin1String("total")].toInt(), 1);
    Reply r = request("DELETE", QStringLiteral("/api/v1/sessions"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/sessions")).json()[QLatin1String("total")].toInt(), 0);
}

QTEST_GUILESS_MAIN(TestApiServer)
#include "tst_apiserver.moc"
