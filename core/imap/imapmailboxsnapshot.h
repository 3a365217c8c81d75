#pragma once

#include "imapmessageentry.h"

#include <QList>
#include <QString>

// A mailbox as of one read of the store: its messages oldest first (ascending UID), and the values an IMAP client
// caches it by (RFC 3501 §2.3.1.1): UIDVALIDITY stays the same across restarts, UIDNEXT only grows.
struct ImapMailboxSnapshot
{
    QString name; // the store's mailbox name (MailboxName), not the folder name the client used
    quint32 uidValidity = 1;
    quint32 uidNext = 1;
    // The store's generation (MessageStore::generation()) when it was read; 0: unknown. A refresh with the
    // generation already announced changes nothing, so the session skips comparing it message by message.
    quint64 generation = 0;
    // Every entry has its header texts (from, to, cc, subject), also a message the store has not parsed yet: a
    // search by them may use these entries. A refresh that brings them is compared even at a generation announced.
    bool headerTexts = false;
    QList<ImapMessageEntry> messages;
};
