#include "sqliterows.h"

#include "../message/messagetags.h"
#include "../mime/parsedmessage.h"
#include "sqlitedatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace SqliteRows {
const char *const SummaryColumns = "m.uid, m.received, m.mail_from, m.from_header, m.to_header, m.cc_header, "
                                   "m.subject, m.date, m.message_id, m.size, m.has_attachments, m.is_read, "
                                   "m.auth_user, m.addresses, m.snippet, m.attachments, m.inlines, m.id, m.parsed, "
                                   "m.rcpt_to, (SELECT mb.name FROM mailboxes mb WHERE mb.id = m.mailbox_id), "
                                   "m.pinned, (SELECT group_concat(t.name, char(10)) FROM message_tags mt JOIN tags t "
                                   "ON t.id = mt.tag_id WHERE mt.message_id = m.id)";

// The summary's address lists as stored in messages.addresses.
QByteArray addressesColumn(const MessageSummary &s)
{
    const QJsonObject o { { QStringLiteral("From"), toJson(s.fromList) }, { QStringLiteral("To"), toJson(s.toList) },
        { QStringLiteral("Cc"), toJson(s.ccList) }, { QStringLiteral("Bcc"), toJson(s.bccList) },
        { QStringLiteral("ReplyTo"), toJson(s.replyToList) } };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

ParsedFacts parsedFacts(const QByteArray &data, const QStringList &rcptTo, qsizetype bodyLimit)
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

// Prepares each statement in turn, stopping at the first that fails: a later successful prepare would clear its
// error.
bool prepareAll(
    SqliteDatabase &db, std::initializer_list<std::pair<SqliteStatement *, const char *>> statements, QString *error)
{
    for (const auto &[statement, sql] : statements) {
        *statement = db.prepare(sql);
        if (!statement->isValid()) {
            *error = db.errorString();
            return false;
        }
    }
    return true;
}

// The data as received: the stored source without its trace header (a view, no copy).
QByteArray dataOf(const QByteArray &raw)
{
    const qsizetype eol = raw.indexOf("\r\n");
    if (!raw.startsWith("Received:") || eol < 0) {
        return raw;
    }
    return QByteArray::fromRawData(raw.constData() + eol + 2, raw.size() - eol - 2);
}

QStringList jsonStrings(const QByteArray &json)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        list << v.toString();
    }
    return list;
}

static void applyParsed(MessageSummary &s, const MessageSummary &parsed)
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

// A summary row (SummaryColumns from first). A row not parsed yet is parsed here from its source (db: the
// connection to read it with), so readers never see a half-made summary.
MessageSummary readSummary(const SqliteStatement &st, int first, SqliteDatabase *db)
{
    MessageSummary s;
    s.id = st.columnText(first);
    s.receivedMs = st.columnInt(first + 1);
    s.mailFrom = st.columnText(first + 2);
    s.from = st.columnText(first + 3);
    s.to = st.columnText(first + 4);
    s.cc = st.columnText(first + 5);
    s.subject = st.columnText(first + 6);
    s.dateMs = st.columnInt(first + 7);
    s.messageId = st.columnText(first + 8);
    s.size = st.columnInt(first + 9);
    s.hasAttachments = st.columnInt(first + 10) != 0;
    s.read = st.columnInt(first + 11) != 0;
    s.authUser = st.columnText(first + 12);
    const QJsonObject addresses = QJsonDocument::fromJson(st.columnBlob(first + 13)).object();
    s.fromList = addressListFromJson(addresses[QLatin1String("From")]);
    s.toList = addressListFromJson(addresses[QLatin1String("To")]);
    s.ccList = addressListFromJson(addresses[QLatin1String("Cc")]);
    s.bccList = addressListFromJson(addresses[QLatin1String("Bcc")]);
    s.replyToList = addressListFromJson(addresses[QLatin1String("ReplyTo")]);
    s.snippet = st.columnText(first + 14);
    s.attachmentCount = int(st.columnInt(first + 15));
    s.inlineCount = int(st.columnInt(first + 16));
    s.mailbox = st.columnText(first + 20);
    s.pinned = st.columnInt(first + 21) != 0;
    // Tag names hold no line breaks (MessageTags::clean()).
    const QString tags = st.columnText(first + 22);
    if (!tags.isEmpty()) {
        s.tags = tags.split(QLatin1Char('\n'));
        MessageTags::sort(s.tags);
    }
    if (st.columnInt(first + 18) == 0 && db) {
        SqliteStatement raw = db->prepare("SELECT raw FROM message_data WHERE id = ?1");
        raw.bind(1, st.columnInt(first + 17));
        if (raw.step()) {
            applyParsed(s,
                parsedFacts(dataOf(raw.columnBlobView(0)), jsonStrings(st.columnBlob(first + 19)), SummaryBodyLimit)
                    .summary);
        }
    }
    return s;
}
} // namespace SqliteRows
