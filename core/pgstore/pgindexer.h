#pragma once

#include <QString>

#include <chrono>

class PgConnection;

// Parsing and search indexing in the PostgreSQL store, off the SMTP reply path (as SqliteIndexer is): fills a
// message's summary columns (parsed) and its lower-cased search texts (message_search, migration 0002; indexed).
// Each slice is a short transaction of its own on the connection given: the writer's between deliveries, a reader's
// before a complete search. Rows are taken FOR UPDATE SKIP LOCKED, so instances sharing the database index side by
// side without waiting for each other, and a slice never waits for a lock once it holds its rows (no deadlock with
// the writers).
class PgIndexer
{
public:
    // Indexes up to max messages not indexed yet with ids up to upTo, stopping early after budget. Returns how many,
    // or -1 (and *error) on failure (the slice is rolled back: indexed stays false).
    static int indexSlice(PgConnection &db, qint64 upTo, int max, std::chrono::milliseconds budget, QString *error);
    // Indexes every message with an id up to watermark, slice by slice, waiting for the slices other instances hold
    // (at most timeout). False (and *error) when indexing failed.
    static bool indexThrough(PgConnection &db, qint64 watermark, std::chrono::milliseconds timeout, QString *error);
};
