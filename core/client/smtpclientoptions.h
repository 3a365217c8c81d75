#pragma once

#include "smtpserveraddress.h"
#include "smtptlsmode.h"

#include <QList>
#include <QSslCertificate>
#include <QString>

// What an SmtpClient needs to know before it sends: where, how securely and as whom (tcllib smtp::sendmessage's
// options).
struct SmtpClientOptions
{
    QList<SmtpServerAddress> servers; // tried in turn until one answers (tcllib -servers/-ports)
    SmtpTlsMode tls = SmtpTlsMode::Opportunistic;
    bool verifyCertificate = true; // false: --relay-insecure
    QList<QSslCertificate> caCertificates; // added to the system CAs (tests trust Letterbox's generated cert this way)
    QString heloName; // empty: QSysInfo::machineHostName(), else "localhost"
    QString username; // non-empty: AUTH (PLAIN, LOGIN or CRAM-MD5, whichever the server offers; CRAM-MD5 preferred)
    QString password;
    // AUTH is refused (failure, nothing sent) over a connection that is not encrypted unless tls == Off
    // (CONTRACT "Release": AUTH is sent over plain text only with --relay-tls off).
    // Each step (connect, each reply, TLS handshake) has timeoutMs from its command (or the connection) on; bytes
    // trickling in do not extend it, a complete reply starts the next step.
    int timeoutMs = 30000;
    // The reply to the end of the data: RFC 5321 §4.5.3.2.6 asks for 10 minutes, as a client that gives up
    // earlier sends the message again when the server did take it.
    int finalReplyTimeoutMs = 600000;
};
