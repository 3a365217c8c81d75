#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>

#include <functional>
#include <memory>

// A result made on a store thread (a reader, the writer) and handed to a callback on the caller's thread. The
// callback runs on context's thread from its event loop, and not at all when context is destroyed first: it is
// carried by a QFutureWatcher that context owns (Qt's promise/future pair is safe across threads, a raw pointer to
// context is not). Made on context's thread.
template<typename T>
class StoreReply
{
public:
    StoreReply(QObject *context, std::function<void(const T &)> done) : m_promise(std::make_shared<QPromise<T>>())
    {
        m_promise->start();
        if (!context || !done) {
            return;
        }
        auto *watcher = new QFutureWatcher<T>(context);
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, done = std::move(done)] {
            watcher->deleteLater();
            if (watcher->future().resultCount() > 0) {
                done(watcher->result());
            }
        });
        watcher->setFuture(m_promise->future());
    }

    // From any thread, once.
    void finish(const T &value) const
    {
        m_promise->addResult(value);
        m_promise->finish();
    }

private:
    std::shared_ptr<QPromise<T>> m_promise;
};
