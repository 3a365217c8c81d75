// PgListener against a real PostgreSQL (tests/interop/pgserver.py): a NOTIFY from another connection arrives through
// the socket notifier, from the event loop, within a bounded wait; one sent inside a transaction arrives at its
// commit and never after a rollback; channel names are quoted; many arrive in order; a terminated connection is
// said once (docs/architecture.md "PostgreSQL store").
#include "pgtestserver.h"

#include <pgstore/pgconnection.h>
#include <pgstore/pglistener.h>
#include <pgstore/pgparameter.h>
#include <pgstore/pgtransaction.h>

#include <QSignalSpy>
#include <QTest>

namespace {
constexpr int Bound = 5000; // ms: a notification on loopback takes milliseconds
const QString Channel = QStringLiteral("letterbox_test");
} // namespace

class TestPgListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void notificationArrivesThroughTheSocket();
    void notificationWaitsForCommit();
    void channelNamesAreQuoted();
    void manyArriveInOrder();
    void terminatedConnectionIsSaidOnce();
    void closedConnectionCannotListen();

private:
    PgConnection open();
    QString m_url;
};

void TestPgListener::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QString error;
    m_url = PgTestServer::createDatabase(QStringLiteral("tst_pglistener"), &error);
    QVERIFY2(!m_url.isEmpty(), qPrintable(error));
}

PgConnection TestPgListener::open()
{
    PgConnection connection;
    if (!connection.open(m_url)) {
        qWarning("%s", qPrintable(connection.errorString()));
    }
    return connection;
}

void TestPgListener::notificationArrivesThroughTheSocket()
{
    PgListener listener(open());
    QVERIFY2(listener.listen(Channel), qPrintable(listener.errorString()));
    QSignalSpy notified(&listener, &PgListener::notified);
    PgConnection sender = open();
    QVERIFY(sender.notify(Channel, "message 42 stored"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, Bound);
    const auto notification = notified.at(0).at(0).value<PgNotification>();
    QCOMPARE(notification.channel, Channel);
    QCOMPARE(notification.payload, QByteArray("message 42 stored"));
    QCOMPARE(notification.processId, sender.backendProcessId());
}

void TestPgListener::notificationWaitsForCommit()
{
    PgListener listener(open());
    QVERIFY(listener.listen(Channel));
    QSignalSpy notified(&listener, &PgListener::notified);
    PgConnection sender = open();
    {
        PgTransaction rolledBack(sender);
        QVERIFY(rolledBack.begin());
        QVERIFY(sender.notify(Channel, "never"));
        QVERIFY(rolledBack.rollback());
    }
    PgTransaction transaction(sender);
    QVERIFY(transaction.begin());
    QVERIFY(sender.notify(Channel, "at commit"));
    QTest::qWait(300);
    QCOMPARE(notified.count(), 0);
    QVERIFY(transaction.commit());
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, Bound);
    QCOMPARE(notified.at(0).at(0).value<PgNotification>().payload, QByteArray("at commit"));
    QTest::qWait(200);
    QCOMPARE(notified.count(), 1);
}

void TestPgListener::channelNamesAreQuoted()
{
    const QString odd = QStringLiteral("Mixed Case; \"quoted\"");
    PgListener listener(open());
    QVERIFY2(listener.listen(odd), qPrintable(listener.errorString()));
    QSignalSpy notified(&listener, &PgListener::notified);
    PgConnection sender = open();
    // An unquoted identifier would have been folded to lower case: that channel is another one.
    QVERIFY(sender.notify(odd.toLower(), "folded"));
    QVERIFY(sender.notify(odd, "exact"));
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, Bound);
    QCOMPARE(notified.at(0).at(0).value<PgNotification>().channel, odd);
    QCOMPARE(notified.at(0).at(0).value<PgNotification>().payload, QByteArray("exact"));
}

void TestPgListener::manyArriveInOrder()
{
    PgListener listener(open());
    QVERIFY(listener.listen(Channel));
    QSignalSpy notified(&listener, &PgListener::notified);
    PgConnection sender = open();
    constexpr int Count = 200;
    for (int i = 0; i < Count; ++i) {
        QVERIFY(sender.notify(Channel, QByteArray::number(i)));
    }
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), Count, Bound);
    for (int i = 0; i < Count; ++i) {
        QCOMPARE(notified.at(i).at(0).value<PgNotification>().payload, QByteArray::number(i));
    }
}

void TestPgListener::terminatedConnectionIsSaidOnce()
{
    PgConnection connection = open();
    const int pid = connection.backendProcessId();
    PgListener listener(std::move(connection));
    QVERIFY(listener.listen(Channel));
    QSignalSpy lost(&listener, &PgListener::connectionLost);
    PgConnection admin = open();
    const PgResult killed = admin.exec("SELECT pg_terminate_backend($1::integer)", { PgParameter::int64(pid) });
    QVERIFY2(killed.isOk() && killed.boolean(0, 0), qPrintable(killed.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, Bound);
    QVERIFY(!lost.at(0).at(0).toString().isEmpty());
    QTest::qWait(200);
    QCOMPARE(lost.count(), 1);
    QVERIFY(!listener.listen(Channel));
}

void TestPgListener::closedConnectionCannotListen()
{
    PgListener listener { PgConnection() };
    QVERIFY(!listener.listen(Channel));
    QCOMPARE(listener.errorString(), QStringLiteral("not connected"));
}

QTEST_GUILESS_MAIN(TestPgListener)
#include "tst_pglistener.moc"
