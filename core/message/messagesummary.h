#pragma once

#include <QMetaType>
#include <QString>

// The list-view facts of a stored message, taken from its envelope and headers at ingest.
struct MessageSummary
{
    QString id; // the API ID
    qint64 receivedMs = 0; // UTC milliseconds since the epoch
    QString mailFrom; // envelope sender
    QString from; // decoded header values (RFC 2047), unfolded
    QString to;
    QString cc;
    QString subject;
    qint64 dateMs = 0; // the Date header; 0 when missing or unparsable
    QString messageId; // without angle brackets
    qint64 size = 0; // bytes of the stored source
    bool hasAttachments = false;
    bool read = false;
};
Q_DECLARE_METATYPE(MessageSummary)
