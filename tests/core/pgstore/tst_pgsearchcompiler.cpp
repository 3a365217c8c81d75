// PgSearchCompiler against a real PostgreSQL (tests/interop/pgserver.py): a SearchQuery's tree compiled to one
// condition on "messages m" and its parameters, and what it selects from migrated databases holding the messages of
// searchcompilercases.h, the selections every store's compiler must make (tst_sqlitesearchcompiler makes them on
// SQLite). The rows are inserted as the PostgreSQL indexer leaves them: message_search's texts lower-cased with
// QString::toLower() (migration 0002). Every selection runs in two databases, one in the C locale and one in
// C.UTF-8, whose lower() and ILIKE fold non-ASCII letters: the results must not depend on the database's locale.
// Expected SQL is written by hand from PostgreSQL's documentation (LIKE … ESCAPE, IN and EXISTS subqueries).
#include "../store/searchcompilercases.h"
#include "pgtestserver.h"

#include <pgstore/pgconnection.h>
#include <pgstore/pgmigrations.h>
#include <pgstore/pgparameter.h>
#include <pgstore/pgsearchcompiler.h>
#include <store/searchquery.h>

#include <QTest>
#include <QtEndian>

namespace {
using SearchCompilerCases::Ids;
// Parameters as values: text as a QString, bigint as a qint64.
using Values = QList<QVariant>;

constexpr quint32 Int8Oid = 20;

Values values(const QList<PgParameter> &parameters)
{
    Values out;
    for (const PgParameter &p : parameters) {
        if (p.type() == Int8Oid && p.isBinary()) {
            out << QVariant(qFromBigEndian<qint64>(p.value().constData()));
        } else if (p.type() == 0 && !p.isBinary()) {
            out << QVariant(QString::fromUtf8(p.value()));
        } else {
            out << QVariant(QStringLiteral("unexpected parameter of type %1").arg(p.type()));
        }
    }
    return out;
}

SearchQuery::Term term(SearchQuery::Field field, const QString &text, bool negated = false)
{
    SearchQuery::Term t;
    t.field = field;
    t.value = text;
    t.negated = negated;
    return t;
}
} // namespace

class TestPgSearchCompiler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void conditions_data();
    void conditions();
    void parametersStartWhereTheCallerSays();
    void aTermWithANulSelectsNothing();
    void selects_data();
    void selects();
    void termsUseTheIndexes_data();
    void termsUseTheIndexes();

private:
    bool makeDatabase(const QString &name, const QByteArray &options);
    // Migrates the database and inserts the messages of searchcompilercases.h.
    void fill(PgConnection &db);
    // The ids, ascending, of the messages the condition selects in db; {-1} on an SQL error.
    Ids select(PgConnection &db, const PgSearchCompiler &q);

    // The C locale (initdb's) and C.UTF-8.
    PgConnection m_c;
    PgConnection m_utf8;
    // The C locale and 5,000 more messages, for the plans.
    PgConnection m_plans;
};

void TestPgSearchCompiler::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QVERIFY(makeDatabase(QStringLiteral("search_c"), QByteArray()));
    QVERIFY(makeDatabase(QStringLiteral("search_utf8"), "TEMPLATE template0 LOCALE 'C.utf8'"));
    QVERIFY(makeDatabase(QStringLiteral("search_plans"), QByteArray()));
    QVERIFY2(
        m_plans.open(PgTestServer::databaseUrl(QStringLiteral("search_plans"))), qPrintable(m_plans.errorString()));
    QVERIFY2(m_c.open(PgTestServer::databaseUrl(QStringLiteral("search_c"))), qPrintable(m_c.errorString()));
    QVERIFY2(m_utf8.open(PgTestServer::databaseUrl(QStringLiteral("search_utf8"))), qPrintable(m_utf8.errorString()));
    // The locales are the ones this test means to compare: lower() folds É in one and not in the other.
    QCOMPARE(m_c.exec("SELECT lower('É')").text(0, 0), QStringLiteral("É"));
    QCOMPARE(m_utf8.exec("SELECT lower('É')").text(0, 0), QStringLiteral("é"));
    for (PgConnection *db : { &m_c, &m_utf8, &m_plans }) {
        fill(*db);
        if (QTest::currentTestFailed()) {
            return;
        }
    }
    // Enough other messages that the planner prefers an index to reading the tables through when it can use one.
    const PgResult fillers = m_plans.exec(
        "INSERT INTO messages (id, uid, received, mail_from, rcpt_to, client_address, client_port, helo, auth_user, "
        "tls, from_header, to_header, cc_header, subject, date, message_id, size, has_attachments, session_id, "
        "chunk_id) SELECT n, 'F' || n, 0, '', '[]', '', 0, '', '', false, '', '', '', '', 0, md5(n::text), 100, "
        "false, 1, 1 FROM generate_series(100, 5099) n;"
        "INSERT INTO message_search SELECT n, 'subject ' || md5(n::text), md5(n::text) || '@from.test', "
        "md5(n::text) || '@to.test', '', '', '', 'body ' || md5(n::text) FROM generate_series(100, 5099) n;"
        "ANALYZE");
    QVERIFY2(fillers.isOk(), qPrintable(fillers.errorString()));
}

void TestPgSearchCompiler::fill(PgConnection &db)
{
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const QList<SearchCompilerCases::Message> messages = SearchCompilerCases::messages();
    for (const SearchCompilerCases::Message &m : messages) {
        const PgParameter mailbox = PgParameter::text(QString::fromUtf8(m.mailbox));
        const PgResult made = db.exec("INSERT INTO mailboxes (name) VALUES ($1) ON CONFLICT DO NOTHING", { mailbox });
        QVERIFY2(made.isOk(), qPrintable(made.errorString()));
        const PgResult message = db.exec(
            "INSERT INTO messages (id, uid, received, mail_from, rcpt_to, client_address, client_port, helo, "
            "auth_user, tls, from_header, to_header, cc_header, subject, date, message_id, size, has_attachments, "
            "is_read, mailbox_id, session_id, chunk_id, attachments, inlines, parsed, indexed) VALUES ($1, $2, $3, "
            "'a@example.test', '[]', '127.0.0.1', 40000, 'client.test', '', false, '', '', '', '', $3, $4, $5, "
            "$6 > 0, $7, (SELECT id FROM mailboxes WHERE name = $8), 1, 1, $6, $9, true, true)",
            { PgParameter::int64(m.id), PgParameter::text(QStringLiteral("M%1").arg(m.id)),
                PgParameter::int64(SearchCompilerCases::utcMs(m.received)),
                PgParameter::text(QString::fromUtf8(m.messageId)), PgParameter::int64(m.size),
                PgParameter::int64(m.attachments), PgParameter::boolean(m.read), mailbox,
                PgParameter::int64(m.inlines) });
        QVERIFY2(message.isOk(), qPrintable(message.errorString()));
        QList<PgParameter> texts { PgParameter::int64(m.id) };
        for (const char *column : { m.subject, m.from, m.to, m.cc, m.bcc, m.replyTo, m.body }) {
            texts << PgParameter::text(QString::fromUtf8(column).toLower());
        }
        const PgResult indexed = db.exec("INSERT INTO message_search (id, subject, from_text, to_text, cc_text, "
                                         "bcc_text, reply_to_text, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            texts);
        QVERIFY2(indexed.isOk(), qPrintable(indexed.errorString()));
        for (const char *name : m.tags) {
            const PgParameter tag = PgParameter::text(QString::fromUtf8(name));
            const PgResult t = db.exec("INSERT INTO tags (name) VALUES ($1) ON CONFLICT DO NOTHING", { tag });
            QVERIFY2(t.isOk(), qPrintable(t.errorString()));
            const PgResult mt
                = db.exec("INSERT INTO message_tags (message_id, tag_id) SELECT $1, id FROM tags WHERE name = $2",
                    { PgParameter::int64(m.id), tag });
            QVERIFY2(mt.isOk() && mt.affectedRows() == 1, qPrintable(mt.errorString()));
        }
    }
    QVERIFY(db.exec("ANALYZE").isOk());
}

bool TestPgSearchCompiler::makeDatabase(const QString &name, const QByteArray &options)
{
    PgConnection admin;
    if (!admin.open(PgTestServer::url())) {
        qWarning("%s", qPrintable(admin.errorString()));
        return false;
    }
    const QByteArray quoted = '"' + name.toUtf8() + '"';
    if (!admin.exec("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)").isOk()
        || !admin.exec("CREATE DATABASE " + quoted + ' ' + options).isOk()) {
        qWarning("%s", qPrintable(admin.errorString()));
        return false;
    }
    return true;
}

Ids TestPgSearchCompiler::select(PgConnection &db, const PgSearchCompiler &q)
{
    const QByteArray sql = "SELECT m.id FROM messages m WHERE " + q.condition().toUtf8() + " ORDER BY m.id";
    const PgResult result = db.exec(sql, q.parameters());
    if (!result.isOk()) {
        qWarning("%s: %s", sql.constData(), qPrintable(result.errorString()));
        return { -1 };
    }
    Ids ids;
    for (int row = 0; row < result.rows(); ++row) {
        ids << result.int64(row, 0);
    }
    return ids;
}

void TestPgSearchCompiler::conditions_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("condition");
    QTest::addColumn<Values>("values");
    const auto text = [](const QString &columns) {
        return QStringLiteral("m.id IN (SELECT s.id FROM message_search s WHERE %1)").arg(columns);
    };
    const QString allColumns = QStringLiteral(
        "s.subject LIKE $1 ESCAPE '\\' OR s.from_text LIKE $1 ESCAPE '\\' OR s.to_text LIKE $1 ESCAPE '\\' OR "
        "s.cc_text LIKE $1 ESCAPE '\\' OR s.bcc_text LIKE $1 ESCAPE '\\' OR s.reply_to_text LIKE $1 ESCAPE '\\' OR "
        "s.body LIKE $1 ESCAPE '\\'");
    // 2026-01-01T00:00:00Z is 20,454 days after the epoch (56 years, 14 of them leap years): 1,767,225,600 s.
    const qint64 newYear = Q_INT64_C(1767225600000);
    QTest::newRow("nothing") << QString() << "true" << Values {};
    QTest::newRow("a word is a LIKE over every text, one parameter for all")
        << "apple" << text(allColumns) << Values { QStringLiteral("%apple%") };
    QTest::newRow("a short word is the same LIKE") << "ab" << text(allColumns) << Values { QStringLiteral("%ab%") };
    QTest::newRow("a word is lower-cased, also beyond ASCII")
        << QStringLiteral("ÉCOLE") << text(allColumns) << Values { QStringLiteral("%école%") };
    QTest::newRow("LIKE's wildcards and escape are escaped")
        << "a_%\\b" << text(allColumns) << Values { QStringLiteral("%a\\_\\%\\\\b%") };
    QTest::newRow("a negated word is an anti-join")
        << "-apple"
        << "NOT EXISTS (SELECT 1 FROM message_search s WHERE s.id = m.id AND (" + allColumns + "))"
        << Values { QStringLiteral("%apple%") };
    QTest::newRow("from: is a LIKE over its column")
        << "from:Bob" << text(QStringLiteral("s.from_text LIKE $1 ESCAPE '\\'")) << Values { QStringLiteral("%bob%") };
    QTest::newRow("addressed: is a LIKE over the address columns")
        << "addressed:bob"
        << text(QStringLiteral("s.from_text LIKE $1 ESCAPE '\\' OR s.to_text LIKE $1 ESCAPE '\\' OR s.cc_text LIKE $1 "
                               "ESCAPE '\\' OR s.bcc_text LIKE $1 ESCAPE '\\' OR s.reply_to_text LIKE $1 ESCAPE '\\'"))
        << Values { QStringLiteral("%bob%") };
    QTest::newRow("message-id: folds ASCII only, as SQLite's LIKE")
        << QStringLiteral("message-id:<A_b%É@x.test>") << "(lower(m.message_id COLLATE \"C\") LIKE $1 ESCAPE '\\')"
        << Values { QStringLiteral("%a\\_b\\%É@x.test%") };
    QTest::newRow("a negated message-id:")
        << "-message-id:abc"
        << "NOT (lower(m.message_id COLLATE \"C\") LIKE $1 ESCAPE '\\')" << Values { QStringLiteral("%abc%") };
    QTest::newRow("tag: is the tags_name index's expression")
        << QStringLiteral("tag:ÄrgeR")
        << "m.id IN (SELECT mt.message_id FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE lower(t.name "
           "COLLATE \"C\") = $1)"
        << Values { QStringLiteral("Ärger") };
    QTest::newRow("a negated tag: is an anti-join")
        << "-tag:x"
        << "NOT EXISTS (SELECT 1 FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.message_id = m.id AND "
           "(lower(t.name COLLATE \"C\") = $1))"
        << Values { QStringLiteral("x") };
    QTest::newRow("is:tagged") << "is:tagged"
                               << "EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message_id = m.id)" << Values {};
    QTest::newRow("a negated is:tagged") << "-is:tagged"
                                         << "NOT EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message_id = m.id)"
                                         << Values {};
    QTest::newRow("mailbox: is the mailboxes_name index's expression")
        << "mailbox:Shop"
        << "m.mailbox_id IN (SELECT mb.id FROM mailboxes mb WHERE lower(mb.name COLLATE \"C\") = $1)"
        << Values { QStringLiteral("shop") };
    QTest::newRow("a negated mailbox: is NOT IN, true for an unknown name")
        << "-mailbox:shop"
        << "m.mailbox_id NOT IN (SELECT mb.id FROM mailboxes mb WHERE lower(mb.name COLLATE \"C\") = $1)"
        << Values { QStringLiteral("shop") };
    QTest::newRow("is:read") << "is:read"
                             << "m.is_read" << Values {};
    QTest::newRow("a negated is:read") << "-is:read"
                                       << "NOT m.is_read" << Values {};
    QTest::newRow("is:unread") << "is:unread"
                               << "NOT m.is_read" << Values {};
    QTest::newRow("a negated is:unread") << "-is:unread"
                                         << "m.is_read" << Values {};
    QTest::newRow("has:attachment") << "has:attachment"
                                    << "(m.attachments > 0)" << Values {};
    QTest::newRow("a negated has:inline") << "-has:inline"
                                          << "NOT (m.inlines > 0)" << Values {};
    QTest::newRow("before: includes its moment") << "before:2026-01-01"
                                                 << "(m.received <= $1)" << Values { newYear };
    QTest::newRow("after: includes its moment") << "after:2026-01-01"
                                                << "(m.received >= $1)" << Values { newYear };
    QTest::newRow("a negated before: is after:") << "-before:2026-01-01"
                                                 << "(m.received >= $1)" << Values { newYear };
    QTest::newRow("an unreadable date selects nothing") << "before:someday"
                                                        << "false" << Values {};
    QTest::newRow("a negated unreadable date selects everything") << "-after:someday"
                                                                  << "true" << Values {};
    QTest::newRow("larger: is strict") << "larger:10K"
                                       << "(m.size > $1)" << Values { Q_INT64_C(10240) };
    QTest::newRow("smaller: is strict") << "smaller:1M"
                                        << "(m.size < $1)" << Values { Q_INT64_C(1048576) };
    QTest::newRow("conditions are ANDed in order, parameters numbered in order")
        << "is:unread larger:1K to:b -tag:t"
        << "NOT m.is_read AND (m.size > $1) AND m.id IN (SELECT s.id FROM message_search s WHERE s.to_text LIKE $2 "
           "ESCAPE '\\') AND NOT EXISTS (SELECT 1 FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE "
           "mt.message_id = m.id AND (lower(t.name COLLATE \"C\") = $3))"
        << Values { Q_INT64_C(1024), QStringLiteral("%b%"), QStringLiteral("t") };
}

void TestPgSearchCompiler::conditions()
{
    QFETCH(QString, query);
    QFETCH(QString, condition);
    QFETCH(Values, values);
    const PgSearchCompiler q(SearchQuery::parse(query));
    QCOMPARE(q.condition(), condition);
    QCOMPARE(::values(q.parameters()), values);
    // And the server takes it.
    QVERIFY(select(m_c, q) != Ids { -1 });
}

void TestPgSearchCompiler::parametersStartWhereTheCallerSays()
{
    // A store puts the search inside a statement with parameters of its own before it ($1 and $2 here).
    const PgSearchCompiler q(SearchQuery::parse(QStringLiteral("invoice larger:1K")), 3);
    QCOMPARE(q.condition(),
        QStringLiteral("m.id IN (SELECT s.id FROM message_search s WHERE s.subject LIKE $3 ESCAPE '\\' OR s.from_text "
                       "LIKE $3 ESCAPE '\\' OR s.to_text LIKE $3 ESCAPE '\\' OR s.cc_text LIKE $3 ESCAPE '\\' OR "
                       "s.bcc_text LIKE $3 ESCAPE '\\' OR s.reply_to_text LIKE $3 ESCAPE '\\' OR s.body LIKE $3 ESCAPE "
                       "'\\') AND (m.size > $4)"));
    QList<PgParameter> parameters { PgParameter::int64(1), PgParameter::text(QStringLiteral("Inbox")) };
    parameters << q.parameters();
    const PgResult result = m_c.exec("SELECT m.id FROM messages m WHERE m.id > $1 AND m.mailbox_id = (SELECT id FROM "
                                     "mailboxes WHERE name = $2) AND "
            + q.condition().toUtf8() + " ORDER BY m.id",
        parameters);
    QVERIFY2(result.isOk(), qPrintable(result.errorString()));
    QCOMPARE(result.rows(), 1);
    QCOMPARE(result.int64(0, 0), 3);
}

void TestPgSearchCompiler::aTermWithANulSelectsNothing()
{
    // The parser splits at a NUL; a term made otherwise (a mailbox a list is limited to) may still hold one, which
    // no text in PostgreSQL can (and libpq would cut the parameter there: "inv" would find invoices).
    for (const SearchQuery::Field field : { SearchQuery::Field::Text, SearchQuery::Field::Subject,
             SearchQuery::Field::MessageId, SearchQuery::Field::Tag, SearchQuery::Field::Mailbox }) {
        for (const bool negated : { false, true }) {
            SearchQuery query;
            const QString value = field == SearchQuery::Field::Mailbox ? QStringLiteral("shop")
                : field == SearchQuery::Field::Tag                     ? QStringLiteral("invoice")
                                                                       : QStringLiteral("inv");
            query.addTerm(term(field, value + QChar(0) + QStringLiteral("x"), negated));
            const PgSearchCompiler q(query);
            QCOMPARE(q.condition(), negated ? QStringLiteral("true") : QStringLiteral("false"));
            QVERIFY(q.parameters().isEmpty());
            QCOMPARE(select(m_c, q), negated ? (Ids { 1, 2, 3, 4, 5 }) : Ids {});
        }
    }
}

void TestPgSearchCompiler::selects_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("offsetSeconds");
    QTest::addColumn<Ids>("expected");
    const QList<SearchCompilerCases::Select> cases = SearchCompilerCases::selects();
    for (const SearchCompilerCases::Select &c : cases) {
        QTest::newRow(c.name) << c.query << c.offsetSeconds << c.expected;
    }
    // Beyond the shared cases: a term shorter than three characters is lower-cased like any other, so a non-ASCII
    // letter finds its other case. (On SQLite such a term is a LIKE scan, which folds ASCII only; its trigram
    // index, used from three characters on, folds the rest too.)
    QTest::newRow("a short non-ASCII word ignores case") << QStringLiteral("ü") << 0 << Ids { 4 };
    QTest::newRow("a short non-ASCII word in capitals") << QStringLiteral("ÜN") << 0 << Ids { 4 };
    QTest::newRow("a short non-ASCII negated word") << QStringLiteral("-ün") << 0 << Ids { 1, 2, 3, 5 };
}

void TestPgSearchCompiler::selects()
{
    QFETCH(QString, query);
    QFETCH(int, offsetSeconds);
    QFETCH(Ids, expected);
    const SearchQuery parsed = SearchQuery::parse(query, QTimeZone(offsetSeconds));
    QVERIFY(!parsed.isEmpty());
    const PgSearchCompiler q(parsed);
    QCOMPARE(select(m_c, q), expected);
    QCOMPARE(select(m_utf8, q), expected);
}

void TestPgSearchCompiler::termsUseTheIndexes_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("index");
    QTest::newRow("subject: uses its trigram index") << "subject:invoice"
                                                     << "message_search_subject";
    QTest::newRow("a word uses the body's trigram index") << "invoice"
                                                          << "message_search_body";
    QTest::newRow("addressed: uses Reply-To's trigram index") << "addressed:alice"
                                                              << "message_search_reply_to";
    QTest::newRow("tag: uses the unique index on the name") << "tag:INVOICE"
                                                            << "tags_name";
    QTest::newRow("mailbox: uses the unique index on the name") << "mailbox:SHOP"
                                                                << "mailboxes_name";
}

void TestPgSearchCompiler::termsUseTheIndexes()
{
    // The condition keeps the indexed expressions as they are (a LIKE on the column, lower(name COLLATE "C")), so
    // the planner uses the indexes of migrations 0001 and 0002 over 5,000 messages when reading a table through (or
    // a whole index with a filter) is made expensive: a condition that wrapped the column in a function would leave
    // it no other way.
    QFETCH(QString, query);
    QFETCH(QString, index);
    const PgSearchCompiler q(SearchQuery::parse(query));
    QVERIFY(m_plans.exec("SET enable_seqscan = off; SET enable_indexscan = off").isOk());
    const PgResult plan
        = m_plans.exec("EXPLAIN SELECT m.id FROM messages m WHERE " + q.condition().toUtf8(), q.parameters());
    QVERIFY(m_plans.exec("RESET enable_seqscan; RESET enable_indexscan").isOk());
    QVERIFY2(plan.isOk(), qPrintable(plan.errorString()));
    QString text;
    for (int row = 0; row < plan.rows(); ++row) {
        text += plan.text(row, 0) + QLatin1Char('\n');
    }
    // "Bitmap Index Scan on NAME", "Index Scan using NAME on TABLE".
    QVERIFY2(text.contains(QStringLiteral(" on ") + index + QLatin1Char(' '))
            || text.contains(QStringLiteral(" on ") + index + QLatin1Char('\n'))
            || text.contains(QStringLiteral(" using ") + index + QLatin1Char(' ')),
        qPrintable(text));
}

QTEST_GUILESS_MAIN(TestPgSearchCompiler)
#include "tst_pgsearchcompiler.moc"
