// The HTML view is locked down: no remote request until "Load remote content" (counted by a local HTTP listener),
// cid: images from the message's own parts, scripts never run, clicked links go to the system browser and the
// view never navigates. Needs a real X server (xvfb-run): Qt WebEngine does not render offscreen.
#include "uitestsupport.h"

#include <ui/htmlview.h>
#include <ui/messagecontent.h>
#include <ui/messageschemehandler.h>

#include <QApplication>
#include <QDesktopServices>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebEngineView>

namespace {
// Counts the requests it gets, by path, and answers each with an empty 200.
class HitCounter : public QTcpServer
{
public:
    HitCounter()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    const QByteArray request = socket->readAll();
                    const QList<QByteArray> words = request.left(request.indexOf("\r\n")).split(' ');
                    if (words.size() >= 2) {
                        ++hits[QString::fromLatin1(words.at(1))];
                    }
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n");
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    int total() const
    {
        int n = 0;
        for (int count : hits) {
            n += count;
        }
        return n;
    }
    QHash<QString, int> hits;
};
} // namespace

class LinkCatcher : public QObject
{
    Q_OBJECT
public:
    QList<QUrl> opened;
public Q_SLOTS:
    void open(const QUrl &url) { opened << url; }
};

class TestHtmlView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void nothingRemoteUntilAskedAndScriptsNeverRun();
    void clickedLinksOpenOutsideAndTheViewStays();
    void widthPresetsNarrowTheView();

private:
    MessageContent load(const QByteArray &raw);
    QTemporaryDir m_dir;
    MessageStore m_store;
    HitCounter m_web;
    LinkCatcher m_links;
};

void TestHtmlView::initTestCase()
{
    QVERIFY(m_store.open(m_dir.path()));
    QVERIFY(m_web.listen(QHostAddress::LocalHost, 0));
    // Links the view hands to the desktop come here instead of a browser.
    QDesktopServices::setUrlHandler(QStringLiteral("http"), &m_links, "open");
}

void TestHtmlView::cleanupTestCase()
{
    QDesktopServices::unsetUrlHandler(QStringLiteral("http"));
    m_store.close();
}

MessageContent TestHtmlView::load(const QByteArray &raw)
{
    const QString id = UiTest::deliver(m_store, raw);
    return MessageContent::load(&m_store, id);
}

void TestHtmlView::nothingRemoteUntilAskedAndScriptsNeverRun()
{
    const QByteArray base = "http://127.0.0.1:" + QByteArray::number(m_web.serverPort());
    // A 1x1 red GIF as the cid: image.
    const QByteArray raw = "From: a@x.test\r\nTo: b@y.test\r\nSubject: remote\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n"
                           "Content-Type: text/html; charset=utf-8\r\n\r\n"
                           "<html><head><link rel=stylesheet href=\""
        + base + "/style.css\"></head><body><p>Hi</p><img src=\"" + base
        + "/pixel.png\"><img src=\"cid:dot@x.test\"><script>new Image().src='" + base
        + "/js';</script></body></html>\r\n--r\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n"
          "Content-ID: <dot@x.test>\r\n\r\nR0lGODlhAQABAIABAP8AAP///ywAAAAAAQABAAACAkQBADs=\r\n--r--\r\n";
    HtmlView view;
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy finished(&view, &HtmlView::loadFinished);
    view.setContent(load(raw));
    QVERIFY(finished.wait(20000));
    QTest::qWait(500);
    QCOMPARE(m_web.total(), 0);
    QVERIFY(view.blockedCount() >= 2); // the stylesheet and the image
    QCOMPARE(view.schemeHandler()->servedCount(QStringLiteral("cid")), 1);

    view.loadRemoteContent();
    QTRY_VERIFY_WITH_TIMEOUT(m_web.hits.value(QStringLiteral("/pixel.png")) >= 1, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(m_web.hits.value(QStringLiteral("/style.css")) >= 1, 20000);
    QTest::qWait(300);
    QCOMPARE(m_web.hits.value(QStringLiteral("/js")), 0);

    // The next message starts blocked again.
    const int before = m_web.total();
    finished.clear();
    view.setContent(load(raw));
    QVERIFY(finished.wait(20000));
    QTest::qWait(500);
    QCOMPARE(m_web.total(), before);
    QVERIFY(!view.isRemoteContentAllowed());
}

void TestHtmlView::clickedLinksOpenOutsideAndTheViewStays()
{
    const QByteArray target = "http://127.0.0.1:" + QByteArray::number(m_web.serverPort()) + "/clicked";
    const QByteArray raw = "From: a@x.test\r\nSubject: link\r\nContent-Type: text/html\r\n\r\n"
                           "<html><body style=\"margin:0\"><a href=\""
        + target + "\" style=\"display:block;width:100%;height:400px;background:#39f\">click</a></body></html>\r\n";
    HtmlView view;
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy finished(&view, &HtmlView::loadFinished);
    QSignalSpy external(&view, &HtmlView::externalLinkRequested);
    view.setContent(load(raw));
    QVERIFY(finished.wait(20000));
    const QUrl shown = view.webView()->url();
    QWidget *surface = view.webView()->focusProxy();
    QVERIFY(surface);
    // The page may still be laying out when it says it has loaded (slower under the sanitizers): click until the
    // link takes it, a bounded number of times.
    for (int attempt = 0; attempt < 40 && external.isEmpty(); ++attempt) {
        QTest::mouseClick(surface, Qt::LeftButton, {}, QPoint(100, 100));
        external.wait(500);
    }
    QCOMPARE(external.size(), 1);
    QCOMPARE(external.first().first().toUrl(), QUrl(QString::fromLatin1(target)));
    QTRY_COMPARE_WITH_TIMEOUT(m_links.opened.size(), 1, 5000);
    QCOMPARE(m_links.opened.first(), QUrl(QString::fromLatin1(target)));
    QTest::qWait(300);
    QCOMPARE(m_web.hits.value(QStringLiteral("/clicked")), 0);
    QCOMPARE(view.webView()->url(), shown);
}

void TestHtmlView::widthPresetsNarrowTheView()
{
    HtmlView view;
    view.resize(1200, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setPreviewWidth(HtmlView::Width::Phone);
    QTRY_COMPARE_WITH_TIMEOUT(view.webView()->width(), 375, 2000);
    view.setPreviewWidth(HtmlView::Width::Tablet);
    QTRY_COMPARE_WITH_TIMEOUT(view.webView()->width(), 768, 2000);
    view.setPreviewWidth(HtmlView::Width::Desktop);
    QTRY_VERIFY_WITH_TIMEOUT(view.webView()->width() > 1000, 2000);
}

int main(int argc, char *argv[])
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    TestHtmlView test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_htmlview.moc"
