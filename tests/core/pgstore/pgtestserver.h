#pragma once

#include <pgstore/pgconnection.h>

#include <QByteArray>
#include <QString>
#include <QUrl>

// The PostgreSQL the tests run against: started around the test binary by tests/interop/pgserver.py (CTest does
// that), which passes its URL in LETTERBOX_TEST_PGURL and the password in PGPASSWORD, libpq's own variable. Each test
// makes a database of its own.
class PgTestServer
{
public:
    // The server's URL (its postgres database); empty when the test runs without pgserver.py.
    static QString url() { return qEnvironmentVariable("LETTERBOX_TEST_PGURL"); }

    static QString databaseUrl(const QString &database)
    {
        QUrl url(PgTestServer::url());
        url.setPath(u'/' + database);
        return url.toString();
    }

    // A new, empty database named name (an earlier one of that name dropped first); its URL, or empty.
    static QString createDatabase(const QString &name, QString *error)
    {
        PgConnection admin;
        if (!admin.open(url())) {
            *error = admin.errorString();
            return QString();
        }
        const QByteArray quoted = '"' + name.toUtf8() + '"';
        if (!admin.exec("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)").isOk()
            || !admin.exec("CREATE DATABASE " + quoted).isOk()) {
            *error = admin.errorString();
            return QString();
        }
        return databaseUrl(name);
    }
};
