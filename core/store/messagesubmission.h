#pragma once

#include "../smtp/messagedelivery.h"

#include <QByteArray>
#include <QString>

#include <optional>

class ClientAddress;
struct MessageBuilder;

// A message made in Letterbox rather than received over SMTP: POST /api/v1/send and the composer's "Send to
// Letterbox". It is stored through the same delivery path as an SMTP message (MessageDelivery::deliver()), so it is
// listed, announced (the "new" event) and pruned like one. CONTRACT "Extensions' JSON": MAIL FROM is the From
// address, RCPT TO the To, Cc and Bcc addresses, HELO names the way it came ("api", "composer"), the client is the
// API caller (none for the composer), and the transcript is empty.
class MessageSubmission
{
public:
    enum class Source { Api, Composer };

    // The delivery of builder's message, received at timeMs; nullopt and *error when the builder refuses it
    // (MessageBuilder::build()) or the message is larger than maxSize bytes (--max-message-size, as over SMTP).
    static std::optional<IncomingMessage> incoming(const MessageBuilder &builder, Source source,
        const ClientAddress &client, quint16 clientPort, const QByteArray &hostname, qint64 maxSize, qint64 timeMs,
        QString *error);
    // A store session of its own (IncomingMessage::sessionKey) for a message Letterbox makes: a submission, a bounce.
    static quint64 newSessionKey();
};
