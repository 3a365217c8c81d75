#pragma once

#include <QString>

class SqliteDatabase;

// The SQLite store's schema as numbered migrations: core/store/migrations/NNNN-what.sql, compiled in as Qt
// resources (:/letterbox/store/migrations/), applied in the order of their numbers, each once and in a transaction
// of its own that also sets PRAGMA user_version to its number. Stores made before the version moved there kept it
// in a schema_version table, which is read once and then dropped (migration 3).
class SqliteMigrations
{
public:
    // The number of the last migration this build knows.
    static int latestVersion();
    // Brings db up to latestVersion(). False (and *error) when a migration failed (its transaction is rolled back)
    // or the database was made by a newer build.
    static bool apply(SqliteDatabase &db, QString *error);
};
