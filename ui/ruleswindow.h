#pragma once

#include <rules/ruleset.h>

#include <QDialog>
#include <QThreadPool>

#include <array>
#include <atomic>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;
class RuleEngine;
class RulesModel;
class SettingsDocument;

// The Rules window: a tab per stage (host, sender, recipient, auth, data) with its ordered rules (drag to reorder,
// checkbox to enable, hit counts live), add / edit / duplicate / delete, and a "try it" field that says which rule
// matches and the exact reply a client would get. Every change applies at once to every session's next command and
// is saved atomically where the rules are kept (the rules file, or with a PostgreSQL store the database every
// instance shares), off the GUI thread; rules changed over the API or by another instance show up here. The Scenarios
// menu sets up a whole failure story for a demo in one click, as ordinary rules the user can then edit.
class RulesWindow : public QDialog
{
    Q_OBJECT
public:
    // The stories of the Scenarios menu (issue 16), in menu order.
    enum class Scenario { GreylistOnce, EveryThirdRefused, BounceTest, SlowServer, DropAtData };
    static constexpr int ScenarioCount = 5;

    // document: where the rules are saved (outlives the window); none: in memory only.
    RulesWindow(RuleEngine *engine, SettingsDocument *document, QWidget *parent = nullptr);
    ~RulesWindow() override;

    // The menu's name of a scenario, and the rules it adds.
    static QString scenarioName(Scenario scenario);
    static RuleSet scenarioRules(Scenario scenario);
    // Puts the scenario's rules at the top of their lists (first match wins, so the story happens whatever else is
    // there), applies them, and shows and selects the first one added.
    void addScenario(Scenario scenario);

    RulesModel *model(RuleSet::Stage stage) const;
    QTableView *view(RuleSet::Stage stage) const;
    void showStage(RuleSet::Stage stage);
    // Opens the editor on a new rule, pre-filled; accepted, it goes first in its stage (first match wins).
    // Returns whether it was added.
    bool proposeRule(RuleSet::Stage stage, const Rule &rule);
    // What "try it" says for subject.
    QString tryIt(RuleSet::Stage stage, const QString &subject) const;
    // Why the last save failed; empty when it succeeded (or none finished yet).
    QString errorString() const;
    // Whether a save is still under way.
    bool isSaving() const { return m_savesUnderWay > 0; }
    // The rules of a catcher this window is attached to (catcher: its URL), edited through a mirror engine and saved
    // over its API: the hit counts (which the API does not serve) are hidden, the intro says whose rules these are
    // and that "try it" is worked out here, and a save the catcher refused means the rules did not change (the
    // document reads the catcher's back).
    void setAttached(const QString &catcher);
    bool isAttached() const { return !m_attachedTo.isEmpty(); }

Q_SIGNALS:
    // The rules in force changed; their save is under way (saved() follows).
    void rulesApplied();
    // The last save under way finished (errorString() says whether it failed).
    void saved();

private:
    QWidget *makePage(RuleSet::Stage stage);
    void apply();
    void save(const QByteArray &body);
    void saveFinished(const QString &error);
    void refresh();
    void editRule(RuleSet::Stage stage, int row);
    void importRules();
    void exportRules();
    RuleSet currentSet() const;

    RuleEngine *m_engine;
    SettingsDocument *m_document;
    QTabWidget *m_tabs;
    std::array<RulesModel *, RuleSet::StageCount> m_models {};
    std::array<QTableView *, RuleSet::StageCount> m_views {};
    QLabel *m_intro;
    QLabel *m_status;
    QString m_attachedTo;
    QPushButton *m_scenarios;
    QTimer *m_timer;
    QString m_error;
    bool m_applying = false;
    int m_savesUnderWay = 0;
    // Counts the edits applied: a save is still wanted while no newer edit was (SettingsDocument::save()).
    std::shared_ptr<std::atomic<quint64>> m_edits = std::make_shared<std::atomic<quint64>>(0);
    QString m_hintAfterSave; // what to say once the saves under way have finished (a scenario's hint)
    // One thread, so that saves land in the order the edits were made; destroyed (waiting for a save under way)
    // before the window's children.
    QThreadPool m_saver;
};
