#include "authconfig.h"

#include "../message/userfile.h"

#include <QMessageAuthenticationCode>

namespace {
// Compares without an early exit so timing does not reveal the matching prefix.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}
} // namespace

AuthConfig AuthConfig::any()
{
    return {};
}

AuthConfig AuthConfig::off()
{
    AuthConfig c;
    c.m_mode = Mode::Off;
    return c;
}

AuthConfig AuthConfig::fromCredentials(QHash<QByteArray, QByteArray> passwords)
{
    AuthConfig c;
    c.m_mode = Mode::File;
    c.m_passwords = std::make_shared<const QHash<QByteArray, QByteArray>>(std::move(passwords));
    return c;
}

bool AuthConfig::loadFile(const QString &fileName)
{
    // README "Command line", --auth FILE: the password is everything after the first ':'.
    const std::optional<QList<UserFileLine>> lines
        = UserFile::read(fileName, QStringLiteral("user:password"), &m_errorString);
    if (!lines) {
        return false;
    }
    QHash<QByteArray, QByteArray> passwords;
    for (const UserFileLine &line : *lines) {
        passwords.insert(line.user, line.secret);
    }
    *this = fromCredentials(std::move(passwords));
    return true;
}

const QByteArray *AuthConfig::passwordOf(const QByteArray &user) const
{
    if (m_mode != Mode::File) {
        return nullptr;
    }
    const auto it = m_passwords->constFind(user);
    return it == m_passwords->constEnd() ? nullptr : &*it;
}

bool AuthConfig::check(const QByteArray &user, const QByteArray &password) const
{
    if (m_mode == Mode::Any) {
        return true;
    }
    const QByteArray *stored = passwordOf(user);
    return stored && constantTimeEquals(*stored, password);
}

bool AuthConfig::checkCramMd5(const QByteArray &user, const QByteArray &challenge, const QByteArray &hexDigest) const
{
    if (m_mode == Mode::Any) {
        return true;
    }
    const QByteArray *stored = passwordOf(user);
    if (!stored) {
        return false;
    }
    const QByteArray expected = QMessageAuthenticationCode::hash(challenge, *stored, QCryptographicHash::Md5).toHex();
    return constantTimeEquals(expected, hexDigest.toLower());
}
