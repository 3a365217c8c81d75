#include <imap/imapparser.h>

#include <QTest>

// IMAP's tokens against RFC 3501 §9 (the formal syntax) and the examples of §6.4.4, §6.4.5 and §8.
class TestImapParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void strings_data();
    void strings();
    void sequenceSets_data();
    void sequenceSets();
    void fetchItems_data();
    void fetchItems();
    void badFetchItems_data();
    void badFetchItems();
    void flags_data();
    void flags();
    void dates_data();
    void dates();
    void searchKeys_data();
    void searchKeys();
    void badSearchKeys_data();
    void badSearchKeys();
};

void TestImapParser::strings_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("an atom") << QByteArray("shop rest") << true << QByteArray("shop");
    QTest::newRow("an atom with a bracket") << QByteArray("a]b") << true << QByteArray("a]b");
    QTest::newRow("a quoted string with escapes")
        << QByteArray(R"("a \"b\" \\c")") << true << QByteArray(R"(a "b" \c)");
    QTest::newRow("an empty quoted string") << QByteArray("\"\"") << true << QByteArray();
    QTest::newRow("a synchronizing literal") << QByteArray("{5}\r\na\r\nbc") << true << QByteArray("a\r\nbc");
    QTest::newRow("a non-synchronizing literal") << QByteArray("{3+}\r\nabc") << true << QByteArray("abc");
    QTest::newRow("a zero-length literal") << QByteArray("{0}\r\n") << true << QByteArray();
    QTest::newRow("an unterminated quoted string") << QByteArray("\"abc") << false << QByteArray();
    QTest::newRow("a bad escape") << QByteArray(R"("a\b")") << false << QByteArray();
    QTest::newRow("a literal longer than the text") << QByteArray("{9}\r\nabc") << false << QByteArray();
    QTest::newRow("a parenthesis") << QByteArray("(abc") << false << QByteArray();
    QTest::newRow("nothing") << QByteArray() << false << QByteArray();
}

void TestImapParser::strings()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, valid);
    QFETCH(QByteArray, expected);
    ImapParser parser(input);
    const std::optional<QByteArray> value = parser.astring();
    QCOMPARE(value.has_value(), valid);
    if (valid) {
        QCOMPARE(*value, expected);
    } else {
        QVERIFY(!parser.error().isEmpty());
    }
}

void TestImapParser::sequenceSets_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<quint32>("star");
    QTest::addColumn<QList<quint32>>("members"); // of 1..10; empty and invalid: no set
    QTest::newRow("one number") << QByteArray("3") << 10u << QList<quint32> { 3 };
    QTest::newRow("a range and numbers") << QByteArray("2:4,7,9") << 10u << QList<quint32> { 2, 3, 4, 7, 9 };
    // RFC 3501 §9 seq-range: "the order of the numbers does not matter".
    QTest::newRow("a range backwards") << QByteArray("4:2") << 10u << QList<quint32> { 2, 3, 4 };
    QTest::newRow("star") << QByteArray("*") << 6u << QList<quint32> { 6 };
    QTest::newRow("a range to star") << QByteArray("8:*") << 10u << QList<quint32> { 8, 9, 10 };
    // RFC 3501 §6.4.8: n:* names the last message even when n is beyond it (here 5; no higher one exists).
    QTest::newRow("a range from beyond star") << QByteArray("12:*") << 5u << QList<quint32> { 5, 6, 7, 8, 9, 10 };
    QTest::newRow("zero is no number") << QByteArray("0") << 10u << QList<quint32> {};
    QTest::newRow("a dangling comma") << QByteArray("1,") << 10u << QList<quint32> {};
    QTest::newRow("a dangling colon") << QByteArray("1:") << 10u << QList<quint32> {};
    QTest::newRow("beyond 32 bits") << QByteArray("4294967296") << 10u << QList<quint32> {};
}

void TestImapParser::sequenceSets()
{
    QFETCH(QByteArray, input);
    QFETCH(quint32, star);
    QFETCH(QList<quint32>, members);
    ImapParser parser(input);
    const std::optional<ImapSequenceSet> set = parser.sequenceSet();
    if (members.isEmpty()) {
        QVERIFY(!set || !parser.atEnd());
        return;
    }
    QVERIFY(set);
    QVERIFY(parser.atEnd());
    QList<quint32> found;
    for (quint32 value = 1; value <= 10; ++value) {
        if (set->contains(value, star)) {
            found << value;
        }
    }
    QCOMPARE(found, members);
}

namespace {
using Kind = ImapFetchItem::Kind;

// An item as text, to compare with less ceremony: kind, peek, section and partial.
QString describe(const ImapFetchItem &item)
{
    static const char *const kinds[] = { "FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE",
        "BODY", "SECTION", "RFC822", "RFC822.HEADER", "RFC822.TEXT" };
    static const char *const texts[] = { "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME" };
    QString result = QString::fromLatin1(kinds[int(item.kind)]);
    if (item.kind == Kind::BodySection) {
        QStringList path;
        for (const int part : item.section.part) {
            path << QString::number(part);
        }
        result += (item.peek ? QStringLiteral(".PEEK[") : QStringLiteral("[")) + path.join(u'.') + u'|'
            + QString::fromLatin1(texts[int(item.section.text)]);
        if (!item.section.fields.isEmpty()) {
            result += u' ' + QString::fromLatin1(item.section.fields.join(','));
        }
        result += u']';
        if (item.partial) {
            result += QStringLiteral("<%1.%2>").arg(item.partial->offset).arg(item.partial->length);
        }
    }
    return result;
}
} // namespace

void TestImapParser::fetchItems_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");
    // RFC 3501 §6.4.5: the macros.
    QTest::newRow("ALL") << QByteArray("ALL") << QStringList { "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" };
    QTest::newRow("fast, in lower case") << QByteArray("fast")
                                         << QStringList { "FLAGS", "INTERNALDATE", "RFC822.SIZE" };
    QTest::newRow("FULL") << QByteArray("FULL")
                          << QStringList { "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY" };
    QTest::newRow("one item") << QByteArray("UID") << QStringList { "UID" };
    // RFC 3501 §8's example.
    QTest::newRow("the example's list") << QByteArray("(flags body[header.fields (date from)])")
                                        << QStringList { "FLAGS", "SECTION[|HEADER.FIELDS DATE,FROM]" };
    QTest::newRow("a part's header fields with a partial") << QByteArray("BODY[1.2.HEADER.FIELDS (A B)]<0.100>")
                                                           << QStringList { "SECTION[1.2|HEADER.FIELDS A,B]<0.100>" };
    QTest::newRow("peek at everything") << QByteArray("BODY.PEEK[]") << QStringList { "SECTION.PEEK[|]" };
    QTest::newRow("a part, its MIME header, its text")
        << QByteArray("(BODY[2] BODY[2.MIME] BODY[3.TEXT] BODY.PEEK[HEADER.FIELDS.NOT (Received)])")
        << QStringList { "SECTION[2|]", "SECTION[2|MIME]", "SECTION[3|TEXT]",
               "SECTION.PEEK[|HEADER.FIELDS.NOT RECEIVED]" };
    QTest::newRow("the RFC 822 items") << QByteArray("(RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE)")
                                       << QStringList { "RFC822", "RFC822.HEADER", "RFC822.TEXT", "RFC822.SIZE" };
    QTest::newRow("BODY and BODYSTRUCTURE")
        << QByteArray("(BODY BODYSTRUCTURE ENVELOPE)") << QStringList { "BODY", "BODYSTRUCTURE", "ENVELOPE" };
}

void TestImapParser::fetchItems()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);
    ImapParser parser(input);
    const std::optional<QList<ImapFetchItem>> items = parser.fetchItems();
    QVERIFY2(items, parser.error().constData());
    QVERIFY(parser.atEnd());
    QStringList found;
    for (const ImapFetchItem &item : *items) {
        found << describe(item);
    }
    QCOMPARE(found, expected);
}

void TestImapParser::badFetchItems_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("an unknown item") << QByteArray("FOO");
    QTest::newRow("an unclosed list") << QByteArray("(FLAGS UID");
    QTest::newRow("an empty list") << QByteArray("()");
    QTest::newRow("an unclosed section") << QByteArray("BODY[1");
    QTest::newRow("an unknown section") << QByteArray("BODY[FOOTER]");
    QTest::newRow("MIME of the message") << QByteArray("BODY[MIME]");
    QTest::newRow("part zero") << QByteArray("BODY[0]");
    QTest::newRow("a dot and nothing") << QByteArray("BODY[1.]");
    QTest::newRow("fields without a list") << QByteArray("BODY[HEADER.FIELDS]");
    QTest::newRow("a partial of no length") << QByteArray("BODY[]<0.0>");
    QTest::newRow("a partial without a length") << QByteArray("BODY[]<5>");
}

void TestImapParser::badFetchItems()
{
    QFETCH(QByteArray, input);
    ImapParser parser(input);
    const std::optional<QList<ImapFetchItem>> items = parser.fetchItems();
    QVERIFY(!items || !parser.atEnd());
}

void TestImapParser::flags_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArrayList>("expected");
    QTest::newRow("a list") << QByteArray(R"((\Seen \Flagged))") << QByteArrayList { "\\Seen", "\\Flagged" };
    QTest::newRow("an empty list") << QByteArray("()") << QByteArrayList {};
    QTest::newRow("without parentheses") << QByteArray(R"(\Deleted $Junk)") << QByteArrayList { "\\Deleted", "$Junk" };
}

void TestImapParser::flags()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArrayList, expected);
    ImapParser parser(input);
    const std::optional<QByteArrayList> flags = parser.flags();
    QVERIFY(flags);
    QVERIFY(parser.atEnd());
    QCOMPARE(*flags, expected);
}

void TestImapParser::dates_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QDate>("expected");
    QTest::newRow("RFC 3501's example") << QByteArray("1-Feb-1994") << QDate(1994, 2, 1);
    QTest::newRow("quoted, two digits") << QByteArray("\"17-jul-1996\"") << QDate(1996, 7, 17);
    QTest::newRow("no such day") << QByteArray("31-Feb-2020") << QDate();
    QTest::newRow("no such month") << QByteArray("1-Foo-2020") << QDate();
    QTest::newRow("a two-digit year") << QByteArray("1-Jan-20") << QDate();
    QTest::newRow("an unclosed quote") << QByteArray("\"1-Jan-2020") << QDate();
}

void TestImapParser::dates()
{
    QFETCH(QByteArray, input);
    QFETCH(QDate, expected);
    ImapParser parser(input);
    const std::optional<QDate> date = parser.date();
    QCOMPARE(date.value_or(QDate()), expected);
}

namespace {
QString describe(const ImapSearchKey &key)
{
    using K = ImapSearchKey::Kind;
    static const char *const names[] = { "ALL", "NONE", "SEEN", "UNSEEN", "FLAGGED", "UNFLAGGED", "DELETED",
        "UNDELETED", "FROM", "TO", "CC", "SUBJECT", "BODY", "TEXT", "SINCE", "BEFORE", "ON", "LARGER", "SMALLER", "UID",
        "SEQ", "NOT", "OR", "AND" };
    QString result = QString::fromLatin1(names[int(key.kind)]);
    switch (key.kind) {
    case K::From:
    case K::To:
    case K::Cc:
    case K::Subject:
    case K::Body:
    case K::Text:
        result += u' ' + key.text;
        break;
    case K::Since:
    case K::Before:
    case K::On:
        result += u' ' + key.date.toString(Qt::ISODate);
        break;
    case K::Larger:
    case K::Smaller:
        result += u' ' + QString::number(key.size);
        break;
    case K::Uid:
    case K::Sequence:
        for (const ImapSequenceSet::Range &range : key.set.ranges) {
            result += QStringLiteral(" %1:%2").arg(range.first).arg(range.last);
        }
        break;
    default:
        break;
    }
    if (!key.children.empty()) {
        QStringList children;
        for (const ImapSearchKey &child : key.children) {
            children << describe(child);
        }
        result += u'(' + children.join(QStringLiteral(", ")) + u')';
    }
    return result;
}
} // namespace

void TestImapParser::searchKeys_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");
    // RFC 3501 §6.4.4's examples.
    QTest::newRow("flagged since from") << QByteArray("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"")
                                        << "AND(FLAGGED, SINCE 1994-02-01, NOT(FROM Smith))";
    QTest::newRow("text with a literal") << QByteArray("TEXT {6}\r\nstring NOT SEEN") << "AND(TEXT string, NOT(SEEN))";
    QTest::newRow("or, parentheses, sets") << QByteArray("OR (UNSEEN 1:3) UID 5,7:* larger 100")
                                           << "AND(OR(AND(UNSEEN, SEQ 1:3), UID 5:5 7:0), LARGER 100)";
    // Flags the store does not have.
    QTest::newRow("no answered, no drafts, nothing recent")
        << QByteArray("ANSWERED UNANSWERED DRAFT UNDRAFT RECENT NEW OLD KEYWORD $x UNKEYWORD $y BCC b")
        << "AND(NONE, ALL, NONE, ALL, NONE, NONE, ALL, NONE, ALL, NONE)";
    QTest::newRow("header fields") << QByteArray("HEADER Subject hi HEADER X-Mailer y") << "AND(SUBJECT hi, NONE)";
    QTest::newRow("sent dates as internal dates") << QByteArray("SENTBEFORE 2-Jan-2020 SENTON 1-Jan-2020 ON 3-Mar-2021")
                                                  << "AND(BEFORE 2020-01-02, ON 2020-01-01, ON 2021-03-03)";
    QTest::newRow("the other fields") << QByteArray("TO a CC b SUBJECT \"c d\" BODY e SMALLER 5 DELETED UNDELETED")
                                      << "AND(TO a, CC b, SUBJECT c d, BODY e, SMALLER 5, DELETED, UNDELETED)";
}

void TestImapParser::searchKeys()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    ImapParser parser(input);
    const std::optional<ImapSearchKey> key = parser.searchKeys();
    QVERIFY2(key, parser.error().constData());
    QCOMPARE(describe(*key), expected);
}

void TestImapParser::badSearchKeys_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("nothing") << QByteArray();
    QTest::newRow("an unknown key") << QByteArray("SHINY");
    QTest::newRow("FROM without a string") << QByteArray("FROM");
    QTest::newRow("OR with one key") << QByteArray("OR SEEN");
    QTest::newRow("an unclosed group") << QByteArray("(SEEN");
    QTest::newRow("a bad date") << QByteArray("SINCE 1994-02-01");
    QTest::newRow("two spaces") << QByteArray("SEEN  UNSEEN");
    QTest::newRow("nested too deeply") << QByteArray(40, '(') + "ALL" + QByteArray(40, ')');
    QTest::newRow("NOT too deeply") << QByteArray("NOT ").repeated(100) + "ALL";
}

void TestImapParser::badSearchKeys()
{
    QFETCH(QByteArray, input);
    ImapParser parser(input);
    QVERIFY(!parser.searchKeys());
    QVERIFY(!parser.error().isEmpty());
}

QTEST_APPLESS_MAIN(TestImapParser)
#include "tst_imapparser.moc"
