#pragma once

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

// File ▸ Attach to Catcher…: the API base URL of a remote Letterbox or Mailpit, and a login for one started with
// --api-auth (CONTRACT "Team store, API access and remote attach"). Checks the URL's form; whether the catcher
// answers is the caller's to find out (it says why in setError() and the dialog stays open).
class AttachDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AttachDialog(QWidget *parent = nullptr);

    QString url() const;
    QString user() const;
    QString password() const;
    // Keep the password in the system keychain for the next attach.
    bool rememberPassword() const;
    void setUrl(const QString &url);
    void setUser(const QString &user);
    // A failed attach: its reason under the fields, the buttons usable again.
    void setError(const QString &error);
    // While the catcher is being asked: the fields and Attach disabled, "Connecting…" shown.
    void setBusy(bool busy);

    QLineEdit *urlField() const;
    QLineEdit *userField() const;
    QLineEdit *passwordField() const;

Q_SIGNALS:
    // Attach was pressed with a URL of the right form (the dialog stays open until the caller accepts it).
    void attachRequested();

private:
    void updateButtons();

    QLineEdit *m_url;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QCheckBox *m_remember;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};
