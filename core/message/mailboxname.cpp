#include "mailboxname.h"

QString MailboxName::inbox()
{
    return QStringLiteral("Inbox");
}

bool MailboxName::isValid(const QString &name)
{
    if (name.isEmpty() || name.size() > 64) {
        return false;
    }
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '.'
            || u == '_' || u == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool MailboxName::same(const QString &a, const QString &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}
