// SqliteSearchCompiler: a SearchQuery's tree compiled to the FTS5 MATCH expression, SQL condition and values the
// SQLite store runs, and what they select from a small in-memory store with the real tables' shape (an FTS5
// trigram index and the facts the conditions read). Expected SQL is written by hand from SQLite's FTS5 query
// syntax (a string in double quotes is a phrase, never an operator; "{col1 col2} : phrase" is a column filter);
// the messages and the selections are the ones every store's compiler must make (searchcompilercases.h, which
// tst_pgsearchcompiler runs on PostgreSQL).
#include "searchcompilercases.h"

#include <store/searchquery.h>
#include <store/sqlitedatabase.h>
#include <store/sqlitesearchcompiler.h>

#include <QDateTime>
#include <QTest>

namespace {
using SearchCompilerCases::Ids;
using Values = QList<QVariant>;
} // namespace

class TestSqliteSearchCompiler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchExpressions_data();
    void matchExpressions();
    void conditions_data();
    void conditions();
    void selects_data();
    void selects();

private:
    // The ids, ascending, of the messages the query selects; fails the test on an SQL error.
    Ids select(const SqliteSearchCompiler &q);
    SqliteDatabase m_db;
};

void TestSqliteSearchCompiler::initTestCase()
{
    QVERIFY(m_db.open(QStringLiteral(":memory:"), SqliteDatabase::Mode::ReadWrite));
    // The columns the conditions read (the store's messages_facts index) and the store's full-text table, with
    // mailboxes and tags as migration 7 makes them.
    QVERIFY(
        m_db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, is_read INTEGER, received INTEGER, size INTEGER, "
                  "attachments INTEGER, inlines INTEGER, message_id TEXT, mailbox_id INTEGER DEFAULT 1);"
                  "CREATE TABLE mailboxes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
                  "INSERT INTO mailboxes VALUES (1, 'Inbox');"
                  "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
                  "CREATE TABLE message_tags (message_id INTEGER, tag_id INTEGER, PRIMARY KEY (message_id, tag_id));"
                  "CREATE VIRTUAL TABLE message_search USING fts5(subject, from_text, to_text, cc_text, bcc_text, "
                  "reply_to_text, body, tokenize = 'trigram');"));
    SqliteStatement mailbox = m_db.prepare("INSERT OR IGNORE INTO mailboxes (name) VALUES (?1)");
    SqliteStatement tag = m_db.prepare("INSERT OR IGNORE INTO tags (name) VALUES (?1)");
    SqliteStatement tagged
        = m_db.prepare("INSERT INTO message_tags (message_id, tag_id) SELECT ?1, id FROM tags WHERE name = ?2");
    SqliteStatement facts = m_db.prepare(
        "INSERT INTO messages (id, is_read, received, size, attachments, inlines, message_id, mailbox_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT id FROM mailboxes WHERE name = ?8))");
    // The texts as the indexer stores them: as written (the trigram tokenizer folds case).
    SqliteStatement text = m_db.prepare("INSERT INTO message_search (rowid, subject, from_text, to_text, cc_text, "
                                        "bcc_text, reply_to_text, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    const QList<SearchCompilerCases::Message> messages = SearchCompilerCases::messages();
    for (const SearchCompilerCases::Message &m : messages) {
        mailbox.bind(1, QString::fromUtf8(m.mailbox));
        QVERIFY(mailbox.exec());
        facts.bind(1, m.id);
        facts.bind(2, qint64(m.read));
        facts.bind(3, SearchCompilerCases::utcMs(m.received));
        facts.bind(4, m.size);
        facts.bind(5, qint64(m.attachments));
        facts.bind(6, qint64(m.inlines));
        facts.bind(7, QString::fromUtf8(m.messageId));
        facts.bind(8, QString::fromUtf8(m.mailbox));
        QVERIFY(facts.exec());
        text.bind(1, m.id);
        const char *columns[] = { m.subject, m.from, m.to, m.cc, m.bcc, m.replyTo, m.body };
        for (int c = 0; c < 7; ++c) {
            text.bind(c + 2, QString::fromUtf8(columns[c]));
        }
        QVERIFY(text.exec());
        for (const char *name : m.tags) {
            tag.bind(1, QString::fromUtf8(name));
            QVERIFY(tag.exec());
            tagged.bind(1, m.id);
            tagged.bind(2, QString::fromUtf8(name));
            QVERIFY(tagged.exec());
        }
    }
}

Ids TestSqliteSearchCompiler::select(const SqliteSearchCompiler &q)
{
    // The statement shape MessageStore uses: driven by the index when there is a MATCH expression, then the
    // condition and its values.
    const bool fts = !q.matchExpression().isEmpty();
    const QByteArray sql = fts ? "SELECT m.id FROM message_search s CROSS JOIN messages m ON m.id = s.rowid WHERE "
                                 "message_search MATCH ?1 AND ("
            + q.condition().toUtf8() + ") ORDER BY m.id"
                               : "SELECT m.id FROM messages m WHERE " + q.condition().toUtf8() + " ORDER BY m.id";
    SqliteStatement st = m_db.prepare(sql.constData());
    if (!st.isValid()) {
        qWarning("%s: %s", sql.constData(), qPrintable(m_db.errorString()));
        return { -1 };
    }
    int index = 1;
    if (fts) {
        st.bind(index++, q.matchExpression());
    }
    for (const QVariant &v : q.values()) {
        if (v.typeId() == QMetaType::QString) {
            st.bind(index++, v.toString());
        } else {
            st.bind(index++, v.toLongLong());
        }
    }
    Ids ids;
    bool ok = false;
    while (st.step(&ok)) {
        ids << st.columnInt(0);
    }
    if (!ok) {
        qWarning("%s: %s", sql.constData(), qPrintable(m_db.errorString()));
        return { -1 };
    }
    return ids;
}

void TestSqliteSearchCompiler::matchExpressions_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("match");
    QTest::newRow("a word is a quoted string") << "apple"
                                               << "\"apple\"";
    QTest::newRow("words are ANDed") << "apple banana"
                                     << "\"apple\" AND \"banana\"";
    QTest::newRow("a phrase stays one string") << "\"ripe apple\""
                                               << "\"ripe apple\"";
    QTest::newRow("a quote inside a term is doubled") << "\"app\"\"le\""
                                                      << "\"apple\"";
    QTest::newRow("subject: is a column filter") << "subject:apple"
                                                 << "{subject} : \"apple\"";
    QTest::newRow("from: is a column filter") << "from:bob"
                                              << "{from_text} : \"bob\"";
    QTest::newRow("reply-to: is a column filter") << "reply-to:bob"
                                                  << "{reply_to_text} : \"bob\"";
    QTest::newRow("addressed: filters from, to, cc, bcc and reply-to")
        << "addressed:bob"
        << "{from_text to_text cc_text bcc_text reply_to_text} : \"bob\"";
    QTest::newRow("a negation follows with NOT") << "apple -pear"
                                                 << "\"apple\" NOT \"pear\"";
    QTest::newRow("NEAR is quoted text") << "NEAR(apple"
                                         << "\"NEAR(apple\"";
    QTest::newRow("a star is quoted text") << "appl*"
                                           << "\"appl*\"";
    QTest::newRow("AND is quoted text") << "apple AND pear"
                                        << "\"apple\" AND \"AND\" AND \"pear\"";
    QTest::newRow("a column filter in FTS5 syntax is quoted text") << "{subject}:x"
                                                                   << "\"{subject}:x\"";
    // The trigram index finds substrings of three characters or more.
    QTest::newRow("three characters are indexed") << "abc"
                                                  << "\"abc\"";
    QTest::newRow("two characters are not") << "ab"
                                            << "";
    QTest::newRow("three characters outside the BMP are indexed") << QStringLiteral("😀😀😀") << QStringLiteral("\"😀😀😀\"");
    QTest::newRow("two characters outside the BMP are not (four UTF-16 units)") << QStringLiteral("😀😀") << "";
    QTest::newRow("negations alone are no MATCH") << "-apple"
                                                  << "";
    QTest::newRow("flags are no MATCH") << "is:read has:attachment"
                                        << "";
    QTest::newRow("message-id: is no MATCH") << "message-id:abcdef"
                                             << "";
}

void TestSqliteSearchCompiler::matchExpressions()
{
    QFETCH(QString, query);
    QFETCH(QString, match);
    QCOMPARE(SqliteSearchCompiler(SearchQuery::parse(query)).matchExpression(), match);
}

void TestSqliteSearchCompiler::conditions_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("condition");
    QTest::addColumn<Values>("values");
    const QString allLikes = QStringLiteral(
        "m.id IN (SELECT rowid FROM message_search WHERE subject LIKE ? ESCAPE '\\' OR from_text LIKE ? ESCAPE '\\' "
        "OR to_text LIKE ? ESCAPE '\\' OR cc_text LIKE ? ESCAPE '\\' OR bcc_text LIKE ? ESCAPE '\\' OR reply_to_text "
        "LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')");
    // 2026-01-01T00:00:00Z is 20,454 days after the epoch (56 years, 14 of them leap years): 1,767,225,600 s.
    const qint64 newYear = Q_INT64_C(1767225600000);
    QTest::newRow("nothing") << QString() << "1" << Values {};
    QTest::newRow("an indexed word needs no condition") << "apple"
                                                        << "1" << Values {};
    QTest::newRow("a short word is a LIKE over every column")
        << "a_" << allLikes << Values(7, QStringLiteral("%a\\_%"));
    QTest::newRow("a short field value is a LIKE over its column")
        << "from:b%"
        << "m.id IN (SELECT rowid FROM message_search WHERE from_text LIKE ? ESCAPE '\\')"
        << Values { QStringLiteral("%b\\%%") };
    QTest::newRow("a short negated word") << "-\\x"
                                          << "NOT " + allLikes << Values(7, QStringLiteral("%\\\\x%"));
    QTest::newRow("negations alone exclude what matches any of them")
        << "-apple -pear"
        << "m.id NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH ?)"
        << Values { QStringLiteral("\"apple\" OR \"pear\"") };
    QTest::newRow("that exclusion comes first") << "is:read -apple"
                                                << "m.id NOT IN (SELECT rowid FROM message_search WHERE message_search "
                                                   "MATCH ?) AND m.is_read = 1"
                                                << Values { QStringLiteral("\"apple\"") };
    QTest::newRow("message-id: is a substring of the ID")
        << "message-id:<a_b%c@x.test>"
        << "(m.message_id LIKE ? ESCAPE '\\')" << Values { QStringLiteral("%a\\_b\\%c@x.test%") };
    QTest::newRow("a negated message-id:")
        << "-message-id:abc"
        << "NOT (m.message_id LIKE ? ESCAPE '\\')" << Values { QStringLiteral("%abc%") };
    QTest::newRow("is:read") << "is:read"
                             << "m.is_read = 1" << Values {};
    QTest::newRow("a negated is:read") << "-is:read"
                                       << "m.is_read = 0" << Values {};
    QTest::newRow("is:unread") << "is:unread"
                               << "m.is_read = 0" << Values {};
    QTest::newRow("a negated is:unread") << "-is:unread"
                                         << "m.is_read = 1" << Values {};
    QTest::newRow("has:attachment") << "has:attachment"
                                    << "(m.attachments > 0)" << Values {};
    QTest::newRow("a negated has:inline") << "-has:inline"
                                          << "NOT (m.inlines > 0)" << Values {};
    QTest::newRow("tag: is a tag's whole name")
        << "tag:x"
        << "(m.id IN (SELECT mt.message_id FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?))"
        << Values { QStringLiteral("x") };
    QTest::newRow("a negated is:tagged") << "-is:tagged"
                                         << "NOT (EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message_id = m.id))"
                                         << Values {};
    QTest::newRow("mailbox: is a mailbox's whole name")
        << "mailbox:shop"
        << "(m.mailbox_id IS (SELECT mb.id FROM mailboxes mb WHERE mb.name = ?))" << Values { QStringLiteral("shop") };
    QTest::newRow("before: includes its moment") << "before:2026-01-01"
                                                 << "(m.received <= ?)" << Values { newYear };
    QTest::newRow("after: includes its moment") << "after:2026-01-01"
                                                << "(m.received >= ?)" << Values { newYear };
    QTest::newRow("a negated before: is after:") << "-before:2026-01-01"
                                                 << "(m.received >= ?)" << Values { newYear };
    QTest::newRow("an unreadable date selects nothing") << "before:someday"
                                                        << "0" << Values {};
    QTest::newRow("a negated unreadable date selects everything") << "-after:someday"
                                                                  << "1" << Values {};
    QTest::newRow("larger: is strict") << "larger:10K"
                                       << "(m.size > ?)" << Values { Q_INT64_C(10240) };
    QTest::newRow("smaller: is strict") << "smaller:1M"
                                        << "(m.size < ?)" << Values { Q_INT64_C(1048576) };
    QTest::newRow("a negated larger: is smaller:") << "-larger:1K"
                                                   << "(m.size < ?)" << Values { Q_INT64_C(1024) };
    QTest::newRow("conditions are ANDed in order")
        << "is:unread larger:1K to:b"
        << "m.is_read = 0 AND (m.size > ?) AND m.id IN (SELECT rowid FROM message_search WHERE to_text LIKE ? ESCAPE "
           "'\\')"
        << Values { Q_INT64_C(1024), QStringLiteral("%b%") };
}

void TestSqliteSearchCompiler::conditions()
{
    QFETCH(QString, query);
    QFETCH(QString, condition);
    QFETCH(Values, values);
    const SqliteSearchCompiler q(SearchQuery::parse(query));
    QCOMPARE(q.condition(), condition);
    QCOMPARE(q.values(), values);
}

void TestSqliteSearchCompiler::selects_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("offsetSeconds"); // the tz of the search
    QTest::addColumn<Ids>("expected");
    const QList<SearchCompilerCases::Select> cases = SearchCompilerCases::selects();
    for (const SearchCompilerCases::Select &c : cases) {
        QTest::newRow(c.name) << c.query << c.offsetSeconds << c.expected;
    }
}

void TestSqliteSearchCompiler::selects()
{
    QFETCH(QString, query);
    QFETCH(int, offsetSeconds);
    QFETCH(Ids, expected);
    const SearchQuery parsed = SearchQuery::parse(query, QTimeZone(offsetSeconds));
    QVERIFY(!parsed.isEmpty());
    QCOMPARE(select(SqliteSearchCompiler(parsed)), expected);
}

QTEST_APPLESS_MAIN(TestSqliteSearchCompiler)
#include "tst_sqlitesearchcompiler.moc"
