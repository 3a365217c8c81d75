#pragma once

#include "../net/netlistenoptions.h"
#include "imapserverconfig.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>

class MessageStore;
class NetServer;
class ImapWorker;

// The IMAP server: a NetServer (core/net) of its own whose listeners serve ImapSessions from the store (CONTRACT
// "POP3 and IMAP"): a login's mailbox is its INBOX, every other mailbox a folder. Flags are the store's (\Seen the
// read state, \Flagged the pin), EXPUNGE deletes through the store, and a selected mailbox follows the store's
// changes (IDLE announces them at once). Call from the thread that created it.
class ImapServer : public QObject
{
    Q_OBJECT
public:
    // store must outlive the server.
    explicit ImapServer(MessageStore *store, QObject *parent = nullptr);
    ~ImapServer() override;

    void setConfig(const ImapServerConfig &config);
    void setIdleTimeout(int milliseconds);
    void setMaxConnections(int max);
    bool listen(const NetListenOptions &options);
    QList<QPair<QHostAddress, quint16>> listeningAddresses() const;
    QString errorString() const;
    int connectionCount() const;
    // Stops accepting and tells every session the server stops (* BYE).
    void close();

private:
    NetServer *m_net;
    ImapWorker *m_worker;
};
