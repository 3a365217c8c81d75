#include "pop3server.h"

#include "../net/netserver.h"
#include "pop3worker.h"

#include <QThread>

Pop3Server::Pop3Server(MessageStore *store, QObject *parent)
    : QObject(parent), m_net(new NetServer(QStringLiteral("letterbox-pop3"))), m_worker(new Pop3Worker(store))
{
    m_worker->moveToThread(m_net->networkThread());
}

Pop3Server::~Pop3Server()
{
    close();
    // The network thread stops with its connections (whose handlers were made by the worker), then the worker goes.
    delete m_net;
    delete m_worker;
}

void Pop3Server::setConfig(const Pop3ServerConfig &config)
{
    m_net->call([this, config] { m_worker->configure(config); });
}

void Pop3Server::setIdleTimeout(int milliseconds)
{
    m_net->setIdleTimeout(milliseconds);
}

void Pop3Server::setMaxConnections(int max)
{
    m_net->setMaxConnections(max);
}

bool Pop3Server::listen(const NetListenOptions &options)
{
    return m_net->listen(options, m_worker);
}

QList<QPair<QHostAddress, quint16>> Pop3Server::listeningAddresses() const
{
    return m_net->listeningAddresses();
}

QString Pop3Server::errorString() const
{
    return m_net->errorString();
}

int Pop3Server::connectionCount() const
{
    return m_net->connectionCount();
}

void Pop3Server::close()
{
    m_net->stopListening();
    m_net->shutdownConnections();
}
