#pragma once

#include "imapfetchitem.h"
#include "imapmessageentry.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QList>
#include <QString>

#include <variant>

// A SEARCH BODY or TEXT key (RFC 3501 §6.4.4): a substring of the body, or of the whole message, without regard to
// case. The owner answers these, as they need the messages' text.
struct ImapTextQuery
{
    QString needle;
    bool wholeMessage = false; // TEXT: header and body; BODY: the body only
};

// What an ImapSession did that its owner may act on, in order (small immutable values, as Pop3Event). Each
// *Requested event pauses the session until the owner calls the matching *Finished() (it may do so at once).
namespace ImapEvents {
// A command line as received (the secrets of LOGIN and AUTHENTICATE masked).
struct ReceivedLine
{
    QByteArray text;
};
// A tagged reply, or BYE, as sent.
struct SentReply
{
    QByteArray text;
};
// LOGIN or AUTHENTICATE PLAIN: the owner checks the credentials and names the login's mailbox, which the client
// sees as INBOX: loginFinished().
struct LoginRequested
{
    QByteArray user;
    QByteArray password;
    QByteArray mechanism; // "LOGIN" or "PLAIN"
};
// LIST or LSUB: the owner names every mailbox there is: listFinished().
struct ListRequested
{
};
// SELECT, EXAMINE, STATUS, or a refresh of the selected mailbox before a command (so that a change made in the app
// shows at the client's next command): the owner reads the mailbox: mailboxFinished().
struct MailboxRequested
{
    enum class Purpose { Select, Examine, Status, Refresh };
    // INBOX already replaced by the login's mailbox; any other name as the client gave it (the owner matches it
    // without regard to case).
    QString mailbox;
    Purpose purpose = Purpose::Select;
    // For a refresh: the command about to run ("SEARCH", "UID FETCH"…): a search by header texts needs them for
    // every message, also those the store has not parsed yet.
    QByteArray command;
};
// FETCH or UID FETCH with an item that needs the message's source (or that sets \Seen): for each target, in order,
// the owner feeds the whole untagged response ("* N FETCH (...)" CRLF) through fetchData(), then calls
// fetchFinished(). Items are in the client's order; UID FETCH has Uid among them (RFC 3501 §6.4.8).
struct FetchRequested
{
    struct Target
    {
        int sequence = 0; // the message sequence number
        ImapMessageEntry entry;
        bool deleted = false; // \Deleted, which the session keeps
    };
    QList<Target> targets;
    QList<ImapFetchItem> items;
    // Some item sets \Seen and the mailbox is read-write: the owner marks the targets read in the store and their
    // FLAGS (with \Seen) are part of the response (RFC 3501 §6.4.5).
    bool markSeen = false;
};
// STORE or UID STORE changing \Seen or \Flagged: the owner changes the store: storeFinished(). (\Deleted is the
// session's.)
struct StoreRequested
{
    QByteArrayList markRead;
    QByteArrayList markUnread;
    QByteArrayList pin;
    QByteArrayList unpin;
};
// EXPUNGE or CLOSE: the owner deletes these messages from the store: expungeFinished().
struct ExpungeRequested
{
    QByteArrayList ids;
};
// SEARCH with BODY or TEXT keys: the owner says which of ids match each query: searchTextFinished().
struct SearchTextRequested
{
    QByteArrayList ids;
    QList<ImapTextQuery> queries;
};
// IDLE (RFC 2177) began: the owner calls mailboxChanged() whenever the selected mailbox changes, until IdleEnded.
struct IdleStarted
{
};
struct IdleEnded
{
};
// The owner must start the TLS handshake now (the OK is in the output before it), then call tlsStarted().
struct StartTls
{
};
// The owner must send the output and close the connection.
struct Close
{
};
} // namespace ImapEvents

using ImapEvent = std::variant<ImapEvents::ReceivedLine, ImapEvents::SentReply, ImapEvents::LoginRequested,
    ImapEvents::ListRequested, ImapEvents::MailboxRequested, ImapEvents::FetchRequested, ImapEvents::StoreRequested,
    ImapEvents::ExpungeRequested, ImapEvents::SearchTextRequested, ImapEvents::IdleStarted, ImapEvents::IdleEnded,
    ImapEvents::StartTls, ImapEvents::Close>;
