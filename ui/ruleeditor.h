#pragma once

#include <rules/ruleset.h>

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Edits one rule of a stage. Validated as you type (a bad regex or prefix is named, with why, and OK waits), but
// a field's problem shows only once the user has changed that field, or pressed OK: a new rule does not open
// complaining that its empty pattern is empty. Common replies fill in a reply; the presets (CONTRACT "Failure
// scenarios (rules)") set a whole behaviour, each offered only where its list allows it.
class RuleEditor : public QDialog
{
    Q_OBJECT
public:
    RuleEditor(RuleSet::Stage stage, const Rule &rule, QWidget *parent = nullptr);
    Rule rule() const;
    // "" when the rule is valid, else what is wrong.
    QString problem() const;
    QLineEdit *patternField() const;
    // Accepts a valid rule; otherwise shows every problem and stays open.
    void accept() override;

private:
    // The first problem of a field the user has changed ("" when none; all fields once OK was pressed).
    QString shownProblem() const;
    void touch(const QString &field);
    void validate();
    void applyPreset(int index);
    // The reply fields for actions that reply (reject, greylist, bounce), the greylisting fields for greylist, the
    // bounce delay for bounce.
    void updateActionFields();
    void updateRateHint();
    enum class Scenario { GreylistOnce, Bounce, Drop, RateLimit, SlowServer };
    void applyScenario(int index);
    void setAction(Rule::Action action);

    RuleSet::Stage m_stage;
    QComboBox *m_match;
    QComboBox *m_part = nullptr;
    QLineEdit *m_pattern;
    QLineEdit *m_header = nullptr;
    QSpinBox *m_minSize = nullptr;
    QComboBox *m_action;
    QComboBox *m_hostReply = nullptr;
    QComboBox *m_preset;
    QComboBox *m_scenario;
    QSpinBox *m_code;
    QLineEdit *m_enhanced;
    QLineEdit *m_text;
    QSpinBox *m_attempts = nullptr; // recipient rules: greylisting
    QSpinBox *m_window = nullptr;
    QSpinBox *m_bounceAfter = nullptr; // recipient rules: bounceAfterMs
    QSpinBox *m_bytesPerSecond = nullptr; // host rules
    QLabel *m_rateHint = nullptr;
    QCheckBox *m_limited;
    QSpinBox *m_limitCount;
    QSpinBox *m_limitSeconds;
    QSpinBox *m_every;
    QSpinBox *m_probability;
    QSpinBox *m_delay;
    QCheckBox *m_enabled;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
    QStringList m_touched; // fields the user changed, named as RuleSet::validate() names them
    bool m_okPressed = false;
    bool m_filling = false; // the editor itself is filling in fields (a preset, an action's own reply): not touched
};
