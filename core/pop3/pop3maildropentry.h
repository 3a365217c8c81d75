#pragma once

#include <QByteArray>

// One message of a POP3 maildrop as of login (RFC 1939 §8: the maildrop is fixed for the session): its unique-id
// listing (the message's API ID, RFC 1939 §7 UIDL: 1 to 70 characters 0x21–0x7E) and its size in octets as RETR
// sends it before byte-stuffing.
struct Pop3MaildropEntry
{
    QByteArray id;
    qint64 size = 0;

    bool operator==(const Pop3MaildropEntry &other) const = default;
};
