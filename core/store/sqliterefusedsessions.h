#pragma once

#include "../message/refusedsession.h"
#include "refusedsessionpage.h"

#include <optional>

class SqliteDatabase;

// The SQL of the kept refused sessions (migration 0010; docs/architecture.md "Refused sessions"): written by the
// store's writer thread inside its transactions, read by its readers.
class SqliteRefusedSessions
{
public:
    // Writer: keeps session, with the transcript entries stored with its messages (the chunk chain ending at
    // lastChunk, 0 when it stored none) before its own. Fills session.messages.
    static bool insert(SqliteDatabase &db, RefusedSession &session, qint64 lastChunk, QString *error);
    // Writer: retention, as for messages: past max sessions the oldest go (0 keeps all).
    static bool prune(SqliteDatabase &db, qint64 max, QString *error);
    // Writer: every kept session goes; *removed says how many.
    static bool removeAll(SqliteDatabase &db, qint64 *removed, QString *error);

    // Reader: newest first (by start, then by when they were kept); nullopt when the database cannot be read.
    static std::optional<RefusedSessionPage> page(SqliteDatabase &db, qint64 start, qint64 limit);
    // Reader: one session with its data; nullopt when there is none with that ID.
    static std::optional<RefusedSession> one(SqliteDatabase &db, const QString &id);
};
