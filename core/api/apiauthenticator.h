#pragma once

#include "apiauthfile.h"

#include <QByteArray>
#include <QMutex>
#include <QSet>

struct BasicCredentials;

// Checks a client's basic-auth credentials against the API's users (--api-auth). bcrypt is slow on purpose
// (htpasswd -B's cost 5 takes a few milliseconds, cost 12 a quarter of a second), so a pair that verified once is
// remembered, as a keyed hash of it (HMAC-SHA256 with a key made at start), never as the password: a kept-alive client
// or a script making many requests pays for bcrypt once. Failures are never remembered. Thread-safe: the API thread
// asks isKnownGood(), a worker thread runs verify().
class ApiAuthenticator
{
public:
    explicit ApiAuthenticator(const ApiAuthFile &file);

    // Whether credentials verified before (cheap: no bcrypt).
    bool isKnownGood(const BasicCredentials &credentials) const;
    // bcrypt: whether the password matches the user's hash (libxcrypt's crypt_rn, compared in constant time). An
    // unknown user costs the same as a known one. A success is remembered.
    bool verify(const BasicCredentials &credentials);

private:
    QByteArray keyOf(const BasicCredentials &credentials) const;

    ApiAuthFile m_file;
    QByteArray m_key; // the HMAC key of the remembered pairs, random, never leaves memory
    mutable QMutex m_mutex;
    QSet<QByteArray> m_good;
};
