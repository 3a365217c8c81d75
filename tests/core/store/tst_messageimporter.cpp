// MessageImporter: .eml and mbox files into the store, with an envelope made from the headers.
#include <api/apijson.h>
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/sqlitemessagestore.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

class TestMessageImporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aFileWithoutFromLineIsOneMessage();
    void mboxIsSplitAndUnquoted();
    void envelopeComesFromTheHeaders();
    void importsFilesIntoTheStore();
    void anUnreadableFileIsAnError();
    void importedMessagesSayWhereFromAndWhen_data();
    void importedMessagesSayWhereFromAndWhen();
};

void TestMessageImporter::aFileWithoutFromLineIsOneMessage()
{
    const QByteArray eml = "Subject: one\r\n\r\nFrom the start\r\nFrom here too\r\n";
    const QList<QByteArray> messages = MessageImporter::splitMailbox(eml);
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.first(), eml);
}

void TestMessageImporter::mboxIsSplitAndUnquoted()
{
    // mboxrd (RFC 4155 and the mboxrd convention): ">From " in a body had one '>' added.
    const QByteArray mbox = "From a@x.test Mon Nov 30 08:00:00 2026\n"
                            "Subject: first\n\nbody one\n>From the quoted line\n>>From twice\n\n"
                            "From b@x.test Mon Nov 30 08:01:00 2026\n"
                            "Subject: second\n\nbody two\n";
    const QList<QByteArray> messages = MessageImporter::splitMailbox(mbox);
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0), QByteArray("Subject: first\n\nbody one\nFrom the quoted line\n>From twice\n"));
    QCOMPARE(messages.at(1), QByteArray("Subject: second\n\nbody two\n"));
}

void TestMessageImporter::envelopeComesFromTheHeaders()
{
    const QByteArray message = "Return-Path: <bounce@x.test>\r\nFrom: A <a@x.test>\r\nTo: B <b@y.test>, c@y.test\r\n"
                               "Cc: d@y.test\r\nBcc: e@y.test\r\nSubject: s\r\n\r\nbody\r\n";
    const IncomingMessage in = MessageImporter::incoming(message, 1764000000000);
    QCOMPARE(in.envelope.mailFrom, QByteArray("bounce@x.test"));
    QCOMPARE(in.envelope.rcptTo, (QByteArrayList { "b@y.test", "c@y.test", "d@y.test", "e@y.test" }));
    QCOMPARE(in.data, message);
    QVERIFY(in.traceHeader.isEmpty());
    QCOMPARE(in.id.size(), 22);
    // Without Return-Path, the From address.
    QCOMPARE(MessageImporter::incoming("From: a@x.test\r\n\r\n", 1).envelope.mailFrom, QByteArray("a@x.test"));
}

void TestMessageImporter::importsFilesIntoTheStore()
{
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("data"))));
    QFile mbox(dir.filePath(QStringLiteral("box.mbox")));
    QVERIFY(mbox.open(QIODevice::WriteOnly));
    mbox.write("From a@x.test Mon Nov 30 08:00:00 2026\nSubject: one\n\n1\n\nFrom b@x.test Mon Nov 30 08:00:01 2026\n"
               "Subject: two\n\n2\n");
    mbox.close();
    QString error;
    QCOMPARE(MessageImporter::importFile(&store, mbox.fileName(), &error), 2);
    QCOMPARE(store.count(), 2);
    const QList<MessageSummary> listed = store.messages(0, 10);
    QStringList subjects;
    for (const MessageSummary &s : listed) {
        subjects << store.summary(s.id)->subject;
    }
    subjects.sort();
    QCOMPARE(subjects, (QStringList { QStringLiteral("one"), QStringLiteral("two") }));
    const std::optional<StoredMessage> stored = store.message(listed.first().id);
    QVERIFY(stored);
    QVERIFY(stored->raw.startsWith("Subject: "));
    QVERIFY(stored->clientAddress.isEmpty());
    store.close();
}

void TestMessageImporter::anUnreadableFileIsAnError()
{
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY(store.open(dir.path()));
    QString error;
    const QString missing = dir.filePath(QStringLiteral("missing.eml"));
    QCOMPARE(MessageImporter::importFile(&store, missing, &error), -1);
    QVERIFY(error.contains(missing));
    QCOMPARE(store.count(), 0);
    store.close();
}

void TestMessageImporter::importedMessagesSayWhereFromAndWhen_data()
{
    // An imported message is listed at its Date header (Mailpit takes the message's date as Created for imported
    // mail), which the message view shows too; without one, at its mbox "From " line's date (RFC 4155: UTC), else
    // at the time of the import. Its transcript is one entry naming the file.
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QDateTime>("received"); // invalid: the time of the import
    const QDateTime march6 = QDateTime(QDate(2026, 3, 6), QTime(7, 0), Qt::UTC);
    QTest::newRow("an .eml with a Date header is listed at its Date")
        << QStringLiteral("invoice.eml")
        << QByteArray("Date: Fri, 6 Mar 2026 08:00:00 +0100\r\nSubject: s\r\n\r\nbody\r\n") << march6;
    QTest::newRow("an mbox message without Date is listed at its From line's date")
        << QStringLiteral("invoices.mbox") << QByteArray("From a@x.test Mon Nov 30 08:00:00 2026\nSubject: s\n\nbody\n")
        << QDateTime(QDate(2026, 11, 30), QTime(8, 0), Qt::UTC);
    QTest::newRow("a From line with a one-digit day")
        << QStringLiteral("old.mbox") << QByteArray("From a@x.test Thu Feb  1 23:59:58 2024\nSubject: s\n\nbody\n")
        << QDateTime(QDate(2024, 2, 1), QTime(23, 59, 58), Qt::UTC);
    QTest::newRow("the Date header wins over the From line")
        << QStringLiteral("invoices.mbox")
        << QByteArray("From a@x.test Mon Nov 30 08:00:00 2026\nDate: Fri, 6 Mar 2026 08:00:00 +0100\n\nbody\n")
        << march6;
    QTest::newRow("a message without a date is listed when it was imported")
        << QStringLiteral("undated.eml") << QByteArray("Subject: s\r\n\r\nbody\r\n") << QDateTime();
}

void TestMessageImporter::importedMessagesSayWhereFromAndWhen()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, contents);
    QFETCH(QDateTime, received);
    QTemporaryDir dir;
    SqliteMessageStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("data"))));
    QFile file(dir.filePath(fileName));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(contents);
    file.close();
    QString error;
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QCOMPARE(MessageImporter::importFile(&store, file.fileName(), &error), 1);
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    const std::optional<StoredMessage> stored = store.message(store.messages(0, 1).value(0).id);
    QVERIFY(stored);
    if (received.isValid()) {
        QCOMPARE(stored->summary.receivedMs, received.toMSecsSinceEpoch());
    } else {
        QVERIFY(stored->summary.receivedMs >= before && stored->summary.receivedMs <= after);
    }
    // The list's time and the message's date agree when it has one.
    if (stored->summary.dateMs != 0) {
        QCOMPARE(stored->summary.dateMs, stored->summary.receivedMs);
    }
    const QJsonArray transcript = ApiJson::transcript(stored->transcript).value(u"Transcript").toArray();
    QCOMPARE(transcript.size(), 1);
    const QJsonObject entry = transcript.first().toObject();
    QCOMPARE(entry.value(u"Direction").toString(), QStringLiteral("in"));
    QCOMPARE(entry.value(u"Text").toString(), QStringLiteral("[imported from %1]").arg(fileName));
    const QDateTime entryTime = QDateTime::fromString(entry.value(u"Time").toString(), Qt::ISODateWithMs);
    QVERIFY(entryTime.toMSecsSinceEpoch() >= before && entryTime.toMSecsSinceEpoch() <= after);
    store.close();
}

QTEST_GUILESS_MAIN(TestMessageImporter)
#include "tst_messageimporter.moc"
