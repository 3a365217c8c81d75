// The Rules window changes what a real SMTP client sees: creating a rule in the editor, reordering and disabling
// it, each checked by a client on a loopback socket; the rules file follows; "try it" tells the same reply.
#include "uitestsupport.h"

#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <settings/filesettingsdocument.h>
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
#include <QMenu>
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
// The one rule of stage in a rules file written by hand, as the contract's "Rules file" section shows it.
Rule ruleFromJson(RuleSet::Stage stage, const QByteArray &json)
{
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(
        "{\"version\": 1, \"" + RuleSet::stageName(stage).toLatin1() + "\": [" + json + "]}", &error);
    if (!set || set->rules(stage).size() != 1) {
        qWarning("%s", qPrintable(error));
        return {};
    }
    return set->rules(stage).first();
}

QStringList itemTexts(const QComboBox *box)
{
    QStringList texts;
    for (int i = 0; i < box->count(); ++i) {
        texts << box->itemText(i);
    }
    return texts;
}
} // namespace

Q_DECLARE_METATYPE(RuleSet::Stage)

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
    void theEditorRoundTripsEveryField_data();
    void theEditorRoundTripsEveryField();
    void theEditorOffersBounceAndSlowInputWhereAllowed();
    void theNewFieldsAreValidatedAsTyped();
    void presetsSetWhatTheContractNames_data();
    void presetsSetWhatTheContractNames();
    void scenariosAddOrdinaryRules_data();
    void scenariosAddOrdinaryRules();
    void theScenariosMenuIsReachedByKeyboard();
    void aScenarioChangesWhatAClientSees();
    void bounceAndSlowInputAreExplained();
    void ratesAndDurationsReadAsPeopleSayThem_data();
    void ratesAndDurationsReadAsPeopleSayThem();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
    std::unique_ptr<RuleEngine> m_engine;
    std::unique_ptr<CatcherService> m_catcher;
    quint16 m_port = 0;
    QString m_rulesFile;
    std::unique_ptr<FileSettingsDocument> m_rulesDocument;
};

void TestRulesWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    m_engine = std::make_unique<RuleEngine>();
    m_catcher = std::make_unique<CatcherService>(m_store.get());
    m_rulesFile = m_dir->filePath(QStringLiteral("rules.json"));
    m_rulesDocument = std::make_unique<FileSettingsDocument>(m_rulesFile);
    // As the app's loadRules() does: what is saved goes in force through the document.
    m_rulesDocument->setApplier([engine = m_engine.get()](const QByteArray &body,
                                    QString *problem) { return engine->setRulesFromJson(body, problem); },
        0);
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "mx.test";
    config.rules = m_engine.get();
    config.rulesDocument = m_rulesDocument.get();
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
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
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
    // Saved as it applies (off the GUI thread).
    QTRY_VERIFY(!window.isSaving());
    QVERIFY2(window.errorString().isEmpty(), qPrintable(window.errorString()));
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
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
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
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
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
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
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
        QCOMPARE(scenario->count(), 5);
        scenario->setCurrentIndex(1);
        Q_EMIT scenario->activated(1);
        QCOMPARE(editor.rule().action, Rule::Action::Greylist);
        QCOMPARE(editor.rule().attempts, 1);
        QCOMPARE(editor.rule().code, 451);
        Q_EMIT scenario->activated(3);
        QCOMPARE(editor.rule().action, Rule::Action::Disconnect);
        Q_EMIT scenario->activated(4);
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
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
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

// Every field the rules file has for a list comes back out of the editor as it went in: the rule parsed from
// hand-written JSON (the contract's field names and defaults) is what rule() gives without a change.
void TestRulesWindow::theEditorRoundTripsEveryField_data()
{
    QTest::addColumn<RuleSet::Stage>("stage");
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("bounce") << RuleSet::Stage::Recipient
                            << QByteArray(R"({"match": "glob", "part": "domain", "pattern": "bounce.test",
                                "action": "bounce", "code": 550, "enhanced": "5.1.1", "text": "User unknown",
                                "bounceAfterMs": 1500, "probability": 90, "delayMs": 250, "enabled": false})");
    QTest::newRow("greylist with a limit")
        << RuleSet::Stage::Recipient
        << QByteArray(R"({"match": "regex", "pattern": "^grey", "action": "greylist", "attempts": 3,
                          "windowSec": 600, "limit": {"count": 5, "perSeconds": 120}})");
    QTest::newRow("slow host") << RuleSet::Stage::Host
                               << QByteArray(R"({"match": "cidr", "pattern": "10.0.0.0/8", "action": "accept",
                                   "bytesPerSecond": 10240})");
    QTest::newRow("slow refused host")
        << RuleSet::Stage::Host
        << QByteArray(R"({"match": "glob", "pattern": "192.0.2.*", "action": "reject", "hostReply": "drop",
                          "code": 421, "enhanced": "4.3.2", "text": "Busy", "bytesPerSecond": 1})");
    QTest::newRow("data drop") << RuleSet::Stage::Data
                               << QByteArray(R"({"pattern": "", "minSize": 1, "action": "disconnect"})");
    QTest::newRow("every 3rd") << RuleSet::Stage::Data
                               << QByteArray(R"({"pattern": "", "minSize": 1, "code": 451, "enhanced": "4.3.0",
                                   "every": 3})");
    QTest::newRow("sender limit") << RuleSet::Stage::Sender
                                  << QByteArray(R"({"pattern": "", "action": "reject", "code": 421,
                                      "enhanced": "4.7.0", "text": "Too many messages",
                                      "limit": {"count": 10, "perSeconds": 60}})");
}

void TestRulesWindow::theEditorRoundTripsEveryField()
{
    QFETCH(RuleSet::Stage, stage);
    QFETCH(QByteArray, json);
    const Rule rule = ruleFromJson(stage, json);
    QVERIFY(!(rule == Rule()));
    RuleEditor editor(stage, rule);
    QCOMPARE(editor.problem(), QString());
    QVERIFY(editor.rule() == rule);
}

// CONTRACT "Failure rules (details)": bounce is a recipient action, bytesPerSecond a host field; the editor offers
// each only there, and the bounce delay only for a bounce.
void TestRulesWindow::theEditorOffersBounceAndSlowInputWhereAllowed()
{
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        const auto stage = RuleSet::Stage(s);
        RuleEditor editor(stage, Rule());
        auto *action = editor.findChild<QComboBox *>(QStringLiteral("action"));
        QCOMPARE(action->findData(int(Rule::Action::Bounce)) >= 0, stage == RuleSet::Stage::Recipient);
        QCOMPARE(editor.findChild<QSpinBox *>(QStringLiteral("bounceAfterMs")) != nullptr,
            stage == RuleSet::Stage::Recipient);
        QCOMPARE(
            editor.findChild<QSpinBox *>(QStringLiteral("bytesPerSecond")) != nullptr, stage == RuleSet::Stage::Host);
    }
    RuleEditor editor(RuleSet::Stage::Recipient, Rule());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    auto *action = editor.findChild<QComboBox *>(QStringLiteral("action"));
    auto *bounceAfter = editor.findChild<QSpinBox *>(QStringLiteral("bounceAfterMs"));
    auto *code = editor.findChild<QSpinBox *>(QStringLiteral("code"));
    QVERIFY(!bounceAfter->isEnabled());
    editor.patternField()->setText(QStringLiteral("*@bounce.test"));
    // Chosen as a user does: a bounce takes the commonest bounce reply, and its delay can be set.
    action->setFocus();
    while (action->currentData().toInt() != int(Rule::Action::Bounce)) {
        QTest::keyClick(action, Qt::Key_Down);
    }
    QVERIFY(bounceAfter->isEnabled());
    QVERIFY(code->isEnabled());
    QCOMPARE(editor.rule().action, Rule::Action::Bounce);
    QCOMPARE(editor.rule().code, 550);
    QCOMPARE(editor.rule().enhanced, QStringLiteral("5.1.1"));
    QCOMPARE(editor.rule().text, QStringLiteral("User unknown"));
    bounceAfter->setFocus();
    QTest::keyClick(bounceAfter, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(bounceAfter, QStringLiteral("5000"));
    QCOMPARE(editor.rule().bounceAfterMs, 5000);
    QCOMPARE(editor.problem(), QString());
    // Another action: the delay means nothing there.
    action->setFocus();
    QTest::keyClick(action, Qt::Key_Up);
    QVERIFY(editor.rule().action != Rule::Action::Bounce);
    QVERIFY(!bounceAfter->isEnabled());

    Rule host;
    host.match = Rule::Match::Cidr;
    host.pattern = QStringLiteral("0.0.0.0/0");
    RuleEditor slow(RuleSet::Stage::Host, host);
    slow.show();
    QVERIFY(QTest::qWaitForWindowExposed(&slow));
    auto *rate = slow.findChild<QSpinBox *>(QStringLiteral("bytesPerSecond"));
    QCOMPARE(rate->text(), QStringLiteral("no limit"));
    rate->setFocus();
    QTest::keyClick(rate, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(rate, QStringLiteral("10240"));
    QCOMPARE(slow.rule().bytesPerSecond, 10240);
    // Said the way people say it beside the field.
    bool shown = false;
    for (QLabel *label : slow.findChildren<QLabel *>()) {
        shown = shown || (label->isVisible() && label->text() == QLatin1String("(10 KB/s)"));
    }
    QVERIFY(shown);
}

// Validation as you type (RuleSet::validate): a bounce's reply is checked like a refusal's, and the new fields take
// no value the rules file would refuse.
void TestRulesWindow::theNewFieldsAreValidatedAsTyped()
{
    Rule bounce = ruleFromJson(RuleSet::Stage::Recipient,
        R"({"pattern": "a@bounce.test", "action": "bounce", "code": 550, "enhanced": "5.1.1", "text": "User unknown"})");
    RuleEditor editor(RuleSet::Stage::Recipient, bounce);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QCOMPARE(shownProblem(editor), QString());
    auto *code = editor.findChild<QSpinBox *>(QStringLiteral("code"));
    code->setFocus();
    QTest::keyClick(code, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(code, QStringLiteral("450"));
    QCOMPARE(shownProblem(editor), QStringLiteral("Cannot save: enhanced: its class (5) must match the code's (4)"));
    QVERIFY(!editor.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    QTest::keyClick(code, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(code, QStringLiteral("550"));
    QCOMPARE(shownProblem(editor), QString());
    // More than a day (the contract's bound) cannot be typed: the field keeps to what validate() allows.
    auto *bounceAfter = editor.findChild<QSpinBox *>(QStringLiteral("bounceAfterMs"));
    bounceAfter->setFocus();
    QTest::keyClick(bounceAfter, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(bounceAfter, QStringLiteral("999999999"));
    QVERIFY(editor.rule().bounceAfterMs <= Rule::MaxBounceAfterMs);
    QCOMPARE(RuleSet::validate(editor.rule(), RuleSet::Stage::Recipient), QString());
    Rule host;
    host.match = Rule::Match::Cidr;
    host.pattern = QStringLiteral("::/0");
    RuleEditor slow(RuleSet::Stage::Host, host);
    slow.show();
    QVERIFY(QTest::qWaitForWindowExposed(&slow));
    auto *rate = slow.findChild<QSpinBox *>(QStringLiteral("bytesPerSecond"));
    rate->setFocus();
    QTest::keyClick(rate, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(rate, QStringLiteral("99999999999"));
    QVERIFY(slow.rule().bytesPerSecond <= Rule::MaxBytesPerSecond);
    QCOMPARE(slow.problem(), QString());
}

// CONTRACT "Failure scenarios (rules)": the presets "Greylist once", "Bounce after 5 s", "Drop connection", "Rate
// limit 10/min", "Slow server 10 KB/s", each where its list allows it, each setting ordinary fields.
void TestRulesWindow::presetsSetWhatTheContractNames_data()
{
    QTest::addColumn<RuleSet::Stage>("stage");
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QByteArray>("json");
    const QByteArray limit
        = R"("action": "reject", "code": 421, "enhanced": "4.7.0", "text": "Too many messages", "limit": {"count": 10, "perSeconds": 60})";
    QTest::newRow("greylist") << RuleSet::Stage::Recipient << QStringLiteral("Greylist once")
                              << QByteArray(R"("action": "greylist", "attempts": 1, "windowSec": 3600)");
    QTest::newRow("bounce") << RuleSet::Stage::Recipient << QStringLiteral("Bounce after 5 s")
                            << QByteArray(R"("action": "bounce", "code": 550, "enhanced": "5.1.1",
                                "text": "User unknown", "bounceAfterMs": 5000)");
    QTest::newRow("drop recipient") << RuleSet::Stage::Recipient << QStringLiteral("Drop connection")
                                    << QByteArray(R"("action": "disconnect")");
    QTest::newRow("drop host") << RuleSet::Stage::Host << QStringLiteral("Drop connection")
                               << QByteArray(R"("action": "disconnect")");
    QTest::newRow("limit sender") << RuleSet::Stage::Sender << QStringLiteral("Rate limit 10/min") << limit;
    QTest::newRow("limit host") << RuleSet::Stage::Host << QStringLiteral("Rate limit 10/min") << limit;
    QTest::newRow("limit auth") << RuleSet::Stage::Auth << QStringLiteral("Rate limit 10/min") << limit;
    QTest::newRow("slow") << RuleSet::Stage::Host << QStringLiteral("Slow server 10 KB/s")
                          << QByteArray(R"("action": "accept", "bytesPerSecond": 10240)");
}

void TestRulesWindow::presetsSetWhatTheContractNames()
{
    QFETCH(RuleSet::Stage, stage);
    QFETCH(QString, preset);
    QFETCH(QByteArray, json);
    const bool host = stage == RuleSet::Stage::Host;
    const QByteArray match = host ? R"("match": "cidr", "pattern": "192.0.2.0/24", )" : R"("pattern": "x", )";
    Rule start;
    start.match = host ? Rule::Match::Cidr : Rule::Match::Exact;
    RuleEditor editor(stage, start);
    editor.patternField()->setText(host ? QStringLiteral("192.0.2.0/24") : QStringLiteral("x"));
    auto *presets = editor.findChild<QComboBox *>(QStringLiteral("scenario"));
    // Only the presets the list allows.
    QStringList offered = itemTexts(presets).mid(1);
    QStringList allowed;
    if (stage == RuleSet::Stage::Recipient) {
        allowed << QStringLiteral("Greylist once") << QStringLiteral("Bounce after 5 s");
    }
    allowed << QStringLiteral("Drop connection") << QStringLiteral("Rate limit 10/min");
    if (host) {
        allowed << QStringLiteral("Slow server 10 KB/s");
    }
    QCOMPARE(offered, allowed);
    const int index = presets->findText(preset);
    QVERIFY(index > 0);
    presets->setCurrentIndex(index);
    Q_EMIT presets->activated(index);
    QVERIFY2(editor.rule() == ruleFromJson(stage, "{" + match + json + "}"), qPrintable(editor.rule().text));
    QCOMPARE(editor.problem(), QString());
    // Ready for the next one.
    QCOMPARE(presets->currentIndex(), 0);
}

// Issue 16: the Scenarios menu sets up each story as ordinary rules, the ones written here by hand from the story.
void TestRulesWindow::scenariosAddOrdinaryRules_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("name");
    QTest::addColumn<RuleSet::Stage>("stage");
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("greylist") << 0 << QStringLiteral("This recipient greylists once") << RuleSet::Stage::Recipient
                              << QByteArray(R"({"recipient": [{"match": "exact", "pattern": "greylist@example.test",
                                  "action": "greylist", "attempts": 1, "windowSec": 3600}]})");
    // "Every 3rd message": Letterbox's "every" field, deterministic.
    QTest::newRow("every 3rd") << 1 << QStringLiteral("Every 3rd message is refused") << RuleSet::Stage::Data
                               << QByteArray(R"({"data": [{"pattern": "", "minSize": 1, "action": "reject",
                                  "code": 451, "enhanced": "4.3.0",
                                  "text": "Temporary failure, please try again later", "every": 3}]})");
    QTest::newRow("bounce") << 2 << QStringLiteral("Everything to @bounce.test bounces after 5 s")
                            << RuleSet::Stage::Recipient
                            << QByteArray(R"({"recipient": [{"match": "glob", "pattern": "*@bounce.test",
                                "action": "bounce", "code": 550, "enhanced": "5.1.1", "text": "User unknown",
                                "bounceAfterMs": 5000}]})");
    QTest::newRow("slow") << 3 << QStringLiteral("The server is slow (10 KB/s)") << RuleSet::Stage::Host
                          << QByteArray(R"({"host": [
                              {"match": "cidr", "pattern": "0.0.0.0/0", "action": "accept", "bytesPerSecond": 10240},
                              {"match": "cidr", "pattern": "::/0", "action": "accept", "bytesPerSecond": 10240}]})");
    QTest::newRow("drop at data") << 4 << QStringLiteral("The server drops at DATA") << RuleSet::Stage::Data
                                  << QByteArray(R"({"data": [{"pattern": "", "minSize": 1,
                                      "action": "disconnect"}]})");
}

void TestRulesWindow::scenariosAddOrdinaryRules()
{
    QFETCH(int, index);
    QFETCH(QString, name);
    QFETCH(RuleSet::Stage, stage);
    QFETCH(QByteArray, json);
    QString error;
    const std::optional<RuleSet> story = RuleSet::fromJson(json, &error);
    QVERIFY2(story, qPrintable(error));

    // A rule the user already has stays, below the story's (first match wins: the story happens).
    Rule mine;
    mine.match = stage == RuleSet::Stage::Host ? Rule::Match::Cidr : Rule::Match::Exact;
    mine.pattern = stage == RuleSet::Stage::Host ? QStringLiteral("198.51.100.0/24") : QStringLiteral("mine");
    RuleSet before;
    before.rules(stage) << mine;
    m_engine->setRules(before);
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showStage(RuleSet::Stage::Auth);

    auto *button = window.findChild<QPushButton *>(QStringLiteral("scenarios"));
    QVERIFY(button);
    QVERIFY(button->menu());
    const QList<QAction *> actions = button->menu()->actions();
    QCOMPARE(actions.size(), RulesWindow::ScenarioCount);
    QCOMPARE(actions.at(index)->text(), name);
    actions.at(index)->trigger();

    RuleSet expected = *story;
    expected.rules(stage) << mine;
    QVERIFY(m_engine->rules() == expected);
    QVERIFY(RulesWindow::scenarioRules(RulesWindow::Scenario(index)) == *story);
    // Saved as it applies, as any edit.
    QTRY_VERIFY(!window.isSaving());
    QFile file(m_rulesFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const std::optional<RuleSet> saved = RuleSet::fromJson(file.readAll(), &error);
    QVERIFY2(saved, qPrintable(error));
    QVERIFY(*saved == expected);
    // Shown, the first added selected, to edit at once.
    QCOMPARE(window.findChild<QTabWidget *>()->currentIndex(), int(stage));
    QCOMPARE(
        window.view(stage)->selectionModel()->selectedRows(), QModelIndexList { window.model(stage)->index(0, 0) });
}

void TestRulesWindow::theScenariosMenuIsReachedByKeyboard()
{
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    bool opened = false;
    // The menu opens modally: pick its third story with the arrows, as a keyboard user does.
    QTimer::singleShot(0, [&opened] {
        QTRY_VERIFY(qobject_cast<QMenu *>(QApplication::activePopupWidget()));
        auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        opened = true;
        QTest::keyClick(menu, Qt::Key_Down);
        QTest::keyClick(menu, Qt::Key_Down);
        QTest::keyClick(menu, Qt::Key_Down);
        QTest::keyClick(menu, Qt::Key_Return);
    });
    QTest::keyClick(&window, Qt::Key_S, Qt::AltModifier);
    QTRY_VERIFY(opened);
    QTRY_COMPARE(m_engine->rules().rules(RuleSet::Stage::Recipient).size(), 1);
    QCOMPARE(m_engine->rules().rules(RuleSet::Stage::Recipient).first().pattern, QStringLiteral("*@bounce.test"));
}

// The story is real: a client greylisted once, then let through (RFC 6647), as the menu promised.
void TestRulesWindow::aScenarioChangesWhatAClientSees()
{
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
    window.addScenario(RulesWindow::Scenario::GreylistOnce);
    QCOMPARE(rcptReply(m_port, "greylist@example.test"), QByteArray("451 4.7.1 Greylisted, please try again later"));
    QCOMPARE(rcptReply(m_port, "greylist@example.test"), QByteArray("250 2.1.5 Ok"));
    QCOMPARE(rcptReply(m_port, "other@example.test"), QByteArray("250 2.1.5 Ok"));
}

// What the list shows and what "try it" says for a bounce and a slow server: every try gets the same.
void TestRulesWindow::bounceAndSlowInputAreExplained()
{
    RulesWindow window(m_engine.get(), m_rulesDocument.get());
    window.addScenario(RulesWindow::Scenario::BounceTest);
    window.addScenario(RulesWindow::Scenario::SlowServer);
    RulesModel *recipients = window.model(RuleSet::Stage::Recipient);
    QCOMPARE(recipients->index(0, RulesModel::ReplyColumn).data().toString(),
        QStringLiteral("250, then a bounce after 5 s: 550 5.1.1 User unknown"));
    QCOMPARE(window.model(RuleSet::Stage::Host)->index(0, RulesModel::ReplyColumn).data().toString(),
        QStringLiteral("accept, input read at 10 KB/s"));
    QCOMPARE(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("anyone@Bounce.test")),
        QStringLiteral("Rule 1 matches: the client gets “250 2.1.5 Ok” to every try; then, 5 s after the message is "
                       "stored, the sender gets a bounce saying “550 5.1.1 User unknown” (none when the sender is the "
                       "null sender <>)."));
    QCOMPARE(window.tryIt(RuleSet::Stage::Host, QStringLiteral("::1")),
        QStringLiteral("Rule 2 matches: the client gets the greeting (220), and on every connection what it sends is "
                       "read at most 10 KB/s (10240 bytes a second)."));
    QVERIFY(window.tryIt(RuleSet::Stage::Host, QStringLiteral("127.0.0.1")).startsWith(QStringLiteral("Rule 1 ")));
    // At once, and with a rate limit: the nth try is what the limit says.
    Rule now = recipients->rules().first();
    now.bounceAfterMs = 0;
    now.limit = { 2, 60 };
    recipients->replaceRule(0, now);
    QCOMPARE(recipients->index(0, RulesModel::ReplyColumn).data().toString(),
        QStringLiteral("250, then a bounce at once: 550 5.1.1 User unknown (past 2 per 60 s)"));
    QCOMPARE(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("a@bounce.test")),
        QStringLiteral("Rule 1 matches: the client gets “250 2.1.5 Ok” to every try; then, as soon as the message is "
                       "stored, the sender gets a bounce saying “550 5.1.1 User unknown” (none when the sender is the "
                       "null sender <>), once the same client has made more than 2 matching attempts within 60 s "
                       "(before that, the next rules decide)."));
    // Every Nth: the matching attempts it fires on.
    now.limit = {};
    now.every = 3;
    recipients->replaceRule(0, now);
    QCOMPARE(recipients->index(0, RulesModel::ReplyColumn).data().toString(),
        QStringLiteral("250, then a bounce at once: 550 5.1.1 User unknown (1 match in 3)"));
    QVERIFY2(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("a@bounce.test"))
                 .endsWith(QStringLiteral(", on every 3rd matching attempt: the 3rd, 6th, 9th … (the others go to "
                                          "the next rules).")),
        qPrintable(window.tryIt(RuleSet::Stage::Recipient, QStringLiteral("a@bounce.test"))));
}

void TestRulesWindow::ratesAndDurationsReadAsPeopleSayThem_data()
{
    QTest::addColumn<qint64>("bytesPerSecond");
    QTest::addColumn<QString>("text");
    QTest::newRow("bytes") << qint64(500) << QStringLiteral("500 bytes/s");
    QTest::newRow("10 KB") << qint64(10240) << QStringLiteral("10 KB/s");
    QTest::newRow("1.5 KB") << qint64(1536) << QStringLiteral("1.5 KB/s");
    QTest::newRow("1 MB") << qint64(1048576) << QStringLiteral("1 MB/s");
}

void TestRulesWindow::ratesAndDurationsReadAsPeopleSayThem()
{
    QFETCH(qint64, bytesPerSecond);
    QFETCH(QString, text);
    QCOMPARE(RulesModel::rateText(bytesPerSecond), text);
    QCOMPARE(RulesModel::durationText(5000), QStringLiteral("5 s"));
    QCOMPARE(RulesModel::durationText(1500), QStringLiteral("1500 ms"));
}

QTEST_MAIN(TestRulesWindow)
#include "tst_ruleswindow.moc"
