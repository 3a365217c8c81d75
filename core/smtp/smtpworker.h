#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "smtpsession.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <atomic>
#include <mutex>
#include <vector>

class MessageDelivery;
class QTcpServer;
class QTimer;
class SmtpConnection;
class SmtpServer;
struct DeliveryResult;

// Lives on the network thread: owns the listening sockets and every connection.
class SmtpWorker : public QObject
{
    Q_OBJECT
public:
    SmtpWorker(SmtpServer *server, MessageDelivery *delivery);
    ~SmtpWorker() override;

    // Network-thread calls (reached from SmtpServer through blocking queued invocations).
    bool listen(const QHostAddress &address, quint16 port, QString *error, quint16 *boundPort);
    void configure(const SmtpSessionConfig &config, int idleTimeoutMs, int maxConnections);
    void stopListening();
    void closeAll();
    int connectionCount() const { return int(m_connections.size()); }
    // Deliveries handed to the store and not yet answered; read from any thread.
    int pendingDeliveries() const { return m_pendingDeliveries.load(); }

    void acceptDescriptor(qintptr descriptor);
    qint64 now() const { return m_clock.elapsed(); }
    // Unique, increasing keys for sessions' transcripts in the store (milliseconds << 12, then +1).
    quint64 newSessionKey();
    SmtpServer *server() const { return m_server; }
    void deliver(SmtpConnection *connection, SmtpMessage message, const Transcript &transcript);
    void connectionFinished(SmtpConnection *connection);

private:
    struct Finished
    {
        quint64 connectionId;
        QByteArray id;
        bool ok;
        MessageSummary summary;
    };
    void queueFinished(Finished finished);
    void finishDeliveries();
    void sweepIdle();

    SmtpServer *m_server;
    MessageDelivery *m_delivery;
    SmtpSessionConfig m_config;
    int m_idleTimeoutMs = 300000;
    int m_maxConnections = 1000;
    quint64 m_nextId = 1;
    quint64 m_lastSessionKey = 0;
    std::vector<QTcpServer *> m_listeners;
    QHash<quint64, SmtpConnection *> m_connections;
    QTimer *m_sweep = nullptr;
    QElapsedTimer m_clock;
    std::atomic<int> m_pendingDeliveries { 0 };
    // Store results arrive on the writer thread; one queued call drains them all (one wake-up per batch).
    std::mutex m_finishedMutex;
    std::vector<Finished> m_finished;
    bool m_finishPosted = false;
};
