// InboxModel: paging over the store, live arrivals (coalesced, filtered by the query), removals, read flags,
// sorting, and dragging messages out as .eml files. QAbstractItemModelTester watches every change. Every read is
// asynchronous: the tests wait for the model's loaded() or for its rows, and an answer that a newer request
// replaced is dropped.
#include "uitestsupport.h"

#include <ui/inboxmodel.h>

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QIcon>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QUrl>

#include <atomic>

class TestInboxModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void loadsAPageAtATime();
    void arrivalsAreInsertedAtTheTopInOneBatch();
    void arrivalsFollowTheQuery();
    void aMailboxLimitsTheListAndItsArrivals();
    void arrivalsAreFoundBehindNewerMessages();
    void removalsAndClearFollowTheStore();
    void readFlagsFollowTheStore();
    void tagsAndPinsFollowTheStore();
    void sortsThroughTheStore();
    void arrivalsFindTheirPlaceInASortedList();
    void dragsOutEmlFiles();
    void displaysTheSummary();
    void searchAnswersAtOnceWhileIndexing();
    void staleAnswersAreDropped();
    void aModelGoneBeforeItsAnswerIsNotCalled();

private:
    // Waits for the model's reload (construction, setQuery(), sort()) to be answered.
    static bool settled(const InboxModel &model)
    {
        return QTest::qWaitFor([&] { return !model.isLoading(); }, 5000);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
};

void TestInboxModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->path()));
}

void TestInboxModel::cleanup()
{
    QThreadPool::globalInstance()->waitForDone(); // arrivals being read
    m_store->close();
    m_store.reset();
    m_dir.reset();
}

void TestInboxModel::loadsAPageAtATime()
{
    const int total = InboxModel::PageSize * 2 + 50;
    for (int i = 0; i < total; ++i) {
        UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("m%1").arg(i)), 1764000000000 + i);
    }
    InboxModel model(m_store.get());
    // Nothing is read on this thread: the model starts empty and fills when the store answers.
    QVERIFY(model.isLoading());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), InboxModel::PageSize);
    QCOMPARE(model.matchCount(), total);
    QVERIFY(model.canFetchMore({}));
    // Newest first.
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("m%1").arg(total - 1));
    model.fetchMore({});
    model.fetchMore({}); // a page is under way: not asked twice
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), InboxModel::PageSize * 2, 5000);
    QTest::qWait(50);
    QCOMPARE(model.rowCount(), InboxModel::PageSize * 2);
    model.fetchMore({});
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), total, 5000);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.data(model.index(total - 1, InboxModel::SubjectColumn)).toString(), QStringLiteral("m0"));
    // The tester fetches everything it can: a second model, watched from the start, ends complete.
    InboxModel watched(m_store.get());
    QAbstractItemModelTester tester(&watched, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(watched.rowCount(), total, 5000);
}

void TestInboxModel::arrivalsAreInsertedAtTheTopInOneBatch()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("old")));
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    model.setCoalesceInterval(60000); // nothing is inserted until flushArrivals()
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy arrived(&model, &InboxModel::messagesArrived);
    // Queued to this thread after the model's own connection: when this has counted a signal, the model has it.
    int stored = 0;
    connect(m_store.get(), &MessageStore::messageStored, &model, [&stored] { ++stored; });
    QStringList ids;
    for (int i = 0; i < 10; ++i) {
        ids.prepend(UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("new%1").arg(i))));
    }
    // The store's signals are queued to this thread.
    QTRY_COMPARE_WITH_TIMEOUT(stored, 10, 5000);
    QCOMPARE(model.rowCount(), 1);
    model.flushArrivals();
    QTRY_COMPARE_WITH_TIMEOUT(inserted.size(), 1, 5000);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 9);
    QCOMPARE(arrived.size(), 1);
    QCOMPARE(arrived.first().first().toStringList(), ids);
    QCOMPARE(model.rowCount(), 11);
    QCOMPARE(model.idAt(0), ids.first());
    QCOMPARE(model.data(model.index(10, InboxModel::SubjectColumn)).toString(), QStringLiteral("old"));
    QCOMPARE(model.matchCount(), 11);
}

void TestInboxModel::arrivalsFollowTheQuery()
{
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(10);
    model.setQuery(QStringLiteral("subject:invoice"));
    QVERIFY(settled(model));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Your invoice")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Newsletter")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Second invoice")));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 5000);
    QTest::qWait(100);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Second invoice"));
    QCOMPARE(model.matchCount(), 2);
    model.setQuery(QString());
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
    model.setQuery(QStringLiteral("before:not-a-date"));
    QVERIFY(settled(model));
    QVERIFY(!model.errorString().isEmpty() || model.rowCount() == 0);
}

void TestInboxModel::aMailboxLimitsTheListAndItsArrivals()
{
    // CONTRACT "Mailboxes": a mailbox's list holds its messages only (names without regard to case); a search runs
    // within it.
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Shop invoice")), QStringLiteral("shop"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Inbox invoice")), QStringLiteral("Inbox"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Shop newsletter")), QStringLiteral("shop"));
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(10);
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 3);
    model.setMailbox(QStringLiteral("SHOP"));
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.matchCount(), 2);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Shop newsletter"));
    model.setQuery(QStringLiteral("invoice"));
    // A search may first answer from what is indexed, and runs again once the index caught up.
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 5000);
    QVERIFY(model.isComplete());
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Shop invoice"));
    model.setQuery(QString());
    QVERIFY(settled(model));
    // Arrivals: the mailbox's own are inserted, another's are not.
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Billing invoice")), QStringLiteral("billing"));
    UiTest::deliverTo(*m_store, UiTest::simpleMessage(QStringLiteral("Shop order")), QStringLiteral("shop"));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
    QTest::qWait(100);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Shop order"));
    QCOMPARE(model.matchCount(), 3);
    // Within one mailbox, no row names it.
    QCOMPARE(model.data(model.index(0, 0), InboxModel::MailboxLabelRole).toString(), QString());
    // Every mailbox again: rows outside Inbox name their mailbox (a message routed to two mailboxes is two rows).
    model.setMailbox(QString());
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 5);
    QStringList labels;
    for (int row = 0; row < model.rowCount(); ++row) {
        labels << model.data(model.index(row, 0), InboxModel::MailboxLabelRole).toString();
    }
    QCOMPARE(labels,
        (QStringList { QStringLiteral("shop"), QStringLiteral("billing"), QStringLiteral("shop"), QString(),
            QStringLiteral("shop") }));
    QVERIFY(model.data(model.index(1, 0), Qt::AccessibleTextRole).toString().endsWith(QStringLiteral(", in billing")));
}

void TestInboxModel::arrivalsAreFoundBehindNewerMessages()
{
    // An arrival whose look-up comes after many newer messages were stored (a burst) is still listed once.
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    model.setCoalesceInterval(60000);
    int stored = 0; // queued after the model's own connection, as above
    connect(m_store.get(), &MessageStore::messageStored, &model, [&stored] { ++stored; });
    const QString first = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("first")));
    QTRY_COMPARE_WITH_TIMEOUT(stored, 1, 5000); // the model has taken its messageStored
    // 300 more, stored while the first waits (their own signals come too, but later).
    for (int i = 0; i < 300; ++i) {
        UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("later %1").arg(i)));
    }
    model.flushArrivals();
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 5000);
    QCOMPARE(model.idAt(0), first);
    QTRY_COMPARE_WITH_TIMEOUT(stored, 301, 5000); // the later ones' signals
    // After the first look-up has come back.
    QTRY_VERIFY_WITH_TIMEOUT((model.flushArrivals(), model.rowCount() == 301), 5000);
    QCOMPARE(model.idAt(300), first);
    QCOMPARE(model.matchCount(), 301);
}

void TestInboxModel::removalsAndClearFollowTheStore()
{
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        ids << UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("m%1").arg(i)), 1764000000000 + i);
    }
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 5, 5000);
    QVERIFY(m_store->remove({ ids.at(1), ids.at(2), ids.at(4) }));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 5000);
    QCOMPARE(model.idAt(0), ids.at(3));
    QCOMPARE(model.idAt(1), ids.at(0));
    QCOMPARE(model.matchCount(), 2);
    QVERIFY(m_store->removeAll());
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 0, 5000);
    QCOMPARE(model.matchCount(), 0);
}

void TestInboxModel::readFlagsFollowTheStore()
{
    const QString id = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("unread one")));
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    const QModelIndex index = model.index(0, InboxModel::FromColumn);
    QCOMPARE(index.data(InboxModel::ReadRole).toBool(), false);
    QVERIFY(index.data(Qt::FontRole).value<QFont>().bold());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(m_store->setRead({ id }, true));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 5000);
    QCOMPARE(model.index(0, 0).data(InboxModel::ReadRole).toBool(), true);
    QVERIFY(!model.index(0, 0).data(Qt::FontRole).value<QFont>().bold());
    // With a query on the flag, rows stay put until the query runs again (a message read while shown never
    // vanishes).
    model.setQuery(QStringLiteral("is:read"));
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(m_store->setRead({ id }, false));
    QTRY_VERIFY_WITH_TIMEOUT(!model.index(0, 0).data(InboxModel::ReadRole).toBool(), 5000);
    QCOMPARE(model.rowCount(), 1);
    model.setQuery(QStringLiteral("is:read"));
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 0);
}

void TestInboxModel::tagsAndPinsFollowTheStore()
{
    // Mailpit tags a message on arrival from its X-Tags header (CONTRACT "Mailboxes", Tags), in byte order.
    const QString id = UiTest::deliver(*m_store,
        "From: ann@example.test\r\nTo: bob@example.test\r\nX-Tags: urgent, Shop\r\nSubject: order\r\n\r\nx\r\n");
    const QString other = UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("plain")));
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    const int row = model.rowOf(id);
    QCOMPARE(model.index(row, 0).data(InboxModel::TagsRole).toStringList(), (QStringList { "Shop", "urgent" }));
    QCOMPARE(model.index(row, 0).data(InboxModel::PinnedRole).toBool(), false);
    QCOMPARE(model.index(model.rowOf(other), 0).data(InboxModel::TagsRole).toStringList(), QStringList());
    // The row says it to a screen reader too.
    QVERIFY2(
        model.index(row, 0).data(Qt::AccessibleTextRole).toString().contains(QStringLiteral("tagged Shop, urgent")),
        qPrintable(model.index(row, 0).data(Qt::AccessibleTextRole).toString()));

    // Set, renamed, deleted elsewhere (the API): the rows follow.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(m_store->setTags({ id, other }, { QStringLiteral("shop"), QStringLiteral("later") }));
    QTRY_COMPARE_WITH_TIMEOUT(model.index(model.rowOf(other), 0).data(InboxModel::TagsRole).toStringList(),
        (QStringList { "Shop", "later" }), 5000);
    // "shop" exists as "Shop": it keeps its spelling; urgent went from this message.
    QCOMPARE(
        model.index(model.rowOf(id), 0).data(InboxModel::TagsRole).toStringList(), (QStringList { "Shop", "later" }));
    QVERIFY(m_store->renameTag(QStringLiteral("later"), QStringLiteral("done")));
    QTRY_COMPARE_WITH_TIMEOUT(model.index(model.rowOf(id), 0).data(InboxModel::TagsRole).toStringList(),
        (QStringList { "Shop", "done" }), 5000);
    QVERIFY(m_store->deleteTag(QStringLiteral("Shop")));
    QTRY_COMPARE_WITH_TIMEOUT(
        model.index(model.rowOf(other), 0).data(InboxModel::TagsRole).toStringList(), QStringList { "done" }, 5000);

    changed.clear();
    QVERIFY(m_store->setPinned({ other }, true));
    QTRY_VERIFY_WITH_TIMEOUT(model.index(model.rowOf(other), 0).data(InboxModel::PinnedRole).toBool(), 5000);
    QVERIFY(!model.index(model.rowOf(id), 0).data(InboxModel::PinnedRole).toBool());
    QVERIFY(
        model.index(model.rowOf(other), 0).data(Qt::AccessibleTextRole).toString().contains(QStringLiteral("pinned")));
    // Compact rows: a pin by the time, the tags in the subject's tooltip.
    const int pinnedRow = model.rowOf(other);
    QVERIFY(!model.index(pinnedRow, InboxModel::ReceivedColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
    QVERIFY(model.index(model.rowOf(id), InboxModel::ReceivedColumn).data(Qt::DecorationRole).isNull());
    QCOMPARE(model.index(pinnedRow, InboxModel::SubjectColumn).data(Qt::ToolTipRole).toString(),
        QStringLiteral("plain\nTags: done\nPinned"));
    // Delete All keeps the pinned message, and the list shows it.
    QVERIFY(m_store->removeAll());
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 1, 5000);
    QCOMPARE(model.idAt(0), other);
    QVERIFY(m_store->setPinned({ other }, false));
    QTRY_VERIFY_WITH_TIMEOUT(!model.index(0, 0).data(InboxModel::PinnedRole).toBool(), 5000);
}

void TestInboxModel::sortsThroughTheStore()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("beta")), 1764000000000);
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("Alpha")), 1764000001000);
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("gamma")), 1764000002000);
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.sort(InboxModel::SubjectColumn, Qt::AscendingOrder);
    // Sort keys come with the index, which follows the deliveries by moments: the model sorts again once it is
    // complete.
    QTRY_VERIFY_WITH_TIMEOUT(model.isComplete() && !model.isLoading(), 5000);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Alpha"));
    QCOMPARE(model.data(model.index(1, InboxModel::SubjectColumn)).toString(), QStringLiteral("beta"));
    QCOMPARE(model.data(model.index(2, InboxModel::SubjectColumn)).toString(), QStringLiteral("gamma"));
    model.sort(InboxModel::ReceivedColumn, Qt::AscendingOrder);
    QVERIFY(settled(model));
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("beta"));
}

void TestInboxModel::arrivalsFindTheirPlaceInASortedList()
{
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("apple")));
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("cherry")));
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(10);
    model.sort(InboxModel::SubjectColumn, Qt::AscendingOrder);
    // Sorted by the parsed subjects (the index follows deliveries by moments; the model reloads when it caught up).
    QTRY_VERIFY_WITH_TIMEOUT(model.isComplete() && !model.isLoading(), 5000);
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("banana")));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
    QCOMPARE(model.data(model.index(1, InboxModel::SubjectColumn)).toString(), QStringLiteral("banana"));
}

void TestInboxModel::dragsOutEmlFiles()
{
    const QByteArray data = UiTest::simpleMessage(QStringLiteral("drag me"));
    const QString id = UiTest::deliver(*m_store, data);
    InboxModel model(m_store.get());
    QVERIFY(settled(model));
    QVERIFY(model.flags(model.index(0, 0)) & Qt::ItemIsDragEnabled);
    std::unique_ptr<QMimeData> mime(model.mimeData({ model.index(0, 0), model.index(0, 2) }));
    QVERIFY(mime);
    QCOMPARE(mime->urls().size(), 1);
    QFile file(mime->urls().first().toLocalFile());
    QVERIFY(file.fileName().endsWith(id + QStringLiteral(".eml")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), data); // imported messages are stored exactly as given
}

void TestInboxModel::displaysTheSummary()
{
    UiTest::deliver(*m_store,
        "From: =?UTF-8?Q?Ren=C3=A9?= <rene@example.test>\r\nTo: Bob <bob@example.test>, carol@example.test\r\n"
        "Subject: Hello\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "See attached\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        "filename=a.pdf\r\n\r\n"
        "%PDF\r\n--b--\r\n");
    InboxModel model(m_store.get());
    QVERIFY(settled(model));
    QCOMPARE(model.data(model.index(0, InboxModel::FromColumn)).toString(), QStringLiteral("René"));
    QCOMPARE(model.data(model.index(0, InboxModel::ToColumn)).toString(), QStringLiteral("Bob, carol@example.test"));
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("Hello"));
    QCOMPARE(model.index(0, 0).data(InboxModel::HasAttachmentsRole).toBool(), true);
    QCOMPARE(model.index(0, 0).data(InboxModel::SnippetRole).toString(), QStringLiteral("See attached"));
    QVERIFY(!model.data(model.index(0, InboxModel::SubjectColumn), Qt::DecorationRole).value<QIcon>().isNull());
}

void TestInboxModel::searchAnswersAtOnceWhileIndexing()
{
    // A flood has just arrived and the store indexes it once deliveries pause. The inbox's search never waits
    // for that on the GUI thread: it answers from what is indexed, says so, and completes by itself.
    constexpr int Flood = 6000;
    UiTest::deliverFlood(*m_store, Flood);
    QVERIFY2(m_store->unindexedCount() > Flood / 2, "indexed before the search: nothing was tested");
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    QVERIFY(model.isComplete()); // newest first without a query needs no index
    QSignalSpy completeness(&model, &InboxModel::completenessChanged);
    QElapsedTimer timer;
    timer.start();
    model.setQuery(QStringLiteral("needle"));
    QVERIFY(settled(model));
    const qint64 searchMs = timer.elapsed();
    // The backlog is still there: this thread did not index it. The model says its list may miss messages.
    QVERIFY2(m_store->unindexedCount() > 0, qPrintable(QString::number(searchMs)));
    QVERIFY(!model.isComplete());
    QVERIFY(model.unindexedCount() > 0);
    QVERIFY(model.matchCount() + model.unindexedCount() >= Flood);
    QCOMPARE(completeness.size(), 1);
    qInfo("the search answered in %lld ms, %lld messages still to index", searchMs, model.unindexedCount());
    // Once the store has indexed everything, the model runs the search again by itself.
    QTRY_VERIFY_WITH_TIMEOUT(model.isComplete(), 30000);
    QCOMPARE(model.matchCount(), Flood);
    QCOMPARE(model.unindexedCount(), 0);
    QCOMPARE(completeness.size(), 2);
}

void TestInboxModel::staleAnswersAreDropped()
{
    for (int i = 0; i < 30; ++i) {
        UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("alpha %1").arg(i)), 1764000000000 + i);
    }
    UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("beta")), 1764000100000);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->unindexedCount(), 0, 5000); // no reload when the index catches up
    InboxModel model(m_store.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(settled(model));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy loaded(&model, &InboxModel::loaded);
    // Typed one after the other: the store answers both (in either order), the model shows only the last.
    model.setQuery(QStringLiteral("alpha"));
    model.setQuery(QStringLiteral("alpha 1"));
    model.setQuery(QStringLiteral("beta"));
    QVERIFY(settled(model));
    QTest::qWait(200); // time for the older answers to come back
    QCOMPARE(resets.size(), 1);
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.matchCount(), 1);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("beta"));
    // A page asked for before a reload is dropped too: its rows belong to the old query.
    model.setQuery(QStringLiteral("alpha"));
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 30);
    model.setQuery(QString());
    model.fetchMore({}); // refused: the reload is under way
    QVERIFY(settled(model));
    QTest::qWait(100);
    QCOMPARE(model.rowCount(), 31);
    QCOMPARE(model.idAt(0), model.summaryAt(0).id);
    QCOMPARE(model.data(model.index(0, InboxModel::SubjectColumn)).toString(), QStringLiteral("beta"));
}

void TestInboxModel::aModelGoneBeforeItsAnswerIsNotCalled()
{
    for (int i = 0; i < 50; ++i) {
        UiTest::deliver(*m_store, UiTest::simpleMessage(QStringLiteral("m%1").arg(i)), 1764000000000 + i);
    }
    // Each model asks the store at once and is destroyed before the answer is delivered to it.
    for (int i = 0; i < 20; ++i) {
        auto model = std::make_unique<InboxModel>(m_store.get());
        model->setQuery(QStringLiteral("m1"));
        model.reset();
    }
    QTest::qWait(200);
    InboxModel model(m_store.get());
    QVERIFY(settled(model));
    QCOMPARE(model.rowCount(), 50);
}

QTEST_MAIN(TestInboxModel)
#include "tst_inboxmodel.moc"
