#include "mailboxesdialog.h"

#include "mailboxrouterow.h"

#include <message/mailboxname.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QStringListModel>
#include <QVBoxLayout>

namespace {
// The port after the highest one listened on: the next project's, as people number them (1025, 2526, 2527, …).
quint16 nextPort(const QStringList &listeners)
{
    int highest = 2525;
    for (const QString &listener : listeners) {
        bool ok = false;
        const int port = listener.mid(listener.lastIndexOf(u':') + 1).toInt(&ok);
        if (ok && port < 65535) {
            highest = qMax(highest, port);
        }
    }
    return quint16(highest + 1);
}
} // namespace

MailboxesDialog::MailboxesDialog(const MailboxConfig &config, const QStringList &listeners, QWidget *parent)
    : QDialog(parent), m_config(config), m_listeners(listeners), m_names(new QStringListModel(this))
{
    setWindowTitle(tr("Mailboxes"));
    auto *intro = new QLabel(tr("Each message goes to the first mailbox with a route that matches it; what no route "
                                "takes goes to Inbox. A message for recipients of several mailboxes is stored in "
                                "each."),
        this);
    intro->setWordWrap(true);

    m_list = new QListView(this);
    m_list->setModel(m_names);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setAccessibleName(tr("Mailboxes, in the order they are tried"));
    m_list->setMaximumWidth(fontMetrics().averageCharWidth() * 28);
    auto *add = new QPushButton(tr("&Add"), this);
    add->setToolTip(tr("A new mailbox, tried last"));
    m_remove = new QPushButton(tr("&Remove"), this);
    m_up = new QPushButton(tr("Move &Up"), this);
    m_up->setToolTip(tr("Try this mailbox's routes earlier"));
    m_down = new QPushButton(tr("Move Do&wn"), this);
    m_down->setToolTip(tr("Try this mailbox's routes later"));
    auto *onPort = new QPushButton(tr("New Mailbox on &Port…"), this);
    onPort->setToolTip(tr("A mailbox for the mail of a new SMTP listener on 127.0.0.1 (one port per project)"));
    auto *listButtons = new QGridLayout;
    listButtons->addWidget(add, 0, 0);
    listButtons->addWidget(m_remove, 0, 1);
    listButtons->addWidget(m_up, 1, 0);
    listButtons->addWidget(m_down, 1, 1);
    listButtons->addWidget(onPort, 2, 0, 1, 2);
    auto *listColumn = new QVBoxLayout;
    listColumn->addWidget(m_list, 1);
    listColumn->addLayout(listButtons);

    m_editor = new QWidget(this);
    m_name = new QLineEdit(m_editor);
    m_name->setAccessibleName(tr("Mailbox name"));
    m_name->setMaxLength(MailboxName::MaxLength);
    m_name->setPlaceholderText(tr("shop"));
    m_nameProblem = new QLabel(m_editor);
    m_nameProblem->setStyleSheet(QStringLiteral("color: #c62828"));
    m_nameProblem->setAccessibleName(tr("Name problem"));
    m_nameProblem->setWordWrap(true);
    auto *routesBox = new QWidget;
    m_routesLayout = new QVBoxLayout(routesBox);
    m_routesLayout->setContentsMargins(0, 0, 0, 0);
    m_routesLayout->addStretch(1);
    auto *scroll = new QScrollArea(m_editor);
    scroll->setWidget(routesBox);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_addRoute = new QPushButton(tr("Add Rou&te"), m_editor);
    m_addRoute->setToolTip(tr("Another way for mail to come to this mailbox"));
    auto *form = new QFormLayout(m_editor);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_nameProblem);
    auto *routesLabel = new QLabel(tr("Routes (any one matching is enough):"), m_editor);
    form->addRow(routesLabel);
    form->addRow(scroll);
    auto *addRouteRow = new QHBoxLayout;
    addRouteRow->addWidget(m_addRoute);
    addRouteRow->addStretch(1);
    form->addRow(addRouteRow);

    m_perUser = new QCheckBox(tr("Give every AUTH &user a mailbox of the same name, after these (perUser)"), this);
    m_perUser->setChecked(m_config.perUser);
    m_problem = new QLabel(this);
    m_problem->setStyleSheet(QStringLiteral("color: #c62828"));
    m_problem->setWordWrap(true);
    m_problem->setAccessibleName(tr("Problem"));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto *copy = new QPushButton(tr("&Copy JSON"), this);
    copy->setToolTip(tr("The configuration as mailboxes.json and GET /api/v1/mailboxes/config have it"));

    auto *columns = new QHBoxLayout;
    columns->addLayout(listColumn);
    columns->addWidget(m_editor, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(columns, 1);
    layout->addWidget(m_perUser);
    layout->addWidget(m_problem);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(copy);
    bottom->addStretch(1);
    bottom->addWidget(m_buttons);
    layout->addLayout(bottom);
    resize(760, 460);

    connect(add, &QPushButton::clicked, this, &MailboxesDialog::addMailbox);
    connect(m_remove, &QPushButton::clicked, this, &MailboxesDialog::removeMailbox);
    connect(m_up, &QPushButton::clicked, this, [this] { moveMailbox(-1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveMailbox(1); });
    connect(onPort, &QPushButton::clicked, this, &MailboxesDialog::askForPort);
    connect(m_addRoute, &QPushButton::clicked, this, &MailboxesDialog::addRoute);
    connect(m_name, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (m_current >= 0) {
            m_config.mailboxes[m_current].name = text.trimmed();
            updateNames();
            validate();
        }
    });
    connect(m_perUser, &QCheckBox::toggled, this, [this](bool on) {
        m_config.perUser = on;
        validate();
    });
    connect(
        m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
            if (current.row() != m_current) {
                m_current = current.row();
                showMailbox();
            }
        });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &MailboxesDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &MailboxesDialog::reject);
    connect(copy, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(QString::fromUtf8(m_config.toJson())); });

    updateNames();
    setCurrentMailbox(m_config.mailboxes.isEmpty() ? -1 : 0);
    showMailbox();
}

void MailboxesDialog::setApplier(Applier applier)
{
    m_applier = std::move(applier);
}

void MailboxesDialog::setPerUserForced(bool forced)
{
    if (forced) {
        // Shown on, but the file keeps its own perUser: the option is for this run only.
        const QSignalBlocker blocker(m_perUser);
        m_perUser->setChecked(true);
        m_perUser->setToolTip(tr("--mailbox-per-user gives every AUTH user a mailbox in this run"));
    }
    m_perUser->setEnabled(!forced);
}

MailboxConfig MailboxesDialog::config() const
{
    return m_config;
}

QString MailboxesDialog::problem() const
{
    return m_config.validate();
}

QStringList MailboxesDialog::newListeners() const
{
    // Only those a route still names.
    QStringList named;
    for (const QString &listener : m_newListeners) {
        for (const MailboxDefinition &mailbox : m_config.mailboxes) {
            for (const MailboxRoute &route : mailbox.routes) {
                if (route.field == MailboxRoute::Field::Listener && route.pattern == listener
                    && !named.contains(listener)) {
                    named << listener;
                }
            }
        }
    }
    return named;
}

void MailboxesDialog::addMailbox()
{
    m_config.mailboxes << MailboxDefinition { QString(), { MailboxRoute {} } };
    updateNames();
    setCurrentMailbox(int(m_config.mailboxes.size()) - 1);
    m_name->setFocus();
}

void MailboxesDialog::removeMailbox()
{
    if (m_current < 0) {
        return;
    }
    m_config.mailboxes.removeAt(m_current);
    const int next = qMin(m_current, int(m_config.mailboxes.size()) - 1);
    m_current = -2; // the list's reset must not write into the removed mailbox
    updateNames();
    setCurrentMailbox(next);
}

void MailboxesDialog::moveMailbox(int delta)
{
    const int to = m_current + delta;
    if (m_current < 0 || to < 0 || to >= m_config.mailboxes.size()) {
        return;
    }
    m_config.mailboxes.move(m_current, to);
    updateNames();
    setCurrentMailbox(to);
}

void MailboxesDialog::addRoute()
{
    if (m_current < 0) {
        return;
    }
    m_config.mailboxes[m_current].routes << MailboxRoute {};
    showMailbox();
    m_rows.last()->setFocus();
}

void MailboxesDialog::addMailboxOnPort(quint16 port)
{
    const QString listener = QStringLiteral("127.0.0.1:%1").arg(port);
    QString name = QStringLiteral("port-%1").arg(port);
    for (int n = 2; m_config.indexOf(name) >= 0; ++n) {
        name = QStringLiteral("port-%1-%2").arg(port).arg(n);
    }
    m_config.mailboxes << MailboxDefinition { name, { MailboxRoute { MailboxRoute::Field::Listener, listener } } };
    if (!m_listeners.contains(listener)) {
        m_listeners << listener;
        if (!m_newListeners.contains(listener)) {
            m_newListeners << listener;
        }
    }
    updateNames();
    setCurrentMailbox(int(m_config.mailboxes.size()) - 1);
    // The name is a suggestion: the project's name is better.
    m_name->setFocus();
    m_name->selectAll();
}

void MailboxesDialog::askForPort()
{
    bool ok = false;
    const int port = QInputDialog::getInt(this, tr("New Mailbox on Port"),
        tr("Mail to 127.0.0.1 on this port goes to a new mailbox (Letterbox listens on it too):"),
        nextPort(m_listeners), 1, 65535, 1, &ok);
    if (ok) {
        addMailboxOnPort(quint16(port));
    }
}

void MailboxesDialog::setCurrentMailbox(int index)
{
    if (index >= 0 && index < m_names->rowCount()) {
        m_list->setCurrentIndex(m_names->index(index));
    }
    m_current = index < 0 || index >= m_config.mailboxes.size() ? -1 : index;
    showMailbox();
}

int MailboxesDialog::currentMailbox() const
{
    return m_current;
}

void MailboxesDialog::updateNames()
{
    QStringList names;
    for (const MailboxDefinition &mailbox : std::as_const(m_config.mailboxes)) {
        names << (mailbox.name.isEmpty() ? tr("(no name)") : mailbox.name);
    }
    if (names == m_names->stringList()) {
        return;
    }
    if (names.size() == m_names->rowCount()) {
        // Renamed as typed: the rows stay, and so does the current one.
        for (int i = 0; i < names.size(); ++i) {
            m_names->setData(m_names->index(i), names.at(i));
        }
        return;
    }
    const int current = m_current;
    {
        const QSignalBlocker blocker(m_list->selectionModel());
        m_names->setStringList(names);
    }
    m_current = current;
}

void MailboxesDialog::showMailbox()
{
    qDeleteAll(m_rows);
    m_rows.clear();
    const bool shown = m_current >= 0 && m_current < m_config.mailboxes.size();
    m_editor->setEnabled(shown);
    m_remove->setEnabled(shown);
    m_up->setEnabled(shown && m_current > 0);
    m_down->setEnabled(shown && m_current + 1 < m_config.mailboxes.size());
    m_name->setText(shown ? m_config.mailboxes.at(m_current).name : QString());
    if (shown) {
        const QList<MailboxRoute> routes = m_config.mailboxes.at(m_current).routes;
        for (qsizetype r = 0; r < routes.size(); ++r) {
            auto *row = new MailboxRouteRow(routes.at(r), m_listeners, this);
            m_routesLayout->insertWidget(m_routesLayout->count() - 1, row);
            m_rows << row;
            connect(row, &MailboxRouteRow::changed, this, [this, row] {
                const qsizetype at = m_rows.indexOf(row);
                if (m_current >= 0 && at >= 0) {
                    m_config.mailboxes[m_current].routes[at] = row->route();
                    validate();
                }
            });
            connect(row, &MailboxRouteRow::removeRequested, this, [this, row] {
                const qsizetype at = m_rows.indexOf(row);
                if (m_current >= 0 && at >= 0) {
                    m_config.mailboxes[m_current].routes.removeAt(at);
                    // Not now: the row's button is still handling its click.
                    QMetaObject::invokeMethod(this, &MailboxesDialog::showMailbox, Qt::QueuedConnection);
                }
            });
        }
    }
    // Tab goes from the name through each route's field and pattern to Add Route.
    QWidget *previous = m_name;
    for (MailboxRouteRow *row : std::as_const(m_rows)) {
        setTabOrder(previous, row->fieldBox());
        setTabOrder(row->fieldBox(), row->patternField());
        setTabOrder(row->patternField(), row->listenerBox());
        previous = row->listenerBox();
    }
    setTabOrder(previous, m_addRoute);
    validate();
}

void MailboxesDialog::validate()
{
    QString nameProblem;
    if (m_current >= 0 && m_current < m_config.mailboxes.size()) {
        const QString name = m_config.mailboxes.at(m_current).name;
        if (name.isEmpty()) {
            nameProblem = tr("Give the mailbox a name.");
        } else if (!MailboxName::isValid(name)) {
            nameProblem = tr("Up to %1 letters, digits, '.', '_' and '-'.").arg(MailboxName::MaxLength);
        } else {
            for (qsizetype i = 0; i < m_config.mailboxes.size(); ++i) {
                if (i != m_current && MailboxName::same(m_config.mailboxes.at(i).name, name)) {
                    nameProblem = tr("Another mailbox has this name.");
                }
            }
        }
    }
    m_nameProblem->setText(nameProblem);
    m_nameProblem->setVisible(!nameProblem.isEmpty());
    const QString why = problem();
    m_problem->setText(why);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

void MailboxesDialog::accept()
{
    if (!problem().isEmpty()) {
        return;
    }
    if (m_applier) {
        QString error;
        if (!m_applier(m_config, newListeners(), &error)) {
            m_problem->setText(error);
            return;
        }
    }
    QDialog::accept();
}

QListView *MailboxesDialog::mailboxList() const
{
    return m_list;
}

QLineEdit *MailboxesDialog::nameField() const
{
    return m_name;
}

QLabel *MailboxesDialog::nameProblemLabel() const
{
    return m_nameProblem;
}

QList<MailboxRouteRow *> MailboxesDialog::routeRows() const
{
    return m_rows;
}

QCheckBox *MailboxesDialog::perUserBox() const
{
    return m_perUser;
}

QLabel *MailboxesDialog::problemLabel() const
{
    return m_problem;
}

QPushButton *MailboxesDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}
