#pragma once

#include <QByteArray>

class ClientAddress;
struct SmtpEnvelope;

// The Received: trace header a server prepends (RFC 5321 §4.4, protocols per RFC 3848).
class TraceHeader
{
public:
    // "Received: from HELO ([ADDR]) by HOST (Letterbox) with PROTO id ID; DATE\r\n" on one line.
    static QByteArray received(
        const SmtpEnvelope &envelope, const QByteArray &hostname, const QByteArray &id, qint64 timeMs);
    // The same for a message that did not come over SMTP (POST /api/v1/send, the composer): "from FROM ([ADDR])",
    // without the address literal when address is null, and "with PROTOCOL" left out when protocol is empty (RFC 5321
    // §4.4: Via, With, ID and For are all optional in a Stamp).
    static QByteArray received(const QByteArray &from, const ClientAddress &address, const QByteArray &hostname,
        const QByteArray &protocol, const QByteArray &id, qint64 timeMs);
};
