// The main window end to end: mail sent over a real loopback socket appears in the inbox and fills every tab;
// new mail keeps the user's selection and scroll position; delete, read flags, export and import round trips;
// search; a busy port shown with a way out; settings applied without losing mail; window state persisted.
#include "uitestsupport.h"

#include "../../tools/screenshots/demosender.h"

#include <service/catcherservice.h>
#include <ui/emptystate.h>
#include <ui/headersmodel.h>
#include <ui/htmlview.h>
#include <ui/inboxmodel.h>
#include <ui/inboxview.h>
#include <ui/mainwindow.h>
#include <ui/messageschemehandler.h>
#include <ui/messageview.h>
#include <ui/notifier.h>
#include <ui/partsmodel.h>
#include <ui/sessionsmodel.h>
#include <ui/sourceview.h>
#include <ui/transcriptmodel.h>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QThreadPool>

#include <atomic>
#include <thread>

namespace {
CatcherConfig loopbackConfig(quint16 port = 0)
{
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:%1").arg(port), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "mx.test";
    return config;
}

AppSettings quietSettings()
{
    AppSettings s;
    s.trayIcon = false;
    s.notifications = false;
    return s;
}

// Sends from a thread of its own (the client blocks; the server runs on this one's event loop and the network
// thread).
bool sendInBackground(quint16 port, const QList<DemoSender::Message> &messages)
{
    std::atomic<bool> done { false };
    bool ok = false;
    QString error;
    std::thread sender([&] {
        ok = DemoSender::send(QStringLiteral("127.0.0.1"), port, messages, &error);
        done = true;
    });
    const bool finished = QTest::qWaitFor([&] { return done.load(); }, 30000);
    Q_UNUSED(finished) // the join below waits for the client's own timeouts either way
    sender.join();
    if (!ok) {
        qWarning("sending failed: %s", qPrintable(error));
    }
    return ok;
}

QString allText(QWidget *widget)
{
    QStringList texts;
    for (QLabel *label : widget->findChildren<QLabel *>()) {
        texts << label->text();
    }
    return texts.join(u'\n');
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void mailOverASocketAppearsAndFillsEveryTab();
    void newMailKeepsSelectionAndScrollPosition();
    void clickingANotificationShowsTheMessage();
    void followNewestSelectsEachArrival();
    void deleteReadExportImportRoundTrip();
    void searchAndFiltersUseTheStoreSyntax();
    void aSearchSaysWhileItIsStillIndexing();
    void aFailedWriteIsShownUntilOneWorks();
    void aBusyPortIsShownWithAWayOut();
    void windowStatePersists();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MessageStore> m_store;
    std::unique_ptr<CatcherService> m_catcher;
};

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    m_store = std::make_unique<MessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    m_catcher = std::make_unique<CatcherService>(m_store.get());
}

void TestMainWindow::cleanup()
{
    m_catcher.reset();
    QThreadPool::globalInstance()->waitForDone();
    m_store->close();
    m_store.reset();
    m_dir.reset();
}

void TestMainWindow::mailOverASocketAppearsAndFillsEveryTab()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    QAbstractItemModelTester tester(window.inboxModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester sessionsTester(
        window.sessionsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // The empty inbox teaches where to send, with the real port.
    const quint16 port = m_catcher->smtpListeners().first().port;
    QVERIFY(window.emptyState()->isVisible());
    QVERIFY(window.emptyState()->text().contains(QStringLiteral("Waiting for mail on 127.0.0.1:%1").arg(port)));
    QVERIFY(window.listeningText().contains(QStringLiteral("127.0.0.1:%1").arg(port)));

    // Demo message 1: Ada's report (To Bob, Cc Carol, envelope also to audit@ = Bcc; a cid image, two attachments).
    const DemoSender::Message report = DemoSender::demoMessages().at(1);
    QVERIFY(sendInBackground(port, { report }));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QVERIFY(window.inboxView()->isVisible());
    window.selectMessage(window.inboxModel()->idAt(0));
    MessageView *view = window.messageView();
    QTRY_VERIFY_WITH_TIMEOUT(!view->isLoading() && view->content().isValid(), 10000);

    QCOMPARE(view->content().parsed.subject, QStringLiteral("Quarterly report ready"));
    // The HTML tab loads the body and its cid: logo from the message itself.
    QTRY_COMPARE_WITH_TIMEOUT(
        view->htmlView()->schemeHandler()->servedCount(QStringLiteral("letterbox-message")), 1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(view->htmlView()->schemeHandler()->servedCount(QStringLiteral("cid")), 1, 20000);
    QVERIFY(allText(view->headerCard()).contains(QStringLiteral("Quarterly report ready")));
    QVERIFY(allText(view->headerCard()).contains(QStringLiteral("Ada Lovelace &lt;ada@example.com&gt;")));
    QVERIFY(view->textView()->toPlainText().contains(QStringLiteral("Revenue grew 12% this quarter.")));
    QStringList headerNames;
    for (int row = 0; row < view->headersModel()->rowCount(); ++row) {
        headerNames << view->headersModel()->index(row, 0).data().toString();
    }
    QCOMPARE(headerNames.first(), QStringLiteral("Received"));
    QVERIFY(headerNames.contains(QStringLiteral("Subject")));
    // Parts: mixed { related { alternative { text, html }, svg }, csv, pdf }.
    QCOMPARE(view->partsModel()->rowCount(), 1);
    QCOMPARE(view->partsModel()->rowCount(view->partsModel()->index(0, 0)), 3);
    // Envelope and session.
    const QString envelope = allText(view->envelopeWidget());
    QVERIFY(envelope.contains(QStringLiteral("<ada@example.com>")));
    QVERIFY(envelope.contains(QStringLiteral("<audit@example.com>  (Bcc: in neither To nor Cc)")));
    QVERIFY(envelope.contains(QStringLiteral("demo.example.test")));
    QStringList lines;
    for (const TranscriptEntry &e : view->transcriptModel()->transcript()) {
        lines << QString::fromUtf8(e.text);
    }
    QVERIFY(lines.contains(QStringLiteral("DATA")));
    QVERIFY(lines.contains(QStringLiteral("RCPT TO:<audit@example.com>")));
    QVERIFY(std::any_of(lines.cbegin(), lines.cend(),
        [](const QString &l) { return l.endsWith(QLatin1String(" octets of message data]")); }));
    // The source is laid out when its tab is shown.
    view->setCurrentTab(MessageView::SourceTab);
    QTRY_VERIFY_WITH_TIMEOUT(!view->sourceView()->isLoading(), 10000);
    const QString source = view->sourceView()->editor()->toPlainText();
    QVERIFY(source.startsWith(QStringLiteral("Received: from demo.example.test ([127.0.0.1]) by mx.test")));
    QVERIFY(source.contains(QStringLiteral("Subject: Quarterly report ready")));
    QVERIFY(view->sourceView()->find(QStringLiteral("summary.pdf")));
    // Opening a message marks it read (as Mailpit does).
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unreadCount(), 0, 5000);
    // The session is in the dock, with its transcript.
    window.sessionsModel()->flush();
    QCOMPARE(window.sessionsModel()->rowCount(), 1);
    QCOMPARE(window.sessionsModel()->index(0, SessionsModel::MessagesColumn).data().toInt(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(window.sessionTranscriptModel()->rowCount() > 5, 5000);
}

void TestMainWindow::newMailKeepsSelectionAndScrollPosition()
{
    for (int i = 0; i < 300; ++i) {
        UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("m%1").arg(i)), 1764000000000 + i);
    }
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.resize(1000, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    InboxView *list = window.inboxView();
    const QString selected = window.inboxModel()->idAt(120);
    window.selectMessage(selected);
    list->scrollTo(window.inboxModel()->index(120, 0), QAbstractItemView::PositionAtTop);
    QCoreApplication::processEvents();
    const QString topBefore = list->indexAt(QPoint(5, 5)).data(InboxModel::IdRole).toString();
    QVERIFY(!topBefore.isEmpty());

    QVERIFY(sendInBackground(m_catcher->smtpListeners().first().port, DemoSender::demoMessages().mid(0, 3)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 303, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowOf(selected), 123, 5000);
    QCoreApplication::processEvents();
    QCOMPARE(window.selectedIds(), QStringList { selected });
    QCOMPARE(list->selectionModel()->currentIndex().row(), 123);
    QCOMPARE(list->indexAt(QPoint(5, 5)).data(InboxModel::IdRole).toString(), topBefore);
}

void TestMainWindow::clickingANotificationShowsTheMessage()
{
    const QString older = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("older")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("newer")));
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.showMinimized();
    Q_EMIT window.notifier()->activated(older);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { older }, 5000);
    QVERIFY(!window.isMinimized());
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), older, 5000);
}

void TestMainWindow::followNewestSelectsEachArrival()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("old")));
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.action(QStringLiteral("follow"))->setChecked(true);
    QVERIFY(sendInBackground(m_catcher->smtpListeners().first().port, DemoSender::demoMessages().mid(2, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { window.inboxModel()->idAt(0) }, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.messageView()->content().parsed.subject, QStringLiteral("Reset your password"), 5000);
}

void TestMainWindow::deleteReadExportImportRoundTrip()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")), 1764000000000);
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("second")), 1764000001000);
    const QString c = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("third")), 1764000002000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QSignalSpy jobs(&window, &MainWindow::jobFinished);

    // Ctrl+R on an unread selection marks it read; again marks it unread.
    auto listedRead = [&] {
        return window.inboxModel()->index(window.inboxModel()->rowOf(b), 0).data(InboxModel::ReadRole).toBool();
    };
    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->summary(b)->read, true, 5000); // opening reads it
    QTRY_VERIFY_WITH_TIMEOUT(listedRead(), 5000);
    window.action(QStringLiteral("toggleRead"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->summary(b)->read, false, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!listedRead(), 5000);
    window.action(QStringLiteral("toggleRead"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->summary(b)->read, true, 5000);

    // Export writes the stored source byte for byte; import brings it back as a new message.
    const QString file = m_dir->filePath(QStringLiteral("second.eml"));
    window.exportMessage(b, file);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(jobs.cbegin(), jobs.cend(),
                                 [](const QList<QVariant> &j) { return j.at(0).toString() == u"export"; }),
        5000);
    QFile exported(file);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    QCOMPARE(exported.readAll(), m_store->message(b)->raw);
    window.importFiles({ file });
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 4, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 4, 5000);
    QCOMPARE(m_store->message(window.inboxModel()->idAt(0))->raw, m_store->message(b)->raw);

    // Delete removes the selection and selects the next message.
    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { b }, 5000);
    window.action(QStringLiteral("delete"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowOf(b), -1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { a }, 5000);
    QVERIFY(m_store->message(c));

    // Mark all read, then delete all.
    window.markAllRead();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unreadCount(), 0, 5000);
    window.deleteAll();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QVERIFY(window.emptyState()->isVisible());
}

void TestMainWindow::searchAndFiltersUseTheStoreSyntax()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Invoice 1"), QStringLiteral("billing@shop.test")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Hello"), QStringLiteral("friend@home.test")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Invoice 2"), QStringLiteral("billing@shop.test")));
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.searchField()->setText(QStringLiteral("invoice -\"invoice 2\""));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 5000);
    QCOMPARE(window.inboxModel()->summaryAt(0).subject, QStringLiteral("Invoice 1"));
    window.searchField()->setText(QStringLiteral("from:billing"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 5000);
    window.searchField()->setText(QStringLiteral("from:nobody"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QVERIFY(window.emptyState()->isVisible());
    QVERIFY(window.emptyState()->text().contains(QStringLiteral("No messages match from:nobody")));
    window.searchField()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 3, 5000);
}

void TestMainWindow::aSearchSaysWhileItIsStillIndexing()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // A flood has just been stored; the store indexes it once deliveries pause.
    constexpr int Flood = 3000;
    UiTest::deliverFlood(*m_store, Flood);
    QVERIFY2(m_store->unindexedCount() > 0, "indexed before the search: nothing was tested");
    window.searchField()->setText(QStringLiteral("needle"));
    QTest::keyClick(window.searchField(), Qt::Key_Return);
    // The window answers at once from what is indexed, and says so.
    QVERIFY2(window.indexingText().startsWith(QStringLiteral("Still indexing ")), qPrintable(window.indexingText()));
    QVERIFY(window.indexingText().endsWith(QStringLiteral(" messages \u2014 results will update")));
    // The search runs again by itself when the index has caught up.
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), Flood, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(window.indexingText().isEmpty(), 5000);
}

void TestMainWindow::aFailedWriteIsShownUntilOneWorks()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")), 1764000000000);
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("second")), 1764000001000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.writeErrorText().isEmpty());
    auto *bar = window.findChild<QFrame *>(QStringLiteral("writeErrorBar"));
    QVERIFY(bar);
    QVERIFY(!bar->isVisible());

    // The store refuses every write (as on a full disk): deleting does nothing, and the window says so in red
    // until it is dismissed or a deletion works.
    QVERIFY(m_store->refuseWritesForTesting(true));
    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { b }, 5000);
    // Opening it marks it read: that fails too.
    QTRY_COMPARE_WITH_TIMEOUT(
        window.writeErrorText(), QStringLiteral("Could not mark 1 message read: not authorized"), 5000);
    window.action(QStringLiteral("delete"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(
        window.writeErrorText(), QStringLiteral("Could not delete 1 message: not authorized"), 5000);
    QVERIFY(bar->isVisible());
    QVERIFY(bar->styleSheet().contains(QStringLiteral("#c62828")));
    QCOMPARE(m_store->count(), 2);
    window.deleteAll();
    QTRY_COMPARE_WITH_TIMEOUT(
        window.writeErrorText(), QStringLiteral("Could not delete all messages: not authorized"), 5000);
    QCOMPARE(m_store->count(), 2);

    QVERIFY(m_store->refuseWritesForTesting(false));
    window.selectMessage(a);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { a }, 5000);
    window.action(QStringLiteral("delete"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(window.writeErrorText().isEmpty(), 5000);
    QVERIFY(!bar->isVisible());
}

void TestMainWindow::aBusyPortIsShownWithAWayOut()
{
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("kept")));
    QVERIFY(!m_catcher->start(loopbackConfig(busy.serverPort())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig(busy.serverPort()));
    window.show();
    const QString address = QStringLiteral("127.0.0.1:%1").arg(busy.serverPort());
    QVERIFY(window.listeningText().contains(QStringLiteral("cannot listen on ") + address));
    // Applying settings with another port restarts the listeners; the stored mail stays.
    AppSettings settings = quietSettings();
    settings.smtp = QStringLiteral("127.0.0.1:0");
    settings.api = QStringLiteral("off");
    CatcherConfig config;
    QString error;
    QVERIFY(settings.toConfig(loopbackConfig(), &config, &error));
    QVERIFY(window.applySettings(settings, config));
    const quint16 port = m_catcher->smtpListeners().first().port;
    QVERIFY(window.listeningText().contains(QStringLiteral("Catching on 127.0.0.1:%1").arg(port)));
    QCOMPARE(window.inboxModel()->rowCount(), 1);
    QVERIFY(sendInBackground(port, DemoSender::demoMessages().mid(2, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 10000);
    // Invalid settings are refused before anything stops.
    settings.smtp = QStringLiteral("nonsense");
    QVERIFY(!settings.toConfig(loopbackConfig(), &config, &error));
    QVERIFY(error.contains(QStringLiteral("nonsense")));
}

void TestMainWindow::windowStatePersists()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    {
        MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
        window.show();
        window.action(QStringLiteral("compact"))->trigger();
        window.action(QStringLiteral("follow"))->setChecked(true);
        window.messageView()->setCurrentTab(MessageView::HeadersTab);
        window.close();
    }
    MainWindow again(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    QVERIFY(again.action(QStringLiteral("compact"))->isChecked());
    QCOMPARE(again.inboxView()->rowLayout(), InboxView::Layout::Compact);
    QVERIFY(again.action(QStringLiteral("follow"))->isChecked());
    QCOMPARE(again.messageView()->currentTab(), MessageView::HeadersTab);
}

int main(int argc, char *argv[])
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_mainwindow.moc"
