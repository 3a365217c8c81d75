#include "routeddelivery.h"

#include "mailboxrouter.h"
#include "mailboxsettings.h"

#include <message/messageid.h>

#include <memory>

namespace {
// The Received: header of a copy: the same header, its "id ID" clause (RFC 5321 §4.4) naming the copy's ID. Our own
// header has exactly one such clause, and IDs never occur elsewhere in it.
QByteArray traceHeaderFor(const QByteArray &header, const QByteArray &oldId, const QByteArray &newId)
{
    QByteArray copy = header;
    const QByteArray clause = " id " + oldId;
    const qsizetype at = copy.indexOf(clause);
    if (at >= 0) {
        copy.replace(at, clause.size(), " id " + newId);
    }
    return copy;
}

// Collects the copies' answers and gives the sender one.
struct CopiesAnswer
{
    explicit CopiesAnswer(int copies, std::function<void(const DeliveryResult &)> done)
        : remaining(copies), done(std::move(done))
    {
    }

    void copyDone(int index, const DeliveryResult &result)
    {
        QMutexLocker lock(&mutex);
        if (index == 0) {
            first = result;
        } else if (!result.ok && firstFailure.errorString.isEmpty()) {
            firstFailure = result;
        }
        allOk = allOk && result.ok;
        if (--remaining > 0) {
            return;
        }
        DeliveryResult answer = first;
        if (!allOk) {
            answer.ok = false;
            if (answer.errorString.isEmpty()) {
                answer.errorString = firstFailure.errorString;
            }
        }
        lock.unlock();
        done(answer);
    }

    QMutex mutex;
    int remaining;
    bool allOk = true;
    DeliveryResult first;
    DeliveryResult firstFailure;
    std::function<void(const DeliveryResult &)> done;
};

std::vector<Delivery> routed(std::vector<Delivery> deliveries, const std::shared_ptr<const MailboxRouter> &router)
{
    std::vector<Delivery> out;
    out.reserve(deliveries.size());
    for (Delivery &delivery : deliveries) {
        std::vector<IncomingMessage> copies = RoutedDelivery::copies(std::move(delivery.message), *router);
        if (copies.size() == 1) {
            out.push_back({ std::move(copies.front()), std::move(delivery.done) });
            continue;
        }
        auto answer = std::make_shared<CopiesAnswer>(int(copies.size()), std::move(delivery.done));
        for (int i = 0; i < int(copies.size()); ++i) {
            out.push_back({ std::move(copies[size_t(i)]), [answer, i](const DeliveryResult &result) {
                               answer->copyDone(i, result);
                           } });
        }
    }
    return out;
}
} // namespace

RoutedDelivery::RoutedDelivery(MessageDelivery *store) : m_store(store)
{
}

void RoutedDelivery::setSettings(MailboxSettings *settings)
{
    QMutexLocker lock(&m_mutex);
    m_settings = settings;
}

std::vector<IncomingMessage> RoutedDelivery::copies(IncomingMessage message, const MailboxRouter &router)
{
    const QList<MailboxRouter::Delivery> deliveries = router.route(message.listener,
        QString::fromUtf8(message.envelope.authUser), message.envelope.clientAddress, message.envelope.rcptTo);
    std::vector<IncomingMessage> copies;
    copies.reserve(size_t(deliveries.size()));
    for (qsizetype i = 1; i < deliveries.size(); ++i) {
        IncomingMessage copy;
        copy.id = MessageId::generate(message.receivedMs);
        copy.envelope = message.envelope;
        copy.receivedMs = message.receivedMs;
        copy.traceHeader = traceHeaderFor(message.traceHeader, message.id, copy.id);
        copy.data = message.data; // implicitly shared: one buffer for every copy until the store writes them
        copy.sessionKey = message.sessionKey;
        copy.otherSessions = message.otherSessions;
        copy.listener = message.listener;
        copy.mailbox = deliveries.at(i).mailbox;
        copy.copyOf = message.id;
        copies.push_back(std::move(copy));
    }
    message.mailbox = deliveries.isEmpty() ? MailboxName::inbox() : deliveries.constFirst().mailbox;
    copies.insert(copies.begin(), std::move(message));
    return copies;
}

void RoutedDelivery::deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    std::vector<Delivery> one;
    one.push_back({ std::move(message), std::move(done) });
    deliverAll(std::move(one));
}

void RoutedDelivery::deliverAll(std::vector<Delivery> deliveries)
{
    std::shared_ptr<const MailboxRouter> router;
    {
        QMutexLocker lock(&m_mutex);
        if (m_settings) {
            router = m_settings->router();
        }
    }
    // No mailbox listed and no per-user mailboxes: every message goes where it is addressed (Inbox), without routing
    // each one (SMTP's hot path, for the configuration most users run).
    if (!router || (router->config().mailboxes.isEmpty() && !router->config().perUser)) {
        m_store->deliverAll(std::move(deliveries));
        return;
    }
    m_store->deliverAll(routed(std::move(deliveries), router));
}

void RoutedDelivery::keepRefusedSession(RefusedSession session)
{
    m_store->keepRefusedSession(std::move(session));
}
