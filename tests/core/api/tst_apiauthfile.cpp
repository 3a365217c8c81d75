// ApiAuthFile: --api-auth's user:bcrypt-hash lines (htpasswd -B, as Mailpit's auth file), and its errors naming
// FILE:LINE.
#include <api/apiauthfile.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {
// Written by apache2-utils' `htpasswd -nbB -C 5 alice 'wonder land'`.
const QByteArray AliceLine = "alice:$2y$05$7bq.OjoQq9YrnGRALc/FaOUKHcfCWSF18PtggatIq6w6sLMpKd4mS";
// OpenBSD's and crypt_blowfish's test vector for "U*U".
const QByteArray VectorHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
} // namespace

class TestApiAuthFile : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void readsHtpasswdLines();
    void refusesABadFile_data();
    void refusesABadFile();
    void anUnreadableFileIsNamed();
    void recognisesBcryptHashes_data();
    void recognisesBcryptHashes();

private:
    QString write(const QByteArray &content);
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestApiAuthFile::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
}

QString TestApiAuthFile::write(const QByteArray &content)
{
    const QString path = m_dir->filePath(QStringLiteral("users"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size()) {
        qFatal("cannot write %s", qPrintable(path));
    }
    return path;
}

void TestApiAuthFile::readsHtpasswdLines()
{
    ApiAuthFile file;
    const QString path = write("# the team\r\n" + AliceLine + "\r\n\r\nbob:" + VectorHash + "\n   \n");
    QVERIFY2(file.load(path), qPrintable(file.errorString()));
    QVERIFY(!file.isEmpty());
    QCOMPARE(file.hashOf("alice").value_or(QByteArray()), AliceLine.mid(6));
    QCOMPARE(file.hashOf("bob").value_or(QByteArray()), VectorHash);
    QVERIFY(!file.hashOf("carol"));
    // User names are compared exactly, as htpasswd and Mailpit do.
    QVERIFY(!file.hashOf("Alice"));
    QCOMPARE(file.anyHash(), AliceLine.mid(6));
    QCOMPARE(file.fileName(), path);

    // An unknown user is checked against the costliest hash, so that no known user answers slower than it.
    const QByteArray costly = "$2y$07$" + QByteArray(53, 'C');
    ApiAuthFile mixed;
    QVERIFY2(mixed.load(write(AliceLine + "\ncarol:" + costly + "\nbob:" + VectorHash + "\n")),
        qPrintable(mixed.errorString()));
    QCOMPARE(mixed.anyHash(), costly);
}

void TestApiAuthFile::refusesABadFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("error"); // after "FILE"
    QTest::newRow("a line without a colon")
        << (AliceLine + "\njustbob\n") << QStringLiteral(":2: expected user:bcrypt-hash (as htpasswd -B writes it)");
    QTest::newRow("an empty user name") << (":" + VectorHash + "\n") << QStringLiteral(":1: empty user name");
    QTest::newRow("a plain password (htpasswd -p)")
        << QByteArray("# x\nbob:secret\n")
        << QStringLiteral(":2: the password of 'bob' is not a bcrypt hash (make the line with htpasswd -B)");
    QTest::newRow("an MD5 hash (htpasswd's default)")
        << QByteArray("bob:$apr1$Iv8K3Nvv$rFCwZEfbfbtXVYbOvYAKU1\n")
        << QStringLiteral(":1: the password of 'bob' is not a bcrypt hash (make the line with htpasswd -B)");
    QTest::newRow("a user twice") << (AliceLine + "\n" + AliceLine + "\n")
                                  << QStringLiteral(":2: user 'alice' appears twice");
    QTest::newRow("no user at all") << QByteArray("# nobody yet\n\n") << QStringLiteral(": no user:bcrypt-hash line");
}

void TestApiAuthFile::refusesABadFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, error);
    ApiAuthFile file;
    const QString path = write(content);
    QVERIFY(!file.load(path));
    QCOMPARE(file.errorString(), path + error);
    QVERIFY(file.isEmpty());
}

void TestApiAuthFile::anUnreadableFileIsNamed()
{
    ApiAuthFile file;
    const QString path = m_dir->filePath(QStringLiteral("missing"));
    QVERIFY(!file.load(path));
    QVERIFY2(file.errorString().startsWith(path + QStringLiteral(": ")), qPrintable(file.errorString()));
}

void TestApiAuthFile::recognisesBcryptHashes_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("bcrypt");
    QTest::newRow("$2a$ (the test vector)") << VectorHash << true;
    QTest::newRow("$2y$ (htpasswd -B)") << AliceLine.mid(6) << true;
    QTest::newRow("$2b$ (OpenBSD)") << QByteArray("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
                                    << true;
    QTest::newRow("$2x$ (the old buggy variant)")
        << QByteArray("$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW") << false;
    QTest::newRow("a cost below 4") << QByteArray("$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
                                    << false;
    QTest::newRow("a cost above 31") << QByteArray("$2y$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
                                     << false;
    QTest::newRow("one character short") << VectorHash.chopped(1) << false;
    QTest::newRow("a character outside bcrypt's base64")
        << QByteArray("$2y$05$CCCCCCCCCCCCCCCCCCCCC+E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW") << false;
    QTest::newRow("SHA-512 crypt") << QByteArray("$6$salt$abc") << false;
}

void TestApiAuthFile::recognisesBcryptHashes()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, bcrypt);
    QCOMPARE(ApiAuthFile::isBcryptHash(text), bcrypt);
}

QTEST_APPLESS_MAIN(TestApiAuthFile)
#include "tst_apiauthfile.moc"
