#pragma once

#include "transcriptentry.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QMetaType>
#include <QString>
#include <QStringList>

// An SMTP session in which a rule refused something, as the store keeps it (issue 16 "Refused sessions are kept";
// docs/architecture.md "Refused sessions"): who, when, which rules refused, its transcript, and the message data a
// rule refused at the end of DATA or BDAT.
struct RefusedSession
{
    QByteArray id; // the API ID (MessageId's form), made when the session ended
    quint64 sessionKey = 0; // the SMTP session's key, shared with the transcript chunks of its stored messages
    qint64 startMs = 0; // UTC milliseconds: the connection was accepted
    qint64 endMs = 0; // the connection closed
    QString clientAddress;
    quint16 clientPort = 0;
    QByteArray helo; // the last HELO/EHLO argument; empty when none was given
    QByteArrayList rules; // the refusing rules in the order they fired ("recipient rule 2: regex ^bogus")
    // Handed to the store: the entries not stored with a message of the session. Read back: the whole session,
    // the entries stored with its messages first.
    Transcript transcript;
    QByteArray data; // the refused message data (dot-unstuffed); empty when no data was refused
    qint64 dataSize = 0; // data's size; read back without the data by list reads
    QStringList messages; // read back: the API IDs of the messages the session delivered and still stored
};
Q_DECLARE_METATYPE(RefusedSession)
