#pragma once

#include "relaypending.h"
#include "relayrecord.h"

#include <QList>
#include <QString>

#include <optional>

// One durable change to a message's relay bookkeeping, applied in one transaction (MessageStore::changeRelay()).
struct RelayChange
{
    QString messageId; // the API ID
    QList<RelayRecord> log; // appended to the message's relay log, in order
    // Written: inserted when its id is 0 (changeRelay() sets the id), else updated.
    std::optional<RelayPending> pending;
    qint64 removePending = 0; // a queue row removed (0: none)
};
