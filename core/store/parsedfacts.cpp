#include "parsedfacts.h"

#include "../mime/parsedmessage.h"

#include <QJsonDocument>
#include <QJsonObject>

ParsedFacts ParsedFacts::parse(const QByteArray &data, const QStringList &rcptTo, qsizetype bodyLimit)
{
    ParsedMessage parsed = ParsedMessage::parse(data, bodyLimit);
    parsed.addEnvelopeRecipients(rcptTo);
    ParsedFacts f;
    MessageSummary &s = f.summary;
    s.fromList = parsed.from;
    s.toList = parsed.to;
    s.ccList = parsed.cc;
    s.bccList = parsed.bcc;
    s.replyToList = parsed.replyTo;
    s.from = displayString(parsed.from);
    s.to = displayString(parsed.to);
    s.cc = displayString(parsed.cc);
    s.subject = parsed.subject;
    s.dateMs = parsed.date.isValid() ? parsed.date.toMSecsSinceEpoch() : 0;
    s.messageId = parsed.messageId;
    s.snippet = parsed.snippet;
    f.body = parsed.text.left(MaxIndexedBody);
    for (const MimePart &p : std::as_const(parsed.parts)) {
        if (p.role == MimePart::Role::Attachment) {
            ++s.attachmentCount;
        } else if (p.role == MimePart::Role::Inline) {
            ++s.inlineCount;
        } else {
            continue;
        }
        if (!p.fileName.isEmpty()) {
            f.body += QLatin1Char('\n') + p.fileName;
        }
    }
    s.hasAttachments = s.attachmentCount > 0;
    return f;
}

QByteArray ParsedFacts::addressesJson(const MessageSummary &s)
{
    const QJsonObject o { { QStringLiteral("From"), toJson(s.fromList) }, { QStringLiteral("To"), toJson(s.toList) },
        { QStringLiteral("Cc"), toJson(s.ccList) }, { QStringLiteral("Bcc"), toJson(s.bccList) },
        { QStringLiteral("ReplyTo"), toJson(s.replyToList) } };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void ParsedFacts::readAddresses(MessageSummary &s, const QByteArray &json)
{
    const QJsonObject addresses = QJsonDocument::fromJson(json).object();
    s.fromList = addressListFromJson(addresses[QLatin1String("From")]);
    s.toList = addressListFromJson(addresses[QLatin1String("To")]);
    s.ccList = addressListFromJson(addresses[QLatin1String("Cc")]);
    s.bccList = addressListFromJson(addresses[QLatin1String("Bcc")]);
    s.replyToList = addressListFromJson(addresses[QLatin1String("ReplyTo")]);
}

QByteArray ParsedFacts::dataOf(const QByteArray &raw)
{
    const qsizetype eol = raw.indexOf("\r\n");
    if (!raw.startsWith("Received:") || eol < 0) {
        return raw;
    }
    return QByteArray::fromRawData(raw.constData() + eol + 2, raw.size() - eol - 2);
}

void ParsedFacts::applyParsed(MessageSummary &s, const MessageSummary &parsed)
{
    const MessageSummary envelope = s;
    s = parsed;
    s.id = envelope.id;
    s.receivedMs = envelope.receivedMs;
    s.mailFrom = envelope.mailFrom;
    s.authUser = envelope.authUser;
    s.size = envelope.size;
    s.read = envelope.read;
    s.mailbox = envelope.mailbox;
    s.tags = envelope.tags;
    s.pinned = envelope.pinned;
}
