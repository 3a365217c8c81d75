#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "smtpsession.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <array>
#include <atomic>
#include <mutex>
#include <vector>

class MessageDelivery;
class QSocketNotifier;
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
    // A listening socket: QTcpServer binds and listens, but its own accepting stays paused and the notifier's
    // readiness calls acceptWaiting(). (Qt 6.4's socket engine keeps the first error it ever saw, the harmless EAGAIN
    // that ends every accept round, so QTcpServer never reports EMFILE: it spins on accept() instead.)
    struct Listener
    {
        QTcpServer *server = nullptr;
        QSocketNotifier *notifier = nullptr;
    };
    void queueFinished(Finished finished);
    void finishDeliveries();
    void sweepIdle();
    // Accepts the clients waiting on a listener, a bounded number per round.
    void acceptWaiting(const Listener &listener);
    void acceptDescriptor(int descriptor);
    // Out of descriptors: spends the reserve on the waiting clients, each gets 421 and is closed. False when some
    // are left waiting (no descriptor could be had even so).
    bool refuseWaitingClients(int listenDescriptor);
    void reopenReserve();
    void releaseReserve();
    bool hasReserve() const;
    // Accepting again on every listener (after a pause for want of descriptors).
    void resumeAccepting();

    SmtpServer *m_server;
    MessageDelivery *m_delivery;
    SmtpSessionConfig m_config;
    int m_idleTimeoutMs = 300000;
    int m_maxConnections = 1000;
    quint64 m_nextId = 1;
    quint64 m_lastSessionKey = 0;
    std::vector<Listener> m_listeners;
    QHash<quint64, SmtpConnection *> m_connections;
    QTimer *m_sweep = nullptr;
    // Descriptors held back (open /dev/null): when accept() fails for want of descriptors, closing them lets the
    // waiting clients be accepted and told 421 instead of hearing nothing. Two, because what runs meanwhile (a log
    // line, a library call) may need a descriptor of its own besides the one each refused client takes.
    std::array<int, 2> m_reserve { -1, -1 };
    bool m_outOfDescriptors = false; // an episode is going on (logged once)
    QElapsedTimer m_lastShortage; // since accept() last failed for want of descriptors
    int m_refused = 0; // clients refused with 421 in the episode
    QTimer *m_resume = nullptr; // resumes listeners paused for want of descriptors
    QElapsedTimer m_clock;
    std::atomic<int> m_pendingDeliveries { 0 };
    // Store results arrive on the writer thread; one queued call drains them all (one wake-up per batch).
    std::mutex m_finishedMutex;
    std::vector<Finished> m_finished;
    bool m_finishPosted = false;
};
