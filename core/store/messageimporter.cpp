#include "messageimporter.h"

#include "../message/messageid.h"
#include "../mime/parsedmessage.h"
#include "../smtp/messagedelivery.h"
#include "messagestore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace {
// Session keys of the SMTP side are the time in ms shifted by 12 bits plus a counter; imports take their own
// sequence in the same space so that no imported message joins another's transcript.
quint64 newSessionKey()
{
    static std::atomic<quint64> last { 0 };
    const quint64 now = quint64(QDateTime::currentMSecsSinceEpoch()) << 12;
    quint64 previous = last.load();
    quint64 next = 0;
    do {
        next = qMax(previous + 1, now);
    } while (!last.compare_exchange_weak(previous, next));
    return next;
}

bool isFromLine(const QByteArray &bytes, qsizetype at)
{
    return bytes.size() - at >= 5 && memcmp(bytes.constData() + at, "From ", 5) == 0;
}

// mboxrd: a body line ">From " (any number of '>') was quoted by adding one '>'.
QByteArray unquote(QByteArray message)
{
    static const QRegularExpression quoted(QStringLiteral("^>(>*From )"), QRegularExpression::MultilineOption);
    if (!message.contains(">From ")) {
        return message;
    }
    return QString::fromLatin1(message).replace(quoted, QStringLiteral("\\1")).toLatin1();
}
} // namespace

QList<QByteArray> MessageImporter::splitMailbox(const QByteArray &bytes)
{
    QList<QByteArray> messages;
    for (MailboxMessage &m : readMailbox(bytes)) {
        messages << std::move(m.message);
    }
    return messages;
}

QList<MessageImporter::MailboxMessage> MessageImporter::readMailbox(const QByteArray &bytes)
{
    if (!isFromLine(bytes, 0)) {
        return { MailboxMessage { QByteArray(), bytes } };
    }
    QList<MailboxMessage> messages;
    qsizetype start = -1;
    QByteArray fromLine;
    qsizetype lineStart = 0;
    while (lineStart < bytes.size()) {
        qsizetype end = bytes.indexOf('\n', lineStart);
        end = end < 0 ? bytes.size() : end + 1;
        if (isFromLine(bytes, lineStart)) {
            if (start >= 0) {
                messages << MailboxMessage { fromLine, unquote(bytes.mid(start, lineStart - start)) };
            }
            fromLine = bytes.mid(lineStart, end - lineStart).trimmed();
            start = end; // the message starts after its "From " separator line
        }
        lineStart = end;
    }
    if (start >= 0 && start <= bytes.size()) {
        messages << MailboxMessage { fromLine, unquote(bytes.mid(start)) };
    }
    // The blank line before each separator belongs to the mbox, not to the message.
    for (MailboxMessage &m : messages) {
        if (m.message.endsWith("\r\n\r\n")) {
            m.message.chop(2);
        } else if (m.message.endsWith("\n\n")) {
            m.message.chop(1);
        }
    }
    messages.removeIf([](const MailboxMessage &m) { return m.message.trimmed().isEmpty(); });
    return messages;
}

namespace {
qint64 receivedTimeOf(const ParsedMessage &parsed, const QByteArray &fromLine, qint64 importMs)
{
    if (parsed.date.isValid()) {
        return parsed.date.toMSecsSinceEpoch();
    }
    // RFC 4155: "From " sender asctime-date, e.g. "From a@x.test Mon Nov 30 08:00:00 2026", in UTC. The date is the
    // last five words (an unusual sender may hold spaces).
    const QList<QByteArray> words = fromLine.simplified().split(' ');
    if (words.size() >= 7) {
        const QString date = QString::fromLatin1(words.mid(words.size() - 5).join(' '));
        QDateTime time = QLocale::c().toDateTime(date, QStringLiteral("ddd MMM d HH:mm:ss yyyy"));
        if (time.isValid()) {
            time.setTimeSpec(Qt::UTC);
            return time.toMSecsSinceEpoch();
        }
    }
    return importMs;
}

IncomingMessage incomingOf(
    const QByteArray &message, const ParsedMessage &parsed, qint64 timeMs, const QString &fileName)
{
    IncomingMessage in;
    in.id = MessageId::generate(timeMs);
    in.receivedMs = timeMs;
    in.data = message;
    in.sessionKey = newSessionKey();
    // The transcript says how the message came, in the place an SMTP session's would be.
    const QByteArray source = fileName.isEmpty() ? QByteArray("[imported]")
                                                 : "[imported from " + QFileInfo(fileName).fileName().toUtf8() + ']';
    in.transcript = { TranscriptEntry { QDateTime::currentMSecsSinceEpoch(), TranscriptEntry::Direction::In, source } };
    QString returnPath = parsed.headerValues(QStringLiteral("Return-Path")).value(0).trimmed();
    returnPath.remove(u'<').remove(u'>');
    in.envelope.mailFrom = !returnPath.isEmpty() ? returnPath.toUtf8()
        : parsed.from.isEmpty()                  ? QByteArray()
                                                 : parsed.from.first().address.toUtf8();
    for (const MailAddressList *list : { &parsed.to, &parsed.cc, &parsed.bcc }) {
        for (const MailAddress &a : *list) {
            if (!a.address.isEmpty() && !in.envelope.rcptTo.contains(a.address.toUtf8())) {
                in.envelope.rcptTo << a.address.toUtf8();
            }
        }
    }
    return in;
}
} // namespace

qint64 MessageImporter::receivedTime(const QByteArray &message, const QByteArray &fromLine, qint64 importMs)
{
    return receivedTimeOf(ParsedMessage::parse(message, 0), fromLine, importMs);
}

IncomingMessage MessageImporter::incoming(const QByteArray &message, qint64 timeMs, const QString &fileName)
{
    return incomingOf(message, ParsedMessage::parse(message, 0), timeMs, fileName);
}

int MessageImporter::importFile(MessageStore *store, const QString &fileName, QString *error)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(fileName, file.errorString());
        return -1;
    }
    const QList<MailboxMessage> messages = readMailbox(file.readAll());
    std::mutex mutex;
    std::condition_variable finished;
    int pending = int(messages.size());
    int stored = 0;
    QString failure;
    for (const MailboxMessage &m : messages) {
        const ParsedMessage parsed = ParsedMessage::parse(m.message, 0);
        const qint64 received = receivedTimeOf(parsed, m.fromLine, QDateTime::currentMSecsSinceEpoch());
        store->deliver(incomingOf(m.message, parsed, received, fileName), [&](const DeliveryResult &result) {
            std::lock_guard lock(mutex);
            if (result.ok) {
                ++stored;
            } else if (failure.isEmpty()) {
                failure = result.errorString;
            }
            --pending;
            finished.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return pending == 0; });
    if (!failure.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(fileName, failure);
        return -1;
    }
    return stored;
}
