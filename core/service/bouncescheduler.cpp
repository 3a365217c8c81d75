#include "bouncescheduler.h"

#include "../message/messageid.h"
#include "../mime/deliverystatusbuilder.h"
#include "../store/messagestore.h"
#include "../store/messagesubmission.h"
#include "../store/storedmessage.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>

namespace {
Q_LOGGING_CATEGORY(lcBounce, "letterbox.bounce")

// What of an original's header section a bounce quotes (and a waiting bounce holds in memory): a header section is
// rarely over a few KB; past this, the rest is left out, so that a day-long wait holds no whole message.
constexpr qsizetype MaxQuotedHeaders = 64 * 1024;

// RFC 5322 §2.1: the header section ends at the first empty line.
QByteArray headerSection(const QByteArray &data)
{
    qsizetype end = data.indexOf("\r\n\r\n");
    const qsizetype lfEnd = data.indexOf("\n\n");
    if (end < 0 || (lfEnd >= 0 && lfEnd < end)) {
        return lfEnd < 0 ? data.left(MaxQuotedHeaders) : data.left(std::min(lfEnd + 1, MaxQuotedHeaders));
    }
    return data.left(std::min(end + 2, MaxQuotedHeaders));
}

// The rules that bounced, each once, in the order of the recipients.
QByteArray rulesOf(const SmtpBounces &bounces)
{
    QByteArrayList rules;
    for (const SmtpBounce &b : bounces) {
        if (!rules.contains(b.rule)) {
            rules << b.rule;
        }
    }
    return rules.join(", ");
}
} // namespace

BounceScheduler::BounceScheduler(MessageDelivery *delivery, MessageStore *store, QObject *parent)
    : QObject(parent), m_delivery(delivery), m_store(store)
{
    m_thread.setObjectName(QStringLiteral("letterbox-bounce"));
    m_context.moveToThread(&m_thread);
    m_thread.start();
}

BounceScheduler::~BounceScheduler()
{
    // The waiting timers go in their own thread; the store keeps their bounces for resume() after the next start.
    QMetaObject::invokeMethod(
        &m_context, [this] { qDeleteAll(m_context.findChildren<QTimer *>()); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void BounceScheduler::setHostname(const QByteArray &hostname)
{
    const QMutexLocker lock(&m_mutex);
    m_hostname = hostname;
}

int BounceScheduler::pendingCount() const
{
    const QMutexLocker lock(&m_mutex);
    return m_pending;
}

std::optional<BounceJob> BounceScheduler::jobFor(const IncomingMessage &message)
{
    // CONTRACT: a message with a null sender never causes a bounce (RFC 5321 §4.5.5: no notification to <>).
    if (message.envelope.bounces.isEmpty() || message.envelope.mailFrom.isEmpty()) {
        return std::nullopt;
    }
    BounceJob job;
    job.originalId = message.id;
    job.sender = message.envelope.mailFrom;
    job.arrivalMs = message.receivedMs;
    job.headers = headerSection(message.traceHeader + message.data);
    job.bounces = message.envelope.bounces;
    for (const SmtpBounce &b : job.bounces) {
        job.afterMs = std::max(job.afterMs, b.afterMs);
    }
    return job;
}

BounceJob BounceScheduler::jobFor(const StoredMessage &message, const SmtpBounces &bounces)
{
    BounceJob job;
    job.originalId = message.summary.id.toUtf8();
    job.sender = message.mailFrom.toUtf8();
    job.arrivalMs = message.summary.receivedMs;
    job.headers = headerSection(message.raw);
    job.bounces = bounces;
    for (const SmtpBounce &b : job.bounces) {
        job.afterMs = std::max(job.afterMs, b.afterMs);
    }
    return job;
}

void BounceScheduler::resume()
{
    {
        const QMutexLocker lock(&m_mutex);
        if (!m_store || m_resumeAsked) {
            return;
        }
        m_resumeAsked = true;
    }
    // On the scheduler's thread: a synchronous read, never the GUI thread's.
    QMetaObject::invokeMethod(&m_context, [this] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const PendingBounce &pending : m_store->pendingBounces()) {
            const std::optional<StoredMessage> message = m_store->message(pending.messageId);
            if (!message || message->mailFrom.isEmpty()) {
                continue;
            }
            const BounceJob job = jobFor(*message, pending.bounces);
            m_resumed.insert(job.originalId);
            {
                const QMutexLocker lock(&m_mutex);
                ++m_pending;
            }
            const qint64 due = job.arrivalMs + job.afterMs - now;
            armTimer(job, int(std::clamp<qint64>(due, 0, job.afterMs)));
        }
    });
}

IncomingMessage BounceScheduler::bounceFor(const BounceJob &job, const QByteArray &hostname, qint64 nowMs)
{
    IncomingMessage in;
    in.id = MessageId::generate(nowMs);
    in.receivedMs = nowMs;
    DeliveryStatusReport report;
    report.hostname = hostname;
    report.originalSender = job.sender;
    report.originalId = job.originalId;
    report.arrivalMs = job.arrivalMs;
    report.dateMs = nowMs;
    // RFC 5322 §3.6.4: unique on the left (the API ID), a domain of the host that made it on the right.
    report.messageId = in.id + '@' + hostname;
    report.originalHeaders = job.headers;
    for (const SmtpBounce &b : job.bounces) {
        report.recipients.append({ b.recipient, b.code, b.enhanced, b.text });
    }
    in.data = DeliveryStatusBuilder::build(report);
    // RFC 3464 §2 and RFC 5321 §4.5.5: a notification goes from the null sender to the original envelope sender.
    in.envelope.mailFrom.clear();
    in.envelope.rcptTo = { job.sender };
    in.envelope.helo = hostname;
    in.envelope.esmtp = true;
    in.sessionKey = MessageSubmission::newSessionKey();
    in.bounceOf = job.originalId;
    in.bounceRule = rulesOf(job.bounces);
    // Its session view says what made it and for which message (GET /api/v1/message/{ID}/session).
    in.transcript = { TranscriptEntry { nowMs, TranscriptEntry::Direction::Out,
        "[bounce made by " + in.bounceRule + " for message " + job.originalId + "]" } };
    return in;
}

std::function<void(const DeliveryResult &)> BounceScheduler::afterCommit(
    const IncomingMessage &message, std::function<void(const DeliveryResult &)> done)
{
    std::optional<BounceJob> job = jobFor(message);
    if (!job) {
        return done;
    }
    return [this, job = std::move(*job), done = std::move(done)](const DeliveryResult &result) mutable {
        const bool ok = result.ok;
        done(result);
        // Only a message that is durable (its 250 sent) bounces; a 451 asks the client to try again.
        if (ok) {
            schedule(std::move(job));
        }
    };
}

void BounceScheduler::deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    done = afterCommit(message, std::move(done));
    m_delivery->deliver(std::move(message), std::move(done));
}

void BounceScheduler::keepRefusedSession(RefusedSession session)
{
    m_delivery->keepRefusedSession(std::move(session));
}

void BounceScheduler::deliverAll(std::vector<Delivery> deliveries)
{
    for (Delivery &delivery : deliveries) {
        delivery.done = afterCommit(delivery.message, std::move(delivery.done));
    }
    m_delivery->deliverAll(std::move(deliveries));
}

void BounceScheduler::schedule(BounceJob job)
{
    {
        const QMutexLocker lock(&m_mutex);
        ++m_pending;
    }
    QMetaObject::invokeMethod(&m_context, [this, job = std::move(job)] {
        if (m_resumed.remove(job.originalId)) {
            const QMutexLocker lock(&m_mutex);
            --m_pending;
            return;
        }
        armTimer(job, job.afterMs);
    });
}

void BounceScheduler::armTimer(const BounceJob &job, int delayMs)
{
    auto *timer = new QTimer(&m_context);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    connect(timer, &QTimer::timeout, &m_context, [this, timer, job] {
        timer->deleteLater();
        QByteArray hostname;
        {
            const QMutexLocker lock(&m_mutex);
            hostname = m_hostname;
            --m_pending;
        }
        if (m_store && !m_store->summary(QString::fromUtf8(job.originalId))) {
            // Deleted while its bounce waited (its pending row went with it): no bounce, as after a restart.
            qCDebug(lcBounce, "message %s was deleted before its bounce was due", job.originalId.constData());
            return;
        }
        IncomingMessage bounce = bounceFor(job, hostname, QDateTime::currentMSecsSinceEpoch());
        const QByteArray id = bounce.id;
        m_delivery->deliver(std::move(bounce), [id, original = job.originalId](const DeliveryResult &result) {
            if (!result.ok) {
                qCWarning(lcBounce, "bounce %s of message %s could not be stored: %s", id.constData(),
                    original.constData(), qUtf8Printable(result.errorString));
            }
        });
    });
    timer->start(delayMs);
}
