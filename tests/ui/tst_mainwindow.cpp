// The main window end to end: mail sent over a real loopback socket appears in the inbox and fills every tab;
// new mail keeps the user's selection and scroll position; delete, read flags, export and import round trips;
// search; a busy port shown with a way out; settings applied without losing mail; window state persisted.
#include "uitestsupport.h"

#include "../../tools/screenshots/demosender.h"

#include <api/apiserver.h>
#include <message/messageid.h>
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
#include <ui/settingsdialog.h>
#include <ui/sourceview.h>
#include <ui/tagbar.h>
#include <ui/transcriptmodel.h>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QFrame>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QStatusBar>
#include <QStyle>
#include <QStyleOption>
#include <QTabBar>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <atomic>
#include <functional>
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

using UiTest::quietSettings;

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

// The visible label showing text (a part of it), or nullptr.
QLabel *visibleLabel(QWidget *root, const QString &text)
{
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (label->isVisible() && label->text().contains(text)) {
            return label;
        }
    }
    return nullptr;
}

// Runs act on the next modal dialog once it is shown (from inside its exec()).
void whenModal(const std::function<void(QDialog *)> &act)
{
    auto *poll = new QTimer(qApp);
    poll->setInterval(20);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, act] {
        if (auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget()); dialog && dialog->isVisible()) {
            poll->deleteLater();
            poll->stop();
            act(dialog);
        }
    });
    poll->start();
}

QLineEdit *fieldNamed(QWidget *root, const QString &accessibleName)
{
    for (QLineEdit *edit : root->findChildren<QLineEdit *>()) {
        if (edit->accessibleName() == accessibleName) {
            return edit;
        }
    }
    return nullptr;
}

// A port nothing listens on right now.
quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// Header sections too narrow for their title, and (for the columns in contents) for their cells: "Durat",
// "839 b…".
QStringList cutOffColumns(QTableView *view, const QList<int> &contentColumns)
{
    QStringList cut;
    QHeaderView *header = view->horizontalHeader();
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c)) {
            continue;
        }
        // What the title needs, as QHeaderView measures it (bold, room for a sort indicator); a model's size hint
        // may ask for more (typical contents), which a stretched column need not get.
        const QString title = view->model()->headerData(c, Qt::Horizontal).toString();
        QStyleOptionHeader option;
        option.initFrom(header);
        QFont bold = header->font();
        bold.setBold(true);
        option.fontMetrics = QFontMetrics(bold);
        option.text = title;
        if (header->isSortIndicatorShown()) {
            option.sortIndicator = QStyleOptionHeader::SortDown;
        }
        const int needed
            = header->style()->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), header).width();
        if (header->sectionSize(c) < needed) {
            cut << QStringLiteral("header '%1' %2 < %3").arg(title).arg(header->sectionSize(c)).arg(needed);
        }
        const int cells = static_cast<QAbstractItemView *>(view)->sizeHintForColumn(c);
        if (contentColumns.contains(c) && header->sectionSize(c) < cells) {
            cut << QStringLiteral("cells of '%1' %2 < %3").arg(title).arg(header->sectionSize(c)).arg(cells);
        }
    }
    return cut;
}

// One request to the API over loopback, answered on this thread's event loop: the JSON body (null when none).
QJsonDocument api(
    const QByteArray &verb, quint16 port, const QString &path, const QJsonObject &body = {}, int *status = nullptr)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = manager.sendCustomRequest(
        request, verb, body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000)) {
        qWarning("no answer to %s %s", verb.constData(), qPrintable(path));
    }
    if (status) {
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
    const QJsonDocument answer = QJsonDocument::fromJson(reply->readAll());
    reply->deleteLater();
    return answer;
}

QStringList strings(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &v : value.toArray()) {
        list << v.toString();
    }
    return list;
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
    void searchResultsOpenAtTheTop();
    void searchSaysHowManyMatchOfAll();
    void escapeClearsTheSearch();
    void downInTheSearchGoesToTheResults();
    void theReaderClearsWhenItsMessageNoLongerMatches();
    void deletedMessagesLeaveTheReader();
    void aBusyPortInSettingsKeepsTheOldListeners();
    void settingsTakeABarePortAndSayWhenItIsOutOfRange();
    void theApiUrlShownSaysHttpsWithACertificate();
    void everyMnemonicLabelHasABuddy();
    void theAppOpensNothingByItself();
    void leavingFullScreenRestoresTheDocksAndSaysHow();
    void tabMovesFocusAndArrowsMoveTheSelection();
    void anEmptyInboxTeachesInTheReaderPane();
    void noColumnHeaderIsCutOffAt1280Pixels();
    void theListeningStateStaysInSight();
    void exportAsMboxWritesTheSelectionElseTheSearch();
    void tagsRoundTripThroughTheApi();
    void clickingATagFiltersTheList();
    void tagsAreRenamedAndDeletedEverywhere();
    void ctrlPPinsAndThePinSurvivesDeleteAll();
    void refusedSessionsFromTheStoreAndTheRefusedFilter();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<CatcherService> m_catcher;
};

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    // QSettings finds its directory once per process: each test starts from no saved state all the same.
    QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).clear();
    m_store = std::make_unique<SqliteMessageStore>();
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
    // The list is read asynchronously: row 120 exists once the first page has come (a slow build, such as the
    // sanitizers', shows the window before it has).
    QTRY_VERIFY_WITH_TIMEOUT(window.inboxModel()->rowCount() > 120, 10000);
    const QString selected = window.inboxModel()->idAt(120);
    QVERIFY(!selected.isEmpty());
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
    // The window answers from what is indexed without waiting for the backlog, and says so.
    QTRY_VERIFY2_WITH_TIMEOUT(
        window.indexingText().startsWith(QStringLiteral("Still indexing ")), qPrintable(window.indexingText()), 5000);
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
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 5000);
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

namespace {
// count messages, newest last; the even ones say "needle", the odd ones "hay".
QStringList deliverNeedlesAndHay(MessageStore &store, int count)
{
    QStringList ids;
    for (int i = 0; i < count; ++i) {
        const QString subject = (i % 2 == 0 ? QStringLiteral("needle %1") : QStringLiteral("hay %1")).arg(i);
        ids << UiTest::deliver(store, UiTest::simpleMessage(subject), 1764000000000 + i * 1000);
    }
    return ids;
}
} // namespace

void TestMainWindow::searchResultsOpenAtTheTop()
{
    const QStringList ids = deliverNeedlesAndHay(*m_store, 300);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.resize(1280, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    InboxView *list = window.inboxView();
    // Reading an older match far down the list ("needle 100", row 199).
    const QString shown = ids.at(100);
    window.selectMessage(shown);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), shown, 5000);
    QVERIFY(list->verticalScrollBar()->value() > 0);
    window.searchField()->setText(QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 150, 5000);
    QCoreApplication::processEvents();
    // The newest matches are in sight; the message being read stays selected further down.
    QCOMPARE(list->verticalScrollBar()->value(), 0);
    QCOMPARE(list->indexAt(QPoint(5, 5)).data(InboxModel::IdRole).toString(), ids.at(298));
    QCOMPARE(window.selectedIds(), QStringList { shown });
    QCOMPARE(window.messageView()->messageId(), shown);
}

void TestMainWindow::searchSaysHowManyMatchOfAll()
{
    deliverNeedlesAndHay(*m_store, 300);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *count = window.findChild<QLabel *>(QStringLiteral("matchCount"));
    QVERIFY2(count, "no match count next to the search");
    QVERIFY(!count->isVisible());
    window.searchField()->setText(QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(count->text(), QStringLiteral("150 of 300"), 5000);
    QVERIFY(count->isVisible());
    window.findChild<QToolButton *>(QStringLiteral("unreadFilter"))->setChecked(true);
    window.searchField()->setText(QStringLiteral("needle 298"));
    QTRY_COMPARE_WITH_TIMEOUT(count->text(), QStringLiteral("1 of 300"), 5000);
    window.findChild<QToolButton *>(QStringLiteral("unreadFilter"))->setChecked(false);
    window.searchField()->clear();
    QTRY_VERIFY_WITH_TIMEOUT(!count->isVisible(), 5000);
}

void TestMainWindow::escapeClearsTheSearch()
{
    deliverNeedlesAndHay(*m_store, 10);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.searchField()->setFocus();
    QTest::keyClicks(window.searchField(), QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 5, 5000);
    QTest::keyClick(window.searchField(), Qt::Key_Escape);
    QCOMPARE(window.searchField()->text(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 10, 5000);
    // In the list too, where a keyboard user lands after searching.
    window.searchField()->setText(QStringLiteral("hay"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 5, 5000);
    window.inboxView()->setFocus();
    QTest::keyClick(window.inboxView(), Qt::Key_Escape);
    QCOMPARE(window.searchField()->text(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 10, 5000);
}

void TestMainWindow::downInTheSearchGoesToTheResults()
{
    deliverNeedlesAndHay(*m_store, 10);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.searchField()->setFocus();
    QTest::keyClicks(window.searchField(), QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 5, 5000);
    QVERIFY(window.selectedIds().isEmpty());
    QTest::keyClick(window.searchField(), Qt::Key_Down);
    QTRY_VERIFY_WITH_TIMEOUT(window.inboxView()->hasFocus(), 5000);
    // The newest match, selected by the user's key (so it opens), and the next Down moves on from it.
    const QString first = window.inboxModel()->idAt(0);
    QCOMPARE(window.selectedIds(), QStringList { first });
    QTest::keyClick(window.inboxView(), Qt::Key_Down);
    QCOMPARE(window.selectedIds(), QStringList { window.inboxModel()->idAt(1) });
    // With a selection already made, Down from the search keeps it.
    window.searchField()->setFocus();
    QTest::keyClick(window.searchField(), Qt::Key_Down);
    QCOMPARE(window.selectedIds(), QStringList { window.inboxModel()->idAt(1) });
}

void TestMainWindow::theReaderClearsWhenItsMessageNoLongerMatches()
{
    const QStringList ids = deliverNeedlesAndHay(*m_store, 10);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.selectMessage(ids.at(3)); // "hay 3"
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 5000);
    window.searchField()->setText(QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 5, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->messageId().isEmpty(), 5000);
    QVERIFY(window.selectedIds().isEmpty());
    QVERIFY(!window.action(QStringLiteral("delete"))->isEnabled());
}

void TestMainWindow::deletedMessagesLeaveTheReader()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")), 1764000000000);
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("second")), 1764000001000);
    const QString c = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("third")), 1764000002000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    auto actionsEnabled = [&] {
        QStringList enabled;
        for (const char *name : { "delete", "export", "toggleRead" }) {
            if (window.action(QLatin1String(name))->isEnabled()) {
                enabled << QLatin1String(name);
            }
        }
        return enabled;
    };

    // Delete the only match of a search: nothing comes next.
    window.searchField()->setText(QStringLiteral("second"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 5000);
    window.selectMessage(b);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 5000);
    QCOMPARE(actionsEnabled().size(), 3);
    window.action(QStringLiteral("delete"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), QString(), 5000);
    QCOMPARE(actionsEnabled(), QStringList());

    // Deleted elsewhere (through the API): the reader clears too.
    window.searchField()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 5000);
    window.selectMessage(c);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 5000);
    QVERIFY(m_store->remove({ c }));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowOf(c), -1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), QString(), 5000);
    QCOMPARE(actionsEnabled(), QStringList());

    // Delete All.
    window.selectMessage(a);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 5000);
    QCOMPARE(actionsEnabled().size(), 3);
    window.deleteAll();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), QString(), 5000);
    QCOMPARE(actionsEnabled(), QStringList());
}

void TestMainWindow::aBusyPortInSettingsKeepsTheOldListeners()
{
    AppSettings settings = quietSettings();
    settings.smtp = QStringLiteral("127.0.0.1:0");
    settings.api = QStringLiteral("127.0.0.1:0");
    CatcherConfig config;
    QString error;
    QVERIFY(settings.toConfig(loopbackConfig(), &config, &error));
    QVERIFY(m_catcher->start(config));
    const quint16 smtpPort = m_catcher->smtpListeners().first().port;
    const quint16 apiPort = m_catcher->apiListener()->port;
    MainWindow window(m_store.get(), m_catcher.get(), settings, loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    const QString busyAddress = QStringLiteral("127.0.0.1:%1").arg(busy.serverPort());
    for (const QString &field : { QStringLiteral("SMTP addresses"), QStringLiteral("API address") }) {
        bool stayedOpen = false;
        QString shown;
        whenModal([&](QDialog *dialog) {
            fieldNamed(dialog, field)->setText(busyAddress);
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
            stayedOpen = dialog->isVisible();
            for (QLabel *label : dialog->findChildren<QLabel *>()) {
                if (label->isVisible() && label->text().contains(busyAddress)) {
                    shown = label->text();
                }
            }
            dialog->reject();
        });
        window.action(QStringLiteral("settings"))->trigger();
        QVERIFY2(stayedOpen, qPrintable(field));
        QVERIFY2(shown.contains(QStringLiteral("cannot listen on %1").arg(busyAddress)), qPrintable(shown));
        // The old listeners still run, and the window says where.
        QVERIFY(m_catcher->isRunning());
        QCOMPARE(m_catcher->smtpListeners().size(), 1);
        QCOMPARE(m_catcher->smtpListeners().first().port, smtpPort);
        QVERIFY(m_catcher->apiListener());
        QCOMPARE(m_catcher->apiListener()->port, apiPort);
        QVERIFY2(window.listeningText().contains(QStringLiteral("Catching on 127.0.0.1:%1").arg(smtpPort)),
            qPrintable(window.listeningText()));
        QCOMPARE(window.settings().smtp, QStringLiteral("127.0.0.1:0"));
    }
    const int before = window.inboxModel()->rowCount();
    QVERIFY(sendInBackground(smtpPort, DemoSender::demoMessages().mid(2, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), before + 1, 10000);

    // applySettings() alike: false, the old listeners kept, the error in sight at once.
    AppSettings busySettings = settings;
    busySettings.smtp = busyAddress;
    QVERIFY(busySettings.toConfig(loopbackConfig(), &config, &error));
    QVERIFY(!window.applySettings(busySettings, config));
    QCOMPARE(m_catcher->smtpListeners().first().port, smtpPort);
    QVERIFY(window.statusBar()->currentMessage().isEmpty());
}

void TestMainWindow::theApiUrlShownSaysHttpsWithACertificate()
{
    // CONTRACT "Team store, API access and remote attach": with --api-tls-cert the API is https://, in the window as
    // on the listening line.
    QFile certificate(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.crt"));
    QFile key(QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.key"));
    QVERIFY(certificate.open(QIODevice::ReadOnly) && key.open(QIODevice::ReadOnly));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(certificate.readAll()));
    tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
    for (const bool https : { false, true }) {
        CatcherConfig config = loopbackConfig();
        config.api = ListenAddress();
        QString why;
        QVERIFY(ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &*config.api, &why));
        if (https) {
            config.apiTls = tls;
        }
        QVERIFY(m_catcher->start(config));
        MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString url = QStringLiteral("%1://127.0.0.1:%2")
                                .arg(https ? QStringLiteral("https") : QStringLiteral("http"))
                                .arg(m_catcher->apiListener()->port);
        QVERIFY2(window.listeningText().contains(QStringLiteral("API ") + url), qPrintable(window.listeningText()));
        QVERIFY(m_catcher->listeningLines().contains(QStringLiteral("API listening on ") + url));
        m_catcher->stop();
    }
}

void TestMainWindow::settingsTakeABarePortAndSayWhenItIsOutOfRange()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    // "2526" means 127.0.0.1:2526, in the settings as on the command line.
    AppSettings settings = quietSettings();
    settings.api = QStringLiteral("off");
    const quint16 port = freePort();
    settings.smtp = QString::number(port);
    CatcherConfig config;
    QString error;
    QVERIFY2(settings.toConfig(loopbackConfig(), &config, &error), qPrintable(error));
    QCOMPARE(config.smtp.first().address, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(config.smtp.first().port, port);
    QVERIFY(window.applySettings(settings, config));
    QVERIFY(window.listeningText().contains(QStringLiteral("Catching on 127.0.0.1:%1").arg(port)));
    for (const QString &text : { QStringLiteral("99999"), QStringLiteral("127.0.0.1:99999") }) {
        settings.smtp = text;
        QVERIFY(!settings.toConfig(loopbackConfig(), &config, &error));
        QVERIFY2(error.contains(QStringLiteral("port out of range")), qPrintable(error));
    }
    // In the dialog: named, and the dialog stays.
    QString shown;
    whenModal([&](QDialog *dialog) {
        fieldNamed(dialog, QStringLiteral("SMTP addresses"))->setText(QStringLiteral("99999"));
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        if (QLabel *label = visibleLabel(dialog, QStringLiteral("99999"))) {
            shown = label->text();
        }
        dialog->reject();
    });
    window.action(QStringLiteral("settings"))->trigger();
    QVERIFY2(shown.contains(QStringLiteral("port out of range")), qPrintable(shown));
}

void TestMainWindow::everyMnemonicLabelHasABuddy()
{
    // A label with "&" and no buddy shows the ampersand ("&API listens on") and its Alt key does nothing.
    SettingsDialog dialog(quietSettings(), loopbackConfig());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QStringList orphans;
    for (QLabel *label : dialog.findChildren<QLabel *>()) {
        const QString text = label->text();
        if (text.contains(u'&') && !text.contains(QStringLiteral("&&")) && !Qt::mightBeRichText(text)
            && !label->buddy()) {
            orphans << text;
        }
    }
    QVERIFY2(orphans.isEmpty(), qPrintable(orphans.join(QStringLiteral(", "))));
}

void TestMainWindow::theAppOpensNothingByItself()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("older")), 1764000000000);
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("newer")), 1764000001000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    // Tabbing into the list: the view makes a row current (without selecting it); that must not open it.
    window.inboxView()->setFocus(Qt::TabFocusReason);
    QTest::qWait(300);
    QCOMPARE(window.messageView()->messageId(), QString());
    QCOMPARE(m_store->unreadCount(), 2);
    // A first arrival into an empty list opens nothing either.
    window.deleteAll();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QVERIFY(sendInBackground(m_catcher->smtpListeners().first().port, DemoSender::demoMessages().mid(2, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    window.inboxView()->setFocus(Qt::TabFocusReason);
    QTest::qWait(300);
    QCOMPARE(window.messageView()->messageId(), QString());
    QCOMPARE(m_store->unreadCount(), 1);
    // What the user selects opens, by mouse or keyboard.
    InboxView *list = window.inboxView();
    QTest::mouseClick(
        list->viewport(), Qt::LeftButton, {}, list->visualRect(window.inboxModel()->index(0, 0)).center());
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), window.inboxModel()->idAt(0), 5000);
    QCOMPARE(window.selectedIds(), QStringList { window.inboxModel()->idAt(0) });
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unreadCount(), 0, 5000);
}

void TestMainWindow::leavingFullScreenRestoresTheDocksAndSaysHow()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto *dock = window.findChild<QDockWidget *>(QStringLiteral("sessionsDock"));
    QVERIFY(dock->isVisible());
    window.messageView()->setCurrentTab(MessageView::HeadersTab);
    for (const Qt::Key leave : { Qt::Key_F11, Qt::Key_Escape }) {
        QTest::keyClick(&window, Qt::Key_F11);
        QTRY_VERIFY_WITH_TIMEOUT(window.isFullScreen(), 5000);
        QVERIFY(!dock->isVisible());
        QVERIFY(visibleLabel(&window, QStringLiteral("Press F11 or Esc to leave full screen")));
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, leave);
        QTRY_VERIFY_WITH_TIMEOUT(!window.isFullScreen(), 5000);
        QVERIFY(!window.action(QStringLiteral("focusMode"))->isChecked());
        QVERIFY2(dock->isVisible(), leave == Qt::Key_F11 ? "after F11" : "after Esc");
        QVERIFY(window.menuBar()->isVisible());
        QVERIFY(window.statusBar()->isVisible());
        QVERIFY(!visibleLabel(&window, QStringLiteral("Press F11 or Esc to leave full screen")));
        // Presenting showed the HTML tab; the tab the user chose comes back.
        QCOMPARE(window.messageView()->chosenTab(), MessageView::HeadersTab);
    }
    // A dock the user had closed stays closed.
    dock->close();
    QTest::keyClick(&window, Qt::Key_F11);
    QTRY_VERIFY_WITH_TIMEOUT(window.isFullScreen(), 5000);
    QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_F11);
    QTRY_VERIFY_WITH_TIMEOUT(!window.isFullScreen(), 5000);
    QVERIFY(!dock->isVisible());
}

void TestMainWindow::tabMovesFocusAndArrowsMoveTheSelection()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")), 1764000000000);
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("second")), 1764000001000);
    const QString c = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("third")), 1764000002000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    InboxView *list = window.inboxView();
    // Tabbing in makes the first row current: the first arrow (or J) selects it rather than the one after.
    list->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY_WITH_TIMEOUT(list->hasFocus(), 5000);
    QVERIFY(window.selectedIds().isEmpty());
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(window.selectedIds(), QStringList { c });
    list->selectionModel()->clearSelection();
    QTest::keyClick(list, Qt::Key_J);
    QCOMPARE(window.selectedIds(), QStringList { c });
    // Arrows and J/K move the selection.
    QTest::keyClick(list, Qt::Key_Down);
    QCOMPARE(window.selectedIds(), QStringList { b });
    QTest::keyClick(list, Qt::Key_J);
    QCOMPARE(window.selectedIds(), QStringList { a });
    QTest::keyClick(list, Qt::Key_K);
    QCOMPARE(window.selectedIds(), QStringList { b });
    QTest::keyClick(list, Qt::Key_Up);
    QCOMPARE(window.selectedIds(), QStringList { c });
    // Tab leaves the list (the selection stays) and reaches the message's tabs next.
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), c, 5000);
    QTest::keyClick(list, Qt::Key_Tab);
    QCOMPARE(window.selectedIds(), QStringList { c });
    QVERIFY(!list->hasFocus());
    QCOMPARE(QApplication::focusWidget(), window.messageView()->tabs()->tabBar());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
    QCOMPARE(QApplication::focusWidget(), list);
    QCOMPARE(window.selectedIds(), QStringList { c });
    // From the search, Tab reaches the list after the two filters, in reading order.
    window.searchField()->setFocus(Qt::OtherFocusReason);
    QWidgetList visited;
    for (int i = 0; i < 3; ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        visited << QApplication::focusWidget();
    }
    QCOMPARE(visited.last(), list);
    QCOMPARE(window.selectedIds(), QStringList { c });
    // The Sessions dock's tables pass Tab on as well.
    for (QTableView *table :
        window.findChild<QDockWidget *>(QStringLiteral("sessionsDock"))->findChildren<QTableView *>()) {
        QVERIFY2(!table->tabKeyNavigation(), qPrintable(table->accessibleName()));
    }
}

void TestMainWindow::anEmptyInboxTeachesInTheReaderPane()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.resize(1280, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    EmptyState *empty = window.emptyState();
    QVERIFY(empty->isVisible());
    // In the large pane, where the reader goes; the list says it briefly.
    QVERIFY(!window.inboxView()->parentWidget()->parentWidget()->isAncestorOf(empty));
    QVERIFY2(empty->width() > window.width() / 2, qPrintable(QString::number(empty->width())));
    QVERIFY(visibleLabel(&window, QStringLiteral("No messages yet")));
    QVERIFY(!visibleLabel(&window, QStringLiteral("Select a message")));
    // Mail arrives: the list shows it, the reader pane waits for a selection.
    QVERIFY(sendInBackground(m_catcher->smtpListeners().first().port, DemoSender::demoMessages().mid(2, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!empty->isVisible(), 5000);
    QVERIFY(window.inboxView()->isVisible());
    QVERIFY(window.messageView()->isVisible());
    QVERIFY(!visibleLabel(&window, QStringLiteral("No messages yet")));
    // A search without matches says so in the list, and the reader pane says what was searched.
    window.searchField()->setText(QStringLiteral("from:nobody"));
    QTRY_VERIFY_WITH_TIMEOUT(empty->isVisible(), 5000);
    QVERIFY(empty->text().contains(QStringLiteral("No messages match from:nobody")));
    QVERIFY(visibleLabel(&window, QStringLiteral("No matches")));
}

void TestMainWindow::noColumnHeaderIsCutOffAt1280Pixels()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("stored")));
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.resize(1280, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // A 100-recipient message: a long session with big numbers.
    DemoSender::Message many = DemoSender::demoMessages().at(2);
    for (int i = 0; i < 100; ++i) {
        many.to << QStringLiteral("user%1@example.test").arg(i).toUtf8();
    }
    QVERIFY(sendInBackground(m_catcher->smtpListeners().first().port, { many }));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 10000);
    window.sessionsModel()->flush();
    QTRY_VERIFY_WITH_TIMEOUT(window.sessionTranscriptModel()->rowCount() > 100, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.sessionsModel()->index(0, SessionsModel::StateColumn).data().toString().left(6),
        QStringLiteral("closed"), 5000);
    window.action(QStringLiteral("compact"))->trigger();
    QCoreApplication::processEvents();

    QStringList cut;
    cut << cutOffColumns(window.sessionsView(),
        { SessionsModel::MessagesColumn, SessionsModel::BytesColumn, SessionsModel::DurationColumn });
    QTableView *transcript = nullptr;
    for (QTableView *table : window.findChildren<QTableView *>()) {
        if (table->accessibleName() == u"Session transcript") {
            transcript = table;
        }
    }
    QVERIFY(transcript);
    cut << cutOffColumns(transcript, { TranscriptModel::TimeColumn, TranscriptModel::DirectionColumn });
    cut << cutOffColumns(window.inboxView(), { InboxModel::ReceivedColumn, InboxModel::SizeColumn });
    QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral("; "))));
}

void TestMainWindow::theListeningStateStaysInSight()
{
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(visibleLabel(&window, QStringLiteral("Catching on")));
    // A hovered action's status tip (or any job's message) does not cover it.
    window.statusBar()->showMessage(window.action(QStringLiteral("export"))->statusTip());
    QVERIFY(visibleLabel(&window, QStringLiteral("Catching on")));
    window.statusBar()->clearMessage();
    // Follow Newest says what it is, not just an arrow that looks like Download.
    QToolButton *follow = nullptr;
    for (QToolBar *bar : window.findChildren<QToolBar *>()) {
        if (auto *button = qobject_cast<QToolButton *>(bar->widgetForAction(window.action(QStringLiteral("follow"))))) {
            follow = button;
        }
    }
    QVERIFY(follow);
    QVERIFY(follow->toolButtonStyle() == Qt::ToolButtonTextBesideIcon);
    QCOMPARE(follow->text(), QStringLiteral("Follow Newest"));
    QVERIFY(follow->isCheckable());
}

void TestMainWindow::exportAsMboxWritesTheSelectionElseTheSearch()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first needle")), 1764000000000);
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("second hay")), 1764000001000);
    const QString c = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("third needle")), 1764000002000);
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QSignalSpy jobs(&window, &MainWindow::jobFinished);
    // Runs the export and returns the file (empty when the job failed or never finished).
    auto exported = [&](const QString &name) {
        const QString file = m_dir->filePath(name);
        jobs.clear();
        window.exportAsMbox(file);
        const auto finished = [&] {
            return std::find_if(jobs.cbegin(), jobs.cend(),
                [](const QList<QVariant> &j) { return j.at(0).toString() == u"export-mbox"; });
        };
        if (!QTest::qWaitFor([&] { return finished() != jobs.cend(); }, 5000) || !finished()->at(1).toBool()) {
            qWarning("export failed");
            return QByteArray();
        }
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    auto subjects = [](const QByteArray &mbox) {
        QStringList found;
        for (const QByteArray &line : mbox.split('\n')) {
            if (line.startsWith("Subject: ")) {
                found << QString::fromUtf8(line.mid(9).trimmed());
            }
        }
        return found;
    };
    QTRY_VERIFY_WITH_TIMEOUT(window.action(QStringLiteral("exportMbox"))->isEnabled(), 5000);

    // The selection, oldest first, one "From " line each.
    window.selectMessage(c);
    window.inboxView()->selectionModel()->select(window.inboxModel()->index(window.inboxModel()->rowOf(a), 0),
        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(window.selectedIds().size(), 2);
    QByteArray mbox = exported(QStringLiteral("selected.mbox"));
    QCOMPARE(subjects(mbox), (QStringList { QStringLiteral("first needle"), QStringLiteral("third needle") }));
    QVERIFY(mbox.startsWith("From ann@example.test "));
    QCOMPARE(mbox.count("\nFrom "), 1);
    // MessageImporter reads it back as two messages.
    SqliteMessageStore other;
    QVERIFY(other.open(m_dir->filePath(QStringLiteral("other"))));
    QString error;
    QCOMPARE(MessageImporter::importFile(&other, m_dir->filePath(QStringLiteral("selected.mbox")), &error), 2);
    other.close();

    // With nothing selected, every message the search lists.
    window.searchField()->setText(QStringLiteral("needle"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 2, 5000);
    window.inboxView()->selectionModel()->clearSelection();
    QVERIFY(window.action(QStringLiteral("exportMbox"))->isEnabled());
    QCOMPARE(subjects(exported(QStringLiteral("search.mbox"))),
        (QStringList { QStringLiteral("first needle"), QStringLiteral("third needle") }));
    window.searchField()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->matchCount(), 3, 5000);
    window.inboxView()->selectionModel()->clearSelection();
    QCOMPARE(subjects(exported(QStringLiteral("all.mbox"))),
        (QStringList { QStringLiteral("first needle"), QStringLiteral("second hay"), QStringLiteral("third needle") }));
    Q_UNUSED(b)

    // Nothing listed, nothing to export.
    window.searchField()->setText(QStringLiteral("from:nobody"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 0, 5000);
    QVERIFY(!window.action(QStringLiteral("exportMbox"))->isEnabled());
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

void TestMainWindow::tagsRoundTripThroughTheApi()
{
    ApiServer server(m_store.get());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("order shipped")));
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("newsletter")));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 5000);
    window.selectMessage(a);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), a, 5000);
    TagBar *bar = window.messageView()->tagBar();
    QVERIFY(bar->isVisible());
    QCOMPARE(bar->tags(), QStringList());

    // Set through the API (Mailpit's PUT /api/v1/tags sets exactly these): the list and the card follow, live.
    int status = 0;
    api("PUT", port, QStringLiteral("/api/v1/tags"),
        { { QStringLiteral("IDs"), QJsonArray { a } }, { QStringLiteral("Tags"), QJsonArray { "urgent", "shop" } } },
        &status);
    QCOMPARE(status, 200);
    const QModelIndex row = window.inboxModel()->index(window.inboxModel()->rowOf(a), 0);
    QTRY_COMPARE_WITH_TIMEOUT(row.data(InboxModel::TagsRole).toStringList(), (QStringList { "shop", "urgent" }), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(bar->tags(), (QStringList { "shop", "urgent" }), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(
        bar->chip(QStringLiteral("urgent")) && bar->chip(QStringLiteral("urgent"))->isVisible(), 5000);
    // The field completes from the tags in use.
    QTRY_COMPARE_WITH_TIMEOUT(bar->completions(), (QStringList { "shop", "urgent" }), 5000);

    // Added in the window (Ctrl+T, type, Enter): the API reads it back.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_T, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(bar->editor()->hasFocus(), 5000);
    QTest::keyClicks(bar->editor(), QStringLiteral("later"));
    QTest::keyClick(bar->editor(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(
        strings(api("GET", port, QStringLiteral("/api/v1/message/%1").arg(a)).object().value(QStringLiteral("Tags"))),
        (QStringList { "later", "shop", "urgent" }), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(bar->tags(), (QStringList { "later", "shop", "urgent" }), 5000);
    // The other message was not selected: untouched.
    QCOMPARE(m_store->summary(b)->tags, QStringList());

    // Removed with a chip's ×: gone from this message through the API too.
    QTest::mouseClick(bar->removeButton(QStringLiteral("urgent")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(
        strings(api("GET", port, QStringLiteral("/api/v1/message/%1").arg(a)).object().value(QStringLiteral("Tags"))),
        (QStringList { "later", "shop" }), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!bar->chip(QStringLiteral("urgent")), 5000);
    // GET /api/v1/tags lists the tags at least one message carries (CONTRACT "Settled details").
    QCOMPARE(strings(api("GET", port, QStringLiteral("/api/v1/tags")).array()), (QStringList { "later", "shop" }));

    // Several selected: each keeps its own tags and gains the new one.
    m_store->setTags({ b }, { QStringLiteral("news") });
    window.inboxView()->selectAll();
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds().size(), 2, 5000);
    window.addTagsToSelected({ QStringLiteral("2026") });
    QTRY_COMPARE_WITH_TIMEOUT(m_store->summary(b)->tags, (QStringList { "2026", "news" }), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->summary(a)->tags, (QStringList { "2026", "later", "shop" }), 5000);
}

void TestMainWindow::clickingATagFiltersTheList()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("order shipped")));
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("newsletter")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("untagged")));
    QVERIFY(m_store->setTags({ a, b }, { QStringLiteral("shop") }));
    QVERIFY(m_store->setTags({ b }, { QStringLiteral("shop"), QStringLiteral("two words") }));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 3, 5000);
    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), b, 5000);
    TagBar *bar = window.messageView()->tagBar();
    QTRY_VERIFY_WITH_TIMEOUT(bar->chip(QStringLiteral("shop")), 5000);

    // Mailpit's tag: search, in the search field, run at once.
    QTest::mouseClick(bar->chip(QStringLiteral("shop")), Qt::LeftButton);
    QCOMPARE(window.searchField()->text(), QStringLiteral("tag:shop"));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 5000);
    QVERIFY(window.inboxModel()->rowOf(a) >= 0);
    QVERIFY(window.inboxModel()->rowOf(b) >= 0);
    // A tag with a space is quoted, as the syntax needs.
    window.selectMessage(b);
    QTRY_VERIFY_WITH_TIMEOUT(bar->chip(QStringLiteral("two words")), 5000);
    QTest::mouseClick(bar->chip(QStringLiteral("two words")), Qt::LeftButton);
    QCOMPARE(window.searchField()->text(), QStringLiteral("tag:\"two words\""));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 5000);
    QCOMPARE(window.inboxModel()->idAt(0), b);
}

void TestMainWindow::tagsAreRenamedAndDeletedEverywhere()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("order shipped")));
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("newsletter")));
    QVERIFY(m_store->setTags({ a, b }, { QStringLiteral("shop"), QStringLiteral("urgent") }));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 5000);
    window.selectMessage(a);
    TagBar *bar = window.messageView()->tagBar();
    QTRY_VERIFY_WITH_TIMEOUT(bar->chip(QStringLiteral("shop")), 5000);

    // Rename Tag… (the chip's menu): asks for the new name, renames it on every message.
    QString asked;
    whenModal([&](QDialog *dialog) {
        QLineEdit *field = dialog->findChild<QLineEdit *>();
        QVERIFY(field);
        asked = field->text();
        field->setText(QStringLiteral("store"));
        dialog->accept();
    });
    Q_EMIT bar->renameRequested(QStringLiteral("shop"));
    QCOMPARE(asked, QStringLiteral("shop"));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->tags(), (QStringList { "store", "urgent" }), 5000);
    QCOMPARE(m_store->summary(b)->tags, (QStringList { "store", "urgent" }));
    QTRY_COMPARE_WITH_TIMEOUT(bar->tags(), (QStringList { "store", "urgent" }), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.inboxModel()->index(window.inboxModel()->rowOf(b), 0).data(InboxModel::TagsRole).toStringList(),
        (QStringList { "store", "urgent" }), 5000);

    // A refusal is said (Mailpit's answer), and nothing changes.
    QSignalSpy jobs(&window, &MainWindow::jobFinished);
    window.renameTag(QStringLiteral("store"), QStringLiteral("urgent"));
    QTRY_COMPARE_WITH_TIMEOUT(jobs.size(), 1, 5000);
    QCOMPARE(jobs.at(0).at(1).toBool(), false);
    QVERIFY2(jobs.at(0).at(2).toString().contains(QStringLiteral("tag already exists: urgent")),
        qPrintable(jobs.at(0).at(2).toString()));
    QCOMPARE(window.statusBar()->currentMessage(), jobs.at(0).at(2).toString());

    // Delete Tag…: asks, then takes it off every message; the messages stay.
    QString question;
    whenModal([&](QDialog *dialog) {
        auto *box = qobject_cast<QMessageBox *>(dialog);
        QVERIFY(box);
        question = box->text();
        box->button(QMessageBox::Yes)->click();
    });
    Q_EMIT bar->deleteRequested(QStringLiteral("urgent"));
    QVERIFY2(question.contains(QStringLiteral("“urgent”")), qPrintable(question));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->tags(), QStringList { "store" }, 5000);
    QCOMPARE(m_store->count(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(bar->tags(), QStringList { "store" }, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.inboxModel()->index(window.inboxModel()->rowOf(b), 0).data(InboxModel::TagsRole).toStringList(),
        QStringList { "store" }, 5000);
}

void TestMainWindow::ctrlPPinsAndThePinSurvivesDeleteAll()
{
    const QString a = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")));
    const QString b = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("keep me")));
    const QString c = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("third")));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 3, 5000);
    QAction *pin = window.action(QStringLiteral("pin"));
    QVERIFY(pin);
    QCOMPARE(pin->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_P));
    QVERIFY(pin->isCheckable());
    QVERIFY(!pin->isEnabled());
    // In the Message menu, with its shortcut.
    bool inMenu = false;
    for (QAction *menu : window.menuBar()->actions()) {
        inMenu = inMenu || (menu->menu() && menu->menu()->actions().contains(pin));
    }
    QVERIFY(inMenu);

    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(window.messageView()->messageId(), b, 5000);
    QVERIFY(pin->isEnabled());
    QVERIFY(!pin->isChecked());
    window.inboxView()->setFocus();
    QTest::keyClick(window.inboxView(), Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(m_store->summary(b)->pinned, 5000);
    QVERIFY(!m_store->summary(a)->pinned);
    const QModelIndex row = window.inboxModel()->index(window.inboxModel()->rowOf(b), 0);
    QTRY_VERIFY_WITH_TIMEOUT(row.data(InboxModel::PinnedRole).toBool(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(pin->isChecked(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->tagBar()->pinMark()->isVisible(), 5000);

    // Delete All says how many it deletes and how many pinned ones it keeps.
    QString question;
    whenModal([&](QDialog *dialog) {
        auto *box = qobject_cast<QMessageBox *>(dialog);
        QVERIFY(box);
        question = box->text();
        box->button(QMessageBox::Yes)->click();
    });
    QSignalSpy jobs(&window, &MainWindow::jobFinished);
    window.action(QStringLiteral("deleteAll"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!question.isEmpty(), 5000);
    QVERIFY2(question.contains(QStringLiteral("Delete 2 messages?")), qPrintable(question));
    QVERIFY2(question.contains(QStringLiteral("1 pinned message is kept")), qPrintable(question));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 1, 5000);
    QVERIFY(m_store->summary(b));
    QVERIFY(!m_store->summary(c));
    // The list still shows it, and the status line says what happened.
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 5000);
    QCOMPARE(window.inboxModel()->idAt(0), b);
    QTRY_COMPARE_WITH_TIMEOUT(jobs.size(), 1, 5000);
    QCOMPARE(jobs.at(0).at(0).toString(), QStringLiteral("deleteAll"));
    QCOMPARE(jobs.at(0).at(2).toString(), QStringLiteral("Deleted 2 messages; kept 1 pinned message"));
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Deleted 2 messages; kept 1 pinned message"));

    // Ctrl+P again unpins it; then Delete All takes it and says so as before.
    window.selectMessage(b);
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds(), QStringList { b }, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(pin->isChecked(), 5000);
    // The question box had the focus: the window gets it back first.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.inboxView()->setFocus();
    QTest::keyClick(window.inboxView(), Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(!m_store->summary(b)->pinned, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!window.messageView()->tagBar()->pinMark()->isVisible(), 5000);
    question.clear();
    whenModal([&](QDialog *dialog) {
        auto *box = qobject_cast<QMessageBox *>(dialog);
        QVERIFY(box);
        question = box->text();
        box->button(QMessageBox::Yes)->click();
    });
    window.action(QStringLiteral("deleteAll"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!question.isEmpty(), 5000);
    QCOMPARE(question, QStringLiteral("Delete all 1 stored message? This cannot be undone."));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->count(), 0, 5000);
    // After the pin's own job: Unpinned 1 message.
    QTRY_COMPARE_WITH_TIMEOUT(jobs.size(), 3, 5000);
    QCOMPARE(jobs.at(1).at(0).toString(), QStringLiteral("pin"));
    QCOMPARE(jobs.at(1).at(2).toString(), QStringLiteral("Unpinned 1 message"));
    QCOMPARE(jobs.at(2).at(0).toString(), QStringLiteral("deleteAll"));
    QCOMPARE(jobs.at(2).at(2).toString(), QStringLiteral("Deleted every message"));
}

void TestMainWindow::refusedSessionsFromTheStoreAndTheRefusedFilter()
{
    // Kept by an earlier run (issue 16 "Refused sessions are kept").
    RefusedSession kept;
    kept.startMs = 1764000000000;
    kept.endMs = kept.startMs + 300;
    kept.id = MessageId::generate(kept.endMs);
    kept.sessionKey = quint64(kept.startMs) << 12;
    kept.clientAddress = QStringLiteral("127.0.0.1");
    kept.clientPort = 40000;
    kept.helo = "earlier.test";
    kept.rules = { "recipient rule 1: regex ^bogus" };
    kept.transcript = { { kept.startMs, TranscriptEntry::Direction::In, "RCPT TO:<bogus@x.test>" },
        { kept.startMs + 1, TranscriptEntry::Direction::Out, "550 5.1.1 mailbox unavailable" } };
    QSignalSpy stored(m_store.get(), &MessageStore::refusedSessionKept);
    m_store->keepRefusedSession(kept);
    QVERIFY(stored.wait(5000) || stored.size() == 1);

    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    QAbstractItemModelTester tester(window.sessionsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAbstractItemModel *shown = window.sessionsView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 1, 5000);
    QCOMPARE(shown->index(0, SessionsModel::HeloColumn).data().toString(), QStringLiteral("earlier.test"));
    QCOMPARE(shown->index(0, SessionsModel::StateColumn).data().toString(),
        QStringLiteral("refused by recipient rule 1: regex ^bogus"));
    QCOMPARE(shown->index(0, 0).data(SessionsModel::StoredRole).toBool(), true);

    // A session of this run that nothing refused: above the kept one.
    const quint16 port = m_catcher->smtpListeners().first().port;
    QVERIFY(sendInBackground(port, { DemoSender::demoMessages().at(0) }));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    window.sessionsModel()->flush();
    QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 2, 5000);
    QCOMPARE(shown->index(0, 0).data(SessionsModel::RefusedRole).toBool(), false);

    // "Refused only", from the keyboard: Tab reaches it, Space checks it.
    QCheckBox *filter = window.refusedSessionsFilter();
    QVERIFY(filter->focusPolicy() & Qt::TabFocus);
    QVERIFY(filter->isVisible());
    filter->setFocus();
    QTest::keyClick(filter, Qt::Key_Space);
    QVERIFY(filter->isChecked());
    QCOMPARE(shown->rowCount(), 1);
    QCOMPARE(shown->index(0, 0).data(SessionsModel::SessionIdRole).toULongLong(), kept.sessionKey);
    // Selecting it shows its stored transcript.
    window.sessionsView()->setCurrentIndex(shown->index(0, 0));
    QStringList lines;
    for (const TranscriptEntry &e : window.sessionTranscriptModel()->transcript()) {
        lines << QString::fromUtf8(e.text);
    }
    QCOMPARE(lines,
        (QStringList { QStringLiteral("RCPT TO:<bogus@x.test>"), QStringLiteral("550 5.1.1 mailbox unavailable") }));
    QTest::keyClick(filter, Qt::Key_Space);
    QVERIFY(!filter->isChecked());
    QCOMPARE(shown->rowCount(), 2);
    // DELETE /api/v1/sessions (the store's clear): the kept row goes at once, this run's session stays.
    QVERIFY(m_store->removeRefusedSessions());
    QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 1, 5000);
    QCOMPARE(shown->index(0, 0).data(SessionsModel::RefusedRole).toBool(), false);
}

#include "tst_mainwindow.moc"
