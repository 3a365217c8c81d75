#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

struct pg_result;

// The result of one statement, cleared on destruction. Failure is isOk() plus errorString() and the five-character
// SQLSTATE (sqlState(), e.g. "42P01" for an unknown table). The typed getters read both result formats: text, and
// binary, which a statement asks for when it reads bytea (a source comes back as its bytes, not as hex).
class PgResult
{
public:
    enum class Format { Text, Binary };

    PgResult() = default;
    // Takes result (may be null: then error says why, from the connection).
    PgResult(pg_result *result, const QString &error);
    ~PgResult();
    PgResult(PgResult &&other) noexcept;
    PgResult &operator=(PgResult &&other) noexcept;
    PgResult(const PgResult &) = delete;
    PgResult &operator=(const PgResult &) = delete;

    bool isOk() const;
    QString errorString() const;
    QByteArray sqlState() const;
    // The command tag: "INSERT 0 1", "COMMIT", or "ROLLBACK" for a COMMIT of a failed transaction.
    QByteArray commandStatus() const;
    // Rows an INSERT, UPDATE, DELETE, … touched.
    qint64 affectedRows() const;

    int rows() const;
    int columns() const;
    // The index of the column named name, -1 when there is none.
    int column(const char *name) const;
    bool isNull(int row, int column) const;
    QString text(int row, int column) const;
    // smallint, integer and bigint columns.
    qint64 int64(int row, int column) const;
    bool boolean(int row, int column) const;
    // A bytea column's bytes (a copy), or another column's raw value.
    QByteArray bytea(int row, int column) const;
    // The value's bytes as they arrived, without a copy: valid while this result lives. For a binary-format bytea,
    // the bytes themselves.
    QByteArrayView view(int row, int column) const;

private:
    pg_result *m_result = nullptr;
    QString m_error;
};
