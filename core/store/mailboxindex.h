#pragma once

#include "mailboxindexentry.h"

#include <QList>
#include <QString>

// Every message of one mailbox, oldest first, with the values IMAP clients cache a mailbox by (RFC 3501
// §2.3.1.1): uidValidity is fixed when the mailbox is made, uidNext is one past the highest UID it ever had.
struct MailboxIndex
{
    QString name; // as the store spells it
    qint64 uidValidity = 0;
    qint64 uidNext = 1;
    QList<MailboxIndexEntry> entries;
};
