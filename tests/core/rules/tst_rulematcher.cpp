// RuleMatcher: every match type and the edge cases of addresses and hosts. Expected values follow CONTRACT.md
// "Rules" (exact and glob case-insensitive, regex a case-insensitive unanchored search, cidr for IPv4 and IPv6,
// IPv4-mapped peers as IPv4, the null sender as "") and IDNA (RFC 5891: xn-- and Unicode forms are one domain).
#include <rules/rulematcher.h>

#include <QElapsedTimer>
#include <QTest>

namespace {
Rule rule(Rule::Match match, const QString &pattern, Rule::Part part = Rule::Part::Address)
{
    Rule r;
    r.match = match;
    r.pattern = pattern;
    r.part = part;
    return r;
}
} // namespace

class TestRuleMatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesAddresses_data();
    void matchesAddresses();
    void matchesHosts_data();
    void matchesHosts();
    void invalidPatternsSayWhy();
    void aPathologicalRegexCannotHang();
    void aPathologicalPatternCostsMicroseconds_data();
    void aPathologicalPatternCostsMicroseconds();
    void heavyButOrdinaryPatternsStillMatch_data();
    void heavyButOrdinaryPatternsStillMatch();
    void aSubjectThatExhaustedTheLimitIsRemembered();
};

void TestRuleMatcher::matchesAddresses_data()
{
    QTest::addColumn<int>("match");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<int>("part");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<bool>("expected");
    const int exact = int(Rule::Match::Exact);
    const int glob = int(Rule::Match::Glob);
    const int regex = int(Rule::Match::Regex);
    const int address = int(Rule::Part::Address);
    const int local = int(Rule::Part::LocalPart);
    const int domain = int(Rule::Part::Domain);
    QTest::newRow("exact matches the same address")
        << exact << "bob@example.com" << address << "bob@example.com" << true;
    QTest::newRow("exact ignores case") << exact << "Bob@Example.COM" << address << "bOB@example.com" << true;
    QTest::newRow("exact needs the whole address")
        << exact << "bob@example.com" << address << "bob@example.comx" << false;
    QTest::newRow("glob star matches any run") << glob << "denied@*" << address << "denied@anything.test" << true;
    QTest::newRow("glob star may match nothing") << glob << "*denied@x.test" << address << "denied@x.test" << true;
    QTest::newRow("glob question mark is one character")
        << glob << "user?@x.test" << address << "user12@x.test" << false;
    QTest::newRow("glob anchors both ends") << glob << "denied@*" << address << "not-denied@x.test" << false;
    QTest::newRow("glob dots are literal") << glob << "a.b@x.test" << address << "aXb@x.test" << false;
    QTest::newRow("glob ignores case") << glob << "*@EXAMPLE.*" << address << "x@example.org" << true;
    QTest::newRow("regex searches unanchored") << regex << "bogus" << address << "very-bogus@x.test" << true;
    QTest::newRow("regex anchors when asked") << regex << "^bogus" << address << "very-bogus@x.test" << false;
    QTest::newRow("regex ignores case") << regex << "^BOGUS@" << address << "bogus@x.test" << true;
    QTest::newRow("local part only") << exact << "postmaster" << local << "Postmaster@any.test" << true;
    QTest::newRow("local part does not see the domain") << glob << "*example*" << local << "bob@example.com" << false;
    QTest::newRow("domain only") << exact << "example.com" << domain << "anyone@EXAMPLE.com" << true;
    QTest::newRow("domain glob for subdomains") << glob << "*.example.com" << domain << "a@mail.example.com" << true;
    QTest::newRow("domain rule never matches the null sender") << glob << "*" << domain << "" << false;
    QTest::newRow("the null sender is the empty string") << exact << "" << address << "" << true;
    QTest::newRow("an empty exact pattern matches no other sender") << exact << "" << address << "a@b" << false;
    QTest::newRow("regex matches the null sender with ^$") << regex << "^$" << address << "" << true;
    QTest::newRow("quoted local part kept whole")
        << exact << "\"john doe\"@example.com" << address << "\"John Doe\"@example.com" << true;
    QTest::newRow("quoted local part with an @ splits at the last @")
        << exact << "\"a@b\"" << local << "\"a@b\"@example.com" << true;
    QTest::newRow("IDN domain in Unicode matches its ACE form")
        << exact << QStringLiteral("bücher.example") << domain << "info@xn--bcher-kva.example" << true;
    QTest::newRow("IDN ACE pattern matches the Unicode form")
        << exact << "info@XN--BCHER-KVA.example" << address << QStringLiteral("info@Bücher.example") << true;
    QTest::newRow("IDN glob") << glob << QStringLiteral("*@*.bücher.example") << address
                              << "a@shop.xn--bcher-kva.example" << true;
    QTest::newRow("internationalised local part (SMTPUTF8)")
        << exact << QStringLiteral("jösé@example.com") << address << QStringLiteral("JÖSÉ@example.com") << true;
}

void TestRuleMatcher::matchesAddresses()
{
    QFETCH(int, match);
    QFETCH(QString, pattern);
    QFETCH(int, part);
    QFETCH(QString, subject);
    QFETCH(bool, expected);
    const RuleMatcher matcher(rule(Rule::Match(match), pattern, Rule::Part(part)));
    QVERIFY2(matcher.isValid(), qPrintable(matcher.errorString()));
    QCOMPARE(matcher.matchesText(subject), expected);
}

void TestRuleMatcher::matchesHosts_data()
{
    QTest::addColumn<int>("match");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("client");
    QTest::addColumn<bool>("expected");
    const int cidr = int(Rule::Match::Cidr);
    QTest::newRow("IPv4 prefix contains") << cidr << "192.168.1.0/24"
                                          << "192.168.1.77" << true;
    QTest::newRow("IPv4 prefix excludes") << cidr << "192.168.1.0/24"
                                          << "192.168.2.1" << false;
    QTest::newRow("IPv4 /32 is one host") << cidr << "127.0.0.1/32"
                                          << "127.0.0.1" << true;
    QTest::newRow("an IPv4-mapped peer is matched as IPv4") << cidr << "127.0.0.0/8"
                                                            << "::ffff:127.0.0.5" << true;
    QTest::newRow("IPv6 prefix contains") << cidr << "2001:db8::/32"
                                          << "2001:db8:1::5" << true;
    QTest::newRow("IPv6 prefix excludes") << cidr << "2001:db8::/32"
                                          << "2001:db9::1" << false;
    QTest::newRow("IPv6 loopback") << cidr << "::1/128"
                                   << "::1" << true;
    QTest::newRow("an IPv4 prefix never matches IPv6") << cidr << "0.0.0.0/0"
                                                       << "::1" << false;
    QTest::newRow("exact host text") << int(Rule::Match::Exact) << "127.0.0.1"
                                     << "::ffff:127.0.0.1" << true;
    QTest::newRow("glob host text") << int(Rule::Match::Glob) << "10.0.*"
                                    << "10.0.3.4" << true;
    QTest::newRow("regex host text") << int(Rule::Match::Regex) << "^::1$"
                                     << "::1" << true;
}

void TestRuleMatcher::matchesHosts()
{
    QFETCH(int, match);
    QFETCH(QString, pattern);
    QFETCH(QString, client);
    QFETCH(bool, expected);
    const RuleMatcher matcher(rule(Rule::Match(match), pattern));
    QVERIFY2(matcher.isValid(), qPrintable(matcher.errorString()));
    QCOMPARE(matcher.matchesHost(QHostAddress(client)), expected);
}

void TestRuleMatcher::invalidPatternsSayWhy()
{
    const RuleMatcher regex(rule(Rule::Match::Regex, "(unclosed"));
    QVERIFY(!regex.isValid());
    QVERIFY(regex.errorString().startsWith(QLatin1String("invalid regular expression at offset 9")));
    QVERIFY(!regex.matchesText(QStringLiteral("(unclosed")));
    const RuleMatcher cidr(rule(Rule::Match::Cidr, "300.1.1.0/24"));
    QVERIFY(!cidr.isValid());
    QVERIFY(cidr.errorString().contains(QLatin1String("300.1.1.0/24")));
    QVERIFY(!RuleMatcher(rule(Rule::Match::Cidr, "10.0.0.0/33")).isValid());
}

void TestRuleMatcher::aPathologicalRegexCannotHang()
{
    // Catastrophic backtracking: 2^n steps without a limit. PCRE2's match limit stops it with no match.
    const RuleMatcher matcher(rule(Rule::Match::Regex, "^(a+)+$"));
    QVERIFY(matcher.isValid());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!matcher.matchesText(QString(40, u'a') + QStringLiteral("!@x.test")));
    QVERIFY2(timer.elapsed() < 5000, "the match limit must end the search");
}

void TestRuleMatcher::aPathologicalPatternCostsMicroseconds_data()
{
    QTest::addColumn<int>("match");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("subject");
    const int glob = int(Rule::Match::Glob);
    const int regex = int(Rule::Match::Regex);
    const QString address = QStringLiteral("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!@x");
    QTest::newRow("nested quantifiers against a's and a '!'") << regex << "^(a+)+$" << address;
    QTest::newRow("a pattern's own higher match limit does not lift ours")
        << regex << "(*LIMIT_MATCH=100000000)^(a+)+$" << address;
    QTest::newRow("behind other start-of-pattern options")
        << regex << "(*UCP)(*NO_START_OPT)(*LIMIT_MATCH=99999999)^(a+)+$" << address;
    QTest::newRow("alternation that overlaps itself") << regex << "^(a|aa)+$" << QString(60, u'a') + u'!';
    QTest::newRow("a lazy repeated group that cannot complete")
        << regex << "(?:.*?,){30}final" << QStringLiteral("w, ").repeated(200);
    QTest::newRow("a glob with many stars")
        << glob << "*a*a*a*a*a*a*a*a*a*a*b" << QString(200, u'a') + QStringLiteral("@x");
}

void TestRuleMatcher::aPathologicalPatternCostsMicroseconds()
{
    // Every session shares one thread: a rule that backtracks without end must cost little and simply not match
    // (CONTRACT "Rules": a bounded match time). Measured with JIT about 15 µs; 1 ms leaves room for a slow machine.
    QFETCH(int, match);
    QFETCH(QString, pattern);
    QFETCH(QString, subject);
    const RuleMatcher matcher(rule(Rule::Match(match), pattern));
    QVERIFY2(matcher.isValid(), qPrintable(matcher.errorString()));
    constexpr int Runs = 20;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < Runs; ++i) {
        QVERIFY(!matcher.matchesText(subject));
    }
    const double perMatchMs = double(timer.nsecsElapsed()) / 1e6 / Runs;
    QVERIFY2(perMatchMs < 1.0, qPrintable(QStringLiteral("%1 ms per match").arg(perMatchMs)));
}

void TestRuleMatcher::heavyButOrdinaryPatternsStillMatch_data()
{
    QTest::addColumn<int>("match");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<bool>("expected");
    const int glob = int(Rule::Match::Glob);
    const int regex = int(Rule::Match::Regex);
    const QString longAddress = QString(480, u'x') + QStringLiteral("@example.com");
    QString header;
    for (int i = 0; i < 500; ++i) {
        header += QStringLiteral("word%1, ").arg(i);
    }
    header += QStringLiteral("final");
    QTest::newRow("three greedy groups over a 492-octet address")
        << regex << "^(.*)(.*)(.*)@example\\.com$" << longAddress << true;
    QTest::newRow("a repeated group over a 4,400-octet header value")
        << regex << "^(\\w+\\d*,\\s)*final$" << header << true;
    QTest::newRow("an RFC 5322-style address pattern")
        << regex
        << "^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+"
           "[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
        << QString(60, u'a') + u'@' + QStringLiteral("sub.").repeated(40) + QStringLiteral("example.com") << true;
    QTest::newRow("start-of-pattern options still work")
        << regex << "(*UCP)^\\w+@example\\.com$" << QStringLiteral("jörg@example.com") << true;
    QTest::newRow("a pattern may lower the limit further")
        << regex << "(*LIMIT_MATCH=10)^(.*)(.*)(.*)@example\\.com$" << longAddress << false;
    QTest::newRow("a glob over a long address") << glob << "*x*x*x*@example.*" << longAddress << true;
}

void TestRuleMatcher::heavyButOrdinaryPatternsStillMatch()
{
    QFETCH(int, match);
    QFETCH(QString, pattern);
    QFETCH(QString, subject);
    QFETCH(bool, expected);
    const RuleMatcher matcher(rule(Rule::Match(match), pattern));
    QVERIFY2(matcher.isValid(), qPrintable(matcher.errorString()));
    QCOMPARE(matcher.matchesText(subject), expected);
}

void TestRuleMatcher::aSubjectThatExhaustedTheLimitIsRemembered()
{
    // 50 RCPTs of one pathological address cost the match limit once; other subjects are matched as usual.
    const RuleMatcher matcher(rule(Rule::Match::Regex, "^(a+)+$"));
    const QString pathological = QStringLiteral("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!@x");
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!matcher.matchesText(pathological));
    const qint64 firstNs = timer.nsecsElapsed();
    constexpr int Repeats = 100;
    timer.restart();
    for (int i = 0; i < Repeats; ++i) {
        QVERIFY(!matcher.matchesText(pathological));
    }
    const qint64 repeatNs = timer.nsecsElapsed() / Repeats;
    QVERIFY2(repeatNs * 5 < firstNs, qPrintable(QStringLiteral("first %1 ns, then %2 ns").arg(firstNs).arg(repeatNs)));
    QVERIFY(matcher.matchesText(QStringLiteral("aaaa")));
    // A copy (the rule engine keeps matchers in lists) shares what was learnt.
    const RuleMatcher copy = matcher;
    QVERIFY(!copy.matchesText(pathological));
    QVERIFY(!copy.matchesText(QStringLiteral("aaab")));
}

QTEST_APPLESS_MAIN(TestRuleMatcher)
#include "tst_rulematcher.moc"
