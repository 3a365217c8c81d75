#pragma once

#include "../message/messagesummary.h"
#include "parsedfacts.h"

#include <QByteArray>
#include <QStringList>

#include <initializer_list>
#include <utility>

class SqliteDatabase;
class SqliteStatement;

// The messages table's rows as values, shared by the SQLite store's writer, indexer and readers: the summary
// columns read back (what one parse of a stored source puts in them is ParsedFacts).
namespace SqliteRows {
// The columns readSummary() reads, in its order (m: messages).
extern const char *const SummaryColumns;
constexpr int SummaryColumnCount = 23;

QStringList jsonStrings(const QByteArray &json);
// A summary row (SummaryColumns from first). A row not parsed yet is parsed here from its source (db: the
// connection to read it with), so readers never see a half-made summary.
MessageSummary readSummary(const SqliteStatement &st, int first, SqliteDatabase *db);
// Prepares each statement in turn, stopping at the first that fails: a later successful prepare would clear its
// error.
bool prepareAll(
    SqliteDatabase &db, std::initializer_list<std::pair<SqliteStatement *, const char *>> statements, QString *error);
} // namespace SqliteRows
