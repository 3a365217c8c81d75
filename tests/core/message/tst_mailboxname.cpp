// MailboxName: CONTRACT "Mailboxes" — 1–64 characters of letters, digits, '.', '_', '-'; case-insensitive.
#include <message/mailboxname.h>

#include <QTest>

class TestMailboxName : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isValid_data();
    void isValid();
    void namesIgnoreCase();
};

void TestMailboxName::isValid_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("Inbox") << "Inbox" << true;
    QTest::newRow("letters, digits, dot, underscore, dash") << "shop-2.test_a" << true;
    QTest::newRow("one character") << "a" << true;
    QTest::newRow("64 characters") << QString(64, u'x') << true;
    QTest::newRow("65 characters") << QString(65, u'x') << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("a space") << "my shop" << false;
    QTest::newRow("a slash") << "a/b" << false;
    QTest::newRow("an at sign") << "user@host" << false;
    QTest::newRow("a letter outside ASCII") << QStringLiteral("caf\u00e9") << false;
}

void TestMailboxName::isValid()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(MailboxName::isValid(name), valid);
}

void TestMailboxName::namesIgnoreCase()
{
    QVERIFY(MailboxName::same(QStringLiteral("INBOX"), MailboxName::inbox()));
    QVERIFY(!MailboxName::same(QStringLiteral("shop"), QStringLiteral("shops")));
}

QTEST_APPLESS_MAIN(TestMailboxName)
#include "tst_mailboxname.moc"
