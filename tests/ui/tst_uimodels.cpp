// The message pane's and the Sessions dock's models: HeadersModel, PartsModel, TranscriptModel, SessionsModel,
// each watched by QAbstractItemModelTester; and the notifier's coalescing. Expected values come from reading the
// corpus messages (tests/data/mime) and the transcript's shape (README "REST API", the session resource).
#include <mime/parsedmessage.h>
#include <ui/headersmodel.h>
#include <ui/notifier.h>
#include <ui/partsmodel.h>
#include <ui/sessionsmodel.h>
#include <ui/transcriptmodel.h>

#include <QAbstractItemModelTester>
#include <QColor>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

namespace {
QByteArray load(const char *name)
{
    QFile file(QStringLiteral(LETTERBOX_TEST_DATA "/mime/%1").arg(QLatin1String(name)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

TranscriptEntry entry(TranscriptEntry::Direction direction, const QByteArray &text)
{
    return { 1764000000000, direction, text };
}
constexpr auto In = TranscriptEntry::Direction::In;
constexpr auto Out = TranscriptEntry::Direction::Out;
} // namespace

class TestUiModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void headersInOrderWithRawValues();
    void partsAsATree();
    void transcriptRowsAndColours();
    void sessionsFollowConnectionsCoalesced();
    void sessionsArePrunedOldestClosedFirst();
    void notificationsAreCoalescedInBursts();
};

void TestUiModels::headersInOrderWithRawValues()
{
    const ParsedMessage m = ParsedMessage::parse(load("utf8-headers.eml"));
    HeadersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setHeaders(m.headers);
    QCOMPARE(model.rowCount(), m.headers.size());
    QVERIFY(model.rowCount() >= 4);
    int subjectRow = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, HeadersModel::NameColumn).data().toString() == QLatin1String("Subject")) {
            subjectRow = row;
        }
    }
    QVERIFY(subjectRow >= 0);
    const QModelIndex value = model.index(subjectRow, HeadersModel::ValueColumn);
    QCOMPARE(value.data().toString(), m.subject);
    QVERIFY(value.data(Qt::ToolTipRole).toString().startsWith(QLatin1String("Raw: ")));
    QCOMPARE(model.copyText({ subjectRow }), QStringLiteral("Subject: ") + m.subject);
}

void TestUiModels::partsAsATree()
{
    // related-cid.eml: multipart/alternative { text/plain, multipart/related { text/html, image/png } }.
    const ParsedMessage m = ParsedMessage::parse(load("related-cid.eml"));
    PartsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setParts(m.parts);
    QCOMPARE(model.rowCount(), 1); // the root multipart
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(model.index(0, PartsModel::TypeColumn).data().toString(), QStringLiteral("multipart/alternative"));
    QCOMPARE(model.rowCount(root), 2);
    QCOMPARE(model.index(0, PartsModel::PartColumn, root).data().toString(), QStringLiteral("1"));
    QCOMPARE(model.index(0, PartsModel::TypeColumn, root).data().toString(), QStringLiteral("text/plain; us-ascii"));
    const QModelIndex related = model.index(1, 0, root);
    QCOMPARE(model.index(1, PartsModel::TypeColumn, root).data().toString(), QStringLiteral("multipart/related"));
    QCOMPARE(model.rowCount(related), 2);
    const QModelIndex logo = model.index(1, 0, related);
    QCOMPARE(logo.data(PartsModel::PartIdRole).toString(), QStringLiteral("2.2"));
    QCOMPARE(model.index(1, PartsModel::NameColumn, related).data().toString(), QStringLiteral("<logo@example.com>"));
    QCOMPARE(model.index(1, PartsModel::DispositionColumn, related).data().toString(), QStringLiteral("inline"));
    QVERIFY(logo.data(PartsModel::IsLeafRole).toBool());
    QVERIFY(!related.data(PartsModel::IsLeafRole).toBool());
    QCOMPARE(model.parent(logo), related);
    QCOMPARE(model.part(logo).size, 40);
}

void TestUiModels::transcriptRowsAndColours()
{
    TranscriptModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTranscript({ entry(Out, "220 mx ESMTP Letterbox"), entry(In, "MAIL FROM:<a@x>") });
    model.append({ entry(Out, "250 2.1.0 Ok"), entry(In, "RCPT TO:<b@y>"), entry(Out, "550 5.1.1 no such user"),
        entry(Out, "451 4.3.0 try later") });
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.index(0, TranscriptModel::DirectionColumn).data().toString(), QStringLiteral("S:"));
    QCOMPARE(model.index(1, TranscriptModel::DirectionColumn).data().toString(), QStringLiteral("C:"));
    QCOMPARE(model.index(1, TranscriptModel::TextColumn).data().toString(), QStringLiteral("MAIL FROM:<a@x>"));
    QVERIFY(!model.index(2, TranscriptModel::TextColumn).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(4, TranscriptModel::TextColumn).data(Qt::ForegroundRole).value<QColor>().red(), 0xc6);
    QCOMPARE(model.index(5, TranscriptModel::TextColumn).data(Qt::ForegroundRole).value<QColor>().green(), 0x6a);
    QCOMPARE(model.toText().split(u'\n').first(), QStringLiteral("S: 220 mx ESMTP Letterbox"));
}

void TestUiModels::sessionsFollowConnectionsCoalesced()
{
    SessionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setUpdateInterval(60000); // only flush() applies changes
    QSignalSpy appended(&model, &SessionsModel::entriesAppended);
    model.addSession(7, QHostAddress(QStringLiteral("::ffff:127.0.0.1")), 50000);
    model.addEntry(7, entry(Out, "220 mx ESMTP Letterbox"));
    model.addEntry(7, entry(In, "EHLO client.example"));
    model.addEntry(7, entry(In, "[1200 octets of message data]"));
    model.addEntry(7, entry(Out, "250 2.0.0 Ok: queued as X"));
    model.addDelivery(7);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.openCount(), 1);
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, SessionsModel::PeerColumn).data().toString(), QStringLiteral("127.0.0.1:50000"));
    QCOMPARE(model.index(0, SessionsModel::HeloColumn).data().toString(), QStringLiteral("client.example"));
    QCOMPARE(model.index(0, SessionsModel::MessagesColumn).data().toInt(), 1);
    // EHLO line + CRLF (21) + the message data (1200).
    QCOMPARE(model.index(0, SessionsModel::BytesColumn).data().toString(),
        QLocale().formattedDataSize(1221, 1, QLocale::DataSizeTraditionalFormat));
    QVERIFY(model.index(0, SessionsModel::StateColumn).data().toString().startsWith(QLatin1String("open")));
    QCOMPARE(appended.size(), 1);
    QCOMPARE(appended.first().at(1).value<Transcript>().size(), 4);
    model.addEntry(7, entry(In, "QUIT"));
    model.closeSession(7);
    model.flush();
    QCOMPARE(appended.size(), 2);
    QCOMPARE(appended.last().at(1).value<Transcript>().size(), 1);
    QCOMPARE(model.openCount(), 0);
    QVERIFY(model.index(0, SessionsModel::StateColumn).data().toString().startsWith(QLatin1String("closed")));
    QCOMPARE(model.transcript(7).size(), 5);
}

void TestUiModels::sessionsArePrunedOldestClosedFirst()
{
    SessionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setUpdateInterval(60000);
    model.setMaxSessions(3);
    for (quint64 id = 1; id <= 5; ++id) {
        model.addSession(id, QHostAddress::LocalHost, quint16(40000 + id));
    }
    model.closeSession(2);
    model.closeSession(4);
    model.closeSession(5);
    model.flush();
    // 1 and 3 stay open; of the closed ones only the newest fits.
    QCOMPARE(model.rowCount(), 3);
    QList<quint64> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        ids << model.index(row, 0).data(SessionsModel::SessionIdRole).toULongLong();
    }
    QCOMPARE(ids, (QList<quint64> { 1, 3, 5 }));
    // Entries beyond the cap are dropped from the oldest end.
    for (int i = 0; i < SessionsModel::MaxEntries + 10; ++i) {
        model.addEntry(1, entry(In, "NOOP " + QByteArray::number(i)));
    }
    QCOMPARE(model.transcript(1).size(), SessionsModel::MaxEntries);
    QCOMPARE(model.transcript(1).first().text, QByteArray("NOOP 10"));
}

void TestUiModels::notificationsAreCoalescedInBursts()
{
    Notifier notifier;
    notifier.setInterval(300);
    notifier.setLookup([](const QString &id) {
        MessageSummary s;
        s.id = id;
        s.subject = QStringLiteral("Subject of ") + id;
        s.fromList = { { QStringLiteral("Ada"), QStringLiteral("ada@example.test") } };
        return s;
    });
    QSignalSpy notified(&notifier, &Notifier::notified);
    MessageSummary first;
    first.id = QStringLiteral("A");
    notifier.messageArrived(first);
    // The first after a quiet spell shows at once, one message by name.
    QCOMPARE(notified.size(), 1);
    QCOMPARE(notified.first().at(0).toString(), QStringLiteral("New mail from Ada"));
    QCOMPARE(notified.first().at(1).toString(), QStringLiteral("Subject of A"));
    // A burst of 50: one more notification, after the interval, counting them.
    for (int i = 0; i < 50; ++i) {
        MessageSummary s;
        s.id = QString::number(i);
        notifier.messageArrived(s);
    }
    QCOMPARE(notified.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 2, 2000);
    QCOMPARE(notified.last().at(0).toString(), QStringLiteral("50 new messages"));
    QCOMPARE(notified.last().at(1).toString(), QStringLiteral("Latest: Subject of 49"));
    QTest::qWait(500);
    QCOMPARE(notified.size(), 2);
    notifier.setNotificationsEnabled(false);
    notifier.messageArrived(first);
    QTest::qWait(400);
    QCOMPARE(notified.size(), 2);
}

QTEST_MAIN(TestUiModels)
#include "tst_uimodels.moc"
