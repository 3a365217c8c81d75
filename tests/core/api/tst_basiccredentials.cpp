// BasicCredentials: the Authorization field of RFC 7617, parsed without an event loop (untrusted input).
#include <api/basiccredentials.h>

#include <QTest>

class TestBasicCredentials : public QObject
{
    Q_OBJECT
private slots:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
};

void TestBasicCredentials::parses_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<QByteArray>("user");
    QTest::addColumn<QByteArray>("password");
    // RFC 7617 §2's own example.
    QTest::newRow("the RFC's example gives Aladdin and open sesame")
        << QByteArray("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") << QByteArray("Aladdin") << QByteArray("open sesame");
    QTest::newRow("the scheme is case-insensitive")
        << QByteArray("bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ==") << QByteArray("Aladdin") << QByteArray("open sesame");
    QTest::newRow("several spaces may follow the scheme")
        << QByteArray("Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==") << QByteArray("Aladdin") << QByteArray("open sesame");
    QTest::newRow("the password is everything after the first colon")
        << ("Basic " + QByteArray("bob:a:b:c").toBase64()) << QByteArray("bob") << QByteArray("a:b:c");
    QTest::newRow("an empty password is a password")
        << ("Basic " + QByteArray("bob:").toBase64()) << QByteArray("bob") << QByteArray("");
    QTest::newRow("UTF-8 passes as its octets") << ("Basic " + QByteArray("jos\xc3\xa9:caf\xc3\xa9").toBase64())
                                                << QByteArray("jos\xc3\xa9") << QByteArray("caf\xc3\xa9");
}

void TestBasicCredentials::parses()
{
    QFETCH(QByteArray, field);
    QFETCH(QByteArray, user);
    QFETCH(QByteArray, password);
    const std::optional<BasicCredentials> credentials = BasicCredentials::fromAuthorization(field);
    QVERIFY(credentials);
    QCOMPARE(credentials->user, user);
    QCOMPARE(credentials->password, password);
}

void TestBasicCredentials::refuses_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::newRow("an empty field") << QByteArray("");
    QTest::newRow("another scheme") << QByteArray("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    QTest::newRow("the scheme alone") << QByteArray("Basic");
    QTest::newRow("the scheme glued to the token") << QByteArray("BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    QTest::newRow("a token that is not base64") << QByteArray("Basic QWxh*ZGRpbjpvcGVu");
    QTest::newRow("no colon in the decoded pair") << ("Basic " + QByteArray("justauser").toBase64());
    QTest::newRow("a NUL octet, where crypt would end the password")
        << ("Basic " + QByteArray("bob:pass\0word", 13).toBase64());
    QTest::newRow("a token longer than any credentials") << ("Basic " + QByteArray(9000, 'A'));
}

void TestBasicCredentials::refuses()
{
    QFETCH(QByteArray, field);
    QVERIFY(!BasicCredentials::fromAuthorization(field));
}

QTEST_APPLESS_MAIN(TestBasicCredentials)
#include "tst_basiccredentials.moc"
