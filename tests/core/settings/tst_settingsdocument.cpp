// SettingsDocument (core/settings): a document applies what is saved and what another instance changed in revision
// order, never an older text after a newer; FileSettingsDocument saves atomically with owner-only permissions and
// counts its revisions; MailboxSettings follows a change made elsewhere and keeps what is in force when the change
// is not valid.
#include <mailbox/mailboxsettings.h>
#include <settings/filesettingsdocument.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {
// A document whose revisions the test hands out, and which hears of others' changes when the test says so: what a
// database's document does, without a database.
class ScriptedDocument : public SettingsDocument
{
    Q_OBJECT
public:
    QString location() const override { return QStringLiteral("scripted#rules"); }
    std::optional<Contents> read(QString *) override { return Contents { !stored.isEmpty(), stored, revision }; }
    // Another instance's revision arrives.
    void arrive(const QByteArray &body, qint64 at) { received(body, at); }

    QByteArray stored;
    qint64 revision = 0;
    qint64 nextWrite = 0; // the revision the next write makes; 0: one more than the last
    bool failWrites = false;

protected:
    bool write(const QByteArray &body, qint64 *made, QString *error) override
    {
        if (failWrites) {
            *error = QStringLiteral("scripted#rules: the server went away");
            return false;
        }
        revision = nextWrite > 0 ? nextWrite : revision + 1;
        stored = body;
        *made = revision;
        return true;
    }
};
} // namespace

class TestSettingsDocument : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appliesInRevisionOrder();
    void anInvalidChangeKeepsWhatIsInForce();
    void aFailedWriteChangesNothing();
    void fileDocumentCountsItsWrites();
    void mailboxSettingsFollowAChangeMadeElsewhere();
};

void TestSettingsDocument::appliesInRevisionOrder()
{
    ScriptedDocument document;
    QByteArrayList applied;
    document.setApplier(
        [&applied](const QByteArray &body, QString *) {
            applied << body;
            return true;
        },
        3);
    QSignalSpy told(&document, &SettingsDocument::changedElsewhere);
    // Older than what is in force: ignored.
    document.arrive("old", 2);
    QVERIFY(applied.isEmpty());
    QCOMPARE(told.size(), 0);
    // Another instance's newer revision applies, and is told.
    document.arrive("theirs", 5);
    QCOMPARE(applied, QByteArrayList { "theirs" });
    QCOMPARE(told.size(), 1);
    // A save of ours that the database numbered before theirs (ours committed first, theirs arrived first): written,
    // not applied over the newer.
    document.nextWrite = 4;
    QString error;
    QVERIFY(document.save("ours, older", &error));
    QCOMPARE(applied, QByteArrayList { "theirs" });
    // A save numbered after it applies, and is not told as a change made elsewhere.
    document.nextWrite = 6;
    QVERIFY(document.save("ours, newer", &error));
    QCOMPARE(applied, (QByteArrayList { "theirs", "ours, newer" }));
    QCOMPARE(told.size(), 1);
    // The notification of our own write, or a repeated one, changes nothing.
    document.arrive("ours, newer", 6);
    QCOMPARE(applied.size(), 2);
    // An editor that applies each edit itself: an older edit whose save lands after a newer edit was applied is
    // written, not applied over it; the newest edit's save applies (over a change that arrived meanwhile).
    document.nextWrite = 7;
    QVERIFY(document.save("edit 1", &error, [] { return false; }));
    QCOMPARE(applied.size(), 2);
    document.nextWrite = 9;
    document.arrive("theirs, between", 8);
    QVERIFY(document.save("edit 2", &error, [] { return true; }));
    QCOMPARE(applied, (QByteArrayList { "theirs", "ours, newer", "theirs, between", "edit 2" }));
}

void TestSettingsDocument::anInvalidChangeKeepsWhatIsInForce()
{
    ScriptedDocument document;
    QByteArray inForce = "first";
    document.setApplier(
        [&inForce](const QByteArray &body, QString *problem) {
            if (body.startsWith("bad")) {
                *problem = QStringLiteral("1: sender: not a list");
                return false;
            }
            inForce = body;
            return true;
        },
        1);
    QSignalSpy told(&document, &SettingsDocument::changedElsewhere);
    QTest::ignoreMessage(QtWarningMsg,
        "scripted#rules was changed elsewhere to something not valid, keeping what is in force: "
        "scripted#rules:1: sender: not a list");
    document.arrive("bad", 2);
    QCOMPARE(inForce, QByteArray("first"));
    QCOMPARE(told.size(), 0);
    // A later valid revision still applies.
    document.arrive("second", 3);
    QCOMPARE(inForce, QByteArray("second"));
    QCOMPARE(told.size(), 1);
}

void TestSettingsDocument::aFailedWriteChangesNothing()
{
    ScriptedDocument document;
    int calls = 0;
    document.setApplier(
        [&calls](const QByteArray &, QString *) {
            ++calls;
            return true;
        },
        0);
    document.failWrites = true;
    QString error;
    QVERIFY(!document.save("x", &error));
    QCOMPARE(error, QStringLiteral("scripted#rules: the server went away"));
    QCOMPARE(calls, 0);
}

void TestSettingsDocument::fileDocumentCountsItsWrites()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/rules.json"));
    FileSettingsDocument document(path);
    QString error;
    std::optional<SettingsDocument::Contents> contents = document.read(&error);
    QVERIFY(contents);
    QVERIFY(!contents->exists);
    QCOMPARE(contents->revision, 0);
    QByteArrayList applied;
    document.setApplier(
        [&applied](const QByteArray &body, QString *) {
            applied << body;
            return true;
        },
        contents->revision);
    QVERIFY2(document.save("{\"version\": 1}", &error), qPrintable(error));
    QVERIFY2(document.save("{\"version\": 1, \"sender\": []}", &error), qPrintable(error));
    QCOMPARE(applied, (QByteArrayList { "{\"version\": 1}", "{\"version\": 1, \"sender\": []}" }));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("{\"version\": 1, \"sender\": []}"));
    QCOMPARE(file.permissions()
            & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
        QFileDevice::Permissions());
    QCOMPARE(document.location(), path);
    // A file that cannot be written: its path and why.
    FileSettingsDocument blocked(dir.filePath(QStringLiteral("sub/rules.json/inside")));
    QVERIFY(!blocked.save("{}", &error));
    QVERIFY2(error.startsWith(dir.filePath(QStringLiteral("sub/rules.json/inside")) + QStringLiteral(": ")),
        qPrintable(error));
}

void TestSettingsDocument::mailboxSettingsFollowAChangeMadeElsewhere()
{
    ScriptedDocument document;
    document.stored = R"({"version": 1, "perUser": false, "mailboxes": []})";
    document.revision = 1;
    MailboxSettings settings(&document);
    QString error;
    QVERIFY2(settings.load(false, &error), qPrintable(error));
    QSignalSpy changed(&settings, &MailboxSettings::changed);
    document.arrive(R"({"version": 1, "perUser": false, "mailboxes": [{"name": "shop", "routes": [{"recipient":
        "*@shop.test"}]}]})",
        2);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(settings.config().mailboxes.size(), 1);
    QCOMPARE(settings.config().mailboxes.first().name, QStringLiteral("shop"));
    // Not valid: what is in force stays.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^scripted#rules was changed elsewhere")));
    document.arrive(R"({"version": 1, "mailboxes": [{"name": ""}]})", 3);
    QCOMPARE(settings.config().mailboxes.size(), 1);
    // replace() saves through the document (the database is at revision 3 now) and applies what it saved.
    document.revision = 3;
    MailboxConfig none;
    QVERIFY2(settings.replace(none, &error), qPrintable(error));
    QCOMPARE(settings.config().mailboxes.size(), 0);
    QCOMPARE(document.revision, 4);
}

QTEST_GUILESS_MAIN(TestSettingsDocument)
#include "tst_settingsdocument.moc"
