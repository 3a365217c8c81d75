// The Mailboxes editor (CONTRACT "Mailboxes"): validation as you type (the problem beside the field, OK disabled
// while there is one), reordering, New Mailbox on Port (a listener route and the listener to add), and the
// configuration it hands to its applier.
#include <mailbox/mailboxconfig.h>
#include <ui/mailboxesdialog.h>
#include <ui/mailboxrouterow.h>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTest>

namespace {
MailboxConfig shopAndBilling()
{
    MailboxConfig config;
    config.mailboxes << MailboxDefinition { QStringLiteral("shop"),
        { MailboxRoute { MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:2526") },
            MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") } } };
    config.mailboxes << MailboxDefinition { QStringLiteral("billing"),
        { MailboxRoute { MailboxRoute::Field::Client, QStringLiteral("10.0.0.0/8") } } };
    return config;
}

const QStringList Listeners { QStringLiteral("127.0.0.1:1025"), QStringLiteral("127.0.0.1:2526") };
} // namespace

class TestMailboxesDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsTheConfigurationAsRows();
    void aBadRouteIsNamedBesideItAndOkWaits_data();
    void aBadRouteIsNamedBesideItAndOkWaits();
    void aBadNameIsNamedBesideIt_data();
    void aBadNameIsNamedBesideIt();
    void mailboxesAreReorderedAddedAndRemoved();
    void newMailboxOnPortAddsAListenerRouteAndTheListener();
    void okHandsTheConfigurationToTheApplier();
    void aFailingApplierKeepsTheDialogOpenSayingWhy();
    void aForcedPerUserIsShownButNotSaved();
};

void TestMailboxesDialog::showsTheConfigurationAsRows()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    QCOMPARE(dialog.mailboxList()->model()->rowCount(), 2);
    QCOMPARE(dialog.mailboxList()->model()->index(1, 0).data().toString(), QStringLiteral("billing"));
    QCOMPARE(dialog.currentMailbox(), 0);
    QCOMPARE(dialog.nameField()->text(), QStringLiteral("shop"));
    const QList<MailboxRouteRow *> rows = dialog.routeRows();
    QCOMPARE(rows.size(), 2);
    // A listener is picked from the configured listeners.
    QCOMPARE(rows.at(0)->route(), (MailboxRoute { MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:2526") }));
    QCOMPARE(rows.at(0)->listenerBox()->count(), 2);
    QCOMPARE(rows.at(0)->listenerBox()->itemText(0), QStringLiteral("127.0.0.1:1025"));
    QCOMPARE(rows.at(1)->route(), (MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") }));
    QVERIFY(dialog.okButton()->isEnabled());
    QCOMPARE(dialog.config(), shopAndBilling());
}

void TestMailboxesDialog::aBadRouteIsNamedBesideItAndOkWaits_data()
{
    QTest::addColumn<int>("field"); // MailboxRoute::Field
    QTest::addColumn<QString>("bad");
    QTest::addColumn<QString>("good");
    QTest::addColumn<QString>("key"); // CONTRACT "Mailboxes": the route's JSON key, named in the problem

    QTest::newRow("a prefix longer than 32 bits") << int(MailboxRoute::Field::Client) << QStringLiteral("10.0.0.0/33")
                                                  << QStringLiteral("10.0.0.0/8") << QStringLiteral("client");
    QTest::newRow("a client that is no address") << int(MailboxRoute::Field::Client) << QStringLiteral("shop.test")
                                                 << QStringLiteral("::1/128") << QStringLiteral("client");
    QTest::newRow("an empty recipient") << int(MailboxRoute::Field::Recipient) << QString()
                                        << QStringLiteral("*@shop.test") << QStringLiteral("recipient");
    QTest::newRow("a listener with a space") << int(MailboxRoute::Field::Listener) << QStringLiteral("127.0.0.1 2526")
                                             << QStringLiteral("127.0.0.1:2526") << QStringLiteral("listener");
}

void TestMailboxesDialog::aBadRouteIsNamedBesideItAndOkWaits()
{
    QFETCH(int, field);
    QFETCH(QString, bad);
    QFETCH(QString, good);
    QFETCH(QString, key);
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.setCurrentMailbox(1);
    MailboxRouteRow *row = dialog.routeRows().first();
    row->fieldBox()->setCurrentIndex(row->fieldBox()->findData(field));
    const auto type = [&](const QString &text) {
        if (MailboxRoute::Field(field) == MailboxRoute::Field::Listener) {
            row->listenerBox()->setCurrentText(text);
        } else {
            row->patternField()->clear();
            QTest::keyClicks(row->patternField(), text);
        }
    };
    type(bad);
    QLabel *rowProblem = row->findChild<QLabel *>(QStringLiteral("routeProblem"));
    // A row added to a shown dialog is shown by its layout a moment later.
    QTRY_VERIFY(rowProblem->isVisible());
    QVERIFY(!rowProblem->text().isEmpty());
    QVERIFY(!dialog.okButton()->isEnabled());
    // The whole file's problem names the place as the API's 400 does.
    QVERIFY2(dialog.problemLabel()->text().startsWith(QStringLiteral("mailboxes[1].routes[0].%1: ").arg(key)),
        qPrintable(dialog.problemLabel()->text()));
    type(good);
    QVERIFY(!rowProblem->isVisible());
    QVERIFY(dialog.okButton()->isEnabled());
    QCOMPARE(dialog.problemLabel()->text(), QString());
    QCOMPARE(dialog.config().mailboxes.at(1).routes.first(), (MailboxRoute { MailboxRoute::Field(field), good }));
}

void TestMailboxesDialog::aBadNameIsNamedBesideIt_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    // CONTRACT "Mailboxes": 1-64 letters, digits, '.', '_', '-'; case-insensitive.
    QTest::newRow("letters, digits, dot, underscore, dash") << QStringLiteral("Shop_2.eu-west") << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("a slash") << QStringLiteral("shop/eu") << false;
    QTest::newRow("a space") << QStringLiteral("my shop") << false;
    QTest::newRow("65 characters") << QString(65, u'a') << false;
    QTest::newRow("the other mailbox's name in another case") << QStringLiteral("BILLING") << false;
}

void TestMailboxesDialog::aBadNameIsNamedBesideIt()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.nameField()->setMaxLength(100); // the field stops at 64: typing past it is what is tested
    dialog.nameField()->selectAll();
    QTest::keyClick(dialog.nameField(), Qt::Key_Delete);
    QTest::keyClicks(dialog.nameField(), name);
    QCOMPARE(dialog.nameProblemLabel()->isVisible(), !valid);
    QCOMPARE(dialog.okButton()->isEnabled(), valid);
    QCOMPARE(dialog.problem().isEmpty(), valid);
    // The list shows the name as typed.
    if (!name.isEmpty()) {
        QCOMPARE(dialog.mailboxList()->model()->index(0, 0).data().toString(), name);
    }
}

void TestMailboxesDialog::mailboxesAreReorderedAddedAndRemoved()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.setCurrentMailbox(1);
    dialog.moveMailbox(-1);
    QCOMPARE(dialog.currentMailbox(), 0);
    QCOMPARE(dialog.config().mailboxes.at(0).name, QStringLiteral("billing"));
    QCOMPARE(dialog.config().mailboxes.at(1).name, QStringLiteral("shop"));
    QCOMPARE(dialog.nameField()->text(), QStringLiteral("billing"));
    // A new mailbox needs a name and a route before OK.
    dialog.addMailbox();
    QCOMPARE(dialog.currentMailbox(), 2);
    QVERIFY(!dialog.okButton()->isEnabled());
    QTest::keyClicks(dialog.nameField(), QStringLiteral("crm"));
    QTest::keyClicks(dialog.routeRows().first()->patternField(), QStringLiteral("*@crm.test"));
    QVERIFY2(dialog.okButton()->isEnabled(), qPrintable(dialog.problem()));
    dialog.setCurrentMailbox(0);
    dialog.removeMailbox();
    QCOMPARE(dialog.config().mailboxes.size(), 2);
    QCOMPARE(dialog.config().mailboxes.at(0).name, QStringLiteral("shop"));
    QCOMPARE(dialog.config().mailboxes.at(1),
        (MailboxDefinition { QStringLiteral("crm"),
            { MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@crm.test") } } }));
    QCOMPARE(dialog.nameField()->text(), QStringLiteral("shop"));
}

void TestMailboxesDialog::newMailboxOnPortAddsAListenerRouteAndTheListener()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.addMailboxOnPort(2600);
    QCOMPARE(dialog.config().mailboxes.last(),
        (MailboxDefinition { QStringLiteral("port-2600"),
            { MailboxRoute { MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:2600") } } }));
    QCOMPARE(dialog.newListeners(), QStringList { QStringLiteral("127.0.0.1:2600") });
    QVERIFY(dialog.okButton()->isEnabled());
    // A port already listened on adds a mailbox only.
    dialog.addMailboxOnPort(2526);
    QCOMPARE(dialog.config().mailboxes.last().routes.first().pattern, QStringLiteral("127.0.0.1:2526"));
    QCOMPARE(dialog.newListeners(), QStringList { QStringLiteral("127.0.0.1:2600") });
    // Renamed, it still brings its listener; removed, it does not.
    QTest::keyClicks(dialog.nameField(), QStringLiteral("legacy"));
    dialog.setCurrentMailbox(2);
    dialog.removeMailbox();
    QCOMPARE(dialog.newListeners(), QStringList());
}

void TestMailboxesDialog::okHandsTheConfigurationToTheApplier()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    std::optional<MailboxConfig> applied;
    QStringList listeners;
    dialog.setApplier([&](const MailboxConfig &config, const QStringList &newListeners, QString *) {
        applied = config;
        listeners = newListeners;
        return true;
    });
    dialog.perUserBox()->setChecked(true);
    dialog.addMailboxOnPort(2601);
    dialog.okButton()->click();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(applied);
    MailboxConfig expected = shopAndBilling();
    expected.perUser = true;
    expected.mailboxes << MailboxDefinition { QStringLiteral("port-2601"),
        { MailboxRoute { MailboxRoute::Field::Listener, QStringLiteral("127.0.0.1:2601") } } };
    QCOMPARE(*applied, expected);
    QCOMPARE(listeners, QStringList { QStringLiteral("127.0.0.1:2601") });
}

void TestMailboxesDialog::aFailingApplierKeepsTheDialogOpenSayingWhy()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.setApplier([](const MailboxConfig &, const QStringList &, QString *error) {
        *error = QStringLiteral("SMTP cannot listen on 127.0.0.1:2601: address in use");
        return false;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.okButton()->click();
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.problemLabel()->text(), QStringLiteral("SMTP cannot listen on 127.0.0.1:2601: address in use"));
}

// --mailbox-per-user is for the run: the switch shows it, on and disabled, and the file keeps its own perUser.
void TestMailboxesDialog::aForcedPerUserIsShownButNotSaved()
{
    MailboxesDialog dialog(shopAndBilling(), Listeners);
    dialog.setPerUserForced(true);
    QVERIFY(dialog.perUserBox()->isChecked());
    QVERIFY(!dialog.perUserBox()->isEnabled());
    std::optional<MailboxConfig> applied;
    dialog.setApplier([&](const MailboxConfig &config, const QStringList &, QString *) {
        applied = config;
        return true;
    });
    dialog.okButton()->click();
    QVERIFY(applied);
    QCOMPARE(*applied, shopAndBilling());
    QVERIFY(!applied->perUser);
}

QTEST_MAIN(TestMailboxesDialog)
#include "tst_mailboxesdialog.moc"
