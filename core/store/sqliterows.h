#pragma once

#include "../message/messagesummary.h"

#include <QByteArray>
#include <QStringList>

#include <initializer_list>
#include <utility>

class SqliteDatabase;
class SqliteStatement;

// The messages table's rows as values, shared by the SQLite store's writer, indexer and readers: the summary
// columns read back, and what one parse of a stored source puts in them and in the search index.
namespace SqliteRows {
// The columns readSummary() reads, in its order (m: messages).
extern const char *const SummaryColumns;
constexpr int SummaryColumnCount = 23;

// What one parse contributes to a summary and to the search index.
struct ParsedFacts
{
    MessageSummary summary; // the header and MIME fields only
    QString body; // indexed text: the text body and attachment names
};

// The summary needs only the start of the body (the snippet); the index reads up to this much of it.
constexpr qsizetype SummaryBodyLimit = 16 * 1024;
constexpr qsizetype MaxIndexedBody = 256 * 1024;

ParsedFacts parsedFacts(const QByteArray &data, const QStringList &rcptTo, qsizetype bodyLimit);
// The summary's address lists as stored in messages.addresses.
QByteArray addressesColumn(const MessageSummary &s);
// The data as received: the stored source without its trace header (a view, no copy).
QByteArray dataOf(const QByteArray &raw);
QStringList jsonStrings(const QByteArray &json);
// A summary row (SummaryColumns from first). A row not parsed yet is parsed here from its source (db: the
// connection to read it with), so readers never see a half-made summary.
MessageSummary readSummary(const SqliteStatement &st, int first, SqliteDatabase *db);
// Prepares each statement in turn, stopping at the first that fails: a later successful prepare would clear its
// error.
bool prepareAll(
    SqliteDatabase &db, std::initializer_list<std::pair<SqliteStatement *, const char *>> statements, QString *error);
} // namespace SqliteRows
