#pragma once

#include <QString>

#include <memory>

class PgConnection;
class QThreadPool;

// The PostgreSQL store's reading connections, each used by one thread at a time, and the threads that run its
// asynchronous reads. A connection is opened when first leased, and opened again when it was found broken (the
// server restarted): a read during an outage fails, the next one after it works. acquire() waits while every
// connection is leased. Thread-safe.
class PgReaderPool
{
public:
    // connections: how many reads at once; as many threads run asynchronous reads.
    explicit PgReaderPool(int connections);
    ~PgReaderPool();
    PgReaderPool(const PgReaderPool &) = delete;
    PgReaderPool &operator=(const PgReaderPool &) = delete;

    void setUrl(const QString &url);
    // Waits for the asynchronous reads and the leases, then closes every connection (they reopen when leased again).
    void close();

    // A leased connection, given back when the lease ends (left outside any transaction). connection() is nullptr
    // when it could not be opened; error() then says why.
    class Lease
    {
    public:
        Lease(PgReaderPool *pool, int slot);
        ~Lease();
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        PgConnection *connection() const;
        QString error() const;

    private:
        PgReaderPool *m_pool;
        int m_slot;
    };
    Lease acquire();

    // Where asynchronous reads run.
    QThreadPool *threads() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
