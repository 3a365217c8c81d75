#pragma once

#include <smtp/messagedelivery.h>

#include <QMutex>

#include <vector>

class MailboxRouter;
class MailboxSettings;

// Delivery through the mailboxes' routes (CONTRACT "Mailboxes"): each message handed over is routed by its listener,
// AUTH user, client address and envelope recipients, and stored once per mailbox found, by the store behind it.
// The sender's reply waits for every copy: done is called once, after the last copy is durable, ok when all are.
class RoutedDelivery : public MessageDelivery
{
public:
    // store must outlive this.
    explicit RoutedDelivery(MessageDelivery *store);

    // The routes in use; null (the default): every message goes to the mailbox it names (Inbox). Thread-safe: a
    // message handed over afterwards is routed by these settings, which must outlive their use here.
    void setSettings(MailboxSettings *settings);

    // The copies of message that router sends to mailboxes, in the router's order. The first keeps the message's ID
    // and transcript; each other copy gets an ID of its own, named in the "id" clause of its Received: header instead
    // of the first's, and no transcript entries of its own: the session's entries are stored once, with the first
    // copy, and every copy shows the session up to the same final reply. Envelope and source are the same.
    static std::vector<IncomingMessage> copies(IncomingMessage message, const MailboxRouter &router);

    void deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done) override;
    void deliverAll(std::vector<Delivery> deliveries) override;
    // Sessions are in no mailbox: straight to the store.
    void keepRefusedSession(RefusedSession session) override;

private:
    MessageDelivery *const m_store;
    mutable QMutex m_mutex;
    MailboxSettings *m_settings = nullptr;
};
