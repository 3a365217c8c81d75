#include "pgmigrations.h"

#include "../message/numberedresources.h"
#include "pgconnection.h"
#include "pgparameter.h"
#include "pgtransaction.h"

#include <QFile>

#include <map>

namespace {
// Migration number -> its resource, from the file names' leading numbers.
std::map<int, QString> migrations()
{
    return NumberedResources::in(QStringLiteral(":/letterbox/pgstore/migrations"), QStringLiteral("*.sql"));
}

// The version, after making schema_version if the database has none (0 then).
int readVersion(PgConnection &connection, QString *error)
{
    const PgResult created = connection.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                                             "version integer PRIMARY KEY, "
                                             "applied_at timestamptz NOT NULL DEFAULT now())");
    if (!created.isOk()) {
        *error = created.errorString();
        return -1;
    }
    const PgResult version = connection.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version.isOk()) {
        *error = version.errorString();
        return -1;
    }
    return int(version.int64(0, 0));
}
// An error named by the store it is about.
QString named(const PgConnection &connection, const QString &error)
{
    const QString location = connection.location();
    return location.isEmpty() ? error : QStringLiteral("%1: %2").arg(location, error);
}
} // namespace

int PgMigrations::latestVersion()
{
    const std::map<int, QString> all = migrations();
    return all.empty() ? 0 : all.rbegin()->first;
}

int PgMigrations::currentVersion(PgConnection &connection, QString *error)
{
    const PgResult exists = connection.exec("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists.isOk()) {
        *error = exists.errorString();
        return -1;
    }
    if (!exists.boolean(0, 0)) {
        return 0;
    }
    const PgResult version = connection.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version.isOk()) {
        *error = version.errorString();
        return -1;
    }
    return int(version.int64(0, 0));
}

bool PgMigrations::apply(PgConnection &connection, QString *error)
{
    const std::map<int, QString> all = migrations();
    const int latest = all.empty() ? 0 : all.rbegin()->first;
    PgTransaction transaction(connection);
    if (!transaction.begin()) {
        *error = named(connection, transaction.errorString());
        return false;
    }
    // Held to the end of the transaction: a second instance waits here, and reads the version only after the first
    // has committed (READ COMMITTED: each statement sees what was committed before it began).
    const PgResult locked = connection.exec("SELECT pg_advisory_xact_lock($1)", { PgParameter::int64(LockKey) });
    QString failure;
    const int version = locked.isOk() ? readVersion(connection, &failure) : -1;
    if (version < 0) {
        *error = named(connection, locked.isOk() ? failure : locked.errorString());
        return false;
    }
    if (version > latest) {
        // One arg() for all: a socket directory's %2F in the location is no placeholder.
        *error = QStringLiteral("%1 was made by a newer Letterbox (schema %2, this build knows %3)")
                     .arg(connection.location(), QString::number(version), QString::number(latest));
        return false;
    }
    for (auto it = all.upper_bound(version); it != all.end(); ++it) {
        QFile file(it->second);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("migration to schema %1 is missing from this build").arg(it->first);
            return false;
        }
        const PgResult applied = connection.exec(file.readAll());
        const PgResult recorded = applied.isOk()
            ? connection.exec("INSERT INTO schema_version (version) VALUES ($1)", { PgParameter::int64(it->first) })
            : PgResult();
        if (!applied.isOk() || !recorded.isOk()) {
            *error = named(connection,
                QStringLiteral("migration to schema %1 failed: %2")
                    .arg(QString::number(it->first), applied.isOk() ? recorded.errorString() : applied.errorString()));
            return false;
        }
    }
    if (!transaction.commit()) {
        *error = named(connection, transaction.errorString());
        return false;
    }
    return true;
}
