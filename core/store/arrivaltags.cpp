#include "arrivaltags.h"

#include "../message/messagetags.h"
#include "../mime/messagebuilder.h"
#include "../smtp/messagedelivery.h"

namespace {
// The headers are parsed (RFC 5322 §3.4, GMime) only when they hold a '+' at all; a list that does not parse adds
// nothing.
QByteArrayList plusAddressCandidates(const IncomingMessage &message)
{
    QByteArrayList candidates = message.envelope.rcptTo;
    for (const QByteArray &name : { QByteArrayLiteral("To"), QByteArrayLiteral("Cc") }) {
        const QByteArray value = MessageTags::headerValue(message.data, name);
        if (!value.contains('+')) {
            continue;
        }
        QString invalid;
        const std::optional<MailAddressList> addresses
            = MessageBuilder::parseAddresses(QString::fromUtf8(value), &invalid);
        for (const MailAddress &address : addresses.value_or(MailAddressList())) {
            candidates << address.address.toUtf8();
        }
    }
    return candidates;
}
} // namespace

QStringList ArrivalTags::of(const IncomingMessage &message)
{
    return MessageTags::fromArrival(message.data, plusAddressCandidates(message));
}
