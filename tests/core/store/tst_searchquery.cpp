// SearchQuery: Mailpit's search syntax (docs/architecture.md, "Search") parsed into a backend-neutral syntax tree.
// Expected trees are written by hand from the syntax as Mailpit's search reads it: a term is "[-]field=value",
// dates as UTC instants, sizes in bytes (K = 1,024 bytes, M = 1,048,576).
#include <store/searchquery.h>

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
    case SearchQuery::Field::Mailbox:
        return QStringLiteral("mailbox");
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

// A term as "[-]field=value" ("-from=bob", "before=2026-01-31T00:00:00.000Z", "larger=10240"; flags without "=").
QString describe(const SearchQuery::Term &t)
{
    QString s = (t.negated ? QStringLiteral("-") : QString()) + fieldName(t.field);
    if (std::holds_alternative<QString>(t.value)) {
        s += QLatin1Char('=') + t.text();
    } else if (std::holds_alternative<QDateTime>(t.value)) {
        s += QLatin1Char('=') + t.instant().toString(Qt::ISODateWithMs);
    } else if (std::holds_alternative<qint64>(t.value)) {
        s += QLatin1Char('=') + QString::number(t.bytes());
    }
    return s;
}

QStringList describe(const QList<SearchQuery::Term> &terms)
{
    QStringList out;
    for (const SearchQuery::Term &t : terms) {
        out << describe(t);
    }
    return out;
}
} // namespace

class TestSearchQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTerms_data();
    void parsesTerms();
    void textsWithoutTermsAreEmpty_data();
    void textsWithoutTermsAreEmpty();
    void termsAreValues();
};

void TestSearchQuery::parsesTerms_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("offsetSeconds"); // the zone of the search, east of UTC
    QTest::addColumn<QStringList>("expected");
    // Words and phrases.
    QTest::newRow("words are separate terms") << "apple banana" << 0 << QStringList { "text=apple", "text=banana" };
    QTest::newRow("tabs and line breaks separate words too")
        << "apple\tbanana\ncherry" << 0 << QStringList { "text=apple", "text=banana", "text=cherry" };
    QTest::newRow("a quoted phrase is one term without its quotes")
        << "\"hello world\"" << 0 << QStringList { "text=hello world" };
    QTest::newRow("spaces at the ends of a phrase are dropped")
        << "\"  hello world \"" << 0 << QStringList { "text=hello world" };
    QTest::newRow("a NUL byte separates words") << (QStringLiteral("apple") + QChar(0) + QStringLiteral("banana")) << 0
                                                << QStringList { "text=apple", "text=banana" };
    QTest::newRow("FTS5 operators are words")
        << "apple OR NEAR(banana" << 0 << QStringList { "text=apple", "text=OR", "text=NEAR(banana" };
    // Mailpit removes < > " , ; ( ) from a term; the index holds the text as written, so only those at the ends go.
    QTest::newRow("angle brackets around an address are no part of it")
        << "<alice@example.test>" << 0 << QStringList { "text=alice@example.test" };
    QTest::newRow("punctuation around a word is no part of it")
        << "(urgent), invoice;" << 0 << QStringList { "text=urgent", "text=invoice" };
    QTest::newRow("punctuation inside a word stays") << "NEAR(apple" << 0 << QStringList { "text=NEAR(apple" };
    QTest::newRow("a word of punctuation only is no term")
        << "apple <> , ; () \"<>\"" << 0 << QStringList { "text=apple" };
    // Negation.
    QTest::newRow("a minus negates") << "-apple" << 0 << QStringList { "-text=apple" };
    QTest::newRow("an exclamation mark negates") << "!apple" << 0 << QStringList { "-text=apple" };
    QTest::newRow("a negated phrase") << "-\"hello world\"" << 0 << QStringList { "-text=hello world" };
    QTest::newRow("a minus inside quotes negates too") << "\"-apple\"" << 0 << QStringList { "-text=apple" };
    QTest::newRow("only the first minus negates") << "--apple" << 0 << QStringList { "-text=-apple" };
    QTest::newRow("a lone minus is no term") << "apple - !" << 0 << QStringList { "text=apple" };
    // Fields.
    QTest::newRow("from: keeps its value as written") << "from:Bob@X.test" << 0 << QStringList { "from=Bob@X.test" };
    QTest::newRow("prefixes ignore case") << "FROM:bob" << 0 << QStringList { "from=bob" };
    QTest::newRow("a field with a quoted value") << "from:\"John Doe\"" << 0 << QStringList { "from=John Doe" };
    QTest::newRow("a negated field") << "-from:bob" << 0 << QStringList { "-from=bob" };
    QTest::newRow("to:") << "to:alice" << 0 << QStringList { "to=alice" };
    QTest::newRow("to: without the angle brackets of an address")
        << "to:<alice@example.test>" << 0 << QStringList { "to=alice@example.test" };
    QTest::newRow("cc:") << "cc:alice" << 0 << QStringList { "cc=alice" };
    QTest::newRow("bcc:") << "bcc:audit" << 0 << QStringList { "bcc=audit" };
    QTest::newRow("reply-to:") << "reply-to:help" << 0 << QStringList { "reply-to=help" };
    QTest::newRow("addressed:") << "addressed:alice" << 0 << QStringList { "addressed=alice" };
    QTest::newRow("subject:") << "subject:invoice" << 0 << QStringList { "subject=invoice" };
    QTest::newRow("subject: is taken as written, punctuation and all")
        << "subject:(urgent)" << 0 << QStringList { "subject=(urgent)" };
    QTest::newRow("message-id: without its angle brackets")
        << "message-id:<a@b.test>" << 0 << QStringList { "message-id=a@b.test" };
    QTest::newRow("tag:") << "tag:urgent" << 0 << QStringList { "tag=urgent" };
    QTest::newRow("mailbox: takes a whole name") << "mailbox:shop" << 0 << QStringList { "mailbox=shop" };
    QTest::newRow("-mailbox: negates it") << "-mailbox:Shop" << 0 << QStringList { "-mailbox=Shop" };
    QTest::newRow("reply-to: is not to:") << "reply-to:x" << 0 << QStringList { "reply-to=x" };
    QTest::newRow("bcc: is not cc:") << "bcc:x" << 0 << QStringList { "bcc=x" };
    QTest::newRow("a field with no value is no term") << "from: apple" << 0 << QStringList { "text=apple" };
    QTest::newRow("a field with only angle brackets is no term") << "to:<> apple" << 0 << QStringList { "text=apple" };
    QTest::newRow("subject: with no value is no term") << "subject: apple" << 0 << QStringList { "text=apple" };
    // Flags.
    QTest::newRow("the flags") << "is:read is:unread is:tagged has:attachment has:inline" << 0
                               << QStringList { "is:read", "is:unread", "is:tagged", "has:attachment", "has:inline" };
    QTest::newRow("flags ignore case") << "IS:Read HAS:Attachment" << 0 << QStringList { "is:read", "has:attachment" };
    QTest::newRow("has:attachments is has:attachment") << "has:attachments" << 0 << QStringList { "has:attachment" };
    QTest::newRow("has:inlines is has:inline") << "has:inlines" << 0 << QStringList { "has:inline" };
    QTest::newRow("a negated flag") << "-is:read" << 0 << QStringList { "-is:read" };
    QTest::newRow("an unknown flag is a word") << "is:starred" << 0 << QStringList { "text=is:starred" };
    // Dates: the first moment of the day in the search's zone, as a UTC instant. 2026-01-01T00:00:00Z is 20,454
    // days after the epoch.
    QTest::newRow("before: a day in UTC")
        << "before:2026-01-31" << 0 << QStringList { "before=2026-01-31T00:00:00.000Z" };
    QTest::newRow("after: a day one hour east of UTC starts an hour earlier")
        << "after:2026-01-01" << 3600 << QStringList { "after=2025-12-31T23:00:00.000Z" };
    QTest::newRow("before: a day five hours west of UTC starts five hours later")
        << "before:2026-01-01" << -18000 << QStringList { "before=2026-01-01T05:00:00.000Z" };
    QTest::newRow("a moment with its own offset ignores the zone")
        << "after:2026-01-01T01:00:00+01:00" << -18000 << QStringList { "after=2026-01-01T00:00:00.000Z" };
    QTest::newRow("a moment to the millisecond")
        << "before:2026-01-31T00:00:00.001Z" << 0 << QStringList { "before=2026-01-31T00:00:00.001Z" };
    QTest::newRow("a moment without an offset is in the zone")
        << "before:2026-01-31T12:00:00" << 3600 << QStringList { "before=2026-01-31T11:00:00.000Z" };
    QTest::newRow("a slashed date is month first")
        << "before:01/02/2026" << 0 << QStringList { "before=2026-01-02T00:00:00.000Z" };
    QTest::newRow("a date year first with slashes")
        << "before:2026/01/31" << 0 << QStringList { "before=2026-01-31T00:00:00.000Z" };
    QTest::newRow("a date with the month's name")
        << "after:\"31 Jan 2026\" before:\"1 February 2026\"" << 0
        << QStringList { "after=2026-01-31T00:00:00.000Z", "before=2026-02-01T00:00:00.000Z" };
    QTest::newRow("a negated before: is after: the same moment")
        << "-before:2026-01-31" << 0 << QStringList { "after=2026-01-31T00:00:00.000Z" };
    QTest::newRow("a negated after: is before: the same moment")
        << "!after:2026-01-31" << 0 << QStringList { "before=2026-01-31T00:00:00.000Z" };
    QTest::newRow("an impossible date is an invalid instant") << "before:2026-02-30" << 0 << QStringList { "before=" };
    QTest::newRow("a negated unreadable date stays negated") << "-after:someday" << 0 << QStringList { "-after=" };
    QTest::newRow("before: with no date is no term") << "apple before:" << 0 << QStringList { "text=apple" };
    QTest::newRow("a day first date with a thirteenth month is unreadable")
        << "before:31/01/2026" << 0 << QStringList { "before=" };
    // Sizes: K and KB are 1,024 bytes, M and MB 1,048,576, in any case; decimals are truncated to whole bytes.
    QTest::newRow("larger: in kilobytes")
        << "larger:10K larger:10kb larger:10Kb" << 0 << QStringList { "larger=10240", "larger=10240", "larger=10240" };
    QTest::newRow("smaller: in megabytes")
        << "smaller:2MB smaller:2m" << 0 << QStringList { "smaller=2097152", "smaller=2097152" };
    QTest::newRow("a fraction of a megabyte") << "larger:1.5M" << 0 << QStringList { "larger=1572864" };
    QTest::newRow("a fraction of a kilobyte is truncated") << "larger:1.0005k" << 0 << QStringList { "larger=1024" };
    QTest::newRow("bytes") << "larger:2000" << 0 << QStringList { "larger=2000" };
    QTest::newRow("a space before the unit") << "larger:\"10 KB\"" << 0 << QStringList { "larger=10240" };
    QTest::newRow("a negated larger: is smaller:") << "-larger:10K" << 0 << QStringList { "smaller=10240" };
    QTest::newRow("a negated smaller: is larger:") << "!smaller:10K" << 0 << QStringList { "larger=10240" };
    QTest::newRow("an enormous size is the largest")
        << "smaller:99999999999999999999M" << 0 << QStringList { "smaller=9223372036854775807" };
    QTest::newRow("gigabytes are no size but a word") << "larger:1GB" << 0 << QStringList { "text=larger:1GB" };
    QTest::newRow("an unreadable size is a word") << "larger:big" << 0 << QStringList { "text=larger:big" };
    QTest::newRow("a size of no bytes is a word") << "smaller:0.5" << 0 << QStringList { "text=smaller:0.5" };
    QTest::newRow("a size without a leading digit is a word") << "larger:.5M" << 0 << QStringList { "text=larger:.5M" };
    QTest::newRow("a negative size is a word") << "larger:-5" << 0 << QStringList { "text=larger:-5" };
    QTest::newRow("a negated unreadable size is a negated word")
        << "-smaller:big" << 0 << QStringList { "-text=smaller:big" };
    QTest::newRow("larger: with no size is a word") << "larger:" << 0 << QStringList { "text=larger:" };
}

void TestSearchQuery::parsesTerms()
{
    QFETCH(QString, query);
    QFETCH(int, offsetSeconds);
    QFETCH(QStringList, expected);
    const QTimeZone zone(offsetSeconds);
    QCOMPARE(describe(SearchQuery::parseTerms(query, zone)), expected);
    const SearchQuery q = SearchQuery::parse(query, zone);
    QCOMPARE(describe(q.terms()), expected);
    QVERIFY(!q.isEmpty());
    for (const SearchQuery::Term &t : q.terms()) {
        if (t.instant().isValid()) {
            QCOMPARE(t.instant().timeSpec(), Qt::UTC);
        }
    }
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
    QTest::newRow("punctuation Mailpit removes") << "<> , ; ( )";
    QTest::newRow("a negated word of punctuation") << "-<>";
    QTest::newRow("a field with no value") << "from:";
    QTest::newRow("a negated field with no value") << "-to:";
    QTest::newRow("a date left out") << "before:";
}

void TestSearchQuery::textsWithoutTermsAreEmpty()
{
    // Such a text is no search at all: as a term it would be a substring search for nothing, matching every message
    // (and DELETE /api/v1/search would delete them all).
    QFETCH(QString, query);
    const SearchQuery q = SearchQuery::parse(query);
    QVERIFY(q.isEmpty());
    QVERIFY(q.terms().isEmpty());
    QVERIFY(SearchQuery::parseTerms(query).isEmpty());
}

void TestSearchQuery::termsAreValues()
{
    // A backend reads the typed value of a term; the accessors of the other kinds give nothing.
    const QList<SearchQuery::Term> terms
        = SearchQuery::parseTerms(QStringLiteral("-from:bob after:1970-01-02 larger:1K is:read"));
    QCOMPARE(terms.size(), 4);
    QCOMPARE(terms.at(0), (SearchQuery::Term { SearchQuery::Field::From, QStringLiteral("bob"), true }));
    QCOMPARE(terms.at(1).instant(), QDateTime::fromMSecsSinceEpoch(86400000, QTimeZone::utc()));
    QCOMPARE(terms.at(1).text(), QString());
    QCOMPARE(terms.at(2).bytes(), qint64(1024));
    QVERIFY(!terms.at(2).instant().isValid());
    QCOMPARE(terms.at(3), (SearchQuery::Term { SearchQuery::Field::IsRead, {}, false }));
    QCOMPARE(terms.at(3).bytes(), qint64(0));
}

QTEST_APPLESS_MAIN(TestSearchQuery)
#include "tst_searchquery.moc"
