#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class QIODevice;

// Writes messages as an mbox in the mboxrd form MessageImporter reads (RFC 4155 with mboxrd quoting):
//
//     From SENDER Www Mmm dd hh:mm:ss yyyy      the envelope sender ("MAILER-DAEMON" for the null sender <>) and
//     <the source, lines ">*From " quoted>      the received time as asctime in UTC; a line of the source that
//     <blank line>                              matches ">*From " gets one more '>'; a blank line ends it.
//
// The "From " line ends in LF; the source keeps its own line ends, and the blank line uses the source's (CRLF when it
// ends in CRLF). MessageImporter reads each source back byte for byte, its "From " line giving the received time of a
// message without a Date header. Two limits of the format: a source that does not end in a line break gets one (mbox
// needs the next "From " at the start of a line: CRLF when the source has CRLF, else LF), and an empty or blank
// source reads back as no message.
//
// Streaming, one message at a time (the caller reads each from the store as it goes):
//
//     MboxWriter writer(&file);
//     for (const QString &id : ids) {
//         const std::optional<StoredMessage> m = store.message(id);
//         if (m && !writer.append(m->raw, m->mailFrom.toUtf8(), m->summary.receivedMs)) {
//             return writer.errorString();
//         }
//     }
//
// or all at once with write(). Nothing is buffered: a message is on the device when append() returns.
class MboxWriter
{
public:
    // out must be open for writing; it is not owned.
    explicit MboxWriter(QIODevice *out);

    // Appends one message: its source (the stored source, as /raw gives it), envelope sender (MAIL FROM; empty for
    // the null sender) and received time (UTC milliseconds since the epoch). False when the device did not take all
    // the bytes; errorString() says why.
    bool append(const QByteArray &source, const QByteArray &envelopeSender, qint64 receivedMs);
    QString errorString() const;

    // The separator line of a message, without its line end: "From a@x.test Mon Nov 30 08:00:00 2026".
    static QByteArray fromLine(const QByteArray &envelopeSender, qint64 receivedMs);
    // Writes every message: sources[i] with envelopeSenders[i] and receivedMs[i] (the lists must be of one length).
    // False and *error when the lists differ in length or the device refused bytes.
    static bool write(QIODevice *out, const QList<QByteArray> &sources, const QList<QByteArray> &envelopeSenders,
        const QList<qint64> &receivedMs, QString *error);

private:
    bool put(const char *data, qsizetype size);

    QIODevice *m_out;
    QString m_error;
};
