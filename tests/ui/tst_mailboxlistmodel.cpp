// The mailbox sidebar's model (CONTRACT "Mailboxes"): All mail, Inbox, the configured mailboxes in the file's order
// (empty ones too), then the mailboxes only the store knows, in the order they were made; unread counts that follow
// deliveries, read flags and deletions; a mailbox made later appended without a reset; a flood read a few times.
#include "uitestsupport.h"

#include <mailbox/mailboxsettings.h>
#include <ui/mailboxlistmodel.h>

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFont>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {
QStringList names(const MailboxListModel &model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row) {
        out << model.index(row, MailboxListModel::NameColumn).data().toString();
    }
    return out;
}

MailboxConfig configOf(const QStringList &mailboxes)
{
    MailboxConfig config;
    for (const QString &name : mailboxes) {
        config.mailboxes << MailboxDefinition { name,
            { MailboxRoute { MailboxRoute::Field::Recipient, QStringLiteral("*@%1.test").arg(name) } } };
    }
    return config;
}

qint64 unreadOf(const MailboxListModel &model, const QString &mailbox)
{
    const int row = model.rowOf(mailbox);
    return row < 0 ? -1 : model.index(row, 0).data(MailboxListModel::UnreadRole).toLongLong();
}
} // namespace

class TestMailboxListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void listsAllMailInboxConfiguredThenMadeMailboxes_data();
    void listsAllMailInboxConfiguredThenMadeMailboxes();
    void unreadCountsFollowReadFlagsAndDeletions();
    void aMailboxMadeLaterIsAppendedWithoutAReset();
    void aChangedConfigurationIsListedAtOnce();
    void aFloodIsReadAFewTimesNotOncePerMessage();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
};

void TestMailboxListModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
}

void TestMailboxListModel::cleanup()
{
    m_store->close();
    m_store.reset();
    m_dir.reset();
}

void TestMailboxListModel::listsAllMailInboxConfiguredThenMadeMailboxes_data()
{
    QTest::addColumn<QStringList>("configured");
    QTest::addColumn<QStringList>("deliveredTo"); // in this order
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("only Inbox: All mail and Inbox")
        << QStringList() << QStringList { QStringLiteral("Inbox") }
        << QStringList { QStringLiteral("All mail"), QStringLiteral("Inbox") };
    QTest::newRow("configured mailboxes in the file's order, empty ones too")
        << QStringList { QStringLiteral("shop"), QStringLiteral("billing") } << QStringList()
        << QStringList { QStringLiteral("All mail"), QStringLiteral("Inbox"), QStringLiteral("shop"),
               QStringLiteral("billing") };
    QTest::newRow("store-only mailboxes after the configured ones, in the order made")
        << QStringList { QStringLiteral("shop") }
        << QStringList { QStringLiteral("zed"), QStringLiteral("shop"), QStringLiteral("alice") }
        << QStringList { QStringLiteral("All mail"), QStringLiteral("Inbox"), QStringLiteral("shop"),
               QStringLiteral("zed"), QStringLiteral("alice") };
    QTest::newRow("Inbox listed in the file still comes first")
        << QStringList { QStringLiteral("shop"), QStringLiteral("Inbox") } << QStringList()
        << QStringList { QStringLiteral("All mail"), QStringLiteral("Inbox"), QStringLiteral("shop") };
}

void TestMailboxListModel::listsAllMailInboxConfiguredThenMadeMailboxes()
{
    QFETCH(QStringList, configured);
    QFETCH(QStringList, deliveredTo);
    QFETCH(QStringList, expected);
    MailboxSettings settings;
    QString error;
    QVERIFY2(settings.replace(configOf(configured), &error), qPrintable(error));
    for (const QString &mailbox : deliveredTo) {
        QVERIFY(!UiTest::deliverTo(*m_store, UiTest::simpleMessage(mailbox), mailbox).isEmpty());
    }
    MailboxListModel model(m_store.get(), &settings);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY(model.isLoaded());
    QCOMPARE(names(model), expected);
    // Each delivered message is unread, and All mail adds them up.
    for (const QString &mailbox : deliveredTo) {
        QCOMPARE(unreadOf(model, mailbox), 1);
    }
    QCOMPARE(model.index(0, 0).data(MailboxListModel::UnreadRole).toLongLong(), deliveredTo.size());
    QCOMPARE(model.index(0, 0).data(MailboxListModel::MailboxRole).toString(), QString());
}

void TestMailboxListModel::unreadCountsFollowReadFlagsAndDeletions()
{
    MailboxListModel model(m_store.get());
    model.setRefreshInterval(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString a = UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("a")), QStringLiteral("shop"));
    const QString b = UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("b")), QStringLiteral("shop"));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("c")));
    QTRY_COMPARE(unreadOf(model, QStringLiteral("shop")), 2);
    // A refresh may have read shop's two before c's commit: Inbox's count comes with the next one.
    QTRY_COMPARE(unreadOf(model, QStringLiteral("Inbox")), 1);
    const QModelIndex shop = model.index(model.rowOf(QStringLiteral("shop")), MailboxListModel::NameColumn);
    const QModelIndex shopCount = model.index(shop.row(), MailboxListModel::UnreadColumn);
    // Unread: bold, with the count beside the name.
    QVERIFY(shop.data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(shopCount.data().toString(), QStringLiteral("2"));
    QCOMPARE(unreadOf(model, QStringLiteral("Inbox")), 1);
    QCOMPARE(model.index(0, MailboxListModel::UnreadColumn).data().toString(), QStringLiteral("3"));

    QVERIFY(m_store->setRead({ a }, true));
    QTRY_COMPARE(unreadOf(model, QStringLiteral("shop")), 1);
    QCOMPARE(unreadOf(model, QStringLiteral("Inbox")), 1);
    QString error;
    QVERIFY(m_store->remove({ b }, &error));
    QTRY_COMPARE(unreadOf(model, QStringLiteral("shop")), 0);
    QCOMPARE(model.index(shop.row(), 0).data(MailboxListModel::TotalRole).toLongLong(), 1);
    // Nothing unread: plain, no count.
    QVERIFY(!shop.data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(shopCount.data().toString(), QString());
}

void TestMailboxListModel::aMailboxMadeLaterIsAppendedWithoutAReset()
{
    MailboxListModel model(m_store.get());
    model.setRefreshInterval(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY(model.isLoaded());
    QCOMPARE(model.rowCount(), 2);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    // A per-user mailbox is made by its first message.
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("hi")), QStringLiteral("alice"));
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(model.mailboxAt(2), QStringLiteral("alice"));
    QCOMPARE(unreadOf(model, QStringLiteral("ALICE")), 1); // names without regard to case
    QCOMPARE(resets.size(), 0);
    QCOMPARE(inserted.size(), 1);
}

void TestMailboxListModel::aChangedConfigurationIsListedAtOnce()
{
    MailboxSettings settings;
    MailboxListModel model(m_store.get(), &settings);
    model.setRefreshInterval(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY(model.isLoaded());
    QString error;
    QVERIFY(settings.replace(configOf({ QStringLiteral("b"), QStringLiteral("a") }), &error));
    QTRY_COMPARE(names(model),
        QStringList({ QStringLiteral("All mail"), QStringLiteral("Inbox"), QStringLiteral("b"), QStringLiteral("a") }));
    // Reordered in the file: reordered here.
    QVERIFY(settings.replace(configOf({ QStringLiteral("a"), QStringLiteral("b") }), &error));
    QTRY_COMPARE(names(model),
        QStringList({ QStringLiteral("All mail"), QStringLiteral("Inbox"), QStringLiteral("a"), QStringLiteral("b") }));
}

void TestMailboxListModel::aFloodIsReadAFewTimesNotOncePerMessage()
{
    MailboxListModel model(m_store.get());
    QTRY_VERIFY(model.isLoaded());
    QSignalSpy refreshed(&model, &MailboxListModel::refreshed);
    QElapsedTimer elapsed;
    elapsed.start();
    UiTest::deliverFlood(*m_store, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(unreadOf(model, QStringLiteral("Inbox")), 5000, 20000);
    // At most one read per interval (250 ms) and one under way: the GUI thread never runs one per message.
    const qint64 intervals = elapsed.elapsed() / 250 + 1;
    QVERIFY2(refreshed.size() <= 2 * intervals + 2,
        qPrintable(QStringLiteral("%1 reads in %2 ms").arg(refreshed.size()).arg(elapsed.elapsed())));
}

QTEST_MAIN(TestMailboxListModel)
#include "tst_mailboxlistmodel.moc"
