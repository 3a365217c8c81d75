#pragma once

#include "mailboxdefinition.h"

#include <message/mailboxname.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

// The mailboxes file (CONTRACT "Mailboxes"): versioned JSON naming the mailboxes beside Inbox, in order, with their
// routes, and whether every AUTH user gets a mailbox of its own (perUser). Read all or nothing, with the rules file's
// errors: "LINE: field: problem", the field naming the index ("mailboxes[1].routes[0].client").
//
// Inbox always exists and takes what no route sends elsewhere. It may also be listed (in any case; it is then
// spelled "Inbox") to give it routes at a place in the order, e.g. to keep a listener's mail out of the mailboxes
// after it; listed or not, it stays the default.
struct MailboxConfig
{
    static constexpr int Version = 1;

    bool perUser = false;
    QList<MailboxDefinition> mailboxes;

    // Names are MailboxName's (valid names, compared without regard to case).
    // The index of the listed mailbox of that name, or -1.
    qsizetype indexOf(QStringView name) const;

    // Parses and validates the whole file. On failure nullopt, and *error is "LINE: field: problem" (LINE is
    // 1-based).
    static std::optional<MailboxConfig> fromJson(const QByteArray &json, QString *error);
    // The whole configuration, every field written out; fromJson() reads it back equal.
    QByteArray toJson() const;
    // Checks a configuration built in code (an editor's); "" when valid, else "field: problem" as fromJson() names
    // them.
    QString validate() const;

    bool operator==(const MailboxConfig &other) const = default;
};
