#include "smtpworker.h"

#include "../message/messageid.h"
#include "../message/messagesummary.h"
#include "messagedelivery.h"
#include "smtpconnection.h"
#include "smtpserver.h"
#include "traceheader.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcSmtp, "letterbox.smtp")

namespace {
// While still out of descriptors, accepting is retried after this long (also at once when a connection closes).
constexpr int ResumeRetryMs = 100;
// Clients accepted, or refused with the reserve descriptor, in one go; the rest wait for the next round.
constexpr int MaxAcceptsPerRound = 64;
constexpr int MaxRefusalsPerRound = 256;
// An episode of descriptor shortage ends when a client is accepted this long after the last shortage (a storm of
// closing clients frees descriptors only as their sockets are deleted, so the edge flickers).
constexpr qint64 ShortageQuietMs = 1000;

} // namespace

SmtpWorker::SmtpWorker(SmtpServer *server, MessageDelivery *delivery) : m_server(server), m_delivery(delivery)
{
    m_clock.start();
}

SmtpWorker::~SmtpWorker()
{
    releaseReserve();
}

bool SmtpWorker::listen(const QHostAddress &address, quint16 port, QString *error, quint16 *boundPort)
{
    if (!m_sweep) {
        m_sweep = new QTimer(this);
        connect(m_sweep, &QTimer::timeout, this, &SmtpWorker::sweepIdle);
        m_sweep->start(qBound(20, m_idleTimeoutMs / 4, 1000));
        m_resume = new QTimer(this);
        m_resume->setSingleShot(true);
        connect(m_resume, &QTimer::timeout, this, &SmtpWorker::resumeAccepting);
        reopenReserve();
    }
    Listener listener;
    listener.server = new QTcpServer(this);
    // A burst of clients must not overflow the accept queue (Qt's default backlog is 50).
    listener.server->setListenBacklogSize(1024);
    if (!listener.server->listen(address, port)) {
        *error = listener.server->errorString();
        delete listener.server;
        return false;
    }
    listener.server->pauseAccepting();
    listener.notifier = new QSocketNotifier(listener.server->socketDescriptor(), QSocketNotifier::Read, this);
    connect(listener.notifier, &QSocketNotifier::activated, this, [this, listener] { acceptWaiting(listener); });
    *boundPort = listener.server->serverPort();
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
    for (const Listener &listener : m_listeners) {
        delete listener.notifier;
        listener.server->close();
        delete listener.server;
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

void SmtpWorker::acceptWaiting(const Listener &listener)
{
    const int listenDescriptor = int(listener.server->socketDescriptor());
    for (int i = 0; i < MaxAcceptsPerRound; ++i) {
        // Born non-blocking: QTcpSocket sets that anyway, and the early-talker check reads without waiting.
        const int descriptor = ::accept4(listenDescriptor, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (descriptor >= 0) {
            acceptDescriptor(descriptor);
            continue;
        }
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED || error == EPROTO || error == ENETDOWN || error == ENOPROTOOPT
            || error == EHOSTDOWN || error == ENONET || error == EHOSTUNREACH || error == EOPNOTSUPP
            || error == ENETUNREACH) {
            continue; // accept(2): a client that left before it was accepted, or its network error; retry
        }
        if (error == EAGAIN || error == EWOULDBLOCK) {
            return;
        }
        bool drained = false;
        if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
            // The reserve goes first: even logging may need a descriptor pair.
            releaseReserve();
            if (!m_outOfDescriptors) {
                m_outOfDescriptors = true;
                m_refused = 0;
                qCWarning(lcSmtp).nospace() << "out of file descriptors at " << m_connections.size() << " connections ("
                                            << std::strerror(error) << "): new clients get 421 until some close";
            }
            m_lastShortage.start();
            drained = refuseWaitingClients(listenDescriptor);
        } else {
            qCWarning(lcSmtp) << "accept() failed:" << std::strerror(error);
        }
        if (!drained) {
            // Clients still wait and no descriptor is to be had: try again in a moment rather than spin.
            for (const Listener &each : m_listeners) {
                each.notifier->setEnabled(false);
            }
            m_resume->start(ResumeRetryMs);
        }
        return;
    }
}

bool SmtpWorker::refuseWaitingClients(int listenDescriptor)
{
    releaseReserve();
    // CONTRACT: a client the server cannot take gets 421 instead of the greeting (RFC 5321 §3.8), then the close.
    const QByteArray reply = SmtpSession::outOfDescriptorsReply(m_config.hostname);
    bool drained = false;
    for (int i = 0; i < MaxRefusalsPerRound; ++i) {
        const int fd = ::accept4(listenDescriptor, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            drained = errno == EAGAIN || errno == EWOULDBLOCK;
            break;
        }
        // A fresh connection's send buffer takes the few octets at once; the client has sent nothing (it waits for
        // the greeting), so the close is an orderly FIN after them.
        [[maybe_unused]] const ssize_t written
            = ::send(fd, reply.constData(), size_t(reply.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        ++m_refused;
    }
    reopenReserve();
    return drained;
}

void SmtpWorker::reopenReserve()
{
    for (int &fd : m_reserve) {
        if (fd < 0) {
            fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
    }
}

void SmtpWorker::releaseReserve()
{
    for (int &fd : m_reserve) {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
}

bool SmtpWorker::hasReserve() const
{
    return m_reserve[0] >= 0 && m_reserve[1] >= 0;
}

void SmtpWorker::resumeAccepting()
{
    reopenReserve();
    for (const Listener &listener : m_listeners) {
        listener.notifier->setEnabled(true);
    }
}

void SmtpWorker::acceptDescriptor(int descriptor)
{
    // One log line per episode: it ends once accepting works again for a while, not at the first free descriptor.
    if (m_outOfDescriptors && hasReserve() && m_lastShortage.elapsed() >= ShortageQuietMs) {
        m_outOfDescriptors = false;
        qCInfo(lcSmtp).nospace() << "accepting connections again; " << m_refused
                                 << " clients were refused for want of file descriptors";
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ::close(descriptor);
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
    // The stored transcript runs up to the final reply, which is sent once the commit is done: the session composes
    // it, as it will send it (with enhanced codes after EHLO only).
    incoming.transcript.append(TranscriptEntry {
        incoming.receivedMs, TranscriptEntry::Direction::Out, connection->queuedReplyTranscript(incoming.id) });
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
    if ((m_outOfDescriptors || !hasReserve()) && m_resume) {
        // Its descriptor is free once the socket is deleted: try again from the event loop.
        m_resume->start(0);
    }
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
