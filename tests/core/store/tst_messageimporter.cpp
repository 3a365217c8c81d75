// MessageImporter: .eml and mbox files into the store, with an envelope made from the headers.
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/messagestore.h>

#include <QFile>
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
    MessageStore store;
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
    MessageStore store;
    QVERIFY(store.open(dir.path()));
    QString error;
    const QString missing = dir.filePath(QStringLiteral("missing.eml"));
    QCOMPARE(MessageImporter::importFile(&store, missing, &error), -1);
    QVERIFY(error.contains(missing));
    QCOMPARE(store.count(), 0);
    store.close();
}

QTEST_GUILESS_MAIN(TestMessageImporter)
#include "tst_messageimporter.moc"
