#pragma once

#include "searchresult.h"

#include <QString>

#include <chrono>
#include <mutex>

struct SqliteWriter;
struct ParsedFacts;

// Parsing and full-text indexing in the SQLite store, off the SMTP reply path: between deliveries on the writer's
// thread and connection (indexWhileIdle()), and before a complete search, which has the writer index what was
// stored before it in slices that deliveries interleave with (indexThrough()). docs/architecture.md "Parsing and
// indexing, off the reply path" says why.
class SqliteIndexer
{
public:
    explicit SqliteIndexer(SqliteWriter &writer);

    // Indexes up to max messages not in the search index yet with row ids up to upTo, inside the caller's
    // transaction on the writer thread, stopping early after budget. Returns how many, or -1 on error.
    int indexPending(int max, std::chrono::milliseconds budget, qint64 upTo, QString *error);
    // Between deliveries (writer thread): one short indexing transaction. False when there was nothing to do or it
    // failed.
    bool indexWhileIdle();
    // Before a complete search (any thread but the writer's): indexes every message with a row id up to
    // watermark, a slice per writer transaction. False (and *error) when indexing failed.
    bool indexThrough(qint64 watermark, QString *error);
    // Readies a search: a complete one indexes what was stored before it; an IndexedOnly one reports the backlog
    // it may miss in *unindexedNow.
    bool prepareSearch(SearchCompleteness completeness, qint64 *unindexedNow, QString *error);

private:
    bool index(qint64 rowId, const ParsedFacts &facts, QString *error);

    SqliteWriter &m_writer;
    // One complete search at a time drives the indexing; others wait, then find their part done.
    std::mutex m_driverMutex;
};
