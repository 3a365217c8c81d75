#pragma once

#include <QString>

class PgConnection;

// The PostgreSQL store's schema as numbered migrations: core/pgstore/migrations/NNNN-what.sql, compiled in as Qt
// resources (:/letterbox/pgstore/migrations/), numbered as the SQLite store's (SqliteMigrations). apply() runs every
// migration the database lacks in ONE transaction that first takes a transaction-level advisory lock, so instances
// starting together migrate once: the others wait for the lock, then find the schema current. Each migration
// applied is a row of schema_version (version, applied_at); a database whose version is newer than this build's is
// refused, naming the store.
class PgMigrations
{
public:
    // The advisory lock key migrations take: "LBMIGRAT" in ASCII, unlikely to meet another application's key.
    static constexpr qint64 LockKey = 0x4C424D4947524154;

    // The number of the last migration this build knows.
    static int latestVersion();
    // The version the database is at (0: none applied), or -1 and *error when it cannot be read.
    static int currentVersion(PgConnection &connection, QString *error);
    // Brings the database up to latestVersion(). False (and *error) when a migration failed (nothing of the
    // transaction stays) or the database was made by a newer build.
    static bool apply(PgConnection &connection, QString *error);
};
