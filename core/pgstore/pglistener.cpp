#include "pglistener.h"

#include <QPointer>
#include <QSocketNotifier>

PgListener::PgListener(PgConnection connection, QObject *parent) : QObject(parent), m_connection(std::move(connection))
{
    if (m_connection.isOpen()) {
        m_notifier = new QSocketNotifier(m_connection.socketDescriptor(), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &PgListener::readSocket);
    }
}

PgListener::~PgListener()
{
    // Before the connection closes its socket.
    delete m_notifier;
}

bool PgListener::listen(const QString &channel)
{
    if (!m_notifier || !m_connection.listen(channel)) {
        return false;
    }
    // Notifications that came in with the reply to LISTEN are already read from the socket, which therefore may not
    // become readable for them: they are emitted from the event loop.
    QMetaObject::invokeMethod(this, &PgListener::readSocket, Qt::QueuedConnection);
    return true;
}

QString PgListener::errorString() const
{
    return m_notifier ? m_connection.errorString() : QStringLiteral("not connected");
}

void PgListener::readSocket()
{
    if (!m_notifier) {
        return;
    }
    const bool read = m_connection.consumeInput();
    const QList<PgNotification> notifications = m_connection.takeNotifications();
    // Reading or parsing may find the connection gone (libpq then closes the socket): the notifier must not watch a
    // descriptor that may be reused.
    const bool lost = !read || !m_connection.isOpen();
    const QString error = m_connection.errorString();
    if (lost) {
        delete m_notifier;
        m_notifier = nullptr;
    }
    const QPointer<PgListener> alive(this);
    for (const PgNotification &notification : notifications) {
        Q_EMIT notified(notification);
        // A receiver may have deleted the listener.
        if (!alive) {
            return;
        }
    }
    if (lost) {
        Q_EMIT connectionLost(error.isEmpty() ? QStringLiteral("the connection to the server was lost") : error);
    }
}
