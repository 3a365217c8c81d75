#include "relayservice.h"

#include "relayworker.h"

#include "../store/messagestore.h"
#include "../store/storereply.h"

#include <QMutex>
#include <QThread>

#include <utility>

namespace {
using Answer = std::pair<bool, QString>;

// done on context's thread (never when context is gone): the store's promise-and-watcher hand-over. Without a context,
// done runs on the relay's thread (for a caller that waits on a thread of its own).
RelayWorker::Done answerOn(QObject *context, std::function<void(bool, const QString &)> done)
{
    if (!done) {
        return [](bool, const QString &) {
        };
    }
    if (!context) {
        return done;
    }
    const StoreReply<Answer> reply(
        context, [done = std::move(done)](const Answer &answer) { done(answer.first, answer.second); });
    return [reply](bool ok, const QString &text) {
        reply.finish({ ok, text });
    };
}
} // namespace

struct RelayService::Private
{
    MessageStore *store = nullptr;
    mutable QMutex mutex;
    RelayConfig config;
    QThread thread;
    RelayWorker *worker = nullptr; // lives in thread
};

RelayService::RelayService(MessageStore *store, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<RelayAttempt>();
    qRegisterMetaType<SmtpSendResult>();
    qRegisterMetaType<SmtpOutgoing>();
    d->store = store;
    d->worker = new RelayWorker(store, [this] { return config(); });
    d->worker->moveToThread(&d->thread);
    connect(d->worker, &RelayWorker::relayLogChanged, this, &RelayService::relayLogChanged, Qt::DirectConnection);
    d->thread.setObjectName(QStringLiteral("letterbox-relay"));
    d->thread.start();
}

RelayService::~RelayService()
{
    // The worker (its clients and timers) is deleted in its thread while that thread's event loop still runs, so
    // that the connections its clients drop can still say QUIT and are deleted with the thread's last events
    // (deleted once the loop has ended, they would be left behind); what it had pending stays in the store.
    disconnect(d->worker, nullptr, this, nullptr);
    RelayWorker *worker = std::exchange(d->worker, nullptr);
    QMetaObject::invokeMethod(
        worker, [worker] { delete worker; }, Qt::BlockingQueuedConnection);
    d->thread.quit();
    d->thread.wait();
}

void RelayService::setConfig(const RelayConfig &config)
{
    const QMutexLocker lock(&d->mutex);
    d->config = config;
}

RelayConfig RelayService::config() const
{
    const QMutexLocker lock(&d->mutex);
    return d->config;
}

void RelayService::start()
{
    QMetaObject::invokeMethod(d->worker, [worker = d->worker] { worker->start(); });
}

void RelayService::messageReceived(const QString &messageId)
{
    {
        // Called on the network thread for every message: without auto-relay, a hop to the relay's thread for each
        // would cost a wake-up and a context switch per message (docs/benchmarks.md, 1k-c8).
        const QMutexLocker lock(&d->mutex);
        if (d->config.autoRelay == RelayConfig::AutoRelay::Off || !d->config.isConfigured()) {
            return;
        }
    }
    // On the relay's thread, later: the sending client's 250 never waits for a relay.
    QMetaObject::invokeMethod(d->worker, [worker = d->worker, messageId] { worker->messageReceived(messageId); });
}

void RelayService::release(const QString &messageId, const QStringList &to, QObject *context,
    std::function<void(bool ok, const QString &text)> done)
{
    QByteArrayList recipients;
    for (const QString &address : to) {
        recipients << address.toUtf8();
    }
    QMetaObject::invokeMethod(
        d->worker, [worker = d->worker, messageId, recipients, answer = answerOn(context, std::move(done))] {
            worker->release(messageId, recipients, answer);
        });
}

void RelayService::send(
    const SmtpOutgoing &outgoing, QObject *context, std::function<void(bool ok, const QString &text)> done)
{
    QMetaObject::invokeMethod(d->worker, [worker = d->worker, outgoing, answer = answerOn(context, std::move(done))] {
        worker->send(outgoing, answer);
    });
}

void RelayService::relayLog(
    const QString &messageId, QObject *context, std::function<void(const QList<RelayAttempt> &)> done)
{
    d->store->relayLog(messageId, context, [done = std::move(done)](const QList<RelayRecord> &records) {
        QList<RelayAttempt> attempts;
        attempts.reserve(records.size());
        for (const RelayRecord &record : records) {
            attempts << RelayAttempt::fromRecord(record);
        }
        done(attempts);
    });
}

void RelayService::setRetrySchedule(const QList<std::chrono::milliseconds> &schedule)
{
    QMetaObject::invokeMethod(
        d->worker, [worker = d->worker, schedule] { worker->setSchedule(schedule); }, Qt::BlockingQueuedConnection);
}

void RelayService::setClock(std::function<QDateTime()> clock)
{
    QMetaObject::invokeMethod(
        d->worker, [worker = d->worker, clock] { worker->setClock(clock); }, Qt::BlockingQueuedConnection);
}
