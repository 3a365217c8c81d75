#pragma once

#include <QString>

// One message of a MailboxIndex: what a mail client numbers, flags, sizes and searches it by.
struct MailboxIndexEntry
{
    qint64 uid = 0; // the row id: ascending in arrival order and never used again (migration 0011)
    QString id; // the API ID
    qint64 size = 0; // bytes of the stored source
    qint64 receivedMs = 0; // UTC milliseconds since the epoch
    bool read = false;
    bool pinned = false;
    // The decoded header texts the list shows.
    QString from;
    QString to;
    QString cc;
    QString subject;
};
