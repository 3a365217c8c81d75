#include "remotejson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

qint64 RemoteJson::timeMs(const QJsonValue &value)
{
    const QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toMSecsSinceEpoch() : 0;
}

MessageSummary RemoteJson::summary(const QJsonObject &o)
{
    MessageSummary s;
    s.id = o.value(QLatin1String("ID")).toString();
    s.messageId = o.value(QLatin1String("MessageID")).toString();
    s.read = o.value(QLatin1String("Read")).toBool();
    const MailAddress from = MailAddress::fromJson(o.value(QLatin1String("From")));
    if (!from.address.isEmpty() || !from.name.isEmpty()) {
        s.fromList = { from };
    }
    s.toList = addressListFromJson(o.value(QLatin1String("To")));
    s.ccList = addressListFromJson(o.value(QLatin1String("Cc")));
    s.bccList = addressListFromJson(o.value(QLatin1String("Bcc")));
    s.replyToList = addressListFromJson(o.value(QLatin1String("ReplyTo")));
    s.from = displayString(s.fromList);
    s.to = displayString(s.toList);
    s.cc = displayString(s.ccList);
    s.subject = o.value(QLatin1String("Subject")).toString();
    s.receivedMs = timeMs(o.value(QLatin1String("Created")));
    s.authUser = o.value(QLatin1String("Username")).toString();
    for (const QJsonValue &tag : o.value(QLatin1String("Tags")).toArray()) {
        s.tags << tag.toString();
    }
    s.size = qint64(o.value(QLatin1String("Size")).toDouble());
    // Mailpit's message summary has Attachments as a count, not a list.
    s.attachmentCount = o.value(QLatin1String("Attachments")).toInt();
    s.hasAttachments = s.attachmentCount > 0;
    s.snippet = o.value(QLatin1String("Snippet")).toString();
    s.mailbox = o.value(QLatin1String("Mailbox")).toString();
    s.pinned = o.value(QLatin1String("Pinned")).toBool();
    return s;
}

SearchResult RemoteJson::page(const QJsonObject &object, qint64 *total, qint64 *unread)
{
    SearchResult result;
    for (const QJsonValue &v : object.value(QLatin1String("messages")).toArray()) {
        result.messages.append(summary(v.toObject()));
    }
    const qint64 all = qint64(object.value(QLatin1String("total")).toDouble());
    const qint64 allUnread = qint64(object.value(QLatin1String("unread")).toDouble());
    // messages_count/messages_unread count the matches; a list without a query matches all.
    result.matches = object.contains(QLatin1String("messages_count"))
        ? qint64(object.value(QLatin1String("messages_count")).toDouble())
        : all;
    result.unreadMatches = object.contains(QLatin1String("messages_unread"))
        ? qint64(object.value(QLatin1String("messages_unread")).toDouble())
        : allUnread;
    if (total) {
        *total = all;
    }
    if (unread) {
        *unread = allUnread;
    }
    return result;
}

void RemoteJson::applyEnvelope(const QJsonObject &o, StoredMessage *m)
{
    m->mailFrom = o.value(QLatin1String("MailFrom")).toString();
    m->rcptTo.clear();
    for (const QJsonValue &r : o.value(QLatin1String("RcptTo")).toArray()) {
        m->rcptTo << r.toString();
    }
    m->clientAddress = o.value(QLatin1String("ClientAddress")).toString();
    m->clientPort = o.value(QLatin1String("ClientPort")).toInt();
    m->helo = o.value(QLatin1String("Helo")).toString();
    m->tls = o.value(QLatin1String("Tls")).toBool();
    m->tlsProtocol = o.value(QLatin1String("TlsProtocol")).toString();
    m->tlsCipher = o.value(QLatin1String("TlsCipher")).toString();
    m->authUser = o.value(QLatin1String("Username")).toString();
    m->summary.mailFrom = m->mailFrom;
}

Transcript RemoteJson::transcript(const QJsonObject &object)
{
    Transcript transcript;
    for (const QJsonValue &v : object.value(QLatin1String("Transcript")).toArray()) {
        const QJsonObject e = v.toObject();
        TranscriptEntry entry;
        entry.timeMs = timeMs(e.value(QLatin1String("Time")));
        entry.direction = e.value(QLatin1String("Direction")).toString() == QLatin1String("out")
            ? TranscriptEntry::Direction::Out
            : TranscriptEntry::Direction::In;
        entry.text = e.value(QLatin1String("Text")).toString().toUtf8();
        transcript.append(entry);
    }
    return transcript;
}

QList<MailboxCount> RemoteJson::mailboxes(const QJsonArray &array)
{
    QList<MailboxCount> list;
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        list.append({ o.value(QLatin1String("Name")).toString(), qint64(o.value(QLatin1String("Total")).toDouble()),
            qint64(o.value(QLatin1String("Unread")).toDouble()) });
    }
    return list;
}

QList<TagCount> RemoteJson::tagCounts(const QJsonObject &tags)
{
    QList<TagCount> list;
    for (auto it = tags.constBegin(); it != tags.constEnd(); ++it) {
        list.append({ it.key(), qint64(it.value().toDouble()) });
    }
    return list;
}

QByteArray RemoteJson::body(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}
