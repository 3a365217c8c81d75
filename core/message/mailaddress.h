#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

// One mailbox of an address header: the decoded display name (may be empty) and the address.
struct MailAddress
{
    QString name;
    QString address;

    // "Name <address>", or the bare address without a name.
    QString toDisplayString() const;
    // {"Name": …, "Address": …}: Mailpit's Address, also how the store keeps addresses.
    QJsonObject toJson() const;
    static MailAddress fromJson(const QJsonValue &value);
    bool operator==(const MailAddress &other) const = default;
};
using MailAddressList = QList<MailAddress>;

QString displayString(const MailAddressList &list);
QJsonArray toJson(const MailAddressList &list);
MailAddressList addressListFromJson(const QJsonValue &value);
Q_DECLARE_METATYPE(MailAddress)
