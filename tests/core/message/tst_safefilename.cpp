// SafeFileName: names that came with a message, made safe to write. Expected values are written from the rules
// (no directories, no control or bidi characters, no hidden or device names, bounded length).
#include <message/safefilename.h>

#include <QTest>

class TestSafeFileName : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sanitizes_data();
    void sanitizes();
    void longNamesKeepTheirExtension();
};

void TestSafeFileName::sanitizes_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("an ordinary name is kept") << "report.csv"
                                              << "report.csv";
    QTest::newRow("unicode names are kept")
        << QStringLiteral("Q3 report – final.csv") << QStringLiteral("Q3 report – final.csv");
    QTest::newRow("a relative path loses its directories") << "../../.bashrc"
                                                           << "bashrc";
    QTest::newRow("an absolute path loses its directories") << "/etc/passwd"
                                                            << "passwd";
    QTest::newRow("a Windows path loses its directories") << "C:\\Users\\x\\evil.exe"
                                                          << "evil.exe";
    QTest::newRow("characters Windows forbids become underscores") << "a<b>c:d\"e|f?g*h.txt"
                                                                   << "a_b_c_d_e_f_g_h.txt";
    QTest::newRow("control characters go") << QStringLiteral("a\nb\tc\x01.txt") << "abc.txt";
    QTest::newRow("a right-to-left override cannot disguise the extension")
        << QStringLiteral("invoice\u202Efdp.exe") << "invoicefdp.exe";
    QTest::newRow("leading dots would hide the file") << "...hidden"
                                                      << "hidden";
    QTest::newRow("a leading dash is not an option") << "-rf"
                                                     << "rf";
    QTest::newRow("trailing dots and spaces go") << "name. . "
                                                 << "name";
    QTest::newRow("runs of white space fold") << "a   b\u00a0 c.txt"
                                              << "a b c.txt";
    QTest::newRow("a device name gets a prefix") << "CON.txt"
                                                 << "_CON.txt";
    QTest::newRow("nothing left gives the fallback") << "../.."
                                                     << "attachment";
    QTest::newRow("an empty name gives the fallback") << ""
                                                      << "attachment";
}

void TestSafeFileName::sanitizes()
{
    QFETCH(QString, name);
    QFETCH(QString, expected);
    QCOMPARE(SafeFileName::sanitized(name), expected);
}

void TestSafeFileName::longNamesKeepTheirExtension()
{
    const QString name = QString(300, u'é') + QStringLiteral(".pdf");
    const QString safe = SafeFileName::sanitized(name);
    QVERIFY(safe.toUtf8().size() <= 200);
    QVERIFY(safe.endsWith(QLatin1String(".pdf")));
    QVERIFY(safe.startsWith(u'é'));
}

QTEST_APPLESS_MAIN(TestSafeFileName)
#include "tst_safefilename.moc"
