#pragma once

#include "relaysettings.h"

#include <service/catcherservice.h>

#include <QString>

class QSettings;

// The desktop app's settings, kept with QSettings. The command line overrides them for one run.
struct AppSettings
{
    QString smtp = QStringLiteral("127.0.0.1:1025"); // one or more ADDR:PORT, comma separated
    QString smtps; // implicit-TLS listeners (--smtps), one or more ADDR:PORT, comma separated; empty: off
    QString pop3; // POP3 listeners (--pop3), likewise; empty: off
    QString pop3s; // implicit-TLS POP3 listeners (--pop3s), likewise; empty: off
    QString imap; // IMAP listeners (--imap), likewise; empty: off
    QString imaps; // implicit-TLS IMAP listeners (--imaps), likewise; empty: off
    QString api = QStringLiteral("127.0.0.1:8025"); // ADDR:PORT or "off"
    QString apiHosts; // extra Host names the API answers to, comma separated (--api-host)
    QString apiAuth; // the API's users file (--api-auth); empty: the API asks for no password
    QString apiTlsCert; // the API's HTTPS certificate and key (--api-tls-cert, --api-tls-key); empty: plain HTTP
    QString apiTlsKey;
    qint64 maxMessageSize = 67108864;
    qint64 maxMessages = 10000; // retention; 0 keeps all
    QString auth = QStringLiteral("any"); // "any", "off" or a credentials file
    bool notifications = true;
    bool trayIcon = true;
    bool closeToTray = false;
    RelaySettings relay;

    static AppSettings load(QSettings &settings);
    void save(QSettings &settings) const;
    // The listeners and session settings these describe, on top of base (host name, timeouts and limits the
    // settings do not hold). False with *error naming the field when a value is invalid.
    bool toConfig(const CatcherConfig &base, CatcherConfig *config, QString *error) const;
    bool operator==(const AppSettings &other) const = default;
};
