#pragma once

#include "../smtp/messagedelivery.h"
#include "bouncejob.h"

#include <QMutex>
#include <QObject>
#include <QSet>
#include <QThread>

#include <optional>

// The "bounce" rule action after the 250 (CONTRACT "Failure scenarios (rules)"): a MessageDelivery in front of the
// one SMTP uses. A message whose envelope has bounced recipients is passed on as it is; once it is durable, its
// bounce is made BounceJob::afterMs later, on a thread of this scheduler's own, as one delivery status notification
// for all of them (RFC 3464: one per-recipient group each), and handed to the same delivery, so that mailbox routes
// apply to its recipient (the original sender). A null sender never causes a bounce. The store keeps the bounces
// still to be made with their message (MessageStore::pendingBounces()) and deletes them with the bounce's commit:
// those waiting when Letterbox quits are made after the next start (resume()), when they are due.
class MessageStore;
struct StoredMessage;

class BounceScheduler : public QObject, public MessageDelivery
{
    Q_OBJECT
public:
    // delivery and store (none: nothing to resume) must outlive this.
    explicit BounceScheduler(MessageDelivery *delivery, MessageStore *store = nullptr, QObject *parent = nullptr);
    ~BounceScheduler() override;

    // The host name of MAILER-DAEMON and Reporting-MTA: the one the SMTP greeting uses. Thread-safe.
    void setHostname(const QByteArray &hostname);

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override;
    void deliverAll(std::vector<Delivery> deliveries) override;
    // Refused sessions pass straight through to the delivery behind (they bounce nothing).
    void keepRefusedSession(RefusedSession session) override;

    // Takes up the bounces the store still holds (made before the last quit), each when it is due: its message's
    // arrival plus its wait, or at once when that has passed. Once; later calls do nothing. Call it before messages
    // come in (CatcherService: at the first start()).
    void resume();

    // The bounces waiting for their time.
    int pendingCount() const;

    // What a message's bounce needs, or nullopt when it has none (no bounced recipient, or the null sender).
    static std::optional<BounceJob> jobFor(const IncomingMessage &message);
    // The bounce of job, made at nowMs by hostname: empty envelope sender, the original sender its one recipient.
    static IncomingMessage bounceFor(const BounceJob &job, const QByteArray &hostname, qint64 nowMs);
    // The job of a stored message's pending bounces.
    static BounceJob jobFor(const StoredMessage &message, const SmtpBounces &bounces);

private:
    void schedule(BounceJob job);
    void armTimer(const BounceJob &job, int delayMs); // on m_thread
    std::function<void(const DeliveryResult &)> afterCommit(
        const IncomingMessage &message, std::function<void(const DeliveryResult &)> done);

    MessageDelivery *const m_delivery;
    MessageStore *const m_store;
    bool m_resumeAsked = false; // guarded by m_mutex
    // m_thread only: the messages resume() took up, whose bounce an in-memory job (a message committed while the
    // store was being read) must not make again.
    QSet<QByteArray> m_resumed;
    mutable QMutex m_mutex;
    QByteArray m_hostname = "localhost";
    QThread m_thread;
    QObject m_context; // lives in m_thread: the timers of waiting bounces are its children
    int m_pending = 0; // guarded by m_mutex
};
