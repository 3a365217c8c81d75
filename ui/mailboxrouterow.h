#pragma once

#include <mailbox/mailboxroute.h>

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QToolButton;

// One route of the Mailboxes editor, as a row: the field it matches on (listener, user, recipient, client) and its
// pattern, a listener picked from the configured ones (or typed), anything else typed; its problem
// (MailboxRoute::validate()) under it as it is typed.
class MailboxRouteRow : public QWidget
{
    Q_OBJECT
public:
    MailboxRouteRow(const MailboxRoute &route, const QStringList &listeners, QWidget *parent = nullptr);

    MailboxRoute route() const;
    // "" when the route is valid, else why not (what the row shows).
    QString problem() const;
    QComboBox *fieldBox() const;
    QLineEdit *patternField() const;
    QComboBox *listenerBox() const;

Q_SIGNALS:
    void changed();
    void removeRequested();

private:
    void update();

    QComboBox *m_field;
    QStackedWidget *m_patternStack;
    QLineEdit *m_pattern;
    QComboBox *m_listener;
    QToolButton *m_remove;
    QLabel *m_problem;
};
