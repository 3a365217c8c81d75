#include "netconnection.h"

#include "netprotocol.h"
#include "networker.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSslCipher>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

// POSIX sockets; what a port to Windows must supply is listed in tests/interop/test_portability.py.
#if defined(Q_OS_UNIX)
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#error "NetConnection reads what a client sent early with recv() and moves a plain connection onto a QSslSocket by \
duplicating its POSIX descriptor; a Windows port must use Winsock's recv() and WSADuplicateSocket() \
(tests/interop/test_portability.py)"
#endif

namespace {
// A client that sends without reading the replies may not make us buffer without bound.
constexpr qint64 MaxPendingOutput = NetConnection::OutputLimit;
// Every connection shares the network thread: after a slice of this many milliseconds a connection yields to the
// others, and the rest of its input waits in the socket.
constexpr qint64 SliceMs = 2;
// The socket's own buffer; past it the kernel holds the sender back.
constexpr qint64 ReadBufferSize = 256 * 1024;
// While paced, the socket's own buffer holds no more than this (or the pacer's burst, if larger), so the client is
// held back by the kernel rather than by our memory.
constexpr qint64 PacedReadBufferSize = 4096;
// What a client sent before the protocol spoke is read (for the protocol to refuse) up to this much; reading it,
// rather than leaving it unread, lets the close be an orderly FIN that does not discard the refusal.
constexpr qsizetype MaxEarlyBytes = 64 * 1024;

#if defined(Q_OS_UNIX)
// What the client sent already, without waiting: up to size bytes, 0 or less when nothing is pending.
qint64 receivePending(int descriptor, char *buffer, qint64 size)
{
    return ::recv(descriptor, buffer, size_t(size), MSG_DONTWAIT);
}

// A second descriptor for the same connection, close-on-exec like every accepted socket (NetWorker's
// acceptClient()); -1 when there is none.
int duplicateDescriptor(int descriptor)
{
    return ::fcntl(descriptor, F_DUPFD_CLOEXEC, 0);
}

void closeDescriptor(int descriptor)
{
    ::close(descriptor);
}
#endif
} // namespace

NetConnection::NetConnection(quint64 id, QTcpSocket *socket, const NetListenOptions &listener, NetWorker *worker)
    : QObject(worker)
    , m_id(id)
    , m_socket(socket)
    , m_worker(worker)
    , m_peerAddress(socket->peerAddress())
    , m_peerPort(socket->peerPort())
    , m_clientAddress(ClientAddress::fromString(m_peerAddress.toString()))
    , m_listenerName(listener.name)
    , m_tls(listener.tls)
    , m_sslConfiguration(listener.sslConfiguration)
    , m_sslConfigurationSource(listener.sslConfigurationSource)
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(readBufferSize());
    connectSocket();
    m_lastActivity = worker->now();
}

NetConnection::~NetConnection()
{
    // The handler first: it may still name this connection while it goes.
    m_handler.reset();
}

void NetConnection::connectSocket()
{
    connect(m_socket, &QTcpSocket::readyRead, this, &NetConnection::readFromSocket);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket->bytesToWrite() < MaxPendingOutput / 2) {
            if (m_started && !m_finished && !m_closing && m_handler) {
                m_handler->outputDrained();
            }
            readFromSocket();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, &NetConnection::finish);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError) {
            m_socket->abort();
        }
        finish();
    });
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket)) {
        connect(ssl, &QSslSocket::encrypted, this, &NetConnection::handshakeDone);
    }
}

bool NetConnection::ensureSslConfiguration()
{
    if (!m_sslConfiguration && m_sslConfigurationSource) {
        m_sslConfiguration = m_sslConfigurationSource();
    }
    return m_sslConfiguration.has_value();
}

void NetConnection::setHandler(std::unique_ptr<NetHandler> handler)
{
    m_handler = std::move(handler);
}

void NetConnection::start()
{
    if (m_tls == NetListenOptions::Tls::Implicit) {
        // RFC 8314 §3.3: TLS from the first byte; the protocol starts once it is up.
        auto *ssl = static_cast<QSslSocket *>(m_socket);
        if (!ensureSslConfiguration()) {
            m_socket->abort();
            finish();
            return;
        }
        ssl->setSslConfiguration(*m_sslConfiguration);
        m_handshaking = true;
        ssl->startServerEncryption();
        return;
    }
    // A server that speaks first expects nothing before its greeting: whatever is already pending is read without
    // waiting and handed over with start().
    QByteArray early;
    const int fd = int(m_socket->socketDescriptor());
    char buffer[4096];
    while (early.size() < MaxEarlyBytes) {
        const qint64 n = receivePending(fd, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        early.append(buffer, n);
    }
    m_started = true;
    m_handler->start(early);
    readFromSocket();
}

qint64 NetConnection::pendingOutput() const
{
    return m_socket->bytesToWrite();
}

void NetConnection::readFromSocket()
{
    if (m_reading) {
        // Called back from inside the loop below (a flush emits bytesWritten at once, a handler asks to read more):
        // the loop goes on by itself, and a handler is never fed while it is still handling input.
        return;
    }
    m_readScheduled = false;
    if (!m_started || m_handshaking) {
        return;
    }
    m_reading = true;
    const auto done = qScopeGuard([this] { m_reading = false; });
    QElapsedTimer slice;
    slice.start();
    while (!m_finished && !m_closing && !m_handshaking && m_socket->bytesAvailable() > 0
        && m_socket->bytesToWrite() < MaxPendingOutput) {
        qsizetype size = m_handler->readSize();
        if (size <= 0) {
            break;
        }
        if (m_pacer.isPaced()) {
            size = qsizetype(qMin<qint64>(size, m_pacer.available(m_worker->now())));
            if (size <= 0) {
                schedulePacedRead();
                break;
            }
        }
        if (slice.elapsed() >= SliceMs) {
            // Fairness: the rest waits in the socket's buffer until the other connections had their turn.
            if (!m_readScheduled) {
                m_readScheduled = true;
                QMetaObject::invokeMethod(this, &NetConnection::readFromSocket, Qt::QueuedConnection);
            }
            return;
        }
        const QByteArray chunk = m_socket->read(size);
        if (chunk.isEmpty()) {
            break;
        }
        m_lastActivity = m_worker->now();
        if (m_pacer.isPaced()) {
            m_pacer.consume(chunk.size(), m_lastActivity);
        }
        m_handler->receive(chunk);
    }
}

qint64 NetConnection::readBufferSize() const
{
    return m_pacer.isPaced() ? qBound(PacedReadBufferSize, m_pacer.capacity(), ReadBufferSize) : ReadBufferSize;
}

void NetConnection::setReadRate(qint64 bytesPerSecond)
{
    m_pacer.setRate(bytesPerSecond, m_worker->now());
    m_socket->setReadBufferSize(readBufferSize());
    if (!m_pacer.isPaced() && m_pacedRead && m_pacedRead->isActive()) {
        m_pacedRead->stop();
        readMore();
    }
}

void NetConnection::schedulePacedRead()
{
    if (!m_pacedRead) {
        m_pacedRead = new QTimer(this);
        m_pacedRead->setSingleShot(true);
        // Precise: a coarse timer may fire up to 5 % late, which would read that much below the rate.
        m_pacedRead->setTimerType(Qt::PreciseTimer);
        connect(m_pacedRead, &QTimer::timeout, this, &NetConnection::readMore);
    }
    if (!m_pacedRead->isActive()) {
        // At least a millisecond: a timer of 0 would spin while the bucket holds less than a byte.
        m_pacedRead->start(int(qMax<qint64>(m_pacer.msUntilRefilled(m_worker->now()), 1)));
    }
}

void NetConnection::write(const QByteArray &bytes)
{
    if (bytes.isEmpty() || m_finished || m_socket->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    m_socket->write(bytes);
    // Send now rather than on the next event-loop pass: the client is waiting for this reply.
    m_socket->flush();
}

void NetConnection::close()
{
    if (m_closing || m_finished) {
        return;
    }
    m_closing = true;
    m_socket->disconnectFromHost();
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        finish();
    }
}

void NetConnection::readMore()
{
    if (!m_readScheduled && !m_finished) {
        readFromSocket();
    }
}

void NetConnection::touch()
{
    m_lastActivity = m_worker->now();
}

bool NetConnection::canStartTls() const
{
    return m_tls == NetListenOptions::Tls::OnRequest && (m_sslConfiguration || m_sslConfigurationSource)
        && !m_handshaking && !isEncrypted();
}

bool NetConnection::isEncrypted() const
{
    const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
    return ssl && ssl->isEncrypted();
}

QString NetConnection::tlsProtocol() const
{
    const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
    if (!ssl || !ssl->isEncrypted()) {
        return {};
    }
    switch (ssl->sessionProtocol()) {
    case QSsl::TlsV1_3:
        return QStringLiteral("TLSv1.3");
    case QSsl::TlsV1_2:
        return QStringLiteral("TLSv1.2");
    default:
        // Older versions by the name OpenSSL gives their cipher suites.
        return ssl->sessionCipher().protocolString();
    }
}

QString NetConnection::tlsCipher() const
{
    const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
    return ssl && ssl->isEncrypted() ? ssl->sessionCipher().name() : QString();
}

bool NetConnection::startServerTls()
{
    if (!canStartTls() || m_finished || m_closing) {
        return false;
    }
    // The go-ahead goes out in the clear; what the client pipelined after its command is no part of the new
    // session (RFC 3207 §4.2, CVE-2011-0411).
    m_socket->flush();
    m_socket->skip(m_socket->bytesAvailable());
    if (!ensureSslConfiguration() || m_socket->bytesToWrite() > 0) {
        return false;
    }
    auto *ssl = qobject_cast<QSslSocket *>(m_socket);
    if (!ssl) {
        // A plain socket until now (its listener makes the certificate on demand): the connection goes on over a
        // QSslSocket on the same descriptor. What the plain socket read ahead goes with it, unread.
        const int descriptor = duplicateDescriptor(int(m_socket->socketDescriptor()));
        if (descriptor < 0) {
            return false;
        }
        QTcpSocket *plain = m_socket;
        plain->disconnect(this);
        // Closes only plain's own descriptor: the connection lives on in the duplicate.
        plain->abort();
        ssl = new QSslSocket(this);
        if (!ssl->setSocketDescriptor(descriptor)) {
            closeDescriptor(descriptor);
            delete ssl;
            return false;
        }
        plain->deleteLater();
        m_socket = ssl;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_socket->setReadBufferSize(readBufferSize());
        connectSocket();
    }
    ssl->setSslConfiguration(*m_sslConfiguration);
    m_handshaking = true;
    m_lastActivity = m_worker->now();
    ssl->startServerEncryption();
    return true;
}

void NetConnection::handshakeDone()
{
    if (!m_handshaking || m_finished) {
        return;
    }
    m_handshaking = false;
    m_lastActivity = m_worker->now();
    if (!m_started) {
        m_started = true;
        m_handler->start({});
    } else {
        m_handler->tlsStarted();
    }
    readFromSocket();
}

bool NetConnection::isIdleSince(qint64 now, qint64 timeoutMs) const
{
    if (m_finished || now - m_lastActivity < timeoutMs) {
        return false;
    }
    return m_handshaking || (m_started && m_handler->canTimeOut());
}

void NetConnection::timeout()
{
    if (m_handshaking) {
        // Nobody to say goodbye to in words: the handshake never finished.
        m_socket->abort();
        finish();
        return;
    }
    m_handler->timeout();
}

void NetConnection::shutdown()
{
    if (m_finished) {
        return;
    }
    if (!m_started) {
        m_socket->abort();
        finish();
        return;
    }
    m_handler->shutdown();
}

void NetConnection::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (m_handler) {
        m_handler->disconnected();
    }
    m_worker->connectionFinished(this);
}
