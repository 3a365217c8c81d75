#pragma once

#include <QByteArray>

#include <chrono>
#include <variant>

// What an SmtpSession did that its owner may act on, in order (h11's events: small immutable values).
namespace SmtpEvents {
// A command line as received (AUTH secrets masked), or a note such as "[N octets of message data]".
struct ReceivedLine
{
    QByteArray text;
};
// A reply as sent, its lines joined with '\n'.
struct SentReply
{
    QByteArray text;
};
// MAIL, RCPT, RSET, HELO/EHLO or AUTH changed the envelope.
struct EnvelopeChanged
{
};
// takeMessage() holds the message; the session is paused until deliveryFinished().
struct MessageComplete
{
};
// An AUTH exchange ended (its credentials checked, then the auth hook asked).
struct AuthAttempted
{
    QByteArray mechanism; // "PLAIN", "LOGIN" or "CRAM-MD5"
    QByteArray user;
    bool success = false;
};
// The owner must start the TLS handshake now (the 220 is in the output before it), then call tlsStarted().
struct StartTls
{
};
// The owner must send the output and close the connection.
struct Close
{
};
// The next reply is held until the owner calls delayElapsed() (a rule's delay).
struct Delay
{
    std::chrono::milliseconds duration;
};
// Read the client's input at most this many bytes a second from now on (a host rule's bytesPerSecond: CONTRACT
// "Failure scenarios (rules)", a slow server). The owner paces its reads; the session itself has no clock.
struct PaceInput
{
    qint64 bytesPerSecond = 0;
};
// A rule decided the command just answered (for the session log).
struct RuleApplied
{
    QByteArray rule; // "recipient rule 2: regex ^bogus"
    bool refused = false;
    // A refusal at the end of DATA or BDAT: the message data refused (shared, not copied), kept with the session.
    QByteArray data;
};
} // namespace SmtpEvents

using SmtpEvent = std::variant<SmtpEvents::ReceivedLine, SmtpEvents::SentReply, SmtpEvents::EnvelopeChanged,
    SmtpEvents::MessageComplete, SmtpEvents::AuthAttempted, SmtpEvents::StartTls, SmtpEvents::Close, SmtpEvents::Delay,
    SmtpEvents::PaceInput, SmtpEvents::RuleApplied>;
