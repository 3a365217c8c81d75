#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>
#include <optional>

// The users of the API (--api-auth FILE, CONTRACT "Team store, API access and remote attach"): "user:bcrypt-hash"
// lines as `htpasswd -B` writes them, the format of Mailpit's --ui-auth-file. Read once, at start (Mailpit does not
// re-read its file either; the desktop app reads it again when its settings are applied). Cheap to copy: the lines
// are shared.
class ApiAuthFile
{
public:
    // Reads fileName: blank lines and lines starting with '#' are skipped; every other line is user:hash, the hash a
    // bcrypt one ($2y$, as htpasswd -B makes it; $2a$ and $2b$ too). False with errorString() "FILE:LINE: problem" or
    // "FILE: problem" when the file cannot be read, a line is malformed, a user appears twice or there is no user.
    bool load(const QString &fileName);
    QString errorString() const { return m_errorString; }
    QString fileName() const { return m_fileName; }

    bool isEmpty() const { return !m_hashes || m_hashes->isEmpty(); }
    // The bcrypt hash of user, or nullopt when the file has no such user.
    std::optional<QByteArray> hashOf(const QByteArray &user) const;
    // The file's costliest hash, for a verification whose user is unknown to take as long as any other's.
    QByteArray anyHash() const { return m_anyHash; }

    // Whether text is a bcrypt hash ("$2a$", "$2b$" or "$2y$", a cost of 04 to 31, 53 characters of bcrypt's
    // base64): what crypt(3) of libxcrypt verifies as bcrypt.
    static bool isBcryptHash(QByteArrayView text);

private:
    std::shared_ptr<const QHash<QByteArray, QByteArray>> m_hashes;
    QByteArray m_anyHash;
    QString m_fileName;
    QString m_errorString;
};
