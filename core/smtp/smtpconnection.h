#pragma once

#include "../message/transcriptentry.h"
#include "../net/netprotocol.h"
#include "smtpsession.h"

class SmtpWorker;

// One SMTP client: the pure SmtpSession fed by a NetConnection (core/net), its transcript, and what the session's
// events ask for (a delivery, a delay's timer, TLS, the close). Lives on the network thread.
class SmtpConnection : public NetHandler
{
public:
    SmtpConnection(NetConnection *connection, const SmtpSessionConfig &config, SmtpWorker *worker);
    ~SmtpConnection() override;

    quint64 id() const;
    quint64 sessionKey() const { return m_sessionKey; }
    // The listener it came in on, as the user wrote it (SmtpServer::listen()).
    QString listenerName() const;
    // The store's answer for the message this connection handed over.
    void deliveryFinished(bool ok, const QByteArray &messageId);
    // The final reply this connection's session gives a message stored as messageId, as a transcript entry.
    QByteArray queuedReplyTranscript(const QByteArray &messageId) const
    {
        return m_session.queuedReplyTranscript(messageId);
    }

    // NetHandler
    void start(QByteArrayView early) override;
    qsizetype readSize() const override;
    void receive(QByteArrayView bytes) override;
    void tlsStarted() override;
    bool canTimeOut() const override;
    void timeout() override;
    void shutdown() override;
    void disconnected() override;

private:
    void drainSession();
    void handle(SmtpEvent &event);
    void record(TranscriptEntry::Direction direction, const QByteArray &text);
    // Hands the session to the store once it has ended, when a rule refused something in it.
    void keepIfRefused();

    NetConnection *m_connection;
    SmtpWorker *m_worker;
    SmtpSession m_session;
    quint64 m_sessionKey;
    Transcript m_unstored; // entries not yet handed to the store with a message
    Transcript m_inFlight; // entries handed over with the message being committed (kept in case it fails)
    bool m_finalReplyStored = false; // the next reply was stored in advance with its message
    // The rules that refused something in this session, in order, and the data refused at the end of DATA/BDAT
    // (the first such): empty for a session nothing refused, which costs nothing more.
    QByteArrayList m_refusingRules;
    QByteArray m_refusedData;
    bool m_kept = false;
};
