// letterbox-tls: TlsIdentity (and with it OpenSSL's libcrypto) as a module the catcher loads at its first use of
// TLS, so that a catcher nobody uses TLS with maps no TLS library (docs/architecture.md "SMTP over TLS").
#include "tlsmodule.h"

#include <tls/tlsidentity.h>

namespace {
bool identityFrom(const std::optional<TlsIdentity> &identity, QList<QSslCertificate> *certificates, QSslKey *key)
{
    if (!identity) {
        return false;
    }
    *certificates = identity->certificates();
    *key = identity->privateKey();
    return true;
}
} // namespace

extern "C" Q_DECL_EXPORT bool letterbox_tls_identity(const QString &certificateFile, const QString &keyFile,
    const QString &dataDir, const QString &hostname, QList<QSslCertificate> *certificates, QSslKey *key, QString *error)
{
    if (!certificateFile.isEmpty()) {
        return identityFrom(TlsIdentity::load(certificateFile, keyFile, error), certificates, key);
    }
    return identityFrom(TlsIdentity::loadOrGenerate(dataDir, hostname, error), certificates, key);
}
