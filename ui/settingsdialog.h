#pragma once

#include "appsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Settings: SMTP and API addresses, maximum message size, retention, AUTH mode, notifications and tray. OK
// validates everything first (a bad address or credentials file is named and nothing closes); the caller then
// applies the settings, restarting the listeners without losing messages.
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(const AppSettings &settings, const CatcherConfig &base, QWidget *parent = nullptr);
    AppSettings settings() const;
    // The configuration the accepted settings describe.
    CatcherConfig config() const;
    // Puts the cursor in the SMTP address (after a port was busy).
    void focusSmtpAddress();
    void accept() override;

private:
    CatcherConfig m_base;
    CatcherConfig m_config;
    QLineEdit *m_smtp;
    QLineEdit *m_api;
    QCheckBox *m_apiOff;
    QLineEdit *m_apiHosts;
    QSpinBox *m_maxSize;
    QSpinBox *m_retention;
    QComboBox *m_authMode;
    QLineEdit *m_authFile;
    QCheckBox *m_notifications;
    QCheckBox *m_tray;
    QCheckBox *m_closeToTray;
    QLabel *m_error;
};
