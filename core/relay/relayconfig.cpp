#include "relayconfig.h"

bool RelayConfig::isConfigured() const
{
    return !client.servers.isEmpty() && !client.servers.front().host.isEmpty();
}

bool RelayConfig::relaysTo(const QString &recipient) const
{
    switch (autoRelay) {
    case AutoRelay::Off:
        return false;
    case AutoRelay::All:
        return true;
    case AutoRelay::Matching:
        // An unanchored search (CONTRACT "Relay, auto-relay and the SMTP client"); made case-insensitive by who sets
        // it.
        return matching.isValid() && matching.match(recipient).hasMatch();
    }
    return false;
}
