#include "messagesubmission.h"

#include "../message/clientaddress.h"
#include "../message/messageid.h"
#include "../mime/messagebuilder.h"
#include "../smtp/traceheader.h"

#include <QDateTime>

#include <atomic>

// SMTP sessions and imports count up from the time in ms shifted by 12 bits; submissions and bounces take the upper
// half of those 12 bits, so their keys never meet.
quint64 MessageSubmission::newSessionKey()
{
    static std::atomic<quint64> last { 0 };
    const quint64 now = (quint64(QDateTime::currentMSecsSinceEpoch()) << 12) | 0x800;
    quint64 previous = last.load();
    quint64 next = 0;
    do {
        next = qMax(previous + 1, now);
    } while (!last.compare_exchange_weak(previous, next));
    return next;
}

std::optional<IncomingMessage> MessageSubmission::incoming(const MessageBuilder &builder, Source source,
    const ClientAddress &client, quint16 clientPort, const QByteArray &hostname, qint64 maxSize, qint64 timeMs,
    QString *error)
{
    IncomingMessage in;
    in.receivedMs = timeMs;
    in.id = MessageId::generate(timeMs);
    // RFC 5322 §3.6.4: a unique id on the right of "@" a domain of the host that made it; the API ID is unique.
    const std::optional<QByteArray> data
        = builder.build(QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC), in.id + '@' + hostname, error);
    if (!data) {
        return std::nullopt;
    }
    if (maxSize > 0 && data->size() > maxSize) {
        *error = QStringLiteral("message size %1 exceeds the limit of %2 bytes").arg(data->size()).arg(maxSize);
        return std::nullopt;
    }
    in.data = *data;
    in.envelope.mailFrom = builder.from.address.toUtf8();
    in.envelope.rcptTo = builder.envelopeRecipients();
    in.envelope.helo = source == Source::Api ? QByteArrayLiteral("api") : QByteArrayLiteral("composer");
    in.envelope.clientAddress = client;
    in.envelope.clientPort = clientPort;
    in.sessionKey = newSessionKey();
    // The trace header (RFC 5321 §4.4) names how the message came in. The IANA "Mail Transmission Types" registry
    // (RFC 3848's WITH protocol types) has HTTP for mail submitted over HTTP: the API is plain HTTP. The composer is
    // no transmission at all: its header has no "with" clause and no client address.
    in.traceHeader = source == Source::Api
        ? TraceHeader::received(in.envelope.helo, client, hostname, QByteArrayLiteral("HTTP"), in.id, timeMs)
        : TraceHeader::received(in.envelope.helo, client, hostname, QByteArray(), in.id, timeMs);
    return in;
}
