#pragma once

#include <mailbox/mailboxconfig.h>

#include <QDialog>

#include <functional>

class MailboxRouteRow;
class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStringListModel;
class QVBoxLayout;

// File ▸ Mailboxes…: the mailboxes file (CONTRACT "Mailboxes") as an editor. The mailboxes in order (first match
// wins; reordered with Move Up/Down), each with a name and its routes as rows (MailboxRouteRow), and the perUser
// switch. Validated as you type with MailboxConfig::validate(): a route's problem under the route, a name's beside
// the name, the first problem of all over the buttons, and OK waits while there is one.
//
// "New Mailbox on Port…" adds a mailbox with a listener route for 127.0.0.1:PORT, and that listener to the SMTP
// listeners when OK is pressed (newListeners()): the applier adds the listeners, then saves the configuration.
class MailboxesDialog : public QDialog
{
    Q_OBJECT
public:
    // Saves config after adding newListeners to the SMTP listeners; false with *error keeps the dialog open.
    using Applier = std::function<bool(const MailboxConfig &config, const QStringList &newListeners, QString *error)>;

    // listeners: the SMTP and SMTPS listeners as written in the settings or on the command line.
    MailboxesDialog(const MailboxConfig &config, const QStringList &listeners, QWidget *parent = nullptr);
    void setApplier(Applier applier);
    // --mailbox-per-user rules this run: the switch shows it and cannot be turned off.
    void setPerUserForced(bool forced);

    MailboxConfig config() const;
    // The first problem of the configuration ("mailboxes[0].routes[1].client: …"); "" when it is valid.
    QString problem() const;
    QStringList newListeners() const;

    // What the buttons do, also for tests.
    void addMailbox();
    void removeMailbox();
    void moveMailbox(int delta);
    void addRoute();
    // A mailbox "port-PORT" with a listener route for 127.0.0.1:PORT; the listener is added on OK unless it exists.
    void addMailboxOnPort(quint16 port);
    void setCurrentMailbox(int index);
    int currentMailbox() const;

    QListView *mailboxList() const;
    QLineEdit *nameField() const;
    QLabel *nameProblemLabel() const;
    QList<MailboxRouteRow *> routeRows() const;
    QCheckBox *perUserBox() const;
    QLabel *problemLabel() const;
    QPushButton *okButton() const;

    void accept() override;

private:
    void showMailbox();
    void updateNames();
    void validate();
    void askForPort();

    MailboxConfig m_config;
    QStringList m_listeners;
    QStringList m_newListeners;
    int m_current = -1;
    Applier m_applier;
    QStringListModel *m_names;
    QListView *m_list;
    QWidget *m_editor;
    QLineEdit *m_name;
    QLabel *m_nameProblem;
    QVBoxLayout *m_routesLayout;
    QList<MailboxRouteRow *> m_rows;
    QPushButton *m_addRoute;
    QPushButton *m_remove;
    QPushButton *m_up;
    QPushButton *m_down;
    QCheckBox *m_perUser;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};
