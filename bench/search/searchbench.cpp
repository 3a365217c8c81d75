// Search and listing latency with a large store (issue target: 100,000 messages, word/phrase/from:/combined
// queries p50 < 20 ms and p99 < 100 ms; page 1 of the list < 10 ms). The messages are spread over 50 mailboxes
// (issue 15: page 1 of any mailbox < 10 ms, the mailbox list with Total/Unread < 20 ms; both also over HTTP, through
// the API's GET /mailbox/{name}/api/v1/messages and GET /api/v1/mailboxes). The reference, measured in the
// same run on the same texts, is Mailpit's approach: a LIKE '%term%' scan over one search-text column (plain SQLite
// table).
//
//   letterbox-search-bench [--messages N] [--data DIR] [--queries-per-kind K]
// With --data, an existing store holding N messages is reused (populating 100k takes a few minutes).
#include <api/apiserver.h>
#include <mailbox/mailboxsettings.h>
#include <message/mailboxname.h>
#include <store/sqlitedatabase.h>
#include <store/sqlitemessagestore.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <future>
#include <random>

namespace {
struct Corpus
{
    std::mt19937 rng { 20261125 };
    QList<QByteArray> words;
    QList<QByteArray> people;
    QList<QByteArray> domains;

    Corpus()
    {
        const char *syllables[] = { "ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "da", "gu", "fa", "zo", "ri",
            "be", "no", "xu", "ly", "qua", "ster", "ton", "mar", "vel", "ish" };
        std::uniform_int_distribution<int> syl(0, int(std::size(syllables)) - 1);
        std::uniform_int_distribution<int> len(2, 4);
        while (words.size() < 6000) {
            QByteArray w;
            for (int n = len(rng); n > 0; --n) {
                w += syllables[syl(rng)];
            }
            if (!words.contains(w)) {
                words << w;
            }
        }
        for (int i = 0; i < 800; ++i) {
            people << words[i * 7 % words.size()];
        }
        for (int i = 0; i < 150; ++i) {
            domains << words[(i * 13 + 5) % words.size()] + ".test";
        }
    }
    // Zipf-like: small indexes are common.
    const QByteArray &word()
    {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        const double x = std::pow(u(rng), 2.2);
        return words[qMin(qsizetype(x * double(words.size())), words.size() - 1)];
    }
    QByteArray sentence(int n)
    {
        QByteArray s;
        for (int i = 0; i < n; ++i) {
            s += (i ? " " : "") + word();
        }
        return s;
    }
    QByteArray person(int i) { return people[i % people.size()]; }
    QByteArray domain(int i) { return domains[i % domains.size()]; }
};

constexpr int Mailboxes = 50;

struct Generated
{
    IncomingMessage message;
    QByteArray searchText; // what Mailpit would put in its SearchText column
};

Generated generate(Corpus &c, qint64 index)
{
    std::uniform_int_distribution<int> pick(0, 1 << 30);
    const int from = pick(c.rng);
    const int to = pick(c.rng);
    const QByteArray fromAddr = c.person(from) + "@" + c.domain(from / 3);
    const QByteArray toAddr = c.person(to) + "@" + c.domain(to / 5);
    const QByteArray subject = c.sentence(3 + pick(c.rng) % 5);
    QByteArray body;
    const int lines = 3 + pick(c.rng) % 8;
    for (int l = 0; l < lines; ++l) {
        body += c.sentence(8 + pick(c.rng) % 10) + "\r\n";
    }
    Generated g;
    IncomingMessage &m = g.message;
    m.id = "B" + QByteArray::number(index).rightJustified(10, '0');
    m.envelope.mailFrom = fromAddr;
    m.envelope.rcptTo = { toAddr };
    m.envelope.helo = "bench.test";
    m.envelope.esmtp = true;
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.receivedMs = 1764000000000 + index * 1000;
    m.sessionKey = quint64(index);
    // 50 mailboxes, Inbox and project-1 … project-49, filled round robin.
    m.mailbox = index % Mailboxes == 0 ? MailboxName::inbox() : QStringLiteral("project-%1").arg(index % Mailboxes);
    m.traceHeader = "Received: from bench.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id " + m.id + "\r\n";
    m.data = "From: " + c.person(from) + " <" + fromAddr + ">\r\nTo: <" + toAddr + ">\r\nSubject: " + subject
        + "\r\nMessage-ID: <" + m.id
        + "@bench.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
          "charset=utf-8\r\n\r\n"
        + body;
    g.searchText = (subject + " " + c.person(from) + " " + fromAddr + " " + toAddr + " " + body).toLower();
    return g;
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

struct Stats
{
    std::vector<double> ms;
    void print(const char *name) const
    {
        std::printf("%-30s n=%4zu  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n", name, ms.size(), percentile(ms, 0.5),
            percentile(ms, 0.99), ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
    }
};
// One GET over a new loopback connection, as a script's HTTP client makes it: the status code, or 0 when the answer
// did not come whole.
int httpGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return 0;
    }
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray answer;
    while (socket.waitForReadyRead(5000)) {
        answer += socket.readAll();
        const qsizetype headEnd = answer.indexOf("\r\n\r\n");
        const qsizetype lengthAt = answer.toLower().indexOf("content-length:");
        if (headEnd > 0 && lengthAt > 0 && lengthAt < headEnd) {
            const qsizetype lineEnd = answer.indexOf("\r\n", lengthAt);
            const qint64 length = answer.mid(lengthAt + 15, lineEnd - lengthAt - 15).trimmed().toLongLong();
            if (answer.size() >= headEnd + 4 + length) {
                break;
            }
        }
    }
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("messages"), QStringLiteral("Messages in the store."), QStringLiteral("N"),
        QStringLiteral("100000") });
    parser.addOption({ QStringLiteral("data"), QStringLiteral("Store directory (kept)."), QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("queries-per-kind"), QStringLiteral("Queries of each kind."), QStringLiteral("K"),
        QStringLiteral("60") });
    parser.process(app);
    const qint64 total = parser.value(QStringLiteral("messages")).toLongLong();
    const int perKind = parser.value(QStringLiteral("queries-per-kind")).toInt();
    QTemporaryDir tmp;
    const QString dir = parser.isSet(QStringLiteral("data")) ? parser.value(QStringLiteral("data")) : tmp.path();

    Corpus corpus;
    SqliteMessageStore store;
    if (!store.open(dir)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return 1;
    }
    // The reference: Mailpit's SearchText column scanned with LIKE, on the same texts.
    SqliteDatabase naive;
    naive.open(dir + QStringLiteral("/naive.db"), SqliteDatabase::Mode::ReadWrite);
    naive.exec("PRAGMA journal_mode=WAL");
    naive.exec("CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, search_text TEXT NOT NULL, is_read INTEGER)");
    const bool populate = store.count() < total;
    if (populate) {
        store.removeAll();
        naive.exec("DELETE FROM m");
        QElapsedTimer t;
        t.start();
        constexpr int Batch = 2000;
        SqliteStatement insert = naive.prepare("INSERT INTO m (id, search_text, is_read) VALUES (?1, ?2, 0)");
        for (qint64 i = 0; i < total; i += Batch) {
            std::vector<std::future<bool>> done;
            naive.exec("BEGIN");
            for (qint64 j = i; j < std::min(total, i + Batch); ++j) {
                Generated g = generate(corpus, j);
                insert.bind(1, j + 1);
                insert.bind(2, g.searchText);
                insert.exec();
                auto promise = std::make_shared<std::promise<bool>>();
                done.push_back(promise->get_future());
                store.deliver(std::move(g.message), [promise](const DeliveryResult &r) { promise->set_value(r.ok); });
            }
            naive.exec("COMMIT");
            for (auto &f : done) {
                if (!f.get()) {
                    std::fprintf(stderr, "delivery failed\n");
                    return 1;
                }
            }
        }
        std::printf("populated %lld messages in %.1f s (%.0f msg/s committed; parsing and indexing follow)\n",
            static_cast<long long>(total), double(t.elapsed()) / 1000.0, double(total) * 1000.0 / double(t.elapsed()));
    } else {
        // Regenerate the same corpus state without storing, so the query terms are the same.
        for (qint64 j = 0; j < total; ++j) {
            generate(corpus, j);
        }
    }
    // The index catches up between deliveries; measure searches over a complete index.
    QElapsedTimer catchUp;
    catchUp.start();
    while (store.unindexedCount() > 0 && catchUp.elapsed() < 600000) {
        QThread::msleep(50);
    }
    std::printf("index complete %.1f s after the last delivery\n", double(catchUp.elapsed()) / 1000.0);
    std::printf("store: %lld messages, %s\n", static_cast<long long>(store.count()), qPrintable(store.databasePath()));

    // Query terms, deterministic: mid-frequency words, phrases from stored texts, senders, combinations.
    std::mt19937 rng(7);
    std::uniform_int_distribution<qint64> anyMessage(0, total - 1);
    Corpus terms; // a fresh generator replays message texts by index
    QList<QPair<QString, QString>> queries; // kind, query
    for (int i = 0; i < perKind; ++i) {
        const QByteArray word = corpus.words[200 + (i * 37) % 3000];
        queries.append({ QStringLiteral("word"), QString::fromLatin1(word) });
    }
    for (int i = 0; i < perKind; ++i) {
        const QByteArray a = corpus.words[50 + (i * 11) % 400];
        const QByteArray b = corpus.words[60 + (i * 17) % 400];
        queries.append({ QStringLiteral("phrase"),
            QStringLiteral("\"%1 %2\"").arg(QString::fromLatin1(a), QString::fromLatin1(b)) });
    }
    for (int i = 0; i < perKind; ++i) {
        queries.append(
            { QStringLiteral("from:"), QStringLiteral("from:") + QString::fromLatin1(corpus.person(i * 13)) });
    }
    for (int i = 0; i < perKind; ++i) {
        queries.append({ QStringLiteral("combined"),
            QStringLiteral("%1 from:%2 is:unread")
                .arg(QString::fromLatin1(corpus.words[i * 3 % 500]), QString::fromLatin1(corpus.domain(i))) });
    }
    for (int i = 0; i < perKind; ++i) {
        queries.append({ QStringLiteral("word -word"),
            QStringLiteral("%1 -%2").arg(
                QString::fromLatin1(corpus.words[100 + i]), QString::fromLatin1(corpus.words[i])) });
    }
    std::shuffle(queries.begin(), queries.end(), rng);

    // Warm up the page cache, as a running app would have it.
    store.search(QStringLiteral("warmup"), 0, 50);
    store.messages(0, 50);

    QHash<QString, Stats> byKind;
    Stats all;
    Stats naiveAll;
    qint64 matches = 0;
    for (const auto &[kind, query] : std::as_const(queries)) {
        QElapsedTimer t;
        t.start();
        const std::optional<SearchResult> r = store.search(query, 0, 50);
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (!r) {
            std::fprintf(stderr, "query failed: %s\n", qPrintable(query));
            return 1;
        }
        matches += r->matches;
        byKind[kind].ms.push_back(ms);
        all.ms.push_back(ms);
    }
    // The reference on the plain word queries: page of 50 newest plus the match count, as the API needs both.
    SqliteStatement page = naive.prepare("SELECT id FROM m WHERE search_text LIKE ?1 ORDER BY id DESC LIMIT 50");
    SqliteStatement count = naive.prepare("SELECT count(*), sum(is_read = 0) FROM m WHERE search_text LIKE ?1");
    for (const auto &[kind, query] : std::as_const(queries)) {
        if (kind != QLatin1String("word")) {
            continue;
        }
        QElapsedTimer t;
        t.start();
        const QString like = QLatin1Char('%') + query + QLatin1Char('%');
        page.bind(1, like);
        while (page.step()) { }
        page.reset();
        count.bind(1, like);
        count.step();
        count.reset();
        naiveAll.ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }

    Stats list;
    for (int i = 0; i < 200; ++i) {
        QElapsedTimer t;
        t.start();
        const QList<MessageSummary> first = store.messages(0, 50);
        const qint64 n = store.count() + store.unreadCount();
        list.ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (first.size() != 50 || n <= 0) {
            return 1;
        }
    }

    // Page 1 of each mailbox in turn (newest 50 and its Total/Unread), the mailbox list, and a search in one mailbox.
    Stats mailboxPage;
    Stats mailboxList;
    Stats mailboxSearch;
    const QList<MailboxCount> boxes = store.mailboxes();
    for (int round = 0; round < 4; ++round) {
        for (const MailboxCount &box : boxes) {
            QElapsedTimer t;
            t.start();
            const std::optional<SearchResult> r = store.list(
                QString(), MessageSort(), 0, 50, QTimeZone::utc(), nullptr, SearchCompleteness::Complete, box.name);
            mailboxPage.ms.push_back(double(t.nsecsElapsed()) / 1e6);
            if (!r || (box.total >= 50 && r->messages.size() != 50)) {
                std::fprintf(stderr, "mailbox list failed: %s\n", qPrintable(box.name));
                return 1;
            }
        }
    }
    for (int i = 0; i < 200; ++i) {
        QElapsedTimer t;
        t.start();
        const QList<MailboxCount> counted = store.mailboxes();
        mailboxList.ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (counted.size() != boxes.size()) {
            return 1;
        }
    }
    for (int i = 0; i < perKind; ++i) {
        const QString word = QString::fromLatin1(corpus.words[200 + (i * 37) % 3000]);
        QElapsedTimer t;
        t.start();
        const std::optional<SearchResult> r = store.search(
            word, 0, 50, QTimeZone::utc(), nullptr, SearchCompleteness::Complete, boxes.at(i % boxes.size()).name);
        mailboxSearch.ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!r) {
            return 1;
        }
    }

    // The same over HTTP (CONTRACT "Mailboxes"): the API in its own thread, as the app runs it, with half of the
    // mailboxes in its configuration, so that GET /api/v1/mailboxes merges the file's order with the store's.
    MailboxConfig config;
    for (qsizetype i = boxes.size() - 1; i > 0; i -= 2) {
        config.mailboxes << MailboxDefinition { boxes.at(i).name, {} };
    }
    MailboxSettings settings;
    QString settingsError;
    if (!settings.replace(config, &settingsError)) {
        std::fprintf(stderr, "%s\n", qPrintable(settingsError));
        return 1;
    }
    QThread apiThread;
    QObject apiContext;
    apiContext.moveToThread(&apiThread);
    apiThread.start();
    ApiServer *api = nullptr;
    QMetaObject::invokeMethod(
        &apiContext,
        [&] {
            api = new ApiServer(&store);
            api->setMailboxes(&settings);
            if (!api->listen(QHostAddress::LocalHost, 0)) {
                delete api;
                api = nullptr;
            }
        },
        Qt::BlockingQueuedConnection);
    if (!api) {
        std::fprintf(stderr, "the API cannot listen\n");
        return 1;
    }
    const quint16 apiPort = api->serverPort();
    // The first connection makes the HTTP server (and loads the TLS library: docs/architecture.md "The API"), once per
    // run: not measured.
    if (httpGet(apiPort, "/livez") != 200) {
        std::fprintf(stderr, "GET /livez failed\n");
        return 1;
    }
    Stats apiMailboxPage;
    Stats apiMailboxList;
    for (int round = 0; round < 2; ++round) {
        for (const MailboxCount &box : boxes) {
            QElapsedTimer t;
            t.start();
            const int status = httpGet(apiPort, "/mailbox/" + box.name.toLatin1() + "/api/v1/messages");
            apiMailboxPage.ms.push_back(double(t.nsecsElapsed()) / 1e6);
            if (status != 200) {
                std::fprintf(stderr, "GET /mailbox/%s/api/v1/messages: %d\n", qPrintable(box.name), status);
                return 1;
            }
        }
    }
    for (int i = 0; i < 200; ++i) {
        QElapsedTimer t;
        t.start();
        const int status = httpGet(apiPort, "/api/v1/mailboxes");
        apiMailboxList.ms.push_back(double(t.nsecsElapsed()) / 1e6);
        if (status != 200) {
            std::fprintf(stderr, "GET /api/v1/mailboxes: %d\n", status);
            return 1;
        }
    }
    QMetaObject::invokeMethod(
        &apiContext, [api] { delete api; }, Qt::BlockingQueuedConnection);
    apiThread.quit();
    apiThread.wait();

    std::printf("\nsearch (page of 50 newest + match and unread counts), %lld matches in all\n",
        static_cast<long long>(matches));
    for (const char *kind : { "word", "phrase", "from:", "combined", "word -word" }) {
        byKind[QLatin1String(kind)].print(kind);
    }
    all.print("all queries");
    Stats mix; // the issue's mix: word, phrase, from: and combined queries
    for (const char *kind : { "word", "phrase", "from:", "combined" }) {
        const std::vector<double> &v = byKind[QLatin1String(kind)].ms;
        mix.ms.insert(mix.ms.end(), v.begin(), v.end());
    }
    mix.print("word+phrase+from:+combined");
    byKind[QStringLiteral("word")].print("word (Letterbox FTS5)");
    naiveAll.print("word (reference: LIKE scan)");
    std::printf("ratio word p50 Letterbox/reference: %.3f\n",
        percentile(byKind[QStringLiteral("word")].ms, 0.5) / percentile(naiveAll.ms, 0.5));
    list.print("page 1 of the list (50)");
    std::printf("\n%lld mailboxes\n", static_cast<long long>(boxes.size()));
    mailboxPage.print("page 1 of a mailbox (50)");
    mailboxList.print("mailboxes with Total/Unread");
    mailboxSearch.print("word in one mailbox");
    std::printf("\nover HTTP (a new loopback connection each)\n");
    apiMailboxPage.print("GET /mailbox/{name}/…/messages");
    apiMailboxList.print("GET /api/v1/mailboxes");
    return 0;
}
