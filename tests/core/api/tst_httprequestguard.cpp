// HttpRequestGuard, appless: request framing (RFC 9112) fed whole, byte by byte and in random splits; refusals come
// at the head, before a body is read; pipelined requests are each seen by the policy.
#include <api/httprequestguard.h>

#include <QRandomGenerator>
#include <QTest>

namespace {
struct Run
{
    std::optional<HttpRequestGuard::Refusal> refusal;
    QList<QByteArray> heads; // "METHOD target" per request head the policy saw
    qsizetype refusedAt = -1; // bytes fed when the refusal came
};

// Feeds input in the given pieces; the policy allows bodies up to maxBody, refuses a Host of evil.example.
Run feed(const QByteArray &input, const QList<qsizetype> &cuts, qint64 maxBody)
{
    Run run;
    HttpRequestGuard guard([&run, maxBody](const HttpRequestHead &head) {
        run.heads << head.method + ' ' + head.target;
        HttpRequestGuard::Decision decision;
        decision.maxBodyBytes = maxBody;
        if (head.value("host") == "evil.example") {
            decision.refusal = HttpRequestGuard::Refusal { 403, "no" };
        }
        return decision;
    });
    qsizetype pos = 0;
    QList<qsizetype> ends = cuts;
    ends << input.size();
    for (qsizetype end : std::as_const(ends)) {
        if (end <= pos) {
            continue;
        }
        const auto refusal = guard.feed(QByteArrayView(input).sliced(pos, end - pos));
        pos = end;
        if (refusal && !run.refusal) {
            run.refusal = refusal;
            run.refusedAt = pos;
        }
    }
    return run;
}

QList<QList<qsizetype>> splits(qsizetype size)
{
    QList<QList<qsizetype>> all { {} };
    QList<qsizetype> bytewise;
    for (qsizetype i = 1; i < size; ++i) {
        bytewise << i;
    }
    all << bytewise;
    QRandomGenerator random(size);
    for (int k = 0; k < 3; ++k) {
        QList<qsizetype> cuts;
        for (qsizetype i = 1; i < size; ++i) {
            if (random.bounded(7) == 0) {
                cuts << i;
            }
        }
        all << cuts;
    }
    return all;
}
} // namespace

class TestHttpRequestGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framing_data();
    void framing();
    void refusesBeforeTheBodyArrives();
    void oversizedHeadIs431();
    void upgradedConnectionIsLeftAlone();
    void responseAnnouncesTheClose();
};

void TestHttpRequestGuard::framing_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArrayList>("heads");
    QTest::addColumn<int>("status"); // 0: no refusal

    QTest::newRow("a GET without a body") << QByteArray("GET /api/v1/messages HTTP/1.1\r\nHost: localhost\r\n\r\n")
                                          << QByteArrayList { "GET /api/v1/messages" } << 0;
    QTest::newRow("pipelined requests with Content-Length bodies are each seen")
        << QByteArray("PUT /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloDELETE /b HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                      "GET /c HTTP/1.1\r\n\r\n")
        << QByteArrayList { "PUT /a", "DELETE /b", "GET /c" } << 0;
    QTest::newRow("a body that looks like a request is not taken for one")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 39\r\n\r\nGET /x HTTP/1.1\r\nHost: evil.example\r\n\r\n"
                      "GET /c HTTP/1.1\r\n\r\n")
        << QByteArrayList { "POST /a", "GET /c" } << 0;
    QTest::newRow("a chunked body with extensions and trailers, then the next request")
        << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n"
                      "0\r\nX-Trailer: yes\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        << QByteArrayList { "POST /a", "GET /b" } << 0;
    QTest::newRow("empty lines before a request line are skipped")
        << QByteArray("\r\n\r\nGET /a HTTP/1.1\r\n\r\n") << QByteArrayList { "GET /a" } << 0;
    QTest::newRow("bare LF line ends") << QByteArray("GET /a HTTP/1.0\nHost: localhost\n\n")
                                       << QByteArrayList { "GET /a" } << 0;
    QTest::newRow("the policy's refusal")
        << QByteArray("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n") << QByteArrayList { "GET /" } << 403;
    QTest::newRow("a declared body over the limit is 413")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 101\r\n\r\n") << QByteArrayList { "POST /a" } << 413;
    QTest::newRow("a body at the limit passes")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\n") + QByteArray(100, 'x')
        << QByteArrayList { "POST /a" } << 0;
    QTest::newRow("a ten-gigabyte Content-Length is 413")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 10737418240\r\n\r\n") << QByteArrayList { "POST /a" } << 413;
    QTest::newRow("chunks adding up past the limit are 413")
        << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n") + QByteArray(64, 'x')
            + "\r\n40\r\n"
        << QByteArrayList { "POST /a" } << 413;
    QTest::newRow("Content-Length and Transfer-Encoding together are 400 (smuggling)")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << QByteArrayList { "POST /a" } << 400;
    QTest::newRow("conflicting Content-Length values are 400")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc")
        << QByteArrayList { "POST /a" } << 400;
    QTest::newRow("a signed Content-Length is 400")
        << QByteArray("POST /a HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc") << QByteArrayList { "POST /a" } << 400;
    QTest::newRow("a transfer coding that does not end in chunked is 400")
        << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") << QByteArrayList { "POST /a" } << 400;
    QTest::newRow("a malformed chunk size is 400")
        << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << QByteArrayList { "POST /a" }
        << 400;
    QTest::newRow("a malformed request line is 400") << QByteArray("HELLO\r\n\r\n") << QByteArrayList {} << 400;
    QTest::newRow("an SMTP session is no HTTP request")
        << QByteArray("EHLO client.example\r\nMAIL FROM:<a@b>\r\n\r\n") << QByteArrayList {} << 400;
    QTest::newRow("obsolete line folding is 400")
        << QByteArray("GET / HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n") << QByteArrayList {} << 400;
    QTest::newRow("two Host field lines are 400, before the policy sees the first (RFC 9112 §3.2)")
        << QByteArray("GET / HTTP/1.1\r\nHost: localhost\r\nhost: evil.example\r\n\r\n") << QByteArrayList {} << 400;
    QTest::newRow("CONNECT is 405") << QByteArray("CONNECT 127.0.0.1:25 HTTP/1.1\r\n\r\n") << QByteArrayList {} << 405;
}

void TestHttpRequestGuard::framing()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArrayList, heads);
    QFETCH(int, status);
    for (const QList<qsizetype> &cuts : splits(input.size())) {
        const Run run = feed(input, cuts, 100);
        QCOMPARE(run.heads, heads);
        QCOMPARE(run.refusal ? run.refusal->status : 0, status);
    }
}

void TestHttpRequestGuard::refusesBeforeTheBodyArrives()
{
    // The 413 comes with the head: none of the body has to be read (or buffered) to refuse it.
    const QByteArray head("POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1073741824\r\n\r\n");
    const Run run = feed(head + QByteArray(4096, 'x'), { head.size() }, 4 * 1024 * 1024);
    QVERIFY(run.refusal);
    QCOMPARE(run.refusal->status, 413);
    QCOMPARE(run.refusedAt, head.size());
}

void TestHttpRequestGuard::oversizedHeadIs431()
{
    HttpRequestGuard guard([](const HttpRequestHead &) { return HttpRequestGuard::Decision {}; }, 1024);
    std::optional<HttpRequestGuard::Refusal> refusal = guard.feed("GET / HTTP/1.1\r\n");
    QVERIFY(!refusal);
    for (int i = 0; i < 100 && !refusal; ++i) {
        refusal = guard.feed("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    QVERIFY(refusal);
    QCOMPARE(refusal->status, 431);
    // Once refused, always refused: nothing after it is parsed.
    QCOMPARE(guard.feed("\r\n")->status, 431);
}

void TestHttpRequestGuard::upgradedConnectionIsLeftAlone()
{
    int heads = 0;
    HttpRequestGuard guard([&heads](const HttpRequestHead &) {
        ++heads;
        return HttpRequestGuard::Decision {};
    });
    QVERIFY(!guard.feed("GET /api/events HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, Upgrade\r\n"
                        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    QVERIFY(guard.isUpgraded());
    // WebSocket frames are binary, never HTTP.
    QVERIFY(!guard.feed(QByteArray("\x81\x85\x00\x00\x00\x00hello garbage \r\n\r\n", 24)));
    QCOMPARE(heads, 1);
}

void TestHttpRequestGuard::responseAnnouncesTheClose()
{
    const QByteArray response = HttpRequestGuard::response({ 413, "too large" });
    QVERIFY(response.startsWith("HTTP/1.1 413 Content Too Large\r\n"));
    QVERIFY(response.contains("\r\nConnection: close\r\n"));
    QVERIFY(response.contains("\r\nContent-Length: 10\r\n"));
    QVERIFY(response.endsWith("\r\n\r\ntoo large\n"));
}

QTEST_APPLESS_MAIN(TestHttpRequestGuard)
#include "tst_httprequestguard.moc"
