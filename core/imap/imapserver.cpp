#include "imapserver.h"

#include "imapworker.h"

ImapServer::ImapServer(MessageStore *store) : ImapServer(new ImapWorker(store))
{
}

ImapServer::ImapServer(ImapWorker *worker) : ProtocolServer(QStringLiteral("letterbox-imap"), worker), m_worker(worker)
{
}

void ImapServer::setConfig(const ImapServerConfig &config)
{
    call([this, config] { m_worker->configure(config); });
}
