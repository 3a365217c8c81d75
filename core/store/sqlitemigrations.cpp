#include "sqlitemigrations.h"

#include "../message/numberedresources.h"
#include "sqlitedatabase.h"

#include <QFile>

#include <map>

namespace {
// Migration number -> its resource, from the file names' leading numbers.
std::map<int, QString> migrations()
{
    return NumberedResources::in(QStringLiteral(":/letterbox/store/migrations"), QStringLiteral("*.sql"));
}

int currentVersion(SqliteDatabase &db)
{
    SqliteStatement version = db.prepare("PRAGMA user_version");
    const int userVersion = version.step() ? int(version.columnInt(0)) : 0;
    if (userVersion > 0) {
        return userVersion;
    }
    // Before migration 3 the version was a row of its own table.
    SqliteStatement legacy = db.prepare("SELECT max(version) FROM schema_version");
    return legacy.isValid() && legacy.step() ? int(legacy.columnInt(0)) : 0;
}
} // namespace

int SqliteMigrations::latestVersion()
{
    const std::map<int, QString> all = migrations();
    return all.empty() ? 0 : all.rbegin()->first;
}

bool SqliteMigrations::apply(SqliteDatabase &db, QString *error)
{
    const std::map<int, QString> all = migrations();
    const int latest = all.empty() ? 0 : all.rbegin()->first;
    const int version = currentVersion(db);
    if (version > latest) {
        *error = QStringLiteral("made by a newer Letterbox (schema %1, this build knows %2)").arg(version).arg(latest);
        return false;
    }
    for (auto it = all.upper_bound(version); it != all.end(); ++it) {
        QFile file(it->second);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("migration to schema %1 is missing from this build").arg(it->first);
            return false;
        }
        const QByteArray sql = file.readAll();
        const QByteArray bump = "PRAGMA user_version = " + QByteArray::number(it->first);
        if (!db.exec("BEGIN IMMEDIATE") || !db.exec(sql.constData()) || !db.exec(bump.constData())
            || !db.exec("COMMIT")) {
            *error = QStringLiteral("migration to schema %1 failed: %2").arg(it->first).arg(db.errorString());
            db.exec("ROLLBACK");
            return false;
        }
    }
    return true;
}
