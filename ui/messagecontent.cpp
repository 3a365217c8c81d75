#include "messagecontent.h"

#include <store/messagestore.h>

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
    content.transcript = content.stored.transcript;
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
