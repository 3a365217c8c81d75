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

QJsonObject MailAddress::toJson() const
{
    return QJsonObject { { QStringLiteral("Name"), name }, { QStringLiteral("Address"), address } };
}

MailAddress MailAddress::fromJson(const QJsonValue &value)
{
    return { value[QLatin1String("Name")].toString(), value[QLatin1String("Address")].toString() };
}

QJsonArray toJson(const MailAddressList &list)
{
    QJsonArray array;
    for (const MailAddress &a : list) {
        array.append(a.toJson());
    }
    return array;
}

MailAddressList addressListFromJson(const QJsonValue &value)
{
    MailAddressList list;
    for (const QJsonValue &v : value.toArray()) {
        list.append(MailAddress::fromJson(v));
    }
    return list;
}
