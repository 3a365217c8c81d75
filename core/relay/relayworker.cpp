#include "relayworker.h"

#include "../client/smtpclient.h"
#include "../store/messagestore.h"

#include <QLoggingCategory>
#include <QSet>
#include <QTimer>

Q_LOGGING_CATEGORY(lcRelay, "letterbox.relay")

namespace {
// The final reply, and each recipient the relay refused when it took the message for the others.
QByteArray replyText(const SmtpSendResult &result)
{
    QByteArray text = result.summary().toUtf8();
    if (result.ok && !result.refused.isEmpty()) {
        QByteArrayList refused;
        for (const SmtpRecipientResult &r : result.refused) {
            refused << r.address + ": " + QByteArray::number(r.code) + (r.enhanced.isEmpty() ? "" : " " + r.enhanced)
                    + (r.text.isEmpty() ? "" : " " + r.text);
        }
        text += " (refused " + refused.join("; ") + ')';
    }
    return text;
}

// Whom a retry is for: everyone after a temporary failure, the recipients refused with a 4xx when the relay took the
// message for the others (RFC 5321 §4.2.1: a 4yz reply is transient), nobody after a 5xx.
QByteArrayList retryRecipients(const QByteArrayList &to, const SmtpSendResult &result)
{
    if (!result.ok) {
        return result.isTemporaryFailure() ? to : QByteArrayList();
    }
    QByteArrayList again;
    for (const SmtpRecipientResult &r : result.refused) {
        if (r.code >= 400 && r.code < 500) {
            again << r.address;
        }
    }
    return again;
}
} // namespace

RelayWorker::RelayWorker(MessageStore *store, std::function<RelayConfig()> config, QObject *parent)
    : QObject(parent), m_store(store), m_config(std::move(config))
{
}

RelayWorker::~RelayWorker() = default;

void RelayWorker::setSchedule(const QList<std::chrono::milliseconds> &schedule)
{
    m_schedule = schedule;
}

void RelayWorker::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
}

qint64 RelayWorker::nowMs() const
{
    return (m_clock ? m_clock() : QDateTime::currentDateTimeUtc()).toMSecsSinceEpoch();
}

void RelayWorker::start()
{
    if (m_started) {
        return;
    }
    m_started = true;
    for (const RelayPending &pending : m_store->relayPending()) {
        if (!pending.inFlight) {
            schedulePending(pending);
            continue;
        }
        // Letterbox stopped while this one was being sent: the relay may have taken it already. At most once
        // (docs/architecture.md "Relay"): it is logged, not sent again.
        RelayChange change { pending.messageId,
            { RelayRecord { nowMs(), pending.to, false,
                "interrupted: Letterbox stopped while relaying this message; not sent again, as the relay may have "
                "received it" } },
            std::nullopt, pending.id };
        if (commit(&change)) {
            Q_EMIT relayLogChanged(pending.messageId);
        }
    }
}

void RelayWorker::messageReceived(const QString &messageId)
{
    if (!m_started) {
        return;
    }
    const RelayConfig config = m_config();
    if (config.autoRelay == RelayConfig::AutoRelay::Off || !config.isConfigured()) {
        return;
    }
    const std::optional<StoredMessage> stored = m_store->message(messageId);
    if (!stored) {
        return;
    }
    // CONTRACT "Auto-relay (details)": the recipients chosen, each relayed once.
    QByteArrayList to;
    QSet<QString> seen;
    for (const QString &recipient : stored->rcptTo) {
        if (config.relaysTo(recipient) && !seen.contains(recipient.toLower())) {
            seen.insert(recipient.toLower());
            to << recipient.toUtf8();
        }
    }
    if (to.isEmpty()) {
        return;
    }
    // In flight from the start: written before anything is sent (at most once).
    RelayChange change { messageId, {}, RelayPending { 0, messageId, to, nowMs(), 0, true }, 0 };
    if (!commit(&change)) {
        return;
    }
    const RelayPending pending = *change.pending;
    sendThroughRelay({ stored->mailFrom.toUtf8(), pending.to, stored->raw },
        [this, pending](const SmtpSendResult &result) { attemptFinished(pending, result); });
}

void RelayWorker::attempt(RelayPending pending)
{
    m_timers.remove(pending.id);
    pending.inFlight = true;
    RelayChange change { pending.messageId, {}, pending, 0 };
    if (!commit(&change)) {
        return;
    }
    const std::optional<StoredMessage> stored = m_store->message(pending.messageId);
    if (!stored) {
        return;
    }
    sendThroughRelay({ stored->mailFrom.toUtf8(), pending.to, stored->raw },
        [this, pending](const SmtpSendResult &result) { attemptFinished(pending, result); });
}

void RelayWorker::attemptFinished(RelayPending pending, const SmtpSendResult &result)
{
    const qint64 now = nowMs();
    RelayChange change { pending.messageId, { RelayRecord { now, pending.to, result.ok, replyText(result) } },
        std::nullopt, 0 };
    // CONTRACT "Auto-relay (details)": any failure but a 5xx reply is temporary, retried while the schedule lasts.
    bool retry = false;
    const QByteArrayList again = retryRecipients(pending.to, result);
    if (!again.isEmpty()) {
        ++pending.failures;
        pending.to = again;
        if (pending.failures <= m_schedule.size()) {
            retry = true;
            pending.dueMs = now + m_schedule.at(pending.failures - 1).count();
            pending.inFlight = false;
            change.pending = pending;
        } else {
            change.log << RelayRecord { now, pending.to, false,
                QByteArrayLiteral("gave up after ") + QByteArray::number(pending.failures) + " attempts" };
        }
    }
    if (!retry) {
        change.removePending = pending.id;
    }
    if (!result.ok) {
        qCInfo(lcRelay).noquote() << "relaying" << pending.messageId << "failed:" << result.summary()
                                  << (retry ? QStringLiteral("(retried later)") : QStringLiteral("(final)"));
    }
    if (!commit(&change)) {
        return;
    }
    if (retry) {
        schedulePending(pending);
    }
    Q_EMIT relayLogChanged(pending.messageId);
}

void RelayWorker::schedulePending(const RelayPending &pending)
{
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    // Never before it is due (a coarse timer may fire 5% early).
    timer->setTimerType(Qt::PreciseTimer);
    timer->setInterval(std::chrono::milliseconds(qMax<qint64>(0, pending.dueMs - nowMs())));
    connect(timer, &QTimer::timeout, this, [this, timer, pending] {
        timer->deleteLater();
        attempt(pending);
    });
    m_timers.insert(pending.id, timer);
    timer->start();
}

void RelayWorker::release(const QString &messageId, const QByteArrayList &to, const Done &done)
{
    const RelayConfig config = m_config();
    if (!config.isConfigured()) {
        done(false, QStringLiteral("no relay configured"));
        return;
    }
    const std::optional<StoredMessage> stored = m_store->message(messageId);
    if (!stored) {
        done(false, QStringLiteral("no such message"));
        return;
    }
    // CONTRACT "Release": the stored source unchanged, MAIL FROM = the envelope sender, RCPT TO = the request's To.
    sendThroughRelay(
        { stored->mailFrom.toUtf8(), to, stored->raw }, [this, messageId, to, done](const SmtpSendResult &result) {
            RelayChange change { messageId, { RelayRecord { nowMs(), to, result.ok, replyText(result) } }, std::nullopt,
                0 };
            if (commit(&change)) {
                Q_EMIT relayLogChanged(messageId);
            }
            done(result.ok, result.summary());
        });
}

void RelayWorker::send(const SmtpOutgoing &outgoing, const Done &done)
{
    if (!m_config().isConfigured()) {
        done(false, QStringLiteral("no relay configured"));
        return;
    }
    sendThroughRelay(outgoing, [done](const SmtpSendResult &result) { done(result.ok, result.summary()); });
}

void RelayWorker::sendThroughRelay(const SmtpOutgoing &outgoing, std::function<void(const SmtpSendResult &)> finished)
{
    const RelayConfig config = m_config();
    if (!config.isConfigured()) {
        // The relay was unset after this auto-relay was queued: a temporary failure, as an unreachable relay is.
        SmtpSendResult result;
        result.errorString = QStringLiteral("no relay configured");
        QTimer::singleShot(0, this, [finished, result] { finished(result); });
        return;
    }
    // A client per message (one transaction each); a QSslSocket only when its TLS mode needs one.
    auto *client = new SmtpClient(config.client, this);
    connect(client, &SmtpClient::finished, this, [client, finished](const SmtpSendResult &result) {
        client->deleteLater();
        finished(result);
    });
    client->send(outgoing);
}

bool RelayWorker::commit(RelayChange *change)
{
    QString error;
    if (m_store->changeRelay(change, &error)) {
        return true;
    }
    if (!error.isEmpty()) {
        qCWarning(lcRelay).noquote() << "cannot record the relay of" << change->messageId << ":" << error;
    }
    return false;
}
