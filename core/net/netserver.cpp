#include "netserver.h"

#include "networker.h"

#include <QThread>

NetServer::NetServer(const QString &threadName, QObject *parent)
    : QObject(parent), m_thread(new QThread), m_worker(new NetWorker(this))
{
    m_thread->setObjectName(threadName);
    m_worker->moveToThread(m_thread);
    // Deleted on the network thread as it finishes, with every connection (its children).
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

NetServer::~NetServer()
{
    stopListening();
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void NetServer::call(const std::function<void()> &fn) const
{
    QMetaObject::invokeMethod(m_worker, fn, Qt::BlockingQueuedConnection);
}

void NetServer::setMaxConnections(int max)
{
    m_maxConnections = max;
    applyLimits();
}

int NetServer::maxConnections() const
{
    return m_maxConnections;
}

void NetServer::setIdleTimeout(int milliseconds)
{
    m_idleTimeout = milliseconds;
    applyLimits();
}

int NetServer::idleTimeout() const
{
    return m_idleTimeout;
}

void NetServer::applyLimits()
{
    call([this, max = m_maxConnections, idle = m_idleTimeout] { m_worker->setLimits(max, idle); });
}

bool NetServer::listen(const NetListenOptions &options, NetProtocol *protocol)
{
    bool ok = false;
    QString error;
    quint16 bound = 0;
    call([&] { ok = m_worker->listen(options, protocol, &error, &bound); });
    if (!ok) {
        m_errorString = error;
        return false;
    }
    m_listening.append({ options.address, bound });
    return true;
}

QList<QPair<QHostAddress, quint16>> NetServer::listeningAddresses() const
{
    return m_listening;
}

QString NetServer::errorString() const
{
    return m_errorString;
}

int NetServer::connectionCount() const
{
    int count = 0;
    call([&] { count = m_worker->connectionCount(); });
    return count;
}

void NetServer::stopListening()
{
    if (!m_thread->isRunning()) {
        return;
    }
    call([this] { m_worker->stopListening(); });
    m_listening.clear();
}

void NetServer::shutdownConnections()
{
    if (!m_thread->isRunning()) {
        return;
    }
    call([this] { m_worker->shutdownConnections(); });
}
