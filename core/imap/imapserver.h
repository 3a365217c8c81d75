#pragma once

#include "../net/protocolserver.h"
#include "imapserverconfig.h"

class MessageStore;
class ImapWorker;

// The IMAP server: a NetServer (core/net) of its own whose listeners serve ImapSessions from the store (CONTRACT
// "POP3 and IMAP"): a login's mailbox is its INBOX, every other mailbox a folder. Flags are the store's (\Seen the
// read state, \Flagged the pin), EXPUNGE deletes through the store, and a selected mailbox follows the store's
// changes (IDLE announces them at once). Call from the thread that created it.
class ImapServer : public ProtocolServer
{
public:
    // store must outlive the server.
    explicit ImapServer(MessageStore *store);

    void setConfig(const ImapServerConfig &config);

private:
    explicit ImapServer(ImapWorker *worker);

    ImapWorker *m_worker;
};
