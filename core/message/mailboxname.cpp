#include "mailboxname.h"

#include <algorithm>

QString MailboxName::inbox()
{
    return QStringLiteral("Inbox");
}

bool MailboxName::isValid(QStringView name)
{
    if (name.isEmpty() || name.size() > MaxLength || name == u"." || name == u"..") {
        return false;
    }
    return std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'.'
            || u == u'_' || u == u'-';
    });
}

bool MailboxName::same(QStringView a, QStringView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}
