#include "sqliterefusedsessions.h"

#include "../message/messageid.h"
#include "sqlitedatabase.h"
#include "sqlitetranscripts.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace {
QByteArray jsonArray(const QStringList &items)
{
    return QJsonDocument(QJsonArray::fromStringList(items)).toJson(QJsonDocument::Compact);
}

QStringList stringsFromJson(const QByteArray &json)
{
    QStringList items;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        items << v.toString();
    }
    return items;
}

constexpr const char *Columns = "id, uid, session_id, started, ended, client_address, client_port, helo, rules, "
                                "messages, data_size";

// The row's facts, its transcript, and those of its messages still stored.
RefusedSession readRow(SqliteDatabase &db, SqliteStatement &st)
{
    RefusedSession s;
    const qint64 row = st.columnInt(0);
    s.id = st.columnBlob(1);
    s.sessionKey = quint64(st.columnInt(2));
    s.startMs = st.columnInt(3);
    s.endMs = st.columnInt(4);
    s.clientAddress = st.columnText(5);
    s.clientPort = quint16(st.columnInt(6));
    s.helo = st.columnBlob(7);
    for (const QString &rule : stringsFromJson(st.columnBlob(8))) {
        s.rules << rule.toUtf8();
    }
    const QByteArray messages = st.columnBlob(9);
    s.dataSize = st.columnInt(10);
    SqliteStatement entries
        = db.prepare("SELECT time, direction, text FROM refused_session_entries WHERE session_row = ?1 ORDER BY seq");
    entries.bind(1, row);
    while (entries.step()) {
        s.transcript << TranscriptEntry { entries.columnInt(0),
            entries.columnInt(1) == 0 ? TranscriptEntry::Direction::In : TranscriptEntry::Direction::Out,
            entries.columnBlob(2) };
    }
    // Messages deleted since are not named.
    SqliteStatement present = db.prepare(
        "SELECT j.value FROM json_each(?1) j WHERE EXISTS (SELECT 1 FROM messages m WHERE m.uid = j.value)");
    present.bind(1, messages);
    while (present.step()) {
        s.messages << present.columnText(0);
    }
    return s;
}
} // namespace

bool SqliteRefusedSessions::insert(SqliteDatabase &db, RefusedSession &session, qint64 lastChunk, QString *error)
{
    // Its messages: received after it started (IDs sort by time, and the uid index finds them) and from it.
    session.messages.clear();
    if (lastChunk > 0) {
        SqliteStatement ids = db.prepare("SELECT uid FROM messages WHERE uid >= ?1 AND session_id = ?2 ORDER BY id");
        const QByteArray from = MessageId::generate(session.startMs).left(8);
        ids.bind(1, from);
        ids.bind(2, qint64(session.sessionKey));
        while (ids.step()) {
            session.messages << ids.columnText(0);
        }
    }
    QStringList rules;
    for (const QByteArray &rule : std::as_const(session.rules)) {
        rules << QString::fromUtf8(rule);
    }
    SqliteStatement row = db.prepare("INSERT INTO refused_sessions (uid, session_id, started, ended, client_address, "
                                     "client_port, helo, rules, messages, data_size, data) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    const QByteArray rulesJson = jsonArray(rules);
    const QByteArray messagesJson = jsonArray(session.messages);
    row.bind(1, session.id);
    row.bind(2, qint64(session.sessionKey));
    row.bind(3, session.startMs);
    row.bind(4, session.endMs);
    row.bind(5, session.clientAddress);
    row.bind(6, qint64(session.clientPort));
    row.bind(7, session.helo);
    row.bind(8, rulesJson);
    row.bind(9, messagesJson);
    row.bind(10, qint64(session.data.size()));
    if (session.data.isEmpty()) {
        row.bindNull(11);
    } else {
        row.bindBlob(11, session.data);
    }
    if (!row.exec()) {
        *error = db.errorString();
        return false;
    }
    const qint64 rowId = db.lastInsertRowId();

    // The entries stored with its messages, oldest first, then its own: the whole session, kept apart from the
    // messages so that deleting them leaves it whole.
    Transcript transcript = SqliteTranscripts::session(db, lastChunk);
    transcript << session.transcript;
    SqliteStatement entry = db.prepare(
        "INSERT INTO refused_session_entries (session_row, seq, time, direction, text) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!SqliteTranscripts::insert(db, entry, rowId, transcript, error)) {
        return false;
    }
    session.transcript = transcript;
    return true;
}

bool SqliteRefusedSessions::prune(SqliteDatabase &db, qint64 max, QString *error)
{
    if (max <= 0) {
        return true;
    }
    // The oldest beyond max, in the API's order.
    SqliteStatement entries = db.prepare("DELETE FROM refused_session_entries WHERE session_row IN (SELECT id FROM "
                                         "refused_sessions ORDER BY started DESC, id DESC LIMIT -1 OFFSET ?1)");
    SqliteStatement rows = db.prepare("DELETE FROM refused_sessions WHERE id IN (SELECT id FROM refused_sessions "
                                      "ORDER BY started DESC, id DESC LIMIT -1 OFFSET ?1)");
    entries.bind(1, max);
    rows.bind(1, max);
    if (!entries.exec() || !rows.exec()) {
        *error = db.errorString();
        return false;
    }
    return true;
}

bool SqliteRefusedSessions::removeAll(SqliteDatabase &db, qint64 *removed, QString *error)
{
    SqliteStatement count = db.prepare("SELECT count(*) FROM refused_sessions");
    *removed = count.step() ? count.columnInt(0) : 0;
    if (!count.isValid() || !db.exec("DELETE FROM refused_session_entries")
        || !db.exec("DELETE FROM refused_sessions")) {
        *error = db.errorString();
        return false;
    }
    return true;
}

std::optional<RefusedSessionPage> SqliteRefusedSessions::page(SqliteDatabase &db, qint64 start, qint64 limit)
{
    RefusedSessionPage page;
    SqliteStatement count = db.prepare("SELECT count(*) FROM refused_sessions");
    if (!count.step()) {
        return std::nullopt;
    }
    page.total = count.columnInt(0);
    const QByteArray sql
        = QByteArray("SELECT ") + Columns + " FROM refused_sessions ORDER BY started DESC, id DESC LIMIT ?1 OFFSET ?2";
    SqliteStatement st = db.prepare(sql.constData());
    st.bind(1, limit);
    st.bind(2, qMax<qint64>(start, 0));
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        page.sessions << readRow(db, st);
    }
    if (!ok) {
        return std::nullopt;
    }
    return page;
}

std::optional<RefusedSession> SqliteRefusedSessions::one(SqliteDatabase &db, const QString &id)
{
    const QByteArray sql = QByteArray("SELECT ") + Columns + ", data FROM refused_sessions WHERE uid = ?1";
    SqliteStatement st = db.prepare(sql.constData());
    st.bind(1, id);
    if (!st.step()) {
        return std::nullopt;
    }
    RefusedSession s = readRow(db, st);
    s.data = st.columnBlob(11);
    return s;
}
