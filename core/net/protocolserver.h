#pragma once

#include "netlistenoptions.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

class NetProtocol;
class NetServer;
class QObject;

// A mail-reading protocol's server (POP3's Pop3Server, IMAP's ImapServer): a NetServer of its own, on a network
// thread named after it, whose listeners serve the connections a worker makes. The worker is the listeners'
// NetProtocol and a QObject living on that thread (so it may take the store's signals there). Call from the thread
// that created it.
class ProtocolServer
{
public:
    ProtocolServer(const ProtocolServer &) = delete;
    ProtocolServer &operator=(const ProtocolServer &) = delete;

    void setIdleTimeout(int milliseconds);
    void setMaxConnections(int max);
    bool listen(const NetListenOptions &options);
    QList<QPair<QHostAddress, quint16>> listeningAddresses() const;
    QString errorString() const;
    int connectionCount() const;
    // Stops accepting and tells every session the server stops.
    void close();

protected:
    // worker: a QObject and the NetProtocol of the listeners; owned, moved to the network thread.
    template<typename Worker>
    ProtocolServer(const QString &threadName, Worker *worker) : ProtocolServer(threadName, worker, worker)
    {
    }
    // Stops the network thread with its connections (whose handlers the worker made), then deletes the worker.
    ~ProtocolServer();
    // Runs fn on the network thread, where the worker lives (a configuration for the next connections).
    void call(const std::function<void()> &fn) const;

private:
    ProtocolServer(const QString &threadName, QObject *worker, NetProtocol *protocol);

    NetServer *m_net;
    QObject *m_worker;
    NetProtocol *m_protocol;
};
