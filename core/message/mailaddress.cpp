#include "mailaddress.h"

#include <QStringList>

QString MailAddress::toDisplayString() const
{
    if (name.isEmpty()) {
        return address;
    }
    return address.isEmpty() ? name : QStringLiteral("%1 <%2>").arg(name, address);
}

QString displayString(const MailAddressList &list)
{
    QStringList parts;
    parts.reserve(list.size());
    for (const MailAddress &a : list) {
        parts << a.toDisplayString();
    }
    return parts.join(QStringLiteral(", "));
}
