#include "smtpconnection.h"

#include "../net/netconnection.h"
#include "smtpserver.h"
#include "smtpworker.h"

#include <QDateTime>
#include <QTimer>

#include <type_traits>

namespace {
// Transcript entries kept between two messages of a session; beyond, the middle ones are summarised.
constexpr qsizetype MaxTranscriptEntries = 2000;
// Commands (each may consult rules) are handed to the session a few at a time, message data in large blocks.
constexpr qsizetype CommandChunk = 2048;
constexpr qsizetype DataChunk = 256 * 1024;
// The refusing rules kept for a refused session (the first is the one the API names): a client refused at every
// command of a long session adds no more.
constexpr qsizetype MaxRefusingRules = 100;
} // namespace

SmtpConnection::SmtpConnection(NetConnection *connection, const SmtpSessionConfig &config, SmtpWorker *worker)
    : m_connection(connection)
    , m_worker(worker)
    , m_session(config, connection->clientAddress(), connection->peerPort())
    , m_sessionKey(worker->newSessionKey())
{
    m_worker->connectionStarted(this);
}

SmtpConnection::~SmtpConnection()
{
    keepIfRefused();
    m_worker->connectionFinished(this);
}

quint64 SmtpConnection::id() const
{
    return m_connection->id();
}

void SmtpConnection::start(QByteArrayView early)
{
    // RFC 5321 §3.1: the client waits for our greeting, so nothing can have come yet from an SMTP client; what did
    // goes to the session before start(), which refuses the client.
    m_session.receive(early);
    if (m_connection->isEncrypted()) {
        // An implicit-TLS listener starts the handler after the handshake.
        m_session.setTlsActive(m_connection->tlsProtocol().toLatin1(), m_connection->tlsCipher().toLatin1());
    }
    m_session.start();
    drainSession();
}

qsizetype SmtpConnection::readSize() const
{
    if (m_session.isPaused() || m_session.isDelaying() || m_session.isClosed()) {
        return 0;
    }
    return m_session.readsCommands() ? CommandChunk : DataChunk;
}

void SmtpConnection::receive(QByteArrayView bytes)
{
    m_session.receive(bytes);
    drainSession();
}

void SmtpConnection::tlsStarted()
{
    m_session.tlsStarted(m_connection->tlsProtocol().toLatin1(), m_connection->tlsCipher().toLatin1());
    drainSession();
}

bool SmtpConnection::canTimeOut() const
{
    return !m_session.isPaused() && !m_session.isDelaying();
}

void SmtpConnection::timeout()
{
    m_session.timeout();
    drainSession();
}

void SmtpConnection::shutdown()
{
    m_session.shutdown();
    drainSession();
}

void SmtpConnection::disconnected()
{
    keepIfRefused();
    m_worker->connectionFinished(this);
}

void SmtpConnection::drainSession()
{
    // The output first: a StartTls or Close event acts after the reply that announced it went out.
    m_connection->write(m_session.takeOutput());
    for (SmtpEvent &event : m_session.takeEvents()) {
        handle(event);
    }
}

void SmtpConnection::handle(SmtpEvent &event)
{
    std::visit(
        [this](auto &e) {
            using Event = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<Event, SmtpEvents::ReceivedLine>) {
                record(TranscriptEntry::Direction::In, e.text);
            } else if constexpr (std::is_same_v<Event, SmtpEvents::SentReply>) {
                record(TranscriptEntry::Direction::Out, e.text);
            } else if constexpr (std::is_same_v<Event, SmtpEvents::MessageComplete>) {
                m_inFlight = std::move(m_unstored);
                m_unstored = Transcript();
                m_worker->deliver(this, m_session.takeMessage(), m_inFlight);
            } else if constexpr (std::is_same_v<Event, SmtpEvents::Close>) {
                m_connection->close();
            } else if constexpr (std::is_same_v<Event, SmtpEvents::StartTls>) {
                // The session offers STARTTLS only when the listener can (SmtpWorker::createHandler()); a
                // handshake that fails closes the connection.
                if (!m_connection->startServerTls()) {
                    m_connection->close();
                }
            } else if constexpr (std::is_same_v<Event, SmtpEvents::Delay>) {
                // A rule's delay: the reply is held by the session until this timer says so. The connection is
                // the timer's context: the timer dies with it.
                QTimer::singleShot(e.duration, m_connection, [this] {
                    m_connection->touch();
                    m_session.delayElapsed();
                    drainSession();
                    m_connection->readMore();
                });
            } else if constexpr (std::is_same_v<Event, SmtpEvents::PaceInput>) {
                // The connection paces its reads (a token bucket and a timer): the client is held back by TCP's
                // flow control, and the replies go out as soon as the input they answer was read.
                m_connection->setReadRate(e.bytesPerSecond);
            } else if constexpr (std::is_same_v<Event, SmtpEvents::RuleApplied>) {
                Q_EMIT m_worker->server()->ruleApplied(id(), QDateTime::currentMSecsSinceEpoch(), e.rule, e.refused);
                if (e.refused) {
                    if (m_refusingRules.size() < MaxRefusingRules) {
                        m_refusingRules << e.rule;
                    }
                    if (m_refusedData.isEmpty()) {
                        m_refusedData = std::move(e.data);
                    }
                }
            } else {
                static_assert(std::is_same_v<Event,
                                  SmtpEvents::EnvelopeChanged> || std::is_same_v<Event, SmtpEvents::AuthAttempted>);
            }
        },
        event);
}

void SmtpConnection::record(TranscriptEntry::Direction direction, const QByteArray &text)
{
    TranscriptEntry entry { QDateTime::currentMSecsSinceEpoch(), direction, text };
    Q_EMIT m_worker->server()->transcriptLine(id(), entry);
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
    m_connection->touch();
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
    m_connection->readMore();
}

QString SmtpConnection::listenerName() const
{
    return m_connection->listenerName();
}

void SmtpConnection::keepIfRefused()
{
    if (m_refusingRules.isEmpty() || m_kept) {
        return;
    }
    m_kept = true;
    // A message still being committed when the client went: its entries are not in the store yet, so the kept
    // session carries them itself (the store copies in only what is stored by now).
    Transcript transcript = std::move(m_inFlight);
    transcript += m_unstored;
    m_worker->keepRefusedSession(
        this, m_session.envelope(), std::move(m_refusingRules), std::move(transcript), std::move(m_refusedData));
}
