#pragma once

#include "appsettings.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTabWidget;
class RelaySettingsPage;
class TlsCertificatePanel;

// Settings, one tab each: Catching (SMTP and API addresses, the API's users file, maximum message size, retention,
// AUTH mode, notifications and tray), TLS (SMTPS addresses, the certificate in use, to trust or export, and the API's
// HTTPS certificate) and Relay (the relay
// server and auto-relay; the password in the system keychain). OK
// validates everything first (a bad address or credentials file is named and nothing closes), then applies the
// settings (the applier restarts the listeners without losing messages): when a new address cannot listen, the
// dialog stays open naming it, and the listeners that ran before keep running.
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    // Applies valid settings; false with *failed (the listener) and *error (naming the address) when one of the
    // new listeners could not start.
    using Applier = std::function<bool(
        const AppSettings &settings, const CatcherConfig &config, CatcherService::Listener *failed, QString *error)>;

    SettingsDialog(const AppSettings &settings, const CatcherConfig &base, QWidget *parent = nullptr);
    void setApplier(Applier applier);
    AppSettings settings() const;
    // The configuration the accepted settings describe.
    CatcherConfig config() const;
    enum class Page { Catching, Tls, Relay };
    void showPage(Page page);
    Page currentPage() const;
    TlsCertificatePanel *tlsPanel() const;
    RelaySettingsPage *relayPage() const;
    // Puts the cursor in the SMTP address (after a port was busy).
    void focusSmtpAddress();
    void accept() override;

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showError(const QString &error);

    void focusField(QWidget *field);
    // Grows the window to the height its word-wrapped notes need (a note shown later, by a page).
    void fitContents();

    CatcherConfig m_base;
    RelaySettings m_savedRelay;
    QTabWidget *m_tabs;
    CatcherConfig m_config;
    Applier m_applier;
    QLineEdit *m_smtp;
    QLineEdit *m_smtps;
    QCheckBox *m_smtpsOff;
    QLineEdit *m_pop3;
    QCheckBox *m_pop3Off;
    QLineEdit *m_pop3s;
    QCheckBox *m_pop3sOff;
    QLineEdit *m_imap;
    QCheckBox *m_imapOff;
    QLineEdit *m_imaps;
    QCheckBox *m_imapsOff;
    TlsCertificatePanel *m_tlsPanel;
    RelaySettingsPage *m_relay;
    QLineEdit *m_api;
    QCheckBox *m_apiOff;
    QLineEdit *m_apiHosts;
    QLineEdit *m_apiAuth;
    QLineEdit *m_apiTlsCert;
    QLineEdit *m_apiTlsKey;
    QSpinBox *m_maxSize;
    QSpinBox *m_retention;
    QComboBox *m_authMode;
    QLineEdit *m_authFile;
    QCheckBox *m_notifications;
    QCheckBox *m_tray;
    QCheckBox *m_closeToTray;
    QLabel *m_error;
};
