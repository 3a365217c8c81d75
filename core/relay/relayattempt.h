#pragma once

#include "../store/relayrecord.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QDateTime>
#include <QMetaType>

// One line of a message's relay log (GET /api/v1/message/{ID}/relay, the desktop app's Envelope tab): an attempt by
// release, auto-relay or a retry, or auto-relay giving up. The API words it as {"Time": RFC 3339 ms UTC, "To": [...],
// "Ok": bool, "Reply": "250 …"} (ApiJson::relayLog()).
struct RelayAttempt
{
    QDateTime time; // UTC
    QByteArrayList to;
    bool ok = false;
    QByteArray reply; // the relay's final reply, or the connection error text
    static RelayAttempt fromRecord(const RelayRecord &record);
    RelayRecord toRecord() const;
};
Q_DECLARE_METATYPE(RelayAttempt)
