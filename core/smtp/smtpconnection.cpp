#include "smtpconnection.h"

#include "smtpserver.h"
#include "smtpworker.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

namespace {
// A client that sends without reading our replies may not make us buffer without bound.
constexpr qint64 MaxPendingOutput = 1024 * 1024;
// Transcript entries kept between two messages of a session; beyond, the middle ones are summarised.
constexpr qsizetype MaxTranscriptEntries = 2000;
// Every session shares the network thread. Commands (each may consult rules) are handed to the session a few at a
// time, message data in large blocks; after a slice of this many milliseconds a connection yields to the others.
constexpr qint64 CommandChunk = 2048;
constexpr qint64 DataChunk = 256 * 1024;
constexpr qint64 SliceMs = 2;
// What a client sent before the greeting is read (and refused) up to this much; reading it, rather than leaving it
// unread, lets the close be an orderly FIN that does not discard our reply.
constexpr qsizetype MaxEarlyBytes = 64 * 1024;
} // namespace

SmtpConnection::SmtpConnection(quint64 id, QTcpSocket *socket, const SmtpSessionConfig &config, SmtpWorker *worker)
    : QObject(worker)
    , m_id(id)
    , m_socket(socket)
    , m_worker(worker)
    , m_session(config, socket->peerAddress(), socket->peerPort())
    , m_sessionKey(worker->newSessionKey())
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Bounded reads: while a message is being committed we stop reading and the kernel applies backpressure.
    m_socket->setReadBufferSize(256 * 1024);
    connect(m_socket, &QTcpSocket::readyRead, this, &SmtpConnection::readFromSocket);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket->bytesToWrite() < MaxPendingOutput / 2) {
            readFromSocket();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, &SmtpConnection::finish);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError) {
            m_socket->abort();
        }
        finish();
    });
    m_lastActivity = worker->now();
}

void SmtpConnection::start()
{
    // RFC 5321 §3.1: the client waits for our greeting, so nothing can have come yet from an SMTP client. Whatever
    // is already pending (read without waiting) goes to the session before start(), which refuses the client.
    const int fd = int(m_socket->socketDescriptor());
    char buffer[4096];
    qsizetype early = 0;
    while (early < MaxEarlyBytes) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) {
            break;
        }
        m_session.receive(QByteArrayView(buffer, n));
        early += n;
    }
    m_session.start();
    drainSession();
}

void SmtpConnection::readFromSocket()
{
    m_readScheduled = false;
    QElapsedTimer slice;
    slice.start();
    while (!m_finished && !m_session.isPaused() && !m_session.isDelaying() && !m_session.isClosed()
        && m_socket->bytesAvailable() > 0 && m_socket->bytesToWrite() < MaxPendingOutput) {
        if (slice.elapsed() >= SliceMs) {
            // Fairness: the rest waits in the socket's buffer until the other connections had their turn.
            if (!m_readScheduled) {
                m_readScheduled = true;
                QMetaObject::invokeMethod(this, &SmtpConnection::readFromSocket, Qt::QueuedConnection);
            }
            return;
        }
        const SmtpSession::State state = m_session.state();
        const bool commands = state == SmtpSession::State::Command || state == SmtpSession::State::AuthResponse;
        const QByteArray chunk = m_socket->read(commands ? CommandChunk : DataChunk);
        if (chunk.isEmpty()) {
            break;
        }
        m_lastActivity = m_worker->now();
        m_session.receive(chunk);
        drainSession();
    }
}

void SmtpConnection::drainSession()
{
    const QByteArray out = m_session.takeOutput();
    for (SmtpEvent &event : m_session.takeEvents()) {
        switch (event.type) {
        case SmtpEvent::Type::ReceivedLine:
            record(TranscriptEntry::Direction::In, event.text);
            break;
        case SmtpEvent::Type::SentReply:
            record(TranscriptEntry::Direction::Out, event.text);
            break;
        case SmtpEvent::Type::MessageComplete: {
            m_inFlight = std::move(m_unstored);
            m_unstored = Transcript();
            SmtpMessage message = m_session.takeMessage();
            m_worker->deliver(this, std::move(message), m_inFlight);
            break;
        }
        case SmtpEvent::Type::Close:
            m_closing = true;
            break;
        case SmtpEvent::Type::Delay:
            // A rule's delay: the reply is held by the session until this timer says so.
            QTimer::singleShot(event.text.toInt(), this, [this] {
                if (m_finished) {
                    return;
                }
                m_lastActivity = m_worker->now();
                m_session.delayElapsed();
                drainSession();
                readFromSocket();
            });
            break;
        case SmtpEvent::Type::RuleApplied:
            Q_EMIT m_worker->server()->ruleApplied(
                m_id, QDateTime::currentMSecsSinceEpoch(), event.text, event.success);
            break;
        case SmtpEvent::Type::EnvelopeChanged:
        case SmtpEvent::Type::AuthAttempted:
        case SmtpEvent::Type::StartTls:
            break;
        }
    }
    if (!out.isEmpty() && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_socket->write(out);
        // Send now rather than on the next event-loop pass: the client is waiting for this reply.
        m_socket->flush();
    }
    if (m_closing && !m_finished) {
        m_socket->disconnectFromHost();
        if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            finish();
        }
    }
}

void SmtpConnection::record(TranscriptEntry::Direction direction, const QByteArray &text)
{
    TranscriptEntry entry { QDateTime::currentMSecsSinceEpoch(), direction, text };
    Q_EMIT m_worker->server()->transcriptLine(m_id, entry);
    if (m_finalReplyStored && direction == TranscriptEntry::Direction::Out) {
        // Stored already, as the last entry of the message it answers.
        m_finalReplyStored = false;
        return;
    }
    if (m_unstored.size() >= MaxTranscriptEntries) {
        // A session that talks without sending mail: keep the oldest quarter and the newest half.
        const qsizetype keep = MaxTranscriptEntries / 4;
        const qsizetype drop = m_unstored.size() - keep - MaxTranscriptEntries / 2;
        m_unstored.remove(keep, drop);
        m_unstored.insert(keep,
            TranscriptEntry {
                entry.timeMs, TranscriptEntry::Direction::In, "[" + QByteArray::number(drop) + " entries omitted]" });
    }
    m_unstored.append(entry);
}

void SmtpConnection::deliveryFinished(bool ok, const QByteArray &messageId)
{
    m_lastActivity = m_worker->now();
    if (ok) {
        m_finalReplyStored = true;
    } else {
        // Nothing of that commit was stored: its entries go with the next message.
        m_inFlight.append(m_unstored);
        m_unstored = std::move(m_inFlight);
    }
    m_inFlight = Transcript();
    m_session.deliveryFinished(ok, messageId);
    drainSession();
    readFromSocket();
}

bool SmtpConnection::isIdleSince(qint64 now, qint64 timeoutMs) const
{
    return !m_finished && !m_session.isPaused() && !m_session.isDelaying() && now - m_lastActivity >= timeoutMs;
}

void SmtpConnection::timeout()
{
    m_session.timeout();
    drainSession();
}

void SmtpConnection::shutdown()
{
    if (m_finished) {
        return;
    }
    m_session.shutdown();
    drainSession();
}

void SmtpConnection::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    m_worker->connectionFinished(this);
}
