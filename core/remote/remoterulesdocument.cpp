#include "remoterulesdocument.h"

#include "remotehttp.h"

#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

namespace {
const QString rulesPath = QStringLiteral("/api/v1/rules");
}

RemoteRulesDocument::RemoteRulesDocument(const RemoteEndpoint &endpoint, QObject *parent)
    : SettingsDocument(parent), m_endpoint(endpoint), m_pool(std::make_unique<QThreadPool>()), m_timer(new QTimer(this))
{
    // One read at a time is all polling needs; saves run on the caller's thread.
    m_pool->setMaxThreadCount(1);
    m_timer->setInterval(2000);
    connect(m_timer, &QTimer::timeout, this, &RemoteRulesDocument::poll);
}

RemoteRulesDocument::~RemoteRulesDocument()
{
    close();
}

QString RemoteRulesDocument::location() const
{
    return m_endpoint.url(rulesPath).toDisplayString(QUrl::RemoveUserInfo);
}

std::optional<SettingsDocument::Contents> RemoteRulesDocument::read(QString *error)
{
    const RemoteReply reply
        = RemoteHttp::send(m_endpoint, "GET", m_endpoint.url(rulesPath), QByteArray(), m_timeout, &m_open);
    if (!reply.isOk()) {
        *error = QStringLiteral("%1: %2").arg(location(), reply.errorString());
        return std::nullopt;
    }
    QMutexLocker lock(&m_mutex);
    m_known = reply.body;
    return Contents { true, reply.body, m_revision };
}

bool RemoteRulesDocument::write(const QByteArray &body, qint64 *revision, QString *error)
{
    {
        QMutexLocker lock(&m_mutex);
        ++m_saves;
        ++m_savesUnderWay;
    }
    const RemoteReply reply = RemoteHttp::send(m_endpoint, "PUT", m_endpoint.url(rulesPath), body, m_timeout, &m_open);
    QMutexLocker lock(&m_mutex);
    --m_savesUnderWay;
    if (reply.isOk()) {
        // The server answers with the rules now in force, in its own spelling: what a later read is compared with.
        m_known = reply.body;
        *revision = ++m_revision;
        return true;
    }
    // README "REST API": a 400 is the validation's "LINE: field: problem", and nothing changed on the server.
    const QString said = QString::fromUtf8(reply.body).trimmed();
    *error = reply.status == 400 && !said.isEmpty() ? QStringLiteral("%1: %2").arg(location(), said)
                                                    : QStringLiteral("%1: %2").arg(location(), reply.errorString());
    // What the window applied is not what the server keeps: the next read tells the server's rules back.
    m_known.clear();
    lock.unlock();
    QMetaObject::invokeMethod(this, &RemoteRulesDocument::poll, Qt::QueuedConnection);
    return false;
}

void RemoteRulesDocument::fetch(
    QObject *context, std::function<void(const std::optional<QByteArray> &body, const QString &error)> done)
{
    QPointer<QObject> guard(context);
    m_pool->start([this, guard, done = std::move(done)] {
        QString error;
        const std::optional<Contents> contents = read(&error);
        const std::optional<QByteArray> body = contents ? std::optional<QByteArray>(contents->body) : std::nullopt;
        // By way of this object (which waits for its pool before it goes) to the context's thread.
        QMetaObject::invokeMethod(
            this,
            [guard, done, body, error] {
                if (QObject *c = guard.data()) {
                    // Queued: done may delete this object.
                    QMetaObject::invokeMethod(
                        c, [done, body, error] { done(body, error); }, Qt::QueuedConnection);
                }
            },
            Qt::QueuedConnection);
    });
}

void RemoteRulesDocument::setRequestTimeout(int milliseconds)
{
    m_timeout = milliseconds;
}

void RemoteRulesDocument::setPolling(bool on)
{
    if (on == m_timer->isActive()) {
        return;
    }
    if (on) {
        m_timer->start();
        poll();
    } else {
        m_timer->stop();
    }
}

bool RemoteRulesDocument::isPolling() const
{
    return m_timer->isActive();
}

void RemoteRulesDocument::setPollInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void RemoteRulesDocument::poll()
{
    if (!m_open || m_reading.exchange(true)) {
        return;
    }
    quint64 savesBefore = 0;
    {
        QMutexLocker lock(&m_mutex);
        if (m_savesUnderWay > 0) {
            // Its answer is the rules known next; a read now could only tell the old ones.
            m_reading = false;
            return;
        }
        savesBefore = m_saves;
    }
    m_pool->start([this, savesBefore] {
        // This object waits for its pool before it goes (close()): this is alive here.
        const RemoteReply reply
            = RemoteHttp::send(m_endpoint, "GET", m_endpoint.url(rulesPath), QByteArray(), m_timeout, &m_open);
        const QByteArray body = reply.isOk() ? reply.body : QByteArray();
        QMetaObject::invokeMethod(
            this, [this, body, savesBefore] { pollFinished(body, savesBefore); }, Qt::QueuedConnection);
    });
}

void RemoteRulesDocument::pollFinished(const QByteArray &body, quint64 savesBefore)
{
    qint64 revision = 0;
    m_reading = false;
    if (!m_open || body.isEmpty()) {
        // No answer: the attached window's status line says why; the next poll tries again.
        return;
    }
    {
        QMutexLocker lock(&m_mutex);
        if (m_saves != savesBefore || m_savesUnderWay > 0 || body == m_known) {
            return;
        }
        m_known = body;
        revision = ++m_revision;
    }
    received(body, revision);
}

void RemoteRulesDocument::close()
{
    m_open = false;
    if (QThread::currentThread() == thread()) {
        m_timer->stop();
    }
    m_pool->waitForDone();
}
