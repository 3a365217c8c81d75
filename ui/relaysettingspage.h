#pragma once

#include "relaypasswordstore.h"
#include "relaysettings.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Settings' Relay page: the relay server that Release and auto-relay send to (host, port, TLS mode, certificate
// check, user, password) and auto-relay off/all/matching (CONTRACT "Relay, auto-relay and the SMTP client"). The
// matching expression is checked as it is typed. The password goes to the system keychain; without one the page
// says that it is kept for this run only. When the command line gave --relay, its options rule this run: the page
// says so and its fields are read-only.
class RelaySettingsPage : public QWidget
{
    Q_OBJECT
public:
    explicit RelaySettingsPage(const RelaySettings &settings, QWidget *parent = nullptr);

    RelaySettings settings() const;
    // The password shown (masked); keychainStatus is how the keychain answered when it was read.
    void setPassword(const QString &password, RelayPasswordStore::Status keychainStatus);
    QString password() const;
    bool isPasswordChanged() const;
    // Non-empty: the command line's relay options rule this run; the fields are disabled under this note.
    void setCommandLineNote(const QString &note);
    bool isCommandLineRelay() const;
    // Puts the cursor in the field an error of validate() names.
    void focusProblem();

Q_SIGNALS:
    // A note appeared or changed: the window may need more height.
    void contentsChanged();

private:
    void updateEnabled();
    void checkMatching();

    QLabel *m_note;
    QWidget *m_fields;
    QLineEdit *m_host;
    QSpinBox *m_port;
    QComboBox *m_tls;
    QCheckBox *m_insecure;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLabel *m_keychain;
    QComboBox *m_autoRelay;
    QLineEdit *m_matching;
    QLabel *m_matchingProblem;
    QString m_initialPassword;
    bool m_commandLine = false;
};
