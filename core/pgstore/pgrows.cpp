#include "pgrows.h"

#include "../message/messagetags.h"
#include "../store/parsedfacts.h"
#include "pgconnection.h"
#include "pgparameter.h"
#include "pgresult.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace PgRows {
const char *const SummaryColumns = "m.uid, m.received, m.mail_from, m.from_header, m.to_header, m.cc_header, "
                                   "m.subject, m.date, m.message_id, m.size, m.has_attachments, m.is_read, "
                                   "m.auth_user, m.addresses, m.snippet, m.attachments, m.inlines, m.id, m.parsed, "
                                   "m.rcpt_to, (SELECT mb.name FROM mailboxes mb WHERE mb.id = m.mailbox_id), "
                                   "m.pinned, (SELECT string_agg(t.name, E'\\n') FROM message_tags mt JOIN tags t "
                                   "ON t.id = mt.tag_id WHERE mt.message_id = m.id)";

MessageSummary readSummary(const PgResult &r, int row, int first, PgConnection *db)
{
    MessageSummary s;
    s.id = r.text(row, first);
    s.receivedMs = r.int64(row, first + 1);
    s.mailFrom = r.text(row, first + 2);
    s.from = r.text(row, first + 3);
    s.to = r.text(row, first + 4);
    s.cc = r.text(row, first + 5);
    s.subject = r.text(row, first + 6);
    s.dateMs = r.int64(row, first + 7);
    s.messageId = r.text(row, first + 8);
    s.size = r.int64(row, first + 9);
    s.hasAttachments = r.boolean(row, first + 10);
    s.read = r.boolean(row, first + 11);
    s.authUser = r.text(row, first + 12);
    ParsedFacts::readAddresses(s, r.text(row, first + 13).toUtf8());
    s.snippet = r.text(row, first + 14);
    s.attachmentCount = int(r.int64(row, first + 15));
    s.inlineCount = int(r.int64(row, first + 16));
    s.mailbox = r.text(row, first + 20);
    s.pinned = r.boolean(row, first + 21);
    // Tag names hold no line breaks (MessageTags::clean()).
    if (!r.isNull(row, first + 22)) {
        s.tags = r.text(row, first + 22).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        MessageTags::sort(s.tags);
    }
    if (!r.boolean(row, first + 18) && db) {
        const PgResult raw = db->exec("SELECT raw FROM message_data WHERE id = $1",
            { PgParameter::int64(r.int64(row, first + 17)) }, PgResult::Format::Binary);
        if (raw.isOk() && raw.rows() == 1) {
            const QByteArray source = raw.bytea(0, 0);
            ParsedFacts::applyParsed(s,
                ParsedFacts::parse(ParsedFacts::dataOf(source), jsonStrings(r.text(row, first + 19).toUtf8()),
                    ParsedFacts::SummaryBodyLimit)
                    .summary);
        }
    }
    return s;
}

Transcript session(PgConnection &db, qint64 lastChunk)
{
    Transcript transcript;
    if (lastChunk <= 0) {
        return transcript;
    }
    // The chain from its newest chunk back, one more than is shown to know whether some are left out.
    const PgResult chain = db.exec("WITH RECURSIVE chain (id, previous_id, depth) AS ("
                                   "SELECT id, previous_id, 1 FROM transcript_chunks WHERE id = $1 "
                                   "UNION ALL SELECT c.id, c.previous_id, chain.depth + 1 FROM transcript_chunks c "
                                   "JOIN chain ON c.id = chain.previous_id WHERE chain.depth <= $2) "
                                   "SELECT id FROM chain ORDER BY depth LIMIT $2 + 1",
        { PgParameter::int64(lastChunk), PgParameter::int64(MaxChunks) });
    if (!chain.isOk()) {
        return transcript;
    }
    QList<qint64> chunks;
    for (int i = 0; i < chain.rows() && i < MaxChunks; ++i) {
        chunks << chain.int64(i, 0);
    }
    if (chain.rows() > MaxChunks) {
        transcript << TranscriptEntry { 0, TranscriptEntry::Direction::In, "[earlier entries omitted]" };
    }
    // Chunks are made in order, so their ids order them as the chain does.
    const PgResult entries = db.exec("SELECT time, direction, text FROM transcript_entries "
                                     "WHERE chunk_id = ANY($1::bigint[]) ORDER BY chunk_id, seq",
        { PgParameter::utf8(arrayLiteral(chunks)) });
    for (int i = 0; entries.isOk() && i < entries.rows(); ++i) {
        transcript << TranscriptEntry { entries.int64(i, 0),
            entries.int64(i, 1) == 0 ? TranscriptEntry::Direction::In : TranscriptEntry::Direction::Out,
            entries.text(i, 2).toUtf8() };
    }
    return transcript;
}

QList<PgParameter> entryArrays(const Transcript &entries)
{
    QList<qint64> times;
    QList<qint64> directions;
    QStringList texts;
    for (const TranscriptEntry &entry : entries) {
        times << entry.timeMs;
        directions << (entry.direction == TranscriptEntry::Direction::In ? 0 : 1);
        texts << text(entry.text);
    }
    return { PgParameter::utf8(arrayLiteral(times)), PgParameter::utf8(arrayLiteral(directions)),
        PgParameter::utf8(arrayLiteral(texts)) };
}

bool insertEntries(PgConnection &db, const char *table, const char *ownerColumn, qint64 owner,
    const Transcript &entries, QString *error)
{
    if (entries.isEmpty()) {
        return true;
    }
    // One statement for the whole transcript: one round trip instead of one per entry.
    const QByteArray sql = QByteArray("INSERT INTO ") + table + " (" + ownerColumn
        + ", seq, time, direction, text) SELECT $1, e.seq - 1, e.time, e.direction, e.text "
          "FROM unnest($2::bigint[], $3::smallint[], $4::text[]) WITH ORDINALITY AS e (time, direction, text, seq)";
    const PgResult inserted = db.exec(sql, QList<PgParameter> { PgParameter::int64(owner) } + entryArrays(entries));
    if (!inserted.isOk()) {
        *error = inserted.errorString();
        return false;
    }
    return true;
}

QString text(const QByteArray &bytes)
{
    QString s = QString::fromUtf8(bytes);
    s.remove(QChar(0));
    return s;
}

QByteArray arrayLiteral(const QStringList &values)
{
    QByteArray out = "{";
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += '"';
        const QByteArray utf8 = values.at(i).toUtf8();
        for (char c : utf8) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

QByteArray arrayLiteral(const QList<qint64> &values)
{
    QByteArray out = "{";
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += QByteArray::number(values.at(i));
    }
    out += '}';
    return out;
}

QByteArray jsonArray(const QStringList &items)
{
    return QJsonDocument(QJsonArray::fromStringList(items)).toJson(QJsonDocument::Compact);
}

QStringList jsonStrings(const QByteArray &json)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        list << v.toString();
    }
    return list;
}
} // namespace PgRows
