// PgAdvisoryLock against a real PostgreSQL (tests/interop/pgserver.py): a lock one connection holds is refused to
// another until it is released by unlock(), by the lock's destruction, by closing the connection or by the server
// ending its process; lock() waits for it; other keys are independent (docs/architecture.md "PostgreSQL store
// (foundation)").
#include "pgtestserver.h"

#include <pgstore/pgadvisorylock.h>
#include <pgstore/pgconnection.h>
#include <pgstore/pgparameter.h>

#include <QTest>

#include <chrono>
#include <future>

namespace {
constexpr qint64 Key = 0x4C42544553544B31; // "LBTESTK1"
}

class TestPgAdvisoryLock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void heldLockIsRefusedToAnother();
    void destructionReleases();
    void closingTheConnectionReleases();
    void aKilledSessionReleases();
    void lockWaitsForTheHolder();
    void keysAreIndependent();
    void closedConnectionFails();

private:
    QString m_url;
};

void TestPgAdvisoryLock::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QString error;
    m_url = PgTestServer::createDatabase(QStringLiteral("tst_pgadvisorylock"), &error);
    QVERIFY2(!m_url.isEmpty(), qPrintable(error));
}

void TestPgAdvisoryLock::heldLockIsRefusedToAnother()
{
    PgConnection a;
    PgConnection b;
    QVERIFY(a.open(m_url));
    QVERIFY(b.open(m_url));
    PgAdvisoryLock first(a, Key);
    PgAdvisoryLock second(b, Key);
    QCOMPARE(first.tryLock(), PgAdvisoryLock::Attempt::Acquired);
    QVERIFY(first.isHeld());
    QCOMPARE(second.tryLock(), PgAdvisoryLock::Attempt::Busy);
    QVERIFY(!second.isHeld());
    QVERIFY(first.unlock());
    QVERIFY(!first.isHeld());
    QCOMPARE(second.tryLock(), PgAdvisoryLock::Attempt::Acquired);
    QCOMPARE(first.tryLock(), PgAdvisoryLock::Attempt::Busy);
    // What the server's lock table says: one granted advisory lock, held by b's process.
    const PgResult locks = a.exec("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted");
    QCOMPARE(locks.rows(), 1);
    QCOMPARE(locks.int64(0, 0), qint64(b.backendProcessId()));
}

void TestPgAdvisoryLock::destructionReleases()
{
    PgConnection a;
    PgConnection b;
    QVERIFY(a.open(m_url));
    QVERIFY(b.open(m_url));
    {
        PgAdvisoryLock held(a, Key);
        QVERIFY(held.lock());
        QCOMPARE(PgAdvisoryLock(b, Key).tryLock(), PgAdvisoryLock::Attempt::Busy);
    }
    PgAdvisoryLock second(b, Key);
    QCOMPARE(second.tryLock(), PgAdvisoryLock::Attempt::Acquired);
}

void TestPgAdvisoryLock::closingTheConnectionReleases()
{
    PgConnection a;
    PgConnection b;
    QVERIFY(a.open(m_url));
    QVERIFY(b.open(m_url));
    PgAdvisoryLock held(a, Key);
    QVERIFY(held.lock());
    a.close();
    // The server ends a's session; b may find it still ending for a moment.
    PgAdvisoryLock second(b, Key);
    QTRY_COMPARE_WITH_TIMEOUT(second.tryLock(), PgAdvisoryLock::Attempt::Acquired, 10000);
}

void TestPgAdvisoryLock::aKilledSessionReleases()
{
    // An instance killed with SIGKILL: its server process ends and the lock with it.
    PgConnection a;
    PgConnection b;
    QVERIFY(a.open(m_url));
    QVERIFY(b.open(m_url));
    PgAdvisoryLock held(a, Key);
    QVERIFY(held.lock());
    const PgResult killed
        = b.exec("SELECT pg_terminate_backend($1::integer)", { PgParameter::int64(a.backendProcessId()) });
    QVERIFY2(killed.isOk() && killed.boolean(0, 0), qPrintable(killed.errorString()));
    PgAdvisoryLock second(b, Key);
    QTRY_COMPARE_WITH_TIMEOUT(second.tryLock(), PgAdvisoryLock::Attempt::Acquired, 10000);
    // The lost connection's lock object gives up its claim without an error of its own.
    QVERIFY(!a.exec("SELECT 1").isOk());
    QVERIFY(!held.unlock());
    QVERIFY(!held.isHeld());
}

void TestPgAdvisoryLock::lockWaitsForTheHolder()
{
    PgConnection a;
    QVERIFY(a.open(m_url));
    PgAdvisoryLock held(a, Key);
    QVERIFY(held.lock());
    PgConnection b;
    QVERIFY(b.open(m_url));
    const int waiter = b.backendProcessId();
    auto waited = std::async(std::launch::async, [&b] {
        PgAdvisoryLock lock(b, Key);
        return lock.lock();
    });
    // The waiter shows in the server's lock table as not granted, and lock() has not returned.
    QTRY_COMPARE_WITH_TIMEOUT(a.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                     "AND pid = $1::integer",
                                   { PgParameter::int64(waiter) })
                                  .int64(0, 0),
        qint64(1), 10000);
    QCOMPARE(waited.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    QVERIFY(held.unlock());
    QCOMPARE(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(waited.get());
}

void TestPgAdvisoryLock::keysAreIndependent()
{
    PgConnection a;
    PgConnection b;
    QVERIFY(a.open(m_url));
    QVERIFY(b.open(m_url));
    PgAdvisoryLock first(a, Key);
    PgAdvisoryLock other(b, Key + 1);
    QVERIFY(first.lock());
    QCOMPARE(other.tryLock(), PgAdvisoryLock::Attempt::Acquired);
    QCOMPARE(PgAdvisoryLock(b, Key).tryLock(), PgAdvisoryLock::Attempt::Busy);
}

void TestPgAdvisoryLock::closedConnectionFails()
{
    PgConnection closed;
    PgAdvisoryLock lock(closed, Key);
    QCOMPARE(lock.tryLock(), PgAdvisoryLock::Attempt::Failed);
    QVERIFY(!lock.lock());
    QCOMPARE(lock.errorString(), QStringLiteral("not connected"));
    QVERIFY(!lock.isHeld());
}

QTEST_GUILESS_MAIN(TestPgAdvisoryLock)
#include "tst_pgadvisorylock.moc"
