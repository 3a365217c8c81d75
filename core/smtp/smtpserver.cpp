#include "smtpserver.h"

#include "../net/netlistenoptions.h"
#include "../net/netserver.h"
#include "smtpworker.h"

#include <QDeadlineTimer>
#include <QThread>

SmtpServer::SmtpServer(MessageDelivery *delivery, QObject *parent)
    : QObject(parent)
    , m_net(new NetServer(QStringLiteral("letterbox-network")))
    , m_worker(new SmtpWorker(this, delivery))
{
    qRegisterMetaType<TranscriptEntry>();
    qRegisterMetaType<MessageSummary>();
    m_worker->moveToThread(m_net->networkThread());
    connect(m_net, &NetServer::connectionOpened, this, &SmtpServer::connectionOpened, Qt::DirectConnection);
    connect(m_net, &NetServer::connectionClosed, this, &SmtpServer::connectionClosed, Qt::DirectConnection);
}

SmtpServer::~SmtpServer()
{
    close(5000);
    // The network thread stops with its connections (whose handlers name the worker), then the worker goes.
    delete m_net;
    delete m_worker;
}

void SmtpServer::setSessionConfig(const SmtpSessionConfig &config)
{
    m_config = config;
    m_net->call([this, config] { m_worker->configure(config); });
}

SmtpSessionConfig SmtpServer::sessionConfig() const
{
    return m_config;
}

void SmtpServer::setIdleTimeout(int milliseconds)
{
    m_net->setIdleTimeout(milliseconds);
}

int SmtpServer::idleTimeout() const
{
    return m_net->idleTimeout();
}

void SmtpServer::setMaxConnections(int max)
{
    m_net->setMaxConnections(max);
}

int SmtpServer::maxConnections() const
{
    return m_net->maxConnections();
}

bool SmtpServer::listen(const QHostAddress &address, quint16 port, const QString &name)
{
    NetListenOptions options;
    options.address = address;
    options.port = port;
    options.name = name;
    return m_net->listen(options, m_worker);
}

bool SmtpServer::listen(const QHostAddress &address, quint16 port, NetListenOptions::Tls tls,
    const std::function<std::optional<QSslConfiguration>()> &certificateSource, const QString &name)
{
    NetListenOptions options;
    options.address = address;
    options.port = port;
    options.name = name;
    options.tls = tls;
    options.sslConfigurationSource = certificateSource;
    return m_net->listen(options, m_worker);
}

QList<QPair<QHostAddress, quint16>> SmtpServer::listeningAddresses() const
{
    return m_net->listeningAddresses();
}

QString SmtpServer::errorString() const
{
    return m_net->errorString();
}

int SmtpServer::connectionCount() const
{
    return m_net->connectionCount();
}

void SmtpServer::close(int timeoutMs)
{
    // No new connections; every session gets 421, those whose message is being committed right after
    // its 250 — so wait for those commits before the network thread may stop.
    m_net->stopListening();
    m_net->shutdownConnections();
    QDeadlineTimer deadline(timeoutMs);
    while (m_worker->pendingDeliveries() > 0 && !deadline.hasExpired()) {
        QThread::msleep(5);
    }
}
