#include "smtpreplyparser.h"

#include <QByteArrayList>

namespace {
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// 1 to 3 digits (RFC 3463 §2: subject and detail), from text[*pos]; moves *pos past them.
bool digits(QByteArrayView text, qsizetype *pos)
{
    const qsizetype start = *pos;
    while (*pos < text.size() && *pos - start < 4 && isDigit(text[*pos])) {
        ++*pos;
    }
    const qsizetype count = *pos - start;
    return count >= 1 && count <= 3;
}
} // namespace

void SmtpReplyParser::feed(QByteArrayView bytes)
{
    if (!m_error.isEmpty() || bytes.isEmpty()) {
        return;
    }
    if (m_pos > 0 && m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    }
    m_buffer.append(bytes.data(), bytes.size());
}

QByteArrayView SmtpReplyParser::enhancedCode(QByteArrayView text, char codeClass)
{
    // RFC 3463 §2: class "." subject "." detail. RFC 2034 §4: the class agrees with the reply code; §3: a space
    // follows (a line that ends after the code is taken too).
    if (text.size() < 5 || text[0] != codeClass || text[1] != '.') {
        return {};
    }
    qsizetype pos = 2;
    if (!digits(text, &pos) || pos >= text.size() || text[pos] != '.') {
        return {};
    }
    ++pos;
    if (!digits(text, &pos) || (pos < text.size() && text[pos] != ' ')) {
        return {};
    }
    return text.first(pos);
}

SmtpReplyParser::Status SmtpReplyParser::next(SmtpReply *reply)
{
    if (!m_error.isEmpty()) {
        return Status::Error;
    }
    QByteArrayList lines;
    int code = 0;
    qsizetype pos = m_pos;
    for (;;) {
        const qsizetype lf = m_buffer.indexOf('\n', pos);
        if (lf < 0) {
            if (m_buffer.size() - pos > MaxLineLength) {
                return fail(QStringLiteral("reply line longer than %1 octets").arg(MaxLineLength));
            }
            return Status::NeedData;
        }
        // RFC 5321 §4.2: lines end in CRLF; a bare LF is taken as well (be liberal in what you accept).
        qsizetype end = lf;
        if (end > pos && m_buffer[end - 1] == '\r') {
            --end;
        }
        const QByteArrayView line(m_buffer.constData() + pos, end - pos);
        if (line.size() > MaxLineLength) {
            return fail(QStringLiteral("reply line longer than %1 octets").arg(MaxLineLength));
        }
        // RFC 5321 §4.2: three digits, the first 2 to 5 (§4.2.1), then SP, "-" or the end of the line.
        if (line.size() < 3 || line[0] < '2' || line[0] > '5' || !isDigit(line[1]) || !isDigit(line[2])
            || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
            return fail(QStringLiteral("not a reply line: %1")
                            .arg(QString::fromLatin1(line.first(qMin<qsizetype>(64, line.size())))));
        }
        const int lineCode = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (code != 0 && lineCode != code) {
            // RFC 5321 §4.2.1: every line of a multi-line reply has the same code.
            return fail(QStringLiteral("reply code %1 inside a reply of code %2").arg(lineCode).arg(code));
        }
        code = lineCode;
        lines << (line.size() > 4 ? line.sliced(4).toByteArray() : QByteArray());
        if (lines.size() > MaxLines) {
            return fail(QStringLiteral("reply of more than %1 lines").arg(MaxLines));
        }
        pos = lf + 1;
        if (line.size() == 3 || line[3] == ' ') {
            break;
        }
    }
    m_pos = pos;
    if (m_pos == m_buffer.size()) {
        m_buffer.clear();
        m_pos = 0;
    }
    reply->code = code;
    reply->enhanced = enhancedCode(lines.first(), char('0' + code / 100)).toByteArray();
    if (!reply->enhanced.isEmpty()) {
        // The same code starts every line (RFC 2034 §4); it is taken off wherever it is.
        for (QByteArray &text : lines) {
            if (text.startsWith(reply->enhanced)
                && (text.size() == reply->enhanced.size() || text[reply->enhanced.size()] == ' ')) {
                text.remove(0, qMin(text.size(), reply->enhanced.size() + 1));
            }
        }
    }
    reply->lines = lines;
    return Status::Reply;
}

SmtpReplyParser::Status SmtpReplyParser::fail(const QString &error)
{
    m_error = error;
    m_buffer = QByteArray();
    m_pos = 0;
    return Status::Error;
}
