#pragma once

#include <QByteArray>
#include <QString>

// The summary fields read from a message's header block only (full MIME parsing is core/mime's job).
struct HeaderSummary
{
    QString from;
    QString to;
    QString cc;
    QString subject;
    qint64 dateMs = 0;
    QString messageId;
    bool hasAttachments = false;

    static HeaderSummary fromMessage(const QByteArray &message);
    // RFC 2047 encoded-words in an unstructured or address header value, to Unicode.
    static QString decodeWords(const QByteArray &value);
};
