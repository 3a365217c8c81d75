#pragma once

#include "pgconnection.h"
#include "pgnotification.h"

#include <QObject>

class QSocketNotifier;

// The notification pump: owns a connection that does nothing but LISTEN, watches its socket with a QSocketNotifier
// on the thread it lives in, and emits each notification as it arrives; no thread waits for one. A lost connection
// (the server restarted, the backend was terminated) is said once by connectionLost(), after which the listener is
// idle: the owner opens a new connection and makes a new listener.
class PgListener : public QObject
{
    Q_OBJECT
public:
    explicit PgListener(PgConnection connection, QObject *parent = nullptr);
    ~PgListener() override;

    bool listen(const QString &channel);
    QString errorString() const;

Q_SIGNALS:
    void notified(const PgNotification &notification);
    void connectionLost(const QString &error);

private:
    void readSocket();

    PgConnection m_connection;
    QSocketNotifier *m_notifier = nullptr;
};
