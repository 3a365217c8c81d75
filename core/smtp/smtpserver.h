#pragma once

#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "../net/netlistenoptions.h"
#include "smtpsession.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>

class MessageDelivery;
class NetServer;
class SmtpWorker;

// The SMTP server: a NetServer (core/net) whose listeners serve SmtpSessions; listeners and connections run on
// a network thread of their own. Call its methods from the thread that created it; its signals are emitted on the
// network thread and reach receivers in other threads as queued connections.
class SmtpServer : public QObject
{
    Q_OBJECT
public:
    // delivery must outlive the server; it is called from the network thread.
    explicit SmtpServer(MessageDelivery *delivery, QObject *parent = nullptr);
    ~SmtpServer() override;

    void setSessionConfig(const SmtpSessionConfig &config);
    SmtpSessionConfig sessionConfig() const;
    void setIdleTimeout(int milliseconds);
    int idleTimeout() const;
    void setMaxConnections(int max);
    int maxConnections() const;

    // Opens one more listener. Port 0 picks a free port. QHostAddress::Any is dual-stack. name: the address as the
    // user wrote it ("127.0.0.1:2526"), which the messages that come in on it carry (IncomingMessage::listener) for
    // the mailboxes' listener routes.
    bool listen(const QHostAddress &address, quint16 port, const QString &name = QString());
    // A listener with TLS: STARTTLS offered (RFC 3207, Tls::OnRequest) or TLS from the first byte (RFC 8314 §3.3,
    // Tls::Implicit), with the certificate certificateSource makes when a connection first needs it.
    bool listen(const QHostAddress &address, quint16 port, NetListenOptions::Tls tls,
        const std::function<std::optional<QSslConfiguration>()> &certificateSource, const QString &name = QString());
    // The bound addresses, in the order listen() opened them.
    QList<QPair<QHostAddress, quint16>> listeningAddresses() const;
    QString errorString() const;
    int connectionCount() const;

    // Stops accepting and says 421 to every session (after the 250 of a message being committed), then
    // waits up to timeoutMs for those commits, so that no acknowledged message is cut off.
    void close(int timeoutMs = 30000);

Q_SIGNALS:
    void connectionOpened(quint64 connectionId, const QHostAddress &peer, quint16 port);
    void connectionClosed(quint64 connectionId);
    void transcriptLine(quint64 connectionId, const TranscriptEntry &entry);
    void messageDelivered(quint64 connectionId, const MessageSummary &summary);
    // A validation rule decided a command of this session (refused: it refused it); text says which rule.
    void ruleApplied(quint64 connectionId, qint64 timeMs, const QByteArray &rule, bool refused);

private:
    NetServer *m_net = nullptr;
    SmtpWorker *m_worker = nullptr;
    SmtpSessionConfig m_config;
};
