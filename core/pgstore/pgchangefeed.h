#pragma once

#include "pgchange.h"

#include <QObject>
#include <QSemaphore>
#include <QTimer>

#include <chrono>

class PgListener;

// What the other instances on the database commit, as it happens: LISTENs on PgChange::Channel with a connection of
// its own (PgListener; a QSocketNotifier, no thread waits), and emits each change another instance made (its own,
// by origin, are skipped). When the connection is lost it connects again with backoff (bounded) and says resumed():
// what was notified meanwhile is missed, so the owner reads its state afresh. Lives on a thread with an event loop
// (PgMessageStore gives it one); its signals come from that thread.
class PgChangeFeed : public QObject
{
    Q_OBJECT
public:
    static constexpr auto MinRetryDelay = std::chrono::milliseconds(100);
    static constexpr auto MaxRetryDelay = std::chrono::milliseconds(2000);

    PgChangeFeed(const QString &url, const QString &origin, QObject *parent = nullptr);
    ~PgChangeFeed() override;

    // On the feed's thread (queued): connects and listens.
    void start();
    // From another thread: waits until the first LISTEN is in place (or failed, or timeout ms passed).
    bool waitUntilStarted(int timeout);

Q_SIGNALS:
    void changed(const PgChange &change);
    void resumed();

private:
    bool connectNow();
    void retryLater();

    QString m_url;
    QString m_origin;
    PgListener *m_listener = nullptr;
    QTimer *m_retry = nullptr;
    std::chrono::milliseconds m_delay = MinRetryDelay;
    bool m_lostOnce = false;
    QSemaphore m_started;
};
