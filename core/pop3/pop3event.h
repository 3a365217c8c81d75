#pragma once

#include <QByteArray>
#include <QByteArrayList>

#include <variant>

// What a Pop3Session did that its owner may act on, in order (small immutable values, as SmtpEvent).
namespace Pop3Events {
// A command line as received (PASS and AUTH secrets masked).
struct ReceivedLine
{
    QByteArray text;
};
// A reply's status line as sent (a multi-line reply's listing is not repeated).
struct SentReply
{
    QByteArray text;
};
// USER/PASS or AUTH PLAIN gave credentials: the owner checks them and reads the maildrop, then calls
// loginFinished(). The session reads no further command until then.
struct LoginRequested
{
    QByteArray user;
    QByteArray password;
    QByteArray mechanism; // "USER" or "PLAIN"
};
// RETR or TOP: the owner feeds the message's stored source with messageData() and ends with messageDataFinished().
struct RetrieveRequested
{
    int number = 0; // 1-based, as the client named it
    QByteArray id;
    int bodyLines = -1; // TOP's line count; -1 for RETR (the whole message)
    bool markRead = false; // RETR marks the message read (the contract); TOP does not
};
// The owner must start the TLS handshake now (the +OK is in the output before it), then call tlsStarted().
struct StartTls
{
};
// QUIT in the TRANSACTION state with messages marked deleted (RFC 1939 §6, the UPDATE state): the owner deletes
// them, then calls updateFinished().
struct Update
{
    QByteArrayList deletedIds;
};
// The owner must send the output and close the connection.
struct Close
{
};
} // namespace Pop3Events

using Pop3Event = std::variant<Pop3Events::ReceivedLine, Pop3Events::SentReply, Pop3Events::LoginRequested,
    Pop3Events::RetrieveRequested, Pop3Events::StartTls, Pop3Events::Update, Pop3Events::Close>;
