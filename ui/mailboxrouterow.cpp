#include "mailboxrouterow.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QToolButton>

namespace {
constexpr MailboxRoute::Field Fields[] = { MailboxRoute::Field::Listener, MailboxRoute::Field::User,
    MailboxRoute::Field::Recipient, MailboxRoute::Field::Client };

QString fieldText(MailboxRoute::Field field)
{
    switch (field) {
    case MailboxRoute::Field::Listener:
        return MailboxRouteRow::tr("Listener");
    case MailboxRoute::Field::User:
        return MailboxRouteRow::tr("AUTH user");
    case MailboxRoute::Field::Recipient:
        return MailboxRouteRow::tr("Recipient");
    case MailboxRoute::Field::Client:
        return MailboxRouteRow::tr("Client");
    }
    return {};
}

// What each field takes (CONTRACT "Mailboxes").
QString placeholder(MailboxRoute::Field field)
{
    switch (field) {
    case MailboxRoute::Field::Listener:
        return MailboxRouteRow::tr("127.0.0.1:2526, as the listener is written");
    case MailboxRoute::Field::User:
        return MailboxRouteRow::tr("user name, * and ? match anything");
    case MailboxRoute::Field::Recipient:
        return MailboxRouteRow::tr("*@shop.test, * and ? match anything");
    case MailboxRoute::Field::Client:
        return MailboxRouteRow::tr("10.0.0.0/8 or an address");
    }
    return {};
}
} // namespace

MailboxRouteRow::MailboxRouteRow(const MailboxRoute &route, const QStringList &listeners, QWidget *parent)
    : QWidget(parent)
    , m_field(new QComboBox(this))
    , m_patternStack(new QStackedWidget(this))
    , m_pattern(new QLineEdit(m_patternStack))
    , m_listener(new QComboBox(m_patternStack))
    , m_remove(new QToolButton(this))
    , m_problem(new QLabel(this))
{
    for (MailboxRoute::Field field : Fields) {
        m_field->addItem(fieldText(field), int(field));
    }
    m_field->setCurrentIndex(m_field->findData(int(route.field)));
    m_field->setAccessibleName(tr("Route field"));
    m_field->setToolTip(tr("What the route matches on; the first mailbox with a matching route takes the message"));
    m_pattern->setAccessibleName(tr("Route pattern"));
    m_listener->setEditable(true);
    m_listener->setInsertPolicy(QComboBox::NoInsert);
    m_listener->addItems(listeners);
    m_listener->setAccessibleName(tr("Listener"));
    m_listener->setToolTip(tr("The SMTP listener the message came in on, as it is written in the settings"));
    m_patternStack->addWidget(m_pattern);
    m_patternStack->addWidget(m_listener);
    if (route.field == MailboxRoute::Field::Listener) {
        m_listener->setCurrentText(route.pattern);
    }
    m_pattern->setText(route.field == MailboxRoute::Field::Listener ? QString() : route.pattern);
    m_remove->setText(QStringLiteral("\u2715"));
    m_remove->setAutoRaise(true);
    m_remove->setToolTip(tr("Remove this route"));
    m_remove->setAccessibleName(tr("Remove route"));
    m_problem->setStyleSheet(QStringLiteral("color: #c62828"));
    m_problem->setWordWrap(true);
    m_problem->setAccessibleName(tr("Route problem"));
    m_problem->setObjectName(QStringLiteral("routeProblem"));
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setVerticalSpacing(2);
    layout->addWidget(m_field, 0, 0);
    layout->addWidget(m_patternStack, 0, 1);
    layout->addWidget(m_remove, 0, 2);
    layout->addWidget(m_problem, 1, 1, 1, 2);
    layout->setColumnStretch(1, 1);
    setFocusProxy(m_field);

    connect(m_field, &QComboBox::currentIndexChanged, this, [this] {
        // The text typed so far goes along to the other field's editor.
        const bool listener = this->route().field == MailboxRoute::Field::Listener;
        const QString typed = listener ? m_pattern->text() : m_listener->currentText();
        if (listener) {
            m_listener->setCurrentText(typed);
        } else {
            m_pattern->setText(typed);
        }
        update();
        Q_EMIT changed();
    });
    connect(m_pattern, &QLineEdit::textChanged, this, [this] {
        update();
        Q_EMIT changed();
    });
    connect(m_listener, &QComboBox::currentTextChanged, this, [this] {
        update();
        Q_EMIT changed();
    });
    connect(m_remove, &QToolButton::clicked, this, &MailboxRouteRow::removeRequested);
    update();
}

MailboxRoute MailboxRouteRow::route() const
{
    MailboxRoute route;
    route.field = MailboxRoute::Field(m_field->currentData().toInt());
    route.pattern = route.field == MailboxRoute::Field::Listener ? m_listener->currentText().trimmed()
                                                                 : m_pattern->text().trimmed();
    return route;
}

QString MailboxRouteRow::problem() const
{
    return route().validate();
}

QComboBox *MailboxRouteRow::fieldBox() const
{
    return m_field;
}

QLineEdit *MailboxRouteRow::patternField() const
{
    return m_pattern;
}

QComboBox *MailboxRouteRow::listenerBox() const
{
    return m_listener;
}

void MailboxRouteRow::update()
{
    const MailboxRoute current = route();
    const bool listener = current.field == MailboxRoute::Field::Listener;
    m_patternStack->setCurrentIndex(listener ? 1 : 0);
    m_pattern->setPlaceholderText(placeholder(current.field));
    if (m_listener->lineEdit()) {
        m_listener->lineEdit()->setPlaceholderText(placeholder(current.field));
    }
    const QString why = current.validate();
    m_problem->setText(why);
    m_problem->setVisible(!why.isEmpty());
}
