#pragma once

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
    bool operator==(const MailAddress &other) const = default;
};
using MailAddressList = QList<MailAddress>;

QString displayString(const MailAddressList &list);
Q_DECLARE_METATYPE(MailAddress)
