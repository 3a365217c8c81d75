#include "pop3server.h"

#include "pop3worker.h"

Pop3Server::Pop3Server(MessageStore *store) : Pop3Server(new Pop3Worker(store))
{
}

Pop3Server::Pop3Server(Pop3Worker *worker) : ProtocolServer(QStringLiteral("letterbox-pop3"), worker), m_worker(worker)
{
}

void Pop3Server::setConfig(const Pop3ServerConfig &config)
{
    call([this, config] { m_worker->configure(config); });
}
