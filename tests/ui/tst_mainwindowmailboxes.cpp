// The main window's mailboxes (CONTRACT "Mailboxes"; issue 15's desktop side): mail routed over a real loopback
// socket shows in the sidebar live with its unread count, and choosing a mailbox lists only its messages (a search
// runs within it); the sidebar stays out of sight while Inbox is the only mailbox; keyboard choice and the mailbox
// remembered across runs; the editor saves through MailboxSettings, and "New Mailbox on Port" makes the catcher
// listen on that port, where mail then lands in the new mailbox.
#include "uitestsupport.h"

#include <mailbox/mailboxsettings.h>
#include <service/catcherservice.h>
#include <ui/emptystate.h>
#include <ui/inboxmodel.h>
#include <ui/mailboxesdialog.h>
#include <ui/mailboxlistmodel.h>
#include <ui/mailboxrouterow.h>
#include <ui/mainwindow.h>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTimer>
#include <QTreeView>

#include <atomic>
#include <thread>

namespace {
using UiTest::quietSettings;

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// A minimal SMTP client on a thread of its own (RFC 5321 §3.3: EHLO, MAIL, RCPT, DATA, QUIT), each reply awaited.
bool sendMail(quint16 port, const QString &to, const QString &subject)
{
    std::atomic<bool> done { false };
    bool ok = false;
    std::thread client([&] {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        const auto reply = [&socket](const char *expect) {
            QByteArray line;
            while (socket.waitForReadyRead(5000) || socket.canReadLine()) {
                while (socket.canReadLine()) {
                    line = socket.readLine();
                    if (line.size() >= 4 && line.at(3) == ' ') {
                        return line.startsWith(expect);
                    }
                }
            }
            return false;
        };
        const auto say = [&socket](const QByteArray &line) {
            socket.write(line + "\r\n");
            socket.waitForBytesWritten(5000);
        };
        ok = socket.waitForConnected(5000) && reply("220");
        for (const QByteArray &line : { QByteArray("EHLO client.test"), QByteArray("MAIL FROM:<app@app.test>"),
                 "RCPT TO:<" + to.toUtf8() + '>' }) {
            if (ok) {
                say(line);
                ok = reply("250");
            }
        }
        if (ok) {
            say("DATA");
            ok = reply("354");
        }
        if (ok) {
            say("From: app@app.test\r\nTo: " + to.toUtf8() + "\r\nSubject: " + subject.toUtf8() + "\r\n\r\nHello\r\n.");
            ok = reply("250");
            say("QUIT");
        }
        done = true;
    });
    const bool finished = QTest::qWaitFor([&] { return done.load(); }, 30000);
    Q_UNUSED(finished) // the join below waits for the client's own timeouts either way
    client.join();
    return ok;
}

CatcherConfig configFor(quint16 port, MailboxSettings *mailboxes)
{
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:%1").arg(port), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "mx.test";
    config.mailboxes = mailboxes;
    return config;
}

QStringList listedSubjects(InboxModel *model)
{
    QStringList subjects;
    for (int row = 0; row < model->rowCount(); ++row) {
        subjects << model->index(row, 0).data(InboxModel::SubjectRole).toString();
    }
    subjects.sort();
    return subjects;
}

int rowOfName(MailboxListModel *model, const QString &name)
{
    return model->rowOf(name);
}
} // namespace

class TestMainWindowMailboxes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void routedMailShowsLiveAndAMailboxListsOnlyItsMessages();
    void theSidebarStaysHiddenWithOnlyInbox();
    void aPerUserMailboxAppearsWhenMade();
    void keyboardChoosesAMailboxAndItIsRemembered();
    void exportingAMailboxWritesOnlyItsMessages();
    void theEditorSavesThroughTheSettings();
    void newMailboxOnPortListensThereAndRoutesItsMail();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<CatcherService> m_catcher;
    std::unique_ptr<MailboxSettings> m_mailboxes;
};

void TestMainWindowMailboxes::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).clear();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    m_catcher = std::make_unique<CatcherService>(m_store.get());
    m_mailboxes = std::make_unique<MailboxSettings>(m_dir->filePath(MailboxSettings::defaultFileName()));
}

void TestMainWindowMailboxes::cleanup()
{
    m_catcher.reset();
    QThreadPool::globalInstance()->waitForDone();
    m_store->close();
    m_store.reset();
    m_mailboxes.reset();
    m_dir.reset();
}

void TestMainWindowMailboxes::routedMailShowsLiveAndAMailboxListsOnlyItsMessages()
{
    // CONTRACT "Mailboxes": a recipient route takes the recipients it matches; the rest go to Inbox.
    QString error;
    MailboxConfig config;
    config.mailboxes << MailboxDefinition { QStringLiteral("shop"),
        { MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") } } };
    QVERIFY2(m_mailboxes->replace(config, &error), qPrintable(error));
    const quint16 port = freePort();
    QVERIFY(m_catcher->start(configFor(port, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(port, m_mailboxes.get()));
    QAbstractItemModelTester tester(window.mailboxListModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    MailboxListModel *mailboxes = window.mailboxListModel();
    // A configured mailbox is listed before its first message, so the sidebar shows.
    QTRY_VERIFY(window.mailboxView()->isVisible());
    QCOMPARE(rowOfName(mailboxes, QStringLiteral("shop")), 2);

    QVERIFY(sendMail(port, QStringLiteral("ann@shop.test"), QStringLiteral("Order 1")));
    QVERIFY(sendMail(port, QStringLiteral("bob@shop.test"), QStringLiteral("Order 2")));
    QVERIFY(sendMail(port, QStringLiteral("carol@example.test"), QStringLiteral("Welcome")));
    QTRY_COMPARE_WITH_TIMEOUT(
        mailboxes->index(2, MailboxListModel::UnreadColumn).data().toString(), QStringLiteral("2"), 10000);
    QTRY_COMPARE(mailboxes->index(1, MailboxListModel::UnreadColumn).data().toString(), QStringLiteral("1"));
    QTRY_COMPARE(window.inboxModel()->rowCount(), 3);

    // Choosing shop (a click) lists its two orders only.
    const QRect shopRect = window.mailboxView()->visualRect(mailboxes->index(2, 0));
    QTest::mouseClick(window.mailboxView()->viewport(), Qt::LeftButton, {}, shopRect.center());
    QCOMPARE(window.inboxModel()->mailbox(), QStringLiteral("shop"));
    QTRY_COMPARE(
        listedSubjects(window.inboxModel()), QStringList({ QStringLiteral("Order 1"), QStringLiteral("Order 2") }));
    // A search runs within it.
    window.searchField()->setText(QStringLiteral("subject:\"Order 2\""));
    QTRY_COMPARE(listedSubjects(window.inboxModel()), QStringList { QStringLiteral("Order 2") });
    window.searchField()->setText(QStringLiteral("Welcome"));
    QTRY_COMPARE(window.inboxModel()->query(), QStringLiteral("Welcome"));
    QTRY_VERIFY(!window.inboxModel()->isLoading());
    QCOMPARE(window.inboxModel()->rowCount(), 0);
    window.searchField()->clear();
    QTRY_COMPARE(window.inboxModel()->rowCount(), 2);

    // New mail for the mailbox listed arrives live; another mailbox's does not.
    QVERIFY(sendMail(port, QStringLiteral("dan@shop.test"), QStringLiteral("Order 3")));
    QVERIFY(sendMail(port, QStringLiteral("erin@example.test"), QStringLiteral("Hello")));
    QTRY_COMPARE_WITH_TIMEOUT(
        mailboxes->index(1, MailboxListModel::UnreadColumn).data().toString(), QStringLiteral("2"), 10000);
    QTRY_COMPARE(listedSubjects(window.inboxModel()),
        QStringList({ QStringLiteral("Order 1"), QStringLiteral("Order 2"), QStringLiteral("Order 3") }));

    // Reading and deleting change the mailbox's count.
    QString readError;
    QVERIFY(m_store->setRead({ window.inboxModel()->idAt(0) }, true, &readError));
    QTRY_COMPARE(mailboxes->index(2, MailboxListModel::UnreadColumn).data().toString(), QStringLiteral("2"));
    QVERIFY(m_store->remove({ window.inboxModel()->idAt(1), window.inboxModel()->idAt(2) }, &readError));
    QTRY_COMPARE(mailboxes->index(2, MailboxListModel::UnreadColumn).data().toString(), QString());
    QCOMPARE(mailboxes->index(2, 0).data(MailboxListModel::TotalRole).toLongLong(), 1);
    QTRY_COMPARE(window.inboxModel()->rowCount(), 1);
    // All mail lists every mailbox again.
    QTest::mouseClick(window.mailboxView()->viewport(), Qt::LeftButton, {},
        window.mailboxView()->visualRect(mailboxes->index(0, 0)).center());
    QTRY_COMPARE(window.inboxModel()->rowCount(), 3);
}

void TestMainWindowMailboxes::theSidebarStaysHiddenWithOnlyInbox()
{
    // A single-inbox (Mailpit) user sees the window as before.
    QVERIFY(m_catcher->start(configFor(0, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("one")));
    QTRY_VERIFY(window.mailboxListModel()->isLoaded());
    QTRY_COMPARE(window.inboxModel()->rowCount(), 1);
    QTest::qWait(400);
    QVERIFY(!window.mailboxView()->isVisible());
    // A second mailbox brings it; View ▸ Mailboxes hides it.
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("two")), QStringLiteral("shop"));
    QTRY_VERIFY(window.mailboxView()->isVisible());
    window.selectMailbox(QStringLiteral("shop"));
    QTRY_COMPARE(window.inboxModel()->rowCount(), 1);
    // Hidden, it limits the list no more: every mailbox's mail is listed.
    window.action(QStringLiteral("showMailboxes"))->trigger();
    QVERIFY(!window.mailboxView()->isVisible());
    QCOMPARE(window.inboxModel()->mailbox(), QString());
    QTRY_COMPARE(window.inboxModel()->rowCount(), 2);
    window.action(QStringLiteral("showMailboxes"))->trigger();
    QVERIFY(window.mailboxView()->isVisible());
}

void TestMainWindowMailboxes::aPerUserMailboxAppearsWhenMade()
{
    QVERIFY(m_catcher->start(configFor(0, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("for alice")), QStringLiteral("alice"));
    QTRY_COMPARE(window.mailboxListModel()->rowOf(QStringLiteral("alice")), 2);
    window.selectMailbox(QStringLiteral("alice"));
    QTRY_COMPARE(window.mailboxView()->currentIndex().row(), 2);
    // bob's mailbox is made by his first message: appended, alice's stays chosen.
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("for bob")), QStringLiteral("bob"));
    QTRY_COMPARE(window.mailboxListModel()->rowCount(), 4);
    QCOMPARE(window.mailboxListModel()->mailboxAt(3), QStringLiteral("bob"));
    QCOMPARE(window.mailboxView()->currentIndex().row(), 2);
    QCOMPARE(window.inboxModel()->mailbox(), QStringLiteral("alice"));
    QTRY_COMPARE(listedSubjects(window.inboxModel()), QStringList { QStringLiteral("for alice") });
}

void TestMainWindowMailboxes::keyboardChoosesAMailboxAndItIsRemembered()
{
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("shop 1")), QStringLiteral("shop"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("crm 1")), QStringLiteral("crm"));
    QVERIFY(m_catcher->start(configFor(0, m_mailboxes.get())));
    {
        MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTRY_VERIFY(window.mailboxView()->isVisible());
        QCOMPARE(window.inboxModel()->mailbox(), QString());
        // Alt+Down: All mail, Inbox, shop.
        QTest::keyClick(&window, Qt::Key_Down, Qt::AltModifier);
        QTest::keyClick(&window, Qt::Key_Down, Qt::AltModifier);
        QCOMPARE(window.inboxModel()->mailbox(), QStringLiteral("shop"));
        QTest::keyClick(&window, Qt::Key_Up, Qt::AltModifier);
        QCOMPARE(window.inboxModel()->mailbox(), QStringLiteral("Inbox"));
        // Ctrl+4: the fourth entry.
        QTest::keyClick(&window, Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(window.inboxModel()->mailbox(), QStringLiteral("crm"));
        QTRY_COMPARE(listedSubjects(window.inboxModel()), QStringList { QStringLiteral("crm 1") });
        // Tab reaches the sidebar from the search filters.
        window.searchField()->setFocus();
        QWidget *focused = nullptr;
        for (int i = 0; i < 6 && focused != window.mailboxView(); ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            focused = QApplication::focusWidget();
        }
        QCOMPARE(focused, window.mailboxView());
        window.close();
    }
    MainWindow again(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QTRY_COMPARE(again.inboxModel()->mailbox(), QStringLiteral("crm"));
    QCOMPARE(again.mailboxView()->currentIndex().row(), 3);
}

void TestMainWindowMailboxes::exportingAMailboxWritesOnlyItsMessages()
{
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Shop one")), QStringLiteral("shop"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Inbox one")), QStringLiteral("Inbox"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Shop two")), QStringLiteral("shop"));
    QVERIFY(m_catcher->start(configFor(0, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY(window.mailboxListModel()->rowOf(QStringLiteral("shop")) > 0);
    window.selectMailbox(QStringLiteral("shop"));
    QTRY_COMPARE(window.inboxModel()->rowCount(), 2);
    QSignalSpy jobs(&window, &MainWindow::jobFinished);
    const auto exported = [&](const QString &name) -> QByteArray {
        const QString fileName = m_dir->filePath(name);
        window.exportAsMbox(fileName);
        if (!QTest::qWaitFor([&] { return !jobs.isEmpty(); }, 10000) || !jobs.takeFirst().at(1).toBool()) {
            return {};
        }
        QFile file(fileName);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    // Nothing selected: every message the list shows, which is the mailbox's (an mbox file: one "From " line
    // each, RFC 4155).
    QByteArray mbox = exported(QStringLiteral("shop.mbox"));
    QVERIFY(mbox.startsWith("From "));
    QCOMPARE(mbox.count("\nFrom "), 1);
    QVERIFY(mbox.contains("Subject: Shop one"));
    QVERIFY(mbox.contains("Subject: Shop two"));
    QVERIFY(!mbox.contains("Subject: Inbox one"));
    // And a search within it.
    window.searchField()->setText(QStringLiteral("two"));
    QTRY_COMPARE(window.inboxModel()->rowCount(), 1);
    mbox = exported(QStringLiteral("two.mbox"));
    QCOMPARE(mbox.count("\nFrom "), 0);
    QVERIFY(mbox.contains("Subject: Shop two"));
}

void TestMainWindowMailboxes::theEditorSavesThroughTheSettings()
{
    QVERIFY(m_catcher->start(configFor(0, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), configFor(0, m_mailboxes.get()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showMailboxes([](MailboxesDialog *dialog) {
        QTimer::singleShot(0, dialog, [dialog] {
            dialog->addMailbox();
            QTest::keyClicks(dialog->nameField(), QStringLiteral("shop"));
            QTest::keyClicks(dialog->routeRows().first()->patternField(), QStringLiteral("*@shop.test"));
            dialog->perUserBox()->setChecked(true);
            dialog->okButton()->click();
        });
    });
    MailboxConfig expected;
    expected.perUser = true;
    expected.mailboxes << MailboxDefinition { QStringLiteral("shop"),
        { MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") } } };
    QCOMPARE(m_mailboxes->config(), expected);
    // The file holds the same, as the README shows it.
    QFile file(m_mailboxes->filePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray json = file.readAll();
    QVERIFY(json.contains("\"perUser\": true"));
    QVERIFY(json.contains("{\"name\": \"shop\", \"routes\": [{\"recipient\": \"*@shop.test\"}]}"));
    QString error;
    QCOMPARE(MailboxConfig::fromJson(json, &error), std::optional<MailboxConfig>(expected));
    // The sidebar lists it at once.
    QTRY_COMPARE(window.mailboxListModel()->mailboxAt(2), QStringLiteral("shop"));
    QTRY_VERIFY(window.mailboxView()->isVisible());
}

void TestMainWindowMailboxes::newMailboxOnPortListensThereAndRoutesItsMail()
{
    const quint16 first = freePort();
    AppSettings settings = quietSettings();
    settings.smtp = QStringLiteral("127.0.0.1:%1").arg(first);
    QVERIFY(m_catcher->start(configFor(first, m_mailboxes.get())));
    MainWindow window(m_store.get(), m_catcher.get(), settings, configFor(first, m_mailboxes.get()));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const quint16 second = freePort();
    window.showMailboxes([second](MailboxesDialog *dialog) {
        QTimer::singleShot(0, dialog, [dialog, second] {
            dialog->addMailboxOnPort(second);
            dialog->okButton()->click();
        });
    });
    // The catcher listens on both, the settings say so, and the route names the new listener as written.
    QStringList ports;
    for (const CatcherService::Bound &bound : m_catcher->smtpListeners()) {
        ports << QString::number(bound.port);
    }
    QCOMPARE(ports, QStringList({ QString::number(first), QString::number(second) }));
    QCOMPARE(window.settings().smtp, QStringLiteral("127.0.0.1:%1,127.0.0.1:%2").arg(first).arg(second));
    const QString name = QStringLiteral("port-%1").arg(second);
    QCOMPARE(m_mailboxes->config().mailboxes,
        QList<MailboxDefinition>({ MailboxDefinition {
            name, { MailboxRoute { MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:%1").arg(second) } } } }));
    // Listed at once; its empty list teaches its own port.
    QTRY_VERIFY(window.mailboxListModel()->rowOf(name) > 0);
    window.selectMailbox(name);
    QTRY_COMPARE(window.inboxModel()->mailbox(), name);
    QTRY_VERIFY(window.emptyState()->isVisible());
    QVERIFY2(window.emptyState()->text().contains(QStringLiteral("Waiting for mail on 127.0.0.1:%1").arg(second)),
        qPrintable(window.emptyState()->text()));
    // Mail to the new port lands in the new mailbox; mail to the first in Inbox.
    QVERIFY(sendMail(second, QStringLiteral("ann@example.test"), QStringLiteral("Project B")));
    QVERIFY(sendMail(first, QStringLiteral("ann@example.test"), QStringLiteral("Project A")));
    MailboxListModel *mailboxes = window.mailboxListModel();
    QTRY_COMPARE_WITH_TIMEOUT(
        mailboxes->index(mailboxes->rowOf(name), 0).data(MailboxListModel::UnreadRole).toLongLong(), 1, 10000);
    QTRY_COMPARE(mailboxes->index(1, 0).data(MailboxListModel::UnreadRole).toLongLong(), 1);
    window.selectMailbox(name);
    QTRY_COMPARE(listedSubjects(window.inboxModel()), QStringList { QStringLiteral("Project B") });
}

QTEST_MAIN(TestMainWindowMailboxes)
#include "tst_mainwindowmailboxes.moc"
