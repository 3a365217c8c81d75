#pragma once

#include "mailboxconfig.h"

#include <rules/rulematcher.h>

#include <QByteArrayList>
#include <QList>
#include <QString>

class ClientAddress;

// Which mailbox each recipient of an incoming message goes to (CONTRACT "Mailboxes"): pure, no store, socket or clock;
// patterns are compiled once, when the router is made from a configuration. Thread-safe.
//
// Each recipient goes to the first mailbox, in the configuration's order, that has a route matching it: a listener,
// user or client route matches every recipient of the message (so the first mailbox with such a route that matches
// takes the whole message, but for recipients an earlier mailbox took), a recipient route matches the recipients its
// glob matches. Then, with perUser, an AUTH user's mailbox takes the rest; Inbox takes whatever is left.
//
// perUser: the AUTH user's mailbox has the user's name, so POP3 and IMAP log in to it by that name. A user name that
// is no valid mailbox name (an address, "jane@example.com"; too long; a space) gets no mailbox of its own and its
// mail goes to Inbox: a name changed to fit (jane_example.com) could fall together with another user's and would not
// be the name the user logs in with. A user name that is a listed mailbox's (or "Inbox"), in any case, is that
// mailbox.
class MailboxRouter
{
public:
    // The recipients that go to one mailbox: the caller stores one copy of the message there.
    struct Delivery
    {
        QString mailbox;
        QByteArrayList recipients;

        bool operator==(const Delivery &other) const = default;
    };

    // Everything to Inbox.
    MailboxRouter() = default;
    // The configuration as MailboxConfig::fromJson() or validate() accepts it.
    explicit MailboxRouter(const MailboxConfig &config);

    const MailboxConfig &config() const { return m_config; }

    // listener: the address the message came in on as the command line or settings give it ("" for none, e.g. the
    // API's send); authUser: "" when not authenticated; client: null for none. The deliveries come in the order of
    // their mailboxes (as listed, then the per-user mailbox, then Inbox unless listed), each with its recipients in
    // envelope order, and never empty: a message without recipients goes whole to one mailbox.
    QList<Delivery> route(const QString &listener, const QString &authUser, const ClientAddress &client,
        const QByteArrayList &recipients) const;

    // The per-user mailbox of an AUTH user: the listed mailbox of that name as spelled there, "Inbox", the user's
    // name; "" without perUser, without a user, or when the name cannot be a mailbox's (the mail then goes to
    // Inbox).
    QString perUserMailbox(const QString &authUser) const;

private:
    MailboxConfig m_config;
    // One matcher per route (none for listener routes, compared as text), mailbox by mailbox.
    QList<QList<RuleMatcher>> m_matchers;
};
