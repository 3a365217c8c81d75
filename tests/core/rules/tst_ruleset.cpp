// RuleSet: the rules file of README "Testing failure handling", read all-or-nothing, errors naming line, list, index
// and field; every default filled in when written back.
#include <rules/ruleset.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

class TestRuleSet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTheContractsExampleWithDefaults();
    void writesEveryFieldAndReadsItBack();
    void failureScenarioFieldsWithTheirDefaults();
    void errorsNameLineListIndexAndField_data();
    void errorsNameLineListIndexAndField();
    void emptyPatterns_data();
    void emptyPatterns();
};

// A file with every stage and every field written out, as a user may write it.
static const QByteArray FullExample = R"({
  "version": 1,
  "host":      [{"match": "cidr",  "pattern": "192.168.1.0/24", "action": "reject", "code": 550, "enhanced": "5.7.1", "text": "Access denied", "probability": 100, "delayMs": 0, "enabled": true}],
  "sender":    [{"match": "glob",  "pattern": "denied@*"}],
  "recipient": [{"match": "regex", "pattern": "^bogus", "action": "reject", "code": 550, "enhanced": "5.1.1", "text": "mailbox unavailable"}]
})";

void TestRuleSet::readsTheContractsExampleWithDefaults()
{
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(FullExample, &error);
    QVERIFY2(set, qPrintable(error));
    QCOMPARE(set->rules(RuleSet::Stage::Host).size(), 1);
    const Rule &host = set->rules(RuleSet::Stage::Host).first();
    QCOMPARE(host.match, Rule::Match::Cidr);
    QCOMPARE(host.text, QStringLiteral("Access denied"));
    // Omitted fields: reject, 550, 5.7.1, probability 100, no delay, enabled.
    const Rule &sender = set->rules(RuleSet::Stage::Sender).first();
    QCOMPARE(sender.match, Rule::Match::Glob);
    QCOMPARE(sender.pattern, QStringLiteral("denied@*"));
    QCOMPARE(sender.action, Rule::Action::Reject);
    QCOMPARE(sender.code, 550);
    QCOMPARE(sender.enhanced, QStringLiteral("5.7.1"));
    QCOMPARE(sender.probability, 100);
    QCOMPARE(sender.delayMs, 0);
    QCOMPARE(sender.enabled, true);
    const Rule &recipient = set->rules(RuleSet::Stage::Recipient).first();
    QCOMPARE(recipient.enhanced, QStringLiteral("5.1.1"));
    QCOMPARE(recipient.text, QStringLiteral("mailbox unavailable"));
    QVERIFY(set->rules(RuleSet::Stage::Auth).isEmpty());
    QVERIFY(set->rules(RuleSet::Stage::Data).isEmpty());
}

void TestRuleSet::writesEveryFieldAndReadsItBack()
{
    QString error;
    std::optional<RuleSet> set = RuleSet::fromJson(FullExample, &error);
    QVERIFY(set);
    Rule data;
    data.minSize = 1048576;
    data.pattern.clear();
    data.code = 552;
    data.enhanced = QStringLiteral("5.3.4");
    set->rules(RuleSet::Stage::Data) << data;
    Rule auth;
    auth.match = Rule::Match::Exact;
    auth.pattern = QStringLiteral("mallory");
    auth.code = 535;
    auth.enhanced = QStringLiteral("5.7.8");
    auth.probability = 50;
    auth.delayMs = 1500;
    auth.enabled = false;
    set->rules(RuleSet::Stage::Auth) << auth;
    const QByteArray json = set->toJson();
    const QJsonObject root = QJsonDocument::fromJson(json).object();
    QCOMPARE(root.value(QLatin1String("version")).toInt(), 1);
    const QJsonObject sender = root.value(QLatin1String("sender")).toArray().at(0).toObject();
    // Every default written out.
    for (const char *field :
        { "match", "pattern", "action", "code", "enhanced", "text", "probability", "delayMs", "enabled", "part" }) {
        QVERIFY2(sender.contains(QLatin1String(field)), field);
    }
    QCOMPARE(sender.value(QLatin1String("action")).toString(), QStringLiteral("reject"));
    QCOMPARE(sender.value(QLatin1String("code")).toInt(), 550);
    QCOMPARE(root.value(QLatin1String("host")).toArray().at(0).toObject().value(QLatin1String("hostReply")).toString(),
        QStringLiteral("commands"));
    const std::optional<RuleSet> again = RuleSet::fromJson(json, &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(*again, *set);
}

// CONTRACT "Failure scenarios": greylist (451 4.7.1 "Greylisted, please try again later", attempts 1, windowSec
// 3600 unless given), disconnect, and a limit on any rule; GET /api/v1/rules shows them with the defaults filled in.
void TestRuleSet::failureScenarioFieldsWithTheirDefaults()
{
    const QByteArray json = R"({"version": 1,
      "host": [{"match": "cidr", "pattern": "0.0.0.0/0", "action": "accept", "limit": {"count": 10, "perSeconds": 60}},
               {"match": "cidr", "pattern": "::1/128", "action": "accept", "bytesPerSecond": 10240}],
      "sender": [{"match": "glob", "pattern": "drop@*", "action": "disconnect"}],
      "recipient": [{"match": "glob", "pattern": "*@grey.test", "action": "greylist"},
                    {"match": "glob", "pattern": "*@twice.test", "action": "greylist", "attempts": 2, "windowSec": 60,
                     "code": 450, "enhanced": "4.2.0", "text": "Try later"},
                    {"match": "glob", "pattern": "*@bounce.test", "action": "bounce", "bounceAfterMs": 5000,
                     "enhanced": "5.1.1", "text": "User unknown"}],
      "data": [{"pattern": "", "minSize": 1, "code": 451, "enhanced": "4.3.0", "every": 3}]})";
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(json, &error);
    QVERIFY2(set, qPrintable(error));
    const Rule &host = set->rules(RuleSet::Stage::Host).first();
    QCOMPARE(host.limit, (Rule::Limit { 10, 60 }));
    QCOMPARE(set->rules(RuleSet::Stage::Sender).first().action, Rule::Action::Disconnect);
    const Rule &grey = set->rules(RuleSet::Stage::Recipient).at(0);
    QCOMPARE(grey.action, Rule::Action::Greylist);
    QCOMPARE(grey.code, 451);
    QCOMPARE(grey.enhanced, QStringLiteral("4.7.1"));
    QCOMPARE(grey.text, QStringLiteral("Greylisted, please try again later"));
    QCOMPARE(grey.attempts, 1);
    QCOMPARE(grey.windowSec, 3600);
    QCOMPARE(grey.limit, Rule::Limit());
    const Rule &twice = set->rules(RuleSet::Stage::Recipient).at(1);
    QCOMPARE(twice.attempts, 2);
    QCOMPARE(twice.windowSec, 60);
    QCOMPARE(twice.code, 450);
    QCOMPARE(twice.text, QStringLiteral("Try later"));
    QCOMPARE(set->rules(RuleSet::Stage::Host).at(1).bytesPerSecond, 10240);
    QCOMPARE(host.bytesPerSecond, 0);
    const Rule &bounce = set->rules(RuleSet::Stage::Recipient).at(2);
    QCOMPARE(bounce.action, Rule::Action::Bounce);
    QCOMPARE(bounce.bounceAfterMs, 5000);
    QCOMPARE(bounce.code, 550); // the ordinary defaults, which the bounce's Status and Diagnostic-Code take
    QCOMPARE(bounce.enhanced, QStringLiteral("5.1.1"));
    QCOMPARE(grey.bounceAfterMs, 0);
    QCOMPARE(grey.every, 0);
    QCOMPARE(set->rules(RuleSet::Stage::Data).first().every, 3);
    const QJsonObject root = QJsonDocument::fromJson(set->toJson()).object();
    const QJsonObject greyJson = root.value(QLatin1String("recipient")).toArray().at(0).toObject();
    QCOMPARE(greyJson.value(QLatin1String("action")).toString(), QStringLiteral("greylist"));
    QCOMPARE(greyJson.value(QLatin1String("attempts")).toInt(), 1);
    QCOMPARE(greyJson.value(QLatin1String("windowSec")).toInt(), 3600);
    QVERIFY(greyJson.value(QLatin1String("limit")).isNull());
    QCOMPARE(greyJson.value(QLatin1String("bounceAfterMs")).toInt(), 0);
    QVERIFY(!greyJson.contains(QLatin1String("bytesPerSecond")));
    // The settled details: attempts, windowSec, bounceAfterMs and limit on every rule; bytesPerSecond on host rules.
    const QJsonObject senderJson = root.value(QLatin1String("sender")).toArray().at(0).toObject();
    QCOMPARE(senderJson.value(QLatin1String("attempts")).toInt(), 1);
    QCOMPARE(senderJson.value(QLatin1String("windowSec")).toInt(), 3600);
    QCOMPARE(senderJson.value(QLatin1String("bounceAfterMs")).toInt(), 0);
    QVERIFY(senderJson.value(QLatin1String("limit")).isNull());
    QVERIFY(!senderJson.contains(QLatin1String("bytesPerSecond")));
    // Letterbox's own "every" is written only when set, so that the contract's shape stays as it is.
    QVERIFY(!senderJson.contains(QLatin1String("every")));
    QCOMPARE(root.value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("every")).toInt(), 3);
    const QJsonArray hostJson = root.value(QLatin1String("host")).toArray();
    QCOMPARE(hostJson.at(0).toObject().value(QLatin1String("bytesPerSecond")).toInt(), 0);
    QCOMPARE(hostJson.at(1).toObject().value(QLatin1String("bytesPerSecond")).toInt(), 10240);
    QCOMPARE(hostJson.at(0).toObject().value(QLatin1String("attempts")).toInt(), 1);
    const QJsonObject bounceJson = root.value(QLatin1String("recipient")).toArray().at(2).toObject();
    QCOMPARE(bounceJson.value(QLatin1String("action")).toString(), QStringLiteral("bounce"));
    QCOMPARE(bounceJson.value(QLatin1String("bounceAfterMs")).toInt(), 5000);
    const QJsonObject limit
        = root.value(QLatin1String("host")).toArray().at(0).toObject().value(QLatin1String("limit")).toObject();
    QCOMPARE(limit, (QJsonObject { { QStringLiteral("count"), 10 }, { QStringLiteral("perSeconds"), 60 } }));
    const std::optional<RuleSet> again = RuleSet::fromJson(set->toJson(), &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(*again, *set);
}

void TestRuleSet::errorsNameLineListIndexAndField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("a bad regex names its rule and says why")
        << QByteArray("{\n\"version\": 1,\n\"recipient\": [\n {\"pattern\": \"ok\"},\n {\"match\": \"regex\",\n"
                      "  \"pattern\": \"(x\"}\n]\n}")
        << "6: recipient[1].pattern: invalid regular expression at offset 2: missing closing parenthesis";
    QTest::newRow("a bad prefix")
        << QByteArray("{\"host\": [\n{\"match\": \"cidr\", \"pattern\": \"10.0.0.0/40\"}]}")
        << "2: host[0].pattern: '10.0.0.0/40' is not an IPv4 or IPv6 prefix (like 192.168.1.0/24 or 2001:db8::/32)";
    QTest::newRow("cidr is for hosts only")
        << QByteArray("{\"sender\": [{\"match\": \"cidr\", \"pattern\": \"1.2.3.4/8\"}]}")
        << "1: sender[0].match: \"cidr\" is for host rules only";
    QTest::newRow("an unknown match type")
        << QByteArray("{\"sender\": [\n{\"match\": \"fuzzy\", \"pattern\": \"x\"}]}")
        << "2: sender[0].match: must be one of \"exact\", \"glob\", \"regex\", \"cidr\"";
    QTest::newRow("a code outside 4xx and 5xx") << QByteArray("{\"sender\": [{\"pattern\": \"x\",\n\"code\": 250}]}")
                                                << "2: sender[0].code: must be a whole number from 400 to 599";
    QTest::newRow("an enhanced code of another class")
        << QByteArray("{\"sender\": [{\"pattern\": \"x\", \"code\": 451, \"enhanced\": \"5.7.1\"}]}")
        << "1: sender[0].enhanced: its class (5) must match the code's (4)";
    QTest::newRow("probability over 100") << QByteArray("{\"recipient\": [{\"pattern\": \"x\", \"probability\": 101}]}")
                                          << "1: recipient[0].probability: must be a whole number from 0 to 100";
    QTest::newRow("an unknown field is not ignored")
        << QByteArray("{\"sender\": [{\"pattern\": \"x\", \"delay\": 5}]}")
        << "1: sender[0].delay: unknown field for a sender rule (known: match, pattern, action, code, enhanced, text, "
           "probability, delayMs, enabled, limit, attempts, windowSec, bounceAfterMs, every, part)";
    QTest::newRow("an unknown list") << QByteArray(
        "{\n\"senders\": []}") << "2: senders: unknown list (known: version, host, sender, recipient, auth, data)";
    QTest::newRow("a wrong version") << QByteArray("{\"version\": 2}") << "1: version: must be 1";
    QTest::newRow("an empty pattern") << QByteArray("{\"auth\": [{\"pattern\": \"\"}]}")
                                      << "1: auth[0].pattern: must not be empty";
    QTest::newRow("greylisting is for recipient rules only")
        << QByteArray("{\"sender\": [\n{\"pattern\": \"x\", \"action\": \"greylist\"}]}")
        << "2: sender[0].action: \"greylist\" is for recipient rules only";
    QTest::newRow("bouncing is for recipient rules only")
        << QByteArray("{\"data\": [{\"pattern\": \"x\", \"action\": \"bounce\"}]}")
        << "1: data[0].action: \"bounce\" is for recipient rules only";
    QTest::newRow("bytesPerSecond belongs to host rules")
        << QByteArray("{\"sender\": [{\"pattern\": \"x\", \"bytesPerSecond\": 10240}]}")
        << "1: sender[0].bytesPerSecond: unknown field for a sender rule (known: match, pattern, action, code, "
           "enhanced, text, probability, delayMs, enabled, limit, attempts, windowSec, bounceAfterMs, every, part)";
    QTest::newRow("every must be a whole number")
        << QByteArray("{\"data\": [{\"minSize\": 1, \"pattern\": \"\", \"every\": 2.5}]}")
        << "1: data[0].every: must be a whole number from 0 to 1000000";
    QTest::newRow("a negative bytesPerSecond")
        << QByteArray("{\"host\": [{\"match\": \"cidr\", \"pattern\": \"10.0.0.0/8\", \"bytesPerSecond\": -1}]}")
        << "1: host[0].bytesPerSecond: must be a whole number from 0 to 1000000000";
    QTest::newRow("a bounce a year later")
        << QByteArray("{\"recipient\": [{\"pattern\": \"x\", \"action\": \"bounce\", \"bounceAfterMs\": 31536000000}]}")
        << "1: recipient[0].bounceAfterMs: must be a whole number from 0 to 86400000";
    QTest::newRow("no attempts") << QByteArray(
        "{\"recipient\": [{\"pattern\": \"x\", \"action\": \"greylist\",\n\"attempts\": 0}]}")
                                 << "2: recipient[0].attempts: must be a whole number from 1 to 1000";
    QTest::newRow("a limit without its window")
        << QByteArray("{\"sender\": [{\"pattern\": \"x\",\n\"limit\": {\"count\": 10}}]}")
        << "2: sender[0].limit: must be {\"count\": N, \"perSeconds\": S} with N from 0 to 1000000 and S from 1 to "
           "86400";
    QTest::newRow("an unknown action")
        << QByteArray("{\"sender\": [{\"pattern\": \"x\", \"action\": \"tarpit\"}]}")
        << "1: sender[0].action: must be one of \"accept\", \"reject\", \"greylist\", \"bounce\", \"disconnect\"";
    QTest::newRow("broken JSON") << QByteArray("{\n\"sender\": [\n{\"pattern\": \"x\",}]}")
                                 << "3: (file): object is missing after a comma"; // Qt's wording of the parse error
}

void TestRuleSet::errorsNameLineListIndexAndField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QString error;
    QVERIFY(!RuleSet::fromJson(json, &error));
    QCOMPARE(error, expected);
}

void TestRuleSet::emptyPatterns_data()
{
    // README "Testing failure handling": the null sender <> is matched as the empty string, so an exact sender rule may
    // have "" to refuse bounces. Elsewhere "" matches nothing (RCPT TO needs a path, RFC 5321 §4.1.1.3; a host's
    // address and an AUTH user are never empty) or, as a regex, everything: an error.
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected"); // "" when valid
    QTest::newRow("an exact sender rule with an empty pattern refuses the null sender")
        << QByteArray(R"({"sender": [{"match": "exact", "pattern": ""}]})") << QString();
    QTest::newRow("an empty pattern on a sender's domain is refused")
        << QByteArray(R"({"sender": [{"match": "exact", "part": "domain", "pattern": ""}]})")
        << QStringLiteral("1: sender[0].pattern: must not be empty (\"\" is the null sender <> only with "
                          "match \"exact\" on the whole address)");
    QTest::newRow("an empty sender glob is refused")
        << QByteArray(R"({"sender": [{"match": "glob", "pattern": ""}]})")
        << QStringLiteral("1: sender[0].pattern: must not be empty (\"\" is the null sender <> only with "
                          "match \"exact\" on the whole address)");
    QTest::newRow("an empty sender regex would match everything and is refused")
        << QByteArray(R"({"sender": [{"match": "regex", "pattern": ""}]})")
        << QStringLiteral("1: sender[0].pattern: must not be empty (\"\" is the null sender <> only with "
                          "match \"exact\" on the whole address)");
    QTest::newRow("an empty exact recipient is refused")
        << QByteArray(R"({"recipient": [{"match": "exact", "pattern": ""}]})")
        << QStringLiteral("1: recipient[0].pattern: must not be empty");
    QTest::newRow("an empty exact host is refused") << QByteArray(R"({"host": [{"match": "exact", "pattern": ""}]})")
                                                    << QStringLiteral("1: host[0].pattern: must not be empty");
}

void TestRuleSet::emptyPatterns()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QString error;
    const std::optional<RuleSet> set = RuleSet::fromJson(json, &error);
    QCOMPARE(error, expected);
    QCOMPARE(set.has_value(), expected.isEmpty());
    if (set) {
        // Written back and read again, it is the same rule.
        QCOMPARE(RuleSet::fromJson(set->toJson(), &error), set);
    }
}

QTEST_APPLESS_MAIN(TestRuleSet)
#include "tst_ruleset.moc"
