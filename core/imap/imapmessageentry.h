#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

// One message of a selected IMAP mailbox as the store has it (RFC 3501 §2.3): what the session needs to number,
// flag, size and search it without its source. Flags are the store's: \Seen is the read state, \Flagged the pin.
struct ImapMessageEntry
{
    quint32 uid = 0; // persistent, ascending, never reused (RFC 3501 §2.3.1.1)
    QByteArray id; // the API ID, how the owner asks the store for the message
    qint64 size = 0; // RFC822.SIZE: bytes of the stored source
    qint64 receivedMs = 0; // INTERNALDATE: UTC milliseconds since the epoch
    bool seen = false;
    bool flagged = false;
    // Decoded header texts, for SEARCH FROM/TO/CC/SUBJECT (substring, without regard to case).
    QString from;
    QString to;
    QString cc;
    QString subject;
};
Q_DECLARE_METATYPE(ImapMessageEntry)
