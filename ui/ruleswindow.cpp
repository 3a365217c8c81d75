#include "ruleswindow.h"

#include "plural.h"
#include "ruleeditor.h"
#include "rulesmodel.h"

#include <rules/ruleengine.h>
#include <settings/settingsdocument.h>

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace {
QString stageTitle(RuleSet::Stage stage)
{
    switch (stage) {
    case RuleSet::Stage::Host:
        return RulesWindow::tr("Hosts (connect)");
    case RuleSet::Stage::Sender:
        return RulesWindow::tr("Senders (MAIL FROM)");
    case RuleSet::Stage::Recipient:
        return RulesWindow::tr("Recipients (RCPT TO)");
    case RuleSet::Stage::Auth:
        return RulesWindow::tr("Authentication (AUTH)");
    case RuleSet::Stage::Data:
        return RulesWindow::tr("Messages (end of DATA)");
    }
    return {};
}

QString tryHint(RuleSet::Stage stage)
{
    switch (stage) {
    case RuleSet::Stage::Host:
        return RulesWindow::tr("Try a client address, e.g. 192.168.1.20 or ::1");
    case RuleSet::Stage::Auth:
        return RulesWindow::tr("Try a user name");
    case RuleSet::Stage::Data:
        return RulesWindow::tr("Try a header value (the rule's header, e.g. a Subject)");
    case RuleSet::Stage::Sender:
        return RulesWindow::tr("Try an address, e.g. bogus@example.com, or <> for the null sender");
    case RuleSet::Stage::Recipient:
        break;
    }
    return RulesWindow::tr("Try an address, e.g. bogus@example.com");
}
} // namespace

RulesWindow::RulesWindow(RuleEngine *engine, SettingsDocument *document, QWidget *parent)
    : QDialog(parent), m_engine(engine), m_document(document), m_tabs(new QTabWidget(this)), m_timer(new QTimer(this))
{
    m_saver.setMaxThreadCount(1);
    setWindowTitle(tr("Letterbox Rules"));
    setObjectName(QStringLiteral("rulesWindow"));
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        m_tabs->addTab(makePage(RuleSet::Stage(s)), stageTitle(RuleSet::Stage(s)));
    }
    m_scenarios = new QPushButton(tr("&Scenarios"), this);
    m_scenarios->setObjectName(QStringLiteral("scenarios"));
    m_scenarios->setToolTip(tr("Set up a whole failure story for a demo, as ordinary rules you can then edit"));
    auto *scenarioMenu = new QMenu(m_scenarios);
    for (int i = 0; i < ScenarioCount; ++i) {
        const auto scenario = Scenario(i);
        connect(scenarioMenu->addAction(scenarioName(scenario)), &QAction::triggered, this,
            [this, scenario] { addScenario(scenario); });
    }
    m_scenarios->setMenu(scenarioMenu);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *importButton = new QPushButton(tr("Import…"), this);
    auto *exportButton = new QPushButton(tr("Export…"), this);
    connect(importButton, &QPushButton::clicked, this, &RulesWindow::importRules);
    connect(exportButton, &QPushButton::clicked, this, &RulesWindow::exportRules);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(importButton);
    bottom->addWidget(exportButton);
    bottom->addStretch();
    bottom->addWidget(close);
    m_intro = new QLabel(tr("The first enabled rule that matches decides; when none does, the command is "
                            "accepted. Changes apply to the next command of every session."),
        this);
    m_intro->setObjectName(QStringLiteral("rulesIntro"));
    m_intro->setWordWrap(true);
    auto *top = new QHBoxLayout;
    top->addWidget(m_intro, 1);
    top->addWidget(m_scenarios, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_status);
    layout->addLayout(bottom);
    resize(900, 560);

    refresh();
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &RulesWindow::refresh);
    m_timer->start();
}

RulesWindow::~RulesWindow() = default;

QWidget *RulesWindow::makePage(RuleSet::Stage stage)
{
    auto *page = new QWidget(m_tabs);
    auto *model = new RulesModel(stage, this);
    m_models[size_t(stage)] = model;
    connect(model, &RulesModel::rulesEdited, this, &RulesWindow::apply);
    auto *view = new QTableView(page);
    m_views[size_t(stage)] = view;
    view->setModel(model);
    // Tab moves on to the buttons, as everywhere in the app; the arrows move between rules.
    view->setTabKeyNavigation(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setDragDropMode(QAbstractItemView::InternalMove);
    view->setDefaultDropAction(Qt::MoveAction);
    view->setDragDropOverwriteMode(false);
    view->setDropIndicatorShown(true);
    view->horizontalHeader()->setSectionResizeMode(RulesModel::MatchColumn, QHeaderView::Stretch);
    view->horizontalHeader()->setSectionResizeMode(RulesModel::ReplyColumn, QHeaderView::Stretch);
    // The short columns take what they need, so the match and the reply (a bounce's or a greylist's is long) are
    // read whole.
    for (int column : { int(RulesModel::EnabledColumn), int(RulesModel::ProbabilityColumn),
             int(RulesModel::DelayColumn), int(RulesModel::HitsColumn) }) {
        view->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    }
    view->setAccessibleName(stageTitle(stage));
    connect(view, &QTableView::doubleClicked, this, [this, stage](const QModelIndex &index) {
        if (index.column() != RulesModel::EnabledColumn) {
            editRule(stage, index.row());
        }
    });

    auto current = [view] {
        return view->selectionModel()->currentIndex().row();
    };
    auto *add = new QPushButton(tr("Add…"), page);
    auto *edit = new QPushButton(tr("Edit…"), page);
    auto *duplicate = new QPushButton(tr("Duplicate"), page);
    auto *remove = new QPushButton(tr("Delete"), page);
    auto *up = new QPushButton(tr("Move Up"), page);
    auto *down = new QPushButton(tr("Move Down"), page);
    connect(add, &QPushButton::clicked, this, [this, stage] {
        Rule rule;
        if (stage == RuleSet::Stage::Host) {
            rule.match = Rule::Match::Cidr;
        }
        proposeRule(stage, rule);
    });
    connect(edit, &QPushButton::clicked, this, [this, stage, current] { editRule(stage, current()); });
    connect(duplicate, &QPushButton::clicked, this, [model, current] {
        const int row = current();
        if (row >= 0) {
            model->insertRule(row + 1, model->rules().at(row));
        }
    });
    connect(remove, &QPushButton::clicked, this, [model, current] { model->removeRule(current()); });
    connect(up, &QPushButton::clicked, this, [model, view, current] {
        const int row = current();
        if (row > 0 && model->moveRows(QModelIndex(), row, 1, QModelIndex(), row - 1)) {
            view->selectRow(row - 1);
        }
    });
    connect(down, &QPushButton::clicked, this, [model, view, current] {
        const int row = current();
        if (row >= 0 && model->moveRows(QModelIndex(), row, 1, QModelIndex(), row + 2)) {
            view->selectRow(row + 1);
        }
    });
    auto *buttons = new QVBoxLayout;
    for (QPushButton *b : { add, edit, duplicate, remove, up, down }) {
        buttons->addWidget(b);
    }
    buttons->addStretch();

    auto *tryField = new QLineEdit(page);
    tryField->setPlaceholderText(tryHint(stage));
    tryField->setAccessibleName(tr("Try it"));
    tryField->setClearButtonEnabled(true);
    auto *tryResult = new QLabel(page);
    tryResult->setObjectName(QStringLiteral("tryResult"));
    tryResult->setWordWrap(true);
    tryResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The answer is always for what the field holds and the rules in force: nothing tried, no answer; worked out
    // again when the rules change and whenever the page is shown. The null sender is typed as "<>" (RFC 5321
    // §4.5.5), the way it is sent.
    auto updateTry = [this, stage, tryField, tryResult] {
        const QString subject = tryField->text();
        if (subject.isEmpty()) {
            tryResult->clear();
            return;
        }
        const bool nullSender = stage == RuleSet::Stage::Sender && subject.trimmed() == QLatin1String("<>");
        tryResult->setText(tryIt(stage, nullSender ? QString() : subject));
    };
    connect(tryField, &QLineEdit::textChanged, this, updateTry);
    connect(this, &RulesWindow::rulesApplied, this, updateTry);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this, page, updateTry] {
        if (m_tabs->currentWidget() == page) {
            updateTry();
        }
    });

    auto *top = new QHBoxLayout;
    top->addWidget(view, 1);
    top->addLayout(buttons);
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(top, 1);
    layout->addWidget(new QLabel(tr("Try it:"), page));
    layout->addWidget(tryField);
    layout->addWidget(tryResult);
    return page;
}

RulesModel *RulesWindow::model(RuleSet::Stage stage) const
{
    return m_models[size_t(stage)];
}

QTableView *RulesWindow::view(RuleSet::Stage stage) const
{
    return m_views[size_t(stage)];
}

void RulesWindow::showStage(RuleSet::Stage stage)
{
    m_tabs->setCurrentIndex(int(stage));
}

QString RulesWindow::errorString() const
{
    return m_error;
}

RuleSet RulesWindow::currentSet() const
{
    RuleSet set;
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        set.lists[size_t(s)] = m_models[size_t(s)]->rules();
    }
    return set;
}

void RulesWindow::apply()
{
    if (m_applying) {
        return;
    }
    const RuleSet set = currentSet();
    if (m_document) {
        // In force at once, in turn with the document applying saves and others' changes (see save()).
        m_document->applyEdit([this, &set] {
            ++*m_edits;
            m_engine->setRules(set);
        });
        save(set.toJson());
    } else {
        m_engine->setRules(set);
    }
    Q_EMIT rulesApplied();
}

void RulesWindow::save(const QByteArray &body)
{
    // A file is written and synced, a database answers over the network: neither on the GUI thread.
    ++m_savesUnderWay;
    m_status->setText(tr("Saving…"));
    SettingsDocument *document = m_document;
    QPointer<RulesWindow> window(this);
    const quint64 edit = m_edits->load();
    m_saver.start([document, body, window, edits = m_edits, edit] {
        QString error;
        // Each edit is in force already (apply()); the document applies this one again only if it is still the
        // newest when saved, over a change from elsewhere that arrived meanwhile.
        if (document->save(body, &error, [edits, edit] { return edits->load() == edit; })) {
            error.clear();
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [window, error] {
                if (window) {
                    window->saveFinished(error);
                }
            },
            Qt::QueuedConnection);
    });
}

void RulesWindow::saveFinished(const QString &error)
{
    if (--m_savesUnderWay > 0) {
        return; // a newer save follows: its outcome is the one to show
    }
    // Here the rules apply whether or not the file could be written; an attached catcher's apply only once it took
    // them.
    m_error = error.isEmpty()    ? QString()
        : m_attachedTo.isEmpty() ? tr("The rules apply, but could not be saved: %1").arg(error)
                                 : tr("Not saved, the catcher keeps its rules: %1").arg(error);
    const QString location = m_document->location();
    const QString hint = std::exchange(m_hintAfterSave, QString());
    m_status->setText(!m_error.isEmpty() ? m_error
            : !hint.isEmpty()
            ? hint
            : tr("Saved to %1")
                  .arg(location.contains(QStringLiteral("://")) ? location : QDir::toNativeSeparators(location)));
    Q_EMIT saved();
}

void RulesWindow::refresh()
{
    // Rules changed elsewhere (PUT /api/v1/rules) replace what is shown.
    const RuleSet inForce = m_engine->rules();
    if (!(inForce == currentSet())) {
        m_applying = true;
        for (int s = 0; s < RuleSet::StageCount; ++s) {
            m_models[size_t(s)]->setRules(inForce.lists[size_t(s)]);
        }
        m_applying = false;
        Q_EMIT rulesApplied();
    }
    if (!m_attachedTo.isEmpty()) {
        return; // the mirror decides nothing: its counts would be zeros
    }
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        m_models[size_t(s)]->setHitCounts(m_engine->hitCounts(RuleSet::Stage(s)));
    }
}

void RulesWindow::setAttached(const QString &catcher)
{
    m_attachedTo = catcher;
    setWindowTitle(tr("Rules of %1").arg(catcher));
    m_intro->setText(tr("The rules of the catcher at %1. The first enabled rule that matches decides; when none does, "
                        "the command is accepted. Changes apply there to the next command of every session. How often "
                        "each rule decided is not served by its API; “Try it” works the answer out here, from the "
                        "rules shown.")
                         .arg(catcher));
    for (QTableView *view : m_views) {
        view->setColumnHidden(RulesModel::HitsColumn, true);
    }
}

void RulesWindow::editRule(RuleSet::Stage stage, int row)
{
    RulesModel *model = m_models[size_t(stage)];
    if (row < 0 || row >= model->rules().size()) {
        return;
    }
    RuleEditor editor(stage, model->rules().at(row), this);
    if (editor.exec() == QDialog::Accepted) {
        model->replaceRule(row, editor.rule());
    }
}

bool RulesWindow::proposeRule(RuleSet::Stage stage, const Rule &rule)
{
    showStage(stage);
    RuleEditor editor(stage, rule, this);
    if (editor.exec() != QDialog::Accepted) {
        return false;
    }
    m_models[size_t(stage)]->insertRule(0, editor.rule());
    m_views[size_t(stage)]->selectRow(0);
    return true;
}

QString RulesWindow::tryIt(RuleSet::Stage stage, const QString &subject) const
{
    const std::optional<int> index = m_engine->firstMatch(stage, subject);
    if (!index) {
        return stage == RuleSet::Stage::Host ? tr("No rule matches: the client gets the greeting (220).")
                                             : tr("No rule matches: accepted.");
    }
    const Rule rule = m_engine->rules().rules(stage).at(*index);
    QString reply;
    if (rule.action == Rule::Action::Accept) {
        reply = tr("accepted by rule %1").arg(*index + 1);
    } else if (rule.action == Rule::Action::Disconnect) {
        reply = tr("no reply: the connection is closed at once");
    } else if (rule.action == Rule::Action::Bounce) {
        // CONTRACT "Failure scenarios (rules)": accepted now, the reply goes into a later delivery status notification.
        reply = tr("“250 2.1.5 Ok” to every try; then, %1, the sender gets a bounce saying “%2 %3 %4” (none when the "
                   "sender is the null sender <>)")
                    .arg(rule.bounceAfterMs > 0
                            ? tr("%1 after the message is stored").arg(RulesModel::durationText(rule.bounceAfterMs))
                            : tr("as soon as the message is stored"))
                    .arg(rule.code)
                    .arg(rule.enhanced, rule.text);
    } else if (rule.action == Rule::Action::Greylist) {
        reply = tr("“%1 %2 %3” to %4 of the same client and sender within %5 s, then acceptance")
                    .arg(rule.code)
                    .arg(rule.enhanced, rule.text)
                    .arg(rule.attempts == 1 ? tr("the first try") : tr("the first %1 tries").arg(rule.attempts))
                    .arg(rule.windowSec);
    } else if (stage == RuleSet::Stage::Host) {
        switch (rule.hostReply) {
        case Rule::HostReply::Commands:
            reply = tr("“%1 %2” instead of the greeting, then “503 5.7.1” to every command but QUIT")
                        .arg(rule.code)
                        .arg(rule.text);
            break;
        case Rule::HostReply::Greeting:
            reply = tr("“554 HOSTNAME %1” instead of the greeting, then “503 5.7.1” to every command but QUIT")
                        .arg(rule.text);
            break;
        case Rule::HostReply::Drop:
            reply = tr("“421 HOSTNAME %1”, then the connection is closed").arg(rule.text);
            break;
        }
    } else {
        reply = tr("“%1 %2 %3”").arg(rule.code).arg(rule.enhanced, rule.text);
    }
    if (stage == RuleSet::Stage::Host && rule.bytesPerSecond > 0) {
        // The pacing lasts the whole session, whatever its reply.
        if (rule.action == Rule::Action::Accept) {
            reply = tr("the greeting (220)");
        }
        reply += tr(", and on every connection what it sends is read at most %1 (%2 bytes a second)")
                     .arg(RulesModel::rateText(rule.bytesPerSecond))
                     .arg(rule.bytesPerSecond);
    }
    QString text = tr("Rule %1 matches: the client gets %2").arg(*index + 1).arg(reply);
    if (rule.delayMs > 0) {
        text += tr(", after %1 ms").arg(rule.delayMs);
    }
    if (rule.limit.perSeconds > 0) {
        text += tr(", once the same client has made more than %1 matching attempts within %2 s (before that, the next "
                   "rules decide)")
                    .arg(rule.limit.count)
                    .arg(rule.limit.perSeconds);
    }
    if (rule.every > 1) {
        // English ordinals: 1st, 2nd, 3rd, 4th, …, 11th–13th, 21st.
        auto ordinal = [](qint64 n) {
            const qint64 tens = n % 100;
            const qint64 ones = n % 10;
            const char *suffix = tens >= 11 && tens <= 13 ? "th"
                : ones == 1                               ? "st"
                : ones == 2                               ? "nd"
                : ones == 3                               ? "rd"
                                                          : "th";
            return QString::number(n) + QLatin1String(suffix);
        };
        text += tr(", on every %1 matching attempt: the %1, %2, %3 … (the others go to the next rules)")
                    .arg(ordinal(rule.every), ordinal(2 * rule.every), ordinal(3 * rule.every));
    }
    if (rule.probability < 100) {
        text += tr(" (%1% of the time; otherwise the next rules decide)").arg(rule.probability);
    }
    return text + u'.';
}

QString RulesWindow::scenarioName(Scenario scenario)
{
    switch (scenario) {
    case Scenario::GreylistOnce:
        return tr("This recipient greylists once");
    case Scenario::EveryThirdRefused:
        return tr("Every 3rd message is refused");
    case Scenario::BounceTest:
        return tr("Everything to @bounce.test bounces after 5 s");
    case Scenario::SlowServer:
        return tr("The server is slow (10 KB/s)");
    case Scenario::DropAtData:
        return tr("The server drops at DATA");
    }
    return {};
}

RuleSet RulesWindow::scenarioRules(Scenario scenario)
{
    RuleSet set;
    Rule rule;
    switch (scenario) {
    case Scenario::GreylistOnce:
        // An address to change: the first try of each client and sender gets 451 4.7.1, the retry passes (RFC 6647).
        rule.pattern = QStringLiteral("greylist@example.test");
        rule.action = Rule::Action::Greylist;
        rule.code = Rule::GreylistCode;
        rule.enhanced = Rule::greylistEnhanced();
        rule.text = Rule::greylistText();
        set.rules(RuleSet::Stage::Recipient) << rule;
        break;
    case Scenario::EveryThirdRefused:
        // Every message (at least 1 byte) at the end of DATA, the 3rd, 6th, … refused; a temporary failure, so a
        // client's retry logic shows.
        rule.minSize = 1;
        rule.code = 451;
        rule.enhanced = QStringLiteral("4.3.0");
        rule.text = QStringLiteral("Temporary failure, please try again later");
        rule.every = 3;
        set.rules(RuleSet::Stage::Data) << rule;
        break;
    case Scenario::BounceTest:
        rule.match = Rule::Match::Glob;
        rule.pattern = QStringLiteral("*@bounce.test");
        rule.action = Rule::Action::Bounce;
        rule.code = 550;
        rule.enhanced = QStringLiteral("5.1.1");
        rule.text = QStringLiteral("User unknown");
        rule.bounceAfterMs = 5000;
        set.rules(RuleSet::Stage::Recipient) << rule;
        break;
    case Scenario::SlowServer:
        // Every client: a prefix takes one address family, so one rule for each.
        rule.match = Rule::Match::Cidr;
        rule.action = Rule::Action::Accept;
        rule.bytesPerSecond = 10 * 1024;
        rule.pattern = QStringLiteral("0.0.0.0/0");
        set.rules(RuleSet::Stage::Host) << rule;
        rule.pattern = QStringLiteral("::/0");
        set.rules(RuleSet::Stage::Host) << rule;
        break;
    case Scenario::DropAtData:
        // Data rules decide at the end of DATA: the message was sent, and the connection closes without a reply.
        rule.minSize = 1;
        rule.action = Rule::Action::Disconnect;
        set.rules(RuleSet::Stage::Data) << rule;
        break;
    }
    return set;
}

void RulesWindow::addScenario(Scenario scenario)
{
    const RuleSet set = scenarioRules(scenario);
    std::optional<RuleSet::Stage> first;
    int added = 0;
    m_applying = true;
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        const QList<Rule> &rules = set.lists[size_t(s)];
        for (int i = 0; i < rules.size(); ++i) {
            m_models[size_t(s)]->insertRule(i, rules.at(i));
            ++added;
        }
        if (!rules.isEmpty() && !first) {
            first = RuleSet::Stage(s);
        }
    }
    m_applying = false;
    apply();
    if (!first) {
        return;
    }
    showStage(*first);
    QTableView *view = m_views[size_t(*first)];
    view->selectRow(0);
    view->setFocus();
    // Said once the save under way has finished (its failure, if it fails, is said instead).
    const QString hint = tr("“%1”: %2 added at the top of %3; double-click one to change it.")
                             .arg(scenarioName(scenario), counted(added, tr("rule"), tr("rules")), stageTitle(*first));
    if (isSaving()) {
        m_hintAfterSave = hint;
    } else if (m_error.isEmpty()) {
        m_status->setText(hint);
    }
}

void RulesWindow::importRules()
{
    const QString fileName
        = QFileDialog::getOpenFileName(this, tr("Import Rules"), QDir::homePath(), tr("Rules (*.json);;All files (*)"));
    if (fileName.isEmpty()) {
        return;
    }
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(this, tr("Import Rules"), tr("%1: %2").arg(fileName, file.errorString()));
        return;
    }
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(file.readAll(), &error);
    if (!set) {
        // All or nothing: a broken file changes no rule.
        QMessageBox::warning(this, tr("Import Rules"), tr("%1:%2").arg(fileName, error));
        return;
    }
    m_applying = true;
    for (int s = 0; s < RuleSet::StageCount; ++s) {
        m_models[size_t(s)]->setRules(set->lists[size_t(s)]);
    }
    m_applying = false;
    apply();
}

void RulesWindow::exportRules()
{
    const QString fileName = QFileDialog::getSaveFileName(
        this, tr("Export Rules"), QDir::home().filePath(QStringLiteral("letterbox-rules.json")), tr("Rules (*.json)"));
    if (fileName.isEmpty()) {
        return;
    }
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly) || file.write(currentSet().toJson()) < 0 || !file.commit()) {
        QMessageBox::warning(this, tr("Export Rules"), tr("%1: %2").arg(fileName, file.errorString()));
    }
}
