// MessageTags: Mailpit's tag rules (internal/tools/tags.go CleanTag, internal/storage/tags.go: plus-addresses,
// sortedUniqueTags), appless.
#include <message/messagetags.h>

#include <QTest>

class TestMessageTags : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void clean_data();
    void clean();
    void normalized_data();
    void normalized();
    void fromArrival_data();
    void fromArrival();
};

void TestMessageTags::clean_data()
{
    QTest::addColumn<QString>("tag");
    QTest::addColumn<QString>("cleaned");
    QTest::newRow("letters, digits, space, - _ . stay") << "Release 1.2_rc-3"
                                                        << "Release 1.2_rc-3";
    QTest::newRow("white space at the ends goes") << "  urgent \t"
                                                  << "urgent";
    QTest::newRow("another character becomes a space") << "a/b"
                                                       << "a b";
    QTest::newRow("runs of spaces become one") << "a  !!  b"
                                               << "a b";
    QTest::newRow("non-ASCII letters are no tag characters") << QStringLiteral("caf\u00e9 cr\u00e8me") << "caf cr me";
    QTest::newRow("nothing left is no tag") << "!@#"
                                            << "";
    QTest::newRow("case stays as written") << "MixedCase"
                                           << "MixedCase";
}

void TestMessageTags::clean()
{
    QFETCH(QString, tag);
    QFETCH(QString, cleaned);
    QCOMPARE(MessageTags::clean(tag), cleaned);
}

void TestMessageTags::normalized_data()
{
    QTest::addColumn<QStringList>("tags");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("empty ones go") << QStringList { "", " ", "a" } << QStringList { "a" };
    QTest::newRow("the same name in another case is the same tag, first spelling kept")
        << QStringList { "Invoice", "invoice", "INVOICE" } << QStringList { "Invoice" };
    QTest::newRow("sorted bytewise: capitals before small letters")
        << QStringList { "beta", "alpha", "Zeta", "10", "2" } << QStringList { "10", "2", "Zeta", "alpha", "beta" };
    QTest::newRow("cleaned before they are compared") << QStringList { "a/b", "a b" } << QStringList { "a b" };
}

void TestMessageTags::normalized()
{
    QFETCH(QStringList, tags);
    QFETCH(QStringList, expected);
    QCOMPARE(MessageTags::normalized(tags), expected);
}

void TestMessageTags::fromArrival_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArrayList>("rcptTo");
    QTest::addColumn<QStringList>("tags");
    QTest::newRow("none") << QByteArray("Subject: x\r\n\r\nbody\r\n") << QByteArrayList { "bob@y.test" }
                          << QStringList();
    QTest::newRow("X-Tags, comma-separated") << QByteArray("Subject: x\r\nX-Tags: one, two ,three\r\n\r\n")
                                             << QByteArrayList() << QStringList { "one", "three", "two" };
    QTest::newRow("only the first X-Tags header counts")
        << QByteArray("X-Tags: first\r\nX-Tags: second\r\n\r\n") << QByteArrayList() << QStringList { "first" };
    QTest::newRow("a folded value is unfolded")
        << QByteArray("X-Tags: a,\r\n\tb\r\nSubject: x\r\n\r\n") << QByteArrayList() << QStringList { "a", "b" };
    QTest::newRow("bare LF line ends") << QByteArray("X-Tags: lf\n\nbody\n") << QByteArrayList()
                                       << QStringList { "lf" };
    QTest::newRow("the body is no header")
        << QByteArray("Subject: x\r\n\r\nX-Tags: body\r\n") << QByteArrayList() << QStringList();
    QTest::newRow("user+tag@host") << QByteArray("\r\n") << QByteArrayList { "user+tag@host.test" }
                                   << QStringList { "tag" };
    QTest::newRow("user+a+b@host gives a and b")
        << QByteArray("\r\n") << QByteArrayList { "user+a+b@host.test" } << QStringList { "a", "b" };
    QTest::newRow("no plus, no tag") << QByteArray("\r\n") << QByteArrayList { "user@host.test" } << QStringList();
    QTest::newRow("an empty part is no tag")
        << QByteArray("\r\n") << QByteArrayList { "user+@host.test" } << QStringList();
    QTest::newRow("header and recipients together, without repeats")
        << QByteArray("X-Tags: Shop\r\n\r\n") << QByteArrayList { "a+shop@x.test", "b+news@x.test" }
        << QStringList { "Shop", "news" };
}

void TestMessageTags::fromArrival()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArrayList, rcptTo);
    QFETCH(QStringList, tags);
    QCOMPARE(MessageTags::fromArrival(data, rcptTo), tags);
}

QTEST_APPLESS_MAIN(TestMessageTags)
#include "tst_messagetags.moc"
