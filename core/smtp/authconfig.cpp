#include "authconfig.h"

#include <QFile>
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
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        m_errorString = QStringLiteral("%1: %2").arg(fileName, file.errorString());
        return false;
    }
    QHash<QByteArray, QByteArray> passwords;
    int lineNumber = 0;
    while (!file.atEnd()) {
        QByteArray line = file.readLine();
        ++lineNumber;
        while (line.endsWith('\n') || line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.trimmed().isEmpty() || line.startsWith('#')) {
            continue;
        }
        // README "Command line", --auth FILE: the password is everything after the first ':'.
        const qsizetype colon = line.indexOf(':');
        if (colon < 0) {
            m_errorString = QStringLiteral("%1:%2: expected user:password").arg(fileName).arg(lineNumber);
            return false;
        }
        if (colon == 0) {
            m_errorString = QStringLiteral("%1:%2: empty user name").arg(fileName).arg(lineNumber);
            return false;
        }
        passwords.insert(line.left(colon), line.mid(colon + 1));
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
