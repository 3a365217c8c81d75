#include "pgchangefeed.h"

#include "pgconnection.h"
#include "pglistener.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcPgStore)

PgChangeFeed::PgChangeFeed(const QString &url, const QString &origin, QObject *parent)
    : QObject(parent), m_url(url), m_origin(origin)
{
}

PgChangeFeed::~PgChangeFeed() = default;

void PgChangeFeed::start()
{
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, [this] {
        if (connectNow()) {
            Q_EMIT resumed();
        } else {
            retryLater();
        }
    });
    if (!connectNow()) {
        retryLater();
    }
    m_started.release();
}

bool PgChangeFeed::waitUntilStarted(int timeout)
{
    return m_started.tryAcquire(1, timeout);
}

bool PgChangeFeed::connectNow()
{
    PgConnection connection;
    if (!connection.open(m_url)) {
        if (!m_lostOnce) {
            qCWarning(lcPgStore).noquote() << "cannot listen for other instances' changes:" << connection.errorString();
        }
        return false;
    }
    auto *listener = new PgListener(std::move(connection), this);
    if (!listener->listen(QString::fromLatin1(PgChange::Channel))) {
        qCWarning(lcPgStore).noquote() << "cannot listen for other instances' changes:" << listener->errorString();
        delete listener;
        return false;
    }
    connect(listener, &PgListener::notified, this, [this](const PgNotification &notification) {
        const std::optional<PgChange> change = PgChange::parse(notification.payload);
        if (change && change->origin != m_origin) {
            Q_EMIT changed(*change);
        }
    });
    connect(listener, &PgListener::connectionLost, this, [this, listener](const QString &error) {
        qCWarning(lcPgStore).noquote() << "lost the connection that listens for other instances' changes:" << error;
        listener->deleteLater();
        if (m_listener == listener) {
            m_listener = nullptr;
        }
        m_lostOnce = true;
        m_delay = MinRetryDelay;
        retryLater();
    });
    m_listener = listener;
    m_delay = MinRetryDelay;
    return true;
}

void PgChangeFeed::retryLater()
{
    m_retry->start(m_delay);
    m_delay = std::min(m_delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(MaxRetryDelay));
}
