#include "pop3worker.h"

#include "pop3connection.h"

Pop3Worker::Pop3Worker(MessageStore *store) : m_store(store)
{
}

void Pop3Worker::configure(const Pop3ServerConfig &config)
{
    m_config = config;
}

std::unique_ptr<NetHandler> Pop3Worker::createHandler(NetConnection *connection)
{
    return std::make_unique<Pop3Connection>(connection, m_config, m_store);
}

QByteArray Pop3Worker::refusal(NetRefusal reason) const
{
    // RFC 2449 §8.1.2 and RFC 3206 §4: [SYS/TEMP], a passing condition of the server.
    return reason == NetRefusal::TooManyConnections ? "-ERR [SYS/TEMP] too many connections, try again later\r\n"
                                                    : "-ERR [SYS/TEMP] out of resources, try again later\r\n";
}
