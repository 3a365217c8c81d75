#include "pgresult.h"

#include "pglibrary.h"

#include <QtEndian>

#include <utility>

namespace {
// Built-in type OIDs (src/include/catalog/pg_type.dat), as in pgparameter.cpp.
constexpr Oid ByteaOid = 17;

QString trimmed(const char *message)
{
    return QString::fromUtf8(message).trimmed();
}
} // namespace

PgResult::PgResult(pg_result *result, const QString &error) : m_result(result), m_error(error)
{
    if (m_result && !isOk()) {
        m_error = trimmed(PgLibrary::get().PQresultErrorMessage(m_result));
    }
}

PgResult::~PgResult()
{
    PgLibrary::get().PQclear(m_result);
}

PgResult::PgResult(PgResult &&other) noexcept
    : m_result(std::exchange(other.m_result, nullptr)), m_error(std::move(other.m_error))
{
}

PgResult &PgResult::operator=(PgResult &&other) noexcept
{
    if (this != &other) {
        PgLibrary::get().PQclear(m_result);
        m_result = std::exchange(other.m_result, nullptr);
        m_error = std::move(other.m_error);
    }
    return *this;
}

bool PgResult::isOk() const
{
    if (!m_result) {
        return false;
    }
    const ExecStatusType status = PgLibrary::get().PQresultStatus(m_result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE;
}

QString PgResult::errorString() const
{
    return isOk() ? QString() : m_error;
}

QByteArray PgResult::sqlState() const
{
    return m_result ? QByteArray(PgLibrary::get().PQresultErrorField(m_result, PG_DIAG_SQLSTATE)) : QByteArray();
}

QByteArray PgResult::commandStatus() const
{
    return m_result ? QByteArray(PgLibrary::get().PQcmdStatus(m_result)) : QByteArray();
}

qint64 PgResult::affectedRows() const
{
    return m_result ? QByteArray(PgLibrary::get().PQcmdTuples(m_result)).toLongLong() : 0;
}

int PgResult::rows() const
{
    return m_result ? PgLibrary::get().PQntuples(m_result) : 0;
}

int PgResult::columns() const
{
    return m_result ? PgLibrary::get().PQnfields(m_result) : 0;
}

int PgResult::column(const char *name) const
{
    return m_result ? PgLibrary::get().PQfnumber(m_result, name) : -1;
}

bool PgResult::isNull(int row, int column) const
{
    return !m_result || PgLibrary::get().PQgetisnull(m_result, row, column);
}

QByteArrayView PgResult::view(int row, int column) const
{
    if (!m_result || row < 0 || row >= rows() || column < 0 || column >= columns()) {
        return {};
    }
    return QByteArrayView(
        PgLibrary::get().PQgetvalue(m_result, row, column), PgLibrary::get().PQgetlength(m_result, row, column));
}

QString PgResult::text(int row, int column) const
{
    return QString::fromUtf8(view(row, column));
}

qint64 PgResult::int64(int row, int column) const
{
    const QByteArrayView value = view(row, column);
    if (!m_result || value.isEmpty()) {
        return 0;
    }
    if (PgLibrary::get().PQfformat(m_result, column) == 0) {
        return value.toLongLong();
    }
    // The binary formats of smallint, integer and bigint: two, four or eight bytes in network order.
    switch (value.size()) {
    case 2:
        return qFromBigEndian<qint16>(value.data());
    case 4:
        return qFromBigEndian<qint32>(value.data());
    case 8:
        return qFromBigEndian<qint64>(value.data());
    default:
        return 0;
    }
}

bool PgResult::boolean(int row, int column) const
{
    const QByteArrayView value = view(row, column);
    if (!m_result || value.isEmpty()) {
        return false;
    }
    // Text format: 't' or 'f'; binary: one byte, 1 or 0.
    return PgLibrary::get().PQfformat(m_result, column) == 0 ? value.front() == 't' : value.front() != '\0';
}

QByteArray PgResult::bytea(int row, int column) const
{
    const QByteArrayView value = view(row, column);
    if (!m_result || PgLibrary::get().PQfformat(m_result, column) != 0
        || PgLibrary::get().PQftype(m_result, column) != ByteaOid) {
        return value.toByteArray();
    }
    // bytea in the text format is hex ("\x4142"): decoded by libpq.
    size_t length = 0;
    unsigned char *bytes
        = PgLibrary::get().PQunescapeBytea(reinterpret_cast<const unsigned char *>(value.data()), &length);
    if (!bytes) {
        return {};
    }
    QByteArray decoded(reinterpret_cast<const char *>(bytes), qsizetype(length));
    PgLibrary::get().PQfreemem(bytes);
    return decoded;
}
