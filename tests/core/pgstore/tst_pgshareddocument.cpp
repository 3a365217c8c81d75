// PgSharedDocument against a real PostgreSQL (tests/interop/pgserver.py): documents kept in the database and shared
// by every instance on it (CONTRACT "Team store, API access and remote attach": rules and mailboxes are "shared (kept
// in the database)"). A write is read back by another instance; a write that expected a revision someone else has
// replaced since changes nothing (compare-and-set, also under concurrent writers); every other instance is told of a
// change within a bounded wait, whoever made it, and the writer is not; a lost listening connection reconnects by
// itself and catches up with what changed meanwhile.
#include "pgtestserver.h"

#include <pgstore/pgconnection.h>
#include <pgstore/pgmigrations.h>
#include <pgstore/pgparameter.h>
#include <pgstore/pgshareddocument.h>

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

namespace {
constexpr int Bound = 5000; // ms: a notification on loopback takes milliseconds
const QString Rules = QStringLiteral("rules");
const QString Mailboxes = QStringLiteral("mailboxes");
} // namespace

class TestPgSharedDocument : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void nothingIsStoredAtFirst();
    void aWriteIsReadByAnotherInstance();
    void aWriteExpectingAnOldRevisionChangesNothing();
    void twoFirstWritesConflict();
    void replaceTakesNoRevision();
    void anotherInstanceIsToldOfAChange();
    void aChangeByAnyConnectionIsTold();
    void otherDocumentsAreNotTold();
    void concurrentEditorsLoseNoWrite();
    void threadsShareOneInstance();
    void invalidTextIsRefused();
    void aLostListenerReconnectsAndCatchesUp();
    void aDatabaseWithoutTheTableIsRefused();

private:
    std::unique_ptr<PgSharedDocument> open(const QString &name);
    QString m_url;
    PgConnection m_admin;
};

void TestPgSharedDocument::initTestCase()
{
    QVERIFY2(!PgTestServer::url().isEmpty(), "LETTERBOX_TEST_PGURL is not set: run through tests/interop/pgserver.py");
    QString error;
    m_url = PgTestServer::createDatabase(QStringLiteral("tst_pgshareddocument"), &error);
    QVERIFY2(!m_url.isEmpty(), qPrintable(error));
    QVERIFY2(m_admin.open(m_url), qPrintable(m_admin.errorString()));
    QVERIFY2(PgMigrations::apply(m_admin, &error), qPrintable(error));
}

void TestPgSharedDocument::init()
{
    QVERIFY(m_admin.exec("DELETE FROM documents").isOk());
}

std::unique_ptr<PgSharedDocument> TestPgSharedDocument::open(const QString &name)
{
    auto document = std::make_unique<PgSharedDocument>(m_url, name);
    if (!document->open()) {
        qWarning("%s", qPrintable(document->errorString()));
        return nullptr;
    }
    return document;
}

void TestPgSharedDocument::nothingIsStoredAtFirst()
{
    const std::unique_ptr<PgSharedDocument> rules = open(Rules);
    QVERIFY(rules);
    QCOMPARE(rules->current().revision, 0);
    QVERIFY(rules->current().body.isEmpty());
    QCOMPARE(rules->name(), Rules);
}

void TestPgSharedDocument::aWriteIsReadByAnotherInstance()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    QVERIFY(a);
    qint64 revision = 0;
    QCOMPARE(a->write("{\"version\": 1}", 0, &revision), PgSharedDocument::WriteResult::Written);
    QCOMPARE(revision, 1);
    QCOMPARE(a->current().revision, 1);
    // Non-ASCII text goes and comes back as UTF-8.
    QCOMPARE(a->write("{\"text\": \"Gr\xc3\xbc\xc3\x9f"
                      "e\"}",
                 1, &revision),
        PgSharedDocument::WriteResult::Written);
    QCOMPARE(revision, 2);
    const std::unique_ptr<PgSharedDocument> b = open(Rules);
    QVERIFY(b);
    QCOMPARE(b->current().revision, 2);
    QCOMPARE(b->current().body,
        QByteArray("{\"text\": \"Gr\xc3\xbc\xc3\x9f"
                   "e\"}"));
    QCOMPARE(b->read()->body, b->current().body);
}

void TestPgSharedDocument::aWriteExpectingAnOldRevisionChangesNothing()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    QVERIFY(a);
    QCOMPARE(a->write("first", 0), PgSharedDocument::WriteResult::Written);
    const std::unique_ptr<PgSharedDocument> b = open(Rules);
    QVERIFY(b);
    // Both have read revision 1; a saves first.
    QCOMPARE(a->write("from a", 1), PgSharedDocument::WriteResult::Written);
    qint64 revision = -1;
    QCOMPARE(b->write("from b", 1, &revision), PgSharedDocument::WriteResult::Conflict);
    QCOMPARE(revision, -1);
    const std::optional<PgSharedDocument::Revision> stored = b->read();
    QVERIFY(stored);
    QCOMPARE(stored->body, QByteArray("from a"));
    QCOMPARE(stored->revision, 2);
    // Having read the new revision, b may save over it.
    QCOMPARE(b->write("from b", 2, &revision), PgSharedDocument::WriteResult::Written);
    QCOMPARE(revision, 3);
}

void TestPgSharedDocument::twoFirstWritesConflict()
{
    const std::unique_ptr<PgSharedDocument> a = open(Mailboxes);
    const std::unique_ptr<PgSharedDocument> b = open(Mailboxes);
    QVERIFY(a && b);
    QCOMPARE(a->write("a", 0), PgSharedDocument::WriteResult::Written);
    QCOMPARE(b->write("b", 0), PgSharedDocument::WriteResult::Conflict);
    QCOMPARE(b->read()->body, QByteArray("a"));
}

void TestPgSharedDocument::replaceTakesNoRevision()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    QVERIFY(a);
    qint64 revision = 0;
    QVERIFY2(a->replace("one", &revision), qPrintable(a->errorString()));
    QCOMPARE(revision, 1);
    QVERIFY(a->replace("two", &revision));
    QCOMPARE(revision, 2);
    QCOMPARE(a->read()->body, QByteArray("two"));
}

void TestPgSharedDocument::anotherInstanceIsToldOfAChange()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    const std::unique_ptr<PgSharedDocument> b = open(Rules);
    QVERIFY(a && b);
    QSignalSpy toldA(a.get(), &PgSharedDocument::changedElsewhere);
    QSignalSpy toldB(b.get(), &PgSharedDocument::changedElsewhere);
    QCOMPARE(a->write("{\"host\": []}", 0), PgSharedDocument::WriteResult::Written);
    QTRY_COMPARE_WITH_TIMEOUT(toldB.size(), 1, Bound);
    QCOMPARE(toldB.at(0).at(0).toByteArray(), QByteArray("{\"host\": []}"));
    QCOMPARE(toldB.at(0).at(1).toLongLong(), 1);
    QCOMPARE(b->current().revision, 1);
    // And back: b's write reaches a; neither hears of its own (a's notification of revision 1 arrived with it).
    QCOMPARE(b->write("{\"sender\": []}", 1), PgSharedDocument::WriteResult::Written);
    QTRY_COMPARE_WITH_TIMEOUT(toldA.size(), 1, Bound);
    QCOMPARE(toldA.at(0).at(0).toByteArray(), QByteArray("{\"sender\": []}"));
    QCOMPARE(toldA.at(0).at(1).toLongLong(), 2);
    QTest::qWait(200);
    QCOMPARE(toldB.size(), 1);
    QCOMPARE(toldA.size(), 1);
}

void TestPgSharedDocument::aChangeByAnyConnectionIsTold()
{
    // The trigger notifies, not the class: an administrator's UPDATE in psql reaches every instance too.
    const std::unique_ptr<PgSharedDocument> a = open(Mailboxes);
    QVERIFY(a);
    QSignalSpy told(a.get(), &PgSharedDocument::changedElsewhere);
    QVERIFY(m_admin.exec("INSERT INTO documents (name, body, revision) VALUES ('mailboxes', '{}', 7)").isOk());
    QTRY_COMPARE_WITH_TIMEOUT(told.size(), 1, Bound);
    QCOMPARE(told.at(0).at(0).toByteArray(), QByteArray("{}"));
    QCOMPARE(told.at(0).at(1).toLongLong(), 7);
}

void TestPgSharedDocument::otherDocumentsAreNotTold()
{
    const std::unique_ptr<PgSharedDocument> rules = open(Rules);
    const std::unique_ptr<PgSharedDocument> mailboxes = open(Mailboxes);
    const std::unique_ptr<PgSharedDocument> otherMailboxes = open(Mailboxes);
    QVERIFY(rules && mailboxes && otherMailboxes);
    QSignalSpy toldRules(rules.get(), &PgSharedDocument::changedElsewhere);
    QSignalSpy toldMailboxes(otherMailboxes.get(), &PgSharedDocument::changedElsewhere);
    QCOMPARE(mailboxes->write("{}", 0), PgSharedDocument::WriteResult::Written);
    // Once the other mailboxes instance has heard, so has the rules one, on the same channel.
    QTRY_COMPARE_WITH_TIMEOUT(toldMailboxes.size(), 1, Bound);
    QTest::qWait(100);
    QCOMPARE(toldRules.size(), 0);
    QCOMPARE(rules->current().revision, 0);
}

void TestPgSharedDocument::concurrentEditorsLoseNoWrite()
{
    // Four editors, each adding its letter 25 times by read, change, write-if-unchanged (again on a conflict): every
    // addition lands exactly once, so the last revision is 100 and the text holds 25 of each letter.
    constexpr int Editors = 4;
    constexpr int Edits = 25;
    {
        const std::unique_ptr<PgSharedDocument> first = open(Rules);
        QVERIFY(first);
        QCOMPARE(first->write(QByteArray(), 0), PgSharedDocument::WriteResult::Written);
    }
    std::atomic<int> failures { 0 };
    std::atomic<int> conflicts { 0 };
    QList<QThread *> threads;
    for (int e = 0; e < Editors; ++e) {
        threads << QThread::create([this, e, &failures, &conflicts] {
            PgSharedDocument document(m_url, Rules);
            if (!document.open()) {
                ++failures;
                return;
            }
            for (int i = 0; i < Edits;) {
                const std::optional<PgSharedDocument::Revision> stored = document.read();
                if (!stored) {
                    ++failures;
                    return;
                }
                switch (document.write(stored->body + char('a' + e), stored->revision)) {
                case PgSharedDocument::WriteResult::Written:
                    ++i;
                    break;
                case PgSharedDocument::WriteResult::Conflict:
                    ++conflicts;
                    break;
                case PgSharedDocument::WriteResult::Failed:
                    ++failures;
                    return;
                }
            }
        });
    }
    for (QThread *t : std::as_const(threads)) {
        t->start();
    }
    for (QThread *t : std::as_const(threads)) {
        QVERIFY(t->wait(60000));
        delete t;
    }
    QCOMPARE(failures.load(), 0);
    const PgResult stored = m_admin.exec("SELECT body, revision FROM documents WHERE name = 'rules'");
    QVERIFY(stored.isOk());
    QCOMPARE(stored.int64(0, 1), qint64(1 + Editors * Edits));
    const QByteArray body = stored.bytea(0, 0);
    QCOMPARE(body.size(), Editors * Edits);
    for (int e = 0; e < Editors; ++e) {
        QCOMPARE(body.count(char('a' + e)), Edits);
    }
    qInfo("%d conflicts retried", conflicts.load());
}

void TestPgSharedDocument::threadsShareOneInstance()
{
    // The API thread and the GUI thread save through the same object: their writes take turns on its connection.
    const std::unique_ptr<PgSharedDocument> shared = open(Mailboxes);
    QVERIFY(shared);
    constexpr int Writes = 50;
    std::atomic<int> failures { 0 };
    QList<QThread *> threads;
    for (int t = 0; t < 2; ++t) {
        threads << QThread::create([&shared, &failures] {
            for (int i = 0; i < Writes; ++i) {
                if (!shared->replace("{}")) {
                    ++failures;
                }
            }
        });
    }
    for (QThread *t : std::as_const(threads)) {
        t->start();
    }
    for (QThread *t : std::as_const(threads)) {
        QVERIFY(t->wait(60000));
        delete t;
    }
    QCOMPARE(failures.load(), 0);
    QCOMPARE(shared->current().revision, 2 * Writes);
    QCOMPARE(shared->read()->revision, 2 * Writes);
}

void TestPgSharedDocument::invalidTextIsRefused()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    QVERIFY(a);
    QCOMPARE(a->write("\xff\xfe", 0), PgSharedDocument::WriteResult::Failed);
    QVERIFY(!a->errorString().isEmpty());
    QVERIFY(!a->replace("\xff\xfe"));
    QCOMPARE(a->read()->revision, 0);
    // The connection goes on.
    QCOMPARE(a->write("ok", 0), PgSharedDocument::WriteResult::Written);
}

void TestPgSharedDocument::aLostListenerReconnectsAndCatchesUp()
{
    const std::unique_ptr<PgSharedDocument> a = open(Rules);
    QVERIFY(a);
    QSignalSpy lost(a.get(), &PgSharedDocument::connectionLost);
    QSignalSpy reconnected(a.get(), &PgSharedDocument::reconnected);
    QSignalSpy told(a.get(), &PgSharedDocument::changedElsewhere);
    // Every connection of a's (as a server restart would), and while it is away, someone saves the rules.
    const PgResult terminated = m_admin.exec(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND "
        "backend_type = 'client backend' AND pid <> pg_backend_pid()");
    QVERIFY2(terminated.isOk(), qPrintable(terminated.errorString()));
    QCOMPARE(terminated.int64(0, 0), 2);
    QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, Bound);
    QVERIFY(m_admin.exec("INSERT INTO documents (name, body, revision) VALUES ('rules', 'meanwhile', 1)").isOk());
    QTRY_COMPARE_WITH_TIMEOUT(reconnected.size(), 1, Bound);
    QCOMPARE(told.size(), 1);
    QCOMPARE(told.at(0).at(0).toByteArray(), QByteArray("meanwhile"));
    // Listening again, and the broken statement connection was opened again for the read.
    QVERIFY(m_admin.exec("UPDATE documents SET body = 'after', revision = 2 WHERE name = 'rules'").isOk());
    QTRY_COMPARE_WITH_TIMEOUT(told.size(), 2, Bound);
    QCOMPARE(a->current().body, QByteArray("after"));
    QCOMPARE(a->write("mine", 2), PgSharedDocument::WriteResult::Written);
    QCOMPARE(lost.size(), 1);
}

void TestPgSharedDocument::aDatabaseWithoutTheTableIsRefused()
{
    QString error;
    const QString url = PgTestServer::createDatabase(QStringLiteral("tst_pgshareddocument_empty"), &error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    PgSharedDocument document(url, Rules);
    QVERIFY(!document.open());
    QVERIFY2(document.errorString().contains(QStringLiteral("documents")), qPrintable(document.errorString()));
}

QTEST_GUILESS_MAIN(TestPgSharedDocument)
#include "tst_pgshareddocument.moc"
