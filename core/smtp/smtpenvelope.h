#pragma once

#include "../message/clientaddress.h"
#include "smtpbounce.h"

#include <QByteArray>
#include <QByteArrayList>

// The SMTP envelope of one transaction, plus the session facts stored with its message.
struct SmtpEnvelope
{
    QByteArray mailFrom; // without angle brackets; empty for the null sender <>
    QByteArrayList rcptTo;
    // The accepted recipients a rule bounces (a subset of rcptTo, in its order); never stored with the message.
    SmtpBounces bounces;
    QByteArray helo;
    bool esmtp = false; // EHLO (true) or HELO (false)
    QByteArray authUser; // empty when not authenticated
    bool tls = false;
    QByteArray tlsProtocol; // "TLSv1.3", when tls
    QByteArray tlsCipher; // "TLS_AES_256_GCM_SHA384", when tls
    bool smtpUtf8 = false;
    ClientAddress clientAddress; // as the session took it: IPv4-mapped IPv6 peers as IPv4
    quint16 clientPort = 0;

    // RFC 3848 "with" protocol: SMTP/ESMTP, plus S for TLS and A for AUTH.
    QByteArray protocol() const
    {
        QByteArray p = esmtp ? "ESMTP" : "SMTP";
        if (esmtp && tls) {
            p += 'S';
        }
        if (esmtp && !authUser.isEmpty()) {
            p += 'A';
        }
        return p;
    }
};
