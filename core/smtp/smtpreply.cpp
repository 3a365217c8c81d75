#include "smtpreply.h"

namespace {
QByteArray formatLines(const SmtpReply &reply, bool withEnhanced, const char *eol)
{
    QByteArray out;
    const QByteArray code = QByteArray::number(reply.code);
    const bool enhanced = withEnhanced && !reply.enhanced.isEmpty();
    const qsizetype count = reply.lines.isEmpty() ? 1 : reply.lines.size();
    for (qsizetype i = 0; i < count; ++i) {
        if (i > 0) {
            out += eol;
        }
        out += code;
        out += (i + 1 < count) ? '-' : ' ';
        if (enhanced) {
            out += reply.enhanced;
            out += ' ';
        }
        if (!reply.lines.isEmpty()) {
            out += reply.lines.at(i);
        }
    }
    return out;
}
} // namespace

QByteArray SmtpReply::toWire(bool withEnhanced) const
{
    QByteArray out = formatLines(*this, withEnhanced, "\r\n");
    out += "\r\n";
    return out;
}

QByteArray SmtpReply::toTranscript(bool withEnhanced) const
{
    return formatLines(*this, withEnhanced, "\n");
}
