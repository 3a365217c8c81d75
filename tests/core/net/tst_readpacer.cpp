// ReadPacer (core/net): the token bucket behind a host rule's bytesPerSecond (CONTRACT "Failure scenarios (rules)":
// matching sessions have their input read at most B bytes a second; 0 is no limit). The bucket holds a tenth of a
// second's worth (readpacer.h); the clock is the test's.
#include <net/readpacer.h>

#include <QTest>

#include <limits>

class TestReadPacer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void budget_data();
    void budget();
    void steadyReadingKeepsTheRate_data();
    void steadyReadingKeepsTheRate();
    void unpacedAgain();
};

void TestReadPacer::budget_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<qint64>("readAtStart"); // bytes consumed at 0 ms, right after setRate()
    QTest::addColumn<qint64>("atMs");
    QTest::addColumn<qint64>("available");
    QTest::addColumn<qint64>("waitMs"); // msUntilRefilled()

    const qint64 any = std::numeric_limits<qint64>::max();
    QTest::newRow("0 is unpaced") << qint64(0) << qint64(1000000) << qint64(0) << any << qint64(0);
    QTest::newRow("starts with a tenth of a second")
        << qint64(10240) << qint64(0) << qint64(0) << qint64(1024) << qint64(0);
    QTest::newRow("spent") << qint64(10240) << qint64(1024) << qint64(0) << qint64(0) << qint64(100);
    QTest::newRow("half refilled") << qint64(10240) << qint64(1024) << qint64(50) << qint64(512) << qint64(50);
    QTest::newRow("partly spent") << qint64(10240) << qint64(24) << qint64(0) << qint64(1000) << qint64(3);
    // 1.5 bytes a millisecond: the half bytes add up rather than being rounded away.
    QTest::newRow("a fraction of a byte per ms, 1 ms")
        << qint64(1500) << qint64(150) << qint64(1) << qint64(1) << qint64(99);
    QTest::newRow("a fraction of a byte per ms, 3 ms")
        << qint64(1500) << qint64(150) << qint64(3) << qint64(4) << qint64(97);
    // A client that paused gets the bucket, not the whole pause's worth.
    QTest::newRow("a pause bursts one bucket")
        << qint64(10240) << qint64(1024) << qint64(60000) << qint64(1024) << qint64(0);
    QTest::newRow("100 KB/s after 30 ms")
        << qint64(102400) << qint64(10240) << qint64(30) << qint64(3072) << qint64(70);
    // Below ten bytes a second the bucket holds one byte, read when it is whole.
    QTest::newRow("5 bytes/s, 100 ms") << qint64(5) << qint64(1) << qint64(100) << qint64(0) << qint64(100);
    QTest::newRow("5 bytes/s, 200 ms") << qint64(5) << qint64(1) << qint64(200) << qint64(1) << qint64(0);
    // The largest rate the rules file takes (Rule::MaxBytesPerSecond), and a gap that would overflow a naive
    // elapsed × rate.
    QTest::newRow("1e9 bytes/s, 1 ms") << qint64(1000000000) << qint64(100000000) << qint64(1) << qint64(1000000)
                                       << qint64(99);
    QTest::newRow("1e9 bytes/s, a year") << qint64(1000000000) << qint64(100000000) << qint64(365) * 24 * 3600 * 1000
                                         << qint64(100000000) << qint64(0);
    QTest::newRow("a clock that went back") << qint64(10240) << qint64(1024) << qint64(-5) << qint64(0) << qint64(100);
    // Reading past the budget is a debt paid before anything more may be read.
    QTest::newRow("a debt, 100 ms") << qint64(10240) << qint64(2048) << qint64(100) << qint64(0) << qint64(100);
    QTest::newRow("a debt, 200 ms") << qint64(10240) << qint64(2048) << qint64(200) << qint64(1024) << qint64(0);
}

void TestReadPacer::budget()
{
    QFETCH(qint64, rate);
    QFETCH(qint64, readAtStart);
    QFETCH(qint64, atMs);
    QFETCH(qint64, available);
    QFETCH(qint64, waitMs);
    ReadPacer pacer;
    pacer.setRate(rate, 0);
    QCOMPARE(pacer.isPaced(), rate > 0);
    pacer.consume(readAtStart, 0);
    QCOMPARE(pacer.available(atMs), available);
    QCOMPARE(pacer.msUntilRefilled(atMs), waitMs);
}

void TestReadPacer::steadyReadingKeepsTheRate_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<qint64>("chunk"); // the most one read takes (the connection's block size)
    QTest::newRow("10 KB/s") << qint64(10240) << qint64(2048);
    QTest::newRow("100 KB/s") << qint64(102400) << qint64(256 * 1024);
    QTest::newRow("100 KB/s in small reads") << qint64(102400) << qint64(512);
    QTest::newRow("1 byte/s") << qint64(1) << qint64(2048);
    QTest::newRow("1e9 bytes/s") << qint64(1000000000) << qint64(256 * 1024);
}

void TestReadPacer::steadyReadingKeepsTheRate()
{
    // A client that always has more to send, read as NetConnection does: as much as the bucket and the block size
    // allow, and when the bucket is empty, again once msUntilRefilled() is over. Over 10 s it gets the rate's worth
    // plus the bucket it started with, and never more.
    QFETCH(qint64, rate);
    QFETCH(qint64, chunk);
    ReadPacer pacer;
    pacer.setRate(rate, 0);
    const qint64 endMs = 10000;
    qint64 now = 0;
    qint64 total = 0;
    qint64 wakeups = 0;
    while (now <= endMs) {
        const qint64 n = qMin(chunk, pacer.available(now));
        if (n > 0) {
            pacer.consume(n, now);
            total += n;
            continue;
        }
        now += qMax<qint64>(pacer.msUntilRefilled(now), 1);
        ++wakeups;
    }
    // The bucket holds a tenth of a second's worth, at least one byte (readpacer.h), stated here, not asked of it.
    const qint64 bucket = qMax<qint64>(rate / 10, 1);
    QCOMPARE(pacer.capacity(), bucket);
    const qint64 allowed = bucket + rate * endMs / 1000;
    QVERIFY2(total <= allowed, qPrintable(QStringLiteral("%1 > %2").arg(total).arg(allowed)));
    if (chunk >= bucket) {
        // Whole buckets: the rate is reached exactly, waking about ten times a second (once a second below 10 B/s).
        QCOMPARE(total, allowed);
        QVERIFY(wakeups <= endMs / 100 + 1);
    } else {
        // Smaller reads than the bucket: still within one bucket of the rate.
        QVERIFY(total >= allowed - bucket);
    }
}

void TestReadPacer::unpacedAgain()
{
    ReadPacer pacer;
    QVERIFY(!pacer.isPaced());
    pacer.setRate(10240, 0);
    pacer.consume(1024, 0);
    QCOMPARE(pacer.available(0), 0);
    pacer.setRate(0, 0);
    QVERIFY(!pacer.isPaced());
    QCOMPARE(pacer.available(0), std::numeric_limits<qint64>::max());
    QCOMPARE(pacer.msUntilRefilled(0), 0);
    QCOMPARE(pacer.capacity(), 0);
}

QTEST_GUILESS_MAIN(TestReadPacer)
#include "tst_readpacer.moc"
