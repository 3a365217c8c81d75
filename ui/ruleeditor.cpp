#include "ruleeditor.h"

#include "rulesmodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
struct Preset
{
    const char *label;
    int code;
    const char *enhanced;
    const char *text;
};
// The replies people test most (RFC 5321 §4.2, RFC 3463 enhanced codes).
const Preset Presets[] = {
    { "550 5.1.1 mailbox unavailable", 550, "5.1.1", "mailbox unavailable" },
    { "452 4.2.2 mailbox full", 452, "4.2.2", "mailbox full" },
    { "421 4.3.2 service not available", 421, "4.3.2", "service not available, closing channel" },
    { "451 4.3.0 temporary failure", 451, "4.3.0", "temporary failure, try again later" },
    { "535 5.7.8 authentication failed", 535, "5.7.8", "authentication credentials invalid" },
    { "554 5.7.1 access denied", 554, "5.7.1", "access denied" },
    { "552 5.3.4 message too big", 552, "5.3.4", "message size exceeds the limit" },
    { "554 5.6.0 content rejected", 554, "5.6.0", "message content rejected" },
};
} // namespace

RuleEditor::RuleEditor(RuleSet::Stage stage, const Rule &rule, QWidget *parent) : QDialog(parent), m_stage(stage)
{
    setWindowTitle(
        tr("%1 Rule").arg(RuleSet::stageName(stage).replace(0, 1, RuleSet::stageName(stage).at(0).toUpper())));
    auto *form = new QFormLayout;

    m_match = new QComboBox(this);
    m_match->addItem(tr("is exactly"), int(Rule::Match::Exact));
    m_match->addItem(tr("matches the glob (* and ?)"), int(Rule::Match::Glob));
    m_match->addItem(tr("contains the regular expression"), int(Rule::Match::Regex));
    if (stage == RuleSet::Stage::Host) {
        m_match->addItem(tr("is in the prefix (CIDR)"), int(Rule::Match::Cidr));
    }
    m_match->setCurrentIndex(qMax(0, m_match->findData(int(rule.match))));
    m_pattern = new QLineEdit(rule.pattern, this);
    m_pattern->setAccessibleName(tr("Pattern"));
    m_pattern->setPlaceholderText(stage == RuleSet::Stage::Host ? tr("192.168.1.0/24, ::1, 10.0.*")
            : stage == RuleSet::Stage::Data                     ? tr("*invoice*")
                                                                : tr("bogus@example.com, *@blocked.test, ^test"));
    // Wide enough for its example, whole.
    m_pattern->setMinimumWidth(m_pattern->fontMetrics().horizontalAdvance(m_pattern->placeholderText())
        + 4 * m_pattern->fontMetrics().averageCharWidth());
    if (stage == RuleSet::Stage::Sender || stage == RuleSet::Stage::Recipient || stage == RuleSet::Stage::Auth) {
        m_part = new QComboBox(this);
        m_part->addItem(tr("the whole address"), int(Rule::Part::Address));
        m_part->addItem(tr("the local part (before @)"), int(Rule::Part::LocalPart));
        m_part->addItem(tr("the domain (after @)"), int(Rule::Part::Domain));
        m_part->setCurrentIndex(qMax(0, m_part->findData(int(rule.part))));
        form->addRow(tr("Look at"), m_part);
    }
    if (stage == RuleSet::Stage::Data) {
        m_header = new QLineEdit(rule.header, this);
        form->addRow(tr("Header"), m_header);
    }
    form->addRow(tr("Match when it"), m_match);
    form->addRow(tr("&Pattern"), m_pattern);
    if (stage == RuleSet::Stage::Data) {
        m_minSize = new QSpinBox(this);
        m_minSize->setRange(0, 2000000000);
        m_minSize->setSuffix(tr(" bytes"));
        m_minSize->setSpecialValueText(tr("any size"));
        m_minSize->setValue(int(qMin<qint64>(rule.minSize, 2000000000)));
        form->addRow(tr("And at least"), m_minSize);
    }

    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("action"));
    m_action->addItem(tr("Refuse"), int(Rule::Action::Reject));
    m_action->addItem(tr("Accept (stop looking at later rules)"), int(Rule::Action::Accept));
    if (stage == RuleSet::Stage::Recipient) {
        m_action->addItem(tr("Greylist (refuse the first tries, accept the retries)"), int(Rule::Action::Greylist));
        m_action->addItem(tr("Bounce (accept, then send the sender a bounce)"), int(Rule::Action::Bounce));
    }
    m_action->addItem(tr("Disconnect without a reply"), int(Rule::Action::Disconnect));
    m_action->setCurrentIndex(m_action->findData(int(rule.action)));
    form->addRow(tr("&Action"), m_action);
    if (stage == RuleSet::Stage::Recipient) {
        // RFC 6647: the tries of one client address, sender and recipient.
        m_attempts = new QSpinBox(this);
        m_attempts->setRange(1, 1000);
        m_attempts->setValue(rule.attempts);
        m_attempts->setPrefix(tr("tries refused: "));
        m_attempts->setToolTip(tr("Greylisting: how many tries of the same client, sender and recipient are refused "
                                  "before one is accepted"));
        m_window = new QSpinBox(this);
        m_window->setRange(1, 604800);
        m_window->setSingleStep(60);
        m_window->setValue(rule.windowSec);
        m_window->setPrefix(tr("remembered: "));
        m_window->setSuffix(tr(" s"));
        m_window->setToolTip(tr("Greylisting: how long after its first try a client, sender and recipient is "
                                "remembered; after that it is greylisted again"));
        auto *grey = new QHBoxLayout;
        grey->addWidget(m_attempts);
        grey->addWidget(m_window);
        form->addRow(tr("Greylisting"), grey);
        // CONTRACT "Failure scenarios (rules)": the delivery status notification (RFC 3464) comes this long after
        // the message is stored, as a real bounce comes some time after the 250.
        m_bounceAfter = new QSpinBox(this);
        m_bounceAfter->setObjectName(QStringLiteral("bounceAfterMs"));
        m_bounceAfter->setRange(0, Rule::MaxBounceAfterMs);
        m_bounceAfter->setSingleStep(1000);
        m_bounceAfter->setSuffix(tr(" ms"));
        m_bounceAfter->setSpecialValueText(tr("at once"));
        m_bounceAfter->setValue(rule.bounceAfterMs);
        m_bounceAfter->setAccessibleName(tr("Bounce after"));
        m_bounceAfter->setToolTip(tr("Bounce: how long after the message is stored the bounce (a delivery status "
                                     "notification with the reply below) goes to the sender"));
        form->addRow(tr("&Bounce after"), m_bounceAfter);
    }
    // A rate limit on any rule: the first N matching attempts of a client within S seconds pass.
    m_limited = new QCheckBox(tr("Only past"), this);
    m_limited->setChecked(rule.limit.perSeconds > 0);
    m_limitCount = new QSpinBox(this);
    m_limitCount->setRange(0, 1000000);
    m_limitCount->setValue(rule.limit.perSeconds > 0 ? rule.limit.count : 10);
    m_limitCount->setPrefix(tr("attempts: "));
    m_limitSeconds = new QSpinBox(this);
    m_limitSeconds->setRange(1, 86400);
    m_limitSeconds->setValue(rule.limit.perSeconds > 0 ? rule.limit.perSeconds : 60);
    m_limitSeconds->setPrefix(tr("per "));
    m_limitSeconds->setSuffix(tr(" s of one client"));
    m_limited->setToolTip(tr("A rate limit: the rule matches only once the same client address has made more than "
                             "this many matching attempts in this time"));
    auto *limit = new QHBoxLayout;
    limit->addWidget(m_limited);
    limit->addWidget(m_limitCount);
    limit->addWidget(m_limitSeconds, 1);
    form->addRow(tr("Rate limit"), limit);
    // Letterbox's "every": the rule fires on every Nth attempt its pattern matches ("every 3rd message is refused").
    m_every = new QSpinBox(this);
    m_every->setObjectName(QStringLiteral("every"));
    m_every->setRange(1, Rule::MaxEvery);
    m_every->setPrefix(tr("1 in "));
    m_every->setSuffix(tr(" matches"));
    m_every->setSpecialValueText(tr("every match"));
    m_every->setValue(qMax(1, rule.every));
    m_every->setAccessibleName(tr("Fires on one in this many matches"));
    m_every->setToolTip(tr("The rule fires only on every Nth attempt its pattern matches: with 3, on the 3rd, 6th, "
                           "9th …, counted from when the rules were applied"));
    auto *everyLabel = new QLabel(tr("&Fires on"), this);
    everyLabel->setBuddy(m_every);
    form->addRow(everyLabel, m_every);
    if (stage == RuleSet::Stage::Host) {
        m_hostReply = new QComboBox(this);
        m_hostReply->addItem(
            tr("Reply instead of the greeting, then 503 to all but QUIT (tcllib)"), int(Rule::HostReply::Commands));
        m_hostReply->addItem(
            tr("554 instead of the greeting, then 503 (RFC 5321 §3.1)"), int(Rule::HostReply::Greeting));
        m_hostReply->addItem(tr("421 and close the connection"), int(Rule::HostReply::Drop));
        m_hostReply->setCurrentIndex(m_hostReply->findData(int(rule.hostReply)));
        form->addRow(tr("Refuse how"), m_hostReply);
        // A slow server: the session's input is read at most this fast (the connection paces its reads).
        m_bytesPerSecond = new QSpinBox(this);
        m_bytesPerSecond->setObjectName(QStringLiteral("bytesPerSecond"));
        m_bytesPerSecond->setRange(0, int(Rule::MaxBytesPerSecond));
        m_bytesPerSecond->setSingleStep(1024);
        m_bytesPerSecond->setPrefix(tr("at most "));
        m_bytesPerSecond->setSuffix(tr(" bytes/s"));
        m_bytesPerSecond->setSpecialValueText(tr("no limit"));
        m_bytesPerSecond->setValue(int(qBound<qint64>(0, rule.bytesPerSecond, Rule::MaxBytesPerSecond)));
        m_bytesPerSecond->setAccessibleName(tr("Read input at most, bytes a second"));
        m_bytesPerSecond->setToolTip(tr("A slow server: what the client sends is read at most this many bytes a "
                                        "second (0: no limit)"));
        m_rateHint = new QLabel(this);
        auto *rate = new QHBoxLayout;
        rate->addWidget(m_bytesPerSecond);
        rate->addWidget(m_rateHint, 1);
        auto *rateLabel = new QLabel(tr("&Slow input"), this);
        rateLabel->setBuddy(m_bytesPerSecond);
        form->addRow(rateLabel, rate);
        connect(m_bytesPerSecond, &QSpinBox::valueChanged, this, &RuleEditor::updateRateHint);
        updateRateHint();
    }
    m_preset = new QComboBox(this);
    m_preset->addItem(tr("Choose a common reply…"));
    for (const Preset &p : Presets) {
        m_preset->addItem(QLatin1String(p.label));
    }
    connect(m_preset, &QComboBox::activated, this, &RuleEditor::applyPreset);
    m_preset->setAccessibleName(tr("Common reply"));
    form->addRow(tr("Common reply"), m_preset);
    // Whole behaviours, named as CONTRACT "Failure scenarios (rules)" names them, each setting ordinary fields the
    // user can then change; only those the list allows (greylist and bounce are recipient actions, a slow server a
    // host rule).
    m_scenario = new QComboBox(this);
    m_scenario->setObjectName(QStringLiteral("scenario"));
    m_scenario->setAccessibleName(tr("Preset"));
    m_scenario->addItem(tr("Choose a preset…"));
    if (stage == RuleSet::Stage::Recipient) {
        m_scenario->addItem(tr("Greylist once"), int(Scenario::GreylistOnce));
        m_scenario->addItem(tr("Bounce after 5 s"), int(Scenario::Bounce));
    }
    m_scenario->addItem(tr("Drop connection"), int(Scenario::Drop));
    m_scenario->addItem(tr("Rate limit 10/min"), int(Scenario::RateLimit));
    if (stage == RuleSet::Stage::Host) {
        m_scenario->addItem(tr("Slow server 10 KB/s"), int(Scenario::SlowServer));
    }
    connect(m_scenario, &QComboBox::activated, this, &RuleEditor::applyScenario);
    form->addRow(tr("P&reset"), m_scenario);
    m_code = new QSpinBox(this);
    m_code->setObjectName(QStringLiteral("code"));
    m_code->setRange(400, 599);
    m_code->setValue(rule.code);
    m_enhanced = new QLineEdit(rule.enhanced, this);
    m_enhanced->setPlaceholderText(QStringLiteral("5.7.1"));
    m_text = new QLineEdit(rule.text, this);
    form->addRow(tr("Reply &code"), m_code);
    form->addRow(tr("&Enhanced code"), m_enhanced);
    form->addRow(tr("Reply &text"), m_text);
    m_probability = new QSpinBox(this);
    m_probability->setRange(0, 100);
    m_probability->setSuffix(QStringLiteral(" %"));
    m_probability->setValue(rule.probability);
    m_probability->setToolTip(tr("How often the rule fires when it matches: below 100 simulates a flaky server"));
    form->addRow(tr("Fires"), m_probability);
    m_delay = new QSpinBox(this);
    m_delay->setRange(0, 600000);
    m_delay->setSingleStep(500);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setValue(rule.delayMs);
    m_delay->setToolTip(tr("Wait this long before replying, whatever the action (slow servers, client timeouts)"));
    form->addRow(tr("&Delay"), m_delay);
    m_enabled = new QCheckBox(tr("Enabled"), this);
    m_enabled->setChecked(rule.enabled);
    form->addRow(QString(), m_enabled);

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    QPalette palette = m_problem->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
    m_problem->setPalette(palette);
    m_problem->hide();
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &RuleEditor::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    // What the user changes (never what the editor itself sets up) makes that field's problems show.
    const QList<QPair<QLineEdit *, QString>> edits { { m_pattern, QStringLiteral("pattern") },
        { m_enhanced, QStringLiteral("enhanced") }, { m_text, QStringLiteral("text") } };
    for (const auto &[edit, field] : edits) {
        connect(edit, &QLineEdit::textEdited, this, [this, field] { touch(field); });
        connect(edit, &QLineEdit::textChanged, this, &RuleEditor::validate);
    }
    if (m_header) {
        connect(m_header, &QLineEdit::textChanged, this, &RuleEditor::validate);
    }
    const QList<QPair<QSpinBox *, QString>> spins { { m_code, QStringLiteral("code") },
        { m_probability, QStringLiteral("probability") }, { m_delay, QStringLiteral("delayMs") } };
    for (const auto &[spin, field] : spins) {
        connect(spin, &QSpinBox::valueChanged, this, [this, field] { touch(field); });
    }
    if (m_minSize) {
        connect(m_minSize, &QSpinBox::valueChanged, this, [this] { touch(QStringLiteral("minSize")); });
    }
    QList<QPair<QSpinBox *, QString>> more { { m_limitCount, QStringLiteral("limit") },
        { m_limitSeconds, QStringLiteral("limit") }, { m_every, QStringLiteral("every") } };
    if (m_attempts) {
        more << qMakePair(m_attempts, QStringLiteral("attempts")) << qMakePair(m_window, QStringLiteral("windowSec"))
             << qMakePair(m_bounceAfter, QStringLiteral("bounceAfterMs"));
    }
    if (m_bytesPerSecond) {
        more << qMakePair(m_bytesPerSecond, QStringLiteral("bytesPerSecond"));
    }
    for (const auto &[spin, field] : more) {
        connect(spin, &QSpinBox::valueChanged, this, [this, field] { touch(field); });
    }
    connect(m_match, &QComboBox::activated, this, [this] { touch(QStringLiteral("match")); });
    for (QComboBox *box : { m_match, m_action }) {
        connect(box, &QComboBox::currentIndexChanged, this, &RuleEditor::validate);
    }
    connect(m_action, &QComboBox::currentIndexChanged, this, &RuleEditor::updateActionFields);
    // Chosen by the user: greylisting answers with a temporary failure (RFC 6647 §2.1), a bounce reports an unknown
    // user (RFC 3463 5.1.1, the commonest bounce), each its own reply unless the user wrote one.
    connect(m_action, &QComboBox::activated, this, [this] {
        if (m_touched.contains(QLatin1String("code")) || m_touched.contains(QLatin1String("text"))) {
            return;
        }
        const Rule::Action action = Rule::Action(m_action->currentData().toInt());
        const QScopedValueRollback filling(m_filling, true);
        if (action == Rule::Action::Greylist) {
            m_code->setValue(Rule::GreylistCode);
            m_enhanced->setText(Rule::greylistEnhanced());
            m_text->setText(Rule::greylistText());
        } else if (action == Rule::Action::Bounce) {
            m_code->setValue(550);
            m_enhanced->setText(QStringLiteral("5.1.1"));
            m_text->setText(QStringLiteral("User unknown"));
        }
    });
    updateActionFields();
    connect(m_limited, &QCheckBox::toggled, this, [this](bool on) {
        m_limitCount->setEnabled(on);
        m_limitSeconds->setEnabled(on);
        touch(QStringLiteral("limit"));
    });
    m_limitCount->setEnabled(m_limited->isChecked());
    m_limitSeconds->setEnabled(m_limited->isChecked());
    validate();
    // The pattern is what a rule is about: typing starts there.
    m_pattern->setFocus();
}

void RuleEditor::updateActionFields()
{
    const Rule::Action action = Rule::Action(m_action->currentData().toInt());
    const bool replies
        = action == Rule::Action::Reject || action == Rule::Action::Greylist || action == Rule::Action::Bounce;
    for (QWidget *w : std::initializer_list<QWidget *> { m_code, m_enhanced, m_text, m_preset }) {
        w->setEnabled(replies);
    }
    if (m_attempts) {
        m_attempts->setEnabled(action == Rule::Action::Greylist);
        m_window->setEnabled(action == Rule::Action::Greylist);
        m_bounceAfter->setEnabled(action == Rule::Action::Bounce);
    }
    if (m_hostReply) {
        m_hostReply->setEnabled(action == Rule::Action::Reject);
    }
}

void RuleEditor::updateRateHint()
{
    const int rate = m_bytesPerSecond->value();
    m_rateHint->setText(rate > 0 ? tr("(%1)").arg(RulesModel::rateText(rate)) : QString());
}

void RuleEditor::setAction(Rule::Action action)
{
    m_action->setCurrentIndex(m_action->findData(int(action)));
}

Rule RuleEditor::rule() const
{
    Rule r;
    r.match = Rule::Match(m_match->currentData().toInt());
    r.part = m_part ? Rule::Part(m_part->currentData().toInt()) : Rule::Part::Address;
    r.pattern = m_pattern->text();
    r.action = Rule::Action(m_action->currentData().toInt());
    r.code = m_code->value();
    r.enhanced = m_enhanced->text().trimmed();
    r.text = m_text->text();
    r.probability = m_probability->value();
    r.delayMs = m_delay->value();
    r.enabled = m_enabled->isChecked();
    if (m_attempts) {
        r.attempts = m_attempts->value();
        r.windowSec = m_window->value();
        r.bounceAfterMs = m_bounceAfter->value();
    }
    if (m_bytesPerSecond) {
        r.bytesPerSecond = m_bytesPerSecond->value();
    }
    if (m_limited->isChecked()) {
        r.limit = { m_limitCount->value(), m_limitSeconds->value() };
    }
    r.every = m_every->value() > 1 ? m_every->value() : 0;
    if (m_hostReply) {
        r.hostReply = Rule::HostReply(m_hostReply->currentData().toInt());
    }
    if (m_header) {
        r.header = m_header->text().trimmed().isEmpty() ? QStringLiteral("Subject") : m_header->text().trimmed();
    }
    if (m_minSize) {
        r.minSize = m_minSize->value();
    }
    return r;
}

QString RuleEditor::problem() const
{
    return RuleSet::validate(rule(), m_stage);
}

QLineEdit *RuleEditor::patternField() const
{
    return m_pattern;
}

void RuleEditor::accept()
{
    if (!problem().isEmpty()) {
        m_okPressed = true;
        validate();
        return;
    }
    QDialog::accept();
}

void RuleEditor::touch(const QString &field)
{
    if (!m_filling && !m_touched.contains(field)) {
        m_touched << field;
    }
    validate();
}

QString RuleEditor::shownProblem() const
{
    // RuleSet::validate() names the first problem as "field: why". One in a field the user has not changed yet is
    // kept quiet, and looked past (with a valid stand-in value) for a problem in a field the user did change.
    Rule r = rule();
    for (int round = 0; round < 8; ++round) {
        const QString problem = RuleSet::validate(r, m_stage);
        if (problem.isEmpty()) {
            return {};
        }
        const QString field = problem.section(u':', 0, 0);
        bool shown = m_okPressed || m_touched.contains(field);
        if (field == QLatin1String("pattern")) {
            // Another kind of match can make a typed pattern wrong; a size makes an empty one right.
            shown = shown || (!r.pattern.isEmpty() && m_touched.contains(QLatin1String("match")))
                || m_touched.contains(QLatin1String("minSize"));
        } else if (field == QLatin1String("enhanced")) {
            // The enhanced code's class must be the reply code's (RFC 3463 §2): a new code makes it wrong too.
            shown = shown || m_touched.contains(QLatin1String("code"));
        }
        if (shown) {
            return problem;
        }
        if (field == QLatin1String("match")) {
            r.match = Rule::Match::Exact;
        } else if (field == QLatin1String("pattern")) {
            r.pattern = r.match == Rule::Match::Cidr ? QStringLiteral("192.0.2.0/24") : QStringLiteral("x");
        } else if (field == QLatin1String("code")) {
            const int enhancedClass = r.enhanced.isEmpty() ? 5 : r.enhanced.at(0).digitValue();
            r.code = enhancedClass == 4 ? 450 : 550;
        } else if (field == QLatin1String("enhanced")) {
            r.enhanced = QStringLiteral("%1.0.0").arg(r.code / 100);
        } else if (field == QLatin1String("text")) {
            r.text.clear();
        } else if (field == QLatin1String("probability")) {
            r.probability = 100;
        } else if (field == QLatin1String("delayMs")) {
            r.delayMs = 0;
        } else if (field == QLatin1String("attempts")) {
            r.attempts = 1;
        } else if (field == QLatin1String("windowSec")) {
            r.windowSec = 3600;
        } else if (field == QLatin1String("bounceAfterMs")) {
            r.bounceAfterMs = 0;
        } else if (field == QLatin1String("bytesPerSecond")) {
            r.bytesPerSecond = 0;
        } else if (field == QLatin1String("limit")) {
            r.limit = {};
        } else {
            return problem;
        }
    }
    return {};
}

void RuleEditor::validate()
{
    const QString problem = shownProblem();
    m_problem->setText(problem.isEmpty() ? QString() : tr("Cannot save: %1").arg(problem));
    m_problem->setVisible(!problem.isEmpty());
    // OK stays available while the only problems are in untouched fields: pressing it names them.
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

void RuleEditor::applyScenario(int index)
{
    if (index <= 0) {
        return;
    }
    const QScopedValueRollback filling(m_filling, true);
    switch (Scenario(m_scenario->itemData(index).toInt())) {
    case Scenario::GreylistOnce:
        setAction(Rule::Action::Greylist);
        m_code->setValue(Rule::GreylistCode);
        m_enhanced->setText(Rule::greylistEnhanced());
        m_text->setText(Rule::greylistText());
        m_attempts->setValue(1);
        m_window->setValue(3600);
        break;
    case Scenario::Bounce:
        // The commonest bounce: the mailbox does not exist (RFC 3463 5.1.1).
        setAction(Rule::Action::Bounce);
        m_code->setValue(550);
        m_enhanced->setText(QStringLiteral("5.1.1"));
        m_text->setText(QStringLiteral("User unknown"));
        m_bounceAfter->setValue(5000);
        break;
    case Scenario::Drop:
        setAction(Rule::Action::Disconnect);
        break;
    case Scenario::RateLimit:
        // CONTRACT "Failure scenarios (rules)": the first 10 a minute pass, the rest get 421 4.7.0.
        setAction(Rule::Action::Reject);
        m_code->setValue(421);
        m_enhanced->setText(QStringLiteral("4.7.0"));
        m_text->setText(QStringLiteral("Too many messages"));
        m_limited->setChecked(true);
        m_limitCount->setValue(10);
        m_limitSeconds->setValue(60);
        break;
    case Scenario::SlowServer:
        setAction(Rule::Action::Accept);
        m_bytesPerSecond->setValue(10 * 1024);
        break;
    }
    m_scenario->setCurrentIndex(0);
}

void RuleEditor::applyPreset(int index)
{
    if (index <= 0) {
        return;
    }
    const Preset &p = Presets[index - 1];
    const QScopedValueRollback filling(m_filling, true);
    m_action->setCurrentIndex(m_action->findData(int(Rule::Action::Reject)));
    m_code->setValue(p.code);
    m_enhanced->setText(QLatin1String(p.enhanced));
    m_text->setText(QLatin1String(p.text));
    if (m_hostReply && p.code == 421) {
        m_hostReply->setCurrentIndex(m_hostReply->findData(int(Rule::HostReply::Drop)));
    }
    m_preset->setCurrentIndex(0);
}
