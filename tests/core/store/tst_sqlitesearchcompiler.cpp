// SqliteSearchCompiler: a SearchQuery's tree compiled to the FTS5 MATCH expression, SQL condition and values the
// SQLite store runs, and what they select from a small in-memory store with the real tables' shape (an FTS5
// trigram index and the facts the conditions read). Expected SQL is written by hand from SQLite's FTS5 query
// syntax (a string in double quotes is a phrase, never an operator; "{col1 col2} : phrase" is a column filter) and
// expected matches from Mailpit's search semantics and the five messages below.
#include <store/searchquery.h>
#include <store/sqlitedatabase.h>
#include <store/sqlitesearchcompiler.h>

#include <QDateTime>
#include <QTest>

namespace {
qint64 utcMs(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

using Ids = QList<qint64>;
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
    // The columns the conditions read (the store's messages_facts index) and the store's full-text table.
    // Mailboxes and tags as migration 7 makes them: messages 4 and 5 live in "shop", 1 to 3 in Inbox; message 1 is
    // tagged Invoice, message 3 Invoice and urgent.
    QVERIFY(
        m_db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, is_read INTEGER, received INTEGER, size INTEGER, "
                  "attachments INTEGER, inlines INTEGER, message_id TEXT, mailbox_id INTEGER DEFAULT 1);"
                  "CREATE TABLE mailboxes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
                  "INSERT INTO mailboxes VALUES (1, 'Inbox'), (2, 'shop');"
                  "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);"
                  "INSERT INTO tags VALUES (1, 'Invoice'), (2, 'urgent');"
                  "CREATE TABLE message_tags (message_id INTEGER, tag_id INTEGER, PRIMARY KEY (message_id, tag_id));"
                  "INSERT INTO message_tags VALUES (1, 1), (3, 1), (3, 2);"
                  "CREATE VIRTUAL TABLE message_search USING fts5(subject, from_text, to_text, cc_text, bcc_text, "
                  "reply_to_text, body, tokenize = 'trigram');"));
    struct Message
    {
        qint64 id;
        const char *subject, *from, *to, *cc, *bcc, *replyTo, *body;
        bool read;
        const char *received;
        qint64 size;
        int attachments, inlines;
        const char *messageId;
    };
    const Message messages[] = {
        { 1, "Invoice 42", "Billing <billing@shop.test>", "alice@example.test", "", "", "", "Please pay by Friday.",
            true, "2026-01-30T12:00:00.000Z", 2000, 1, 0, "inv42@shop.test" },
        { 2, "Lunch?", "bob@example.test", "carol@example.test", "alice@example.test", "", "",
            "NEAR(apple banana) at noon", false, "2026-01-31T12:00:00.000Z", 20000, 0, 1, "lunch@example.test" },
        { 3, "Re: Invoice 42", "alice@example.test", "billing@shop.test", "", "audit@shop.test",
            "accounts@example.test", "Paid: 100% done_ok", false, "2026-01-30T23:30:00.000Z", 3145728, 0, 0,
            "re-inv42@example.test" },
        { 4,
            "\xc3\x9cn\xc3\xaf"
            "code \xf0\x9f\x98\x80\xf0\x9f\x98\x80",
            "dan@example.test", "erin@example.test", "", "", "", "appl* and more", false, "2026-02-01T08:00:00.000Z",
            10240, 0, 0, "uni@example.test" },
        { 5, "Midnight", "eve@example.test", "frank@example.test", "", "", "", "tick\\tock", false,
            "2026-01-31T00:00:00.000Z", 500, 0, 0, "mid@example.test" },
    };
    SqliteStatement facts = m_db.prepare("INSERT INTO messages (id, is_read, received, size, attachments, inlines, "
                                         "message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    SqliteStatement text = m_db.prepare("INSERT INTO message_search (rowid, subject, from_text, to_text, cc_text, "
                                        "bcc_text, reply_to_text, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const Message &m : messages) {
        facts.bind(1, m.id);
        facts.bind(2, qint64(m.read));
        facts.bind(3, utcMs(m.received));
        facts.bind(4, m.size);
        facts.bind(5, qint64(m.attachments));
        facts.bind(6, qint64(m.inlines));
        facts.bind(7, QString::fromUtf8(m.messageId));
        QVERIFY(facts.exec());
        text.bind(1, m.id);
        const char *columns[] = { m.subject, m.from, m.to, m.cc, m.bcc, m.replyTo, m.body };
        for (int c = 0; c < 7; ++c) {
            text.bind(c + 2, QString::fromUtf8(columns[c]));
        }
        QVERIFY(text.exec());
    }
    QVERIFY(m_db.exec("UPDATE messages SET mailbox_id = 2 WHERE id IN (4, 5)"));
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
    const Ids all { 1, 2, 3, 4, 5 };
    const Ids none;
    // Words: case-insensitive substrings of subject, addresses and body, ANDed.
    QTest::newRow("a word in two subjects") << "invoice" << 0 << Ids { 1, 3 };
    QTest::newRow("a word ignores case") << "INVOICE" << 0 << Ids { 1, 3 };
    QTest::newRow("two words must both match") << "invoice paid" << 0 << Ids { 3 };
    QTest::newRow("a word inside an address") << "shop" << 0 << Ids { 1, 3 };
    QTest::newRow("a phrase matches as written") << "\"by Friday\"" << 0 << Ids { 1 };
    QTest::newRow("a phrase keeps its word order") << "\"Friday by\"" << 0 << none;
    QTest::newRow("the same words unquoted match in any order") << "Friday by" << 0 << Ids { 1 };
    QTest::newRow("punctuation around a word is ignored") << "(invoice)," << 0 << Ids { 1, 3 };
    QTest::newRow("angle brackets around an address are ignored") << "<alice@example.test>" << 0 << Ids { 1, 2, 3 };
    QTest::newRow("a negated word") << "-invoice" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("a word negated with !") << "!invoice" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("a word and a negated word") << "invoice -paid" << 0 << Ids { 1 };
    QTest::newRow("two negated words exclude either") << "-invoice -lunch" << 0 << Ids { 4, 5 };
    QTest::newRow("a negated phrase") << "-\"Invoice 42\"" << 0 << Ids { 2, 4, 5 };
    // Fields.
    QTest::newRow("from: looks at the sender only") << "from:alice" << 0 << Ids { 3 };
    QTest::newRow("from: with a display name") << "from:billing" << 0 << Ids { 1 };
    QTest::newRow("from: ignores case") << "FROM:ALICE" << 0 << Ids { 3 };
    QTest::newRow("a negated from:") << "-from:alice" << 0 << Ids { 1, 2, 4, 5 };
    QTest::newRow("to: looks at To only") << "to:alice" << 0 << Ids { 1 };
    QTest::newRow("to: with the address in angle brackets") << "to:<alice@example.test>" << 0 << Ids { 1 };
    QTest::newRow("cc: looks at Cc only") << "cc:alice" << 0 << Ids { 2 };
    QTest::newRow("bcc: looks at Bcc only") << "bcc:audit" << 0 << Ids { 3 };
    QTest::newRow("reply-to: looks at Reply-To only") << "reply-to:accounts" << 0 << Ids { 3 };
    QTest::newRow("addressed: sees To and Cc") << "addressed:alice" << 0 << Ids { 1, 2, 3 };
    QTest::newRow("addressed: sees Bcc") << "addressed:audit" << 0 << Ids { 3 };
    QTest::newRow("addressed: sees From") << "addressed:billing" << 0 << Ids { 1, 3 };
    QTest::newRow("addressed: sees Reply-To") << "addressed:accounts" << 0 << Ids { 3 };
    QTest::newRow("a short addressed: value") << "addressed:ev" << 0 << Ids { 5 };
    QTest::newRow("subject: looks at the subject only") << "subject:invoice" << 0 << Ids { 1, 3 };
    QTest::newRow("subject: does not see the body") << "subject:pay" << 0 << none;
    QTest::newRow("subject: with a phrase") << "subject:\"Invoice 42\"" << 0 << Ids { 1, 3 };
    QTest::newRow("message-id: in angle brackets") << "message-id:<inv42@shop.test>" << 0 << Ids { 1 };
    QTest::newRow("message-id: without brackets") << "message-id:inv42@shop.test" << 0 << Ids { 1 };
    QTest::newRow("message-id: a part of the ID") << "message-id:inv42" << 0 << Ids { 1, 3 };
    QTest::newRow("message-id: ignores case") << "message-id:INV42@SHOP.TEST" << 0 << Ids { 1 };
    QTest::newRow("message-id: wildcards are text") << "message-id:re_inv%" << 0 << none;
    QTest::newRow("a negated message-id:") << "-message-id:<inv42@shop.test>" << 0 << Ids { 2, 3, 4, 5 };
    // Tags (Mailpit: the whole name, without regard to case) and mailboxes (CONTRACT "Mailboxes").
    QTest::newRow("tag: finds the messages with the tag") << "tag:urgent" << 0 << Ids { 3 };
    QTest::newRow("tag: ignores case") << "tag:INVOICE" << 0 << Ids { 1, 3 };
    QTest::newRow("tag: is no substring") << "tag:urg" << 0 << none;
    QTest::newRow("a negated tag:") << "-tag:urgent" << 0 << Ids { 1, 2, 4, 5 };
    QTest::newRow("is:tagged") << "is:tagged" << 0 << Ids { 1, 3 };
    QTest::newRow("a negated is:tagged") << "-is:tagged" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("mailbox: finds its messages") << "mailbox:shop" << 0 << Ids { 4, 5 };
    QTest::newRow("mailbox: ignores case") << "mailbox:INBOX" << 0 << Ids { 1, 2, 3 };
    QTest::newRow("a negated mailbox:") << "-mailbox:shop" << 0 << Ids { 1, 2, 3 };
    QTest::newRow("an unknown mailbox: has no messages") << "mailbox:billing" << 0 << none;
    QTest::newRow("a negated unknown mailbox: is every message") << "-mailbox:billing" << 0 << all;
    QTest::newRow("mailbox: with a word") << "mailbox:inbox invoice" << 0 << Ids { 1, 3 };
    QTest::newRow("mailbox: with tag:") << "mailbox:inbox tag:invoice -tag:urgent" << 0 << Ids { 1 };
    // Flags.
    QTest::newRow("is:read") << "is:read" << 0 << Ids { 1 };
    QTest::newRow("is:unread") << "is:unread" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a negated is:read is unread") << "-is:read" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a negated is:unread is read") << "!is:unread" << 0 << Ids { 1 };
    QTest::newRow("has:attachment") << "has:attachment" << 0 << Ids { 1 };
    QTest::newRow("has:inline") << "has:inline" << 0 << Ids { 2 };
    QTest::newRow("has:inlines") << "has:inlines" << 0 << Ids { 2 };
    QTest::newRow("a negated has:attachment") << "-has:attachment" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a word and a flag") << "invoice is:unread" << 0 << Ids { 3 };
    // Dates: the start of the day in the search's zone; before: and after: both include that moment (Mailpit).
    QTest::newRow("before: a day in UTC includes its first millisecond") << "before:2026-01-31" << 0 << Ids { 1, 3, 5 };
    QTest::newRow("after: a day in UTC includes its first millisecond") << "after:2026-01-31" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("the first millisecond of a day is before: and after: it")
        << "before:2026-01-31 after:2026-01-31" << 0 << Ids { 5 };
    QTest::newRow("before: a day one hour east of UTC") << "before:2026-01-31" << 3600 << Ids { 1 };
    QTest::newRow("after: a day one hour east of UTC") << "after:2026-01-31" << 3600 << Ids { 2, 3, 4, 5 };
    QTest::newRow("before: a moment one millisecond before midnight")
        << "before:2026-01-30T23:59:59.999Z" << 0 << Ids { 1, 3 };
    QTest::newRow("a negated before: includes the moment") << "-before:2026-01-31" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("a negated after: includes the moment") << "-after:2026-01-31" << 0 << Ids { 1, 3, 5 };
    QTest::newRow("before: and after: together") << "after:2026-01-30 before:2026-01-31" << 0 << Ids { 1, 3, 5 };
    QTest::newRow("an impossible date matches nothing") << "before:2026-02-30" << 0 << none;
    QTest::newRow("a negated unreadable date matches everything") << "-after:someday" << 0 << all;
    // Sizes: K and KB are 1,024 bytes, M and MB 1,048,576; larger and smaller are strict, so a message of the size
    // itself is neither larger: nor -larger: it (Mailpit).
    QTest::newRow("larger: excludes the size itself") << "larger:10K" << 0 << Ids { 2, 3 };
    QTest::newRow("a negated larger: excludes the size itself") << "-larger:10K" << 0 << Ids { 1, 5 };
    QTest::newRow("smaller: excludes the size itself") << "smaller:10K" << 0 << Ids { 1, 5 };
    QTest::newRow("a negated smaller: excludes the size itself") << "!smaller:10K" << 0 << Ids { 2, 3 };
    QTest::newRow("larger: in megabytes") << "larger:2MB" << 0 << Ids { 3 };
    QTest::newRow("larger: a fraction of a megabyte") << "larger:1.5M" << 0 << Ids { 3 };
    QTest::newRow("smaller: than exactly three megabytes") << "smaller:3M" << 0 << Ids { 1, 2, 4, 5 };
    QTest::newRow("larger: in bytes") << "larger:2000" << 0 << Ids { 2, 3, 4 };
    QTest::newRow("an unreadable size is a word") << "larger:big" << 0 << none;
    QTest::newRow("gigabytes are a word, not bytes") << "larger:1GB" << 0 << none;
    QTest::newRow("a negated unreadable size is a negated word") << "-smaller:big" << 0 << all;
    QTest::newRow("smaller: than an enormous size is every message") << "smaller:99999999999999999999M" << 0 << all;
    QTest::newRow("larger: than an enormous size is none") << "larger:99999999999999999999M" << 0 << none;
    // Words shorter than three characters: a scan with LIKE, whose wildcards are text.
    QTest::newRow("a two-character word") << "by" << 0 << Ids { 1 };
    QTest::newRow("a two-digit word") << "42" << 0 << Ids { 1, 3 };
    QTest::newRow("an underscore is no wildcard") << "_o" << 0 << Ids { 3 };
    QTest::newRow("a percent sign is no wildcard") << "%" << 0 << Ids { 3 };
    QTest::newRow("a backslash is text") << "\\" << 0 << Ids { 5 };
    QTest::newRow("a backslash and a letter") << "\\t" << 0 << Ids { 5 };
    QTest::newRow("a short negated word") << "-42" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("two characters outside the BMP") << QStringLiteral("😀😀") << 0 << Ids { 4 };
    QTest::newRow("non-ASCII letters ignore case") << QStringLiteral("ÜNÏ") << 0 << Ids { 4 };
    // FTS5 syntax in the user's text is text to find, never an operator.
    QTest::newRow("NEAR( is text") << "NEAR(apple" << 0 << Ids { 2 };
    QTest::newRow("a quoted NEAR group is text") << "\"NEAR(apple banana)\"" << 0 << Ids { 2 };
    QTest::newRow("a star is no prefix search") << "appl*" << 0 << Ids { 4 };
    QTest::newRow("OR is a word that must match too") << "apple OR banana" << 0 << none;
    QTest::newRow("AND is a word that must match too") << "lunch AND noon" << 0 << none;
    QTest::newRow("a caret is no initial-token anchor") << "^lunch" << 0 << none;
    QTest::newRow("a braced column filter is text") << "{subject}:lunch" << 0 << none;
    QTest::newRow("a column filter in a field value is text") << "from:{subject}:lunch" << 0 << none;
    QTest::newRow("an opening parenthesis is punctuation") << "(apple" << 0 << Ids { 2 };
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
