#pragma once

#include "../message/mailboxname.h"
#include "../message/messagesummary.h"
#include "../message/refusedsession.h"
#include "../message/transcriptentry.h"
#include "smtpenvelope.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <vector>

// A message the SMTP side hands over for storage (tcllib smtpd's "deliver").
struct IncomingMessage
{
    QByteArray id; // the API ID, already named in the trace header
    SmtpEnvelope envelope;
    qint64 receivedMs = 0;
    QByteArray traceHeader; // prepended to data in the stored source
    QByteArray data; // as received, after dot-unstuffing
    // The session this message came from, and its transcript entries not yet stored with an earlier
    // message of that session (ending with this message's final reply). The store keeps them per session,
    // so that each message can show the whole session up to its final reply.
    quint64 sessionKey = 0;
    Transcript transcript;
    // The other sessions open when this message was handed over: a hint that more messages are about to arrive,
    // so that a group commit may wait a moment (at most MessageStore's CommitDelay, 300 µs) to take them along.
    // Every open session counts, not only those in a transaction: the sessions whose messages the previous commit
    // just acknowledged send their next ones while this one waits (docs/benchmarks.md "Where a 1 KB message's time
    // goes").
    int otherSessions = 0;
    // The listener it came in on, as the user wrote it ("127.0.0.1:2526"); "" when it came in otherwise (the API's
    // send, the composer, an import). Mailbox routes match it (CONTRACT "Mailboxes").
    QString listener;
    // A copy of a message routed to several mailboxes: the first copy's ID (RoutedDelivery::copies()); empty for the
    // first copy and every other message. The copies were relayed once, as one message, and share its relay log.
    QByteArray copyOf;
    // A bounce (CONTRACT "Failure scenarios (rules)"): the ID of the message it reports on and the rule that made it
    // ("recipient rule 3: glob *@bounce.test"); empty for every other message. The original links back to it.
    QByteArray bounceOf;
    QByteArray bounceRule;
    // The mailbox it is stored into (CONTRACT "Mailboxes"), made on its first message; Inbox unless a route says
    // otherwise. A name MailboxName does not accept fails the delivery.
    QString mailbox = MailboxName::inbox();
};

struct DeliveryResult
{
    bool ok = false;
    QString errorString;
    // The facts known at delivery (ID, time, envelope sender, AUTH user, size); the parsed header fields are
    // filled in by the store later (MessageStore::summary() has them at once).
    MessageSummary summary;
};

// A message and whom to tell when it is durable (MessageDelivery::deliverAll()).
struct Delivery
{
    IncomingMessage message;
    std::function<void(const DeliveryResult &)> done;
};

// Where complete messages go. deliver() may be called from any thread and must not block;
// done is called exactly once, from any thread, only after the message is durable (or has failed).
class MessageDelivery
{
public:
    virtual ~MessageDelivery() = default;
    virtual void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) = 0;
    // Several messages at once, in this order, with deliver()'s promises for each: a store with group commit takes
    // them in one go (one wake-up of its writer, one commit when it is idle). The network thread hands over what
    // one pass over its connections completed.
    virtual void deliverAll(std::vector<Delivery> deliveries)
    {
        for (Delivery &delivery : deliveries) {
            deliver(std::move(delivery.message), std::move(delivery.done));
        }
    }
    // An SMTP session in which a rule refused something, once it has ended (docs/architecture.md "Refused
    // sessions"): kept by a store, written by its writer thread later; never blocks, and nobody waits for it. A
    // delivery that keeps no sessions (a test's) lets it go.
    virtual void keepRefusedSession(RefusedSession session) { Q_UNUSED(session) }
};
