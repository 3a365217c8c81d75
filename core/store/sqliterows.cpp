#include "sqliterows.h"

#include "../message/messagetags.h"
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

QStringList jsonStrings(const QByteArray &json)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        list << v.toString();
    }
    return list;
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
    ParsedFacts::readAddresses(s, st.columnBlob(first + 13));
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
            ParsedFacts::applyParsed(s,
                ParsedFacts::parse(ParsedFacts::dataOf(raw.columnBlobView(0)), jsonStrings(st.columnBlob(first + 19)),
                    ParsedFacts::SummaryBodyLimit)
                    .summary);
        }
    }
    return s;
}
} // namespace SqliteRows
