#include "pgadvisorylock.h"

#include "pgconnection.h"
#include "pgparameter.h"

PgAdvisoryLock::PgAdvisoryLock(PgConnection &connection, qint64 key) : m_connection(connection), m_key(key)
{
}

PgAdvisoryLock::~PgAdvisoryLock()
{
    if (m_held && m_connection.isOpen()) {
        unlock();
    }
}

bool PgAdvisoryLock::lock()
{
    if (m_held) {
        return true;
    }
    const PgResult result = m_connection.exec("SELECT pg_advisory_lock($1)", { PgParameter::int64(m_key) });
    m_held = result.isOk();
    m_error = result.errorString();
    return m_held;
}

PgAdvisoryLock::Attempt PgAdvisoryLock::tryLock()
{
    if (m_held) {
        return Attempt::Acquired;
    }
    const PgResult result = m_connection.exec("SELECT pg_try_advisory_lock($1)", { PgParameter::int64(m_key) });
    m_error = result.errorString();
    if (!result.isOk() || result.rows() != 1) {
        return Attempt::Failed;
    }
    m_held = result.boolean(0, 0);
    return m_held ? Attempt::Acquired : Attempt::Busy;
}

bool PgAdvisoryLock::unlock()
{
    if (!m_held) {
        m_error = QStringLiteral("the lock is not held");
        return false;
    }
    const PgResult result = m_connection.exec("SELECT pg_advisory_unlock($1)", { PgParameter::int64(m_key) });
    // A lost connection's locks are gone with its session. On a live one a failed statement (inside a transaction
    // already aborted, say) released nothing: the lock is still held, until a later unlock() or the session's end.
    if (result.isOk() || !m_connection.isOpen()) {
        m_held = false;
    }
    m_error = result.errorString();
    return result.isOk() && result.boolean(0, 0);
}
