#pragma once

#include <relay/relayconfig.h>

#include <QString>

class QSettings;

// The desktop app's relay server and auto-relay (CONTRACT "Relay, auto-relay and the SMTP client"), kept with
// QSettings beside AppSettings. The password is not here: it lives in the system keychain (RelayPasswordStore),
// never in the settings file. The command line's --relay options take its place for one run.
struct RelaySettings
{
    // --relay-tls: STARTTLS when offered (the default), STARTTLS required, TLS from the first byte, or none.
    enum class Tls { IfOffered, Required, Implicit, Off };
    // --relay-all, --relay-matching
    enum class AutoRelay { Off, All, Matching };

    QString host; // empty: no relay
    int port = 25;
    Tls tls = Tls::IfOffered;
    bool insecure = false; // --relay-insecure
    QString user; // --relay-user; empty: no AUTH
    AutoRelay autoRelay = AutoRelay::Off;
    QString matching; // the --relay-matching REGEX

    bool isConfigured() const { return !host.trimmed().isEmpty(); }
    // False with *error naming the field when the settings cannot work: a port out of range, auto-relay without a
    // server, or a matching expression that does not compile (CONTRACT "Auto-relay (details)").
    bool validate(QString *error) const;

    // The relay's configuration (RelayService::setConfig()), the same as the command line's options would make it:
    // the password from the keychain, heloName the catcher's host name. Valid settings only (validate()).
    RelayConfig toConfig(const QString &password, const QString &heloName) const;

    // Keys under the current group, in the relay/ subgroup.
    static RelaySettings load(QSettings &settings);
    void save(QSettings &settings) const;
    bool operator==(const RelaySettings &other) const = default;
};
