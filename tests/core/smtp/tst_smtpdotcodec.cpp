// SmtpDotStuffer and SmtpDotUnstuffer: DATA's payload both ways. Expected bytes are written by hand from RFC 5321
// §4.5.2 (a line that starts with "." gets one more; the receiver removes it), §4.1.1.4 (CRLF "." CRLF ends the
// data, whatever else looks like it does not) and §2.3.8 (lines end in CRLF; no bare CR or LF on the wire).
#include <smtp/smtpdotstuffer.h>
#include <smtp/smtpdotunstuffer.h>

#include <QRandomGenerator>
#include <QTest>

class TestSmtpDotCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stuff_data();
    void stuff();
    void stuffingInPiecesIsTheSame();
    void unstuff_data();
    void unstuff();
    void onlyCrLfDotCrLfEnds_data();
    void onlyCrLfDotCrLfEnds();
    void readStopsRightAfterTheEndMark();
    void limitsCountButDoNotKeep();
    void roundTrip();
};

void TestSmtpDotCodec::stuff_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("an empty message is the end mark alone") << QByteArray() << QByteArray(".\r\n");
    QTest::newRow("a message ending with CRLF") << QByteArray("a\r\nb\r\n") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("a message without a final line end gets one")
        << QByteArray("a\r\nb") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("a leading dot is doubled") << QByteArray(".hidden\r\n") << QByteArray("..hidden\r\n.\r\n");
    QTest::newRow("a line that is a dot is doubled")
        << QByteArray("a\r\n.\r\nb\r\n") << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("a dot inside a line stays") << QByteArray("a.b\r\n") << QByteArray("a.b\r\n.\r\n");
    QTest::newRow("bare LF becomes CRLF, and its dot is doubled")
        << QByteArray("a\n.\nb") << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("bare CR becomes CRLF") << QByteArray("a\rb\r") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("the smuggling sequence LF dot CRLF cannot end the data")
        << QByteArray("a\n.\r\nMAIL FROM:<x@y>\r\n") << QByteArray("a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n");
}

void TestSmtpDotCodec::stuff()
{
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, payload);
    QCOMPARE(SmtpDotStuffer::stuff(message), payload);
}

void TestSmtpDotCodec::stuffingInPiecesIsTheSame()
{
    const QByteArray message = "one\r\n.two\n..three\r\r\n.\rfour\r\n.";
    const QByteArray whole = SmtpDotStuffer::stuff(message);
    QCOMPARE(whole, QByteArray("one\r\n..two\r\n...three\r\n\r\n..\r\nfour\r\n..\r\n.\r\n"));
    for (qsizetype step = 1; step < message.size(); ++step) {
        SmtpDotStuffer stuffer;
        QByteArray out;
        for (qsizetype pos = 0; pos < message.size(); pos += step) {
            out += stuffer.encode(QByteArrayView(message).sliced(pos, qMin(step, message.size() - pos)));
        }
        out += stuffer.finish();
        QCOMPARE(out, whole);
    }
}

void TestSmtpDotCodec::unstuff_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("the end mark alone is an empty message") << QByteArray(".\r\n") << QByteArray();
    QTest::newRow("lines before the end mark") << QByteArray("a\r\nb\r\n.\r\n") << QByteArray("a\r\nb\r\n");
    QTest::newRow("a doubled dot loses one") << QByteArray("..hidden\r\n.\r\n") << QByteArray(".hidden\r\n");
    QTest::newRow("a single dot before other text is removed too") << QByteArray(".x\r\n.\r\n") << QByteArray("x\r\n");
    QTest::newRow("a dot after a bare LF is kept") << QByteArray("a\n.b\r\n.\r\n") << QByteArray("a\n.b\r\n");
}

void TestSmtpDotCodec::unstuff()
{
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, message);
    const std::optional<QByteArray> got = SmtpDotUnstuffer::unstuff(payload);
    QVERIFY(got.has_value());
    QCOMPARE(*got, message);
}

void TestSmtpDotCodec::onlyCrLfDotCrLfEnds_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("LF dot LF") << QByteArray("a\n.\nb");
    QTest::newRow("LF dot CRLF") << QByteArray("a\n.\r\nb");
    QTest::newRow("CRLF dot LF") << QByteArray("a\r\n.\nb");
    QTest::newRow("CR dot CR") << QByteArray("a\r.\rb");
    QTest::newRow("CRLF dot CR") << QByteArray("a\r\n.\rb");
    QTest::newRow("CR dot CRLF") << QByteArray("a\r.\r\nb");
}

void TestSmtpDotCodec::onlyCrLfDotCrLfEnds()
{
    QFETCH(QByteArray, payload);
    for (qsizetype step = 1; step <= payload.size(); ++step) {
        SmtpDotUnstuffer reader;
        reader.start(1000000);
        qsizetype pos = 0;
        QByteArray pending;
        while (pos < payload.size()) {
            pending += QByteArrayView(payload).sliced(pos, qMin(step, payload.size() - pos));
            pos += step;
            pending.remove(0, reader.read(pending.constData(), pending.size()));
            QVERIFY(!reader.isFinished());
        }
    }
}

void TestSmtpDotCodec::readStopsRightAfterTheEndMark()
{
    SmtpDotUnstuffer reader;
    reader.start(1000000);
    const QByteArray input = "Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n";
    const qsizetype used = reader.read(input.constData(), input.size());
    QVERIFY(reader.isFinished());
    QCOMPARE(input.mid(used), QByteArray("QUIT\r\n"));
    QCOMPARE(reader.takeData(), QByteArray("Subject: x\r\n\r\nbody\r\n"));
    QCOMPARE(reader.size(), qint64(20));
    // A dot at a line start with nothing after it yet: undecided, left for the next read.
    SmtpDotUnstuffer waiting;
    waiting.start(1000000);
    QCOMPARE(waiting.read("a\r\n.", 4), qsizetype(3));
    QCOMPARE(waiting.read(".\r", 2), qsizetype(0));
    QCOMPARE(waiting.read(".\r\n", 3), qsizetype(3));
    QVERIFY(waiting.isFinished());
    QCOMPARE(waiting.takeData(), QByteArray("a\r\n"));
}

void TestSmtpDotCodec::limitsCountButDoNotKeep()
{
    // RFC 5321 §4.5.3.1.6: 1000 octets a line with CRLF; the size limit is the server's (RFC 1870).
    SmtpDotUnstuffer longLine;
    longLine.start(1000000);
    const QByteArray line = QByteArray(999, 'x') + "\r\n.\r\n";
    longLine.read(line.constData(), line.size());
    QVERIFY(longLine.isFinished());
    QVERIFY(longLine.hasLongLine());
    QVERIFY(longLine.takeData().isEmpty());

    SmtpDotUnstuffer exact;
    exact.start(1000000);
    const QByteArray fits = QByteArray(998, 'x') + "\r\n.\r\n";
    exact.read(fits.constData(), fits.size());
    QVERIFY(!exact.hasLongLine());
    QCOMPARE(exact.takeData().size(), 1000);

    SmtpDotUnstuffer big;
    big.start(10);
    const QByteArray data = "0123456789\r\n.\r\n";
    big.read(data.constData(), data.size());
    QVERIFY(big.isFinished());
    QVERIFY(big.isTooBig());
    QCOMPARE(big.size(), qint64(12));
    QVERIFY(big.takeData().isEmpty());
}

void TestSmtpDotCodec::roundTrip()
{
    // Any bytes, stuffed and read back in random pieces: the message with its line ends made CRLF.
    QRandomGenerator rng(42);
    const char alphabet[] = { '.', '\r', '\n', 'a', ' ' };
    for (int round = 0; round < 500; ++round) {
        QByteArray message(rng.bounded(0, 200), Qt::Uninitialized);
        for (char &c : message) {
            c = alphabet[rng.bounded(int(sizeof alphabet))];
        }
        // The expected wire lines: every CRLF, bare CR and bare LF is one line end.
        QByteArray expected;
        for (qsizetype i = 0; i < message.size(); ++i) {
            if (message[i] == '\r') {
                expected += "\r\n";
                if (i + 1 < message.size() && message[i + 1] == '\n') {
                    ++i;
                }
            } else if (message[i] == '\n') {
                expected += "\r\n";
            } else {
                expected += message[i];
            }
        }
        if (!expected.isEmpty() && !expected.endsWith("\r\n")) {
            expected += "\r\n";
        }
        const QByteArray payload = SmtpDotStuffer::stuff(message);
        SmtpDotUnstuffer reader;
        reader.start(1 << 20, 1 << 20);
        QByteArray pending;
        for (qsizetype pos = 0; pos < payload.size() && !reader.isFinished();) {
            const qsizetype n = qMin<qsizetype>(1 + rng.bounded(8), payload.size() - pos);
            pending += QByteArrayView(payload).sliced(pos, n);
            pos += n;
            pending.remove(0, reader.read(pending.constData(), pending.size()));
        }
        QVERIFY(reader.isFinished());
        QVERIFY(pending.isEmpty());
        QCOMPARE(reader.takeData(), expected);
    }
}

QTEST_APPLESS_MAIN(TestSmtpDotCodec)
#include "tst_smtpdotcodec.moc"
