#include "pgparameter.h"

#include <QtEndian>

namespace {
// Built-in type OIDs, fixed by PostgreSQL's catalog (src/include/catalog/pg_type.dat); the header that names them
// belongs to the server's development files, not libpq's.
constexpr quint32 BoolOid = 16;
constexpr quint32 ByteaOid = 17;
constexpr quint32 Int8Oid = 20;
} // namespace

PgParameter::PgParameter(quint32 type, const QByteArray &value, bool binary, bool null)
    : m_type(type), m_value(value), m_binary(binary), m_null(null)
{
}

PgParameter PgParameter::text(const QString &value)
{
    return PgParameter(0, value.toUtf8(), false, false);
}

PgParameter PgParameter::utf8(const QByteArray &value)
{
    return PgParameter(0, value, false, false);
}

PgParameter PgParameter::bytea(const QByteArray &bytes)
{
    return PgParameter(ByteaOid, bytes, true, false);
}

PgParameter PgParameter::int64(qint64 value)
{
    // The binary format of bigint: eight bytes in network order.
    QByteArray bytes(sizeof(qint64), Qt::Uninitialized);
    qToBigEndian(value, bytes.data());
    return PgParameter(Int8Oid, bytes, true, false);
}

PgParameter PgParameter::boolean(bool value)
{
    return PgParameter(BoolOid, QByteArray(1, value ? '\1' : '\0'), true, false);
}

PgParameter PgParameter::null()
{
    return PgParameter(0, QByteArray(), false, true);
}
