// The search corpus (tests/core/store/searchcorpus.h) through PgMessageStore against a real PostgreSQL
// (tests/interop/pgserver.py), and through SqliteMessageStore beside it: the messages go in over deliver() as SMTP
// hands them over, each store parses and indexes them itself, and every query must find the corpus's expected IDs,
// newest first, on both stores and on a second PostgreSQL instance sharing the database (CONTRACT "Team store":
// "Search syntax and results are the same on both stores").
#include "../store/searchcorpus.h"
#include "pgtestserver.h"

#include <pgstore/pgmessagestore.h>
#include <store/sqlitemessagestore.h>

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {
QStringList ids(const QList<MessageSummary> &list)
{
    QStringList out;
    for (const MessageSummary &s : list) {
        out << s.id;
    }
    return out;
}
} // namespace

class TestPgSearchCorpus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void queries_data();
    void queries();

private:
    void check(MessageStore &store, const QString &query, const QStringList &expected);

    QTemporaryDir m_dir;
    PgMessageStore m_pg;
    PgMessageStore m_otherInstance;
    SqliteMessageStore m_sqlite;
};

void TestPgSearchCorpus::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QString error;
    const QString url = PgTestServer::createDatabase(QStringLiteral("tst_pgsearchcorpus"), &error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    QVERIFY2(m_pg.open(url), qPrintable(m_pg.errorString()));
    QVERIFY2(SearchCorpus::deliver(m_pg, &error), qPrintable(error));
    QVERIFY2(m_otherInstance.open(url), qPrintable(m_otherInstance.errorString()));
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_sqlite.open(m_dir.path()), qPrintable(m_sqlite.errorString()));
    QVERIFY2(SearchCorpus::deliver(m_sqlite, &error), qPrintable(error));
}

void TestPgSearchCorpus::cleanupTestCase()
{
    m_otherInstance.close();
    m_pg.close();
    m_sqlite.close();
}

void TestPgSearchCorpus::queries_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected"); // newest first
    const QList<SearchCorpus::Query> queries = SearchCorpus::queries();
    for (const SearchCorpus::Query &q : queries) {
        QTest::newRow(q.name) << q.query << q.expected;
    }
}

void TestPgSearchCorpus::check(MessageStore &store, const QString &query, const QStringList &expected)
{
    QString error;
    const std::optional<SearchResult> result = store.search(query, 0, 50, QTimeZone::utc(), &error);
    QVERIFY2(result, qPrintable(error));
    QCOMPARE(ids(result->messages), expected);
    QCOMPARE(result->matches, expected.size());
    QCOMPARE(store.searchIds(query), expected);
    QCOMPARE(store.latestId(query), expected.value(0));
}

void TestPgSearchCorpus::queries()
{
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    check(m_pg, query, expected);
    if (QTest::currentTestFailed()) {
        return;
    }
    check(m_otherInstance, query, expected);
    if (QTest::currentTestFailed()) {
        return;
    }
    check(m_sqlite, query, expected);
}

QTEST_GUILESS_MAIN(TestPgSearchCorpus)
#include "tst_pgsearchcorpus.moc"
