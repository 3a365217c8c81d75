#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "pgparameter.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

class PgConnection;
class PgResult;

// The PostgreSQL store's rows as values, shared by its writer, indexer and readers: the summary columns read back,
// transcripts as chains of chunks (the SQLite store's layout, migration 0001), and the text and array forms its
// parameters take.
namespace PgRows {
// The columns readSummary() reads, in its order (m: messages).
extern const char *const SummaryColumns;
constexpr int SummaryColumnCount = 23;
// Past this many chunks (messages of one session), a transcript leaves the earliest out.
constexpr int MaxChunks = 1000;

// A summary row (SummaryColumns from first). A row not parsed yet is parsed here from its source (db: the
// connection to read it with), so readers never see a half-made summary.
MessageSummary readSummary(const PgResult &result, int row, int first, PgConnection *db);

// The session up to lastChunk, oldest entry first; when chunks were left out, one entry "[earlier entries omitted]"
// stands first in their place. Empty for lastChunk 0.
Transcript session(PgConnection &db, qint64 lastChunk);
// Writes entries in order into table (transcript_entries or refused_session_entries) under owner (its chunk_id or
// session_row column: ownerColumn), in one statement.
// A transcript as three array parameters (times, directions, texts), for
// unnest($n::bigint[], $n+1::smallint[], $n+2::text[]) WITH ORDINALITY.
QList<PgParameter> entryArrays(const Transcript &entries);
bool insertEntries(PgConnection &db, const char *table, const char *ownerColumn, qint64 owner,
    const Transcript &entries, QString *error);

// Bytes a client sent, as text PostgreSQL takes: invalid UTF-8 becomes U+FFFD and NUL characters go (a text
// value cannot hold them).
QString text(const QByteArray &bytes);
// A PostgreSQL array literal of the values ({"a","b"}), for a text[] (or, cast, bigint[]) parameter.
QByteArray arrayLiteral(const QStringList &values);
QByteArray arrayLiteral(const QList<qint64> &values);
QByteArray jsonArray(const QStringList &items);
QStringList jsonStrings(const QByteArray &json);
} // namespace PgRows
