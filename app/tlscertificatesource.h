#pragma once

#include <QMutex>
#include <QSslConfiguration>
#include <QString>

#include <optional>

// The certificate of the SMTP listeners (CONTRACT "Command line", --tls-cert/--tls-key): the user's pair, loaded
// and checked at start, or the self-signed pair kept in the data directory, loaded or made when the first client
// asks for TLS, so that a catcher whose clients never do loads no TLS library. Thread-safe: the network thread asks.
class TlsCertificateSource
{
public:
    // Serves the user's pair (certificateFile and keyFile), or else the pair in dataDir for hostname
    // (TlsIdentity::loadOrGenerate()); nothing is read before load() or configuration().
    TlsCertificateSource(
        const QString &certificateFile, const QString &keyFile, const QString &dataDir, const QString &hostname);

    // Reads (or makes) the pair now if not yet done. False and *error ("FILE: why") when the files cannot be read,
    // do not belong together, or the generated pair can be neither read nor made.
    bool load(QString *error);
    // What load() had, loading it now if needed (a failure is logged on stderr); nullopt when it fails.
    std::optional<QSslConfiguration> configuration();

private:
    QMutex m_mutex;
    std::optional<QSslConfiguration> m_configuration;
    QString m_certificateFile;
    QString m_keyFile;
    QString m_dataDir;
    QString m_hostname;
};
