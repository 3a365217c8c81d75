// RemoteRulesDocument (README "REST API": GET|PUT /api/v1/rules) against the real headless letterbox: the rules read
// and saved over the API, a refused save's text, others' changes noticed by polling (and this document's own not told
// back), a failed save followed by the server's rules, and a catcher that never answers bounded by the timeout.

#include "remotetestservers.h"

#include <remote/remotehttp.h>
#include <remote/remoterulesdocument.h>
#include <rules/ruleset.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <atomic>
#include <optional>

namespace {
RemoteEndpoint endpointOf(const QString &url)
{
    RemoteEndpoint endpoint;
    QString error;
    if (!RemoteEndpoint::parse(url, &endpoint, &error)) {
        qFatal("bad URL %s: %s", qPrintable(url), qPrintable(error));
    }
    return endpoint;
}

// One recipient rule refusing pattern with 550 5.1.1 (README "Testing failure handling").
QByteArray refusing(const QString &pattern)
{
    return QStringLiteral("{\"version\": 1, \"recipient\": [{\"match\": \"glob\", \"pattern\": \"%1\", \"code\": 550, "
                          "\"enhanced\": \"5.1.1\", \"text\": \"no such user\"}]}")
        .arg(pattern)
        .toUtf8();
}

// The recipient patterns of a rules document.
QStringList recipientPatterns(const QByteArray &body)
{
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(body, &error);
    QStringList patterns;
    if (set) {
        for (const Rule &rule : set->rules(RuleSet::Stage::Recipient)) {
            patterns << rule.pattern;
        }
    }
    return patterns;
}

QByteArray serverRules(const RemoteEndpoint &endpoint)
{
    return RemoteHttp::send(endpoint, "GET", endpoint.url(QStringLiteral("/api/v1/rules"))).body;
}

// save() as the Rules window calls it: on a worker thread, while this thread's event loop runs.
bool saveOnWorker(RemoteRulesDocument *document, const QByteArray &body, QString *error)
{
    QThreadPool worker;
    std::atomic<bool> finished { false };
    bool saved = false;
    QString why;
    worker.start([&] {
        saved = document->save(body, &why);
        finished = true;
    });
    const bool inTime = QTest::qWaitFor([&finished] { return finished.load(); }, 20000);
    worker.waitForDone();
    *error = inTime ? why : QStringLiteral("no answer within 20 s");
    return inTime && saved;
}
} // namespace

class TestRemoteRulesDocument : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void readsAndSavesOverTheApi();
    void refusedSaveSaysWhyAndReadsBack();
    void othersChangesArePolled();
    void silentCatcherTimesOut();

private:
    QTemporaryDir m_data;
    RemoteTestServer m_server;
};

void TestRemoteRulesDocument::initTestCase()
{
    QVERIFY(m_server.startLetterbox(m_data.path()));
}

void TestRemoteRulesDocument::cleanupTestCase()
{
    m_server.stop();
}

void TestRemoteRulesDocument::readsAndSavesOverTheApi()
{
    const RemoteEndpoint endpoint = endpointOf(m_server.apiUrl());
    RemoteRulesDocument document(endpoint);
    QCOMPARE(document.location(), m_server.apiUrl() + QStringLiteral("/api/v1/rules"));
    QString error;
    const std::optional<SettingsDocument::Contents> before = document.read(&error);
    QVERIFY2(before, qPrintable(error));
    QVERIFY(before->exists);
    QVERIFY(RuleSet::fromJson(before->body, &error));

    QVERIFY2(saveOnWorker(&document, refusing(QStringLiteral("nobody@*")), &error), qPrintable(error));
    // Kept by the server, and in force there: its SMTP refuses the recipient now.
    QCOMPARE(recipientPatterns(serverRules(endpoint)), QStringList { QStringLiteral("nobody@*") });
    QCOMPARE(recipientPatterns(document.read(&error)->body), QStringList { QStringLiteral("nobody@*") });
    QVERIFY(!sendMail(m_server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("nobody@example.com"),
        QStringLiteral("Refused")));
    QVERIFY(sendMail(m_server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Accepted")));
}

void TestRemoteRulesDocument::refusedSaveSaysWhyAndReadsBack()
{
    const RemoteEndpoint endpoint = endpointOf(m_server.apiUrl());
    RemoteRulesDocument document(endpoint);
    QString error;
    QVERIFY2(saveOnWorker(&document, refusing(QStringLiteral("kept@*")), &error), qPrintable(error));
    QSignalSpy told(&document, &SettingsDocument::changedElsewhere);

    // The server validates the whole set (README "REST API"): 400 "LINE: field: problem", and nothing changes.
    QVERIFY(!saveOnWorker(
        &document, QByteArrayLiteral("{\"version\": 1, \"sender\": [{\"match\": \"nonsense\"}]}"), &error));
    QVERIFY2(error.startsWith(document.location() + QStringLiteral(": ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("match")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("HTTP 400")), qPrintable(error));
    QCOMPARE(recipientPatterns(serverRules(endpoint)), QStringList { QStringLiteral("kept@*") });
    // What the editor applied is not what the server keeps: the server's rules are told back.
    QTRY_COMPARE_WITH_TIMEOUT(told.size(), 1, 10000);
    QCOMPARE(recipientPatterns(told.at(0).at(0).toByteArray()), QStringList { QStringLiteral("kept@*") });
}

void TestRemoteRulesDocument::othersChangesArePolled()
{
    const RemoteEndpoint endpoint = endpointOf(m_server.apiUrl());
    RemoteRulesDocument document(endpoint);
    document.setPollInterval(200);
    QString error;
    QVERIFY2(saveOnWorker(&document, refusing(QStringLiteral("mine@*")), &error), qPrintable(error));
    QSignalSpy told(&document, &SettingsDocument::changedElsewhere);
    document.setPolling(true);
    QVERIFY(document.isPolling());
    // Its own save is not someone else's change.
    QTest::qWait(800);
    QCOMPARE(told.size(), 0);
    QVERIFY2(saveOnWorker(&document, refusing(QStringLiteral("mine-again@*")), &error), qPrintable(error));
    QTest::qWait(800);
    QCOMPARE(told.size(), 0);

    // Another client's PUT arrives within a few polls.
    const RemoteReply put = RemoteHttp::send(
        endpoint, "PUT", endpoint.url(QStringLiteral("/api/v1/rules")), refusing(QStringLiteral("theirs@*")));
    QVERIFY2(put.isOk(), qPrintable(put.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(told.size(), 1, 5000);
    QCOMPARE(recipientPatterns(told.at(0).at(0).toByteArray()), QStringList { QStringLiteral("theirs@*") });
    // Told once: the same rules are not news.
    QTest::qWait(800);
    QCOMPARE(told.size(), 1);

    // Not polling: not told.
    document.setPolling(false);
    QVERIFY(RemoteHttp::send(
        endpoint, "PUT", endpoint.url(QStringLiteral("/api/v1/rules")), refusing(QStringLiteral("unseen@*")))
                .isOk());
    QTest::qWait(800);
    QCOMPARE(told.size(), 1);
    // poll() reads once (after a reconnect).
    document.poll();
    QTRY_COMPARE_WITH_TIMEOUT(told.size(), 2, 5000);
    QCOMPARE(recipientPatterns(told.at(1).at(0).toByteArray()), QStringList { QStringLiteral("unseen@*") });
}

void TestRemoteRulesDocument::silentCatcherTimesOut()
{
    // Listens, never answers: the connection is made and no HTTP reply ever comes.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    RemoteRulesDocument document(endpointOf(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort())));
    document.setRequestTimeout(1000);
    QElapsedTimer timer;
    timer.start();
    QString error;
    QVERIFY(!document.read(&error));
    QVERIFY2(error.startsWith(document.location()), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("no answer")), qPrintable(error));
    QVERIFY(!saveOnWorker(&document, refusing(QStringLiteral("x@*")), &error));
    QVERIFY2(error.contains(QStringLiteral("no answer")), qPrintable(error));
    QVERIFY2(timer.elapsed() < 8000, qPrintable(QString::number(timer.elapsed())));
    // The asynchronous read answers too, with the reason.
    std::optional<QString> why;
    document.fetch(
        this, [&why](const std::optional<QByteArray> &body, const QString &e) { why = body ? QString() : e; });
    QTRY_VERIFY_WITH_TIMEOUT(why.has_value(), 5000);
    QVERIFY2(why->contains(QStringLiteral("no answer")), qPrintable(*why));
}

QTEST_MAIN(TestRemoteRulesDocument)
#include "tst_remoterulesdocument.moc"
