#pragma once

#include "../net/protocolserver.h"
#include "pop3serverconfig.h"

class MessageStore;
class Pop3Worker;

// The POP3 server: a NetServer (core/net) of its own whose listeners serve Pop3Sessions from the store, one
// mailbox per login (CONTRACT "POP3 and IMAP"). RETR streams the stored source in pieces as the client takes it,
// and marks the message read; DELE deletes at QUIT through the store, so the app and the API see it at once. Call
// from the thread that created it.
class Pop3Server : public ProtocolServer
{
public:
    // store must outlive the server.
    explicit Pop3Server(MessageStore *store);

    void setConfig(const Pop3ServerConfig &config);

private:
    explicit Pop3Server(Pop3Worker *worker);

    Pop3Worker *m_worker;
};
