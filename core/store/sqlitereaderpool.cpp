#include "sqlitereaderpool.h"

#include "sqlitedatabase.h"

#include <QLoggingCategory>
#include <QThreadPool>

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

struct SqliteReaderPool::Private
{
    std::mutex mutex;
    std::condition_variable released;
    QString path;
    std::vector<std::unique_ptr<SqliteDatabase>> connections;
    std::vector<bool> leased;
    QThreadPool threads;
};

SqliteReaderPool::SqliteReaderPool(int connections) : d(std::make_unique<Private>())
{
    for (int i = 0; i < connections; ++i) {
        d->connections.push_back(std::make_unique<SqliteDatabase>());
        d->leased.push_back(false);
    }
    d->threads.setMaxThreadCount(connections);
    d->threads.setObjectName(QStringLiteral("letterbox-store-readers"));
}

SqliteReaderPool::~SqliteReaderPool()
{
    close();
}

void SqliteReaderPool::setPath(const QString &path)
{
    std::lock_guard lock(d->mutex);
    d->path = path;
}

void SqliteReaderPool::close()
{
    d->threads.waitForDone();
    std::unique_lock lock(d->mutex);
    // Synchronous readers on other threads finish first.
    d->released.wait(
        lock, [this] { return std::find(d->leased.cbegin(), d->leased.cend(), true) == d->leased.cend(); });
    for (auto &connection : d->connections) {
        connection->close();
    }
}

SqliteReaderPool::Lease SqliteReaderPool::acquire()
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
    const QString path = d->path;
    lock.unlock();
    SqliteDatabase &db = *d->connections[slot];
    if (!db.isOpen() && !path.isEmpty()) {
        if (db.open(path, SqliteDatabase::Mode::ReadOnly)) {
            sqlite3_busy_timeout(db.handle(), 5000);
            // Searches read large parts of the full-text index: mapped pages avoid a read() per page (measured: the
            // count of a common word's matches in 100k messages went from ~50 to ~25 ms when not yet cached).
            db.exec("PRAGMA mmap_size=268435456");
            db.exec("PRAGMA cache_size=-16384");
        } else {
            qCWarning(lcStore) << "cannot open a reader on" << path << db.errorString();
        }
    }
    return Lease(this, slot);
}

QThreadPool *SqliteReaderPool::threads() const
{
    return &d->threads;
}

SqliteReaderPool::Lease::Lease(SqliteReaderPool *pool, int slot) : m_pool(pool), m_slot(slot)
{
}

SqliteReaderPool::Lease::~Lease()
{
    {
        std::lock_guard lock(m_pool->d->mutex);
        m_pool->d->leased[m_slot] = false;
    }
    m_pool->d->released.notify_all();
}

SqliteDatabase *SqliteReaderPool::Lease::database() const
{
    SqliteDatabase *db = m_pool->d->connections[m_slot].get();
    return db->isOpen() ? db : nullptr;
}
