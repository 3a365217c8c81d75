#include "relayattempt.h"

#include <QTimeZone>

RelayAttempt RelayAttempt::fromRecord(const RelayRecord &record)
{
    return { QDateTime::fromMSecsSinceEpoch(record.timeMs, QTimeZone::utc()), record.to, record.ok, record.reply };
}

RelayRecord RelayAttempt::toRecord() const
{
    return { time.toMSecsSinceEpoch(), to, ok, reply };
}
