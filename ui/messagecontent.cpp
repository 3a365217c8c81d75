#include "messagecontent.h"

#include <store/messagestore.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {
Transcript transcriptFromJson(const QByteArray &json)
{
    Transcript transcript;
    const QJsonArray entries = QJsonDocument::fromJson(json).object().value(QLatin1String("Transcript")).toArray();
    transcript.reserve(entries.size());
    for (const QJsonValue &value : entries) {
        const QJsonObject o = value.toObject();
        TranscriptEntry entry;
        entry.timeMs
            = QDateTime::fromString(o.value(QLatin1String("Time")).toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
        entry.direction = o.value(QLatin1String("Direction")).toString() == QLatin1String("out")
            ? TranscriptEntry::Direction::Out
            : TranscriptEntry::Direction::In;
        entry.text = o.value(QLatin1String("Text")).toString().toUtf8();
        transcript << entry;
    }
    return transcript;
}
} // namespace

MessageContent MessageContent::load(const MessageStore *store, const QString &id)
{
    MessageContent content;
    std::optional<StoredMessage> stored = store->message(id);
    if (!stored) {
        return content;
    }
    content.stored = std::move(*stored);
    content.parsed = ParsedMessage::parse(content.stored.raw);
    content.parsed.addEnvelopeRecipients(content.stored.rcptTo);
    content.transcript = transcriptFromJson(content.stored.transcriptJson);
    QStringList ids;
    QHash<QString, const MimePart *> byPart;
    for (const MimePart &part : std::as_const(content.parsed.parts)) {
        if (!part.contentId.isEmpty() && part.role != MimePart::Role::Container) {
            ids << part.partId;
            byPart.insert(part.partId, &part);
        }
    }
    if (!ids.isEmpty()) {
        const QHash<QString, QByteArray> bytes = ParsedMessage::partContents(content.stored.raw, ids);
        for (auto it = bytes.cbegin(); it != bytes.cend(); ++it) {
            const MimePart *part = byPart.value(it.key());
            content.cidParts.insert(part->contentId, { part->contentType, it.value() });
        }
    }
    return content;
}
