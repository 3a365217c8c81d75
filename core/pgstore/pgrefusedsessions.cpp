#include "pgrefusedsessions.h"

#include "../message/messageid.h"
#include "pgconnection.h"
#include "pgparameter.h"
#include "pgresult.h"
#include "pgrows.h"

namespace {
constexpr const char *Columns = "id, uid, session_id, started, ended, client_address, client_port, helo, rules, "
                                "messages, data_size";

// The row's facts, its transcript, and those of its messages still stored.
RefusedSession readRow(PgConnection &db, const PgResult &r, int i)
{
    RefusedSession s;
    const qint64 row = r.int64(i, 0);
    s.id = r.text(i, 1).toLatin1();
    s.sessionKey = quint64(r.int64(i, 2));
    s.startMs = r.int64(i, 3);
    s.endMs = r.int64(i, 4);
    s.clientAddress = r.text(i, 5);
    s.clientPort = quint16(r.int64(i, 6));
    s.helo = r.text(i, 7).toUtf8();
    for (const QString &rule : PgRows::jsonStrings(r.text(i, 8).toUtf8())) {
        s.rules << rule.toUtf8();
    }
    const QString messages = r.text(i, 9);
    s.dataSize = r.int64(i, 10);
    const PgResult entries = db.exec("SELECT time, direction, text FROM refused_session_entries WHERE session_row = $1 "
                                     "ORDER BY seq",
        { PgParameter::int64(row) });
    for (int e = 0; entries.isOk() && e < entries.rows(); ++e) {
        s.transcript << TranscriptEntry { entries.int64(e, 0),
            entries.int64(e, 1) == 0 ? TranscriptEntry::Direction::In : TranscriptEntry::Direction::Out,
            entries.text(e, 2).toUtf8() };
    }
    // Messages deleted since are not named.
    const PgResult present = db.exec("SELECT j.value FROM json_array_elements_text($1::json) WITH ORDINALITY AS j "
                                     "(value, n) WHERE EXISTS (SELECT 1 FROM messages m WHERE m.uid = j.value) "
                                     "ORDER BY j.n",
        { PgParameter::text(messages) });
    for (int m = 0; present.isOk() && m < present.rows(); ++m) {
        s.messages << present.text(m, 0);
    }
    return s;
}
} // namespace

bool PgRefusedSessions::insert(PgConnection &db, RefusedSession &session, qint64 lastChunk, QString *error)
{
    // Its messages: received after it started (IDs sort by time) and from it.
    session.messages.clear();
    if (lastChunk > 0) {
        const QByteArray from = MessageId::generate(session.startMs).left(8);
        const PgResult ids = db.exec("SELECT uid FROM messages WHERE uid >= $1 AND session_id = $2 ORDER BY id",
            { PgParameter::utf8(from), PgParameter::int64(qint64(session.sessionKey)) });
        if (!ids.isOk()) {
            *error = ids.errorString();
            return false;
        }
        for (int i = 0; i < ids.rows(); ++i) {
            session.messages << ids.text(i, 0);
        }
    }
    QStringList rules;
    for (const QByteArray &rule : std::as_const(session.rules)) {
        rules << PgRows::text(rule);
    }
    const PgResult row = db.exec("INSERT INTO refused_sessions (uid, session_id, started, ended, client_address, "
                                 "client_port, helo, rules, messages, data_size, data) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        { PgParameter::utf8(session.id), PgParameter::int64(qint64(session.sessionKey)),
            PgParameter::int64(session.startMs), PgParameter::int64(session.endMs),
            PgParameter::text(session.clientAddress), PgParameter::int64(session.clientPort),
            PgParameter::text(PgRows::text(session.helo)), PgParameter::utf8(PgRows::jsonArray(rules)),
            PgParameter::utf8(PgRows::jsonArray(session.messages)), PgParameter::int64(session.data.size()),
            session.data.isEmpty() ? PgParameter::null() : PgParameter::bytea(session.data) });
    if (!row.isOk()) {
        *error = row.errorString();
        return false;
    }
    const qint64 rowId = row.int64(0, 0);
    // The entries stored with its messages, oldest first, then its own: the whole session, kept apart from the
    // messages so that deleting them leaves it whole.
    Transcript transcript = PgRows::session(db, lastChunk);
    transcript << session.transcript;
    if (!PgRows::insertEntries(db, "refused_session_entries", "session_row", rowId, transcript, error)) {
        return false;
    }
    session.transcript = transcript;
    return true;
}

bool PgRefusedSessions::prune(PgConnection &db, qint64 max, QString *error)
{
    if (max <= 0) {
        return true;
    }
    // The oldest beyond max, in the API's order; their entries go with them (ON DELETE CASCADE).
    const PgResult rows = db.exec("DELETE FROM refused_sessions WHERE id IN (SELECT id FROM refused_sessions "
                                  "ORDER BY started DESC, id DESC OFFSET $1)",
        { PgParameter::int64(max) });
    if (!rows.isOk()) {
        *error = rows.errorString();
        return false;
    }
    return true;
}

bool PgRefusedSessions::removeAll(PgConnection &db, qint64 *removed, QString *error)
{
    const PgResult rows = db.exec("DELETE FROM refused_sessions");
    if (!rows.isOk()) {
        *error = rows.errorString();
        return false;
    }
    *removed = rows.affectedRows();
    return true;
}

std::optional<RefusedSessionPage> PgRefusedSessions::page(PgConnection &db, qint64 start, qint64 limit)
{
    RefusedSessionPage page;
    const PgResult count = db.exec("SELECT count(*) FROM refused_sessions");
    if (!count.isOk()) {
        return std::nullopt;
    }
    page.total = count.int64(0, 0);
    const QByteArray sql
        = QByteArray("SELECT ") + Columns + " FROM refused_sessions ORDER BY started DESC, id DESC LIMIT $1 OFFSET $2";
    const PgResult rows = db.exec(sql, { PgParameter::int64(limit), PgParameter::int64(qMax<qint64>(start, 0)) });
    if (!rows.isOk()) {
        return std::nullopt;
    }
    for (int i = 0; i < rows.rows(); ++i) {
        page.sessions << readRow(db, rows, i);
    }
    return page;
}

std::optional<RefusedSession> PgRefusedSessions::one(PgConnection &db, const QString &id, bool withData)
{
    const QByteArray sql = QByteArray("SELECT ") + Columns + ", data FROM refused_sessions WHERE uid = $1";
    const PgResult rows = db.exec(sql, { PgParameter::text(id) }, PgResult::Format::Binary);
    if (!rows.isOk() || rows.rows() != 1) {
        return std::nullopt;
    }
    RefusedSession s = readRow(db, rows, 0);
    if (withData && !rows.isNull(0, 11)) {
        s.data = rows.bytea(0, 11);
    }
    return s;
}
