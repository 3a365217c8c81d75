#include "protocolserver.h"

#include "netprotocol.h"
#include "netserver.h"

#include <QObject>
#include <QThread>

ProtocolServer::ProtocolServer(const QString &threadName, QObject *worker, NetProtocol *protocol)
    : m_net(new NetServer(threadName)), m_worker(worker), m_protocol(protocol)
{
    m_worker->moveToThread(m_net->networkThread());
}

ProtocolServer::~ProtocolServer()
{
    close();
    // The network thread stops with its connections (whose handlers were made by the worker), then the worker goes.
    delete m_net;
    delete m_worker;
}

void ProtocolServer::call(const std::function<void()> &fn) const
{
    m_net->call(fn);
}

void ProtocolServer::setIdleTimeout(int milliseconds)
{
    m_net->setIdleTimeout(milliseconds);
}

void ProtocolServer::setMaxConnections(int max)
{
    m_net->setMaxConnections(max);
}

bool ProtocolServer::listen(const NetListenOptions &options)
{
    return m_net->listen(options, m_protocol);
}

QList<QPair<QHostAddress, quint16>> ProtocolServer::listeningAddresses() const
{
    return m_net->listeningAddresses();
}

QString ProtocolServer::errorString() const
{
    return m_net->errorString();
}

int ProtocolServer::connectionCount() const
{
    return m_net->connectionCount();
}

void ProtocolServer::close()
{
    m_net->stopListening();
    m_net->shutdownConnections();
}
