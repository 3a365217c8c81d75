#include <imap/imapcommandreader.h>

#include <QTest>

// The framing of IMAP commands (RFC 3501 §2.2 and §4.3, literals §7.5, LITERAL+ RFC 7888): lines, literals of both
// kinds, and the limits that refuse without buffering.
class TestImapCommandReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framesLinesAndLiterals_data();
    void framesLinesAndLiterals();
    void overlongLineIsRefusedAndSkipped();
    void overlongLineWithoutEndIsNotBuffered();
    void tooBigSynchronizingLiteralIsNotAwaited();
    void tooBigNonSynchronizingLiteralIsSkipped();
    void clearDropsEverything();
};

namespace {
using Status = ImapCommandReader::Status;

// Everything the reader gives for input fed in pieces of the given size: statuses and commands, as text.
QStringList frame(ImapCommandReader &reader, const QByteArray &input, qsizetype piece)
{
    QStringList result;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        reader.append(QByteArrayView(input).sliced(pos, qMin(piece, input.size() - pos)));
        for (Status status = reader.next(); status != Status::NeedMore; status = reader.next()) {
            switch (status) {
            case Status::Command:
                result << QString::fromLatin1(reader.command());
                break;
            case Status::LiteralContinuation:
                result << QStringLiteral("+");
                break;
            case Status::LineTooLong:
                result << QStringLiteral("too long: ") + QString::fromLatin1(reader.refusedTag());
                break;
            default:
                result << QStringLiteral("too big: ") + QString::fromLatin1(reader.refusedTag());
                break;
            }
        }
    }
    return result;
}
} // namespace

void TestImapCommandReader::framesLinesAndLiterals_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("two pipelined lines") << QByteArray("a1 NOOP\r\na2 CAPABILITY\r\n")
                                         << QStringList { "a1 NOOP", "a2 CAPABILITY" };
    QTest::newRow("a bare LF ends a line too") << QByteArray("a1 NOOP\n") << QStringList { "a1 NOOP" };
    // RFC 3501 §7.5: each synchronizing literal is preceded by the server's "+".
    QTest::newRow("LOGIN with two synchronizing literals") << QByteArray(
        "a1 LOGIN {4}\r\nshop {5}\r\nse\r\nt\r\n") << QStringList { "+", "+", "a1 LOGIN {4}\r\nshop {5}\r\nse\r\nt" };
    // RFC 7888 §3: a non-synchronizing literal gets no "+".
    QTest::newRow("LOGIN with non-synchronizing literals") << QByteArray(
        "a1 LOGIN {4+}\r\nshop {0+}\r\n\r\na2 NOOP\r\n") << QStringList { "a1 LOGIN {4+}\r\nshop {0+}\r\n", "a2 NOOP" };
    QTest::newRow("a literal holding a line end and a brace")
        << QByteArray("a1 SEARCH TEXT {5+}\r\n{3}\r\n\r\n") << QStringList { "a1 SEARCH TEXT {5+}\r\n{3}\r\n" };
}

void TestImapCommandReader::framesLinesAndLiterals()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);
    for (const qsizetype piece : { qsizetype(1), qsizetype(3), input.size() }) {
        ImapCommandReader reader(1000, 1000);
        QCOMPARE(frame(reader, input, piece), expected);
        QCOMPARE(reader.bufferedBytes(), 0);
    }
}

void TestImapCommandReader::overlongLineIsRefusedAndSkipped()
{
    ImapCommandReader reader(20, 100);
    const QByteArray input = "a1 NOOP " + QByteArray(30, 'x') + "\r\na2 NOOP\r\n";
    QCOMPARE(frame(reader, input, input.size()), (QStringList { "too long: a1", "a2 NOOP" }));
    // The limit counts a command's text across its lines, not its literals' bytes.
    ImapCommandReader literals(20, 100);
    QCOMPARE(frame(literals, "a1 X {40+}\r\n" + QByteArray(40, 'y') + " z\r\n", 7),
        (QStringList { "a1 X {40+}\r\n" + QString(40, u'y') + " z" }));
}

void TestImapCommandReader::overlongLineWithoutEndIsNotBuffered()
{
    ImapCommandReader reader(20, 100);
    QStringList seen;
    for (int i = 0; i < 100; ++i) {
        seen << frame(reader, QByteArray(10, 'x'), 10);
        QVERIFY(reader.bufferedBytes() <= 20);
    }
    seen << frame(reader, "\r\na2 NOOP\r\n", 100);
    // The refusal comes once; the tag is unreadable, the next command is whole.
    QCOMPARE(seen, (QStringList { "too long: " + QString(30, u'x'), "a2 NOOP" }));
}

void TestImapCommandReader::tooBigSynchronizingLiteralIsNotAwaited()
{
    ImapCommandReader reader(1000, 10);
    // RFC 3501 §7.5: without "+" the client sends no literal; its next line is a new command.
    QCOMPARE(frame(reader, "a1 LOGIN {11}\r\na2 NOOP\r\n", 4), (QStringList { "too big: a1", "a2 NOOP" }));
    // The literals of one command count together.
    ImapCommandReader two(1000, 10);
    QCOMPARE(frame(two, "a1 LOGIN {6}\r\nshop12 {5}\r\n", 100), (QStringList { "+", "too big: a1" }));
}

void TestImapCommandReader::tooBigNonSynchronizingLiteralIsSkipped()
{
    ImapCommandReader reader(1000, 10);
    const QByteArray input = "a1 APPEND box {5000+}\r\n" + QByteArray(5000, 'm') + " {3+}\r\nabc\r\na2 NOOP\r\n";
    QStringList seen;
    for (qsizetype pos = 0; pos < input.size(); pos += 100) {
        seen << frame(reader, input.mid(pos, 100), 100);
        QVERIFY(reader.bufferedBytes() <= 100);
    }
    QCOMPARE(seen, (QStringList { "too big: a1", "a2 NOOP" }));
}

void TestImapCommandReader::clearDropsEverything()
{
    ImapCommandReader reader(1000, 1000);
    QCOMPARE(frame(reader, "a1 STARTTLS\r\na2 LOGIN {4}\r\nsh", 100), (QStringList { "a1 STARTTLS", "+" }));
    reader.clear();
    QCOMPARE(reader.bufferedBytes(), 0);
    QCOMPARE(frame(reader, "a3 NOOP\r\n", 100), QStringList { "a3 NOOP" });
}

QTEST_APPLESS_MAIN(TestImapCommandReader)
#include "tst_imapcommandreader.moc"
