// MboxWriter: mboxrd as RFC 4155 and the mboxrd convention describe it, read back by MessageImporter byte for byte.
// Expected bytes are written by hand from the format.
#include <smtp/messagedelivery.h>
#include <store/mboxwriter.h>
#include <store/messageimporter.h>
#include <store/sqlitemessagestore.h>

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

namespace {
qint64 utc(int year, int month, int day, int hour, int minute, int second)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second), Qt::UTC).toMSecsSinceEpoch();
}
} // namespace

class TestMboxWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesMboxrd_data();
    void writesMboxrd();
    void roundTripsThroughTheImporter_data();
    void roundTripsThroughTheImporter();
    void listsOfDifferentLengthsAreAnError();
    void aDeviceThatRefusesBytesIsAnError();
};

void TestMboxWriter::writesMboxrd_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("sender");
    QTest::addColumn<qint64>("receivedMs");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("From and >From body lines get one more '>'")
        << QByteArray("Subject: s\r\n\r\nFrom me\r\n>From you\r\n>>From them\r\n") << QByteArray("a@x.test")
        << utc(2026, 11, 30, 8, 0, 0)
        << QByteArray("From a@x.test Mon Nov 30 08:00:00 2026\nSubject: s\r\n\r\n>From me\r\n>>From you\r\n"
                      ">>>From them\r\n\r\n");
    QTest::newRow("lines that only look alike are left alone")
        << QByteArray("From: a@x.test\nSubject: s\n\n From indented\nFrom\n>Fro\nFromage\n") << QByteArray("a@x.test")
        << utc(2026, 11, 30, 8, 0, 0)
        << QByteArray("From a@x.test Mon Nov 30 08:00:00 2026\nFrom: a@x.test\nSubject: s\n\n From indented\nFrom\n"
                      ">Fro\nFromage\n\n");
    QTest::newRow("the null sender is MAILER-DAEMON and a one-digit day is padded")
        << QByteArray("Subject: bounce\r\n\r\nx\r\n") << QByteArray() << utc(2024, 2, 1, 23, 59, 58)
        << QByteArray("From MAILER-DAEMON Thu Feb  1 23:59:58 2024\nSubject: bounce\r\n\r\nx\r\n\r\n");
    QTest::newRow("a source without a final line break gets one in its own style")
        << QByteArray("Subject: s\r\n\r\nno end") << QByteArray("a@x.test") << utc(2026, 1, 2, 3, 4, 5)
        << QByteArray("From a@x.test Fri Jan  2 03:04:05 2026\nSubject: s\r\n\r\nno end\r\n\r\n");
}

void TestMboxWriter::writesMboxrd()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, sender);
    QFETCH(qint64, receivedMs);
    QFETCH(QByteArray, expected);
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    MboxWriter writer(&buffer);
    QVERIFY(writer.append(source, sender, receivedMs));
    QCOMPARE(buffer.data(), expected);
}

void TestMboxWriter::roundTripsThroughTheImporter_data()
{
    QTest::addColumn<QList<QByteArray>>("sources");
    const QByteArray trace = "Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id A; "
                             "Mon, 30 Nov 2026 08:00:00 +0000\r\n";
    QTest::newRow("messages with From and >From lines in their bodies") << QList<QByteArray> { trace
            + "From: a@x.test\r\nSubject: one\r\n\r\nFrom the start\r\n>From quoted\r\n"
              ">>From twice\r\nFrom\r\n",
        "Subject: two\n\nbare line feeds\nFrom here\n>From there\n",
        "Subject: three\r\n\r\nends in a blank line\r\n\r\n", "Subject: four\r\n\r\nFrom the last line\r\n" };
    QTest::newRow("one message") << QList<QByteArray> { "Subject: only\r\n\r\nbody\r\n" };
    QTest::newRow("a message that is all From lines")
        << QList<QByteArray> { "From x\r\n>From y\r\n\r\nFrom z\r\n", "Subject: after\r\n\r\nb\r\n" };
}

void TestMboxWriter::roundTripsThroughTheImporter()
{
    QFETCH(QList<QByteArray>, sources);
    QList<QByteArray> senders;
    QList<qint64> times;
    for (qsizetype i = 0; i < sources.size(); ++i) {
        senders << (i % 2 ? QByteArray() : "sender" + QByteArray::number(i) + "@x.test");
        times << utc(2026, 11, 30, 8, 0, int(i)); // whole seconds: asctime has no milliseconds
    }
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("export.mbox")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    QString error;
    QVERIFY2(MboxWriter::write(&file, sources, senders, times, &error), qPrintable(error));
    file.close();

    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<MessageImporter::MailboxMessage> read = MessageImporter::readMailbox(file.readAll());
    file.close();
    QCOMPARE(read.size(), sources.size());
    for (qsizetype i = 0; i < sources.size(); ++i) {
        QCOMPARE(read.at(i).message, sources.at(i));
        QCOMPARE(read.at(i).fromLine, MboxWriter::fromLine(senders.at(i), times.at(i)));
    }

    // Imported into a store: the same sources, each listed at its "From " line's time (none has a Date header).
    SqliteMessageStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("data"))));
    QCOMPARE(MessageImporter::importFile(&store, file.fileName(), &error), int(sources.size()));
    const QList<MessageSummary> listed = store.messages(0, 100);
    QCOMPARE(listed.size(), sources.size());
    for (const MessageSummary &s : listed) {
        const std::optional<StoredMessage> m = store.message(s.id);
        QVERIFY(m);
        const qsizetype i = times.indexOf(s.receivedMs);
        QVERIFY(i >= 0);
        QCOMPARE(m->raw, sources.at(i));
    }
    store.close();
}

void TestMboxWriter::listsOfDifferentLengthsAreAnError()
{
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QString error;
    QVERIFY(!MboxWriter::write(&buffer, { "a\r\n", "b\r\n" }, { "x@y" }, { 0, 0 }, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(buffer.data().isEmpty());
}

void TestMboxWriter::aDeviceThatRefusesBytesIsAnError()
{
    QBuffer buffer;
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    MboxWriter writer(&buffer);
    QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (QBuffer): ReadOnly device");
    QVERIFY(!writer.append("Subject: s\r\n\r\nx\r\n", "a@x.test", 0));
    QVERIFY(!writer.errorString().isEmpty());
}

QTEST_GUILESS_MAIN(TestMboxWriter)
#include "tst_mboxwriter.moc"
