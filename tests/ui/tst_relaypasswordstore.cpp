// RelayPasswordStore without a keychain service, as on a bare CI box (no Secret Service on D-Bus): reading and
// writing say NoKeychain, later and not from inside the call, within a bounded time, and nothing is written to the
// settings file instead (QtKeychain's plain-text fallback stays off).
#include <ui/relaypasswordstore.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

class TestRelayPasswordStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void withoutAKeychainNothingIsKeptAndItSaysSo_data();
    void withoutAKeychainNothingIsKeptAndItSaysSo();
    void aStoreGoneBeforeTheKeychainAnswersIsNotCalledBack();

private:
    QTemporaryDir m_dir;
};

void TestRelayPasswordStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toLocal8Bit());
    qputenv("HOME", m_dir.path().toLocal8Bit());
    // No session bus: no Secret Service and no KWallet.
    qputenv(
        "DBUS_SESSION_BUS_ADDRESS", QByteArray("unix:path=") + m_dir.filePath(QStringLiteral("no-bus")).toLocal8Bit());
}

void TestRelayPasswordStore::withoutAKeychainNothingIsKeptAndItSaysSo_data()
{
    QTest::addColumn<bool>("writing");
    QTest::addColumn<bool>("noBusAtAll");
    QTest::newRow("reading, with a session bus address where no bus is") << false << false;
    QTest::newRow("writing, with a session bus address where no bus is") << true << false;
    QTest::newRow("reading, without a session bus address") << false << true;
    QTest::newRow("writing, without a session bus address") << true << true;
}

void TestRelayPasswordStore::withoutAKeychainNothingIsKeptAndItSaysSo()
{
    QFETCH(bool, writing);
    QFETCH(bool, noBusAtAll);
    // No Secret Service and no KWallet either way.
    if (noBusAtAll) {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    } else {
        qputenv("DBUS_SESSION_BUS_ADDRESS",
            QByteArray("unix:path=") + m_dir.filePath(QStringLiteral("no-bus")).toLocal8Bit());
    }
    const QString password = QStringLiteral("pw-1b2c3d-not-on-disk");
    RelayPasswordStore store(QStringLiteral("letterbox-relay-test"));
    bool called = false;
    bool calledInside = true;
    RelayPasswordStore::Status status = RelayPasswordStore::Status::Ok;
    QString read;
    QElapsedTimer timer;
    timer.start();
    if (writing) {
        store.write(password, [&](RelayPasswordStore::Status s, const QString &) {
            called = true;
            status = s;
        });
    } else {
        store.read([&](RelayPasswordStore::Status s, const QString &p, const QString &) {
            called = true;
            status = s;
            read = p;
        });
    }
    calledInside = called;
    QVERIFY(!calledInside);
    QTRY_VERIFY_WITH_TIMEOUT(called, 60000);
    QCOMPARE(status, RelayPasswordStore::Status::NoKeychain);
    QCOMPARE(read, QString());
    // Nothing went anywhere on disk under this home instead.
    for (const QString &file : QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot)) {
        QFile f(QDir(m_dir.path()).filePath(file));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(password.toUtf8()));
    }
    QVERIFY(!QFile::exists(QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).fileName()));
}

void TestRelayPasswordStore::aStoreGoneBeforeTheKeychainAnswersIsNotCalledBack()
{
    // The window (and its store) may close while the keychain still works: no late call to what is gone.
    bool called = false;
    for (int i = 0; i < 6; ++i) {
        if (i % 2) {
            qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        } else {
            qputenv("DBUS_SESSION_BUS_ADDRESS",
                QByteArray("unix:path=") + m_dir.filePath(QStringLiteral("no-bus")).toLocal8Bit());
        }
        auto *store = new RelayPasswordStore(QStringLiteral("letterbox-relay-test"));
        store->read([&](RelayPasswordStore::Status, const QString &, const QString &) { called = true; });
        store->write(QStringLiteral("pw"), [&](RelayPasswordStore::Status, const QString &) { called = true; });
        delete store;
    }
    QTest::qWait(2000);
    QVERIFY(!called);
}

QTEST_MAIN(TestRelayPasswordStore)
#include "tst_relaypasswordstore.moc"
