#pragma once

#include "../message/refusedsession.h"
#include "../store/refusedsessionpage.h"

#include <optional>

class PgConnection;

// The SQL of the kept refused sessions in the PostgreSQL store (as SqliteRefusedSessions in the SQLite store;
// docs/architecture.md "Refused sessions"): written by the store's writer inside its transactions, read by its
// readers.
class PgRefusedSessions
{
public:
    // Writer: keeps session, with the transcript entries stored with its messages (the chunk chain ending at
    // lastChunk, 0 when it stored none) before its own. Fills session.messages.
    static bool insert(PgConnection &db, RefusedSession &session, qint64 lastChunk, QString *error);
    // Writer: retention, as for messages: past max sessions the oldest go (0 keeps all).
    static bool prune(PgConnection &db, qint64 max, QString *error);
    // Writer: every kept session goes; *removed says how many.
    static bool removeAll(PgConnection &db, qint64 *removed, QString *error);

    // Reader: newest first (by start, then by when they were kept); nullopt when the database cannot be read.
    static std::optional<RefusedSessionPage> page(PgConnection &db, qint64 start, qint64 limit);
    // Reader: one session, with its data when withData; nullopt when there is none with that ID.
    static std::optional<RefusedSession> one(PgConnection &db, const QString &id, bool withData = true);
};
