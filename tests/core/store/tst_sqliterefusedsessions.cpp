// Refused sessions in the SQLite store (issue 16 "Refused sessions are kept"; docs/architecture.md "Refused
// sessions"): kept with the whole transcript and the refused data, listed newest first with paging, bounded by the
// retention limit counted on their own, left by deleting messages, kept across a restart, cleared on request.
#include <message/messageid.h>
#include <store/sqlitedatabase.h>
#include <store/sqlitemessagestore.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <future>
#include <memory>

namespace {
constexpr qint64 BaseMs = 1764000000000; // 2025-11-24T16:00:00Z

TranscriptEntry in(qint64 ms, const QByteArray &text)
{
    return { ms, TranscriptEntry::Direction::In, text };
}

TranscriptEntry out(qint64 ms, const QByteArray &text)
{
    return { ms, TranscriptEntry::Direction::Out, text };
}

// A session as SmtpWorker hands it over: its key encodes its start (milliseconds << 12).
RefusedSession refused(
    qint64 startMs, const QByteArrayList &rules, const Transcript &transcript, const QByteArray &data = QByteArray())
{
    RefusedSession s;
    s.startMs = startMs;
    s.endMs = startMs + 500;
    s.id = MessageId::generate(s.endMs);
    s.sessionKey = quint64(startMs) << 12;
    s.clientAddress = QStringLiteral("127.0.0.1");
    s.clientPort = 40000;
    s.helo = "client.test";
    s.rules = rules;
    s.transcript = transcript;
    s.data = data;
    s.dataSize = data.size();
    return s;
}

QStringList texts(const Transcript &transcript)
{
    QStringList list;
    for (const TranscriptEntry &e : transcript) {
        list << QString::fromUtf8(e.text);
    }
    return list;
}

QStringList ids(const RefusedSessionPage &page)
{
    QStringList list;
    for (const RefusedSession &s : page.sessions) {
        list << QString::fromLatin1(s.id);
    }
    return list;
}
} // namespace

class TestSqliteRefusedSessions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void keepsTheWholeSessionAndItsData();
    void listsNewestFirstWithPaging();
    void retentionCountsSessionsOnTheirOwn();
    void deletingMessagesLeavesSessions();
    void survivesARestartAndClears();
    void asynchronousListAnswersOnTheCallersThread();
    void migrationTenAddsThemToAnOlderStore();

private:
    // Hands session to the store and waits for its commit.
    bool keep(RefusedSession session);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteMessageStore> m_store;
};

void TestSqliteRefusedSessions::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY2(m_store->open(m_dir->filePath(QStringLiteral("data"))), qPrintable(m_store->errorString()));
}

void TestSqliteRefusedSessions::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

bool TestSqliteRefusedSessions::keep(RefusedSession session)
{
    QSignalSpy kept(m_store.get(), &MessageStore::refusedSessionKept);
    m_store->keepRefusedSession(std::move(session));
    return kept.wait(5000) || kept.size() == 1;
}

void TestSqliteRefusedSessions::keepsTheWholeSessionAndItsData()
{
    // One message delivered first (its entries go with it), then a refused recipient and a refused DATA.
    const qint64 start = BaseMs;
    IncomingMessage message;
    message.receivedMs = start + 100;
    message.id = MessageId::generate(message.receivedMs);
    message.sessionKey = quint64(start) << 12;
    message.envelope.mailFrom = "a@x.test";
    message.envelope.rcptTo = { "b@y.test" };
    message.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    message.traceHeader = "Received: test\r\n";
    message.data = "Subject: ok\r\n\r\nok\r\n";
    message.transcript = { out(start, "220 mx.test ESMTP"), in(start + 1, "EHLO client.test"),
        out(start + 2, "250 mx.test"), in(start + 3, "MAIL FROM:<a@x.test>"), out(start + 4, "250 2.1.0 Ok"),
        in(start + 5, "RCPT TO:<b@y.test>"), out(start + 6, "250 2.1.5 Ok"), in(start + 7, "DATA"),
        out(start + 8, "354 go"), in(start + 9, "[19 octets of message data]"),
        out(start + 100, "250 2.0.0 Ok: queued as " + message.id) };
    std::promise<DeliveryResult> delivered;
    m_store->deliver(message, [&delivered](const DeliveryResult &r) { delivered.set_value(r); });
    QVERIFY(delivered.get_future().get().ok);

    const QByteArray refusedData = "Subject: refuse me\r\nX-Refuse: yes\r\n\r\nbody\r\n";
    RefusedSession session = refused(start, { "recipient rule 1: exact bogus@y.test", "data rule 1: header X-Refuse" },
        { in(start + 200, "MAIL FROM:<a@x.test>"), out(start + 201, "250 2.1.0 Ok"),
            in(start + 202, "RCPT TO:<bogus@y.test>"), out(start + 203, "550 5.1.1 No such user"),
            in(start + 204, "RCPT TO:<b@y.test>"), out(start + 205, "250 2.1.5 Ok"), in(start + 206, "DATA"),
            out(start + 207, "354 go"), in(start + 208, "[42 octets of message data]"),
            out(start + 209, "554 5.7.1 Refused"), in(start + 210, "QUIT"), out(start + 211, "221 2.0.0 Bye") },
        refusedData);
    const QByteArray id = session.id;
    QVERIFY(keep(session));

    const std::optional<RefusedSessionPage> page = m_store->refusedSessions(0, 50);
    QVERIFY(page.has_value());
    QCOMPARE(page->total, 1);
    QCOMPARE(page->sessions.size(), 1);
    const RefusedSession &listed = page->sessions.first();
    QCOMPARE(listed.id, id);
    QCOMPARE(listed.startMs, start);
    QCOMPARE(listed.endMs, start + 500);
    QCOMPARE(listed.clientAddress, QStringLiteral("127.0.0.1"));
    QCOMPARE(listed.clientPort, quint16(40000));
    QCOMPARE(listed.helo, QByteArray("client.test"));
    QCOMPARE(listed.rules, (QByteArrayList { "recipient rule 1: exact bogus@y.test", "data rule 1: header X-Refuse" }));
    QCOMPARE(listed.messages, QStringList { QString::fromLatin1(message.id) });
    // Lists carry the size of the data, not the data.
    QCOMPARE(listed.dataSize, qint64(refusedData.size()));
    QVERIFY(listed.data.isEmpty());
    // The whole session: the message's entries, then the session's own.
    const QStringList transcript = texts(listed.transcript);
    QCOMPARE(transcript.size(), 11 + 12);
    QCOMPARE(transcript.first(), QStringLiteral("220 mx.test ESMTP"));
    QCOMPARE(transcript.at(10), QStringLiteral("250 2.0.0 Ok: queued as ") + QString::fromLatin1(message.id));
    QCOMPARE(transcript.at(13), QStringLiteral("RCPT TO:<bogus@y.test>"));
    QCOMPARE(transcript.at(14), QStringLiteral("550 5.1.1 No such user"));
    QCOMPARE(listed.transcript.at(14).direction, TranscriptEntry::Direction::Out);
    QCOMPARE(listed.transcript.at(14).timeMs, start + 203);
    QCOMPARE(transcript.last(), QStringLiteral("221 2.0.0 Bye"));

    const std::optional<RefusedSession> one = m_store->refusedSession(QString::fromLatin1(id));
    QVERIFY(one.has_value());
    QCOMPARE(one->data, refusedData);
    QCOMPARE(one->transcript.size(), 23);
    QVERIFY(!m_store->refusedSession(QStringLiteral("nosuchsession")).has_value());
}

void TestSqliteRefusedSessions::listsNewestFirstWithPaging()
{
    // Kept in another order than they started: listed by start, newest first.
    QStringList byStart;
    for (const qint64 offset : { 3000, 1000, 4000, 2000 }) {
        RefusedSession s = refused(
            BaseMs + offset, { "host rule 1: cidr 127.0.0.0/8" }, { out(BaseMs + offset, "554 5.7.1 Access denied") });
        byStart << QString::fromLatin1(s.id);
        QVERIFY(keep(std::move(s)));
    }
    const QStringList newestFirst { byStart.at(2), byStart.at(0), byStart.at(3), byStart.at(1) };
    QCOMPARE(ids(*m_store->refusedSessions(0, 50)), newestFirst);
    const std::optional<RefusedSessionPage> second = m_store->refusedSessions(1, 2);
    QCOMPARE(second->total, 4);
    QCOMPARE(ids(*second), newestFirst.mid(1, 2));
    QCOMPARE(m_store->refusedSessions(4, 2)->sessions.size(), 0);
    QCOMPARE(m_store->refusedSessions(4, 2)->total, 4);
    // No data refused: size 0, and nothing to fetch.
    QCOMPARE(m_store->refusedSession(byStart.first())->dataSize, 0);
    QVERIFY(m_store->refusedSession(byStart.first())->data.isEmpty());
}

void TestSqliteRefusedSessions::retentionCountsSessionsOnTheirOwn()
{
    m_store->setMaxMessages(2);
    // Two messages: at the limit, none pruned by the sessions kept after them.
    for (int i = 0; i < 2; ++i) {
        IncomingMessage m;
        m.receivedMs = BaseMs + i;
        m.id = MessageId::generate(m.receivedMs);
        m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
        m.data = "Subject: x\r\n\r\nx\r\n";
        std::promise<bool> done;
        m_store->deliver(m, [&done](const DeliveryResult &r) { done.set_value(r.ok); });
        QVERIFY(done.get_future().get());
    }
    QStringList kept;
    for (int i = 1; i <= 4; ++i) {
        RefusedSession s = refused(BaseMs + i * 1000, { "recipient rule 1: exact x@y.test" },
            { in(BaseMs + i * 1000, "RCPT TO:<x@y.test>"), out(BaseMs + i * 1000 + 1, "550 5.1.1 No") });
        kept.prepend(QString::fromLatin1(s.id));
        QVERIFY(keep(std::move(s)));
    }
    // The two newest sessions stay; both messages too.
    QCOMPARE(ids(*m_store->refusedSessions(0, 50)), kept.mid(0, 2));
    QCOMPARE(m_store->refusedSessions(0, 50)->total, 2);
    QCOMPARE(m_store->count(), 2);
}

void TestSqliteRefusedSessions::deletingMessagesLeavesSessions()
{
    IncomingMessage m;
    m.receivedMs = BaseMs + 10;
    m.id = MessageId::generate(m.receivedMs);
    m.sessionKey = quint64(BaseMs) << 12;
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.data = "Subject: x\r\n\r\nx\r\n";
    m.transcript = { in(BaseMs + 1, "EHLO client.test"), out(BaseMs + 10, "250 queued") };
    std::promise<bool> done;
    m_store->deliver(m, [&done](const DeliveryResult &r) { done.set_value(r.ok); });
    QVERIFY(done.get_future().get());
    RefusedSession s = refused(BaseMs, { "recipient rule 1: exact x@y.test" },
        { in(BaseMs + 20, "RCPT TO:<x@y.test>"), out(BaseMs + 21, "550 5.1.1 No") });
    const QString id = QString::fromLatin1(s.id);
    QVERIFY(keep(std::move(s)));
    QCOMPARE(m_store->refusedSession(id)->messages, QStringList { QString::fromLatin1(m.id) });

    QVERIFY(m_store->removeAll());
    QCOMPARE(m_store->count(), 0);
    const std::optional<RefusedSession> after = m_store->refusedSession(id);
    QVERIFY(after.has_value());
    // Whole still (its messages' entries were copied in), naming no message that is gone.
    QCOMPARE(texts(after->transcript),
        (QStringList { QStringLiteral("EHLO client.test"), QStringLiteral("250 queued"),
            QStringLiteral("RCPT TO:<x@y.test>"), QStringLiteral("550 5.1.1 No") }));
    QVERIFY(after->messages.isEmpty());
}

void TestSqliteRefusedSessions::survivesARestartAndClears()
{
    RefusedSession s = refused(BaseMs, { "recipient rule 1: exact x@y.test" },
        { in(BaseMs + 20, "RCPT TO:<x@y.test>"), out(BaseMs + 21, "550 5.1.1 No") }, "Subject: kept\r\n\r\n.\r\n");
    const QString id = QString::fromLatin1(s.id);
    QVERIFY(keep(s));
    QVERIFY(keep(refused(BaseMs + 5000, { "host rule 1: cidr 127.0.0.0/8" }, { out(BaseMs + 5000, "554 No") })));
    m_store->close();
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("data"))));
    QCOMPARE(m_store->refusedSessions(0, 50)->total, 2);
    QCOMPARE(m_store->refusedSession(id)->data, QByteArray("Subject: kept\r\n\r\n.\r\n"));

    QSignalSpy cleared(m_store.get(), &MessageStore::refusedSessionsCleared);
    QVERIFY(m_store->removeRefusedSessions());
    QCOMPARE(m_store->refusedSessions(0, 50)->total, 0);
    QVERIFY(!m_store->refusedSession(id).has_value());
    QTRY_COMPARE(cleared.size(), 1);
    QCOMPARE(cleared.at(0).at(0).toLongLong(), 2);
}

void TestSqliteRefusedSessions::asynchronousListAnswersOnTheCallersThread()
{
    QVERIFY(keep(refused(BaseMs, { "host rule 1: cidr 127.0.0.0/8" }, { out(BaseMs, "554 No") })));
    std::optional<RefusedSessionPage> answer;
    QThread *answeredOn = nullptr;
    m_store->refusedSessions(0, 10, this, [&](const RefusedSessionPage &page) {
        answer = page;
        answeredOn = QThread::currentThread();
    });
    QVERIFY(!answer.has_value()); // never at once: from the event loop
    QTRY_VERIFY(answer.has_value());
    QCOMPARE(answeredOn, QThread::currentThread());
    QCOMPARE(answer->total, 1);
    QCOMPARE(answer->sessions.first().rules.first(), QByteArray("host rule 1: cidr 127.0.0.0/8"));
}

void TestSqliteRefusedSessions::migrationTenAddsThemToAnOlderStore()
{
    // A store from before migration 10, with a message: made by this build, migration 10's objects taken out and
    // the version set to the one before it (9, whether or not a migration 9 exists: the runner applies every
    // migration above the stored version, in order).
    IncomingMessage m;
    m.receivedMs = BaseMs;
    m.id = MessageId::generate(m.receivedMs);
    m.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    m.data = "Subject: x\r\n\r\nx\r\n";
    std::promise<bool> done;
    m_store->deliver(m, [&done](const DeliveryResult &r) { done.set_value(r.ok); });
    QVERIFY(done.get_future().get());
    const QString path = m_store->databasePath();
    m_store->close();
    {
        SqliteDatabase db;
        QVERIFY(db.open(path, SqliteDatabase::Mode::ReadWrite));
        // Migration 11's objects go too (it is applied again after 10).
        QVERIFY(db.exec("DROP TABLE refused_sessions; DROP TABLE refused_session_entries; "
                        "DROP TRIGGER mailboxes_uid_validity; ALTER TABLE mailboxes DROP COLUMN uid_validity; "
                        "DROP TRIGGER messages_inserted; DROP INDEX mailboxes_uid_next; ALTER TABLE mailboxes DROP "
                        "COLUMN uid_next; "
                        "CREATE TRIGGER messages_inserted AFTER INSERT ON messages BEGIN UPDATE mailboxes SET "
                        "total = total + 1, unread = unread + (NEW.is_read = 0) WHERE id = NEW.mailbox_id; END; "
                        "PRAGMA user_version = 9;"));
    }
    m_store = std::make_unique<SqliteMessageStore>();
    QVERIFY2(m_store->open(m_dir->filePath(QStringLiteral("data"))), qPrintable(m_store->errorString()));
    QCOMPARE(m_store->count(), 1);
    QCOMPARE(m_store->refusedSessions(0, 50)->total, 0);
    QVERIFY(keep(refused(BaseMs + 1000, { "host rule 1: cidr 127.0.0.0/8" }, { out(BaseMs + 1000, "554 No") })));
    QCOMPARE(m_store->refusedSessions(0, 50)->total, 1);
}

QTEST_GUILESS_MAIN(TestSqliteRefusedSessions)
#include "tst_sqliterefusedsessions.moc"
