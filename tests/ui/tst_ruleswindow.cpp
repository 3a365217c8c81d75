// The Rules window changes what a real SMTP client sees: creating a rule in the editor, reordering and disabling
// it, each checked by a client on a loopback socket; the rules file follows; "try it" tells the same reply.
#include "uitestsupport.h"

#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <ui/ruleeditor.h>
#include <ui/rulesmodel.h>
#include <ui/ruleswindow.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <thread>

namespace {
// The reply a client gets to RCPT TO:<address> (after EHLO and MAIL), read on a thread of its own.
QByteArray rcptReply(quint16 port, const QByteArray &address)
{
    std::atomic<bool> done { false };
    QByteArray reply;
    std::thread client([&] {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        auto line = [&socket] {
            QByteArray last;
            while (socket.waitForReadyRead(10000) || socket.canReadLine()) {
                while (socket.canReadLine()) {
                    last = socket.readLine();
                    if (last.size() >= 4 && last.at(3) == ' ') {
                        return last.trimmed();
                    }
                }
            }
            return last.trimmed();
        };
        if (socket.waitForConnected(10000)) {
            line();
            socket.write("EHLO client.test\r\n");
            line();
            socket.write("MAIL FROM:<a@example.test>\r\n");
            line();
            socket.write("RCPT TO:<" + address + ">\r\n");
            reply = line();
            socket.write("QUIT\r\n");
            line();
        }
        done = true;
    });
    const bool finished = QTest::qWaitFor([&] { return done.load(); }, 30000);
    Q_UNUSED(finished)
    client.join();
    return reply;
}

// Answers the next modal RuleEditor: sets the pattern (and optionally more), then OK.
void answerEditor(const QString &pattern, std::function<void(RuleEditor *)> more = {})
{
    QTimer::singleShot(0, [pattern, more] {
        auto *editor = qobject_cast<RuleEditor *>(QApplication::activeModalWidget());
        QVERIFY(editor);
        editor->patternField()->setText(pattern);
        if (more) {
            more(editor);
        }
        editor->accept();
    });
}
// The problem line of an editor, as shown ("" when hidden).
QString shownProblem(const RuleEditor &editor)
{
    for (QLabel *label : editor.findChildren<QLabel *>()) {
        if (label->text().startsWith(QLatin1String("Cannot save"))) {
            return label->isVisible() ? label->text() : QString();
        }
    }
    return {};
}

// The "try it" field and answers of the stage page shown.
QLineEdit *visibleTryField(RulesWindow &window)
{
    for (QLineEdit *field : window.findChildren<QTabWidget *>().first()->currentWidget()->findChildren<QLineEdit *>()) {
        if (field->accessibleName() == QLatin1String("Try it")) {
            return field;
        }
    }
    return nullptr;
}

QStringList visibleAnswers(RulesWindow &window)
{
    QStringList answers;
    for (QLabel *label : window.findChildren<QTabWidget *>().first()->currentWidget()->findChildren<QLabel *>()) {
        if (label->text().contains(QLatin1String("ule")) && label->text().contains(QLatin1String("match"))) {
            answers << label->text();
        }
    }
    return answers;
}
} // namespace

class TestRulesWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void editingRulesChangesWhatAClientSees();
    void theEditorRefusesAnInvalidPattern();
    void rulesChangedElsewhereShowUp();
    void theEditorShowsProblemsOnceTypedOrOnOk();
    void tryItAnswersOnlyWhatWasAsked();
    void tabLeavesTheRulesTable();
    void theEditorOffersGreylistDisconnectAndALimit();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<RuleEngine> m_engine;
    std::unique_ptr<CatcherService> m_catcher;
    quint16 m_port = 0;
    QString m_rulesFile;
};

void TestRulesWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    m_engine = std::make_unique<RuleEngine>();
    m_catcher = std::make_unique<CatcherService>(m_store.get());
    m_rulesFile = m_dir->filePath(QStringLiteral("rules.json"));
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "mx.test";
    config.rules = m_engine.get();
    config.rulesFile = m_rulesFile;
    QVERIFY(m_catcher->start(config));
    m_port = m_catcher->smtpListeners().first().port;
}

void TestRulesWindow::cleanup()
{
    m_catcher.reset();
    m_store->close();
    m_store.reset();
    m_engine.reset();
    m_dir.reset();
}

void TestRulesWindow::editingRulesChangesWhatAClientSees()
{
    RulesWindow window(m_engine.get(), m_rulesFile);
    RulesModel *model = window.model(RuleSet::Stage::Recipient);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    window.show();
    QCOMPARE(rcptReply(m_port, "blocked@example.test"), QByteArray("250 2.1.5 Ok"));

    // Create: the editor, with the "mailbox unavailable" reply.
    answerEditor(QStringLiteral("blocked@example.test"));
    Rule proposal;
    proposal.code = 550;
    proposal.enhanced = QStringLiteral("5.1.1");
    proposal.text = QStringLiteral("mailbox unavailable");
    QVERIFY(window.proposeRule(RuleSet::Stage::Recipient, proposal));
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(rcptReply(m_port, "blocked@example.test"), QByteArray("550 5.1.1 mailbox unavailable"));
    QCOMPARE(rcptReply(m_port, "other@example.test"), QByteArray("250 2.1.5 Ok"));
    QVERIFY(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("Blocked@Example.test"))
                .startsWith(QStringLiteral("Rule 1 matches: the client gets “550 5.1.1 mailbox unavailable”")));
    // Saved as it applies.
    QFile file(m_rulesFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QString error;
    const std::optional<RuleSet> saved = RuleSet::fromJson(file.readAll(), &error);
    QVERIFY2(saved, qPrintable(error));
    QCOMPARE(saved->rules(RuleSet::Stage::Recipient).first().pattern, QStringLiteral("blocked@example.test"));

    // A new rule goes first: an accepting glob for the whole domain now wins.
    Rule accept;
    accept.match = Rule::Match::Glob;
    accept.action = Rule::Action::Accept;
    answerEditor(QStringLiteral("*@example.test"));
    QVERIFY(window.proposeRule(RuleSet::Stage::Recipient, accept));
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(rcptReply(m_port, "blocked@example.test"), QByteArray("250 2.1.5 Ok"));

    // Reorder: the refusal back on top.
    QVERIFY(model->moveRows(QModelIndex(), 1, 1, QModelIndex(), 0));
    QCOMPARE(model->rules().first().pattern, QStringLiteral("blocked@example.test"));
    QCOMPARE(rcptReply(m_port, "blocked@example.test"), QByteArray("550 5.1.1 mailbox unavailable"));
    // Hit counts follow (the window polls the engine).
    QTRY_VERIFY_WITH_TIMEOUT(model->index(0, RulesModel::HitsColumn).data().toInt() >= 1, 5000);

    // Disable it: accepted again, by the second rule.
    QVERIFY(model->setData(model->index(0, RulesModel::EnabledColumn), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(rcptReply(m_port, "blocked@example.test"), QByteArray("250 2.1.5 Ok"));
    QVERIFY(!m_engine->rules().rules(RuleSet::Stage::Recipient).first().enabled);

    // Delete both: nothing left to refuse.
    model->removeRule(0);
    model->removeRule(0);
    QVERIFY(m_engine->rules().isEmpty());
}

void TestRulesWindow::theEditorRefusesAnInvalidPattern()
{
    Rule rule;
    rule.match = Rule::Match::Regex;
    RuleEditor editor(RuleSet::Stage::Sender, rule);
    editor.patternField()->setText(QStringLiteral("(unclosed"));
    QVERIFY(editor.problem().startsWith(QStringLiteral("pattern: invalid regular expression")));
    editor.patternField()->setText(QStringLiteral("^ok$"));
    QVERIFY(editor.problem().isEmpty());
    Rule cidr;
    cidr.match = Rule::Match::Cidr;
    RuleEditor host(RuleSet::Stage::Host, cidr);
    host.patternField()->setText(QStringLiteral("10.0.0.0/64"));
    QVERIFY(host.problem().contains(QStringLiteral("10.0.0.0/64")));
}

void TestRulesWindow::tabLeavesTheRulesTable()
{
    // Keyboard users reach the buttons with Tab; a table that turns Tab into cell navigation traps them.
    RulesWindow window(m_engine.get(), m_rulesFile);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    const QList<QTableView *> tables = window.findChildren<QTableView *>();
    QCOMPARE(tables.size(), RuleSet::StageCount);
    QTableView *shown = nullptr;
    for (QTableView *table : tables) {
        QVERIFY(!table->tabKeyNavigation());
        if (table->isVisible()) {
            shown = table;
        }
    }
    QVERIFY(shown);
    shown->setFocus();
    QTRY_VERIFY(shown->hasFocus());
    QTest::keyClick(shown, Qt::Key_Tab);
    QTRY_VERIFY(!shown->hasFocus());
}

void TestRulesWindow::rulesChangedElsewhereShowUp()
{
    RulesWindow window(m_engine.get(), m_rulesFile);
    RuleSet set;
    Rule host;
    host.match = Rule::Match::Cidr;
    host.pattern = QStringLiteral("192.0.2.0/24");
    set.rules(RuleSet::Stage::Host) << host;
    m_engine->setRules(set); // as PUT /api/v1/rules does
    QTRY_COMPARE_WITH_TIMEOUT(window.model(RuleSet::Stage::Host)->rowCount(), 1, 5000);
    QVERIFY(
        window.tryIt(RuleSet::Stage::Host, QStringLiteral("192.0.2.44")).startsWith(QStringLiteral("Rule 1 matches")));
    QCOMPARE(window.tryIt(RuleSet::Stage::Host, QStringLiteral("127.0.0.1")),
        QStringLiteral("No rule matches: the client gets the greeting (220)."));
}

void TestRulesWindow::theEditorShowsProblemsOnceTypedOrOnOk()
{
    // A new rule has no pattern yet: nothing to complain about before anything is typed.
    {
        RuleEditor editor(RuleSet::Stage::Recipient, Rule());
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        QVERIFY(!editor.problem().isEmpty());
        QCOMPARE(shownProblem(editor), QString());
        // Typing starts in the pattern.
        QCOMPARE(editor.focusWidget(), editor.patternField());
        // Typed, then emptied: now it says why OK cannot save.
        QTest::keyClicks(editor.patternField(), QStringLiteral("x"));
        QCOMPARE(shownProblem(editor), QString());
        QTest::keyClick(editor.patternField(), Qt::Key_Backspace);
        QCOMPARE(shownProblem(editor), QStringLiteral("Cannot save: pattern: must not be empty"));
        auto *ok = editor.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(editor.patternField(), QStringLiteral("bogus@example.test"));
        QCOMPARE(shownProblem(editor), QString());
        QVERIFY(ok->isEnabled());
    }
    // OK on an untouched new rule says what is missing, and the editor stays open.
    {
        RuleEditor editor(RuleSet::Stage::Recipient, Rule());
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        auto *ok = editor.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());
        ok->click();
        QVERIFY(editor.isVisible());
        QVERIFY(editor.result() != QDialog::Accepted);
        QCOMPARE(shownProblem(editor), QStringLiteral("Cannot save: pattern: must not be empty"));
    }
    // A problem in a field the user changed shows even while an untouched field is still empty.
    {
        RuleEditor editor(RuleSet::Stage::Recipient, Rule());
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        auto *code = editor.findChild<QSpinBox *>(QStringLiteral("code"));
        QCOMPARE(code->value(), 550);
        code->setFocus();
        QTest::keyClick(code, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(code, QStringLiteral("450"));
        QVERIFY(shownProblem(editor).startsWith(QStringLiteral("Cannot save: enhanced: its class (5)")));
    }
}

void TestRulesWindow::tryItAnswersOnlyWhatWasAsked()
{
    RulesWindow window(m_engine.get(), m_rulesFile);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    Rule refuse;
    refuse.pattern = QStringLiteral("bogus@example.test");
    window.model(RuleSet::Stage::Recipient)->insertRule(0, refuse);
    window.showStage(RuleSet::Stage::Recipient);
    QTest::keyClicks(visibleTryField(window), QStringLiteral("bogus@example.test"));
    QCOMPARE(visibleAnswers(window).size(), 1);
    QVERIFY(visibleAnswers(window).first().contains(QStringLiteral("Rule 1 matches")));
    // Another stage: nothing was tried there, so there is no answer.
    window.showStage(RuleSet::Stage::Sender);
    QVERIFY(visibleTryField(window)->text().isEmpty());
    QCOMPARE(visibleAnswers(window), QStringList());
    window.showStage(RuleSet::Stage::Host);
    QCOMPARE(visibleAnswers(window), QStringList());
    // The null sender is tried as "<>".
    window.showStage(RuleSet::Stage::Sender);
    QTest::keyClicks(visibleTryField(window), QStringLiteral("<>"));
    QCOMPARE(visibleAnswers(window), QStringList { window.tryIt(RuleSet::Stage::Sender, QString()) });
    // Back on recipients after the rules changed elsewhere: the answer is for the rules in force.
    m_engine->setRules(RuleSet());
    QTRY_COMPARE_WITH_TIMEOUT(window.model(RuleSet::Stage::Recipient)->rowCount(), 0, 5000);
    window.showStage(RuleSet::Stage::Recipient);
    QCOMPARE(visibleTryField(window)->text(), QStringLiteral("bogus@example.test"));
    QCOMPARE(visibleAnswers(window), QStringList { QStringLiteral("No rule matches: accepted.") });
}

// CONTRACT "Failure scenarios": the editor offers every action and field. Greylist (recipient rules) takes its own
// reply when chosen; a rate limit is a checkbox with its count and window; Try it explains what the client gets.
void TestRulesWindow::theEditorOffersGreylistDisconnectAndALimit()
{
    {
        RuleEditor editor(RuleSet::Stage::Recipient, Rule());
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        auto *action = editor.findChild<QComboBox *>(QStringLiteral("action"));
        QVERIFY(action->findData(int(Rule::Action::Greylist)) >= 0);
        QVERIFY(action->findData(int(Rule::Action::Disconnect)) >= 0);
        editor.patternField()->setText(QStringLiteral("*@grey.test"));
        action->setFocus();
        // Chosen as a user does: the key moves down the list to Greylist.
        while (action->currentData().toInt() != int(Rule::Action::Greylist)) {
            QTest::keyClick(action, Qt::Key_Down);
        }
        Rule rule = editor.rule();
        QCOMPARE(rule.action, Rule::Action::Greylist);
        QCOMPARE(rule.code, 451);
        QCOMPARE(rule.enhanced, QStringLiteral("4.7.1"));
        QCOMPARE(rule.text, QStringLiteral("Greylisted, please try again later"));
        auto *attempts = editor.findChildren<QSpinBox *>().first();
        QVERIFY(attempts->isEnabled());
        attempts->setValue(2);
        auto *limited = editor.findChild<QCheckBox *>();
        QVERIFY(limited->text().contains(QStringLiteral("past")));
        limited->setChecked(true);
        rule = editor.rule();
        QCOMPARE(rule.attempts, 2);
        QCOMPARE(rule.limit, (Rule::Limit { 10, 60 }));
        QCOMPARE(editor.problem(), QString());
    }
    {
        // The scenarios set whole behaviours, as ordinary fields.
        RuleEditor editor(RuleSet::Stage::Recipient, Rule());
        editor.patternField()->setText(QStringLiteral("*@x.test"));
        auto *scenario = editor.findChild<QComboBox *>(QStringLiteral("scenario"));
        QCOMPARE(scenario->count(), 4);
        scenario->setCurrentIndex(1);
        Q_EMIT scenario->activated(1);
        QCOMPARE(editor.rule().action, Rule::Action::Greylist);
        QCOMPARE(editor.rule().attempts, 1);
        QCOMPARE(editor.rule().code, 451);
        Q_EMIT scenario->activated(2);
        QCOMPARE(editor.rule().action, Rule::Action::Disconnect);
        Q_EMIT scenario->activated(3);
        const Rule limited = editor.rule();
        QCOMPARE(limited.action, Rule::Action::Reject);
        QCOMPARE(limited.code, 421);
        QCOMPARE(limited.enhanced, QStringLiteral("4.7.0"));
        QCOMPARE(limited.limit, (Rule::Limit { 10, 60 }));
        QCOMPARE(editor.problem(), QString());
        QCOMPARE(scenario->currentIndex(), 0);
    }
    {
        // Greylisting belongs to recipients: a sender rule does not offer it.
        RuleEditor editor(RuleSet::Stage::Sender, Rule());
        auto *action = editor.findChild<QComboBox *>(QStringLiteral("action"));
        QCOMPARE(action->findData(int(Rule::Action::Greylist)), -1);
        QVERIFY(action->findData(int(Rule::Action::Disconnect)) >= 0);
    }
    RulesWindow window(m_engine.get(), m_rulesFile);
    Rule grey;
    grey.match = Rule::Match::Glob;
    grey.pattern = QStringLiteral("*@grey.test");
    grey.action = Rule::Action::Greylist;
    grey.code = 451;
    grey.enhanced = QStringLiteral("4.7.1");
    grey.text = QStringLiteral("Greylisted, please try again later");
    Rule drop;
    drop.pattern = QStringLiteral("drop@x.test");
    drop.action = Rule::Action::Disconnect;
    window.model(RuleSet::Stage::Recipient)->insertRule(0, grey);
    window.model(RuleSet::Stage::Recipient)->insertRule(1, drop);
    QCOMPARE(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("bob@grey.test")),
        QStringLiteral("Rule 1 matches: the client gets “451 4.7.1 Greylisted, please try again later” to the first "
                       "try of the same client and sender within 3600 s, then acceptance."));
    QCOMPARE(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("drop@x.test")),
        QStringLiteral("Rule 2 matches: the client gets no reply: the connection is closed at once."));
}

QTEST_MAIN(TestRulesWindow)
#include "tst_ruleswindow.moc"
