#pragma once

#include "mailboxroute.h"

#include <QList>
#include <QString>

// One listed mailbox of the mailboxes file: its name and its routes, tried in order (CONTRACT "Mailboxes").
struct MailboxDefinition
{
    QString name;
    QList<MailboxRoute> routes;

    bool operator==(const MailboxDefinition &other) const = default;
};
