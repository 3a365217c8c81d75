// The window attached to a remote catcher (CONTRACT "--attach URL"): against a Mailpit-shaped double it shows the
// inbox, messages and live arrivals and hides what Mailpit lacks (pins, envelope and session, rules, Release without
// a relay) and what only a local catcher has (Sessions dock, Settings, New Message, Import); against a real headless
// letterbox the pins come back, the Rules window edits the catcher's rules (and shows others' changes), and Release
// goes through the catcher's relay to a second letterbox; the status line says whether it is attached or
// reconnecting; File ▸ Attach to Catcher… opens a second window and says why when a catcher does not answer.
#include "../core/remote/remotetestservers.h"
#include "uitestsupport.h"

#include <remote/remotehttp.h>
#include <remote/remotemessagestore.h>
#include <ui/attachdialog.h>
#include <ui/inboxmodel.h>
#include <ui/inboxview.h>
#include <ui/mainwindow.h>
#include <ui/messageview.h>
#include <ui/releasedialog.h>
#include <ui/rulesmodel.h>
#include <ui/ruleswindow.h>
#include <ui/sourceview.h>

#include <rules/ruleset.h>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

namespace {
RemoteEndpoint endpointOf(const QString &url)
{
    RemoteEndpoint endpoint;
    QString error;
    RemoteEndpoint::parse(url, &endpoint, &error);
    return endpoint;
}

bool storeInDouble(const QString &url, const QString &subject)
{
    return RemoteHttp::send(endpointOf(url), "POST", QUrl(url + QStringLiteral("/_test/add")),
        QJsonDocument(QJsonObject { { QStringLiteral("Subject"), subject },
                          { QStringLiteral("From"), QStringLiteral("Ada <ada@double.test>") },
                          { QStringLiteral("To"), QStringLiteral("bob@double.test") },
                          { QStringLiteral("Text"), QStringLiteral("Body of %1").arg(subject) } })
            .toJson())
        .isOk();
}

// The recipient patterns the catcher at url keeps (GET /api/v1/rules).
QStringList serverRecipientPatterns(const QString &url)
{
    const RemoteEndpoint endpoint = endpointOf(url);
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(
        RemoteHttp::send(endpoint, "GET", endpoint.url(QStringLiteral("/api/v1/rules"))).body, &error);
    QStringList patterns;
    for (const Rule &rule : set ? set->rules(RuleSet::Stage::Recipient) : QList<Rule>()) {
        patterns << rule.pattern;
    }
    return patterns;
}

QStringList patternsOf(RulesModel *model)
{
    QStringList patterns;
    for (const Rule &rule : model->rules()) {
        patterns << rule.pattern;
    }
    return patterns;
}

bool menuBarHas(MainWindow *window, const QString &objectName)
{
    const QList<QAction *> menus = window->menuBar()->actions();
    return std::any_of(menus.cbegin(), menus.cend(),
        [&objectName](QAction *a) { return a->menu() && a->menu()->objectName() == objectName && a->isVisible(); });
}

int rowOfSubject(InboxModel *model, const QString &subject)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->summaryAt(row).subject == subject) {
            return row;
        }
    }
    return -1;
}
} // namespace

class TestAttachedWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void mailpitWindowHidesWhatItLacks();
    void letterboxWindowPins();
    void letterboxRulesAreEditedInTheRulesWindow();
    void releaseGoesThroughTheCatchersRelay();
    void mailpitWithARelayOffersRelease();
    void attachDialogOpensAWindow();

private:
    QTemporaryDir m_config;
};

void TestAttachedWindow::initTestCase()
{
    // The window's settings in a directory of the test's own, never the user's.
    qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit());
}

void TestAttachedWindow::mailpitWindowHidesWhatItLacks()
{
    RemoteTestServer server;
    QVERIFY(server.startMailpitDouble());
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Welcome aboard")));
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Your invoice")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    store.setReconnectInterval(200);
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    store.attach(&window, [](const QString &) {});
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 10000);
    QVERIFY(window.windowTitle().contains(server.apiUrl()));

    // Hidden: what only a catcher running here has, and what Mailpit lacks.
    for (const char *name : { "newMessage", "import", "settings", "release", "pin", "rules" }) {
        QVERIFY2(!window.action(QLatin1String(name))->isVisible(), name);
    }
    // No /api/v1/rules on Mailpit: no Rules menu, and the action does nothing.
    QVERIFY(!menuBarHas(&window, QStringLiteral("rulesMenu")));
    window.action(QStringLiteral("rules"))->trigger();
    QTest::qWait(300);
    QVERIFY(!window.rulesWindow());
    QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("sessionsDock"))->isVisible());
    QVERIFY(!window.messageView()->tabs()->isTabVisible(MessageView::EnvelopeTab));
    QVERIFY(window.action(QStringLiteral("detach"))->isVisible());
    QVERIFY(window.action(QStringLiteral("delete"))->isVisible());
    QVERIFY(window.action(QStringLiteral("addTag"))->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(window.listeningText().contains(QStringLiteral("Attached to")), 10000);

    // A message shows from its source, as a local one does; the list keeps it unread until the window marks it.
    window.selectMessage(
        window.inboxModel()->idAt(rowOfSubject(window.inboxModel(), QStringLiteral("Welcome aboard"))));
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 10000);
    QCOMPARE(window.messageView()->content().parsed.subject, QStringLiteral("Welcome aboard"));
    QVERIFY(window.messageView()->content().stored.raw.contains("Body of Welcome aboard"));

    // Live: an arrival on the server is a new row at the top.
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Live arrival")));
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 3, 10000);
    QCOMPARE(window.inboxModel()->summaryAt(0).subject, QStringLiteral("Live arrival"));
    QTRY_VERIFY_WITH_TIMEOUT(window.countsText().contains(QStringLiteral("3")), 5000);

    // Delete on the server, told back by its event.
    window.inboxView()->clearSelection();
    window.selectMessage(window.inboxModel()->idAt(0));
    QTRY_COMPARE_WITH_TIMEOUT(window.selectedIds().size(), 1, 5000);
    window.deleteSelected();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 2, 10000);
    QCOMPARE(rowOfSubject(window.inboxModel(), QStringLiteral("Live arrival")), -1);

    // The catcher goes away and comes back: said in the status line, and the list is loaded again.
    const quint16 port = server.apiPort();
    server.stop();
    QTRY_VERIFY_WITH_TIMEOUT(window.listeningText().contains(QStringLiteral("Reconnecting")), 10000);
    QVERIFY(server.startMailpitDouble(port));
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("After the restart")));
    QTRY_VERIFY_WITH_TIMEOUT(window.listeningText().contains(QStringLiteral("Attached to")), 15000);
    // The restarted double is empty but for its new message: the list follows the server, not the past.
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QCOMPARE(window.inboxModel()->summaryAt(0).subject, QStringLiteral("After the restart"));
}

void TestAttachedWindow::letterboxWindowPins()
{
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path()));
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Pin me")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QVERIFY(window.action(QStringLiteral("pin"))->isVisible());
    QVERIFY(window.messageView()->tabs()->isTabVisible(MessageView::EnvelopeTab));
    // A Letterbox's release and rules are reached over its API.
    QVERIFY(window.action(QStringLiteral("release"))->isVisible());
    QVERIFY(window.action(QStringLiteral("rules"))->isVisible());
    QVERIFY(menuBarHas(&window, QStringLiteral("rulesMenu")));
    QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("sessionsDock"))->isVisible());
    const QString id = window.inboxModel()->idAt(0);
    window.selectMessage(id);
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->content().isValid(), 10000);
    QCOMPARE(window.messageView()->content().stored.mailFrom, QStringLiteral("ada@example.com"));
    QVERIFY(!window.messageView()->content().transcript.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(window.action(QStringLiteral("pin"))->isEnabled(), 5000);
    window.togglePinSelected();
    QTRY_VERIFY_WITH_TIMEOUT(window.inboxModel()->summaryAt(0).pinned, 10000);
    // On the server too.
    QTRY_VERIFY_WITH_TIMEOUT(store.pinnedCount() == 1, 10000);
}

void TestAttachedWindow::letterboxRulesAreEditedInTheRulesWindow()
{
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path()));
    const RemoteEndpoint endpoint = endpointOf(server.apiUrl());
    // Rules the catcher had before the window was opened are the ones shown.
    QVERIFY(RemoteHttp::send(endpoint, "PUT", endpoint.url(QStringLiteral("/api/v1/rules")),
        QByteArrayLiteral("{\"version\": 1, \"recipient\": [{\"match\": \"glob\", \"pattern\": \"old@*\", "
                          "\"code\": 550, \"enhanced\": \"5.1.1\", \"text\": \"no such user\"}]}"))
                .isOk());
    RemoteMessageStore store(endpoint);
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QVERIFY(!window.rulesWindow()); // not before the catcher's rules were read
    window.action(QStringLiteral("rules"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.rulesWindow() && window.rulesWindow()->isVisible(), 10000);
    RulesWindow *rules = window.rulesWindow();
    QVERIFY(rules->isAttached());
    QVERIFY(rules->windowTitle().contains(server.apiUrl()));
    RulesModel *recipients = rules->model(RuleSet::Stage::Recipient);
    QCOMPARE(patternsOf(recipients), QStringList { QStringLiteral("old@*") });
    // The API serves no hit counts: the column is hidden rather than showing zeros.
    QVERIFY(rules->view(RuleSet::Stage::Recipient)->isColumnHidden(RulesModel::HitsColumn));
    QVERIFY(!rules->view(RuleSet::Stage::Recipient)->isColumnHidden(RulesModel::MatchColumn));
    // "Try it" is worked out from the rules shown.
    QVERIFY(rules->tryIt(RuleSet::Stage::Recipient, QStringLiteral("old@example.com")).contains(QStringLiteral("550")));

    // An edit in the window: saved on the catcher, whose SMTP refuses the recipient from then on.
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("eve@example.com"),
        QStringLiteral("Before the rule")));
    Rule rule;
    rule.match = Rule::Match::Glob;
    rule.pattern = QStringLiteral("eve@*");
    rule.code = 550;
    rule.enhanced = QStringLiteral("5.1.1");
    rule.text = QStringLiteral("no such user");
    QSignalSpy saved(rules, &RulesWindow::saved);
    recipients->insertRule(0, rule);
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
    QVERIFY2(rules->errorString().isEmpty(), qPrintable(rules->errorString()));
    QCOMPARE(
        serverRecipientPatterns(server.apiUrl()), (QStringList { QStringLiteral("eve@*"), QStringLiteral("old@*") }));
    QVERIFY(!sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("eve@example.com"),
        QStringLiteral("After the rule")));

    // A change through the API (another window, a script) shows in the open window within a few seconds.
    QVERIFY(RemoteHttp::send(endpoint, "PUT", endpoint.url(QStringLiteral("/api/v1/rules")),
        QByteArrayLiteral("{\"version\": 1, \"recipient\": [{\"match\": \"glob\", \"pattern\": \"api@*\", "
                          "\"code\": 551, \"enhanced\": \"5.1.6\", \"text\": \"moved\"}]}"))
                .isOk());
    QTRY_COMPARE_WITH_TIMEOUT(patternsOf(recipients), QStringList { QStringLiteral("api@*") }, 10000);
    // Told, not saved back: the catcher keeps exactly what the API put.
    QTest::qWait(500);
    QCOMPARE(serverRecipientPatterns(server.apiUrl()), QStringList { QStringLiteral("api@*") });
    QVERIFY(!rules->isSaving());
    rules->close();
}

void TestAttachedWindow::releaseGoesThroughTheCatchersRelay()
{
    // Two headless letterboxes: the relay, and the catcher whose --relay it is.
    QTemporaryDir relayData;
    RemoteTestServer relay;
    QVERIFY(relay.startLetterbox(relayData.path()));
    QTemporaryDir data;
    RemoteTestServer server;
    QVERIFY(server.startLetterbox(data.path(), 0,
        { QStringLiteral("--relay"), QStringLiteral("127.0.0.1:%1").arg(relay.smtpPort()),
            QStringLiteral("--relay-tls"), QStringLiteral("off") }));
    QVERIFY(sendMail(server.smtpPort(), QStringLiteral("ada@example.com"), QStringLiteral("bob@example.com"),
        QStringLiteral("Release through the team catcher")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QVERIFY(window.action(QStringLiteral("release"))->isVisible());
    QVERIFY(!window.action(QStringLiteral("release"))->isEnabled()); // no message shown yet
    QVERIFY(!window.releaseMessage());
    window.selectMessage(window.inboxModel()->idAt(0));
    QTRY_VERIFY_WITH_TIMEOUT(window.action(QStringLiteral("release"))->isEnabled(), 10000);
    QPointer<ReleaseDialog> dialog = window.releaseMessage();
    QVERIFY(dialog);
    dialog->toField()->setText(QStringLiteral("carol@example.com"));
    dialog->release();
    QVERIFY(dialog->isReleasing());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isReleasing(), 20000);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("Released")), qPrintable(dialog->resultText()));
    dialog->close();

    // Arrived at the relay, as received.
    RemoteMessageStore relayed(endpointOf(relay.apiUrl()));
    QVERIFY2(relayed.attach(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(relayed.messages(0, 10).size(), 1, 10000);
    const MessageSummary arrived = relayed.messages(0, 10).constFirst();
    QCOMPARE(arrived.subject, QStringLiteral("Release through the team catcher"));
    const std::optional<StoredMessage> message = relayed.message(arrived.id);
    QVERIFY(message);
    QCOMPARE(message->rcptTo, QStringList { QStringLiteral("carol@example.com") });

    // The relay gone: the catcher's 400 (its relay's connection error) is shown as a local release shows it.
    relay.stop();
    dialog = window.releaseMessage();
    QVERIFY(dialog);
    dialog->toField()->setText(QStringLiteral("carol@example.com"));
    dialog->release();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isReleasing(), 60000);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("Not released: ")), qPrintable(dialog->resultText()));
    QVERIFY2(!dialog->resultText().contains(QStringLiteral("HTTP 400")), qPrintable(dialog->resultText()));
    dialog->close();
}

void TestAttachedWindow::mailpitWithARelayOffersRelease()
{
    RemoteTestServer server;
    QVERIFY(server.startMailpitDouble(0, RemoteTestServer::Relay::On));
    QVERIFY(storeInDouble(server.apiUrl(), QStringLiteral("Release me")));
    RemoteMessageStore store(endpointOf(server.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(window.inboxModel()->rowCount(), 1, 10000);
    QVERIFY(window.action(QStringLiteral("release"))->isVisible());
    QVERIFY(!window.action(QStringLiteral("rules"))->isVisible());
    window.selectMessage(window.inboxModel()->idAt(0));
    QTRY_VERIFY_WITH_TIMEOUT(window.action(QStringLiteral("release"))->isEnabled(), 10000);
    QPointer<ReleaseDialog> dialog = window.releaseMessage();
    QVERIFY(dialog);
    dialog->toField()->setText(QStringLiteral("dan@example.com"));
    dialog->release();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isReleasing(), 10000);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("Released")), qPrintable(dialog->resultText()));
    const QJsonArray releases = QJsonDocument::fromJson(
        RemoteHttp::send(endpointOf(server.apiUrl()), "GET", QUrl(server.apiUrl() + QStringLiteral("/_test/released")))
            .body)
                                    .array();
    QCOMPARE(releases.size(), 1);
    QCOMPARE(releases.at(0).toObject().value(QLatin1String("To")).toArray(),
        QJsonArray { QStringLiteral("dan@example.com") });
    dialog->close();
}

void TestAttachedWindow::attachDialogOpensAWindow()
{
    RemoteTestServer first;
    QVERIFY(first.startMailpitDouble());
    RemoteTestServer second;
    QVERIFY(second.startMailpitDouble());
    QVERIFY(storeInDouble(second.apiUrl(), QStringLiteral("On the second catcher")));
    RemoteMessageStore store(endpointOf(first.apiUrl()));
    QString error;
    QVERIFY2(store.attach(&error), qPrintable(error));
    MainWindow window(&store, UiTest::quietSettings());
    window.show();
    QVERIFY(window.action(QStringLiteral("attach"))->isVisible());

    // A catcher that does not answer: the reason in the dialog, which stays open.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 closed = probe.serverPort();
    probe.close();
    QPointer<AttachDialog> dialog;
    window.attachInteractively([&dialog, closed](AttachDialog *d) {
        dialog = d;
        d->setUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed));
    });
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto *attach = dialog->findChild<QPushButton *>(QStringLiteral("attachButton"));
    QVERIFY(attach && attach->isEnabled());
    QSignalSpy opened(&window, &MainWindow::attachedWindowOpened);
    attach->click();
    QTRY_VERIFY_WITH_TIMEOUT(attach->isEnabled(), 15000);
    QVERIFY(dialog->isVisible());
    QVERIFY(opened.isEmpty());
    const QList<QLabel *> labels = dialog->findChildren<QLabel *>();
    QVERIFY(std::any_of(labels.cbegin(), labels.cend(), [closed](QLabel *l) {
        return l->isVisible() && l->text().contains(QStringLiteral("127.0.0.1:%1").arg(closed));
    }));

    // The right URL: a second window on that catcher; this one stays.
    dialog->setUrl(second.apiUrl());
    attach->click();
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 15000);
    QPointer<MainWindow> other = opened.at(0).at(0).value<MainWindow *>();
    QVERIFY(other);
    QTRY_VERIFY(!dialog);
    QTRY_COMPARE_WITH_TIMEOUT(other->inboxModel()->rowCount(), 1, 10000);
    QCOMPARE(other->inboxModel()->summaryAt(0).subject, QStringLiteral("On the second catcher"));
    QVERIFY(other->remoteStore()->endpoint().displayText() == second.apiUrl());
    // File ▸ Detach closes that window only.
    other->action(QStringLiteral("detach"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!other, 10000);
    QVERIFY(window.isVisible());
    // Remembered for the next File ▸ Attach to Catcher….
    QCOMPARE(QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox"))
                 .value(QStringLiteral("attach/url"))
                 .toString(),
        second.apiUrl());
}

QTEST_MAIN(TestAttachedWindow)
#include "tst_attachedwindow.moc"
