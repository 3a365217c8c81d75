// ApiAuthenticator: bcrypt verification with libxcrypt against hashes made elsewhere (OpenBSD's test vector, Python's
// crypt module, htpasswd -B), and the memory of pairs that verified.
#include <api/apiauthenticator.h>
#include <api/basiccredentials.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {
ApiAuthFile fileWith(const QByteArray &content, QTemporaryDir *dir)
{
    const QString path = dir->filePath(QStringLiteral("users"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) {
        qFatal("cannot write %s", qPrintable(path));
    }
    file.close();
    ApiAuthFile auth;
    if (!auth.load(path)) {
        qFatal("%s", qPrintable(auth.errorString()));
    }
    return auth;
}

// The users: OpenBSD's and crypt_blowfish's test vector for "U*U" ($2a$), the same as Python's crypt module writes it
// with $2b$ and $2y$, and a line of apache2-utils' `htpasswd -nbB -C 5 alice 'wonder land'`.
const QByteArray Users = "vector:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n"
                         "openbsd:$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n"
                         "php:$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n"
                         "alice:$2y$05$7bq.OjoQq9YrnGRALc/FaOUKHcfCWSF18PtggatIq6w6sLMpKd4mS\n";
} // namespace

class TestApiAuthenticator : public QObject
{
    Q_OBJECT
private slots:
    void verifies_data();
    void verifies();
    void remembersOnlyWhatVerified();
};

void TestApiAuthenticator::verifies_data()
{
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<bool>("good");
    QTest::newRow("the $2a$ test vector") << QByteArray("vector") << QByteArray("U*U") << true;
    QTest::newRow("the $2b$ form") << QByteArray("openbsd") << QByteArray("U*U") << true;
    QTest::newRow("the $2y$ form") << QByteArray("php") << QByteArray("U*U") << true;
    QTest::newRow("htpasswd -B's line") << QByteArray("alice") << QByteArray("wonder land") << true;
    QTest::newRow("a wrong password") << QByteArray("alice") << QByteArray("wonderland") << false;
    QTest::newRow("another user's password") << QByteArray("alice") << QByteArray("U*U") << false;
    QTest::newRow("an empty password") << QByteArray("vector") << QByteArray("") << false;
    QTest::newRow("an unknown user") << QByteArray("mallory") << QByteArray("U*U") << false;
    QTest::newRow("a user name in another case") << QByteArray("Alice") << QByteArray("wonder land") << false;
}

void TestApiAuthenticator::verifies()
{
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);
    QFETCH(bool, good);
    QTemporaryDir dir;
    ApiAuthenticator authenticator(fileWith(Users, &dir));
    QCOMPARE(authenticator.verify(BasicCredentials { user, password }), good);
}

void TestApiAuthenticator::remembersOnlyWhatVerified()
{
    QTemporaryDir dir;
    ApiAuthenticator authenticator(fileWith(Users, &dir));
    const BasicCredentials alice { "alice", "wonder land" };
    const BasicCredentials wrong { "alice", "wonder land!" };
    QVERIFY(!authenticator.isKnownGood(alice));
    QVERIFY(!authenticator.verify(wrong));
    QVERIFY(!authenticator.isKnownGood(wrong));
    QVERIFY(authenticator.verify(alice));
    QVERIFY(authenticator.isKnownGood(alice));
    QVERIFY(!authenticator.isKnownGood(wrong));
    // Another authenticator (another run) has another key and remembers nothing.
    ApiAuthenticator other(fileWith(Users, &dir));
    QVERIFY(!other.isKnownGood(alice));
}

QTEST_APPLESS_MAIN(TestApiAuthenticator)
#include "tst_apiauthenticator.moc"
