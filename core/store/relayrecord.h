#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QList>
#include <QMetaType>

// One line of a message's relay log as the store keeps it: an attempt to relay it (release, auto-relay or a retry),
// or auto-relay giving up. core/relay words it for the API and the window (RelayAttempt).
struct RelayRecord
{
    qint64 timeMs = 0; // UTC milliseconds since the epoch
    QByteArrayList to; // the recipients of the attempt
    bool ok = false;
    QByteArray reply; // the relay's final reply, or why there was none
};
Q_DECLARE_METATYPE(RelayRecord)
