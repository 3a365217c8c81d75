#pragma once

#include <QString>

class PgConnection;

// A session-level advisory lock (pg_advisory_lock) on one bigint key, held by this connection until unlock(), the
// destruction of this object or the end of the connection, whichever comes first; the server releases it when the
// connection ends, also when its process is killed. Instances sharing a database take turns with it (retention runs
// in one instance at a time). For a lock that must end with a transaction, pg_advisory_xact_lock inside it is
// simpler (PgMigrations does that).
class PgAdvisoryLock
{
public:
    enum class Attempt { Acquired, Busy, Failed };

    PgAdvisoryLock(PgConnection &connection, qint64 key);
    ~PgAdvisoryLock();
    PgAdvisoryLock(const PgAdvisoryLock &) = delete;
    PgAdvisoryLock &operator=(const PgAdvisoryLock &) = delete;

    // Waits until the lock is free: only on a thread that may wait (a store thread), never the GUI thread.
    bool lock();
    // Takes the lock if no other session holds it; Busy when one does.
    Attempt tryLock();
    bool unlock();
    bool isHeld() const { return m_held; }
    qint64 key() const { return m_key; }
    QString errorString() const { return m_error; }

private:
    PgConnection &m_connection;
    qint64 m_key;
    bool m_held = false;
    QString m_error;
};
