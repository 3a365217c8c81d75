#pragma once

#include <QString>

#include <memory>

class QThreadPool;
class SqliteDatabase;

// Read-only SQLite connections to one database, each used by one thread at a time (WAL lets them read while the
// writer commits), and the threads that run the store's asynchronous reads. A connection is opened when first
// leased; acquire() waits while every connection is leased.
class SqliteReaderPool
{
public:
    // connections: how many readers at once; as many threads run asynchronous reads.
    explicit SqliteReaderPool(int connections);
    ~SqliteReaderPool();
    SqliteReaderPool(const SqliteReaderPool &) = delete;
    SqliteReaderPool &operator=(const SqliteReaderPool &) = delete;

    void setPath(const QString &path);
    // Waits for the asynchronous reads, then closes every connection (they reopen when leased again).
    void close();

    // A leased connection, given back when the lease ends. database() is nullptr when it could not be opened.
    class Lease
    {
    public:
        Lease(SqliteReaderPool *pool, int slot);
        ~Lease();
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        SqliteDatabase *database() const;

    private:
        SqliteReaderPool *m_pool;
        int m_slot;
    };
    Lease acquire();

    // Where asynchronous reads run.
    QThreadPool *threads() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
