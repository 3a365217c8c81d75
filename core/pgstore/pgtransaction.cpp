#include "pgtransaction.h"

#include "pgconnection.h"

PgTransaction::PgTransaction(PgConnection &connection) : m_connection(connection)
{
}

PgTransaction::~PgTransaction()
{
    if (m_active) {
        rollback();
    }
}

bool PgTransaction::begin()
{
    const PgResult result = m_connection.exec("BEGIN");
    m_active = result.isOk();
    m_error = result.errorString();
    return m_active;
}

bool PgTransaction::commit()
{
    if (!m_active) {
        m_error = QStringLiteral("no transaction to commit");
        return false;
    }
    const PgResult result = m_connection.exec("COMMIT");
    m_active = false;
    if (!result.isOk()) {
        m_error = result.errorString();
        return false;
    }
    // A COMMIT of a transaction in which a statement failed succeeds as a command and rolls back.
    if (result.commandStatus() == "ROLLBACK") {
        m_error = QStringLiteral("the transaction was rolled back: a statement in it had failed");
        return false;
    }
    m_error.clear();
    return true;
}

bool PgTransaction::rollback()
{
    if (!m_active) {
        m_error = QStringLiteral("no transaction to roll back");
        return false;
    }
    const PgResult result = m_connection.exec("ROLLBACK");
    m_active = false;
    m_error = result.errorString();
    return result.isOk();
}
