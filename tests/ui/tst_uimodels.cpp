// The message pane's and the Sessions dock's models: HeadersModel, PartsModel, TranscriptModel, SessionsModel,
// each watched by QAbstractItemModelTester; and the notifier's coalescing. Expected values come from reading the
// corpus messages (tests/data/mime) and the transcript's shape (README "REST API", the session resource).
#include <mime/parsedmessage.h>
#include <ui/headersmodel.h>
#include <ui/notifier.h>
#include <ui/partsmodel.h>
#include <ui/rulesmodel.h>
#include <ui/sessionsmodel.h>
#include <ui/transcriptmodel.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QColor>
#include <QFile>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>

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
constexpr auto RuleNote = TranscriptEntry::Direction::Rule;

// The session ids in row order.
QList<quint64> sessionIds(const SessionsModel &model)
{
    QList<quint64> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        ids << model.index(row, 0).data(SessionsModel::SessionIdRole).toULongLong();
    }
    return ids;
}
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
    void sessionsAreListedNewestFirst();
    void refusedSessionsNameTheRule_data();
    void refusedSessionsNameTheRule();
    void everyColumnHasAHeader();
    void sessionColumnsAreSizedForTheirContent();
    void notificationsAreCoalescedInBursts();
    void notificationsSayWhichMailbox_data();
    void notificationsSayWhichMailbox();
    void theTrayTooltipCountsUnreadPerMailbox();
    void aNotificationWaitsForItsLookup();
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
    QVERIFY(value.data(Qt::ToolTipRole).toString().contains(QLatin1String("Raw: ")));
    QCOMPARE(model.copyText({ subjectRow }), QStringLiteral("Subject: ") + m.subject);
    // Tooltips show the raw value as sent: markup stays text (Qt would guess rich text), each line end one break.
    model.setHeaders({ { QStringLiteral("Subject"), " <b>Sale</b>\r\n\tnow", QStringLiteral("<b>Sale</b> now") } });
    const QString tip = model.index(0, HeadersModel::ValueColumn).data(Qt::ToolTipRole).toString();
    QVERIFY(tip.contains(QLatin1String("Raw: &lt;b&gt;Sale&lt;/b&gt;\n\tnow")));
    QVERIFY(!tip.contains(u'\r'));
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
    QCOMPARE(sessionIds(model), (QList<quint64> { 5, 3, 1 }));
    // Entries beyond the cap are dropped from the oldest end.
    for (int i = 0; i < SessionsModel::MaxEntries + 10; ++i) {
        model.addEntry(1, entry(In, "NOOP " + QByteArray::number(i)));
    }
    QCOMPARE(model.transcript(1).size(), SessionsModel::MaxEntries);
    QCOMPARE(model.transcript(1).first().text, QByteArray("NOOP 10"));
}

void TestUiModels::sessionsAreListedNewestFirst()
{
    // As the inbox is: the newest on top.
    SessionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setUpdateInterval(60000);
    for (quint64 id = 1; id <= 3; ++id) {
        model.addSession(id, QHostAddress::LocalHost, quint16(40000 + id));
    }
    model.flush();
    QCOMPARE(sessionIds(model), (QList<quint64> { 3, 2, 1 }));
    model.addSession(4, QHostAddress::LocalHost, 40004);
    model.addSession(5, QHostAddress::LocalHost, 40005);
    model.flush();
    QCOMPARE(sessionIds(model), (QList<quint64> { 5, 4, 3, 2, 1 }));
    QCOMPARE(model.index(0, SessionsModel::PeerColumn).data().toString(), QStringLiteral("127.0.0.1:40005"));
    model.addEntry(2, entry(In, "EHLO two.example"));
    model.flush();
    QCOMPARE(model.index(3, SessionsModel::HeloColumn).data().toString(), QStringLiteral("two.example"));
}

void TestUiModels::refusedSessionsNameTheRule_data()
{
    QTest::addColumn<Transcript>("entries");
    QTest::addColumn<int>("delivered");
    QTest::addColumn<QString>("state");
    // The rule entries stand for SmtpServer::ruleApplied, which reaches the model as addRuleDecision().
    QTest::newRow("a recipient refused by a rule, then QUIT")
        << Transcript { entry(Out, "220 mx.test ESMTP"), entry(In, "EHLO c.test"), entry(Out, "250 mx.test"),
               entry(In, "MAIL FROM:<a@c.test>"), entry(Out, "250 2.1.0 Ok"), entry(In, "RCPT TO:<bogus@x.test>"),
               entry(RuleNote, "refused by recipient rule 2: exact bogus@x.test"),
               entry(Out, "550 5.1.1 mailbox unavailable"), entry(In, "QUIT"), entry(Out, "221 2.0.0 Bye") }
        << 0 << QStringLiteral("refused by recipient rule 2: exact bogus@x.test");
    QTest::newRow("a host refused instead of the greeting") << Transcript {
        entry(RuleNote, "refused by host rule 1: cidr 192.0.2.0/24"), entry(Out, "554 mx.test access denied")
    } << 0 << QStringLiteral("refused by host rule 1: cidr 192.0.2.0/24");
    QTest::newRow("a session that delivered, with one recipient refused") << Transcript {
        entry(In, "RCPT TO:<bogus@x.test>"), entry(RuleNote, "refused by recipient rule 2: exact bogus@x.test"),
        entry(Out, "550 5.1.1 mailbox unavailable"), entry(In, "RCPT TO:<ok@x.test>"), entry(Out, "250 2.1.5 Ok"),
        entry(In, "[10 octets of message data]"), entry(Out, "250 2.0.0 Ok: queued as X"), entry(In, "QUIT"),
        entry(Out, "221 2.0.0 Bye")
    } << 1 << QStringLiteral("closed · refused by recipient rule 2: exact bogus@x.test");
    QTest::newRow("a rule that accepted decides nothing to report") << Transcript { entry(In, "RCPT TO:<ok@x.test>"),
        entry(RuleNote, "decided by recipient rule 1: glob *@x.test"), entry(Out, "250 2.1.5 Ok"), entry(In, "QUIT"),
        entry(Out, "221 2.0.0 Bye") } << 0 << QStringLiteral("closed · 221 2.0.0 Bye");
    QTest::newRow("a client refused without a rule") << Transcript { entry(In, "AUTH PLAIN ****"),
        entry(Out, "535 5.7.8 Authentication credentials invalid"), entry(In, "QUIT"),
        entry(Out, "221 2.0.0 Bye") } << 0 << QStringLiteral("closed · 535 5.7.8 Authentication credentials invalid");
}

void TestUiModels::refusedSessionsNameTheRule()
{
    QFETCH(Transcript, entries);
    QFETCH(int, delivered);
    QFETCH(QString, state);
    SessionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setUpdateInterval(60000);
    model.addSession(9, QHostAddress(QStringLiteral("192.0.2.7")), 41000);
    for (const TranscriptEntry &e : entries) {
        if (e.direction != TranscriptEntry::Direction::Rule) {
            model.addEntry(9, e);
            continue;
        }
        const bool refused = e.text.startsWith("refused by ");
        model.addRuleDecision(9, e.timeMs, e.text.mid(e.text.indexOf(" by ") + 4), refused);
    }
    for (int i = 0; i < delivered; ++i) {
        model.addDelivery(9);
    }
    model.closeSession(9);
    model.flush();
    const QModelIndex index = model.index(0, SessionsModel::StateColumn);
    QCOMPARE(index.data().toString(), state);
    QVERIFY(index.data(Qt::ToolTipRole).toString().contains(state.section(QStringLiteral(" · "), -1)));
}

void TestUiModels::everyColumnHasAHeader()
{
    SessionsModel sessions;
    TranscriptModel transcript;
    HeadersModel headers;
    PartsModel parts;
    RulesModel rules(RuleSet::Stage::Recipient);
    for (const QAbstractItemModel *model :
        std::initializer_list<const QAbstractItemModel *> { &sessions, &transcript, &headers, &parts, &rules }) {
        for (int column = 0; column < model->columnCount(); ++column) {
            const QString title = model->headerData(column, Qt::Horizontal).toString();
            QVERIFY2(!title.trimmed().isEmpty(),
                qPrintable(QStringLiteral("%1 column %2")
                               .arg(QString::fromLatin1(model->metaObject()->className()))
                               .arg(column)));
            QVERIFY(!model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
        }
    }
}

void TestUiModels::sessionColumnsAreSizedForTheirContent()
{
    // Sized to contents, each column shows its title and a typical value whole, with nothing yet in it.
    SessionsModel model;
    QTableView view;
    view.setModel(&model);
    view.resize(1400, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.horizontalHeader()->resizeSections(QHeaderView::ResizeToContents);
    const QFontMetrics fm = view.horizontalHeader()->fontMetrics();
    const QList<QPair<int, QString>> typical { { SessionsModel::PeerColumn, QStringLiteral("127.0.0.1:65535") },
        { SessionsModel::HeloColumn, QStringLiteral("client.example.test") },
        { SessionsModel::StateColumn, QStringLiteral("refused by recipient rule 2") },
        { SessionsModel::MessagesColumn, QStringLiteral("Messages") },
        { SessionsModel::BytesColumn, QStringLiteral("1,023.9 KB") },
        { SessionsModel::DurationColumn, QStringLiteral("1,234.5 s") } };
    for (const auto &[column, text] : typical) {
        const QString title = model.headerData(column, Qt::Horizontal).toString();
        const int needed = qMax(fm.horizontalAdvance(text), fm.horizontalAdvance(title)) + 8;
        QVERIFY2(view.horizontalHeader()->sectionSize(column) >= needed,
            qPrintable(QStringLiteral("%1: %2 < %3")
                           .arg(title)
                           .arg(view.horizontalHeader()->sectionSize(column))
                           .arg(needed)));
    }
}

void TestUiModels::notificationsAreCoalescedInBursts()
{
    Notifier notifier;
    notifier.setInterval(300);
    notifier.setLookup([](const QString &id, const std::function<void(const MessageSummary &)> &found) {
        MessageSummary s;
        s.id = id;
        s.subject = QStringLiteral("Subject of ") + id;
        s.fromList = { { QStringLiteral("Ada"), QStringLiteral("ada@example.test") } };
        found(s);
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

void TestUiModels::aNotificationWaitsForItsLookup()
{
    // The store answers a summary later, on this thread (MessageStore's asynchronous summary()); the notification
    // names what it found. One the store no longer has shows what the delivery said.
    Notifier notifier;
    notifier.setLookup([&notifier](const QString &id, const std::function<void(const MessageSummary &)> &found) {
        QTimer::singleShot(50, &notifier, [id, found] {
            MessageSummary s;
            if (id != u"gone") {
                s.id = id;
                s.subject = QStringLiteral("Looked up");
                s.fromList = { { QStringLiteral("Ada"), QStringLiteral("ada@example.test") } };
            }
            found(s);
        });
    });
    QSignalSpy notified(&notifier, &Notifier::notified);
    MessageSummary arrived;
    arrived.id = QStringLiteral("A");
    notifier.messageArrived(arrived);
    QCOMPARE(notified.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, 2000);
    QCOMPARE(notified.first().at(0).toString(), QStringLiteral("New mail from Ada"));
    QCOMPARE(notified.first().at(1).toString(), QStringLiteral("Looked up"));

    Notifier later;
    later.setInterval(0);
    later.setLookup([&later](const QString &, const std::function<void(const MessageSummary &)> &found) {
        QTimer::singleShot(10, &later, [found] { found(MessageSummary()); });
    });
    QSignalSpy laterNotified(&later, &Notifier::notified);
    MessageSummary gone;
    gone.id = QStringLiteral("gone");
    gone.mailFrom = QStringLiteral("bounce@example.test");
    later.messageArrived(gone);
    QTRY_COMPARE_WITH_TIMEOUT(laterNotified.size(), 1, 2000);
    QCOMPARE(laterNotified.first().at(0).toString(), QStringLiteral("New mail from bounce@example.test"));
    QCOMPARE(laterNotified.first().at(1).toString(), QStringLiteral("(no subject)"));
}

void TestUiModels::notificationsSayWhichMailbox_data()
{
    QTest::addColumn<QStringList>("mailboxes"); // of the messages arriving in one burst, in order
    QTest::addColumn<QString>("title");
    // Issue 15: "3 new in shop"; several mailboxes: "5 new: 3 in shop, 2 in Inbox". Mail all in Inbox is told as
    // a single-inbox user knows it.
    QTest::newRow("one in Inbox") << QStringList { QStringLiteral("Inbox") } << QStringLiteral("New mail from Ada");
    QTest::newRow("one in shop") << QStringList { QStringLiteral("shop") }
                                 << QStringLiteral("New mail in shop from Ada");
    QTest::newRow("three in Inbox") << QStringList(3, QStringLiteral("Inbox")) << QStringLiteral("3 new messages");
    QTest::newRow("three in shop") << QStringList(3, QStringLiteral("shop")) << QStringLiteral("3 new in shop");
    QTest::newRow("five in two mailboxes, most first") << QStringList { QStringLiteral("Inbox"), QStringLiteral("shop"),
        QStringLiteral("Inbox"), QStringLiteral("shop"), QStringLiteral("shop") }
                                                       << QStringLiteral("5 new: 3 in shop, 2 in Inbox");
    QTest::newRow("names compared without regard to case")
        << QStringList { QStringLiteral("Shop"), QStringLiteral("shop") } << QStringLiteral("2 new in Shop");
}

void TestUiModels::notificationsSayWhichMailbox()
{
    QFETCH(QStringList, mailboxes);
    QFETCH(QString, title);
    Notifier notifier;
    notifier.setInterval(50);
    QHash<QString, QString> mailboxOf;
    notifier.setLookup([&mailboxOf](const QString &id, const std::function<void(const MessageSummary &)> &found) {
        MessageSummary s;
        s.id = id;
        s.subject = QStringLiteral("Subject of ") + id;
        s.fromList = { { QStringLiteral("Ada"), QStringLiteral("ada@example.test") } };
        s.mailbox = mailboxOf.value(id);
        found(s);
    });
    QSignalSpy notified(&notifier, &Notifier::notified);
    // A first message opens the interval, so that the rest arrive as one burst.
    MessageSummary opener;
    opener.id = QStringLiteral("opener");
    notifier.messageArrived(opener);
    QCOMPARE(notified.size(), 1);
    for (int i = 0; i < mailboxes.size(); ++i) {
        MessageSummary s;
        s.id = QString::number(i);
        s.mailbox = mailboxes.at(i);
        mailboxOf.insert(s.id, s.mailbox);
        notifier.messageArrived(s);
    }
    QTRY_COMPARE(notified.size(), 2);
    QCOMPARE(notified.last().at(0).toString(), title);
}

void TestUiModels::theTrayTooltipCountsUnreadPerMailbox()
{
    Notifier notifier;
    QCOMPARE(notifier.trayToolTip(), QStringLiteral("Letterbox: no unread mail"));
    notifier.setUnreadCount(2);
    notifier.setMailboxUnread({ { QStringLiteral("Inbox"), 4, 2 }, { QStringLiteral("shop"), 1, 0 } });
    QCOMPARE(notifier.trayToolTip(), QStringLiteral("Letterbox: 2 unread"));
    notifier.setUnreadCount(5);
    notifier.setMailboxUnread(
        { { QStringLiteral("Inbox"), 4, 2 }, { QStringLiteral("shop"), 3, 3 }, { QStringLiteral("crm"), 1, 0 } });
    QCOMPARE(notifier.trayToolTip(), QStringLiteral("Letterbox: 5 unread (3 in shop, 2 in Inbox)"));
}

QTEST_MAIN(TestUiModels)
#include "tst_uimodels.moc"
