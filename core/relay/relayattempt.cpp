#include "relayattempt.h"

RelayAttempt RelayAttempt::fromRecord(const RelayRecord &record)
{
    return { QDateTime::fromMSecsSinceEpoch(record.timeMs, Qt::UTC), record.to, record.ok, record.reply };
}

RelayRecord RelayAttempt::toRecord() const
{
    return { time.toMSecsSinceEpoch(), to, ok, reply };
}
