#pragma once

#include <QByteArray>
#include <QByteArrayView>

// The writer of DATA's payload for a client (RFC 5321 §4.5.2): a dot that starts a line is doubled, and the end
// mark follows the message. Lines end in CRLF on the wire (§2.3.8): a bare LF or a bare CR becomes CRLF, so that a
// server which ends lines differently cannot see the end mark early (SMTP smuggling through us). Pure: bytes in,
// bytes out, in as many pieces as the caller likes.
class SmtpDotStuffer
{
public:
    // The next piece of the message, stuffed.
    QByteArray encode(QByteArrayView data);
    // The end mark, CRLF "." CRLF, or "." CRLF when the message ended with a line end (§4.1.1.4).
    QByteArray finish();

    // A whole message, stuffed, with its end mark.
    static QByteArray stuff(QByteArrayView message);

private:
    bool m_atLineStart = true;
    bool m_pendingCr = false; // the last piece ended with a CR: whether an LF follows decides nothing but the CRLF
};
