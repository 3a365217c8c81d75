// PgConnection, PgResult, PgParameter and PgTransaction against a real PostgreSQL (tests/interop/pgserver.py starts
// one around this binary): connecting by URL with libpq's conventions (PGPASSWORD, PGPASSFILE, sslmode, a socket
// directory as the host), parameters and results in the text and binary formats, a 10 MB bytea in and out unescaped,
// a failing statement's error, and transactions (docs/architecture.md "PostgreSQL store").
#include "pgtestserver.h"

#include <pgstore/pgconnection.h>
#include <pgstore/pgparameter.h>
#include <pgstore/pgtransaction.h>

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <limits>

class TestPgConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void opensByUrl();
    void passwordFromPgpassFile();
    void refusedWithoutPassword();
    void refusedWithWrongPassword();
    void refusesWhatIsNoUrl();
    void sslmodeReachesLibpq();
    void closedPortFailsPromptly();
    void socketDirectoryAsHost();
    void encodingIsAlwaysUtf8();
    void textParameters_data();
    void textParameters();
    void integerParameters_data();
    void integerParameters();
    void binaryIntegerResults();
    void booleanAndNull();
    void byteaBothFormats_data();
    void byteaBothFormats();
    void tenMegabyteByteaRoundTrip();
    void failingStatement_data();
    void failingStatement();
    void severalStatementsInOne();
    void affectedRows();
    void commitIsSeenByOthers();
    void rollbackDiscards();
    void destructionRollsBack();
    void failedTransactionDoesNotCommit();

private:
    QString m_url;
    PgConnection m_db;
};

void TestPgConnection::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QString error;
    m_url = PgTestServer::createDatabase(QStringLiteral("tst_pgconnection"), &error);
    QVERIFY2(!m_url.isEmpty(), qPrintable(error));
    QVERIFY2(m_db.open(m_url), qPrintable(m_db.errorString()));
}

void TestPgConnection::opensByUrl()
{
    PgConnection db;
    QVERIFY(!db.isOpen());
    QVERIFY2(db.open(m_url), qPrintable(db.errorString()));
    QVERIFY(db.isOpen());
    // The password (PGPASSWORD) is never part of how the store is named.
    const QUrl url(m_url);
    QCOMPARE(db.location(), QStringLiteral("postgresql://letterbox@127.0.0.1:%1/tst_pgconnection").arg(url.port()));
    QVERIFY(db.serverVersion() >= 140000);
    const PgResult pid = db.exec("SELECT pg_backend_pid(), current_database(), current_user");
    QVERIFY2(pid.isOk(), qPrintable(pid.errorString()));
    QCOMPARE(pid.int64(0, 0), qint64(db.backendProcessId()));
    QCOMPARE(pid.text(0, 1), QStringLiteral("tst_pgconnection"));
    QCOMPARE(pid.text(0, 2), QStringLiteral("letterbox"));
    db.close();
    QVERIFY(!db.isOpen());
    QCOMPARE(db.location(), QString());
}

// Restores an environment variable at the end of a test.
class EnvironmentGuard
{
public:
    explicit EnvironmentGuard(const char *name)
        : m_name(name), m_set(qEnvironmentVariableIsSet(name)), m_value(qgetenv(name))
    {
    }
    ~EnvironmentGuard()
    {
        if (m_set) {
            qputenv(m_name, m_value);
        } else {
            qunsetenv(m_name);
        }
    }

private:
    const char *m_name;
    bool m_set;
    QByteArray m_value;
};

void TestPgConnection::passwordFromPgpassFile()
{
    const EnvironmentGuard password("PGPASSWORD");
    const EnvironmentGuard passfile("PGPASSFILE");
    const QByteArray secret = qgetenv("PGPASSWORD");
    QVERIFY(!secret.isEmpty());
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("pgpass")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    // hostname:port:database:username:password; libpq ignores a file others may read.
    file.write("127.0.0.1:*:*:letterbox:" + secret + "\n");
    file.close();
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    qunsetenv("PGPASSWORD");
    qputenv("PGPASSFILE", QFile::encodeName(file.fileName()));
    PgConnection db;
    QVERIFY2(db.open(m_url), qPrintable(db.errorString()));
    QVERIFY(db.exec("SELECT 1").isOk());
}

void TestPgConnection::refusedWithoutPassword()
{
    const EnvironmentGuard password("PGPASSWORD");
    const EnvironmentGuard passfile("PGPASSFILE");
    QTemporaryDir dir;
    qunsetenv("PGPASSWORD");
    qputenv("PGPASSFILE", QFile::encodeName(dir.filePath(QStringLiteral("none"))));
    PgConnection db;
    QVERIFY(!db.open(m_url));
    QVERIFY(!db.isOpen());
    QVERIFY2(db.errorString().contains(QLatin1String("no password supplied")), qPrintable(db.errorString()));
}

void TestPgConnection::refusedWithWrongPassword()
{
    QUrl url(m_url);
    url.setPassword(QStringLiteral("wrong"));
    PgConnection db;
    QVERIFY(!db.open(url.toString()));
    QVERIFY2(db.errorString().contains(QLatin1String("password authentication failed for user \"letterbox\"")),
        qPrintable(db.errorString()));
    QVERIFY(!db.errorString().contains(QLatin1String("wrong")));
}

void TestPgConnection::refusesWhatIsNoUrl()
{
    PgConnection db;
    QVERIFY(!db.open(QStringLiteral("host=127.0.0.1 dbname=tst_pgconnection")));
    QCOMPARE(db.errorString(), QStringLiteral("not a postgresql:// URL"));
    QVERIFY(!db.open(QStringLiteral("tst_pgconnection")));
}

void TestPgConnection::sslmodeReachesLibpq()
{
    // The test server has no certificate: with sslmode=require libpq must refuse it, with disable connect.
    PgConnection db;
    QVERIFY(!db.open(m_url + QStringLiteral("?sslmode=require")));
    QVERIFY2(db.errorString().contains(QLatin1String("SSL")), qPrintable(db.errorString()));
    QVERIFY2(db.open(m_url + QStringLiteral("?sslmode=disable")), qPrintable(db.errorString()));
}

void TestPgConnection::closedPortFailsPromptly()
{
    // A port nobody listens on (below 1024: no unprivileged test server takes it).
    QElapsedTimer timer;
    timer.start();
    PgConnection db;
    QVERIFY(!db.open(QStringLiteral("postgresql://letterbox@127.0.0.1:1/postgres")));
    QVERIFY2(db.errorString().contains(QLatin1String("Connection refused")), qPrintable(db.errorString()));
    QVERIFY(timer.elapsed() < 10000);
}

void TestPgConnection::socketDirectoryAsHost()
{
    const QString sockets = qEnvironmentVariable("LETTERBOX_TEST_PGSOCKETS");
    QVERIFY(!sockets.isEmpty());
    const QUrl tcp(m_url);
    // libpq's URL form of a Unix-socket directory: the percent-encoded path as the host.
    // (One arg() for both: the %2F of the host must not be taken for a placeholder.)
    const QString url = QStringLiteral("postgresql://letterbox@%1:%2/tst_pgconnection")
                            .arg(QString::fromLatin1(QUrl::toPercentEncoding(sockets)), QString::number(tcp.port()));
    PgConnection db;
    QVERIFY2(db.open(url), qPrintable(db.errorString()));
    QCOMPARE(db.location(), url);
    const PgResult address = db.exec("SELECT inet_client_addr() IS NULL");
    QVERIFY(address.isOk());
    QVERIFY(address.boolean(0, 0)); // no client address: not TCP
}

void TestPgConnection::encodingIsAlwaysUtf8()
{
    PgConnection db;
    QVERIFY2(db.open(m_url + QStringLiteral("?client_encoding=LATIN1")), qPrintable(db.errorString()));
    const PgResult encoding = db.exec("SHOW client_encoding");
    QVERIFY(encoding.isOk());
    QCOMPARE(encoding.text(0, 0), QStringLiteral("UTF8"));
}

void TestPgConnection::textParameters_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("ASCII") << QStringLiteral("hello");
    QTest::newRow("an empty string is not null") << QStringLiteral("");
    QTest::newRow("letters beyond Latin-1 and an emoji") << QStringLiteral("Grüße, Ωμέγα ✉ 📬");
    QTest::newRow("quotes and a semicolon are data, not SQL") << QStringLiteral("'); DROP TABLE x; --");
}

void TestPgConnection::textParameters()
{
    QFETCH(QString, value);
    const PgResult result
        = m_db.exec("SELECT $1::text, length($1::text), $1::text IS NULL", { PgParameter::text(value) });
    QVERIFY2(result.isOk(), qPrintable(result.errorString()));
    QCOMPARE(result.text(0, 0), value);
    // length() counts characters: code points, as QString::toUcs4() does.
    QCOMPARE(result.int64(0, 1), qint64(value.toUcs4().size()));
    QVERIFY(!result.boolean(0, 2));
    QVERIFY(!result.isNull(0, 0));
}

void TestPgConnection::integerParameters_data()
{
    QTest::addColumn<qint64>("value");
    QTest::newRow("zero") << qint64(0);
    QTest::newRow("a negative value beyond 32 bits") << qint64(-5000000000);
    QTest::newRow("the largest bigint") << std::numeric_limits<qint64>::max();
    QTest::newRow("the smallest bigint") << std::numeric_limits<qint64>::min();
}

void TestPgConnection::integerParameters()
{
    QFETCH(qint64, value);
    for (const PgResult::Format format : { PgResult::Format::Text, PgResult::Format::Binary }) {
        const PgResult result = m_db.exec("SELECT $1, $1::text", { PgParameter::int64(value) }, format);
        QVERIFY2(result.isOk(), qPrintable(result.errorString()));
        QCOMPARE(result.int64(0, 0), value);
        // The server's own text of the value: what was sent is the number, not some other eight bytes.
        QCOMPARE(result.text(0, 1), QString::number(value));
    }
}

void TestPgConnection::binaryIntegerResults()
{
    const PgResult result
        = m_db.exec("SELECT (-7)::smallint, 70000::integer, (-70000)::integer", {}, PgResult::Format::Binary);
    QVERIFY2(result.isOk(), qPrintable(result.errorString()));
    QCOMPARE(result.int64(0, 0), qint64(-7));
    QCOMPARE(result.int64(0, 1), qint64(70000));
    QCOMPARE(result.int64(0, 2), qint64(-70000));
    const PgResult bigint = m_db.exec("SELECT (2::bigint << 40) - 1", {}, PgResult::Format::Binary);
    QVERIFY2(bigint.isOk(), qPrintable(bigint.errorString()));
    QCOMPARE(bigint.int64(0, 0), (qint64(2) << 40) - 1);
}

void TestPgConnection::booleanAndNull()
{
    for (const PgResult::Format format : { PgResult::Format::Text, PgResult::Format::Binary }) {
        const PgResult result = m_db.exec("SELECT $1::boolean, NOT $2::boolean, $3::text, $3::text IS NULL",
            { PgParameter::boolean(true), PgParameter::boolean(true), PgParameter::null() }, format);
        QVERIFY2(result.isOk(), qPrintable(result.errorString()));
        QVERIFY(result.boolean(0, 0));
        QVERIFY(!result.boolean(0, 1));
        QVERIFY(result.isNull(0, 2));
        QVERIFY(!result.isNull(0, 3));
        QVERIFY(result.boolean(0, 3));
    }
    const PgResult columns = m_db.exec("SELECT 1 AS one, 2 AS two");
    QCOMPARE(columns.columns(), 2);
    QCOMPARE(columns.column("two"), 1);
    QCOMPARE(columns.column("three"), -1);
}

void TestPgConnection::byteaBothFormats_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QByteArray all;
    for (int i = 0; i < 256; ++i) {
        all.append(char(i));
    }
    QTest::newRow("every byte value, NUL and backslash included") << all;
    QTest::newRow("no bytes is an empty value, not null") << QByteArray("");
    QTest::newRow("a CRLF line") << QByteArray("Subject: x\r\n");
}

void TestPgConnection::byteaBothFormats()
{
    QFETCH(QByteArray, bytes);
    for (const PgResult::Format format : { PgResult::Format::Text, PgResult::Format::Binary }) {
        const PgResult result
            = m_db.exec("SELECT $1::bytea, length($1::bytea), md5($1::bytea)", { PgParameter::bytea(bytes) }, format);
        QVERIFY2(result.isOk(), qPrintable(result.errorString()));
        QVERIFY(!result.isNull(0, 0));
        QCOMPARE(result.bytea(0, 0), bytes);
        QCOMPARE(result.int64(0, 1), qint64(bytes.size()));
        QCOMPARE(
            result.text(0, 2), QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Md5).toHex()));
    }
}

void TestPgConnection::tenMegabyteByteaRoundTrip()
{
    QVERIFY(m_db.exec("CREATE TABLE sources (id bigint PRIMARY KEY, raw bytea NOT NULL)").isOk());
    QByteArray source(10 * 1024 * 1024, Qt::Uninitialized);
    QRandomGenerator random(18);
    random.fillRange(reinterpret_cast<quint32 *>(source.data()), source.size() / 4);
    const QString md5 = QString::fromLatin1(QCryptographicHash::hash(source, QCryptographicHash::Md5).toHex());

    const PgResult inserted = m_db.exec(
        "INSERT INTO sources (id, raw) VALUES ($1, $2)", { PgParameter::int64(1), PgParameter::bytea(source) });
    QVERIFY2(inserted.isOk(), qPrintable(inserted.errorString()));
    QCOMPARE(inserted.affectedRows(), qint64(1));
    // The server holds exactly these bytes ...
    const PgResult stored = m_db.exec("SELECT length(raw), md5(raw) FROM sources WHERE id = 1");
    QVERIFY2(stored.isOk(), qPrintable(stored.errorString()));
    QCOMPARE(stored.int64(0, 0), qint64(source.size()));
    QCOMPARE(stored.text(0, 1), md5);
    // ... and gives them back as they are in the binary format (no hex: the value's length is the source's).
    const PgResult read
        = m_db.exec("SELECT raw FROM sources WHERE id = $1", { PgParameter::int64(1) }, PgResult::Format::Binary);
    QVERIFY2(read.isOk(), qPrintable(read.errorString()));
    const QByteArrayView value = read.view(0, 0);
    QCOMPARE(value.size(), source.size());
    QVERIFY(QByteArray::fromRawData(value.data(), value.size()) == source);
    QVERIFY(read.bytea(0, 0) == source);
}

void TestPgConnection::failingStatement_data()
{
    QTest::addColumn<QByteArray>("sql");
    QTest::addColumn<QByteArray>("sqlState");
    QTest::addColumn<QString>("message");
    QTest::newRow("an unknown table") << QByteArray("SELECT * FROM no_such_table") << QByteArray("42P01")
                                      << QStringLiteral("relation \"no_such_table\" does not exist");
    QTest::newRow("a syntax error") << QByteArray("SELEC 1") << QByteArray("42601")
                                    << QStringLiteral("syntax error at or near \"SELEC\"");
    QTest::newRow("division by zero") << QByteArray("SELECT 1 / 0") << QByteArray("22012")
                                      << QStringLiteral("division by zero");
}

void TestPgConnection::failingStatement()
{
    QFETCH(QByteArray, sql);
    QFETCH(QByteArray, sqlState);
    QFETCH(QString, message);
    const PgResult result = m_db.exec(sql, {});
    QVERIFY(!result.isOk());
    QCOMPARE(result.sqlState(), sqlState);
    QVERIFY2(result.errorString().contains(message), qPrintable(result.errorString()));
    QCOMPARE(m_db.errorString(), result.errorString());
    // The connection goes on, and a statement that works clears the error.
    const PgResult next = m_db.exec("SELECT 1");
    QVERIFY(next.isOk());
    QCOMPARE(next.errorString(), QString());
    QCOMPARE(m_db.errorString(), QString());
}

void TestPgConnection::severalStatementsInOne()
{
    const PgResult result = m_db.exec("CREATE TABLE several (x integer); INSERT INTO several VALUES (1), (2); "
                                      "SELECT count(*) FROM several");
    QVERIFY2(result.isOk(), qPrintable(result.errorString()));
    QCOMPARE(result.int64(0, 0), qint64(2));
    // Parameters allow one statement only (the extended protocol).
    const PgResult refused = m_db.exec("SELECT $1::integer; SELECT 2", { PgParameter::int64(1) });
    QVERIFY(!refused.isOk());
    QCOMPARE(refused.sqlState(), QByteArray("42601"));
}

void TestPgConnection::affectedRows()
{
    QVERIFY(m_db.exec("CREATE TABLE counted (x integer); INSERT INTO counted SELECT generate_series(1, 5)").isOk());
    const PgResult updated = m_db.exec("UPDATE counted SET x = x + 10 WHERE x > $1", { PgParameter::int64(2) });
    QVERIFY2(updated.isOk(), qPrintable(updated.errorString()));
    QCOMPARE(updated.affectedRows(), qint64(3));
    QCOMPARE(updated.commandStatus(), QByteArray("UPDATE 3"));
}

void TestPgConnection::commitIsSeenByOthers()
{
    QVERIFY(m_db.exec("CREATE TABLE committed (x integer)").isOk());
    PgConnection other;
    QVERIFY(other.open(m_url));
    PgTransaction transaction(m_db);
    QVERIFY2(transaction.begin(), qPrintable(transaction.errorString()));
    QVERIFY(m_db.inTransaction());
    QVERIFY(m_db.exec("INSERT INTO committed VALUES (1)").isOk());
    QCOMPARE(other.exec("SELECT count(*) FROM committed").int64(0, 0), qint64(0));
    QVERIFY2(transaction.commit(), qPrintable(transaction.errorString()));
    QVERIFY(!transaction.isActive());
    QVERIFY(!m_db.inTransaction());
    QCOMPARE(other.exec("SELECT count(*) FROM committed").int64(0, 0), qint64(1));
}

void TestPgConnection::rollbackDiscards()
{
    QVERIFY(m_db.exec("CREATE TABLE discarded (x integer)").isOk());
    PgTransaction transaction(m_db);
    QVERIFY(transaction.begin());
    QVERIFY(m_db.exec("INSERT INTO discarded VALUES (1)").isOk());
    QCOMPARE(m_db.exec("SELECT count(*) FROM discarded").int64(0, 0), qint64(1));
    QVERIFY(transaction.rollback());
    QCOMPARE(m_db.exec("SELECT count(*) FROM discarded").int64(0, 0), qint64(0));
    QVERIFY(!transaction.commit());
}

void TestPgConnection::destructionRollsBack()
{
    QVERIFY(m_db.exec("CREATE TABLE abandoned (x integer)").isOk());
    {
        PgTransaction transaction(m_db);
        QVERIFY(transaction.begin());
        QVERIFY(m_db.exec("INSERT INTO abandoned VALUES (1)").isOk());
    }
    QVERIFY(!m_db.inTransaction());
    QCOMPARE(m_db.exec("SELECT count(*) FROM abandoned").int64(0, 0), qint64(0));
}

void TestPgConnection::failedTransactionDoesNotCommit()
{
    QVERIFY(m_db.exec("CREATE TABLE unique_values (x integer PRIMARY KEY)").isOk());
    PgTransaction transaction(m_db);
    QVERIFY(transaction.begin());
    QVERIFY(m_db.exec("INSERT INTO unique_values VALUES (1)").isOk());
    const PgResult duplicate = m_db.exec("INSERT INTO unique_values VALUES ($1)", { PgParameter::int64(1) });
    QCOMPARE(duplicate.sqlState(), QByteArray("23505"));
    // Every further statement is refused until the end of the block ...
    const PgResult refused = m_db.exec("SELECT 1");
    QCOMPARE(refused.sqlState(), QByteArray("25P02"));
    QVERIFY(m_db.inTransaction());
    // ... and COMMIT answers ROLLBACK: not a commit.
    QVERIFY(!transaction.commit());
    QCOMPARE(
        transaction.errorString(), QStringLiteral("the transaction was rolled back: a statement in it had failed"));
    QVERIFY(!m_db.inTransaction());
    QCOMPARE(m_db.exec("SELECT count(*) FROM unique_values").int64(0, 0), qint64(0));
}

QTEST_GUILESS_MAIN(TestPgConnection)
#include "tst_pgconnection.moc"
