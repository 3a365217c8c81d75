#pragma once

#include "relayconfig.h"

#include "../client/smtpoutgoing.h"
#include "../client/smtpsendresult.h"
#include "../store/relaychange.h"
#include "../store/relaypending.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>

#include <chrono>
#include <functional>

class MessageStore;
class QTimer;

// RelayService's half on the relay thread: it owns the SMTP clients and the retry timers and writes the relay log
// and queue through the store's synchronous calls (this thread may wait; the GUI's never does). Made by
// RelayService only.
class RelayWorker : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(bool ok, const QString &text)>;

    // config: the service's current settings, read at each attempt (thread-safe).
    RelayWorker(MessageStore *store, std::function<RelayConfig()> config, QObject *parent = nullptr);
    ~RelayWorker() override;

    void setSchedule(const QList<std::chrono::milliseconds> &schedule);
    void setClock(std::function<QDateTime()> clock);
    void start();
    // After the 250 (RelayService::messageReceived()): auto-relay, when configured, to the chosen recipients.
    void messageReceived(const QString &messageId);
    void release(const QString &messageId, const QByteArrayList &to, const Done &done);
    void send(const SmtpOutgoing &outgoing, const Done &done);

Q_SIGNALS:
    void relayLogChanged(const QString &messageId);

private:
    qint64 nowMs() const;
    // Sends outgoing through the current relay; finished gets the client's result (or a made-up temporary failure
    // when no relay is configured).
    void sendThroughRelay(const SmtpOutgoing &outgoing, std::function<void(const SmtpSendResult &)> finished);
    // Marks pending in flight, reads its message and sends it (auto-relay's first attempt and every retry).
    void attempt(RelayPending pending);
    void attemptFinished(RelayPending pending, const SmtpSendResult &result);
    void schedulePending(const RelayPending &pending);
    // The store's write; false when it failed (logged) or the message is gone.
    bool commit(RelayChange *change);

    MessageStore *m_store;
    std::function<RelayConfig()> m_config;
    // CONTRACT "Relay, auto-relay and the SMTP client": retried after 1, 5 and 15 minutes, then given up.
    QList<std::chrono::milliseconds> m_schedule { std::chrono::minutes(1), std::chrono::minutes(5),
        std::chrono::minutes(15) };
    std::function<QDateTime()> m_clock;
    QHash<qint64, QTimer *> m_timers; // pending id -> its retry timer
    bool m_started = false;
};
