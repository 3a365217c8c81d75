#include "smtpworker.h"

#include "../message/messageid.h"
#include "../message/messagesummary.h"
#include "messagedelivery.h"
#include "smtpconnection.h"
#include "smtpserver.h"
#include "traceheader.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcSmtp, "letterbox.smtp")

namespace {
// Hands each accepted descriptor to the worker, so the socket is born on the thread that uses it.
class SmtpListener : public QTcpServer
{
public:
    SmtpListener(SmtpWorker *worker) : QTcpServer(worker), m_worker(worker) { }

protected:
    void incomingConnection(qintptr descriptor) override { m_worker->acceptDescriptor(descriptor); }

private:
    SmtpWorker *m_worker;
};
} // namespace

SmtpWorker::SmtpWorker(SmtpServer *server, MessageDelivery *delivery) : m_server(server), m_delivery(delivery)
{
    m_clock.start();
}

SmtpWorker::~SmtpWorker() = default;

bool SmtpWorker::listen(const QHostAddress &address, quint16 port, QString *error, quint16 *boundPort)
{
    if (!m_sweep) {
        m_sweep = new QTimer(this);
        connect(m_sweep, &QTimer::timeout, this, &SmtpWorker::sweepIdle);
        m_sweep->start(qBound(20, m_idleTimeoutMs / 4, 1000));
    }
    auto *listener = new SmtpListener(this);
    // A burst of clients must not overflow the accept queue (Qt's default backlog is 50).
    listener->setListenBacklogSize(1024);
    if (!listener->listen(address, port)) {
        *error = listener->errorString();
        delete listener;
        return false;
    }
    *boundPort = listener->serverPort();
    m_listeners.push_back(listener);
    return true;
}

void SmtpWorker::configure(const SmtpSessionConfig &config, int idleTimeoutMs, int maxConnections)
{
    m_config = config;
    m_idleTimeoutMs = idleTimeoutMs;
    m_maxConnections = maxConnections;
    if (m_sweep) {
        m_sweep->setInterval(qBound(20, m_idleTimeoutMs / 4, 1000));
    }
}

void SmtpWorker::stopListening()
{
    for (QTcpServer *listener : m_listeners) {
        listener->close();
        delete listener;
    }
    m_listeners.clear();
}

void SmtpWorker::closeAll()
{
    const auto connections = m_connections.values();
    for (SmtpConnection *connection : connections) {
        connection->shutdown();
    }
}

void SmtpWorker::acceptDescriptor(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (m_connections.size() >= m_maxConnections) {
        // CONTRACT: beyond the limit, 421 instead of the greeting, then close.
        socket->write(SmtpSession::tooManyConnectionsReply(m_config.hostname));
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
        return;
    }
    const quint64 id = m_nextId++;
    auto *connection = new SmtpConnection(id, socket, m_config, this);
    m_connections.insert(id, connection);
    Q_EMIT m_server->connectionOpened(id, socket->peerAddress(), socket->peerPort());
    connection->start();
}

quint64 SmtpWorker::newSessionKey()
{
    m_lastSessionKey = qMax(m_lastSessionKey + 1, quint64(QDateTime::currentMSecsSinceEpoch()) << 12);
    return m_lastSessionKey;
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
    incoming.transcript = transcript;
    // The stored transcript runs up to the final reply, which is sent once the commit is done.
    incoming.transcript.append(TranscriptEntry {
        incoming.receivedMs, TranscriptEntry::Direction::Out, "250 2.0.0 Ok: queued as " + incoming.id });
    for (const SmtpConnection *other : std::as_const(m_connections)) {
        if (other != connection && other->hasTransaction()) {
            ++incoming.openTransactions;
        }
    }
    const quint64 connectionId = connection->id();
    const QByteArray id = incoming.id;
    ++m_pendingDeliveries;
    m_delivery->deliver(std::move(incoming), [this, connectionId, id](const DeliveryResult &result) {
        queueFinished({ connectionId, id, result.ok, result.summary });
    });
}

void SmtpWorker::queueFinished(Finished finished)
{
    // Called on the store's thread.
    std::lock_guard lock(m_finishedMutex);
    m_finished.push_back(std::move(finished));
    if (!m_finishPosted) {
        m_finishPosted = true;
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

void SmtpWorker::connectionFinished(SmtpConnection *connection)
{
    if (m_connections.remove(connection->id()) == 0) {
        return;
    }
    Q_EMIT m_server->connectionClosed(connection->id());
    connection->deleteLater();
}

void SmtpWorker::sweepIdle()
{
    const qint64 t = now();
    const auto connections = m_connections.values();
    for (SmtpConnection *connection : connections) {
        if (connection->isIdleSince(t, m_idleTimeoutMs)) {
            connection->timeout();
        }
    }
}
