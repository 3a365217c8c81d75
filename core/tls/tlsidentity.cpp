#include "tlsidentity.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QSaveFile>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace {
template<typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;

QString openSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return QStringLiteral("unknown OpenSSL error");
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return QString::fromLatin1(text);
}

// A read-only BIO over data, which it does not copy: data must outlive it.
Bio memoryBio(const QByteArray &data)
{
    return Bio(BIO_new_mem_buf(data.constData(), int(data.size())));
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(size));
}

std::optional<QByteArray> readFile(const QString &file, QString *error)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(file, f.errorString());
        return std::nullopt;
    }
    // A PEM file is small; anything larger is not one.
    const QByteArray data = f.read(1024 * 1024);
    return data;
}

// A QSslKey for a PEM private key of any algorithm Qt knows.
QSslKey qtKey(const QByteArray &pem)
{
    for (QSsl::KeyAlgorithm algorithm : { QSsl::Rsa, QSsl::Ec, QSsl::Dsa }) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            return key;
        }
    }
    return QSslKey();
}

bool addExtension(X509 *certificate, int nid, const char *value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (!extension) {
        return false;
    }
    const bool ok = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

bool writePrivate(const QString &file, const QByteArray &data, QString *error)
{
    QSaveFile out(file);
    // The key must never be readable by others, not even for a moment: the temporary file is made private first.
    if (!out.open(QIODevice::WriteOnly) || !out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || out.write(data) != data.size() || !out.commit()) {
        *error = QStringLiteral("%1: %2").arg(file, out.errorString());
        return false;
    }
    return true;
}
} // namespace

QString TlsIdentity::sha256Fingerprint() const
{
    if (m_certificates.isEmpty()) {
        return QString();
    }
    const QByteArray digest = m_certificates.first().digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i < digest.size(); i += 2) {
        pairs << QString::fromLatin1(digest.mid(i, 2));
    }
    return pairs.join(u':');
}

QByteArray TlsIdentity::certificatePem() const
{
    return m_certificates.isEmpty() ? QByteArray() : m_certificates.first().toPem();
}

bool TlsIdentity::covers(const QString &name) const
{
    if (m_certificates.isEmpty()) {
        return false;
    }
    const auto names = m_certificates.first().subjectAlternativeNames();
    QHostAddress address;
    if (address.setAddress(name)) {
        for (const QString &ip : names.values(QSsl::IpAddressEntry)) {
            if (QHostAddress(ip) == address) {
                return true;
            }
        }
        return false;
    }
    for (const QString &dns : names.values(QSsl::DnsEntry)) {
        if (dns.compare(name, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

QDateTime TlsIdentity::expiry() const
{
    return m_certificates.isEmpty() ? QDateTime() : m_certificates.first().expiryDate();
}

std::optional<TlsIdentity> TlsIdentity::load(const QString &certificateFile, const QString &keyFile, QString *error)
{
    QString problem;
    const std::optional<QByteArray> certificatePem = readFile(certificateFile, &problem);
    const std::optional<QByteArray> keyPem = certificatePem ? readFile(keyFile, &problem) : std::nullopt;
    if (!certificatePem || !keyPem) {
        *error = problem;
        return std::nullopt;
    }
    TlsIdentity identity;
    identity.m_certificates = QSslCertificate::fromData(*certificatePem, QSsl::Pem);
    if (identity.m_certificates.isEmpty() || identity.m_certificates.first().isNull()) {
        *error = QStringLiteral("%1: no PEM certificate in it").arg(certificateFile);
        return std::nullopt;
    }
    Bio keyBio = memoryBio(*keyPem);
    // No passphrase: an encrypted key fails here rather than prompting on a terminal.
    Key key(PEM_read_bio_PrivateKey(
        keyBio.get(), nullptr, [](char *, int, int, void *) { return 0; }, nullptr));
    if (!key) {
        ERR_clear_error();
        *error = QStringLiteral("%1: no unencrypted PEM private key in it").arg(keyFile);
        return std::nullopt;
    }
    // BIO_new_mem_buf reads the buffer in place: it must outlive the BIO.
    const QByteArray serverPem = identity.m_certificates.first().toPem();
    Bio certificateBio = memoryBio(serverPem);
    Certificate certificate(PEM_read_bio_X509(certificateBio.get(), nullptr, nullptr, nullptr));
    if (!certificate || X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        *error = QStringLiteral("%1: the key does not belong to the certificate in %2").arg(keyFile, certificateFile);
        return std::nullopt;
    }
    identity.m_key = qtKey(*keyPem);
    if (identity.m_key.isNull()) {
        *error = QStringLiteral("%1: a kind of private key Qt cannot use (RSA, EC or DSA)").arg(keyFile);
        return std::nullopt;
    }
    return identity;
}

std::optional<TlsIdentity> TlsIdentity::generateSelfSigned(const QString &hostname, int validityDays, QString *error)
{
    QString ignored;
    QString &problem = error ? *error : ignored;
    Key key(EVP_RSA_gen(2048));
    Certificate certificate(X509_new());
    if (!key || !certificate) {
        problem = openSslError();
        return std::nullopt;
    }
    X509 *x = certificate.get();
    // RFC 5280 §4.1.2.2: a positive serial of up to 20 octets, unpredictable.
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) {
        problem = openSslError();
        return std::nullopt;
    }
    serial[0] &= 0x7f;
    BIGNUM *number = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serialSet = number && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x));
    BN_free(number);
    const QByteArray host = hostname.toUtf8();
    const QByteArray commonName = "Letterbox on " + host.left(48);
    X509_NAME *name = X509_get_subject_name(x);
    // RFC 5280 §4.2.1.6: the names a client checks are in subjectAltName; the common name is for people.
    const QByteArray altNames = "DNS:" + host + ",DNS:localhost,IP:127.0.0.1,IP:::1";
    const bool ok = serialSet && X509_set_version(x, 2) == 1 && X509_gmtime_adj(X509_getm_notBefore(x), -3600)
        && X509_gmtime_adj(X509_getm_notAfter(x), long(validityDays) * 24 * 3600)
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
               reinterpret_cast<const unsigned char *>(commonName.constData()), int(commonName.size()), -1, 0)
            == 1
        && X509_NAME_add_entry_by_txt(
               name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>("Letterbox"), -1, -1, 0)
            == 1
        && X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key.get()) == 1
        && addExtension(x, NID_subject_alt_name, altNames.constData())
        && addExtension(x, NID_basic_constraints, "critical,CA:FALSE")
        && addExtension(x, NID_key_usage, "critical,digitalSignature,keyEncipherment")
        && addExtension(x, NID_ext_key_usage, "serverAuth") && addExtension(x, NID_subject_key_identifier, "hash")
        && X509_sign(x, key.get(), EVP_sha256()) > 0;
    if (!ok) {
        problem = openSslError();
        return std::nullopt;
    }
    Bio certificateOut(BIO_new(BIO_s_mem()));
    Bio keyOut(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_X509(certificateOut.get(), x)
        || !PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
        problem = openSslError();
        return std::nullopt;
    }
    TlsIdentity identity;
    identity.m_certificates = QSslCertificate::fromData(bioContents(certificateOut.get()), QSsl::Pem);
    identity.m_key = qtKey(bioContents(keyOut.get()));
    if (identity.isNull()) {
        problem = QStringLiteral("Qt could not read the generated certificate");
        return std::nullopt;
    }
    return identity;
}

std::optional<TlsIdentity> TlsIdentity::loadOrGenerate(
    const QString &directory, const QString &hostname, QString *error)
{
    const QDir dir(directory);
    const QString certificateFile = dir.filePath(certificateFileName());
    const QString keyFile = dir.filePath(keyFileName());
    if (QFile::exists(certificateFile) && QFile::exists(keyFile)) {
        QString problem;
        const std::optional<TlsIdentity> kept = load(certificateFile, keyFile, &problem);
        // Reused while it still fits: the same names, and not about to expire.
        if (kept && kept->covers(hostname) && kept->expiry() > QDateTime::currentDateTimeUtc().addDays(7)) {
            return kept;
        }
    }
    std::optional<TlsIdentity> made = generateSelfSigned(hostname, 825, error);
    if (!made) {
        return std::nullopt;
    }
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("%1: cannot create the directory").arg(directory);
        return std::nullopt;
    }
    if (!writePrivate(keyFile, made->privateKey().toPem(), error)
        || !writePrivate(certificateFile, made->certificatePem(), error)) {
        return std::nullopt;
    }
    return made;
}
