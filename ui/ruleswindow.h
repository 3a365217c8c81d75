#pragma once

#include <rules/ruleset.h>

#include <QDialog>

#include <array>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;
class RuleEngine;
class RulesModel;

// The Rules window: a tab per stage (host, sender, recipient, auth, data) with its ordered rules (drag to reorder,
// checkbox to enable, hit counts live), add / edit / duplicate / delete, and a "try it" field that says which rule
// matches and the exact reply a client would get. Every change applies at once to every session's next command and
// is saved atomically to the rules file; rules changed over the API show up here. The Scenarios menu sets up a whole
// failure story for a demo in one click, as ordinary rules the user can then edit.
class RulesWindow : public QDialog
{
    Q_OBJECT
public:
    // The stories of the Scenarios menu (issue 16), in menu order.
    enum class Scenario { GreylistOnce, EveryThirdRefused, BounceTest, SlowServer, DropAtData };
    static constexpr int ScenarioCount = 5;

    RulesWindow(RuleEngine *engine, const QString &rulesFile, QWidget *parent = nullptr);
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
    QString errorString() const;

Q_SIGNALS:
    // The rules in force changed (and were saved, unless saving failed: errorString()).
    void rulesApplied();

private:
    QWidget *makePage(RuleSet::Stage stage);
    void apply();
    void refresh();
    void editRule(RuleSet::Stage stage, int row);
    void importRules();
    void exportRules();
    RuleSet currentSet() const;

    RuleEngine *m_engine;
    QString m_file;
    QTabWidget *m_tabs;
    std::array<RulesModel *, RuleSet::StageCount> m_models {};
    std::array<QTableView *, RuleSet::StageCount> m_views {};
    QLabel *m_status;
    QPushButton *m_scenarios;
    QTimer *m_timer;
    QString m_error;
    bool m_applying = false;
};
