#include "sqlitetranscripts.h"

#include "sqlitedatabase.h"

#include <QList>

Transcript SqliteTranscripts::session(SqliteDatabase &db, qint64 lastChunk)
{
    SqliteStatement previous = db.prepare("SELECT previous_id FROM transcript_chunks WHERE id = ?1");
    QList<qint64> chunks;
    bool truncated = false;
    for (qint64 link = lastChunk; link > 0;) {
        if (chunks.size() == MaxChunks) {
            truncated = true;
            break;
        }
        previous.bind(1, link);
        if (!previous.step()) {
            break;
        }
        chunks.prepend(link);
        link = previous.columnInt(0);
        previous.reset();
    }
    Transcript transcript;
    if (truncated) {
        transcript << TranscriptEntry { 0, TranscriptEntry::Direction::In, "[earlier entries omitted]" };
    }
    SqliteStatement entries
        = db.prepare("SELECT time, direction, text FROM transcript_entries WHERE chunk_id = ?1 ORDER BY seq");
    for (qint64 chunk : std::as_const(chunks)) {
        entries.bind(1, chunk);
        while (entries.step()) {
            transcript << TranscriptEntry { entries.columnInt(0),
                entries.columnInt(1) == 0 ? TranscriptEntry::Direction::In : TranscriptEntry::Direction::Out,
                entries.columnBlob(2) };
        }
        entries.reset();
    }
    return transcript;
}

bool SqliteTranscripts::insert(
    SqliteDatabase &db, SqliteStatement &insert, qint64 owner, const Transcript &entries, QString *error)
{
    for (qsizetype seq = 0; seq < entries.size(); ++seq) {
        const TranscriptEntry &entry = entries.at(seq);
        insert.bind(1, owner);
        insert.bind(2, qint64(seq));
        insert.bind(3, entry.timeMs);
        insert.bind(4, qint64(entry.direction == TranscriptEntry::Direction::In ? 0 : 1));
        insert.bind(5, entry.text);
        if (!insert.exec()) {
            *error = db.errorString();
            return false;
        }
    }
    return true;
}
