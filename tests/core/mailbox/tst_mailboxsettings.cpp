// MailboxSettings: the mailboxes file loaded all or nothing with the rules file's "FILE:LINE: field: problem" errors,
// replaced atomically with owner-only permissions, --mailbox-per-user on top of the file (CONTRACT "Mailboxes" and
// "Command line").
#include <mailbox/mailboxsettings.h>
#include <message/clientaddress.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

class TestMailboxSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aMissingFileIsTheEmptyConfiguration();
    void aMissingFileGivenOnTheCommandLineIsAnError();
    void aBadFileNamesFileLineAndFieldAndChangesNothing();
    void replaceSavesAtomicallyForTheOwnerOnly();
    void replaceRefusesAnInvalidConfigurationWhole();
    void perUserForcedOnTopOfTheFile();

private:
    static QByteArray routedMailbox(const MailboxSettings &settings, const QString &user, const QByteArray &rcpt)
    {
        return settings.router()->route(QString(), user, ClientAddress(), { rcpt }).constFirst().mailbox.toUtf8();
    }
};

void TestMailboxSettings::aMissingFileIsTheEmptyConfiguration()
{
    QTemporaryDir dir;
    MailboxSettings settings(dir.filePath(QStringLiteral("mailboxes.json")));
    QString error;
    QVERIFY(settings.load(false, &error));
    QCOMPARE(settings.config(), MailboxConfig());
    QCOMPARE(routedMailbox(settings, QString(), "a@shop.test"), QByteArray("Inbox"));
}

void TestMailboxSettings::aMissingFileGivenOnTheCommandLineIsAnError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("nope.json"));
    MailboxSettings settings(path);
    QString error;
    QVERIFY(!settings.load(true, &error));
    QVERIFY2(error.startsWith(path + QStringLiteral(": ")), qPrintable(error));
}

void TestMailboxSettings::aBadFileNamesFileLineAndFieldAndChangesNothing()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mailboxes.json"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"version": 1, "mailboxes": [{"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})");
    }
    MailboxSettings settings(path);
    QString error;
    QVERIFY(settings.load(true, &error));
    QCOMPARE(routedMailbox(settings, QString(), "a@shop.test"), QByteArray("shop"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\"version\": 1,\n \"mailboxes\": [\n  {\"name\": \"billing\",\n   \"routes\": [{\"client\": "
                "\"10.0.0.0/33\"}]}]}\n");
    }
    QSignalSpy changed(&settings, &MailboxSettings::changed);
    QVERIFY(!settings.load(true, &error));
    QVERIFY2(error.startsWith(path + QStringLiteral(":4: mailboxes[0].routes[0].client: ")), qPrintable(error));
    QCOMPARE(changed.size(), 0);
    QCOMPARE(routedMailbox(settings, QString(), "a@shop.test"), QByteArray("shop"));
}

void TestMailboxSettings::replaceSavesAtomicallyForTheOwnerOnly()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/mailboxes.json"));
    MailboxSettings settings(path);
    QSignalSpy changed(&settings, &MailboxSettings::changed);
    MailboxConfig config;
    config.mailboxes.append(
        { QStringLiteral("shop"), { { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") } } });
    QString error;
    QVERIFY2(settings.replace(config, &error), qPrintable(error));
    QCOMPARE(changed.size(), 1);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
    QString parseError;
    QCOMPARE(MailboxConfig::fromJson(f.readAll(), &parseError), std::optional<MailboxConfig>(config));
    QCOMPARE(routedMailbox(settings, QString(), "a@SHOP.test"), QByteArray("shop"));
    // What was saved is what the next start loads.
    MailboxSettings again(path);
    QVERIFY(again.load(true, &error));
    QCOMPARE(again.config(), config);
}

void TestMailboxSettings::replaceRefusesAnInvalidConfigurationWhole()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mailboxes.json"));
    MailboxSettings settings(path);
    MailboxConfig config;
    config.mailboxes.append(
        { QStringLiteral("shop"), { { MailboxRoute::Field::Recipient, QStringLiteral("*@shop.test") } } });
    config.mailboxes.append({ QStringLiteral("bad name"), {} });
    QSignalSpy changed(&settings, &MailboxSettings::changed);
    QString error;
    QVERIFY(!settings.replace(config, &error));
    QVERIFY2(error.startsWith(QStringLiteral("mailboxes[1].name: ")), qPrintable(error));
    QVERIFY(!QFile::exists(path));
    QCOMPARE(changed.size(), 0);
    QCOMPARE(settings.config(), MailboxConfig());
}

void TestMailboxSettings::perUserForcedOnTopOfTheFile()
{
    MailboxSettings settings;
    QCOMPARE(routedMailbox(settings, QStringLiteral("jane"), "a@x.test"), QByteArray("Inbox"));
    settings.setPerUserForced(true);
    QVERIFY(settings.config().perUser);
    QVERIFY(!settings.savedConfig().perUser);
    QCOMPARE(routedMailbox(settings, QStringLiteral("jane"), "a@x.test"), QByteArray("jane"));
    // A configuration saved without perUser keeps the forced one for this run.
    QString error;
    QVERIFY(settings.replace(MailboxConfig(), &error));
    QCOMPARE(routedMailbox(settings, QStringLiteral("jane"), "a@x.test"), QByteArray("jane"));
    // A user name that is no mailbox name keeps its mail in Inbox (CONTRACT "Settled details").
    QCOMPARE(routedMailbox(settings, QStringLiteral("jane@example.com"), "a@x.test"), QByteArray("Inbox"));
}

QTEST_GUILESS_MAIN(TestMailboxSettings)
#include "tst_mailboxsettings.moc"
