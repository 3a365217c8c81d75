#pragma once

// How an SmtpClient uses TLS (CONTRACT "Relay, auto-relay and the SMTP client": --relay-tls).
enum class SmtpTlsMode {
    Off, // plain text only; never STARTTLS
    Opportunistic, // STARTTLS when the server offers it (certificate verified unless verifyCertificate false); else
                   // plain
    StartTls, // STARTTLS required: a server not offering it is a failure (no mail sent)
    Implicit, // TLS from the first byte (RFC 8314, "smtps")
};
