#include "netconnection.h"

#include "netprotocol.h"
#include "networker.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSslSocket>
#include <QTcpSocket>

#include <sys/socket.h>

namespace {
// A client that sends without reading the replies may not make us buffer without bound.
constexpr qint64 MaxPendingOutput = 1024 * 1024;
// Every connection shares the network thread: after a slice of this many milliseconds a connection yields to the
// others, and the rest of its input waits in the socket.
constexpr qint64 SliceMs = 2;
// The socket's own buffer; past it the kernel holds the sender back.
constexpr qint64 ReadBufferSize = 256 * 1024;
// What a client sent before the protocol spoke is read (for the protocol to refuse) up to this much; reading it,
// rather than leaving it unread, lets the close be an orderly FIN that does not discard the refusal.
constexpr qsizetype MaxEarlyBytes = 64 * 1024;
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
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(ReadBufferSize);
    connect(m_socket, &QTcpSocket::readyRead, this, &NetConnection::readFromSocket);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket->bytesToWrite() < MaxPendingOutput / 2) {
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
        if (listener.sslConfiguration) {
            ssl->setSslConfiguration(*listener.sslConfiguration);
        }
        connect(ssl, &QSslSocket::encrypted, this, &NetConnection::handshakeDone);
    }
    m_lastActivity = worker->now();
}

NetConnection::~NetConnection()
{
    // The handler first: it may still name this connection while it goes.
    m_handler.reset();
}

void NetConnection::setHandler(std::unique_ptr<NetHandler> handler)
{
    m_handler = std::move(handler);
}

void NetConnection::start()
{
    if (m_tls == NetListenOptions::Tls::Implicit) {
        // RFC 8314 §3.3: TLS from the first byte; the protocol starts once it is up.
        m_handshaking = true;
        static_cast<QSslSocket *>(m_socket)->startServerEncryption();
        return;
    }
    // A server that speaks first expects nothing before its greeting: whatever is already pending is read without
    // waiting and handed over with start().
    QByteArray early;
    const int fd = int(m_socket->socketDescriptor());
    char buffer[4096];
    while (early.size() < MaxEarlyBytes) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) {
            break;
        }
        early.append(buffer, n);
    }
    m_started = true;
    m_handler->start(early);
    readFromSocket();
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
        const qsizetype size = m_handler->readSize();
        if (size <= 0) {
            break;
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
        m_handler->receive(chunk);
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
    return m_tls == NetListenOptions::Tls::OnRequest && qobject_cast<const QSslSocket *>(m_socket) && !m_handshaking
        && !isEncrypted();
}

bool NetConnection::isEncrypted() const
{
    const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
    return ssl && ssl->isEncrypted();
}

bool NetConnection::startServerTls()
{
    if (!canStartTls() || m_finished || m_closing) {
        return false;
    }
    auto *ssl = static_cast<QSslSocket *>(m_socket);
    // The go-ahead goes out in the clear; what the client pipelined after its command is no part of the new
    // session (RFC 3207 §4.2, CVE-2011-0411).
    ssl->flush();
    ssl->skip(ssl->bytesAvailable());
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
