#pragma once

#include <QString>
#include <QStringView>

// Mailbox names (CONTRACT "Mailboxes"): 1–64 characters of ASCII letters, digits, '.', '_' and '-', compared without
// regard to case. Inbox always exists and takes every message no route sends elsewhere.
class MailboxName
{
public:
    static constexpr int MaxLength = 64;

    // "Inbox".
    static QString inbox();
    // Also refuses "." and "..", which URLs would take for dot-segments (RFC 3986 §5.2.4) in /mailbox/{name}/….
    static bool isValid(QStringView name);
    // The same mailbox (names are case-insensitive: "Shop" and "shop" are one mailbox).
    static bool same(QStringView a, QStringView b);
};
