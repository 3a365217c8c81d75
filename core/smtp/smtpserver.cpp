#include "smtpserver.h"

#include "smtpworker.h"

#include <QDeadlineTimer>
#include <QThread>

SmtpServer::SmtpServer(MessageDelivery *delivery, QObject *parent)
    : QObject(parent), m_thread(new QThread), m_worker(new SmtpWorker(this, delivery))
{
    qRegisterMetaType<TranscriptEntry>();
    qRegisterMetaType<MessageSummary>();
    m_thread->setObjectName(QStringLiteral("letterbox-network"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

SmtpServer::~SmtpServer()
{
    close(5000);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void SmtpServer::setSessionConfig(const SmtpSessionConfig &config)
{
    m_config = config;
    QMetaObject::invokeMethod(
        m_worker,
        [this, config, idle = m_idleTimeout, max = m_maxConnections] { m_worker->configure(config, idle, max); },
        Qt::BlockingQueuedConnection);
}

SmtpSessionConfig SmtpServer::sessionConfig() const
{
    return m_config;
}

void SmtpServer::setIdleTimeout(int milliseconds)
{
    m_idleTimeout = milliseconds;
    setSessionConfig(m_config);
}

int SmtpServer::idleTimeout() const
{
    return m_idleTimeout;
}

void SmtpServer::setMaxConnections(int max)
{
    m_maxConnections = max;
    setSessionConfig(m_config);
}

int SmtpServer::maxConnections() const
{
    return m_maxConnections;
}

bool SmtpServer::listen(const QHostAddress &address, quint16 port)
{
    bool ok = false;
    QString error;
    quint16 bound = 0;
    QMetaObject::invokeMethod(
        m_worker, [&] { ok = m_worker->listen(address, port, &error, &bound); }, Qt::BlockingQueuedConnection);
    if (!ok) {
        m_errorString = error;
        return false;
    }
    m_listening.append({ address, bound });
    return true;
}

QList<QPair<QHostAddress, quint16>> SmtpServer::listeningAddresses() const
{
    return m_listening;
}

QString SmtpServer::errorString() const
{
    return m_errorString;
}

int SmtpServer::connectionCount() const
{
    int count = 0;
    QMetaObject::invokeMethod(
        m_worker, [&] { count = m_worker->connectionCount(); }, Qt::BlockingQueuedConnection);
    return count;
}

void SmtpServer::close(int timeoutMs)
{
    if (!m_thread->isRunning()) {
        return;
    }
    // No new connections; every session gets 421, those whose message is being committed right after
    // its 250 — so wait for those commits before the network thread may stop.
    QMetaObject::invokeMethod(
        m_worker,
        [this] {
            m_worker->stopListening();
            m_worker->closeAll();
        },
        Qt::BlockingQueuedConnection);
    m_listening.clear();
    QDeadlineTimer deadline(timeoutMs);
    while (m_worker->pendingDeliveries() > 0 && !deadline.hasExpired()) {
        QThread::msleep(5);
    }
}
