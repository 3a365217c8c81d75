#pragma once

#include "mailboxindexentry.h"

#include <QList>
#include <QString>

// Every message of one mailbox, oldest first, with the values IMAP clients cache a mailbox by (RFC 3501
// §2.3.1.1): uidValidity is fixed when the mailbox is made, uidNext is one past the highest UID it ever had.
struct MailboxIndex
{
    // The header texts of the entries: as the store has them (a message not parsed yet, during a flood, has none: a
    // read without parsing, cheap enough for every change a client in IDLE is told of), or parsed where they are not
    // yet (for a search by them).
    enum class Texts { AsStored, Parsed };

    QString name; // as the store spells it
    qint64 uidValidity = 0;
    qint64 uidNext = 1;
    QList<MailboxIndexEntry> entries;
};
