#pragma once

#include <QMetaType>
#include <QString>

// A mailbox and its message counts as of the last commit (MessageStore::mailboxes(); CONTRACT "Mailboxes":
// GET /api/v1/mailboxes shows them as {"Name", "Total", "Unread"}).
struct MailboxCount
{
    QString name;
    qint64 total = 0;
    qint64 unread = 0;
    bool operator==(const MailboxCount &other) const = default;
};
Q_DECLARE_METATYPE(MailboxCount)
