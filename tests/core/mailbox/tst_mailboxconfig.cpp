// MailboxConfig: the mailboxes file of CONTRACT "Mailboxes", read all or nothing with the rules file's
// "LINE: field: problem" errors, names checked as the README says, and written back as the same JSON.
#include <mailbox/mailboxconfig.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

Q_DECLARE_METATYPE(MailboxConfig)

class TestMailboxConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTheReadmesExample();
    void writesTheSameJsonBack();
    void writesBackWhatNeedsEscaping();
    void omittedFieldsTakeTheirDefaults();
    void errorsNameLineAndField_data();
    void errorsNameLineAndField();
    void names_data();
    void names();
    void namesAreCaseInsensitive();
    void inboxMayBeListedAndIsSpelledInbox();
    void validateChecksAConfigurationBuiltInCode_data();
    void validateChecksAConfigurationBuiltInCode();
};

// CONTRACT "Mailboxes", as written there.
static const QByteArray ReadmeExample = R"({
  "version": 1,
  "perUser": false,
  "mailboxes": [
    {"name": "shop",    "routes": [{"listener": "127.0.0.1:2526"}, {"recipient": "*@shop.test"}]},
    {"name": "billing", "routes": [{"user": "billing*"}, {"client": "10.0.0.0/8"}]}
  ]
})";

static MailboxRoute route(MailboxRoute::Field field, const QString &pattern)
{
    MailboxRoute r;
    r.field = field;
    r.pattern = pattern;
    return r;
}

void TestMailboxConfig::readsTheReadmesExample()
{
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(ReadmeExample, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->perUser, false);
    QCOMPARE(config->mailboxes.size(), 2);
    QCOMPARE(config->mailboxes.at(0).name, QStringLiteral("shop"));
    const QList<MailboxRoute> shop { route(MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:2526")),
        route(MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test")) };
    QCOMPARE(config->mailboxes.at(0).routes, shop);
    QCOMPARE(config->mailboxes.at(1).name, QStringLiteral("billing"));
    const QList<MailboxRoute> billing { route(MailboxRoute::Field::User, QStringLiteral("billing*")),
        route(MailboxRoute::Field::Client, QStringLiteral("10.0.0.0/8")) };
    QCOMPARE(config->mailboxes.at(1).routes, billing);
    QCOMPARE(config->indexOf(u"BILLING"), 1);
    QCOMPARE(config->indexOf(u"Inbox"), -1);
}

void TestMailboxConfig::writesTheSameJsonBack()
{
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(ReadmeExample, &error);
    QVERIFY2(config, qPrintable(error));
    const QByteArray json = config->toJson();
    // The same JSON value as the README's text (spacing aside), fields in the README's order.
    QCOMPARE(QJsonDocument::fromJson(json), QJsonDocument::fromJson(ReadmeExample));
    QVERIFY(json.indexOf("\"version\"") < json.indexOf("\"perUser\""));
    QVERIFY(json.indexOf("\"perUser\"") < json.indexOf("\"mailboxes\""));
    QVERIFY(json.indexOf("\"shop\"") < json.indexOf("\"billing\""));
    QCOMPARE(MailboxConfig::fromJson(json, &error), config);
}

void TestMailboxConfig::writesBackWhatNeedsEscaping()
{
    MailboxConfig config;
    config.perUser = true;
    config.mailboxes << MailboxDefinition { QStringLiteral("q.a_team-1"),
        { route(MailboxRoute::Field::Recipient, QStringLiteral("\"quoted local\"@shop.test")),
            route(MailboxRoute::Field::User, QStringLiteral("back\\slash")),
            route(MailboxRoute::Field::Client, QStringLiteral("2001:db8::/32")) } };
    config.mailboxes << MailboxDefinition { QStringLiteral("empty"), {} };
    QString error;
    QCOMPARE(MailboxConfig::fromJson(config.toJson(), &error), config);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(MailboxConfig::fromJson(MailboxConfig().toJson(), &error), MailboxConfig());
}

void TestMailboxConfig::omittedFieldsTakeTheirDefaults()
{
    QString error;
    std::optional<MailboxConfig> config = MailboxConfig::fromJson("{}", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->perUser, false);
    QVERIFY(config->mailboxes.isEmpty());
    // A mailbox without routes gets mail only by other ways (the API's send to it, or as a user's mailbox).
    config = MailboxConfig::fromJson(R"({"perUser": true, "mailboxes": [{"name": "outbox"}]})", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->perUser, true);
    QCOMPARE(config->mailboxes.size(), 1);
    QVERIFY(config->mailboxes.at(0).routes.isEmpty());
}

void TestMailboxConfig::errorsNameLineAndField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    // CONTRACT "Mailboxes": the same loading and error rules as the rules file ("LINE: field: problem"; the file's
    // name is put before it by whoever read the file).
    QTest::newRow("text that is no JSON names its line")
        << QByteArray("{\n  \"version\": 1,\n  \"perUser\": tru\n}") << QStringLiteral("3: (file): illegal value");
    QTest::newRow("a document that is no object")
        << QByteArray("[]") << QStringLiteral("1: (file): must be a JSON object with version, perUser and mailboxes");
    QTest::newRow("another version") << QByteArray("{\n  \"version\": 2\n}") << QStringLiteral("2: version: must be 1");
    QTest::newRow("an unknown top-level field")
        << QByteArray("{\n  \"version\": 1,\n  \"peruser\": true\n}")
        << QStringLiteral("3: peruser: unknown field (known: version, perUser, mailboxes)");
    QTest::newRow("perUser that is no boolean")
        << QByteArray("{\n  \"perUser\": \"yes\"\n}") << QStringLiteral("2: perUser: must be true or false");
    QTest::newRow("mailboxes that is no array")
        << QByteArray("{\n  \"mailboxes\": {}\n}") << QStringLiteral("2: mailboxes: must be an array of mailboxes");
    QTest::newRow("a mailbox that is no object")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"a\"},\n  \"b\"\n]}")
        << QStringLiteral("3: mailboxes[1]: must be an object with a name and its routes");
    QTest::newRow("a mailbox without a name names the mailbox's line")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"a\"},\n  {\"routes\": []}\n]}")
        << QStringLiteral("3: mailboxes[1].name: missing");
    QTest::newRow("a name that is no string") << QByteArray("{\"mailboxes\": [\n  {\"name\": 7}\n]}")
                                              << QStringLiteral("2: mailboxes[0].name: must be a string");
    QTest::newRow("an unknown mailbox field")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"a\",\n   \"route\": []}\n]}")
        << QStringLiteral("3: mailboxes[0].route: unknown field for a mailbox (known: name, routes)");
    QTest::newRow("a name with a space")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"my shop\"}\n]}")
        << QStringLiteral("2: mailboxes[0].name: must be 1 to 64 letters, digits, '.', '_' or '-' (and not \".\" or "
                          "\"..\")");
    QTest::newRow("a name given twice, in another case")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"shop\"},\n  {\"name\": \"Shop\"}\n]}")
        << QStringLiteral("3: mailboxes[1].name: \"Shop\" is already the name of mailboxes[0] (names are "
                          "case-insensitive)");
    QTest::newRow("Inbox listed twice")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"Inbox\"},\n  {\"name\": \"INBOX\"}\n]}")
        << QStringLiteral("3: mailboxes[1].name: \"Inbox\" is already the name of mailboxes[0] (names are "
                          "case-insensitive)");
    QTest::newRow("routes that is no array")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"a\",\n   \"routes\": {\"user\": \"x\"}}\n]}")
        << QStringLiteral("3: mailboxes[0].routes: must be an array of routes");
    QTest::newRow("a route that is no object")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"user\": \"x\"},\n  \"y\"\n]}]}")
        << QStringLiteral("3: mailboxes[0].routes[1]: must be an object with one of the fields listener, user, "
                          "recipient, client");
    QTest::newRow("a route without a field")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0]: must be an object with one of the fields listener, user, "
                          "recipient, client");
    QTest::newRow("a route on an unknown field")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"sender\": \"x@y\"}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0].sender: unknown field for a route (known: listener, user, "
                          "recipient, client)");
    QTest::newRow("a route on two fields")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"client\": \"10.0.0.0/8\",\n   "
                      "\"user\": \"x\"}\n]}]}")
        << QStringLiteral("3: mailboxes[0].routes[0].user: a route matches on one field only (make one route per "
                          "field: any route matching sends the message)");
    QTest::newRow("a pattern that is no string")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"listener\": 2526}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0].listener: must be a string");
    QTest::newRow("an empty pattern") << QByteArray(
        "{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"recipient\": \"\"}\n]}]}")
                                      << QStringLiteral("2: mailboxes[0].routes[0].recipient: must not be empty");
    QTest::newRow("a pattern with a control character")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"recipient\": \"a\\n@b\"}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0].recipient: must be text without control characters");
    QTest::newRow("a pattern with half a surrogate pair")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"user\": \"\\ud800x\"}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0].user: must be text without control characters");
    QTest::newRow("a listener with a space")
        << QByteArray("{\"mailboxes\": [{\"name\": \"a\", \"routes\": [\n  {\"listener\": \"127.0.0.1: 2526\"}\n]}]}")
        << QStringLiteral("2: mailboxes[0].routes[0].listener: must be a listener address as given to --smtp or "
                          "--smtps (like 127.0.0.1:2526)");
    QTest::newRow("a client that is no prefix, as the rules file says it")
        << QByteArray("{\"mailboxes\": [\n  {\"name\": \"a\"},\n  {\"name\": \"b\", \"routes\": [\n    {\"user\": "
                      "\"u\"},\n    {\"client\": \"10.0.0.0/33\"}\n  ]}\n]}")
        << QStringLiteral("5: mailboxes[1].routes[1].client: '10.0.0.0/33' is not an IPv4 or IPv6 prefix (like "
                          "192.168.1.0/24 or 2001:db8::/32)");
    QTest::newRow("all or nothing: a bad last mailbox fails the file")
        << QByteArray("{\"perUser\": true, \"mailboxes\": [\n  {\"name\": \"a\", \"routes\": [{\"user\": \"u\"}]},\n  "
                      "{\"name\": \"\"}\n]}")
        << QStringLiteral("3: mailboxes[1].name: must be 1 to 64 letters, digits, '.', '_' or '-' (and not \".\" or "
                          "\"..\")");
}

void TestMailboxConfig::errorsNameLineAndField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString actual;
    QCOMPARE(MailboxConfig::fromJson(json, &actual), std::nullopt);
    QCOMPARE(actual, error);
}

void TestMailboxConfig::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    // CONTRACT "Mailboxes": 1-64 characters of letters, digits, '.', '_', '-'.
    QTest::newRow("one letter") << QStringLiteral("a") << true;
    QTest::newRow("letters, digits, dot, underscore, hyphen") << QStringLiteral("Shop.v2_eu-west") << true;
    QTest::newRow("digits alone") << QStringLiteral("2526") << true;
    QTest::newRow("64 characters") << QString(64, u'x') << true;
    QTest::newRow("65 characters") << QString(65, u'x') << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("a space") << QStringLiteral("my shop") << false;
    QTest::newRow("a slash, which would split the URL path") << QStringLiteral("shop/eu") << false;
    QTest::newRow("an at sign") << QStringLiteral("jane@example.com") << false;
    QTest::newRow("a plus") << QStringLiteral("a+b") << false;
    QTest::newRow("a letter beyond ASCII") << QStringLiteral("b\u00fccher") << false;
    QTest::newRow("a dot-segment of URLs: .") << QStringLiteral(".") << false;
    QTest::newRow("a dot-segment of URLs: ..") << QStringLiteral("..") << false;
    QTest::newRow("three dots") << QStringLiteral("...") << true;
    QTest::newRow("a leading dot") << QStringLiteral(".hidden") << true;
}

void TestMailboxConfig::names()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(MailboxName::isValid(name), valid);
    // The file agrees with the check.
    const QByteArray json
        = "{\"mailboxes\": [{\"name\": " + QJsonDocument(QJsonArray { name }).toJson().mid(1).chopped(2) + "}]}";
    QString error;
    QCOMPARE(MailboxConfig::fromJson(json, &error).has_value(), valid);
}

void TestMailboxConfig::namesAreCaseInsensitive()
{
    QVERIFY(MailboxName::same(u"Shop", u"sHOP"));
    QVERIFY(MailboxName::same(u"inbox", u"Inbox"));
    QVERIFY(!MailboxName::same(u"shop", u"shop2"));
}

void TestMailboxConfig::inboxMayBeListedAndIsSpelledInbox()
{
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(
        R"({"mailboxes": [{"name": "INBOX", "routes": [{"listener": "127.0.0.1:1025"}]}, {"name": "shop"}]})", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->mailboxes.at(0).name, QStringLiteral("Inbox"));
    QCOMPARE(config->indexOf(MailboxName::inbox()), 0);
}

void TestMailboxConfig::validateChecksAConfigurationBuiltInCode_data()
{
    QTest::addColumn<MailboxConfig>("config");
    QTest::addColumn<QString>("error");

    MailboxConfig config;
    QTest::newRow("nothing listed is valid") << config << QString();
    config.mailboxes << MailboxDefinition { QStringLiteral("shop"),
        { route(MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test")) } };
    QTest::newRow("the README's shop is valid") << config << QString();
    MailboxConfig twice = config;
    twice.mailboxes << MailboxDefinition { QStringLiteral("SHOP"), {} };
    QTest::newRow("a name twice") << twice
                                  << QStringLiteral("mailboxes[1].name: \"SHOP\" is already the name of mailboxes[0] "
                                                    "(names are case-insensitive)");
    MailboxConfig badRoute = config;
    badRoute.mailboxes[0].routes << route(MailboxRoute::Field::Client, QStringLiteral("shop.test"));
    QTest::newRow("a client that is a host name")
        << badRoute
        << QStringLiteral("mailboxes[0].routes[1].client: 'shop.test' is not an IPv4 or IPv6 prefix (like "
                          "192.168.1.0/24 or 2001:db8::/32)");
    MailboxConfig emptyUser = config;
    emptyUser.mailboxes[0].routes.prepend(route(MailboxRoute::Field::User, QString()));
    QTest::newRow("an empty user glob") << emptyUser
                                        << QStringLiteral("mailboxes[0].routes[0].user: must not be empty");
}

void TestMailboxConfig::validateChecksAConfigurationBuiltInCode()
{
    QFETCH(MailboxConfig, config);
    QFETCH(QString, error);
    QCOMPARE(config.validate(), error);
}

QTEST_APPLESS_MAIN(TestMailboxConfig)
#include "tst_mailboxconfig.moc"
