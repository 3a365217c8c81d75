#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "../net/netprotocol.h"
#include "messagedelivery.h"
#include "smtpsession.h"

#include <QHash>
#include <QObject>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

class SmtpConnection;
class SmtpServer;

// SmtpServer's part on the network thread: the NetProtocol of its listeners (an SmtpConnection per client, the 421
// refusals) and the hand-over of complete messages to the store, whose answers it brings back to their sessions.
class SmtpWorker : public QObject, public NetProtocol
{
    Q_OBJECT
public:
    SmtpWorker(SmtpServer *server, MessageDelivery *delivery);
    ~SmtpWorker() override;

    // Network-thread calls (SmtpServer reaches them through NetServer::call()).
    void configure(const SmtpSessionConfig &config);
    // Deliveries handed to the store and not yet answered; read from any thread.
    int pendingDeliveries() const { return m_pendingDeliveries.load(); }

    // NetProtocol
    std::unique_ptr<NetHandler> createHandler(NetConnection *connection) override;
    QByteArray refusal(NetRefusal reason) const override;

    // Unique, increasing keys for sessions' transcripts in the store (milliseconds << 12, then +1).
    quint64 newSessionKey();
    SmtpServer *server() const { return m_server; }
    void deliver(SmtpConnection *connection, SmtpMessage message, const Transcript &transcript);
    // A session in which rules refused something has ended: to the store (MessageDelivery::keepRefusedSession()).
    // transcript: its entries not stored with one of its messages.
    void keepRefusedSession(SmtpConnection *connection, const SmtpEnvelope &envelope, QByteArrayList rules,
        Transcript transcript, QByteArray data);
    void connectionStarted(SmtpConnection *connection);
    void connectionFinished(SmtpConnection *connection);

private:
    struct Finished
    {
        quint64 connectionId;
        QByteArray id;
        bool ok;
        MessageSummary summary;
    };
    void handOver();
    // wake: post finishDeliveries() (once the last of a hand-over is answered).
    void queueFinished(Finished finished, bool wake);
    void finishDeliveries();

    SmtpServer *m_server;
    MessageDelivery *m_delivery;
    SmtpSessionConfig m_config;
    quint64 m_lastSessionKey = 0;
    QHash<quint64, SmtpConnection *> m_connections;
    std::atomic<int> m_pendingDeliveries { 0 };
    // Messages completed during this pass over the connections, handed to the store together at its end.
    std::vector<Delivery> m_toHandOver;
    std::shared_ptr<std::atomic<qsizetype>> m_handOverUnanswered; // of m_toHandOver: woken when it reaches 0
    // Store results arrive on the writer thread; one queued call drains them all (one wake-up per batch).
    std::mutex m_finishedMutex;
    std::vector<Finished> m_finished;
    bool m_finishPosted = false;
};
