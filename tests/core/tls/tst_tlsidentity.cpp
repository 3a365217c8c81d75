// TlsIdentity: the generated self-signed pair (names, key, lifetime, files private and reused) and the user's own
// pair (unreadable, not PEM, a key of another certificate: errors naming the file); a real TLS client (Python's ssl,
// OpenSSL underneath) that trusts the generated certificate completes a handshake with a QSslSocket server using it.
#include <tls/tlsidentity.h>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

namespace {
// A TLS listener in a few lines, as Letterbox's listeners use the identity: each accepted connection becomes a
// QSslSocket with the certificate chain and key, the server side of the handshake, one line, then the close.
class TlsServer : public QTcpServer
{
public:
    explicit TlsServer(const TlsIdentity &identity) : m_identity(identity) { }
    int encrypted = 0;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QSslSocket(this);
        socket->setSocketDescriptor(descriptor);
        socket->setLocalCertificateChain(m_identity.certificates());
        socket->setPrivateKey(m_identity.privateKey());
        connect(socket, &QSslSocket::encrypted, this, [this, socket] {
            ++encrypted;
            socket->write("hello over TLS\n");
            socket->disconnectFromHost();
        });
        socket->startServerEncryption();
    }

private:
    TlsIdentity m_identity;
};

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &data)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly)) {
        qFatal("cannot write %s", qPrintable(name));
    }
    f.write(data);
    return f.fileName();
}

int mode(const QString &file)
{
    struct stat st;
    return ::stat(QFile::encodeName(file).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}
} // namespace

class TestTlsIdentity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void generatedCertificateNamesThisMachine();
    void generatedPairIsKeptPrivatelyAndReused();
    void anotherHostNameMakesANewPair();
    void theUsersOwnPairLoads();
    void badFilesAreNamed_data();
    void badFilesAreNamed();
    void aClientThatTrustsItCompletesAHandshake();
};

void TestTlsIdentity::generatedCertificateNamesThisMachine()
{
    QString error;
    const std::optional<TlsIdentity> identity = TlsIdentity::generateSelfSigned(QStringLiteral("mx.test"), 825, &error);
    QVERIFY2(identity, qPrintable(error));
    const QSslCertificate certificate = identity->certificates().first();
    // Self-issued (RFC 5280 §6.1): issuer and subject are the same name. (Qt's isSelfSigned() also wants the key
    // usage to allow signing certificates, which a server certificate's does not.)
    QCOMPARE(certificate.issuerDisplayName(), certificate.subjectDisplayName());
    QCOMPARE(
        certificate.subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("Letterbox on mx.test") });
    for (const char *name : { "mx.test", "MX.TEST", "localhost", "127.0.0.1", "::1" }) {
        QVERIFY2(identity->covers(QLatin1String(name)), name);
    }
    QVERIFY(!identity->covers(QStringLiteral("other.test")));
    QVERIFY(!identity->covers(QStringLiteral("10.0.0.1")));
    // Valid now (from an hour ago) and for 825 days at most.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QVERIFY(certificate.effectiveDate() <= now.addSecs(-3500));
    QVERIFY(certificate.expiryDate() <= now.addDays(825).addSecs(60));
    QVERIFY(certificate.expiryDate() >= now.addDays(824));
    QCOMPARE(identity->privateKey().algorithm(), QSsl::Rsa);
    QCOMPARE(identity->privateKey().length(), 2048);
    // The fingerprint as browsers and openssl print it: 32 hex pairs.
    QVERIFY(QRegularExpression(QStringLiteral("^([0-9A-F]{2}:){31}[0-9A-F]{2}$"))
                .match(identity->sha256Fingerprint())
                .hasMatch());
    QCOMPARE(identity->certificatePem().left(27), QByteArray("-----BEGIN CERTIFICATE-----"));
}

void TestTlsIdentity::generatedPairIsKeptPrivatelyAndReused()
{
    QTemporaryDir dir;
    QString error;
    const std::optional<TlsIdentity> first = TlsIdentity::loadOrGenerate(dir.path(), QStringLiteral("mx.test"), &error);
    QVERIFY2(first, qPrintable(error));
    const QString certificateFile = dir.filePath(TlsIdentity::certificateFileName());
    const QString keyFile = dir.filePath(TlsIdentity::keyFileName());
    QCOMPARE(mode(certificateFile), 0600);
    QCOMPARE(mode(keyFile), 0600);
    const std::optional<TlsIdentity> again = TlsIdentity::loadOrGenerate(dir.path(), QStringLiteral("mx.test"), &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->sha256Fingerprint(), first->sha256Fingerprint());
}

void TestTlsIdentity::anotherHostNameMakesANewPair()
{
    QTemporaryDir dir;
    QString error;
    const auto first = TlsIdentity::loadOrGenerate(dir.path(), QStringLiteral("one.test"), &error);
    const auto second = TlsIdentity::loadOrGenerate(dir.path(), QStringLiteral("two.test"), &error);
    QVERIFY(first && second);
    QVERIFY(second->sha256Fingerprint() != first->sha256Fingerprint());
    QVERIFY(second->covers(QStringLiteral("two.test")));
}

void TestTlsIdentity::theUsersOwnPairLoads()
{
    QTemporaryDir dir;
    const auto made = TlsIdentity::generateSelfSigned(QStringLiteral("own.test"));
    QVERIFY(made);
    const QString certificate = writeFile(dir, QStringLiteral("cert.pem"), made->certificatePem());
    const QString key = writeFile(dir, QStringLiteral("key.pem"), made->privateKey().toPem());
    QString error;
    const std::optional<TlsIdentity> loaded = TlsIdentity::load(certificate, key, &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(loaded->sha256Fingerprint(), made->sha256Fingerprint());
}

void TestTlsIdentity::badFilesAreNamed_data()
{
    QTest::addColumn<QString>("certificateName"); // "" : missing file
    QTest::addColumn<QString>("keyName");
    QTest::addColumn<QString>("named"); // the file the error must name
    QTest::addColumn<QString>("why");
    QTest::newRow("a missing certificate file") << QString() << "key.pem"
                                                << "missing.pem"
                                                << "No such file";
    QTest::newRow("a certificate file that is not PEM") << "garbage.pem"
                                                        << "key.pem"
                                                        << "garbage.pem"
                                                        << "no PEM certificate";
    QTest::newRow("a key file that is not PEM") << "cert.pem"
                                                << "garbage.pem"
                                                << "garbage.pem"
                                                << "no unencrypted";
    QTest::newRow("the key of another certificate") << "cert.pem"
                                                    << "other-key.pem"
                                                    << "other-key.pem"
                                                    << "does not belong";
}

void TestTlsIdentity::badFilesAreNamed()
{
    QFETCH(QString, certificateName);
    QFETCH(QString, keyName);
    QFETCH(QString, named);
    QFETCH(QString, why);
    QTemporaryDir dir;
    const auto made = TlsIdentity::generateSelfSigned(QStringLiteral("a.test"));
    const auto other = TlsIdentity::generateSelfSigned(QStringLiteral("b.test"));
    QVERIFY(made && other);
    writeFile(dir, QStringLiteral("cert.pem"), made->certificatePem());
    writeFile(dir, QStringLiteral("key.pem"), made->privateKey().toPem());
    writeFile(dir, QStringLiteral("other-key.pem"), other->privateKey().toPem());
    writeFile(dir, QStringLiteral("garbage.pem"), "not a certificate\n");
    const QString certificate
        = dir.filePath(certificateName.isEmpty() ? QStringLiteral("missing.pem") : certificateName);
    QString error;
    QVERIFY(!TlsIdentity::load(certificate, dir.filePath(keyName), &error));
    QVERIFY2(error.startsWith(dir.filePath(named) + QLatin1Char(':')), qPrintable(error));
    QVERIFY2(error.contains(why), qPrintable(error));
}

void TestTlsIdentity::aClientThatTrustsItCompletesAHandshake()
{
    QTemporaryDir dir;
    QString error;
    const auto identity = TlsIdentity::loadOrGenerate(dir.path(), QStringLiteral("mx.test"), &error);
    QVERIFY2(identity, qPrintable(error));
    TlsServer tls(*identity);
    QVERIFY(tls.listen(QHostAddress::LocalHost, 0));
    const QString cafile = dir.filePath(TlsIdentity::certificateFileName());
    // Verified by name and by address, as clients configured with 'localhost' or '127.0.0.1' do.
    for (const char *host : { "localhost", "127.0.0.1", "mx.test" }) {
        QProcess client;
        client.start(QStringLiteral("python3"),
            { QStringLiteral("-c"),
                QStringLiteral("import socket, ssl, sys\n"
                               "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
                               "with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=10) as s:\n"
                               "    with ctx.wrap_socket(s, server_hostname=sys.argv[3]) as t:\n"
                               "        print(t.version(), t.recv(100).decode().strip())\n"),
                cafile, QString::number(tls.serverPort()), QLatin1String(host) });
        QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 20000);
        const QString out = QString::fromUtf8(client.readAllStandardOutput() + client.readAllStandardError());
        QVERIFY2(client.exitCode() == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("TLSv1.3 hello over TLS")), qPrintable(out));
    }
    QCOMPARE(tls.encrypted, 3);
    // A client that does not trust it refuses the handshake (the check can fail).
    QProcess strict;
    strict.start(QStringLiteral("python3"),
        { QStringLiteral("-c"),
            QStringLiteral("import socket, ssl, sys\n"
                           "ctx = ssl.create_default_context()\n"
                           "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)\n"
                           "ctx.wrap_socket(s, server_hostname='localhost')\n"),
            QString::number(tls.serverPort()) });
    QTRY_VERIFY_WITH_TIMEOUT(strict.state() == QProcess::NotRunning, 20000);
    QVERIFY(strict.exitCode() != 0);
    QVERIFY(strict.readAllStandardError().contains("CERTIFICATE_VERIFY_FAILED"));
}

QTEST_MAIN(TestTlsIdentity)
#include "tst_tlsidentity.moc"
