#include "networker.h"

#include "netconnection.h"
#include "netprotocol.h"
#include "netserver.h"

#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <cstring>

// POSIX sockets and descriptors; what a port to Windows must supply is listed in tests/interop/test_portability.py.
#if defined(Q_OS_UNIX)
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#error "NetWorker accepts clients with POSIX accept() and keeps a reserve of /dev/null descriptors for running out \
of them; a Windows port must accept with Winsock (accept(), ioctlsocket(FIONBIO), WSAGetLastError()) and replace the \
reserve (tests/interop/test_portability.py)"
#endif

Q_LOGGING_CATEGORY(lcNet, "letterbox.net")

namespace {
// While still out of descriptors, accepting is retried after this long (also at once when a connection closes).
constexpr int ResumeRetryMs = 100;
// Clients accepted, or refused with the reserve descriptor, in one go; the rest wait for the next round.
constexpr int MaxAcceptsPerRound = 64;
constexpr int MaxRefusalsPerRound = 256;
// An episode of descriptor shortage ends when a client is accepted this long after the last shortage (a storm of
// closing clients frees descriptors only as their sockets are deleted, so the edge flickers).
constexpr qint64 ShortageQuietMs = 1000;
// A burst of clients must not overflow the accept queue (Qt's default backlog is 50).
constexpr int ListenBacklog = 1024;

#if defined(Q_OS_UNIX)
// The next waiting client's descriptor, born non-blocking (QTcpSocket sets that anyway, and the early-talker check
// reads without waiting) and close-on-exec; -1 with errno set when there is none.
int acceptClient(int listenDescriptor)
{
#if defined(Q_OS_LINUX)
    return ::accept4(listenDescriptor, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    // accept4() is Linux's; macOS has accept(2) only, so fcntl(2) sets the same flags right after. A process started
    // by another thread in between would inherit the descriptor; on macOS the desktop app opens links and files
    // through Launch Services (QDesktopServices), which starts no child of ours.
    const int descriptor = ::accept(listenDescriptor, nullptr, nullptr);
    if (descriptor < 0) {
        return -1;
    }
    const int flags = ::fcntl(descriptor, F_GETFL);
    if (flags < 0 || ::fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) != 0
        || ::fcntl(descriptor, F_SETFD, FD_CLOEXEC) != 0) {
        const int error = errno;
        ::close(descriptor);
        errno = error;
        return -1;
    }
    return descriptor;
#endif
}

// accept(2): a client that left before it was accepted, or its network error; the next one may be fine.
bool isClientError(int error)
{
#if defined(Q_OS_LINUX)
    if (error == ENONET) {
        return true;
    }
#endif
    return error == EINTR || error == ECONNABORTED || error == EPROTO || error == ENETDOWN || error == ENOPROTOOPT
        || error == EHOSTDOWN || error == EHOSTUNREACH || error == EOPNOTSUPP || error == ENETUNREACH;
}

bool isDescriptorShortage(int error)
{
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}

// A fresh connection's send buffer takes the few octets at once; the client has sent nothing (it waits for the
// greeting), so the close is an orderly FIN after them. A client gone already must not raise SIGPIPE.
void refuseClient(int descriptor, const QByteArray &reply)
{
    if (!reply.isEmpty()) {
#if defined(Q_OS_LINUX)
        [[maybe_unused]] const ssize_t written
            = ::send(descriptor, reply.constData(), size_t(reply.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
#else
        // MSG_NOSIGNAL is not everywhere: macOS and the BSDs have the SO_NOSIGPIPE socket option. The descriptor is
        // non-blocking already (acceptClient()).
#if defined(SO_NOSIGPIPE)
        const int on = 1;
        ::setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
        [[maybe_unused]] const ssize_t written = ::send(descriptor, reply.constData(), size_t(reply.size()), 0);
#endif
    }
    ::close(descriptor);
}

int openReserveDescriptor()
{
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void closeDescriptor(int descriptor)
{
    ::close(descriptor);
}
#endif
} // namespace

NetWorker::NetWorker(NetServer *server) : m_server(server)
{
    m_clock.start();
}

NetWorker::~NetWorker()
{
    releaseReserve();
}

bool NetWorker::listen(const NetListenOptions &options, NetProtocol *protocol, QString *error, quint16 *boundPort)
{
    if (!m_sweep) {
        m_sweep = new QTimer(this);
        connect(m_sweep, &QTimer::timeout, this, &NetWorker::sweepIdle);
        m_sweep->start(qBound(20, m_idleTimeoutMs / 4, 1000));
        m_resume = new QTimer(this);
        m_resume->setSingleShot(true);
        connect(m_resume, &QTimer::timeout, this, &NetWorker::resumeAccepting);
        reopenReserve();
    }
    if (options.tls != NetListenOptions::Tls::None && !options.hasTls()) {
        *error = QStringLiteral("TLS needs a certificate and a key");
        return false;
    }
    auto listener = std::make_unique<Listener>();
    listener->options = options;
    listener->protocol = protocol;
    listener->server = new QTcpServer(this);
    listener->server->setListenBacklogSize(ListenBacklog);
    if (!listener->server->listen(options.address, options.port)) {
        *error = listener->server->errorString();
        delete listener->server;
        return false;
    }
    listener->server->pauseAccepting();
    listener->notifier = new QSocketNotifier(listener->server->socketDescriptor(), QSocketNotifier::Read, this);
    Listener *raw = listener.get();
    connect(listener->notifier, &QSocketNotifier::activated, this, [this, raw] { acceptWaiting(raw); });
    *boundPort = listener->server->serverPort();
    m_listeners.push_back(std::move(listener));
    return true;
}

void NetWorker::setLimits(int maxConnections, int idleTimeoutMs)
{
    m_maxConnections = maxConnections;
    m_idleTimeoutMs = idleTimeoutMs;
    if (m_sweep) {
        m_sweep->setInterval(qBound(20, m_idleTimeoutMs / 4, 1000));
    }
}

void NetWorker::stopListening()
{
    for (const auto &listener : m_listeners) {
        delete listener->notifier;
        listener->server->close();
        delete listener->server;
    }
    m_listeners.clear();
}

void NetWorker::shutdownConnections()
{
    const auto connections = m_connections.values();
    for (NetConnection *connection : connections) {
        connection->shutdown();
    }
}

void NetWorker::acceptWaiting(Listener *listener)
{
    const int listenDescriptor = int(listener->server->socketDescriptor());
    for (int i = 0; i < MaxAcceptsPerRound; ++i) {
        const int descriptor = acceptClient(listenDescriptor);
        if (descriptor >= 0) {
            acceptDescriptor(listener, descriptor);
            continue;
        }
        const int error = errno;
        if (isClientError(error)) {
            continue;
        }
        if (wouldBlock(error)) {
            return;
        }
        bool drained = false;
        if (isDescriptorShortage(error)) {
            // The reserve goes first: even logging may need a descriptor pair.
            releaseReserve();
            if (!m_outOfDescriptors) {
                m_outOfDescriptors = true;
                m_refused = 0;
                qCWarning(lcNet).nospace() << "out of file descriptors at " << m_connections.size() << " connections ("
                                           << std::strerror(error) << "): new clients are refused until some close";
            }
            m_lastShortage.start();
            drained = refuseWaitingClients(listener);
        } else {
            qCWarning(lcNet) << "accept() failed:" << std::strerror(error);
        }
        if (!drained) {
            // Clients still wait and no descriptor is to be had: try again in a moment rather than spin.
            for (const auto &each : m_listeners) {
                each->notifier->setEnabled(false);
            }
            m_resume->start(ResumeRetryMs);
        }
        return;
    }
}

bool NetWorker::refuseWaitingClients(Listener *listener)
{
    // Worded before the reserve is spent (the protocol may allocate); an implicit-TLS client would read the plain
    // words as a broken handshake, so it only sees the close.
    const QByteArray reply = listener->options.tls == NetListenOptions::Tls::Implicit
        ? QByteArray()
        : listener->protocol->refusal(NetRefusal::OutOfDescriptors);
    const int listenDescriptor = int(listener->server->socketDescriptor());
    releaseReserve();
    bool drained = false;
    for (int i = 0; i < MaxRefusalsPerRound; ++i) {
        const int fd = acceptClient(listenDescriptor);
        if (fd < 0) {
            drained = wouldBlock(errno);
            break;
        }
        refuseClient(fd, reply);
        ++m_refused;
    }
    reopenReserve();
    return drained;
}

void NetWorker::reopenReserve()
{
    for (int &fd : m_reserve) {
        if (fd < 0) {
            fd = openReserveDescriptor();
        }
    }
}

void NetWorker::releaseReserve()
{
    for (int &fd : m_reserve) {
        if (fd >= 0) {
            closeDescriptor(fd);
            fd = -1;
        }
    }
}

bool NetWorker::hasReserve() const
{
    return m_reserve[0] >= 0 && m_reserve[1] >= 0;
}

void NetWorker::resumeAccepting()
{
    reopenReserve();
    for (const auto &listener : m_listeners) {
        listener->notifier->setEnabled(true);
    }
}

void NetWorker::acceptDescriptor(Listener *listener, int descriptor)
{
    // One log line per episode: it ends once accepting works again for a while, not at the first free descriptor.
    if (m_outOfDescriptors && hasReserve() && m_lastShortage.elapsed() >= ShortageQuietMs) {
        m_outOfDescriptors = false;
        qCInfo(lcNet).nospace() << "accepting connections again; " << m_refused
                                << " clients were refused for want of file descriptors";
    }
    const bool overLimit = m_connections.size() >= m_maxConnections;
    const NetListenOptions::Tls tls = listener->options.tls;
    // Only a connection that speaks TLS pays for a QSslSocket (and loads the TLS library): an implicit-TLS one, or
    // one whose listener has its certificate already. A STARTTLS listener with a certificate source changes the
    // socket when the client asks (NetConnection::startServerTls()).
    const bool ssl = tls == NetListenOptions::Tls::Implicit
        || (tls == NetListenOptions::Tls::OnRequest && listener->options.sslConfiguration);
    QTcpSocket *socket = ssl && !overLimit ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        closeDescriptor(descriptor);
        return;
    }
    if (overLimit) {
        // README "Command line", --max-connections: beyond the limit, the protocol's refusal instead of its greeting
        // (RFC 5321 §3.8), then the close. An implicit-TLS client only sees the close.
        if (listener->options.tls != NetListenOptions::Tls::Implicit) {
            socket->write(listener->protocol->refusal(NetRefusal::TooManyConnections));
        }
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
        return;
    }
    const quint64 id = m_nextId++;
    auto *connection = new NetConnection(id, socket, listener->options, this);
    connection->setHandler(listener->protocol->createHandler(connection));
    m_connections.insert(id, connection);
    Q_EMIT m_server->connectionOpened(id, connection->peerAddress(), connection->peerPort());
    connection->start();
}

void NetWorker::connectionFinished(NetConnection *connection)
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

void NetWorker::sweepIdle()
{
    const qint64 t = now();
    const auto connections = m_connections.values();
    for (NetConnection *connection : connections) {
        if (connection->isIdleSince(t, m_idleTimeoutMs)) {
            connection->timeout();
        }
    }
}
