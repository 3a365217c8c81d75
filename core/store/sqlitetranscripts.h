#pragma once

#include "../message/transcriptentry.h"

#include <QString>

class SqliteDatabase;
class SqliteStatement;

// Transcripts as rows (migration 4): a message's session is a chain of chunks in transcript_chunks, each chunk's
// entries in transcript_entries; a kept refused session has its entries in refused_session_entries. The same
// reading of a chain and writing of entries for both.
class SqliteTranscripts
{
public:
    // Past this many chunks (messages of one session), the earliest are left out.
    static constexpr qsizetype MaxChunks = 1000;

    // The session up to lastChunk, oldest entry first; when chunks were left out, one entry
    // "[earlier entries omitted]" stands first in their place. Empty for lastChunk 0.
    static Transcript session(SqliteDatabase &db, qint64 lastChunk);
    // Writes entries in order as (owner, seq, time, direction, text) rows with insert, a prepared INSERT taking those
    // five parameters; direction 0 is from the client, 1 from the server.
    static bool insert(
        SqliteDatabase &db, SqliteStatement &insert, qint64 owner, const Transcript &entries, QString *error);
};
