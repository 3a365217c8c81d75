#pragma once

#include <QString>

class PgConnection;

// A transaction block on a connection, rolled back on destruction unless committed or rolled back before. After a
// failed statement PostgreSQL refuses every further one until the rollback (SQLSTATE 25P02), and a COMMIT then
// answers ROLLBACK: commit() reports that as a failure, so a caller never takes a rolled-back transaction for done.
class PgTransaction
{
public:
    explicit PgTransaction(PgConnection &connection);
    ~PgTransaction();
    PgTransaction(const PgTransaction &) = delete;
    PgTransaction &operator=(const PgTransaction &) = delete;

    bool begin();
    bool commit();
    bool rollback();
    bool isActive() const { return m_active; }
    QString errorString() const { return m_error; }

private:
    PgConnection &m_connection;
    bool m_active = false;
    QString m_error;
};
