#pragma once

#include "../client/smtpclientoptions.h"

#include <QRegularExpression>

// Where caught mail is relayed to and which is relayed by itself (CONTRACT "Relay, auto-relay and the SMTP client"):
// the command line's --relay options, or the desktop app's settings.
struct RelayConfig
{
    // servers = { the --relay HOST:PORT }; tls, verification, user and password from --relay-tls, --relay-insecure,
    // --relay-user and $LETTERBOX_RELAY_PASSWORD (desktop: Settings and the keychain).
    SmtpClientOptions client;
    enum class AutoRelay { Off, All, Matching };
    AutoRelay autoRelay = AutoRelay::Off; // --relay-all, --relay-matching
    QRegularExpression matching; // a case-insensitive search on each envelope recipient
    // A relay server is set.
    bool isConfigured() const;
    // Whether auto-relay sends to this envelope recipient.
    bool relaysTo(const QString &recipient) const;
};
