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
    void start();
    // The store's answer for the message this connection handed over.
    void deliveryFinished(bool ok, const QByteArray &messageId);
    bool isIdleSince(qint64 now, qint64 timeoutMs) const;
    bool isAwaitingDelivery() const { return m_session.isPaused(); }
    bool hasTransaction() const { return m_session.hasTransaction(); }
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
    Transcript m_transcript;
    qsizetype m_prologueEnd = -1; // entries before the first MAIL: kept for every later message
    qint64 m_lastActivity = 0;
    bool m_cutAfterNextReply = false;
    bool m_closing = false;
    bool m_finished = false;
};
