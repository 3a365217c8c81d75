// MailboxRouter: which mailbox each recipient goes to, as CONTRACT "Mailboxes" says: routes by listener, AUTH user,
// recipient glob and client prefix, mailboxes tried in order and the first match winning, per-user mailboxes after
// the listed ones, Inbox for the rest; one delivery (one stored copy) per mailbox.
#include <mailbox/mailboxrouter.h>
#include <message/clientaddress.h>

#include <QTest>

class TestMailboxRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routes_data();
    void routes();
    void perUserMailbox_data();
    void perUserMailbox();
    void aDefaultRouterSendsEverythingToInbox();
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

static MailboxRouter routerFor(const QByteArray &json)
{
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(json, &error);
    if (!config) {
        qFatal("bad test configuration: %s", qPrintable(error));
    }
    return MailboxRouter(*config);
}

// "shop: a@shop.test, b@shop.test", one line per delivery, so that a failure shows the whole answer.
static QStringList describe(const QList<MailboxRouter::Delivery> &deliveries)
{
    QStringList lines;
    for (const MailboxRouter::Delivery &delivery : deliveries) {
        lines << delivery.mailbox + QStringLiteral(": ") + QString::fromUtf8(delivery.recipients.join(", "));
    }
    return lines;
}

void TestMailboxRouter::routes_data()
{
    QTest::addColumn<QByteArray>("config");
    QTest::addColumn<QString>("listener");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("client");
    QTest::addColumn<QStringList>("recipients");
    QTest::addColumn<QStringList>("expected");

    const QString plain = QStringLiteral("127.0.0.1:1025");
    const QString shopPort = QStringLiteral("127.0.0.1:2526");
    const QString local = QStringLiteral("127.0.0.1");

    QTest::newRow("without mailboxes everything goes to Inbox")
        << QByteArray("{}") << plain << QString() << local << QStringList { "a@x.test", "b@y.test" }
        << QStringList { "Inbox: a@x.test, b@y.test" };
    QTest::newRow("a recipient route takes the recipients it matches, Inbox the rest")
        << ReadmeExample << plain << QString() << local << QStringList { "a@x.test", "orders@shop.test", "b@x.test" }
        << QStringList { "shop: orders@shop.test", "Inbox: a@x.test, b@x.test" };
    QTest::newRow("recipient globs are case-insensitive")
        << ReadmeExample << plain << QString() << local << QStringList { "Orders@SHOP.Test" }
        << QStringList { "shop: Orders@SHOP.Test" };
    QTest::newRow("a recipient glob matches the whole address, not a part of it")
        << ReadmeExample << plain << QString() << local << QStringList { "a@shop.test.example" }
        << QStringList { "Inbox: a@shop.test.example" };
    QTest::newRow("a listener route takes the whole message")
        << ReadmeExample << shopPort << QString() << local << QStringList { "a@x.test", "b@y.test" }
        << QStringList { "shop: a@x.test, b@y.test" };
    QTest::newRow("a listener is compared as given: another spelling of the address is another listener")
        << ReadmeExample << QStringLiteral("localhost:2526") << QString() << local << QStringList { "a@x.test" }
        << QStringList { "Inbox: a@x.test" };
    QTest::newRow("a user route takes the whole message")
        << ReadmeExample << plain << QStringLiteral("billing-eu") << local << QStringList { "a@x.test", "b@y.test" }
        << QStringList { "billing: a@x.test, b@y.test" };
    QTest::newRow("a user glob compares case-insensitively, as the rules file's")
        << ReadmeExample << plain << QStringLiteral("Billing") << local << QStringList { "a@x.test" }
        << QStringList { "billing: a@x.test" };
    QTest::newRow("a user that the glob does not match")
        << ReadmeExample << plain << QStringLiteral("ops") << local << QStringList { "a@x.test" }
        << QStringList { "Inbox: a@x.test" };
    QTest::newRow("a client route takes the whole message")
        << ReadmeExample << plain << QString() << QStringLiteral("10.1.2.3") << QStringList { "a@x.test", "b@y.test" }
        << QStringList { "billing: a@x.test, b@y.test" };
    QTest::newRow("an IPv4-mapped IPv6 client is matched as its IPv4 address")
        << ReadmeExample << plain << QString() << QStringLiteral("::ffff:10.1.2.3") << QStringList { "a@x.test" }
        << QStringList { "billing: a@x.test" };
    QTest::newRow("a client outside the prefix") << ReadmeExample << plain << QString() << QStringLiteral("11.0.0.1")
                                                 << QStringList { "a@x.test" } << QStringList { "Inbox: a@x.test" };
    QTest::newRow("an IPv6 prefix") << QByteArray(
        R"({"mailboxes": [{"name": "lab", "routes": [{"client": "2001:db8::/32"}]}]})")
                                    << plain << QString() << QStringLiteral("2001:db8:1::7")
                                    << QStringList { "a@x.test" } << QStringList { "lab: a@x.test" };
    QTest::newRow("mailboxes in order: an earlier mailbox keeps the recipients it takes from a later whole-message "
                  "route")
        << ReadmeExample << plain << QStringLiteral("billing") << local
        << QStringList { "a@x.test", "orders@shop.test" }
        << QStringList { "shop: orders@shop.test", "billing: a@x.test" };
    QTest::newRow("an earlier whole-message route takes every recipient, even those a later route names")
        << QByteArray(R"({"mailboxes": [{"name": "ops", "routes": [{"user": "ops"}]},
                                         {"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})")
        << plain << QStringLiteral("ops") << local << QStringList { "orders@shop.test", "a@x.test" }
        << QStringList { "ops: orders@shop.test, a@x.test" };
    QTest::newRow("of two mailboxes that match a recipient the first listed wins")
        << QByteArray(R"({"mailboxes": [{"name": "first", "routes": [{"recipient": "*@shop.test"}]},
                                         {"name": "second", "routes": [{"recipient": "orders@*"}]}]})")
        << plain << QString() << local << QStringList { "orders@shop.test", "orders@x.test" }
        << QStringList { "first: orders@shop.test", "second: orders@x.test" };
    QTest::newRow("deliveries come in the order of their mailboxes, recipients in envelope order")
        << QByteArray(R"({"mailboxes": [{"name": "a", "routes": [{"recipient": "*@a.test"}]},
                                         {"name": "b", "routes": [{"recipient": "*@b.test"}]}]})")
        << plain << QString() << local << QStringList { "2@x.test", "1@b.test", "2@a.test", "1@x.test", "1@a.test" }
        << QStringList { "a: 2@a.test, 1@a.test", "b: 1@b.test", "Inbox: 2@x.test, 1@x.test" };
    QTest::newRow("without AUTH no user route matches, not even *")
        << QByteArray(R"({"mailboxes": [{"name": "users", "routes": [{"user": "*"}]}]})") << plain << QString() << local
        << QStringList { "a@x.test" } << QStringList { "Inbox: a@x.test" };
    QTest::newRow("without a listener (the API's send) no listener route matches")
        << QByteArray(R"({"mailboxes": [{"name": "smtp", "routes": [{"listener": "*:1025"}]}]})") << QString()
        << QString() << local << QStringList { "a@x.test" } << QStringList { "Inbox: a@x.test" };
    QTest::newRow("without a client address no client route matches")
        << QByteArray(R"({"mailboxes": [{"name": "any", "routes": [{"client": "0.0.0.0/0"}]}]})") << plain << QString()
        << QString() << QStringList { "a@x.test" } << QStringList { "Inbox: a@x.test" };
    QTest::newRow("Inbox listed first takes its listener's mail before a later recipient route")
        << QByteArray(R"({"mailboxes": [{"name": "inbox", "routes": [{"listener": "127.0.0.1:1025"}]},
                                         {"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})")
        << plain << QString() << local << QStringList { "orders@shop.test" }
        << QStringList { "Inbox: orders@shop.test" };
    QTest::newRow("Inbox listed keeps its place among the deliveries")
        << QByteArray(R"({"mailboxes": [{"name": "Inbox", "routes": [{"recipient": "*@inbox.test"}]},
                                         {"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})")
        << plain << QString() << local << QStringList { "orders@shop.test", "a@x.test" }
        << QStringList { "Inbox: a@x.test", "shop: orders@shop.test" };
    QTest::newRow("a message without recipients goes whole to the first mailbox that takes it")
        << ReadmeExample << shopPort << QStringLiteral("billing") << local << QStringList {}
        << QStringList { "shop: " };
    QTest::newRow("a message without recipients that no route takes goes to Inbox")
        << ReadmeExample << plain << QString() << local << QStringList {} << QStringList { "Inbox: " };

    const QByteArray perUser = R"({"perUser": true, "mailboxes": [
        {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
        {"name": "Billing", "routes": [{"client": "10.0.0.0/8"}]}]})";
    QTest::newRow("per user: an AUTH user's mail goes to the user's mailbox")
        << perUser << plain << QStringLiteral("jane") << local << QStringList { "a@x.test", "b@y.test" }
        << QStringList { "jane: a@x.test, b@y.test" };
    QTest::newRow("per user: the listed mailboxes come first")
        << perUser << plain << QStringLiteral("jane") << local << QStringList { "a@x.test", "orders@shop.test" }
        << QStringList { "shop: orders@shop.test", "jane: a@x.test" };
    QTest::newRow("per user: a listed whole-message route comes first too")
        << perUser << plain << QStringLiteral("jane") << QStringLiteral("10.0.0.1") << QStringList { "a@x.test" }
        << QStringList { "Billing: a@x.test" };
    QTest::newRow("per user: without AUTH the rest goes to Inbox")
        << perUser << plain << QString() << local << QStringList { "a@x.test" } << QStringList { "Inbox: a@x.test" };
    QTest::newRow("per user: a user named as a listed mailbox, in another case, is that mailbox")
        << perUser << plain << QStringLiteral("BILLING") << local << QStringList { "a@x.test", "orders@shop.test" }
        << QStringList { "shop: orders@shop.test", "Billing: a@x.test" };
    QTest::newRow("per user: a user named inbox is Inbox")
        << perUser << plain << QStringLiteral("inbox") << local << QStringList { "a@x.test" }
        << QStringList { "Inbox: a@x.test" };
    QTest::newRow("per user: a user name that cannot be a mailbox's goes to Inbox")
        << perUser << plain << QStringLiteral("jane@example.com") << local << QStringList { "a@x.test" }
        << QStringList { "Inbox: a@x.test" };
    QTest::newRow("per user: the per-user mailbox comes after the listed ones and before Inbox")
        << QByteArray(R"({"perUser": true, "mailboxes": [{"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})")
        << plain << QStringLiteral("jane") << local << QStringList { "a@x.test", "orders@shop.test" }
        << QStringList { "shop: orders@shop.test", "jane: a@x.test" };
    QTest::newRow("without perUser an AUTH user gets no mailbox of its own")
        << ReadmeExample << plain << QStringLiteral("jane") << local << QStringList { "a@x.test" }
        << QStringList { "Inbox: a@x.test" };
}

void TestMailboxRouter::routes()
{
    QFETCH(QByteArray, config);
    QFETCH(QString, listener);
    QFETCH(QString, user);
    QFETCH(QString, client);
    QFETCH(QStringList, recipients);
    QFETCH(QStringList, expected);

    QByteArrayList envelope;
    for (const QString &recipient : std::as_const(recipients)) {
        envelope << recipient.toUtf8();
    }
    const MailboxRouter router = routerFor(config);
    QCOMPARE(describe(router.route(listener, user, ClientAddress::fromString(client), envelope)), expected);
}

void TestMailboxRouter::perUserMailbox_data()
{
    QTest::addColumn<bool>("perUser");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("mailbox");

    QTest::newRow("a user name that is a mailbox name")
        << true << QStringLiteral("project-x") << QStringLiteral("project-x");
    QTest::newRow("kept as the user spells it") << true << QStringLiteral("Jane.Doe") << QStringLiteral("Jane.Doe");
    QTest::newRow("a listed mailbox, spelled as listed") << true << QStringLiteral("SHOP") << QStringLiteral("shop");
    QTest::newRow("inbox is Inbox") << true << QStringLiteral("INBOX") << QStringLiteral("Inbox");
    QTest::newRow("an address has no mailbox") << true << QStringLiteral("jane@example.com") << QString();
    QTest::newRow("a space has no mailbox") << true << QStringLiteral("jane doe") << QString();
    QTest::newRow("65 characters have no mailbox") << true << QString(65, u'j') << QString();
    QTest::newRow("no user, no mailbox") << true << QString() << QString();
    QTest::newRow("without perUser, no mailbox") << false << QStringLiteral("jane") << QString();
}

void TestMailboxRouter::perUserMailbox()
{
    QFETCH(bool, perUser);
    QFETCH(QString, user);
    QFETCH(QString, mailbox);
    MailboxConfig config;
    config.perUser = perUser;
    config.mailboxes << MailboxDefinition { QStringLiteral("shop"), {} };
    QCOMPARE(MailboxRouter(config).perUserMailbox(user), mailbox);
}

void TestMailboxRouter::aDefaultRouterSendsEverythingToInbox()
{
    const MailboxRouter router;
    const QList<MailboxRouter::Delivery> deliveries = router.route(QStringLiteral("127.0.0.1:1025"),
        QStringLiteral("jane"), ClientAddress::fromString(u"127.0.0.1"), { "a@x.test" });
    QCOMPARE(deliveries, (QList<MailboxRouter::Delivery> { { QStringLiteral("Inbox"), { "a@x.test" } } }));
}

QTEST_APPLESS_MAIN(TestMailboxRouter)
#include "tst_mailboxrouter.moc"
