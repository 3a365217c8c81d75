#include "smtpworker.h"

#include "../message/messageid.h"
#include "../net/netconnection.h"
#include "messagedelivery.h"
#include "smtpconnection.h"
#include "smtpreplies.h"
#include "smtpserver.h"
#include "traceheader.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSmtp, "letterbox.smtp")

SmtpWorker::SmtpWorker(SmtpServer *server, MessageDelivery *delivery) : m_server(server), m_delivery(delivery)
{
}

SmtpWorker::~SmtpWorker() = default;

void SmtpWorker::configure(const SmtpSessionConfig &config)
{
    m_config = config;
}

std::unique_ptr<NetHandler> SmtpWorker::createHandler(NetConnection *connection)
{
    SmtpSessionConfig config = m_config;
    // RFC 3207: STARTTLS is offered where the listener has a certificate; on an implicit-TLS listener the session is
    // in TLS already, so that STARTTLS gets 503 (RFC 3207 §4.2) and is not advertised.
    config.tlsAvailable = connection->canStartTls() || connection->tlsMode() == NetListenOptions::Tls::Implicit;
    return std::make_unique<SmtpConnection>(connection, config, this);
}

QByteArray SmtpWorker::refusal(NetRefusal reason) const
{
    // README "Command line" --max-connections, README "Security": 421 instead of the greeting (RFC 5321 §3.8).
    const SmtpReplyId id
        = reason == NetRefusal::TooManyConnections ? SmtpReplyId::TooManyConnections : SmtpReplyId::OutOfDescriptors;
    return SmtpReplies::reply(id, m_config.hostname).toWire(false);
}

quint64 SmtpWorker::newSessionKey()
{
    m_lastSessionKey = qMax(m_lastSessionKey + 1, quint64(QDateTime::currentMSecsSinceEpoch()) << 12);
    return m_lastSessionKey;
}

void SmtpWorker::keepRefusedSession(SmtpConnection *connection, const SmtpEnvelope &envelope, QByteArrayList rules,
    Transcript transcript, QByteArray data)
{
    RefusedSession session;
    session.endMs = QDateTime::currentMSecsSinceEpoch();
    session.id = MessageId::generate(session.endMs);
    session.sessionKey = connection->sessionKey();
    // The key is the session's start in milliseconds, shifted left by 12 (newSessionKey()).
    session.startMs = qint64(session.sessionKey >> 12);
    session.clientAddress = envelope.clientAddress.toString();
    session.clientPort = envelope.clientPort;
    session.helo = envelope.helo;
    session.rules = std::move(rules);
    session.transcript = std::move(transcript);
    session.dataSize = data.size();
    session.data = std::move(data);
    m_delivery->keepRefusedSession(std::move(session));
}

void SmtpWorker::connectionStarted(SmtpConnection *connection)
{
    m_connections.insert(connection->id(), connection);
}

void SmtpWorker::connectionFinished(SmtpConnection *connection)
{
    const auto it = m_connections.constFind(connection->id());
    if (it != m_connections.cend() && it.value() == connection) {
        m_connections.erase(it);
    }
}

void SmtpWorker::deliver(SmtpConnection *connection, SmtpMessage message, const Transcript &transcript)
{
    IncomingMessage incoming;
    incoming.receivedMs = QDateTime::currentMSecsSinceEpoch();
    incoming.id = MessageId::generate(incoming.receivedMs);
    incoming.traceHeader = TraceHeader::received(message.envelope, m_config.hostname, incoming.id, incoming.receivedMs);
    incoming.envelope = std::move(message.envelope);
    incoming.data = std::move(message.data);
    incoming.sessionKey = connection->sessionKey();
    incoming.listener = connection->listenerName();
    incoming.transcript = transcript;
    // The stored transcript runs up to the final reply, which is sent once the commit is done: the session composes
    // it, as it will send it (with enhanced codes after EHLO only).
    incoming.transcript.append(TranscriptEntry {
        incoming.receivedMs, TranscriptEntry::Direction::Out, connection->queuedReplyTranscript(incoming.id) });
    incoming.otherSessions = int(m_connections.size()) - (m_connections.contains(connection->id()) ? 1 : 0);
    const quint64 connectionId = connection->id();
    const QByteArray id = incoming.id;
    ++m_pendingDeliveries;
    // Handed over once this pass over the connections is done (a queued call runs after the socket events of the
    // event loop's last poll): the messages other sessions completed in the same pass go along, and the store's
    // writer is woken once for all of them. This thread in turn is woken when the last of them is answered, not for
    // each: the other answers wait in m_finished meanwhile (our store commits messages handed over together in one
    // transaction). docs/benchmarks.md "Where a 1 KB message's time goes".
    if (m_toHandOver.empty()) {
        m_handOverUnanswered = std::make_shared<std::atomic<qsizetype>>(0);
        QMetaObject::invokeMethod(this, &SmtpWorker::handOver, Qt::QueuedConnection);
    }
    ++*m_handOverUnanswered;
    m_toHandOver.push_back({ std::move(incoming),
        [this, connectionId, id, unanswered = m_handOverUnanswered](const DeliveryResult &result) {
            queueFinished({ connectionId, id, result.ok, result.summary }, --*unanswered == 0);
        } });
}

void SmtpWorker::handOver()
{
    std::vector<Delivery> deliveries;
    deliveries.swap(m_toHandOver);
    m_handOverUnanswered.reset();
    m_delivery->deliverAll(std::move(deliveries));
}

void SmtpWorker::queueFinished(Finished finished, bool wake)
{
    // Called on the store's thread.
    bool post = false;
    {
        std::lock_guard lock(m_finishedMutex);
        m_finished.push_back(std::move(finished));
        post = wake && !m_finishPosted;
        m_finishPosted = m_finishPosted || post;
    }
    // Posted once the lock is free: the network thread, woken by it, may run at once on the same core, and would
    // otherwise block in finishDeliveries() on the lock this thread still held (a context switch there and back).
    if (post) {
        QMetaObject::invokeMethod(this, &SmtpWorker::finishDeliveries, Qt::QueuedConnection);
    }
}

void SmtpWorker::finishDeliveries()
{
    std::vector<Finished> batch;
    {
        std::lock_guard lock(m_finishedMutex);
        batch.swap(m_finished);
        m_finishPosted = false;
    }
    for (Finished &finished : batch) {
        if (finished.ok) {
            Q_EMIT m_server->messageDelivered(finished.connectionId, finished.summary);
        }
        if (SmtpConnection *connection = m_connections.value(finished.connectionId)) {
            connection->deliveryFinished(finished.ok, finished.id);
        } else if (finished.ok) {
            qCInfo(lcSmtp) << "message" << finished.id << "stored after its client disconnected";
        }
        // Only now, with the reply written: SmtpServer::close() waits for this to reach zero.
        --m_pendingDeliveries;
    }
}
