// MessageStore::list(): pages of messages in any order the inbox sorts by, with a query, and the match counts.
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/messagestore.h>

#include <QTemporaryDir>
#include <QTest>

#include <future>

namespace {
void deliver(MessageStore &store, const QByteArray &data, qint64 timeMs)
{
    std::promise<bool> done;
    store.deliver(MessageImporter::incoming(data, timeMs), [&done](const DeliveryResult &r) { done.set_value(r.ok); });
    QVERIFY(done.get_future().get());
}

QStringList subjects(const std::optional<SearchResult> &result)
{
    QStringList list;
    for (const MessageSummary &s : result->messages) {
        list << s.subject;
    }
    return list;
}
} // namespace

class TestMessageList : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void defaultOrderIsNewestFirst();
    void sortsBySubjectSizeAndSender();
    void sortsTheMatchesOfAQuery();
    void pagesAndCounts();

private:
    QTemporaryDir m_dir;
    MessageStore m_store;
};

void TestMessageList::initTestCase()
{
    QVERIFY(m_store.open(m_dir.path()));
    // Arrival order: banana, apple, Cherry (capital: sorting ignores case), date.
    deliver(m_store, "From: Zoe <zoe@x.test>\r\nSubject: banana\r\n\r\nshort\r\n", 1764000000000);
    deliver(m_store, "From: adam@x.test\r\nSubject: apple\r\n\r\n" + QByteArray(2000, 'a') + "\r\n", 1764000001000);
    deliver(
        m_store, "From: Mia <mia@x.test>\r\nSubject: Cherry\r\n\r\n" + QByteArray(500, 'c') + "\r\n", 1764000002000);
    deliver(m_store, "From: bob@x.test\r\nSubject: date fruit\r\n\r\n" + QByteArray(1000, 'd') + "\r\n", 1764000003000);
}

void TestMessageList::cleanupTestCase()
{
    m_store.close();
}

void TestMessageList::defaultOrderIsNewestFirst()
{
    const auto result = m_store.list(QString(), MessageSort(), 0, 10);
    QVERIFY(result);
    QCOMPARE(subjects(result), (QStringList { "date fruit", "Cherry", "apple", "banana" }));
    QCOMPARE(result->matches, 4);
}

void TestMessageList::sortsBySubjectSizeAndSender()
{
    QCOMPARE(subjects(m_store.list(QString(), { MessageSort::Key::Subject, Qt::AscendingOrder }, 0, 10)),
        (QStringList { "apple", "banana", "Cherry", "date fruit" }));
    QCOMPARE(subjects(m_store.list(QString(), { MessageSort::Key::Subject, Qt::DescendingOrder }, 0, 10)),
        (QStringList { "date fruit", "Cherry", "banana", "apple" }));
    QCOMPARE(subjects(m_store.list(QString(), { MessageSort::Key::Size, Qt::DescendingOrder }, 0, 10)),
        (QStringList { "apple", "date fruit", "Cherry", "banana" }));
    QCOMPARE(subjects(m_store.list(QString(), { MessageSort::Key::Received, Qt::AscendingOrder }, 0, 10)),
        (QStringList { "banana", "apple", "Cherry", "date fruit" }));
    // From as displayed: "adam@x.test", "bob@x.test", "Mia <mia@x.test>", "Zoe <zoe@x.test>".
    QCOMPARE(subjects(m_store.list(QString(), { MessageSort::Key::From, Qt::AscendingOrder }, 0, 10)),
        (QStringList { "apple", "date fruit", "Cherry", "banana" }));
}

void TestMessageList::sortsTheMatchesOfAQuery()
{
    // "an" is in banana only; "a" everywhere but Cherry's subject.
    const auto result
        = m_store.list(QStringLiteral("subject:a"), { MessageSort::Key::Subject, Qt::AscendingOrder }, 0, 10);
    QVERIFY(result);
    QCOMPARE(subjects(result), (QStringList { "apple", "banana", "date fruit" }));
    QCOMPARE(result->matches, 3);
    QCOMPARE(result->unreadMatches, 3);
}

void TestMessageList::pagesAndCounts()
{
    const MessageSort bySubject { MessageSort::Key::Subject, Qt::AscendingOrder };
    QCOMPARE(subjects(m_store.list(QString(), bySubject, 1, 2)), (QStringList { "banana", "Cherry" }));
    QCOMPARE(subjects(m_store.list(QString(), bySubject, 3, 2)), (QStringList { "date fruit" }));
    QCOMPARE(subjects(m_store.list(QStringLiteral("subject:a"), MessageSort(), 1, 1)), (QStringList { "apple" }));
    QCOMPARE(m_store.list(QStringLiteral("subject:a"), MessageSort(), 1, 1)->matches, 3);
}

QTEST_GUILESS_MAIN(TestMessageList)
#include "tst_messagelist.moc"
