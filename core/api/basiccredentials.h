#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// The user and password of an "Authorization: Basic …" field (RFC 7617). A pure value; parsing untrusted input.
struct BasicCredentials
{
    QByteArray user;
    QByteArray password;

    // The credentials of an Authorization field value: the scheme "Basic" (any case), one or more spaces, then
    // base64 (RFC 4648 §4) of user-id ":" password. nullopt for another scheme, bad base64, no
    // ':', or a NUL octet (crypt(3) would end the password there).
    static std::optional<BasicCredentials> fromAuthorization(QByteArrayView value);
};
