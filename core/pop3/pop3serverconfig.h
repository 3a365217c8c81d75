#pragma once

#include "../smtp/authconfig.h"

#include <QByteArray>

class MailboxSettings;

// How the POP3 listeners behave (CONTRACT "POP3 and IMAP"): the host name of the greeting, the passwords (with
// --auth FILE a login's password must match the file's line for its user; otherwise any password is accepted) and
// the configured mailboxes, which are valid logins before any message reached them.
struct Pop3ServerConfig
{
    QByteArray hostname = "localhost";
    AuthConfig auth;
    MailboxSettings *mailboxes = nullptr; // not owned; null: only Inbox and the store's mailboxes
};
