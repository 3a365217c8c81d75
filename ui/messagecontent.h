#pragma once

#include <message/transcriptentry.h>
#include <mime/parsedmessage.h>
#include <store/storedmessage.h>

#include <QHash>
#include <QMetaType>

// One message as the message pane shows it, made off the GUI thread: what the store keeps (source, envelope,
// transcript) and the MIME model parsed from it.
struct MessageContent
{
    struct InlinePart
    {
        QString contentType;
        QByteArray bytes;
    };

    StoredMessage stored;
    ParsedMessage parsed;
    Transcript transcript;
    // Inline and attachment parts that an HTML body may show (cid: URLs), by Content-ID, decoded.
    QHash<QString, InlinePart> cidParts;

    bool isValid() const { return !stored.summary.id.isEmpty(); }
    // Reads and parses one message (slow for big ones: call it from a worker thread).
    static MessageContent load(const class MessageStore *store, const QString &id);
};
Q_DECLARE_METATYPE(MessageContent)
