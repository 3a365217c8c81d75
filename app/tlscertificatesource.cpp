#include "tlscertificatesource.h"

#include "tlsmodule.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <QMutexLocker>
#include <QSslSocket>

#include <cstdio>

namespace {
// The directory of the running executable, or an empty string with *error set.
QString executableDirectory([[maybe_unused]] QString *error)
{
#if defined(Q_OS_LINUX)
    // Before QCoreApplication exists too (the command line is checked first).
    return QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath().section(u'/', 0, -2);
#else
    // /proc is Linux's; elsewhere Qt knows the path once the application object exists, which both modes make before
    // they load a certificate (headless.cpp, desktop.cpp).
    if (!QCoreApplication::instance()) {
        *error
            = QStringLiteral("the TLS module is looked up beside the executable, which needs the application object");
        return QString();
    }
    return QCoreApplication::applicationDirPath();
#endif
}

// The module is beside the executable (the build tree), or in LIBDIR/letterbox (installed; LETTERBOX_MODULE_DIR is
// that directory relative to the installed executable, from app/CMakeLists.txt).
LetterboxTlsIdentity tlsModule(QString *error)
{
    static LetterboxTlsIdentity function = nullptr;
    static QString problem;
    static QMutex mutex;
    QMutexLocker lock(&mutex);
    if (!function && problem.isEmpty()) {
        const QString directory = executableDirectory(&problem);
        const QDir dir(directory);
        const QStringList candidates = directory.isEmpty()
            ? QStringList()
            : QStringList { dir.filePath(QStringLiteral("letterbox-tls")),
                  dir.filePath(QStringLiteral(LETTERBOX_MODULE_DIR "/letterbox-tls")) };
        for (const QString &path : candidates) {
            QLibrary library(path);
            function = reinterpret_cast<LetterboxTlsIdentity>(library.resolve("letterbox_tls_identity"));
            if (function) {
                break;
            }
            problem = library.errorString();
        }
        if (function) {
            problem.clear();
        }
    }
    if (!function) {
        *error = problem;
    }
    return function;
}

std::optional<QSslConfiguration> loadIdentity(const QString &certificateFile, const QString &keyFile,
    const QString &dataDir, const QString &hostname, QString *error)
{
    const LetterboxTlsIdentity identity = tlsModule(error);
    QList<QSslCertificate> certificates;
    QSslKey key;
    if (!identity || !identity(certificateFile, keyFile, dataDir, hostname, &certificates, &key, error)) {
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(certificates);
    configuration.setPrivateKey(key);
    // A mail catcher asks no client for a certificate.
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}
} // namespace

TlsCertificateSource::TlsCertificateSource(
    const QString &certificateFile, const QString &keyFile, const QString &dataDir, const QString &hostname)
    : m_certificateFile(certificateFile), m_keyFile(keyFile), m_dataDir(dataDir), m_hostname(hostname)
{
}

bool TlsCertificateSource::load(QString *error)
{
    QMutexLocker lock(&m_mutex);
    if (!m_configuration) {
        m_configuration = loadIdentity(m_certificateFile, m_keyFile, m_dataDir, m_hostname, error);
    }
    return m_configuration.has_value();
}

std::optional<QSslConfiguration> TlsCertificateSource::configuration()
{
    QString error;
    if (!load(&error)) {
        std::fprintf(stderr, "letterbox: no TLS certificate: %s\n", qPrintable(error));
        std::fflush(stderr);
        return std::nullopt;
    }
    QMutexLocker lock(&m_mutex);
    return m_configuration;
}
