#include "apiauthfile.h"

#include "../message/userfile.h"

bool ApiAuthFile::isBcryptHash(QByteArrayView text)
{
    // "$2y$" cost "$" then 22 characters of salt and 31 of hash, in bcrypt's own base64 alphabet.
    if (text.size() != 60 || text[0] != '$' || text[1] != '2' || text[3] != '$' || text[6] != '$') {
        return false;
    }
    if (text[2] != 'a' && text[2] != 'b' && text[2] != 'y') {
        return false;
    }
    if (text[4] < '0' || text[4] > '9' || text[5] < '0' || text[5] > '9') {
        return false;
    }
    const int cost = (text[4] - '0') * 10 + (text[5] - '0');
    if (cost < 4 || cost > 31) {
        return false;
    }
    for (char c : text.sliced(7)) {
        const bool ok
            = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool ApiAuthFile::load(const QString &fileName)
{
    m_fileName = fileName;
#if !defined(LETTERBOX_HAVE_LIBXCRYPT)
    m_errorString
        = QStringLiteral("%1: this build cannot check bcrypt passwords (it was built without libxcrypt)").arg(fileName);
    return false;
#endif
    const std::optional<QList<UserFileLine>> lines
        = UserFile::read(fileName, QStringLiteral("user:bcrypt-hash (as htpasswd -B writes it)"), &m_errorString);
    if (!lines) {
        return false;
    }
    QHash<QByteArray, QByteArray> hashes;
    QByteArray first;
    for (const UserFileLine &line : *lines) {
        const int lineNumber = line.number;
        const QByteArray &user = line.user;
        const QByteArray hash = line.secret.trimmed();
        if (!isBcryptHash(hash)) {
            m_errorString = QStringLiteral("%1:%2: the password of '%3' is not a bcrypt hash (make the line with "
                                           "htpasswd -B)")
                                .arg(fileName)
                                .arg(lineNumber)
                                .arg(QString::fromUtf8(user));
            return false;
        }
        if (hashes.contains(user)) {
            m_errorString = QStringLiteral("%1:%2: user '%3' appears twice")
                                .arg(fileName)
                                .arg(lineNumber)
                                .arg(QString::fromUtf8(user));
            return false;
        }
        // An unknown user is checked against the costliest hash ("$2y$NN$…"), so that no user answers slower.
        if (first.isEmpty() || hash.mid(4, 2).toInt() > first.mid(4, 2).toInt()) {
            first = hash;
        }
        hashes.insert(user, hash);
    }
    if (hashes.isEmpty()) {
        // A file without users would lock every client out: surely not what was meant.
        m_errorString = QStringLiteral("%1: no user:bcrypt-hash line").arg(fileName);
        return false;
    }
    m_hashes = std::make_shared<const QHash<QByteArray, QByteArray>>(std::move(hashes));
    m_anyHash = first;
    m_errorString.clear();
    return true;
}

std::optional<QByteArray> ApiAuthFile::hashOf(const QByteArray &user) const
{
    if (!m_hashes) {
        return std::nullopt;
    }
    const auto it = m_hashes->constFind(user);
    if (it == m_hashes->constEnd()) {
        return std::nullopt;
    }
    return *it;
}
