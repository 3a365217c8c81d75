// SearchQuery: Mailpit's search syntax (README "REST API", "Search syntax") parsed into terms, and what the SQL it
// produces selects from a small in-memory store with the real tables' shape (an FTS5 trigram index and the facts the
// conditions read). Expected terms and matches are written by hand from the syntax and the five messages below; the
// FTS5 expressions from SQLite's FTS5 query syntax (a string in double quotes is a phrase, never an operator;
// "{col1 col2} : phrase" is a column filter).
#include <store/searchquery.h>
#include <store/sqlitedatabase.h>

#include <QDateTime>
#include <QTest>

namespace {
QString fieldName(SearchQuery::Field field)
{
    switch (field) {
    case SearchQuery::Field::Text:
        return QStringLiteral("text");
    case SearchQuery::Field::From:
        return QStringLiteral("from");
    case SearchQuery::Field::To:
        return QStringLiteral("to");
    case SearchQuery::Field::Cc:
        return QStringLiteral("cc");
    case SearchQuery::Field::Bcc:
        return QStringLiteral("bcc");
    case SearchQuery::Field::ReplyTo:
        return QStringLiteral("reply-to");
    case SearchQuery::Field::Addressed:
        return QStringLiteral("addressed");
    case SearchQuery::Field::Subject:
        return QStringLiteral("subject");
    case SearchQuery::Field::MessageId:
        return QStringLiteral("message-id");
    case SearchQuery::Field::Tag:
        return QStringLiteral("tag");
    case SearchQuery::Field::IsRead:
        return QStringLiteral("is:read");
    case SearchQuery::Field::IsUnread:
        return QStringLiteral("is:unread");
    case SearchQuery::Field::IsTagged:
        return QStringLiteral("is:tagged");
    case SearchQuery::Field::HasAttachment:
        return QStringLiteral("has:attachment");
    case SearchQuery::Field::HasInline:
        return QStringLiteral("has:inline");
    case SearchQuery::Field::Before:
        return QStringLiteral("before");
    case SearchQuery::Field::After:
        return QStringLiteral("after");
    case SearchQuery::Field::Larger:
        return QStringLiteral("larger");
    case SearchQuery::Field::Smaller:
        return QStringLiteral("smaller");
    }
    return QStringLiteral("?");
}

// A term as "[-]field=value" ("-from=bob"; flags without "=").
QStringList describe(const QList<SearchQuery::Term> &terms)
{
    QStringList out;
    for (const SearchQuery::Term &t : terms) {
        QString s = (t.negated ? QStringLiteral("-") : QString()) + fieldName(t.field);
        if (!t.value.isEmpty()) {
            s += QLatin1Char('=') + t.value;
        }
        out << s;
    }
    return out;
}

qint64 utcMs(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

using Ids = QList<qint64>;
} // namespace

class TestSearchQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void parsesTerms_data();
    void parsesTerms();
    void textsWithoutTermsAreEmpty_data();
    void textsWithoutTermsAreEmpty();
    void matchExpressions_data();
    void matchExpressions();
    void dateValuesAreTheStartOfTheDayInTheZone_data();
    void dateValuesAreTheStartOfTheDayInTheZone();
    void selects_data();
    void selects();

private:
    // The ids, ascending, of the messages the query selects; fails the test on an SQL error.
    Ids select(const SearchQuery &q);
    SqliteDatabase m_db;
};

void TestSearchQuery::initTestCase()
{
    QVERIFY(m_db.open(QStringLiteral(":memory:"), SqliteDatabase::Mode::ReadWrite));
    // The columns the conditions read (the store's messages_facts index) and the store's full-text table.
    QVERIFY(m_db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, is_read INTEGER, received INTEGER, size INTEGER, "
                      "attachments INTEGER, inlines INTEGER, message_id TEXT);"
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
    SqliteStatement facts = m_db.prepare("INSERT INTO messages VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
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
}

Ids TestSearchQuery::select(const SearchQuery &q)
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

void TestSearchQuery::parsesTerms_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("words are separate terms") << "apple banana" << QStringList { "text=apple", "text=banana" };
    QTest::newRow("tabs and line breaks separate words too")
        << "apple\tbanana\ncherry" << QStringList { "text=apple", "text=banana", "text=cherry" };
    QTest::newRow("a quoted phrase is one term without its quotes")
        << "\"hello world\"" << QStringList { "text=hello world" };
    QTest::newRow("a minus negates") << "-apple" << QStringList { "-text=apple" };
    QTest::newRow("an exclamation mark negates") << "!apple" << QStringList { "-text=apple" };
    QTest::newRow("a negated phrase") << "-\"hello world\"" << QStringList { "-text=hello world" };
    QTest::newRow("only the first minus negates") << "--apple" << QStringList { "-text=-apple" };
    QTest::newRow("from: keeps its value as written") << "from:Bob@X.test" << QStringList { "from=Bob@X.test" };
    QTest::newRow("prefixes ignore case") << "FROM:bob" << QStringList { "from=bob" };
    QTest::newRow("a field with a quoted value") << "from:\"John Doe\"" << QStringList { "from=John Doe" };
    QTest::newRow("a negated field") << "-from:bob" << QStringList { "-from=bob" };
    QTest::newRow("to:") << "to:alice" << QStringList { "to=alice" };
    QTest::newRow("cc:") << "cc:alice" << QStringList { "cc=alice" };
    QTest::newRow("bcc:") << "bcc:audit" << QStringList { "bcc=audit" };
    QTest::newRow("reply-to:") << "reply-to:help" << QStringList { "reply-to=help" };
    QTest::newRow("addressed:") << "addressed:alice" << QStringList { "addressed=alice" };
    QTest::newRow("subject:") << "subject:invoice" << QStringList { "subject=invoice" };
    QTest::newRow("message-id:") << "message-id:<a@b>" << QStringList { "message-id=<a@b>" };
    QTest::newRow("tag:") << "tag:urgent" << QStringList { "tag=urgent" };
    QTest::newRow("before: and after:") << "before:2026-01-31 after:2026-01-01"
                                        << QStringList { "before=2026-01-31", "after=2026-01-01" };
    QTest::newRow("larger: and smaller:") << "larger:10K smaller:2MB" << QStringList { "larger=10K", "smaller=2MB" };
    QTest::newRow("the flags") << "is:read is:unread is:tagged has:attachment has:inline"
                               << QStringList { "is:read", "is:unread", "is:tagged", "has:attachment", "has:inline" };
    QTest::newRow("flags ignore case") << "IS:Read HAS:Attachment" << QStringList { "is:read", "has:attachment" };
    QTest::newRow("has:attachments is has:attachment") << "has:attachments" << QStringList { "has:attachment" };
    QTest::newRow("a negated flag") << "-is:read" << QStringList { "-is:read" };
    QTest::newRow("an unknown flag is a word") << "is:starred" << QStringList { "text=is:starred" };
    QTest::newRow("a prefix with no value is a word") << "from:" << QStringList { "text=from:" };
    QTest::newRow("reply-to: is not to:") << "reply-to:x" << QStringList { "reply-to=x" };
    QTest::newRow("bcc: is not cc:") << "bcc:x" << QStringList { "bcc=x" };
    QTest::newRow("a NUL byte separates words") << (QStringLiteral("apple") + QChar(0) + QStringLiteral("banana"))
                                                << QStringList { "text=apple", "text=banana" };
    QTest::newRow("FTS5 operators are words")
        << "apple OR NEAR(banana" << QStringList { "text=apple", "text=OR", "text=NEAR(banana" };
}

void TestSearchQuery::parsesTerms()
{
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    QCOMPARE(describe(SearchQuery::parseTerms(query)), expected);
    const SearchQuery q = SearchQuery::parse(query);
    QCOMPARE(describe(q.terms()), expected);
    QVERIFY(!q.isEmpty());
}

void TestSearchQuery::textsWithoutTermsAreEmpty_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("nothing") << QString();
    QTest::newRow("spaces") << "   ";
    QTest::newRow("a lone quote") << "\"";
    QTest::newRow("empty quotes") << "\"\"";
    QTest::newRow("quoted spaces") << "\"  \"";
    QTest::newRow("a lone minus") << "-";
    QTest::newRow("a lone exclamation mark") << "!";
    QTest::newRow("a negated empty phrase") << "-\"\"";
    QTest::newRow("a NUL byte") << QString(QChar(0));
}

void TestSearchQuery::textsWithoutTermsAreEmpty()
{
    // Such a text is no search at all: as a term it would be a substring search for nothing, matching every message
    // (and DELETE /api/v1/search would delete them all).
    QFETCH(QString, query);
    const SearchQuery q = SearchQuery::parse(query);
    QVERIFY(q.isEmpty());
    QVERIFY(q.terms().isEmpty());
}

void TestSearchQuery::matchExpressions_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("match");
    QTest::newRow("a word is a quoted string") << "apple"
                                               << "\"apple\"";
    QTest::newRow("words are ANDed") << "apple banana"
                                     << "\"apple\" AND \"banana\"";
    QTest::newRow("a phrase stays one string") << "\"ripe apple\""
                                               << "\"ripe apple\"";
    QTest::newRow("subject: is a column filter") << "subject:apple"
                                                 << "{subject} : \"apple\"";
    QTest::newRow("addressed: filters to, cc and bcc") << "addressed:bob"
                                                       << "{to_text cc_text bcc_text} : \"bob\"";
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
}

void TestSearchQuery::matchExpressions()
{
    QFETCH(QString, query);
    QFETCH(QString, match);
    QCOMPARE(SearchQuery::parse(query).matchExpression(), match);
}

void TestSearchQuery::dateValuesAreTheStartOfTheDayInTheZone_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("offsetSeconds");
    QTest::addColumn<qint64>("expected");
    // 2026-01-01T00:00:00Z is 20,454 days after the epoch (56 years, 14 of them leap years): 1,767,225,600 s.
    QTest::newRow("a day in UTC") << "before:2026-01-01" << 0 << Q_INT64_C(1767225600000);
    QTest::newRow("a day one hour east of UTC starts an hour earlier")
        << "after:2026-01-01" << 3600 << Q_INT64_C(1767222000000);
    QTest::newRow("a day five hours west of UTC starts five hours later")
        << "before:2026-01-01" << -18000 << Q_INT64_C(1767243600000);
    QTest::newRow("a moment with its own offset ignores the zone")
        << "after:2026-01-01T01:00:00+01:00" << -18000 << Q_INT64_C(1767225600000);
    QTest::newRow("the last day of January") << "before:2026-01-31" << 0 << Q_INT64_C(1769817600000);
}

void TestSearchQuery::dateValuesAreTheStartOfTheDayInTheZone()
{
    QFETCH(QString, query);
    QFETCH(int, offsetSeconds);
    QFETCH(qint64, expected);
    const SearchQuery q = SearchQuery::parse(query, QTimeZone(offsetSeconds));
    QCOMPARE(q.values(), QList<QVariant> { expected });
}

void TestSearchQuery::selects_data()
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
    QTest::newRow("cc: looks at Cc only") << "cc:alice" << 0 << Ids { 2 };
    QTest::newRow("bcc: looks at Bcc only") << "bcc:audit" << 0 << Ids { 3 };
    QTest::newRow("reply-to: looks at Reply-To only") << "reply-to:accounts" << 0 << Ids { 3 };
    QTest::newRow("addressed: is To, Cc or Bcc") << "addressed:alice" << 0 << Ids { 1, 2 };
    QTest::newRow("addressed: sees Bcc") << "addressed:audit" << 0 << Ids { 3 };
    QTest::newRow("subject: looks at the subject only") << "subject:invoice" << 0 << Ids { 1, 3 };
    QTest::newRow("subject: does not see the body") << "subject:pay" << 0 << none;
    QTest::newRow("subject: with a phrase") << "subject:\"Invoice 42\"" << 0 << Ids { 1, 3 };
    QTest::newRow("message-id: in angle brackets") << "message-id:<inv42@shop.test>" << 0 << Ids { 1 };
    QTest::newRow("message-id: without brackets") << "message-id:inv42@shop.test" << 0 << Ids { 1 };
    QTest::newRow("a negated message-id:") << "-message-id:<inv42@shop.test>" << 0 << Ids { 2, 3, 4, 5 };
    // Letterbox has no tags.
    QTest::newRow("tag: matches nothing") << "tag:urgent" << 0 << none;
    QTest::newRow("a negated tag: matches everything") << "-tag:urgent" << 0 << all;
    QTest::newRow("is:tagged matches nothing") << "is:tagged" << 0 << none;
    QTest::newRow("a negated is:tagged matches everything") << "-is:tagged" << 0 << all;
    // Flags.
    QTest::newRow("is:read") << "is:read" << 0 << Ids { 1 };
    QTest::newRow("is:unread") << "is:unread" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a negated is:read is unread") << "-is:read" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a negated is:unread is read") << "!is:unread" << 0 << Ids { 1 };
    QTest::newRow("has:attachment") << "has:attachment" << 0 << Ids { 1 };
    QTest::newRow("has:inline") << "has:inline" << 0 << Ids { 2 };
    QTest::newRow("a negated has:attachment") << "-has:attachment" << 0 << Ids { 2, 3, 4, 5 };
    QTest::newRow("a word and a flag") << "invoice is:unread" << 0 << Ids { 3 };
    // Dates: the start of the day in the search's zone; before: excludes that moment, after: includes it.
    QTest::newRow("before: a day in UTC") << "before:2026-01-31" << 0 << Ids { 1, 3 };
    QTest::newRow("after: a day in UTC includes its first millisecond") << "after:2026-01-31" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("before: a day one hour east of UTC") << "before:2026-01-31" << 3600 << Ids { 1 };
    QTest::newRow("after: a day one hour east of UTC") << "after:2026-01-31" << 3600 << Ids { 2, 3, 4, 5 };
    QTest::newRow("before: a moment one millisecond after midnight")
        << "before:2026-01-31T00:00:00.001Z" << 0 << Ids { 1, 3, 5 };
    QTest::newRow("a negated before:") << "-before:2026-01-31" << 0 << Ids { 2, 4, 5 };
    QTest::newRow("before: and after: together") << "after:2026-01-30 before:2026-01-31" << 0 << Ids { 1, 3 };
    QTest::newRow("an impossible date matches nothing") << "before:2026-02-30" << 0 << none;
    QTest::newRow("a negated unreadable date matches everything") << "-after:someday" << 0 << all;
    // Sizes: K and KB are 1,024 bytes, M and MB 1,048,576; larger and smaller are strict.
    QTest::newRow("larger: excludes the size itself") << "larger:10K" << 0 << Ids { 2, 3 };
    QTest::newRow("larger: with KB") << "larger:10KB" << 0 << Ids { 2, 3 };
    QTest::newRow("larger: with a lower-case unit") << "larger:10k" << 0 << Ids { 2, 3 };
    QTest::newRow("smaller: excludes the size itself") << "smaller:10K" << 0 << Ids { 1, 5 };
    QTest::newRow("larger: in megabytes") << "larger:2MB" << 0 << Ids { 3 };
    QTest::newRow("larger: a fraction of a megabyte") << "larger:1.5M" << 0 << Ids { 3 };
    QTest::newRow("smaller: than exactly three megabytes") << "smaller:3M" << 0 << Ids { 1, 2, 4, 5 };
    QTest::newRow("larger: in bytes") << "larger:2000" << 0 << Ids { 2, 3, 4 };
    QTest::newRow("an unreadable size matches nothing") << "larger:big" << 0 << none;
    QTest::newRow("a negated unreadable size matches everything") << "-smaller:big" << 0 << all;
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
    QTest::newRow("an unbalanced parenthesis is text") << "(apple" << 0 << Ids { 2 };
}

void TestSearchQuery::selects()
{
    QFETCH(QString, query);
    QFETCH(int, offsetSeconds);
    QFETCH(Ids, expected);
    const SearchQuery q = SearchQuery::parse(query, QTimeZone(offsetSeconds));
    QVERIFY(!q.isEmpty());
    QCOMPARE(select(q), expected);
}

QTEST_APPLESS_MAIN(TestSearchQuery)
#include "tst_searchquery.moc"
