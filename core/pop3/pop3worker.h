#pragma once

#include "../net/netprotocol.h"
#include "pop3serverconfig.h"

#include <QObject>

class MessageStore;

// The POP3 listeners' protocol on the network thread: makes a Pop3Connection for each client, with the
// configuration in force when it connected.
class Pop3Worker : public QObject, public NetProtocol
{
    Q_OBJECT
public:
    explicit Pop3Worker(MessageStore *store);

    // On the network thread.
    void configure(const Pop3ServerConfig &config);
    std::unique_ptr<NetHandler> createHandler(NetConnection *connection) override;
    QByteArray refusal(NetRefusal reason) const override;

private:
    MessageStore *m_store;
    Pop3ServerConfig m_config;
};
