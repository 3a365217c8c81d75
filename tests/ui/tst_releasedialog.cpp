// Release… and the Relay section, end to end over loopback: the message shown is released through the window's
// action to a second, in-process Letterbox acting as the relay, which receives the stored source unchanged (its own
// Received: line aside) with MAIL FROM = the envelope sender and RCPT TO = the addresses typed (CONTRACT
// "Release"); the dialog shows the relay's reply; the attempt appears in the Envelope & session tab's Relay section,
// which is hidden while the log is empty; a relay that cannot be reached is shown as the error in both places; the ten
// most recent addresses are remembered and offered; without a relay the action is disabled and says why.
#include "uitestsupport.h"

#include <relay/relayservice.h>
#include <service/catcherservice.h>
#include <ui/appsettings.h>
#include <ui/mainwindow.h>
#include <ui/messageview.h>
#include <ui/relaylogmodel.h>
#include <ui/relaysettingspage.h>
#include <ui/releasedialog.h>
#include <ui/settingsdialog.h>

#include <QAction>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStringListModel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

namespace {
using UiTest::loopbackConfig;
using UiTest::quietSettings;

RelayConfig relayTo(quint16 port)
{
    RelayConfig config;
    config.client.servers = { SmtpServerAddress { QStringLiteral("127.0.0.1"), port } };
    config.client.heloName = QStringLiteral("catcher.test");
    config.client.timeoutMs = 10000;
    return config;
}

// RFC 5322 §2.2.3: the first header field with its folded continuation lines.
QByteArray withoutFirstHeader(const QByteArray &raw)
{
    qsizetype end = raw.indexOf("\r\n");
    while (end >= 0 && end + 2 < raw.size() && (raw.at(end + 2) == ' ' || raw.at(end + 2) == '\t')) {
        end = raw.indexOf("\r\n", end + 2);
    }
    return end < 0 ? QByteArray() : raw.mid(end + 2);
}

QPushButton *releaseButton(ReleaseDialog *dialog)
{
    for (QPushButton *button : dialog->findChild<QDialogButtonBox *>()->findChildren<QPushButton *>()) {
        if (button->text() == QStringLiteral("&Release")) {
            return button;
        }
    }
    return nullptr;
}
} // namespace

class TestReleaseDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void releaseSendsTheStoredSourceUnchangedAndTheRelaySectionShowsIt();
    void anUnreachableRelayIsShownAsTheError();
    void withoutARelayTheActionIsDisabledAndSaysWhy();
    void theTenMostRecentAddressesAreRememberedAndOffered();
    void thePasswordTypedInSettingsReachesTheRelayButNeverTheSettingsFile();
    void aSavedRelayThatLogsInIsAppliedOnceTheKeychainAnswered();
    void anAddressThatIsNoAddressIsRefusedBeforeSending_data();
    void anAddressThatIsNoAddressIsRefusedBeforeSending();

private:
    QString storeOne(const QByteArray &data);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store; // the catcher's
    std::unique_ptr<CatcherService> m_catcher;
    std::unique_ptr<SqliteMessageStore> m_relayStore; // the relay's
    std::unique_ptr<CatcherService> m_relay;
};

void TestReleaseDialog::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    // No keychain is asked: a session bus address where there is none.
    qputenv(
        "DBUS_SESSION_BUS_ADDRESS", QByteArray("unix:path=") + m_dir->filePath(QStringLiteral("no-bus")).toLocal8Bit());
    QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).clear();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("catcher"))));
    m_catcher = std::make_unique<CatcherService>(m_store.get());
    m_relayStore = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_relayStore->open(m_dir->filePath(QStringLiteral("relay"))));
    m_relay = std::make_unique<CatcherService>(m_relayStore.get());
    QVERIFY(m_relay->start(loopbackConfig()));
}

void TestReleaseDialog::cleanup()
{
    m_catcher.reset();
    m_relay.reset();
    QThreadPool::globalInstance()->waitForDone();
    m_store->close();
    m_relayStore->close();
    m_store.reset();
    m_relayStore.reset();
    m_dir.reset();
}

QString TestReleaseDialog::storeOne(const QByteArray &data)
{
    return UiTest::deliver(*m_store, data, 1764000000000);
}

void TestReleaseDialog::releaseSendsTheStoredSourceUnchangedAndTheRelaySectionShowsIt()
{
    // Bytes a careless relay path would change: a leading dot (dot-stuffing), a long header, 8-bit text.
    const QByteArray data = "From: Ann <ann@example.test>\r\nTo: bob@example.test\r\nSubject: release me\r\n"
                            "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                            "Line one\r\n.leading dot\r\n..two dots\r\nGr\xc3\xbc\xc3\x9f"
                            "e\r\n";
    const QString id = storeOne(data);
    QVERIFY(!id.isEmpty());
    const StoredMessage original = *m_store->message(id);
    m_catcher->relay()->setConfig(relayTo(m_relay->smtpListeners().first().port));
    QVERIFY(m_catcher->start(loopbackConfig()));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.selectMessage(id);
    QTRY_COMPARE(window.messageView()->messageId(), id);
    QAction *release = window.action(QStringLiteral("release"));
    QVERIFY(release->isEnabled());
    QCOMPARE(release->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
    // No attempt yet: no Relay section.
    window.messageView()->setCurrentTab(MessageView::EnvelopeTab);
    QTest::qWait(200);
    QVERIFY(!window.messageView()->relaySection()->isVisible());

    ReleaseDialog *dialog = window.releaseMessage();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QSignalSpy released(dialog, &ReleaseDialog::released);
    QTest::keyClicks(dialog->toField(), QStringLiteral("carol@example.test, dave@example.test"));
    releaseButton(dialog)->click();
    QVERIFY(released.wait(20000));
    QCOMPARE(released.first().at(0).toBool(), true);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("Released: 250")), qPrintable(dialog->resultText()));

    // At the relay: the stored source unchanged under the relay's own trace line.
    QTRY_COMPARE_WITH_TIMEOUT(m_relayStore->count(), qint64(1), 10000);
    const StoredMessage relayed = *m_relayStore->message(m_relayStore->latestId());
    QVERIFY(relayed.raw.startsWith("Received: "));
    QCOMPARE(withoutFirstHeader(relayed.raw), original.raw);
    QCOMPARE(relayed.mailFrom, original.mailFrom);
    QCOMPARE(
        relayed.rcptTo, QStringList({ QStringLiteral("carol@example.test"), QStringLiteral("dave@example.test") }));

    // The Relay section shows the attempt.
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->relaySection()->isVisible(), 10000);
    const RelayLogModel *log = window.messageView()->relayLogModel();
    QCOMPARE(log->rowCount(), 1);
    QCOMPARE(log->index(0, RelayLogModel::ToColumn).data().toString(),
        QStringLiteral("carol@example.test, dave@example.test"));
    QCOMPARE(log->index(0, RelayLogModel::ResultColumn).data().toString(), QStringLiteral("relayed"));
    QVERIFY(log->index(0, RelayLogModel::ReplyColumn).data().toString().startsWith(QStringLiteral("250")));
    dialog->close();
}

void TestReleaseDialog::anUnreachableRelayIsShownAsTheError()
{
    const QString id = storeOne(UiTest::simpleMessage(QStringLiteral("nowhere to go")));
    // A port nothing listens on: bound, then closed.
    quint16 port = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        port = closed.serverPort();
    }
    m_catcher->relay()->setConfig(relayTo(port));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.selectMessage(id);
    QTRY_COMPARE(window.messageView()->messageId(), id);
    window.messageView()->setCurrentTab(MessageView::EnvelopeTab);
    ReleaseDialog *dialog = window.releaseMessage();
    QVERIFY(dialog);
    QSignalSpy released(dialog, &ReleaseDialog::released);
    dialog->toField()->setText(QStringLiteral("carol@example.test"));
    releaseButton(dialog)->click();
    QVERIFY(released.wait(20000));
    QCOMPARE(released.first().at(0).toBool(), false);
    QVERIFY2(dialog->resultText().startsWith(QStringLiteral("Not released: ")), qPrintable(dialog->resultText()));
    QVERIFY(dialog->resultText().size() > QStringLiteral("Not released: ").size());
    QTRY_VERIFY_WITH_TIMEOUT(window.messageView()->relaySection()->isVisible(), 10000);
    const RelayLogModel *log = window.messageView()->relayLogModel();
    QCOMPARE(log->index(0, RelayLogModel::ResultColumn).data().toString(), QStringLiteral("failed"));
    QVERIFY(!log->index(0, RelayLogModel::ReplyColumn).data().toString().isEmpty());
    QCOMPARE(m_relayStore->count(), qint64(0));
    dialog->close();
}

void TestReleaseDialog::withoutARelayTheActionIsDisabledAndSaysWhy()
{
    const QString id = storeOne(UiTest::simpleMessage(QStringLiteral("no relay")));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.selectMessage(id);
    QTRY_COMPARE(window.messageView()->messageId(), id);
    QAction *release = window.action(QStringLiteral("release"));
    QVERIFY(!release->isEnabled());
    QVERIFY2(release->toolTip().contains(QStringLiteral("Settings")), qPrintable(release->toolTip()));
    QCOMPARE(window.releaseMessage(), nullptr);

    // A relay set in Settings enables it, without a restart.
    AppSettings s = quietSettings();
    s.relay.host = QStringLiteral("127.0.0.1");
    s.relay.port = m_relay->smtpListeners().first().port;
    CatcherConfig config;
    QString error;
    QVERIFY(s.toConfig(loopbackConfig(), &config, &error));
    QVERIFY(window.applySettings(s, config, &error));
    QVERIFY(release->isEnabled());
    QCOMPARE(m_catcher->relay()->config().client.servers.value(0).port, s.relay.port);
}

void TestReleaseDialog::theTenMostRecentAddressesAreRememberedAndOffered()
{
    const QString id = storeOne(UiTest::simpleMessage(QStringLiteral("many times")));
    m_catcher->relay()->setConfig(relayTo(m_relay->smtpListeners().first().port));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.selectMessage(id);
    QTRY_COMPARE(window.messageView()->messageId(), id);
    // Twelve addresses over three releases, one used twice.
    const QList<QStringList> releases = {
        { QStringLiteral("a1@example.test"), QStringLiteral("a2@example.test"), QStringLiteral("a3@example.test"),
            QStringLiteral("a4@example.test") },
        { QStringLiteral("b1@example.test"), QStringLiteral("b2@example.test"), QStringLiteral("b3@example.test"),
            QStringLiteral("b4@example.test") },
        { QStringLiteral("c1@example.test"), QStringLiteral("A2@example.test"), QStringLiteral("c3@example.test"),
            QStringLiteral("c4@example.test") },
    };
    for (const QStringList &to : releases) {
        ReleaseDialog *dialog = window.releaseMessage();
        QSignalSpy released(dialog, &ReleaseDialog::released);
        dialog->toField()->setText(to.join(QStringLiteral(", ")));
        releaseButton(dialog)->click();
        QVERIFY(released.wait(20000));
        dialog->close();
    }
    // Newest first, each once (case-insensitively), ten at most.
    const QStringList expected = { QStringLiteral("c1@example.test"), QStringLiteral("A2@example.test"),
        QStringLiteral("c3@example.test"), QStringLiteral("c4@example.test"), QStringLiteral("b1@example.test"),
        QStringLiteral("b2@example.test"), QStringLiteral("b3@example.test"), QStringLiteral("b4@example.test"),
        QStringLiteral("a1@example.test"), QStringLiteral("a3@example.test") };
    QCOMPARE(ReleaseDialog::recentAddresses(), expected);

    // Offered while typing the address after the last comma; choosing one completes that address only.
    ReleaseDialog *dialog = window.releaseMessage();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QCompleter *completer = dialog->toField()->findChild<QCompleter *>() ? dialog->toField()->findChild<QCompleter *>()
                                                                         : dialog->findChild<QCompleter *>();
    QVERIFY(completer);
    dialog->toField()->setFocus();
    QTest::keyClicks(dialog->toField(), QStringLiteral("x@example.test, b"));
    QCOMPARE(completer->completionPrefix(), QStringLiteral("b"));
    QStringList offered;
    for (int row = 0; completer->setCurrentRow(row); ++row) {
        offered << completer->currentCompletion();
    }
    QCOMPARE(offered,
        QStringList({ QStringLiteral("b1@example.test"), QStringLiteral("b2@example.test"),
            QStringLiteral("b3@example.test"), QStringLiteral("b4@example.test") }));
    Q_EMIT completer->activated(QStringLiteral("b3@example.test"));
    QCOMPARE(dialog->toField()->text(), QStringLiteral("x@example.test, b3@example.test"));
    dialog->close();
}

void TestReleaseDialog::thePasswordTypedInSettingsReachesTheRelayButNeverTheSettingsFile()
{
    const QString password = QStringLiteral("pw-93e1-typed-in-settings");
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    bool filled = false;
    QTimer::singleShot(0, &window, [&] {
        QTRY_VERIFY(qobject_cast<SettingsDialog *>(QApplication::activeModalWidget()));
        auto *dialog = qobject_cast<SettingsDialog *>(QApplication::activeModalWidget());
        dialog->showPage(SettingsDialog::Page::Relay);
        RelaySettingsPage *page = dialog->relayPage();
        // The keychain answers (here: there is none) before the password is typed.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (QLabel *label : page->findChildren<QLabel *>()) {
                    if (label->isVisible() && label->text().contains(QStringLiteral("kept for this run only"))) {
                        return true;
                    }
                }
                return false;
            }(),
            30000);
        for (QLineEdit *edit : page->findChildren<QLineEdit *>()) {
            if (edit->accessibleName() == QStringLiteral("Relay host")) {
                edit->setText(QStringLiteral("127.0.0.1"));
            } else if (edit->accessibleName() == QStringLiteral("Relay user")) {
                edit->setText(QStringLiteral("ann"));
            } else if (edit->accessibleName() == QStringLiteral("Relay password")) {
                QTest::keyClicks(edit, password);
            }
        }
        filled = true;
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    });
    window.action(QStringLiteral("settings"))->trigger();
    QVERIFY(filled);
    const RelayConfig config = m_catcher->relay()->config();
    QVERIFY(config.isConfigured());
    QCOMPARE(config.client.username, QStringLiteral("ann"));
    QCOMPARE(config.client.password, password);
    // Kept for this run only, and said so.
    QTRY_VERIFY_WITH_TIMEOUT(window.statusBar()->currentMessage().contains(QStringLiteral("for this run only")), 30000);
    QSettings().sync();
    const QString fileName = QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).fileName();
    QFile file(fileName);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(fileName));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains("ann"));
    QVERIFY(!bytes.contains(password.toUtf8()));
}

void TestReleaseDialog::aSavedRelayThatLogsInIsAppliedOnceTheKeychainAnswered()
{
    AppSettings s = quietSettings();
    s.relay.host = QStringLiteral("127.0.0.1");
    s.relay.port = m_relay->smtpListeners().first().port;
    s.relay.user = QStringLiteral("ann");
    // As app/desktop.cpp leaves it for a relay that logs in: unset until the password is known.
    QVERIFY(!m_catcher->relay()->config().isConfigured());
    MainWindow window(m_store.get(), m_catcher.get(), s, loopbackConfig());
    window.show();
    // No keychain here: the relay is set all the same, with the user, and Release is offered.
    QTRY_VERIFY_WITH_TIMEOUT(m_catcher->relay()->config().isConfigured(), 30000);
    QCOMPARE(m_catcher->relay()->config().client.username, QStringLiteral("ann"));
    QCOMPARE(m_catcher->relay()->config().client.servers.value(0).port, s.relay.port);
}

void TestReleaseDialog::anAddressThatIsNoAddressIsRefusedBeforeSending_data()
{
    QTest::addColumn<QString>("to");
    QTest::newRow("nothing") << QString();
    QTest::newRow("only commas") << QStringLiteral(" , ,");
    QTest::newRow("no @") << QStringLiteral("carol");
    QTest::newRow("a display name with the address") << QStringLiteral("Carol <carol@example.test>");
}

void TestReleaseDialog::anAddressThatIsNoAddressIsRefusedBeforeSending()
{
    QFETCH(QString, to);
    const QString id = storeOne(UiTest::simpleMessage(QStringLiteral("bad address")));
    m_catcher->relay()->setConfig(relayTo(m_relay->smtpListeners().first().port));
    MainWindow window(m_store.get(), m_catcher.get(), quietSettings(), loopbackConfig());
    window.show();
    window.selectMessage(id);
    QTRY_COMPARE(window.messageView()->messageId(), id);
    ReleaseDialog *dialog = window.releaseMessage();
    dialog->toField()->setText(to);
    releaseButton(dialog)->click();
    QVERIFY(!dialog->isReleasing());
    QVERIFY(!dialog->resultText().isEmpty());
    QVERIFY(!dialog->resultText().startsWith(QStringLiteral("Releasing")));
    QTest::qWait(300);
    QCOMPARE(m_relayStore->count(), qint64(0));
    QVERIFY(ReleaseDialog::recentAddresses().isEmpty());
    dialog->close();
}

QTEST_MAIN(TestReleaseDialog)
#include "tst_releasedialog.moc"
