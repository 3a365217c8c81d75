#pragma once

#include <QString>

#include <variant>

// What an SmtpClientSession did that its owner must act on, in order (h11's events: small immutable values).
namespace SmtpClientEvents {
// A step began ("EHLO", "STARTTLS", "MAIL FROM", …): for progress reports.
struct Progress
{
    QString step;
};
// The 220 to STARTTLS came: the owner sends the output, starts the TLS handshake, then calls tlsStarted().
struct StartTls
{
};
// The send is decided: result() holds how. The owner sends the output (QUIT, when the connection is still sound)
// and closes the connection.
struct Finished
{
};
} // namespace SmtpClientEvents

using SmtpClientEvent
    = std::variant<SmtpClientEvents::Progress, SmtpClientEvents::StartTls, SmtpClientEvents::Finished>;
