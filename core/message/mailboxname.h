#pragma once

#include <QString>

// Mailbox names (CONTRACT "Mailboxes"): 1–64 characters of ASCII letters, digits, '.', '_' and '-', compared without
// regard to case. Inbox always exists and takes every message no route sends elsewhere.
class MailboxName
{
public:
    static QString inbox();
    static bool isValid(const QString &name);
    // The same mailbox (names are case-insensitive).
    static bool same(const QString &a, const QString &b);
};
