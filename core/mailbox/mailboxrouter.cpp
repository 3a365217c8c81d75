#include "mailboxrouter.h"

#include <message/clientaddress.h>

#include <QHostAddress>

namespace {
RuleMatcher matcherFor(const MailboxRoute &route)
{
    if (route.field == MailboxRoute::Field::Listener) {
        return {};
    }
    // The rules file's glob and prefix matching (case-insensitive globs, IPv4-mapped clients as IPv4).
    Rule rule;
    rule.match = route.field == MailboxRoute::Field::Client ? Rule::Match::Cidr : Rule::Match::Glob;
    rule.pattern = route.pattern;
    return RuleMatcher(rule);
}
} // namespace

MailboxRouter::MailboxRouter(const MailboxConfig &config) : m_config(config)
{
    for (MailboxDefinition &mailbox : m_config.mailboxes) {
        if (MailboxName::same(mailbox.name, MailboxName::inbox())) {
            mailbox.name = MailboxName::inbox();
        }
        QList<RuleMatcher> matchers;
        for (const MailboxRoute &route : mailbox.routes) {
            matchers << matcherFor(route);
        }
        m_matchers << matchers;
    }
}

QString MailboxRouter::perUserMailbox(const QString &authUser) const
{
    if (!m_config.perUser || authUser.isEmpty()) {
        return {};
    }
    const qsizetype listed = m_config.indexOf(authUser);
    if (listed >= 0) {
        return m_config.mailboxes.at(listed).name;
    }
    if (MailboxName::same(authUser, MailboxName::inbox())) {
        return MailboxName::inbox();
    }
    return MailboxName::isValid(authUser) ? authUser : QString();
}

QList<MailboxRouter::Delivery> MailboxRouter::route(const QString &listener, const QString &authUser,
    const ClientAddress &client, const QByteArrayList &recipients) const
{
    const qsizetype listedCount = m_config.mailboxes.size();
    const QHostAddress clientAddress = client.isNull() ? QHostAddress() : QHostAddress(client.unmapped().toString());

    // Whether each listed mailbox takes the whole message: one of its listener, user or client routes matches. A
    // message without a listener, user or client (the API's send) matches no route on that field, not even "*".
    QList<bool> whole(listedCount, false);
    for (qsizetype m = 0; m < listedCount; ++m) {
        const QList<MailboxRoute> &routes = m_config.mailboxes.at(m).routes;
        for (qsizetype r = 0; r < routes.size() && !whole[m]; ++r) {
            const MailboxRoute &route = routes.at(r);
            const RuleMatcher &matcher = m_matchers.at(m).at(r);
            switch (route.field) {
            case MailboxRoute::Field::Listener:
                whole[m] = !listener.isEmpty() && listener == route.pattern;
                break;
            case MailboxRoute::Field::User:
                whole[m] = !authUser.isEmpty() && matcher.matchesText(authUser);
                break;
            case MailboxRoute::Field::Client:
                whole[m] = !clientAddress.isNull() && matcher.matchesHost(clientAddress);
                break;
            case MailboxRoute::Field::Recipient:
                break;
            }
        }
    }

    // Slots 0..listedCount-1 are the listed mailboxes; then the per-user mailbox and Inbox when they are not listed.
    const qsizetype inboxListed = m_config.indexOf(MailboxName::inbox());
    const QString perUser = perUserMailbox(authUser);
    const qsizetype perUserListed = perUser.isEmpty() ? -1 : m_config.indexOf(perUser);
    const bool perUserOwn = !perUser.isEmpty() && perUserListed < 0 && perUser != MailboxName::inbox();
    const qsizetype perUserSlot = listedCount;
    const qsizetype inboxSlot = listedCount + 1;
    const auto fallback = [&]() -> qsizetype {
        if (perUserOwn) {
            return perUserSlot;
        }
        if (perUserListed >= 0) {
            return perUserListed;
        }
        return inboxListed >= 0 ? inboxListed : inboxSlot;
    };
    const auto slotFor = [&](const QString &recipient) -> qsizetype {
        for (qsizetype m = 0; m < listedCount; ++m) {
            if (whole[m]) {
                return m;
            }
            const QList<MailboxRoute> &routes = m_config.mailboxes.at(m).routes;
            for (qsizetype r = 0; r < routes.size(); ++r) {
                if (routes.at(r).field == MailboxRoute::Field::Recipient
                    && m_matchers.at(m).at(r).matchesText(recipient)) {
                    return m;
                }
            }
        }
        return fallback();
    };

    QList<QByteArrayList> bySlot(listedCount + 2);
    QList<bool> used(listedCount + 2, false);
    if (recipients.isEmpty()) {
        qsizetype slot = fallback();
        for (qsizetype m = listedCount - 1; m >= 0; --m) {
            slot = whole[m] ? m : slot;
        }
        used[slot] = true;
    }
    for (const QByteArray &recipient : recipients) {
        const qsizetype slot = slotFor(QString::fromUtf8(recipient));
        bySlot[slot] << recipient;
        used[slot] = true;
    }

    QList<Delivery> deliveries;
    for (qsizetype slot = 0; slot < bySlot.size(); ++slot) {
        if (!used[slot]) {
            continue;
        }
        const QString name = slot < listedCount ? m_config.mailboxes.at(slot).name
            : slot == perUserSlot               ? perUser
                                                : MailboxName::inbox();
        deliveries << Delivery { name, bySlot[slot] };
    }
    return deliveries;
}
