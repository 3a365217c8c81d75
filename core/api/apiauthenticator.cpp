#include "apiauthenticator.h"

#include "basiccredentials.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QMutexLocker>
#include <QRandomGenerator>

#if defined(LETTERBOX_HAVE_LIBXCRYPT)
#include <crypt.h>
#endif

#include <memory>

namespace {
// The remembered pairs: one per user and password in use; a bound against a client that makes up endless valid
// pairs (which it cannot without the passwords) is still cheap to keep.
constexpr qsizetype MaxRemembered = 4096;

// Whether two byte strings are equal, in a time that depends on their length only.
bool equalInConstantTime(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

// crypt(3) of libxcrypt: the hash of password with the setting (algorithm, cost and salt) of hash; empty on failure.
// Without libxcrypt (a build for another platform) nothing verifies: ApiAuthFile::load() refuses every file there.
QByteArray bcrypt(const QByteArray &password, const QByteArray &hash)
{
#if defined(LETTERBOX_HAVE_LIBXCRYPT)
    // crypt_data is large (32 KB): on the heap, zeroed as crypt_rn wants it before its first use.
    auto data = std::make_unique<crypt_data>();
    const char *result = crypt_rn(password.constData(), hash.constData(), data.get(), int(sizeof(crypt_data)));
    return result ? QByteArray(result) : QByteArray();
#else
    Q_UNUSED(password);
    Q_UNUSED(hash);
    return {};
#endif
}
} // namespace

ApiAuthenticator::ApiAuthenticator(const ApiAuthFile &file) : m_file(file)
{
    m_key.resize(32);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(m_key.data()), m_key.size() / 4);
}

QByteArray ApiAuthenticator::keyOf(const BasicCredentials &credentials) const
{
    // The user has no ':' (RFC 7617 §2), so "user:password" names one pair.
    return QMessageAuthenticationCode::hash(
        credentials.user + ':' + credentials.password, m_key, QCryptographicHash::Sha256);
}

bool ApiAuthenticator::isKnownGood(const BasicCredentials &credentials) const
{
    const QByteArray key = keyOf(credentials);
    QMutexLocker lock(&m_mutex);
    return m_good.contains(key);
}

bool ApiAuthenticator::verify(const BasicCredentials &credentials)
{
    const std::optional<QByteArray> hash = m_file.hashOf(credentials.user);
    // An unknown user takes as long as a wrong password, so that the time of the answer does not tell which users
    // exist.
    const QByteArray computed = bcrypt(credentials.password, hash.value_or(m_file.anyHash()));
    if (!hash || computed.isEmpty() || !equalInConstantTime(computed, *hash)) {
        return false;
    }
    const QByteArray key = keyOf(credentials);
    QMutexLocker lock(&m_mutex);
    if (m_good.size() >= MaxRemembered) {
        m_good.clear();
    }
    m_good.insert(key);
    return true;
}
