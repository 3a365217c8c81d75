#include "pgreaderpool.h"

#include "pgconnection.h"

#include <QThreadPool>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

struct PgReaderPool::Private
{
    std::mutex mutex;
    std::condition_variable released;
    QString url;
    std::vector<std::unique_ptr<PgConnection>> connections;
    std::vector<bool> leased;
    std::vector<QString> errors;
    QThreadPool threads;
};

PgReaderPool::PgReaderPool(int connections) : d(std::make_unique<Private>())
{
    for (int i = 0; i < connections; ++i) {
        d->connections.push_back(std::make_unique<PgConnection>());
        d->leased.push_back(false);
        d->errors.emplace_back();
    }
    d->threads.setMaxThreadCount(connections);
    d->threads.setObjectName(QStringLiteral("letterbox-pgstore-readers"));
}

PgReaderPool::~PgReaderPool()
{
    close();
}

void PgReaderPool::setUrl(const QString &url)
{
    std::lock_guard lock(d->mutex);
    d->url = url;
}

void PgReaderPool::close()
{
    d->threads.waitForDone();
    std::unique_lock lock(d->mutex);
    d->released.wait(
        lock, [this] { return std::find(d->leased.cbegin(), d->leased.cend(), true) == d->leased.cend(); });
    for (auto &connection : d->connections) {
        connection->close();
    }
}

PgReaderPool::Lease PgReaderPool::acquire()
{
    std::unique_lock lock(d->mutex);
    int slot = -1;
    d->released.wait(lock, [this, &slot] {
        for (size_t i = 0; i < d->leased.size(); ++i) {
            if (!d->leased[i]) {
                slot = int(i);
                return true;
            }
        }
        return false;
    });
    d->leased[slot] = true;
    const QString url = d->url;
    lock.unlock();
    PgConnection &connection = *d->connections[size_t(slot)];
    // A connection the server dropped (a restart, a terminated backend) is opened afresh.
    if (!connection.isOpen() && !url.isEmpty()) {
        d->errors[size_t(slot)] = connection.open(url) ? QString() : connection.errorString();
    }
    return Lease(this, slot);
}

QThreadPool *PgReaderPool::threads() const
{
    return &d->threads;
}

PgReaderPool::Lease::Lease(PgReaderPool *pool, int slot) : m_pool(pool), m_slot(slot)
{
}

PgReaderPool::Lease::~Lease()
{
    PgConnection &connection = *m_pool->d->connections[size_t(m_slot)];
    if (connection.inTransaction()) {
        connection.exec("ROLLBACK");
    }
    {
        std::lock_guard lock(m_pool->d->mutex);
        m_pool->d->leased[size_t(m_slot)] = false;
    }
    m_pool->d->released.notify_all();
}

PgConnection *PgReaderPool::Lease::connection() const
{
    PgConnection *connection = m_pool->d->connections[size_t(m_slot)].get();
    return connection->isOpen() ? connection : nullptr;
}

QString PgReaderPool::Lease::error() const
{
    const QString error = m_pool->d->errors[size_t(m_slot)];
    return error.isEmpty() ? QStringLiteral("the message store is not open") : error;
}
