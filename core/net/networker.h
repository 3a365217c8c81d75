#pragma once

#include "netlistenoptions.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <array>
#include <memory>
#include <vector>

class NetConnection;
class NetProtocol;
class NetServer;
class QSocketNotifier;
class QTcpServer;
class QTimer;

// NetServer's part on the network thread: the listening sockets, the accept loop, every connection, the idle sweep.
class NetWorker : public QObject
{
    Q_OBJECT
public:
    explicit NetWorker(NetServer *server);
    ~NetWorker() override;

    bool listen(const NetListenOptions &options, NetProtocol *protocol, QString *error, quint16 *boundPort);
    void setLimits(int maxConnections, int idleTimeoutMs);
    void stopListening();
    void shutdownConnections();
    int connectionCount() const { return int(m_connections.size()); }

    qint64 now() const { return m_clock.elapsed(); }
    void connectionFinished(NetConnection *connection);

private:
    // A listening socket: QTcpServer binds and listens, but its own accepting stays paused and the notifier's
    // readiness calls acceptWaiting(). (Qt 6.4's socket engine keeps the first error it ever saw, the harmless EAGAIN
    // that ends every accept round, so QTcpServer never reports EMFILE: it spins on accept() instead.)
    struct Listener
    {
        QTcpServer *server = nullptr;
        QSocketNotifier *notifier = nullptr;
        NetListenOptions options;
        NetProtocol *protocol = nullptr;
    };
    void sweepIdle();
    // Accepts the clients waiting on a listener, a bounded number per round.
    void acceptWaiting(Listener *listener);
    void acceptDescriptor(Listener *listener, int descriptor);
    // Out of descriptors: spends the reserve on the waiting clients, each gets the protocol's refusal and is closed.
    // False when some are left waiting (no descriptor could be had even so).
    bool refuseWaitingClients(Listener *listener);
    void reopenReserve();
    void releaseReserve();
    bool hasReserve() const;
    // Accepting again on every listener (after a pause for want of descriptors).
    void resumeAccepting();

    NetServer *m_server;
    int m_idleTimeoutMs = 300000;
    int m_maxConnections = 1000;
    quint64 m_nextId = 1;
    std::vector<std::unique_ptr<Listener>> m_listeners;
    QHash<quint64, NetConnection *> m_connections;
    QTimer *m_sweep = nullptr;
    // Descriptors held back (open /dev/null): when accept() fails for want of descriptors, closing them lets the
    // waiting clients be accepted and refused in words instead of hearing nothing. Two, because what runs meanwhile
    // (a log line, a library call) may need a descriptor of its own besides the one each refused client takes.
    std::array<int, 2> m_reserve { -1, -1 };
    bool m_outOfDescriptors = false; // an episode is going on (logged once)
    QElapsedTimer m_lastShortage; // since accept() last failed for want of descriptors
    int m_refused = 0; // clients refused in the episode
    QTimer *m_resume = nullptr; // resumes listeners paused for want of descriptors
    QElapsedTimer m_clock;
};
