// RuleEngine: the validation hooks the SMTP session asks, per README "Testing failure handling": five stages, chaos
// before the rules, the first enabled rule that matches (and whose probability draw fires) decides, no match
// accepts, repeatable draws with a seed, hit counts. Expected verdicts are the rules' own codes and texts, written
// by hand; chaos replies are Mailpit's ("451 Chaos sender error", authentication 535 5.7.8).
#include <rules/ruleengine.h>
#include <smtp/smtpenvelope.h>

#include <QHostAddress>
#include <QTest>

Q_DECLARE_METATYPE(Rule)

namespace {
Rule reject(Rule::Match match, const QString &pattern, int code, const QString &enhanced, const QString &text)
{
    Rule r;
    r.match = match;
    r.pattern = pattern;
    r.code = code;
    r.enhanced = enhanced;
    r.text = text;
    return r;
}

Rule accept(Rule::Match match, const QString &pattern)
{
    Rule r;
    r.match = match;
    r.pattern = pattern;
    r.action = Rule::Action::Accept;
    return r;
}

// A valid set (RuleSet::validate), as setRules() requires.
RuleSet ruleSet(RuleSet::Stage stage, const QList<Rule> &rules)
{
    RuleSet set;
    set.rules(stage) = rules;
    for (const Rule &r : rules) {
        const QString problem = RuleSet::validate(r, stage);
        if (!problem.isEmpty()) {
            qFatal("invalid test rule: %s", qPrintable(problem));
        }
    }
    return set;
}

// "accept", or "CODE ENHANCED TEXT".
QByteArray reply(const SmtpVerdict &v)
{
    return v.accepted ? QByteArray("accept") : QByteArray::number(v.code) + ' ' + v.enhanced + ' ' + v.text;
}

SmtpVerdict check(const RuleEngine &engine, RuleSet::Stage stage, const QByteArray &subject)
{
    const SmtpEnvelope envelope;
    switch (stage) {
    case RuleSet::Stage::Host:
        return engine.checkHost(ClientAddress::fromString(QString::fromLatin1(subject)));
    case RuleSet::Stage::Sender:
        return engine.checkSender(subject, envelope);
    case RuleSet::Stage::Recipient:
        return engine.checkRecipient(subject, envelope);
    case RuleSet::Stage::Auth:
        return engine.checkAuth(subject, envelope);
    case RuleSet::Stage::Data:
        return engine.checkData(envelope, subject);
    }
    return {};
}
} // namespace

class TestRuleEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachStageAsksItsRules_data();
    void eachStageAsksItsRules();
    void noRulesAcceptEverything();
    void theFirstMatchingRuleDecides_data();
    void theFirstMatchingRuleDecides();
    void chaosComesBeforeTheRules_data();
    void chaosComesBeforeTheRules();
    void chaosAtZeroPercentNeverFires();
    void aSeedRepeatsTheDraws();
    void probabilityFiresAboutAsOftenAsAsked();
    void aRuleThatDoesNotFireLeavesItToTheNext();
    void hitCountsCountDecisions();
    void setRulesResetsHitCounts();
    void verdictOf_data();
    void verdictOf();
    void firstMatch_data();
    void firstMatch();
    void theNullSender_data();
    void theNullSender();
    void dataRulesLookAtOneHeader_data();
    void dataRulesLookAtOneHeader();
    void dataRulesWithAMinimumSize_data();
    void dataRulesWithAMinimumSize();
    void greylistRefusesTheFirstTriesOfATriplet_data();
    void greylistRefusesTheFirstTriesOfATriplet();
    void greylistForgetsATripletAfterItsWindow();
    void aLimitLetsTheFirstNPassPerClient();
    void everyNthMatchingAttemptFires();
    void disconnectClosesWithoutAReply_data();
    void disconnectClosesWithoutAReply();
};

void TestRuleEngine::eachStageAsksItsRules_data()
{
    QTest::addColumn<int>("stage");
    QTest::addColumn<Rule>("rule");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QByteArray>("expected");
    const int host = int(RuleSet::Stage::Host);
    const int sender = int(RuleSet::Stage::Sender);
    const int recipient = int(RuleSet::Stage::Recipient);
    const int auth = int(RuleSet::Stage::Auth);
    const int data = int(RuleSet::Stage::Data);
    const Rule cidr = reject(Rule::Match::Cidr, "10.0.0.0/8", 554, "5.7.1", "go away");
    QTest::newRow("a host inside the prefix is refused")
        << host << cidr << QByteArray("10.1.2.3") << QByteArray("554 5.7.1 go away");
    QTest::newRow("a host outside the prefix is accepted")
        << host << cidr << QByteArray("11.0.0.1") << QByteArray("accept");
    const Rule denied = reject(Rule::Match::Glob, "denied@*", 550, "5.7.1", "sender denied");
    QTest::newRow("a matching sender is refused")
        << sender << denied << QByteArray("denied@x.test") << QByteArray("550 5.7.1 sender denied");
    QTest::newRow("another sender is accepted") << sender << denied << QByteArray("ok@x.test") << QByteArray("accept");
    const Rule bogus = reject(Rule::Match::Regex, "^bogus", 550, "5.1.1", "mailbox unavailable");
    QTest::newRow("a matching recipient is refused")
        << recipient << bogus << QByteArray("bogus@example.com") << QByteArray("550 5.1.1 mailbox unavailable");
    QTest::newRow("another recipient is accepted")
        << recipient << bogus << QByteArray("alice@example.com") << QByteArray("accept");
    const Rule bot = reject(Rule::Match::Exact, "deploy-bot", 535, "5.7.8", "authentication credentials invalid");
    QTest::newRow("a matching user is refused")
        << auth << bot << QByteArray("deploy-bot") << QByteArray("535 5.7.8 authentication credentials invalid");
    QTest::newRow("another user is accepted") << auth << bot << QByteArray("deploy") << QByteArray("accept");
    Rule unsubscribe = reject(Rule::Match::Glob, "*unsubscribe*", 554, "5.6.0", "no newsletters");
    QTest::newRow("a message whose Subject matches is refused")
        << data << unsubscribe << QByteArray("Subject: Please unsubscribe me\r\n\r\nbody\r\n")
        << QByteArray("554 5.6.0 no newsletters");
    QTest::newRow("a message whose Subject does not match is accepted")
        << data << unsubscribe << QByteArray("Subject: Hello\r\n\r\nunsubscribe\r\n") << QByteArray("accept");
}

void TestRuleEngine::eachStageAsksItsRules()
{
    QFETCH(int, stage);
    QFETCH(Rule, rule);
    QFETCH(QByteArray, subject);
    QFETCH(QByteArray, expected);
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage(stage), { rule }));
    QCOMPARE(reply(check(engine, RuleSet::Stage(stage), subject)), expected);
    // The other stages' hooks do not see this stage's rules.
    for (int other = 0; other < RuleSet::StageCount; ++other) {
        if (other != stage && other != int(RuleSet::Stage::Host) && other != int(RuleSet::Stage::Data)) {
            QCOMPARE(reply(check(engine, RuleSet::Stage(other), subject)), QByteArray("accept"));
        }
    }
}

void TestRuleEngine::noRulesAcceptEverything()
{
    const RuleEngine engine;
    for (int stage = 0; stage < RuleSet::StageCount; ++stage) {
        const SmtpVerdict v = check(engine, RuleSet::Stage(stage), "127.0.0.1");
        QVERIFY(v.accepted);
        QCOMPARE(v.delayMs, 0);
        QVERIFY(v.rule.isEmpty());
    }
}

void TestRuleEngine::theFirstMatchingRuleDecides_data()
{
    QTest::addColumn<QList<Rule>>("rules");
    QTest::addColumn<QByteArray>("expected");
    const Rule first = reject(Rule::Match::Glob, "*@x.test", 550, "5.1.1", "first");
    const Rule second = reject(Rule::Match::Exact, "bob@x.test", 551, "5.1.6", "second");
    const Rule other = reject(Rule::Match::Exact, "carol@x.test", 552, "5.2.2", "other");
    Rule disabled = first;
    disabled.enabled = false;
    QTest::newRow("the first of two matching rules") << QList<Rule> { first, second } << QByteArray("550 5.1.1 first");
    QTest::newRow("order decides, not how exact a rule is")
        << QList<Rule> { second, first } << QByteArray("551 5.1.6 second");
    QTest::newRow("a rule that does not match is passed over")
        << QList<Rule> { other, second } << QByteArray("551 5.1.6 second");
    QTest::newRow("a disabled rule is skipped") << QList<Rule> { disabled, second } << QByteArray("551 5.1.6 second");
    QTest::newRow("an accept rule before a reject rule accepts")
        << QList<Rule> { accept(Rule::Match::Glob, "bob@*"), first } << QByteArray("accept");
    QTest::newRow("only disabled rules accept") << QList<Rule> { disabled } << QByteArray("accept");
}

void TestRuleEngine::theFirstMatchingRuleDecides()
{
    QFETCH(QList<Rule>, rules);
    QFETCH(QByteArray, expected);
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, rules));
    QCOMPARE(reply(engine.checkRecipient("bob@x.test", {})), expected);
}

void TestRuleEngine::chaosComesBeforeTheRules_data()
{
    QTest::addColumn<int>("stage");
    QTest::addColumn<int>("errorCode");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("the sender trigger") << int(RuleSet::Stage::Sender) << 451
                                        << QByteArray("451 4.0.0 Chaos sender error");
    QTest::newRow("the recipient trigger with a permanent code")
        << int(RuleSet::Stage::Recipient) << 550 << QByteArray("550 5.0.0 Chaos recipient error");
    QTest::newRow("the authentication trigger")
        << int(RuleSet::Stage::Auth) << 535 << QByteArray("535 5.7.8 Chaos authentication error");
}

void TestRuleEngine::chaosComesBeforeTheRules()
{
    QFETCH(int, stage);
    QFETCH(int, errorCode);
    QFETCH(QByteArray, expected);
    RuleEngine engine;
    // An accept rule that matches everything would decide if the rules came first.
    engine.setRules(ruleSet(RuleSet::Stage(stage), { accept(Rule::Match::Glob, "*") }));
    ChaosTriggers chaos;
    ChaosTriggers::Trigger trigger { errorCode, 100 };
    switch (RuleSet::Stage(stage)) {
    case RuleSet::Stage::Sender:
        chaos.sender = trigger;
        break;
    case RuleSet::Stage::Recipient:
        chaos.recipient = trigger;
        break;
    default:
        chaos.authentication = trigger;
        break;
    }
    engine.setChaos(chaos);
    QCOMPARE(engine.chaos(), chaos);
    const SmtpVerdict v = check(engine, RuleSet::Stage(stage), "anyone@x.test");
    QCOMPARE(reply(v), expected);
    QVERIFY(v.rule.startsWith("chaos"));
    // Chaos is no rule: the rule's hit count stays 0.
    QCOMPARE(engine.hitCounts(RuleSet::Stage(stage)), QList<qint64> { 0 });
    // Each trigger belongs to its stage: the others still accept.
    for (int other : { int(RuleSet::Stage::Sender), int(RuleSet::Stage::Recipient), int(RuleSet::Stage::Auth) }) {
        if (other != stage) {
            QVERIFY(check(engine, RuleSet::Stage(other), "anyone@x.test").accepted);
        }
    }
}

void TestRuleEngine::chaosAtZeroPercentNeverFires()
{
    RuleEngine engine;
    engine.setChaos(ChaosTriggers { { 451, 0 }, { 451, 0 }, { 535, 0 } });
    for (int i = 0; i < 200; ++i) {
        QVERIFY(engine.checkSender("a@x.test", {}).accepted);
        QVERIFY(engine.checkRecipient("a@x.test", {}).accepted);
        QVERIFY(engine.checkAuth("a", {}).accepted);
    }
}

void TestRuleEngine::aSeedRepeatsTheDraws()
{
    Rule flaky = reject(Rule::Match::Glob, "*", 451, "4.3.0", "flaky");
    flaky.probability = 50;
    const auto run = [&flaky](quint64 seed) {
        RuleEngine engine;
        engine.setRules(ruleSet(RuleSet::Stage::Recipient, { flaky }));
        ChaosTriggers chaos;
        chaos.sender.probability = 50;
        engine.setChaos(chaos);
        engine.setSeed(seed);
        QString draws;
        for (int i = 0; i < 200; ++i) {
            draws += engine.checkRecipient("a@x.test", {}).accepted ? QLatin1Char('a') : QLatin1Char('r');
            draws += engine.checkSender("a@x.test", {}).accepted ? QLatin1Char('a') : QLatin1Char('c');
        }
        return draws;
    };
    const QString first = run(42);
    QCOMPARE(run(42), first);
    QVERIFY(first.contains(QLatin1Char('a')) && first.contains(QLatin1Char('r')) && first.contains(QLatin1Char('c')));
    // Another seed, another sequence (400 draws agreeing by chance: 2^-400).
    QVERIFY(run(43) != first);
}

void TestRuleEngine::probabilityFiresAboutAsOftenAsAsked()
{
    Rule flaky = reject(Rule::Match::Glob, "*", 451, "4.3.0", "flaky");
    flaky.probability = 30;
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, { flaky }));
    engine.setSeed(7);
    int refused = 0;
    for (int i = 0; i < 2000; ++i) {
        refused += engine.checkRecipient("a@x.test", {}).accepted ? 0 : 1;
    }
    // Binomial(2000, 0.3): mean 600, standard deviation about 20; 480..720 is six deviations either way.
    QVERIFY2(refused > 480 && refused < 720, qPrintable(QString::number(refused)));
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Recipient), QList<qint64> { refused });
}

void TestRuleEngine::aRuleThatDoesNotFireLeavesItToTheNext()
{
    Rule never = reject(Rule::Match::Glob, "*", 451, "4.3.0", "never");
    never.probability = 0;
    const Rule always = reject(Rule::Match::Glob, "*", 550, "5.7.1", "always");
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Sender, { never, always }));
    for (int i = 0; i < 50; ++i) {
        QCOMPARE(reply(engine.checkSender("a@x.test", {})), QByteArray("550 5.7.1 always"));
    }
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), (QList<qint64> { 0, 50 }));
}

void TestRuleEngine::hitCountsCountDecisions()
{
    const Rule bob = reject(Rule::Match::Exact, "bob@x.test", 550, "5.1.1", "no bob");
    const Rule anyone = reject(Rule::Match::Glob, "*@x.test", 550, "5.1.1", "no one");
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, { bob, anyone }));
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Recipient), (QList<qint64> { 0, 0 }));
    engine.checkRecipient("bob@x.test", {});
    engine.checkRecipient("carol@x.test", {});
    engine.checkRecipient("dave@x.test", {});
    engine.checkRecipient("erin@y.test", {}); // no rule decides
    engine.checkRecipient("carol@x.test", {});
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Recipient), (QList<qint64> { 1, 3 }));
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), QList<qint64>());
    // firstMatch ("Try it") only looks: it counts nothing.
    QCOMPARE(engine.firstMatch(RuleSet::Stage::Recipient, QStringLiteral("bob@x.test")), std::optional<int>(0));
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Recipient), (QList<qint64> { 1, 3 }));
}

void TestRuleEngine::setRulesResetsHitCounts()
{
    const Rule anyone = reject(Rule::Match::Glob, "*", 550, "5.1.1", "no one");
    const RuleSet set = ruleSet(RuleSet::Stage::Sender, { anyone });
    RuleEngine engine;
    engine.setRules(set);
    engine.checkSender("a@x.test", {});
    engine.checkSender("b@x.test", {});
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), QList<qint64> { 2 });
    engine.setRules(set); // the same rules again: the counts still start over
    QCOMPARE(engine.rules(), set);
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), QList<qint64> { 0 });
    engine.checkSender("a@x.test", {});
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), QList<qint64> { 1 });
}

void TestRuleEngine::verdictOf_data()
{
    QTest::addColumn<Rule>("rule");
    QTest::addColumn<int>("stage");
    QTest::addColumn<int>("index");
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<int>("delayMs");
    QTest::addColumn<int>("hostReply");
    QTest::addColumn<QByteArray>("described");
    Rule slow = reject(Rule::Match::Glob, "*@slow.example", 451, "4.3.0", "temporary failure, try again later");
    slow.probability = 30;
    slow.delayMs = 8000;
    QTest::newRow("a flaky, slow recipient rule")
        << slow << int(RuleSet::Stage::Recipient) << 1 << QByteArray("451 4.3.0 temporary failure, try again later")
        << 8000 << int(SmtpVerdict::HostReply::Commands) << QByteArray("recipient rule 2: glob *@slow.example (30%)");
    Rule delayedAccept = accept(Rule::Match::Exact, "ok@x.test");
    delayedAccept.delayMs = 1500;
    QTest::newRow("an accept rule keeps its delay")
        << delayedAccept << int(RuleSet::Stage::Sender) << 0 << QByteArray("accept") << 1500
        << int(SmtpVerdict::HostReply::Commands) << QByteArray("sender rule 1: exact ok@x.test");
    Rule defaults;
    defaults.pattern = QStringLiteral("x");
    QTest::newRow("a rule with every default")
        << defaults << int(RuleSet::Stage::Auth) << 0 << QByteArray("550 5.7.1 Rejected by rule") << 0
        << int(SmtpVerdict::HostReply::Commands) << QByteArray("auth rule 1: exact x");
    Rule drop = reject(Rule::Match::Cidr, "10.0.0.0/8", 421, "4.3.2", "service not available");
    drop.hostReply = Rule::HostReply::Drop;
    QTest::newRow("a host rule that drops the connection")
        << drop << int(RuleSet::Stage::Host) << 2 << QByteArray("421 4.3.2 service not available") << 0
        << int(SmtpVerdict::HostReply::Drop) << QByteArray("host rule 3: cidr 10.0.0.0/8");
    Rule greeting = drop;
    greeting.code = 554;
    greeting.enhanced = QStringLiteral("5.7.1");
    greeting.text = QStringLiteral("no");
    greeting.hostReply = Rule::HostReply::Greeting;
    QTest::newRow("a host rule answering instead of the greeting")
        << greeting << int(RuleSet::Stage::Host) << 0 << QByteArray("554 5.7.1 no") << 0
        << int(SmtpVerdict::HostReply::Greeting) << QByteArray("host rule 1: cidr 10.0.0.0/8");
    Rule big;
    big.minSize = 1048576;
    big.code = 552;
    big.enhanced = QStringLiteral("5.3.4");
    big.text = QStringLiteral("too big");
    QTest::newRow("a data rule on size alone")
        << big << int(RuleSet::Stage::Data) << 0 << QByteArray("552 5.3.4 too big") << 0
        << int(SmtpVerdict::HostReply::Commands) << QByteArray("data rule 1: exact (at least 1048576 bytes)");
    Rule nullSender;
    QTest::newRow("the null sender rule")
        << nullSender << int(RuleSet::Stage::Sender) << 0 << QByteArray("550 5.7.1 Rejected by rule") << 0
        << int(SmtpVerdict::HostReply::Commands) << QByteArray("sender rule 1: exact");
    Rule utf8 = reject(Rule::Match::Exact, QStringLiteral("jürgen@bücher.example"), 550, "5.1.1", "nein");
    QTest::newRow("a pattern outside ASCII is described in UTF-8")
        << utf8 << int(RuleSet::Stage::Recipient) << 0 << QByteArray("550 5.1.1 nein") << 0
        << int(SmtpVerdict::HostReply::Commands)
        << QByteArray("recipient rule 1: exact j\xc3\xbcrgen@b\xc3\xbc"
                      "cher.example");
}

void TestRuleEngine::verdictOf()
{
    QFETCH(Rule, rule);
    QFETCH(int, stage);
    QFETCH(int, index);
    QFETCH(QByteArray, reply);
    QFETCH(int, delayMs);
    QFETCH(int, hostReply);
    QFETCH(QByteArray, described);
    const SmtpVerdict v = RuleEngine::verdictOf(rule, RuleSet::Stage(stage), index);
    QCOMPARE(::reply(v), reply);
    QCOMPARE(v.delayMs, delayMs);
    QCOMPARE(int(v.hostReply), hostReply);
    QCOMPARE(v.rule, described);
}

void TestRuleEngine::firstMatch_data()
{
    QTest::addColumn<int>("stage");
    QTest::addColumn<QList<Rule>>("rules");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<int>("expected"); // -1: none
    Rule never = reject(Rule::Match::Glob, "*@x.test", 451, "4.3.0", "never fires");
    never.probability = 0;
    Rule disabled = reject(Rule::Match::Glob, "*@x.test", 550, "5.7.1", "off");
    disabled.enabled = false;
    const Rule bob = reject(Rule::Match::Exact, "bob@x.test", 550, "5.7.1", "no bob");
    QTest::newRow("a rule that never fires still matches")
        << int(RuleSet::Stage::Recipient) << QList<Rule> { never, bob } << "bob@x.test" << 0;
    QTest::newRow("a disabled rule is skipped")
        << int(RuleSet::Stage::Recipient) << QList<Rule> { disabled, bob } << "bob@x.test" << 1;
    QTest::newRow("no rule matches") << int(RuleSet::Stage::Recipient) << QList<Rule> { bob } << "carol@x.test" << -1;
    QTest::newRow("no rules at all") << int(RuleSet::Stage::Sender) << QList<Rule>() << "bob@x.test" << -1;
    const Rule cidr = reject(Rule::Match::Cidr, "192.0.2.0/24", 554, "5.7.1", "no");
    QTest::newRow("a host address inside the prefix")
        << int(RuleSet::Stage::Host) << QList<Rule> { cidr } << "192.0.2.77" << 0;
    QTest::newRow("a host address outside the prefix")
        << int(RuleSet::Stage::Host) << QList<Rule> { cidr } << "198.51.100.1" << -1;
    QTest::newRow("an auth user") << int(RuleSet::Stage::Auth)
                                  << QList<Rule> { reject(Rule::Match::Exact, "deploy-bot", 535, "5.7.8", "no") }
                                  << "deploy-bot" << 0;
    Rule big;
    big.minSize = 100;
    QTest::newRow("a data rule without a pattern matches any header value")
        << int(RuleSet::Stage::Data) << QList<Rule> { big } << "anything" << 0;
    QTest::newRow("a data rule's pattern is tried on the header value given")
        << int(RuleSet::Stage::Data) << QList<Rule> { reject(Rule::Match::Glob, "*sale*", 554, "5.6.0", "no") }
        << "Big sale today" << 0;
}

void TestRuleEngine::firstMatch()
{
    QFETCH(int, stage);
    QFETCH(QList<Rule>, rules);
    QFETCH(QString, subject);
    QFETCH(int, expected);
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage(stage), rules));
    const std::optional<int> match = engine.firstMatch(RuleSet::Stage(stage), subject);
    QCOMPARE(match.value_or(-1), expected);
}

void TestRuleEngine::theNullSender_data()
{
    // README "Testing failure handling": MAIL FROM:<> is the empty string; an exact "" sender rule refuses bounces.
    QTest::addColumn<QByteArray>("sender");
    QTest::addColumn<bool>("refused");
    QTest::newRow("the null sender is refused") << QByteArray() << true;
    QTest::newRow("an empty but non-null array is the null sender too") << QByteArray("") << true;
    QTest::newRow("an ordinary sender is accepted") << QByteArray("a@x.test") << false;
    QTest::newRow("a sender that is only a space is accepted") << QByteArray(" ") << false;
}

void TestRuleEngine::theNullSender()
{
    QFETCH(QByteArray, sender);
    QFETCH(bool, refused);
    Rule bounces = reject(Rule::Match::Exact, QString(), 550, "5.7.1", "no bounces");
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Sender, { bounces }));
    QCOMPARE(!engine.checkSender(sender, {}).accepted, refused);
    QCOMPARE(engine.firstMatch(RuleSet::Stage::Sender, QString::fromUtf8(sender)).has_value(), refused);
}

void TestRuleEngine::dataRulesLookAtOneHeader_data()
{
    QTest::addColumn<QString>("header");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("refused");
    QTest::newRow("the Subject header") << "Subject" << QByteArray("From: a@x.test\r\nSubject: Big sale\r\n\r\nhi\r\n")
                                        << true;
    QTest::newRow("header names ignore case") << "Subject" << QByteArray("SUBJECT: Big sale\r\n\r\nhi\r\n") << true;
    QTest::newRow("a folded value is unfolded (RFC 5322 §2.2.3)")
        << "Subject" << QByteArray("Subject: Big\r\n sale\r\n\r\nhi\r\n") << true;
    QTest::newRow("bare LF line ends") << "Subject" << QByteArray("Subject: Big sale\n\nhi\n") << true;
    QTest::newRow("the body is not the header")
        << "Subject" << QByteArray("From: a@x.test\r\n\r\nSubject: sale\r\n") << false;
    QTest::newRow("another header's value does not count")
        << "Subject" << QByteArray("X-Subject: Big sale\r\nSubject: hello\r\n\r\n") << false;
    QTest::newRow("a continuation line of another header does not count")
        << "Subject" << QByteArray("To: a@x.test,\r\n Subject: sale\r\nSubject: hello\r\n\r\n") << false;
    QTest::newRow("the first occurrence decides")
        << "Subject" << QByteArray("Subject: hello\r\nSubject: Big sale\r\n\r\n") << false;
    QTest::newRow("another header chosen by the rule")
        << "X-Campaign" << QByteArray("Subject: hello\r\nX-Campaign: sale-2026\r\n\r\n") << true;
    QTest::newRow("an empty message") << "Subject" << QByteArray() << false;
}

void TestRuleEngine::dataRulesLookAtOneHeader()
{
    QFETCH(QString, header);
    QFETCH(QByteArray, message);
    QFETCH(bool, refused);
    Rule sale = reject(Rule::Match::Glob, "*sale*", 554, "5.6.0", "no sales");
    sale.header = header;
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Data, { sale }));
    QCOMPARE(!engine.checkData({}, message).accepted, refused);
}

void TestRuleEngine::dataRulesWithAMinimumSize_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("refused");
    QTest::newRow("one byte short of the minimum") << 1023 << false;
    QTest::newRow("exactly the minimum") << 1024 << true;
    QTest::newRow("above the minimum") << 5000 << true;
}

void TestRuleEngine::dataRulesWithAMinimumSize()
{
    QFETCH(int, size);
    QFETCH(bool, refused);
    Rule big;
    big.minSize = 1024;
    big.code = 552;
    big.enhanced = QStringLiteral("5.3.4");
    big.text = QStringLiteral("too big");
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Data, { big }));
    const QByteArray message = "Subject: x\r\n\r\n" + QByteArray(size - 14, 'a');
    QCOMPARE(message.size(), size);
    const SmtpVerdict v = engine.checkData({}, message);
    QCOMPARE(reply(v), refused ? QByteArray("552 5.3.4 too big") : QByteArray("accept"));
}

namespace {
SmtpEnvelope from(const char *client, const QByteArray &sender)
{
    SmtpEnvelope e;
    e.clientAddress = ClientAddress::fromString(QString::fromLatin1(client));
    e.mailFrom = sender;
    return e;
}

Rule greylist(const QString &pattern, int attempts, int windowSec)
{
    Rule r;
    r.match = Rule::Match::Glob;
    r.pattern = pattern;
    r.action = Rule::Action::Greylist;
    r.code = 451;
    r.enhanced = QStringLiteral("4.7.1");
    r.text = QStringLiteral("Greylisted, please try again later");
    r.attempts = attempts;
    r.windowSec = windowSec;
    return r;
}
} // namespace

void TestRuleEngine::greylistRefusesTheFirstTriesOfATriplet_data()
{
    QTest::addColumn<int>("attempts");
    QTest::addColumn<QByteArrayList>("replies"); // tries 1..n of one triplet
    // CONTRACT "Failure scenarios": the first `attempts` tries within the window get the reply, later ones pass.
    const QByteArray grey("451 4.7.1 Greylisted, please try again later");
    QTest::newRow("once") << 1 << QByteArrayList { grey, "accept", "accept" };
    QTest::newRow("three times") << 3 << QByteArrayList { grey, grey, grey, "accept", "accept" };
}

void TestRuleEngine::greylistRefusesTheFirstTriesOfATriplet()
{
    QFETCH(int, attempts);
    QFETCH(QByteArrayList, replies);
    RuleEngine engine;
    qint64 now = 1000000;
    engine.setClock([&now] { return now; });
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, { greylist(QStringLiteral("*@grey.test"), attempts, 3600) }));
    const SmtpEnvelope first = from("192.0.2.1", "app@x.test");
    for (const QByteArray &expected : replies) {
        QCOMPARE(reply(engine.checkRecipient("bob@grey.test", first)), expected);
        now += 60000;
    }
    // Each part of the triplet (RFC 6647: client address, sender, recipient) makes a new one, which starts over; the
    // addresses compare without regard to case.
    QVERIFY(!engine.checkRecipient("carol@grey.test", first).accepted);
    QVERIFY(!engine.checkRecipient("bob@grey.test", from("192.0.2.2", "app@x.test")).accepted);
    QVERIFY(!engine.checkRecipient("bob@grey.test", from("192.0.2.1", "other@x.test")).accepted);
    QVERIFY(engine.checkRecipient("BOB@grey.TEST", from("192.0.2.1", "APP@x.test")).accepted);
    // Another recipient domain is no match at all.
    QVERIFY(engine.checkRecipient("bob@white.test", first).accepted);
    // A pass names the rule in the session log.
    QVERIFY(engine.checkRecipient("bob@grey.test", first).rule.endsWith("(retried: passed)"));
}

void TestRuleEngine::greylistForgetsATripletAfterItsWindow()
{
    RuleEngine engine;
    qint64 now = 5000000;
    engine.setClock([&now] { return now; });
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, { greylist(QStringLiteral("*"), 1, 600) }));
    const SmtpEnvelope e = from("192.0.2.1", "app@x.test");
    QVERIFY(!engine.checkRecipient("bob@y.test", e).accepted);
    now += 599000;
    QVERIFY(engine.checkRecipient("bob@y.test", e).accepted);
    // windowSec after the first try the triplet is forgotten: greylisted again.
    now += 1000;
    QVERIFY(!engine.checkRecipient("bob@y.test", e).accepted);
    QVERIFY(engine.checkRecipient("bob@y.test", e).accepted);
    // New rules start the counts again (they live in memory, with the rules).
    engine.setRules(ruleSet(RuleSet::Stage::Recipient, { greylist(QStringLiteral("*"), 1, 600) }));
    QVERIFY(!engine.checkRecipient("bob@y.test", e).accepted);
}

void TestRuleEngine::aLimitLetsTheFirstNPassPerClient()
{
    // CONTRACT: a rule with a limit matches only once the same client address has made more than N matching
    // attempts within the last S seconds.
    Rule limited = reject(Rule::Match::Glob, "*", 421, "4.7.0", "Too many messages");
    limited.limit = { 3, 60 };
    RuleEngine engine;
    qint64 now = 0;
    engine.setClock([&now] { return now; });
    engine.setRules(ruleSet(RuleSet::Stage::Sender, { limited }));
    const SmtpEnvelope a = from("192.0.2.1", {});
    const SmtpEnvelope b = from("192.0.2.2", {});
    QByteArrayList got;
    for (int i = 0; i < 5; ++i) {
        got << reply(engine.checkSender("app@x.test", a));
        now += 1000;
    }
    QCOMPARE(got,
        (QByteArrayList {
            "accept", "accept", "accept", "421 4.7.0 Too many messages", "421 4.7.0 Too many messages" }));
    // Another client has its own count.
    QCOMPARE(reply(engine.checkSender("app@x.test", b)), QByteArray("accept"));
    // Once the window has moved past the earlier attempts, the client passes again.
    now += 60000;
    QCOMPARE(reply(engine.checkSender("app@x.test", a)), QByteArray("accept"));
    // Only decisions count as hits.
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Sender), QList<qint64> { 2 });
}

void TestRuleEngine::everyNthMatchingAttemptFires()
{
    // "Every 3rd message is refused" (the Scenarios menu): the 3rd, 6th and 9th matching attempts get the reply,
    // whoever makes them; attempts the pattern does not match do not count; new rules count afresh.
    Rule third;
    third.minSize = 1;
    third.code = 451;
    third.enhanced = QStringLiteral("4.3.0");
    third.text = QStringLiteral("Temporary failure");
    third.every = 3;
    Rule big = third;
    big.every = 0;
    big.minSize = 1000;
    big.code = 552;
    big.enhanced = QStringLiteral("5.3.4");
    big.text = QStringLiteral("Too big");
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage::Data, { third }));
    QByteArrayList got;
    for (int i = 0; i < 9; ++i) {
        got << reply(engine.checkData(from(i % 2 ? "192.0.2.1" : "192.0.2.2", {}), "Subject: x\r\n\r\nhi\r\n"));
    }
    const QByteArray refused = "451 4.3.0 Temporary failure";
    QCOMPARE(got,
        (QByteArrayList { "accept", "accept", refused, "accept", "accept", refused, "accept", "accept", refused }));
    QCOMPARE(engine.hitCounts(RuleSet::Stage::Data), QList<qint64> { 3 });
    // An attempt its pattern does not match is no attempt of the rule (an empty message is under minSize 1).
    engine.setRules(ruleSet(RuleSet::Stage::Data, { third }));
    got.clear();
    for (const char *data : { "x", "", "", "x", "x" }) {
        got << reply(engine.checkData(from("192.0.2.1", {}), data));
    }
    QCOMPARE(got, (QByteArrayList { "accept", "accept", "accept", "accept", refused }));
    // A rule before it that decides takes the attempt: the counter sees only what reaches it.
    engine.setRules(ruleSet(RuleSet::Stage::Data, { big, third }));
    got.clear();
    for (int size : { 10, 2000, 10, 10 }) {
        got << reply(engine.checkData(from("192.0.2.1", {}), QByteArray(size, 'x')));
    }
    QCOMPARE(got, (QByteArrayList { "accept", "552 5.3.4 Too big", "accept", refused }));
}

void TestRuleEngine::disconnectClosesWithoutAReply_data()
{
    QTest::addColumn<int>("stage");
    QTest::addColumn<QByteArray>("subject");
    QTest::newRow("host") << int(RuleSet::Stage::Host) << QByteArray("192.0.2.9");
    QTest::newRow("sender") << int(RuleSet::Stage::Sender) << QByteArray("drop@x.test");
    QTest::newRow("recipient") << int(RuleSet::Stage::Recipient) << QByteArray("drop@x.test");
    QTest::newRow("auth") << int(RuleSet::Stage::Auth) << QByteArray("drop");
    QTest::newRow("data") << int(RuleSet::Stage::Data) << QByteArray("Subject: drop\r\n\r\nbody\r\n");
}

void TestRuleEngine::disconnectClosesWithoutAReply()
{
    QFETCH(int, stage);
    QFETCH(QByteArray, subject);
    Rule rule;
    rule.match = stage == int(RuleSet::Stage::Host) ? Rule::Match::Cidr : Rule::Match::Glob;
    rule.pattern = stage == int(RuleSet::Stage::Host) ? QStringLiteral("192.0.2.0/24") : QStringLiteral("drop*");
    rule.action = Rule::Action::Disconnect;
    RuleEngine engine;
    engine.setRules(ruleSet(RuleSet::Stage(stage), { rule }));
    const SmtpVerdict v = check(engine, RuleSet::Stage(stage), subject);
    QVERIFY(!v.accepted);
    QVERIFY(v.disconnect);
    QVERIFY(
        !check(engine, RuleSet::Stage(stage), stage == int(RuleSet::Stage::Host) ? "198.51.100.1" : "keep").disconnect);
}

QTEST_APPLESS_MAIN(TestRuleEngine)
#include "tst_ruleengine.moc"
