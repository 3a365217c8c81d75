#include "mboxwriter.h"

#include <QDateTime>
#include <QIODevice>
#include <QLocale>

#include <cstring>

MboxWriter::MboxWriter(QIODevice *out) : m_out(out)
{
}

QString MboxWriter::errorString() const
{
    return m_error;
}

QByteArray MboxWriter::fromLine(const QByteArray &envelopeSender, qint64 receivedMs)
{
    // The separator is one line: a sender can hold no line break (whitespace runs become one space).
    QByteArray sender = envelopeSender.simplified();
    if (sender.isEmpty()) {
        sender = "MAILER-DAEMON"; // the null sender <>, as mail delivery agents write it
    }
    // asctime(3): "Thu Feb  1 23:59:58 2024", the day padded with a space; RFC 4155 §2: in UTC.
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(receivedMs, Qt::UTC);
    const QLocale c = QLocale::c();
    const QString date = c.toString(time, QStringLiteral("ddd MMM ")) + QStringLiteral("%1").arg(time.date().day(), 2)
        + c.toString(time, QStringLiteral(" HH:mm:ss yyyy"));
    return "From " + sender + ' ' + date.toLatin1();
}

bool MboxWriter::put(const char *data, qsizetype size)
{
    if (size == 0) {
        return true;
    }
    if (m_out->write(data, size) != size) {
        m_error = m_out->errorString().isEmpty() ? QStringLiteral("the device took only part of the message")
                                                 : m_out->errorString();
        return false;
    }
    return true;
}

bool MboxWriter::append(const QByteArray &source, const QByteArray &envelopeSender, qint64 receivedMs)
{
    const QByteArray separator = fromLine(envelopeSender, receivedMs) + '\n';
    if (!put(separator.constData(), separator.size())) {
        return false;
    }
    // mboxrd: every line that matches ">*From " gets one more '>', so that no line of a message reads as a separator
    // and the reader can take exactly one '>' off again.
    const char *data = source.constData();
    const qsizetype size = source.size();
    qsizetype written = 0;
    for (qsizetype line = 0; line < size;) {
        qsizetype p = line;
        while (p < size && data[p] == '>') {
            ++p;
        }
        if (size - p >= 5 && std::memcmp(data + p, "From ", 5) == 0) {
            if (!put(data + written, line - written) || !put(">", 1)) {
                return false;
            }
            written = line;
        }
        const qsizetype eol = source.indexOf('\n', line);
        if (eol < 0) {
            break;
        }
        line = eol + 1;
    }
    if (!put(data + written, size - written)) {
        return false;
    }
    // The line end the source uses, to end an unfinished last line and for the blank line after the message.
    const bool crlf = source.endsWith("\r\n") || (!source.endsWith('\n') && source.contains("\r\n"));
    const QByteArray eol = crlf ? QByteArray("\r\n") : QByteArray("\n");
    if (!source.endsWith('\n') && !put(eol.constData(), eol.size())) {
        return false;
    }
    return put(eol.constData(), eol.size());
}

bool MboxWriter::write(QIODevice *out, const QList<QByteArray> &sources, const QList<QByteArray> &envelopeSenders,
    const QList<qint64> &receivedMs, QString *error)
{
    if (envelopeSenders.size() != sources.size() || receivedMs.size() != sources.size()) {
        *error = QStringLiteral("%1 sources, %2 envelope senders and %3 received times: one of each per message")
                     .arg(sources.size())
                     .arg(envelopeSenders.size())
                     .arg(receivedMs.size());
        return false;
    }
    MboxWriter writer(out);
    for (qsizetype i = 0; i < sources.size(); ++i) {
        if (!writer.append(sources.at(i), envelopeSenders.at(i), receivedMs.at(i))) {
            *error = writer.errorString();
            return false;
        }
    }
    return true;
}
