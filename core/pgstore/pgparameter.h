#pragma once

#include <QByteArray>
#include <QString>

// One parameter of a statement ($1, $2, …), made by the factory for its kind. Text goes in the text format with its
// type left to the server; bytea, bigint and boolean go in the binary format with their type, so that a 10 MB
// message source is handed to libpq as it is, never escaped. A parameter shares its QByteArray (implicitly shared),
// so making one copies nothing.
class PgParameter
{
public:
    static PgParameter text(const QString &value);
    static PgParameter utf8(const QByteArray &value);
    static PgParameter bytea(const QByteArray &bytes);
    static PgParameter int64(qint64 value);
    static PgParameter boolean(bool value);
    static PgParameter null();

    // The type's OID (0: the server infers it from the statement).
    quint32 type() const { return m_type; }
    const QByteArray &value() const { return m_value; }
    bool isBinary() const { return m_binary; }
    bool isNull() const { return m_null; }

private:
    PgParameter(quint32 type, const QByteArray &value, bool binary, bool null);

    quint32 m_type = 0;
    QByteArray m_value;
    bool m_binary = false;
    bool m_null = false;
};
