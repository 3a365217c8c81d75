// PgMigrations against a real PostgreSQL (tests/interop/pgserver.py): a new database gets the whole schema, each
// migration once; connections racing to migrate migrate once (the advisory lock); a schema newer than the build is
// refused naming the store; a failing migration leaves nothing behind; and the schema keeps the SQLite store's
// meaning (core/store/migrations: mailbox counts, case-insensitive names, a message's rows going with it).
#include "pgtestserver.h"

#include <pgstore/pgadvisorylock.h>
#include <pgstore/pgconnection.h>
#include <pgstore/pgmigrations.h>
#include <pgstore/pgparameter.h>

#include <QTest>
#include <QUrl>

#include <chrono>
#include <future>

namespace {
// The tables the back end needs, as the SQLite store has them (core/store/migrations/0001 … 0011), the documents
// every instance shares (0004) and the version.
const QStringList Tables = { QStringLiteral("bounce_queue"), QStringLiteral("documents"), QStringLiteral("mailboxes"),
    QStringLiteral("message_data"), QStringLiteral("message_search"), QStringLiteral("message_tags"),
    QStringLiteral("messages"), QStringLiteral("refused_session_entries"), QStringLiteral("refused_sessions"),
    QStringLiteral("relay_log"), QStringLiteral("relay_queue"), QStringLiteral("schema_version"),
    QStringLiteral("tags"), QStringLiteral("transcript_chunks"), QStringLiteral("transcript_entries") };

QStringList tables(PgConnection &db)
{
    const PgResult result = db.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    QStringList names;
    for (int row = 0; row < result.rows(); ++row) {
        names << result.text(row, 0);
    }
    return names;
}

qint64 scalar(PgConnection &db, const QByteArray &sql, const QList<PgParameter> &parameters = {})
{
    const PgResult result = db.exec(sql, parameters);
    if (!result.isOk()) {
        qWarning("%s: %s", sql.constData(), qPrintable(result.errorString()));
        return -1;
    }
    return result.int64(0, 0);
}

// A message as the SQLite writer stores one: the summary columns the schema requires.
qint64 insertMessage(PgConnection &db, const QString &uid, qint64 mailbox)
{
    const PgResult result = db.exec(
        "INSERT INTO messages (uid, received, mail_from, rcpt_to, client_address, client_port, helo, auth_user, tls, "
        "from_header, to_header, cc_header, subject, date, message_id, size, has_attachments, mailbox_id, session_id, "
        "chunk_id) VALUES ($1, 1764000000000, 'a@example.test', 'b@example.test', '127.0.0.1', 40000, "
        "'client.test', '', false, 'a@example.test', 'b@example.test', '', 'Hello', 1764000000000, '<1@test>', 5, "
        "false, $2, 1, 1) RETURNING id",
        { PgParameter::text(uid), PgParameter::int64(mailbox) });
    if (!result.isOk()) {
        qWarning("%s", qPrintable(result.errorString()));
        return -1;
    }
    return result.int64(0, 0);
}
} // namespace

class TestPgMigrations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void latestVersionIsTheLastFile();
    void newDatabaseGetsTheSchema();
    void secondApplyChangesNothing();
    void racingConnectionsMigrateOnce();
    void newerSchemaIsRefused();
    void failingMigrationLeavesNothing();
    void mailboxCountsFollowTheirMessages();
    void namesAreUniqueWithoutRegardToCase();
    void aMessagesRowsGoWithIt();

private:
    QString freshDatabase(const char *name);
};

void TestPgMigrations::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
}

QString TestPgMigrations::freshDatabase(const char *name)
{
    QString error;
    const QString url = PgTestServer::createDatabase(QString::fromLatin1(name), &error);
    if (url.isEmpty()) {
        qWarning("%s", qPrintable(error));
    }
    return url;
}

void TestPgMigrations::latestVersionIsTheLastFile()
{
    // core/pgstore/migrations holds 0001-messages.sql, 0002-search.sql, 0003-store.sql, 0004-documents.sql and
    // 0005-queue-owners.sql.
    QCOMPARE(PgMigrations::latestVersion(), 5);
}

void TestPgMigrations::newDatabaseGetsTheSchema()
{
    const QString url = freshDatabase("new_database");
    PgConnection db;
    QVERIFY2(db.open(url), qPrintable(db.errorString()));
    QString error;
    // Reading the version of an empty database makes nothing.
    QCOMPARE(PgMigrations::currentVersion(db, &error), 0);
    QCOMPARE(tables(db), QStringList());
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    QCOMPARE(PgMigrations::currentVersion(db, &error), PgMigrations::latestVersion());
    QCOMPARE(tables(db), Tables);
    QCOMPARE(scalar(db, "SELECT count(*) FROM schema_version"), qint64(PgMigrations::latestVersion()));
    // Inbox is mailbox 1, with a UIDVALIDITY of now (seconds).
    const PgResult inbox = db.exec("SELECT id, name, total, unread, uid_next, "
                                   "abs(uid_validity - extract(epoch FROM now())::bigint) < 60 FROM mailboxes");
    QCOMPARE(inbox.rows(), 1);
    QCOMPARE(inbox.int64(0, 0), qint64(1));
    QCOMPARE(inbox.text(0, 1), QStringLiteral("Inbox"));
    QCOMPARE(inbox.int64(0, 2), qint64(0));
    QCOMPARE(inbox.int64(0, 3), qint64(0));
    QCOMPARE(inbox.int64(0, 4), qint64(1));
    QVERIFY(inbox.boolean(0, 5));
    QVERIFY(!db.inTransaction());
}

void TestPgMigrations::secondApplyChangesNothing()
{
    const QString url = freshDatabase("second_apply");
    PgConnection db;
    QVERIFY(db.open(url));
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const PgResult before = db.exec("SELECT version, applied_at::text FROM schema_version ORDER BY 1");
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const PgResult after = db.exec("SELECT version, applied_at::text FROM schema_version ORDER BY 1");
    QCOMPARE(after.rows(), before.rows());
    for (int row = 0; row < after.rows(); ++row) {
        QCOMPARE(after.text(row, 1), before.text(row, 1));
    }
}

void TestPgMigrations::racingConnectionsMigrateOnce()
{
    const QString url = freshDatabase("racing");
    // A third session holds the migrations' lock, so that both instances start migrating before either can.
    PgConnection holder;
    QVERIFY(holder.open(url));
    PgAdvisoryLock held(holder, PgMigrations::LockKey);
    QVERIFY(held.lock());

    PgConnection first;
    PgConnection second;
    QVERIFY(first.open(url));
    QVERIFY(second.open(url));
    const auto migrate = [](PgConnection *db) {
        QString error;
        return PgMigrations::apply(*db, &error) ? QString() : error;
    };
    auto a = std::async(std::launch::async, migrate, &first);
    auto b = std::async(std::launch::async, migrate, &second);
    // Both wait for the lock (the server's lock table shows two waiting sessions) ...
    QTRY_COMPARE_WITH_TIMEOUT(
        scalar(holder, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"), qint64(2), 10000);
    QCOMPARE(a.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
    QCOMPARE(b.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
    QVERIFY(held.unlock());
    // ... then both succeed, and each migration was applied once (a second run would fail on CREATE TABLE).
    QCOMPARE(a.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    QCOMPARE(b.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    QCOMPARE(a.get(), QString());
    QCOMPARE(b.get(), QString());
    QCOMPARE(scalar(holder, "SELECT count(*) FROM schema_version"), qint64(PgMigrations::latestVersion()));
    QCOMPARE(scalar(holder, "SELECT count(*) FROM mailboxes"), qint64(1));
    QCOMPARE(tables(holder), Tables);
}

void TestPgMigrations::newerSchemaIsRefused()
{
    const QString url = freshDatabase("newer_schema");
    PgConnection db;
    QVERIFY(db.open(url));
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const int newer = PgMigrations::latestVersion() + 1;
    QVERIFY(db.exec("INSERT INTO schema_version (version) VALUES ($1)", { PgParameter::int64(newer) }).isOk());
    QVERIFY(!PgMigrations::apply(db, &error));
    // Named by its URL without the password, as --store gives it.
    const QString location = QStringLiteral("postgresql://letterbox@127.0.0.1:%1/newer_schema").arg(QUrl(url).port());
    QCOMPARE(error,
        QStringLiteral("%1 was made by a newer Letterbox (schema %2, this build knows %3)")
            .arg(location)
            .arg(newer)
            .arg(PgMigrations::latestVersion()));
    QVERIFY(!db.inTransaction());
    QCOMPARE(PgMigrations::currentVersion(db, &error), newer);
    QCOMPARE(tables(db), Tables);
}

void TestPgMigrations::failingMigrationLeavesNothing()
{
    const QString url = freshDatabase("failing_migration");
    PgConnection db;
    QVERIFY(db.open(url));
    // Something of the user's own in the way of migration 1.
    QVERIFY(db.exec("CREATE TABLE tags (x integer)").isOk());
    QString error;
    QVERIFY(!PgMigrations::apply(db, &error));
    QVERIFY2(error.contains(QLatin1String("migration to schema 1 failed"))
            && error.contains(QLatin1String("relation \"tags\" already exists")),
        qPrintable(error));
    QVERIFY(!db.inTransaction());
    // Nothing of the transaction stays: not the version table, not the tables made before the failing statement.
    QCOMPARE(tables(db), QStringList { QStringLiteral("tags") });
    QCOMPARE(PgMigrations::currentVersion(db, &error), 0);
}

void TestPgMigrations::mailboxCountsFollowTheirMessages()
{
    const QString url = freshDatabase("mailbox_counts");
    PgConnection db;
    QVERIFY(db.open(url));
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const qint64 first = insertMessage(db, QStringLiteral("m1"), 1);
    const qint64 second = insertMessage(db, QStringLiteral("m2"), 1);
    QVERIFY(first > 0 && second > first);
    QCOMPARE(scalar(db, "SELECT total FROM mailboxes WHERE id = 1"), qint64(2));
    QCOMPARE(scalar(db, "SELECT unread FROM mailboxes WHERE id = 1"), qint64(2));
    // IMAP's UIDNEXT: one past the highest id stored in the mailbox.
    QCOMPARE(scalar(db, "SELECT uid_next FROM mailboxes WHERE id = 1"), second + 1);

    QVERIFY(db.exec("UPDATE messages SET is_read = true WHERE id = $1", { PgParameter::int64(first) }).isOk());
    QCOMPARE(scalar(db, "SELECT unread FROM mailboxes WHERE id = 1"), qint64(1));
    // Setting a flag to what it is already counts nothing twice.
    QVERIFY(db.exec("UPDATE messages SET is_read = true WHERE id = $1", { PgParameter::int64(first) }).isOk());
    QCOMPARE(scalar(db, "SELECT unread FROM mailboxes WHERE id = 1"), qint64(1));

    const qint64 work = scalar(db, "INSERT INTO mailboxes (name) VALUES ('Work') RETURNING id");
    QVERIFY(work > 1);
    QVERIFY(db.exec("UPDATE messages SET mailbox_id = $1 WHERE id = $2",
                  { PgParameter::int64(work), PgParameter::int64(second) })
                .isOk());
    QCOMPARE(scalar(db, "SELECT total FROM mailboxes WHERE id = 1"), qint64(1));
    QCOMPARE(scalar(db, "SELECT unread FROM mailboxes WHERE id = 1"), qint64(0));
    QCOMPARE(scalar(db, "SELECT total FROM mailboxes WHERE id = $1", { PgParameter::int64(work) }), qint64(1));
    QCOMPARE(scalar(db, "SELECT unread FROM mailboxes WHERE id = $1", { PgParameter::int64(work) }), qint64(1));
    QCOMPARE(scalar(db, "SELECT uid_next FROM mailboxes WHERE id = $1", { PgParameter::int64(work) }), second + 1);

    QVERIFY(db.exec("DELETE FROM messages").isOk());
    QCOMPARE(scalar(db, "SELECT sum(total) + sum(unread) FROM mailboxes"), qint64(0));
    // UIDs are never given again: the next message's id is past every one stored before.
    const qint64 third = insertMessage(db, QStringLiteral("m3"), 1);
    QVERIFY(third > second);
}

void TestPgMigrations::namesAreUniqueWithoutRegardToCase()
{
    const QString url = freshDatabase("names");
    PgConnection db;
    QVERIFY(db.open(url));
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    QCOMPARE(db.exec("INSERT INTO mailboxes (name) VALUES ('INBOX')").sqlState(), QByteArray("23505"));
    QVERIFY(db.exec("INSERT INTO tags (name) VALUES ('Urgent')").isOk());
    QCOMPARE(db.exec("INSERT INTO tags (name) VALUES ('urgent')").sqlState(), QByteArray("23505"));
    // As SQLite's NOCASE: ASCII letters fold, others are compared as they are.
    QVERIFY(db.exec("INSERT INTO tags (name) VALUES ('Ä')").isOk());
    QVERIFY(db.exec("INSERT INTO tags (name) VALUES ('ä')").isOk());
}

void TestPgMigrations::aMessagesRowsGoWithIt()
{
    const QString url = freshDatabase("message_rows");
    PgConnection db;
    QVERIFY(db.open(url));
    QString error;
    QVERIFY2(PgMigrations::apply(db, &error), qPrintable(error));
    const qint64 id = insertMessage(db, QStringLiteral("m1"), 1);
    const qint64 kept = insertMessage(db, QStringLiteral("m2"), 1);
    const QList<PgParameter> message = { PgParameter::int64(id) };
    QVERIFY(db.exec("INSERT INTO message_data (id, raw) VALUES ($1, $2)",
                  { PgParameter::int64(id), PgParameter::bytea("Subject: x\r\n\r\nbody\r\n") })
                .isOk());
    const qint64 tag = scalar(db, "INSERT INTO tags (name) VALUES ('t') RETURNING id");
    QVERIFY(db.exec("INSERT INTO message_tags (message_id, tag_id) VALUES ($1, $2), ($3, $2)",
                  { PgParameter::int64(id), PgParameter::int64(tag), PgParameter::int64(kept) })
                .isOk());
    QVERIFY(db.exec("INSERT INTO relay_log (message_id, time, recipients, ok, reply) VALUES ($1, 0, 'x', true, "
                    "'\\x323530')",
                  message)
                .isOk());
    QVERIFY(db.exec("INSERT INTO relay_queue (message_id, recipients, due, failures, in_flight) "
                    "VALUES ($1, 'x', 0, 0, false)",
                  message)
                .isOk());
    QVERIFY(db.exec("INSERT INTO bounce_queue (message_id, seq, recipient, code, enhanced, text, rule, after_ms) "
                    "VALUES ($1, 0, 'x', 550, '5.1.1', 'no', 'r', 0)",
                  message)
                .isOk());
    QVERIFY(db.exec("DELETE FROM messages WHERE id = $1", message).isOk());
    QCOMPARE(scalar(db, "SELECT count(*) FROM message_data"), qint64(0));
    QCOMPARE(scalar(db, "SELECT count(*) FROM message_tags"), qint64(1));
    QCOMPARE(scalar(db, "SELECT count(*) FROM relay_log"), qint64(0));
    QCOMPARE(scalar(db, "SELECT count(*) FROM relay_queue"), qint64(0));
    QCOMPARE(scalar(db, "SELECT count(*) FROM bounce_queue"), qint64(0));
    // A row that names no message cannot be made.
    QCOMPARE(db.exec("INSERT INTO message_data (id, raw) VALUES ($1, '')", message).sqlState(), QByteArray("23503"));
}

QTEST_GUILESS_MAIN(TestPgMigrations)
#include "tst_pgmigrations.moc"
