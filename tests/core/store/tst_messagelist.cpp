// MessageStore::list(): pages of messages in any order the inbox sorts by, with a query, and the match counts.
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/sqlitemessagestore.h>

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
    void queriesWithoutTermsAreRefused_data();
    void queriesWithoutTermsAreRefused();
    void searchSyntaxOfFts5IsPlainText_data();
    void searchSyntaxOfFts5IsPlainText();

private:
    QTemporaryDir m_dir;
    SqliteMessageStore m_store;
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

void TestMessageList::queriesWithoutTermsAreRefused_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("a lone quote") << QStringLiteral("\"");
    QTest::newRow("an empty phrase") << QStringLiteral("\"\"");
    QTest::newRow("a quoted space") << QStringLiteral("\" \"");
    QTest::newRow("a lone minus") << QStringLiteral("-");
    QTest::newRow("a lone bang") << QStringLiteral("!");
    QTest::newRow("a negated empty phrase") << QStringLiteral("-\"\"");
    QTest::newRow("quotes and minuses only") << QStringLiteral("\"\" - ! \"");
    QTest::newRow("only whitespace") << QStringLiteral(" \t ");
    QTest::newRow("a NUL byte") << QString(QChar(0));
    // Terms Mailpit ignores: a field with no value, punctuation it removes, a date left out.
    QTest::newRow("a field with no value") << QStringLiteral("from:");
    QTest::newRow("a negated field with only angle brackets") << QStringLiteral("-to:<>");
    QTest::newRow("punctuation only") << QStringLiteral("<> , ; ()");
    QTest::newRow("a date left out") << QStringLiteral("before:");
}

void TestMessageList::queriesWithoutTermsAreRefused()
{
    // DELETE /api/v1/search?query=%22 once deleted every message: a text that parses to no term is no search.
    QFETCH(QString, query);
    QString error;
    QVERIFY(!m_store.search(query, 0, 50, QTimeZone::utc(), &error));
    QCOMPARE(error, QStringLiteral("the search query has no terms"));
    error.clear();
    QVERIFY(!m_store.searchIds(query, QTimeZone::utc(), &error));
    QCOMPARE(error, QStringLiteral("the search query has no terms"));
    // An empty text (whitespace) is "no query": every message for latestId(), list() and the older searchIds().
    if (!query.trimmed().isEmpty()) {
        QVERIFY(m_store.latestId(query).isEmpty());
        QVERIFY(m_store.searchIds(query).isEmpty());
        QVERIFY(!m_store.list(query, MessageSort(), 0, 50));
        QVERIFY(!m_store.list(query, { MessageSort::Key::Subject, Qt::AscendingOrder }, 0, 50));
    }
}

void TestMessageList::searchSyntaxOfFts5IsPlainText_data()
{
    // Terms reach SQLite's full-text index as quoted strings: FTS5 operators in a query are text to find (README
    // "Search syntax": words ANDed). None may fail as an SQL error (a 500 from the API) or match every message.
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected"); // subjects, newest first
    const QStringList none;
    QTest::newRow("NEAR group") << QStringLiteral("NEAR(apple banana)") << none;
    QTest::newRow("NEAR with a distance") << QStringLiteral("NEAR(apple banana, 5)") << none;
    QTest::newRow("a prefix star") << QStringLiteral("appl*") << none;
    QTest::newRow("a lone star") << QStringLiteral("*") << none;
    QTest::newRow("an initial-token caret") << QStringLiteral("^apple") << none;
    QTest::newRow("a column filter in FTS5 syntax") << QStringLiteral("subject:apple:") << none;
    QTest::newRow("a braced column filter") << QStringLiteral("{subject}:apple") << none;
    QTest::newRow("OR between words is a word too") << QStringLiteral("apple OR banana") << none;
    QTest::newRow("AND between words is a word too") << QStringLiteral("apple AND banana") << none;
    QTest::newRow("NOT before a word is a word too") << QStringLiteral("NOT apple") << none;
    // Parentheses around a word are punctuation, as in Mailpit's search.
    QTest::newRow("an opening parenthesis") << QStringLiteral("(apple") << QStringList { QStringLiteral("apple") };
    QTest::newRow("a closing parenthesis") << QStringLiteral("apple)") << QStringList { QStringLiteral("apple") };
    QTest::newRow("a parenthesis inside a word") << QStringLiteral("NEAR(apple") << none;
    QTest::newRow("unbalanced parentheses around OR") << QStringLiteral("((apple OR banana)") << none;
    // "a", "OR" and an unterminated "b: three words, all in banana's text ("short" has "or").
    QTest::newRow("phrases joined by OR, the last unterminated")
        << QStringLiteral("\"a\" OR \"b") << QStringList { QStringLiteral("banana") };
    QTest::newRow("subject: with FTS5 operators") << QStringLiteral("subject:apple OR subject:banana") << none;
    QTest::newRow("subject: holding NEAR") << QStringLiteral("subject:NEAR(apple") << none;
    QTest::newRow("subject: quoted with an operator") << QStringLiteral("subject:\"apple\" NOT") << none;
    QTest::newRow("from: then a star") << QStringLiteral("from:adam *") << none;
    QTest::newRow("a doubled quote inside a phrase")
        << QStringLiteral("\"app\"\"le\"") << QStringList { QStringLiteral("apple") };
    QTest::newRow("a word with a NUL byte")
        << (QStringLiteral("apple") + QChar(0)) << QStringList { QStringLiteral("apple") };
    QTest::newRow("a short word with a NUL byte")
        << (QStringLiteral("ch") + QChar(0)) << QStringList { QStringLiteral("Cherry") };
    QTest::newRow("a NUL byte between words") << (QStringLiteral("date") + QChar(0) + QStringLiteral("fruit"))
                                              << QStringList { QStringLiteral("date fruit") };
}

void TestMessageList::searchSyntaxOfFts5IsPlainText()
{
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    QString error;
    const std::optional<SearchResult> result = m_store.search(query, 0, 50, QTimeZone::utc(), &error);
    QVERIFY2(result, qPrintable(error));
    QCOMPARE(subjects(result), expected);
    QCOMPARE(result->matches, expected.size());
    QCOMPARE(m_store.searchIds(query).size(), expected.size());
    const std::optional<SearchResult> sorted
        = m_store.list(query, { MessageSort::Key::Subject, Qt::AscendingOrder }, 0, 50, QTimeZone::utc(), &error);
    QVERIFY2(sorted, qPrintable(error));
    QCOMPARE(sorted->matches, expected.size());
}

QTEST_GUILESS_MAIN(TestMessageList)
#include "tst_messagelist.moc"
