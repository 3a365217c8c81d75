#pragma once

#include "netlistenoptions.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <functional>

class NetProtocol;
class NetWorker;
class QThread;

// A network server for any protocol that serves many connections from one thread (SMTP now; POP3 and IMAP next):
// listeners on a thread of their own, each socket created on that thread from the accepted descriptor (Qt's
// incomingConnection(qintptr) idea), a connection limit with the protocol's refusal, an idle sweep, descriptor
// exhaustion met with a refusal instead of silence, bounded reads and output (NetConnection) and TLS on request or
// from the start. Each listener has its NetProtocol, which makes the NetHandler of every connection it accepts.
// Call the methods from the thread that created the server; the signals are emitted on the network thread.
class NetServer : public QObject
{
    Q_OBJECT
public:
    explicit NetServer(const QString &threadName, QObject *parent = nullptr);
    // Stops accepting, then the network thread; the connections and their handlers go with it.
    ~NetServer() override;

    // The connections of all listeners together; the next client gets NetRefusal::TooManyConnections.
    void setMaxConnections(int max);
    int maxConnections() const;
    // A connection whose handler can time out and that stayed silent this long gets NetHandler::timeout().
    void setIdleTimeout(int milliseconds);
    int idleTimeout() const;

    // Opens one more listener; protocol serves its connections and must outlive it. On failure errorString() says
    // why.
    bool listen(const NetListenOptions &options, NetProtocol *protocol);
    // The bound addresses (real ports), in the order listen() opened them.
    QList<QPair<QHostAddress, quint16>> listeningAddresses() const;
    QString errorString() const;
    int connectionCount() const;
    // Closes every listener; the connections stay.
    void stopListening();
    // Tells every connection the server stops (NetHandler::shutdown()).
    void shutdownConnections();

    // The thread that runs listeners and connections; a protocol's QObjects move to it.
    QThread *networkThread() const { return m_thread; }
    // Runs fn on the network thread and waits for it (never call from that thread).
    void call(const std::function<void()> &fn) const;

Q_SIGNALS:
    void connectionOpened(quint64 connectionId, const QHostAddress &peer, quint16 port);
    void connectionClosed(quint64 connectionId);

private:
    void applyLimits();

    QThread *m_thread = nullptr;
    NetWorker *m_worker = nullptr;
    int m_maxConnections = 1000;
    int m_idleTimeout = 300000;
    QString m_errorString;
    QList<QPair<QHostAddress, quint16>> m_listening;
};
