#pragma once

#include <QString>

// One route of the mailboxes file (CONTRACT "Mailboxes"): it matches on exactly one field of an incoming message.
// listener: the --smtp/--smtps address the message came in on, compared as text, exactly as given on the command
// line or in settings; user: the AUTH user, a glob; recipient: an envelope recipient, a glob; client: the client's
// address, an IPv4 or IPv6 prefix (cidr). Globs take '*' and '?' and compare case-insensitively, as the rules file's
// globs do.
struct MailboxRoute
{
    enum class Field { Listener, User, Recipient, Client };

    Field field = Field::Recipient;
    QString pattern;

    // "listener", "user", "recipient", "client": the JSON key of each field.
    static QString fieldName(Field field);
    static bool fieldFromName(const QString &name, Field *field);
    // "" when the pattern is valid for its field, else why not.
    QString validate() const;
    // A listener, user or client route takes the whole message; a recipient route only the recipients it matches.
    bool isWholeMessage() const { return field != Field::Recipient; }

    bool operator==(const MailboxRoute &other) const = default;
};
