#pragma once

#include "../smtp/authconfig.h"

#include <QByteArray>

class MailboxSettings;

// How the IMAP listeners behave (CONTRACT "POP3 and IMAP"), as POP3's: the host name of the greeting, the passwords
// (with --auth FILE a login's password must match the file's line for its user; otherwise any password is
// accepted), the configured mailboxes (valid logins and folders before any message reached them) and the largest
// literal a client may send (the largest message).
struct ImapServerConfig
{
    QByteArray hostname = "localhost";
    AuthConfig auth;
    MailboxSettings *mailboxes = nullptr; // not owned; null: only Inbox and the store's mailboxes
    qint64 maxLiteral = 0; // 0: ImapSession's command limit
};
