#include "imapworker.h"

#include "../store/messagestore.h"
#include "imapconnection.h"

ImapWorker::ImapWorker(MessageStore *store) : m_store(store)
{
    // Every change a mail client can see: arrivals, deletions, read marks and pins. Received on this worker's
    // thread (queued), after the commit.
    connect(store, &MessageStore::messageStored, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::messagesRemoved, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::messagesCleared, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::messagesPruned, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::readChanged, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::pinnedChanged, this, &ImapWorker::storeChanged);
    connect(store, &MessageStore::mailboxesChanged, this, &ImapWorker::storeChanged);
}

void ImapWorker::configure(const ImapServerConfig &config)
{
    m_config = config;
}

std::unique_ptr<NetHandler> ImapWorker::createHandler(NetConnection *connection)
{
    return std::make_unique<ImapConnection>(connection, m_config, m_store, this);
}

QByteArray ImapWorker::refusal(NetRefusal reason) const
{
    // RFC 3501 §7.1.5: BYE, the server is closing the connection; [UNAVAILABLE] (RFC 5530) a passing condition.
    return reason == NetRefusal::TooManyConnections ? "* BYE [UNAVAILABLE] Too many connections, try again later\r\n"
                                                    : "* BYE [UNAVAILABLE] Out of resources, try again later\r\n";
}
