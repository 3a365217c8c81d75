#include "imapserver.h"

#include "../net/netserver.h"
#include "imapworker.h"

#include <QThread>

ImapServer::ImapServer(MessageStore *store, QObject *parent)
    : QObject(parent), m_net(new NetServer(QStringLiteral("letterbox-imap"))), m_worker(new ImapWorker(store))
{
    m_worker->moveToThread(m_net->networkThread());
}

ImapServer::~ImapServer()
{
    close();
    // The network thread stops with its connections (whose handlers were made by the worker), then the worker goes.
    delete m_net;
    delete m_worker;
}

void ImapServer::setConfig(const ImapServerConfig &config)
{
    m_net->call([this, config] { m_worker->configure(config); });
}

void ImapServer::setIdleTimeout(int milliseconds)
{
    m_net->setIdleTimeout(milliseconds);
}

void ImapServer::setMaxConnections(int max)
{
    m_net->setMaxConnections(max);
}

bool ImapServer::listen(const NetListenOptions &options)
{
    return m_net->listen(options, m_worker);
}

QList<QPair<QHostAddress, quint16>> ImapServer::listeningAddresses() const
{
    return m_net->listeningAddresses();
}

QString ImapServer::errorString() const
{
    return m_net->errorString();
}

int ImapServer::connectionCount() const
{
    return m_net->connectionCount();
}

void ImapServer::close()
{
    m_net->stopListening();
    m_net->shutdownConnections();
}
