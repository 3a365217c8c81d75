#pragma once

#include "../net/netlistenoptions.h"
#include "pop3serverconfig.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>

class MessageStore;
class NetServer;
class Pop3Worker;

// The POP3 server: a NetServer (core/net) of its own whose listeners serve Pop3Sessions from the store, one
// mailbox per login (CONTRACT "POP3 and IMAP"). RETR streams the stored source in pieces as the client takes it,
// and marks the message read; DELE deletes at QUIT through the store, so the app and the API see it at once. Call
// from the thread that created it.
class Pop3Server : public QObject
{
    Q_OBJECT
public:
    // store must outlive the server.
    explicit Pop3Server(MessageStore *store, QObject *parent = nullptr);
    ~Pop3Server() override;

    void setConfig(const Pop3ServerConfig &config);
    void setIdleTimeout(int milliseconds);
    void setMaxConnections(int max);
    bool listen(const NetListenOptions &options);
    QList<QPair<QHostAddress, quint16>> listeningAddresses() const;
    QString errorString() const;
    int connectionCount() const;
    // Stops accepting and tells every session the server stops (RFC 1939 sessions end without UPDATE).
    void close();

private:
    NetServer *m_net;
    Pop3Worker *m_worker;
};
