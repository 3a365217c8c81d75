#include "pglibrary.h"

#include <QLibrary>
#include <QMutex>

namespace {
template<typename Function>
bool resolve(QLibrary &library, const char *name, Function *function)
{
    *function = reinterpret_cast<Function>(library.resolve(name));
    return *function != nullptr;
}

PgLibrary functions;
bool loaded = false;
} // namespace

const PgLibrary *PgLibrary::load(QString *error)
{
    static QMutex mutex;
    static QString problem;
    QMutexLocker lock(&mutex);
    if (loaded) {
        return &functions;
    }
    if (!problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    // libpq.so.5 (Linux), libpq.5.dylib (macOS), then an unversioned name (libpq.dll on Windows, a build's own).
    QLibrary library;
    library.setFileNameAndVersion(QStringLiteral("pq"), 5);
    if (!library.load()) {
        library.setFileName(QStringLiteral("libpq"));
        if (!library.load()) {
            library.setFileName(QStringLiteral("pq"));
        }
    }
    if (!library.isLoaded() && !library.load()) {
        problem = QStringLiteral("cannot load libpq (Debian: libpq5): %1").arg(library.errorString());
        *error = problem;
        return nullptr;
    }
    const bool complete = true && resolve(library, "PQbackendPID", &functions.PQbackendPID)
        && resolve(library, "PQclear", &functions.PQclear) && resolve(library, "PQcmdStatus", &functions.PQcmdStatus)
        && resolve(library, "PQcmdTuples", &functions.PQcmdTuples)
        && resolve(library, "PQconnectdbParams", &functions.PQconnectdbParams)
        && resolve(library, "PQconsumeInput", &functions.PQconsumeInput) && resolve(library, "PQdb", &functions.PQdb)
        && resolve(library, "PQerrorMessage", &functions.PQerrorMessage)
        && resolve(library, "PQescapeIdentifier", &functions.PQescapeIdentifier)
        && resolve(library, "PQexec", &functions.PQexec) && resolve(library, "PQexecParams", &functions.PQexecParams)
        && resolve(library, "PQexecPrepared", &functions.PQexecPrepared)
        && resolve(library, "PQfformat", &functions.PQfformat) && resolve(library, "PQfinish", &functions.PQfinish)
        && resolve(library, "PQfnumber", &functions.PQfnumber) && resolve(library, "PQfreemem", &functions.PQfreemem)
        && resolve(library, "PQftype", &functions.PQftype) && resolve(library, "PQgetisnull", &functions.PQgetisnull)
        && resolve(library, "PQgetlength", &functions.PQgetlength)
        && resolve(library, "PQgetvalue", &functions.PQgetvalue) && resolve(library, "PQhost", &functions.PQhost)
        && resolve(library, "PQnfields", &functions.PQnfields) && resolve(library, "PQnotifies", &functions.PQnotifies)
        && resolve(library, "PQntuples", &functions.PQntuples) && resolve(library, "PQport", &functions.PQport)
        && resolve(library, "PQprepare", &functions.PQprepare)
        && resolve(library, "PQresultErrorField", &functions.PQresultErrorField)
        && resolve(library, "PQresultErrorMessage", &functions.PQresultErrorMessage)
        && resolve(library, "PQresultStatus", &functions.PQresultStatus)
        && resolve(library, "PQserverVersion", &functions.PQserverVersion)
        && resolve(library, "PQsetNoticeProcessor", &functions.PQsetNoticeProcessor)
        && resolve(library, "PQsocket", &functions.PQsocket) && resolve(library, "PQstatus", &functions.PQstatus)
        && resolve(library, "PQtransactionStatus", &functions.PQtransactionStatus)
        && resolve(library, "PQunescapeBytea", &functions.PQunescapeBytea)
        && resolve(library, "PQuser", &functions.PQuser);
    if (!complete) {
        problem = QStringLiteral("libpq lacks a function this build uses: %1").arg(library.errorString());
        *error = problem;
        return nullptr;
    }
    // Kept loaded for the life of the process (QLibrary's destructor does not unload).
    loaded = true;
    return &functions;
}

const PgLibrary &PgLibrary::get()
{
    return functions;
}
