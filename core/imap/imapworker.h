#pragma once

#include "../net/netprotocol.h"
#include "imapserverconfig.h"

#include <QObject>

class MessageStore;

// The IMAP listeners' protocol on the network thread: makes an ImapConnection for each client, with the
// configuration in force when it connected, and tells them when the store changed (storeChanged(), on the network
// thread), so that a selected mailbox is read again before the client's next command, or at once while it idles.
class ImapWorker : public QObject, public NetProtocol
{
    Q_OBJECT
public:
    explicit ImapWorker(MessageStore *store);

    // On the network thread.
    void configure(const ImapServerConfig &config);
    std::unique_ptr<NetHandler> createHandler(NetConnection *connection) override;
    QByteArray refusal(NetRefusal reason) const override;

Q_SIGNALS:
    void storeChanged();

private:
    MessageStore *m_store;
    ImapServerConfig m_config;
};
