#pragma once

#include "smtpreply.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// Reads a server's replies for an SMTP client (RFC 5321 §4.2): bytes in, one SmtpReply out per complete reply.
// A reply is one or more lines "CODE-text", the last "CODE text" (or the code alone); with ENHANCEDSTATUSCODES
// (RFC 2034) each line's text starts with an enhanced status code (RFC 3463), which goes to SmtpReply::enhanced
// and off the lines. Pure (no socket, h11's way): what is not a reply yet stays buffered, within limits; an error is
// sticky.
class SmtpReplyParser
{
public:
    enum class Status {
        NeedData, // no complete reply buffered
        Reply, // *reply holds the next one
        Error, // the server broke the syntax or a limit; errorString() says how (for good)
    };

    // RFC 5321 §4.5.3.1.5 allows 512 octets a line; servers that send more are read up to this.
    static constexpr qsizetype MaxLineLength = 4096;
    // An EHLO reply has a line per extension: a few dozen at most.
    static constexpr qsizetype MaxLines = 256;

    void feed(QByteArrayView bytes);
    Status next(SmtpReply *reply);

    QString errorString() const { return m_error; }
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos; }

    // The enhanced status code at the start of text for a reply of class codeClass ('2', '4' or '5'): "x.y.z"
    // followed by a space or the end (RFC 3463 §2, RFC 2034 §3, §4), or empty.
    static QByteArrayView enhancedCode(QByteArrayView text, char codeClass);

private:
    Status fail(const QString &error);

    QByteArray m_buffer;
    qsizetype m_pos = 0;
    QString m_error;
};
