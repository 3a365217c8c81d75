#pragma once

#include "../message/transcriptentry.h"
#include "smtpsession.h"

#include <QObject>

class QTcpSocket;
class SmtpWorker;

// One client connection on the network thread: socket I/O around a pure SmtpSession.
class SmtpConnection : public QObject
{
    Q_OBJECT
public:
    SmtpConnection(quint64 id, QTcpSocket *socket, const SmtpSessionConfig &config, SmtpWorker *worker);

    quint64 id() const { return m_id; }
    quint64 sessionKey() const { return m_sessionKey; }
    void start();
    // The store's answer for the message this connection handed over.
    void deliveryFinished(bool ok, const QByteArray &messageId);
    bool isIdleSince(qint64 now, qint64 timeoutMs) const;
    bool hasTransaction() const { return m_session.hasTransaction(); }
    // The final reply this connection's session gives a message stored as messageId, as a transcript entry.
    QByteArray queuedReplyTranscript(const QByteArray &messageId) const
    {
        return m_session.queuedReplyTranscript(messageId);
    }
    void timeout();
    void shutdown();

private:
    void readFromSocket();
    void drainSession();
    void record(TranscriptEntry::Direction direction, const QByteArray &text);
    void finish();

    quint64 m_id;
    QTcpSocket *m_socket;
    SmtpWorker *m_worker;
    SmtpSession m_session;
    quint64 m_sessionKey;
    Transcript m_unstored; // entries not yet handed to the store with a message
    Transcript m_inFlight; // entries handed over with the message being committed (kept in case it fails)
    qint64 m_lastActivity = 0;
    bool m_finalReplyStored = false; // the next reply was stored in advance with its message
    bool m_closing = false;
    bool m_readScheduled = false; // a read slice is queued (the previous one used up its time)
    bool m_finished = false;
};
