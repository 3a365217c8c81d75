#pragma once

#include <libpq-fe.h>

#include <QString>

// libpq, loaded when the first PostgreSQL connection opens (QLibrary), not linked: libpq brings OpenSSL's libssl and
// libcrypto with it, and a catcher on its SQLite store maps no TLS library until it needs one (docs/architecture.md
// "PostgreSQL store"). The functions the store uses, as pointers named as libpq names them. Only PgConnection and
// PgResult call them: a PgResult exists only after a connection opened, so the library is loaded by then.
struct PgLibrary
{
    decltype(&::PQbackendPID) PQbackendPID = nullptr;
    decltype(&::PQclear) PQclear = nullptr;
    decltype(&::PQcmdStatus) PQcmdStatus = nullptr;
    decltype(&::PQcmdTuples) PQcmdTuples = nullptr;
    decltype(&::PQconnectdbParams) PQconnectdbParams = nullptr;
    decltype(&::PQconsumeInput) PQconsumeInput = nullptr;
    decltype(&::PQdb) PQdb = nullptr;
    decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
    decltype(&::PQescapeIdentifier) PQescapeIdentifier = nullptr;
    decltype(&::PQexec) PQexec = nullptr;
    decltype(&::PQexecParams) PQexecParams = nullptr;
    decltype(&::PQexecPrepared) PQexecPrepared = nullptr;
    decltype(&::PQfformat) PQfformat = nullptr;
    decltype(&::PQfinish) PQfinish = nullptr;
    decltype(&::PQfnumber) PQfnumber = nullptr;
    decltype(&::PQfreemem) PQfreemem = nullptr;
    decltype(&::PQftype) PQftype = nullptr;
    decltype(&::PQgetisnull) PQgetisnull = nullptr;
    decltype(&::PQgetlength) PQgetlength = nullptr;
    decltype(&::PQgetvalue) PQgetvalue = nullptr;
    decltype(&::PQhost) PQhost = nullptr;
    decltype(&::PQnfields) PQnfields = nullptr;
    decltype(&::PQnotifies) PQnotifies = nullptr;
    decltype(&::PQntuples) PQntuples = nullptr;
    decltype(&::PQport) PQport = nullptr;
    decltype(&::PQprepare) PQprepare = nullptr;
    decltype(&::PQresultErrorField) PQresultErrorField = nullptr;
    decltype(&::PQresultErrorMessage) PQresultErrorMessage = nullptr;
    decltype(&::PQresultStatus) PQresultStatus = nullptr;
    decltype(&::PQserverVersion) PQserverVersion = nullptr;
    decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor = nullptr;
    decltype(&::PQsocket) PQsocket = nullptr;
    decltype(&::PQstatus) PQstatus = nullptr;
    decltype(&::PQtransactionStatus) PQtransactionStatus = nullptr;
    decltype(&::PQunescapeBytea) PQunescapeBytea = nullptr;
    decltype(&::PQuser) PQuser = nullptr;

    // The loaded library; nullptr (and *error) when it cannot be loaded, or lacks a function.
    static const PgLibrary *load(QString *error);
    // After a successful load().
    static const PgLibrary &get();
};
