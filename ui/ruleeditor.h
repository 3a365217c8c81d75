#pragma once

#include <rules/ruleset.h>

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Edits one rule of a stage. Validated as you type (a bad regex or prefix is named, with why, and OK waits);
// presets fill in the common replies.
class RuleEditor : public QDialog
{
    Q_OBJECT
public:
    RuleEditor(RuleSet::Stage stage, const Rule &rule, QWidget *parent = nullptr);
    Rule rule() const;
    // "" when the rule is valid, else what is wrong.
    QString problem() const;
    QLineEdit *patternField() const;

private:
    void validate();
    void applyPreset(int index);

    RuleSet::Stage m_stage;
    QComboBox *m_match;
    QComboBox *m_part = nullptr;
    QLineEdit *m_pattern;
    QLineEdit *m_header = nullptr;
    QSpinBox *m_minSize = nullptr;
    QComboBox *m_action;
    QComboBox *m_hostReply = nullptr;
    QComboBox *m_preset;
    QSpinBox *m_code;
    QLineEdit *m_enhanced;
    QLineEdit *m_text;
    QSpinBox *m_probability;
    QSpinBox *m_delay;
    QCheckBox *m_enabled;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};
