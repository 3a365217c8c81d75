#pragma once

#include <QByteArray>
#include <QByteArrayList>

// One SMTP reply: a code, an optional enhanced status code (RFC 3463) and one or more text lines.
struct SmtpReply
{
    int code = 0;
    QByteArray enhanced;
    QByteArrayList lines;

    // The reply as sent on the wire, CRLF-terminated, multi-line per RFC 5321 §4.2.1.
    // withEnhanced: whether ENHANCEDSTATUSCODES is in effect (RFC 2034 §3).
    QByteArray toWire(bool withEnhanced) const;
    // The reply as one transcript entry: its wire lines without CRLF, joined with '\n'.
    QByteArray toTranscript(bool withEnhanced) const;
};
