#pragma once

#include <QByteArrayList>
#include <QString>

// An auto-relay still to be tried (its first attempt, or a retry after a temporary failure), kept in the store so that
// it survives a restart (CONTRACT "Auto-relay (details)").
struct RelayPending
{
    qint64 id = 0; // the store's; 0 until written
    QString messageId; // the API ID
    QByteArrayList to;
    qint64 dueMs = 0; // UTC milliseconds since the epoch
    int failures = 0; // attempts that failed so far
    // Being sent: one found so at start may have reached the relay, and is not sent again (at most once).
    bool inFlight = false;
};
