#pragma once

#include <QByteArray>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

// A prepared statement, finalized on destruction.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3 *db, const char *sql);
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    bool isValid() const { return m_stmt != nullptr; }
    void bind(int index, qint64 value);
    void bind(int index, const QByteArray &utf8); // as TEXT; the bytes must outlive step()
    void bind(int index, const QString &text);
    void bindBlob(int index, const QByteArray &bytes); // the bytes must outlive step()
    void bindZeroBlob(int index, qint64 size);
    void bindNull(int index);
    // SQLITE_ROW: true; SQLITE_DONE: false with ok; errors: false without ok.
    bool step(bool *ok = nullptr);
    // Runs to completion and resets; returns false on error.
    bool exec();
    void reset();

    qint64 columnInt(int index) const;
    QString columnText(int index) const;
    QByteArray columnBlob(int index) const;
    // The column's bytes without a copy: valid until the next step(), reset() or destruction.
    QByteArray columnBlobView(int index) const;

private:
    sqlite3_stmt *m_stmt = nullptr;
};

// One SQLite connection, closed on destruction. Failure is a bool plus errorString() (Qt style).
class SqliteDatabase
{
public:
    enum class Mode { ReadWrite, ReadOnly };
    SqliteDatabase() = default;
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase &) = delete;
    SqliteDatabase &operator=(const SqliteDatabase &) = delete;

    bool open(const QString &path, Mode mode);
    void close();
    bool isOpen() const { return m_db != nullptr; }
    bool exec(const char *sql);
    SqliteStatement prepare(const char *sql);
    qint64 lastInsertRowId() const;
    int changes() const;
    QString errorString() const;
    // The extended result code of the last failed call (SQLITE_FULL, …).
    int errorCode() const;
    sqlite3 *handle() const { return m_db; }

private:
    sqlite3 *m_db = nullptr;
    QString m_openError;
};
