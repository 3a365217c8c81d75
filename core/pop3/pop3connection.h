#pragma once

#include "../net/netprotocol.h"
#include "pop3serverconfig.h"
#include "pop3session.h"

#include <QIODevice>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

class MessageStore;
class NetConnection;

// One POP3 client on the network thread: its Pop3Session, answered from the store. A login's mailbox and
// maildrop, deletions and read marks go through the store's asynchronous calls (answered on this thread); a
// message's source is read in pieces, each as the client takes the previous ones, so memory stays bounded whatever
// the message's size.
class Pop3Connection : public NetHandler
{
public:
    Pop3Connection(NetConnection *connection, const Pop3ServerConfig &config, MessageStore *store);

    void start(QByteArrayView early) override;
    qsizetype readSize() const override;
    void receive(QByteArrayView bytes) override;
    void tlsStarted() override;
    bool canTimeOut() const override;
    void timeout() override;
    void shutdown() override;
    void outputDrained() override;

private:
    void drain();
    void handle(const Pop3Event &event);
    void login(const QByteArray &user, const QByteArray &password);
    // Checks the password (for the mailbox found) and reads its maildrop.
    void openMaildrop(const QString &mailbox, const QByteArray &user, const QByteArray &password);
    void retrieve(const Pop3Events::RetrieveRequested &request);
    // Feeds the session pieces of the source while the client keeps up.
    void stream();
    void finishRetrieve(bool ok);

    NetConnection *m_connection;
    // The context of the store's answers: they are dropped when the handler goes (before its NetConnection).
    QObject m_context;
    Pop3ServerConfig m_config;
    MessageStore *m_store;
    Pop3Session m_session;
    std::unique_ptr<QIODevice> m_source; // the message being sent
    bool m_streaming = false; // inside stream()
    bool m_markingRead = false; // RETR's read mark is being committed
    std::optional<bool> m_finished; // the source was read (true: whole) while the read mark was still pending
};
