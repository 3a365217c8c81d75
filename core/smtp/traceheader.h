#pragma once

#include <QByteArray>

struct SmtpEnvelope;

// The Received: trace header a server prepends (RFC 5321 §4.4, protocols per RFC 3848).
class TraceHeader
{
public:
    // "Received: from HELO ([ADDR]) by HOST (Letterbox) with PROTO id ID; DATE\r\n" on one line.
    static QByteArray received(
        const SmtpEnvelope &envelope, const QByteArray &hostname, const QByteArray &id, qint64 timeMs);
};
