#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

#include <optional>

// The certificate and private key Letterbox's TLS listeners present (STARTTLS, RFC 3207, and implicit TLS): the
// user's own (--tls-cert/--tls-key), or a self-signed pair made on first run for this machine's names and kept in
// the data directory, readable by its owner only, so that a user trusts it once in their application.
class TlsIdentity
{
public:
    // The first certificate is the server's; any others complete its chain.
    QList<QSslCertificate> certificates() const { return m_certificates; }
    QSslKey privateKey() const { return m_key; }
    bool isNull() const { return m_certificates.isEmpty() || m_key.isNull(); }

    // "AB:CD:…", the SHA-256 fingerprint of the server certificate, as browsers and `openssl x509 -fingerprint
    // -sha256` show it.
    QString sha256Fingerprint() const;
    // The server certificate in PEM, for the user to trust in their application.
    QByteArray certificatePem() const;

    // A certificate (chain) file and a private key file in PEM. nullopt and *error ("FILE: why") when either
    // cannot be read, is not PEM of the right kind, or the key does not belong to the certificate.
    static std::optional<TlsIdentity> load(const QString &certificateFile, const QString &keyFile, QString *error);

    // A new self-signed certificate for hostname, localhost, 127.0.0.1 and ::1 (subjectAltName), an RSA-2048 key,
    // SHA-256 signature, valid from an hour ago for validityDays (825 at most: what Apple's platforms accept for a
    // TLS server certificate, even a trusted one). nullopt and *error when OpenSSL fails.
    static std::optional<TlsIdentity> generateSelfSigned(
        const QString &hostname, int validityDays = 825, QString *error = nullptr);

    // The generated pair in directory (tls-cert.pem, tls-key.pem, both 0600): reused while it is valid for at least
    // another week and names hostname, otherwise made anew and saved. nullopt and *error naming the file when it
    // cannot be read or written.
    static std::optional<TlsIdentity> loadOrGenerate(const QString &directory, const QString &hostname, QString *error);

    // Whether the server certificate lists name (a DNS name or an IP address) in its subjectAltName.
    bool covers(const QString &name) const;
    QDateTime expiry() const;

    static QString certificateFileName() { return QStringLiteral("tls-cert.pem"); }
    static QString keyFileName() { return QStringLiteral("tls-key.pem"); }

private:
    QList<QSslCertificate> m_certificates;
    QSslKey m_key;
};
