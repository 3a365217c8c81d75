#include "smtpdotunstuffer.h"

#include <cstring>
#include <limits>

void SmtpDotUnstuffer::start(qint64 maxSize, qint64 maxLineLength)
{
    *this = SmtpDotUnstuffer();
    m_maxSize = maxSize;
    m_maxLineLength = maxLineLength;
}

qsizetype SmtpDotUnstuffer::read(const char *p, qsizetype n)
{
    if (m_finished) {
        return 0;
    }
    qsizetype pos = 0;
    qsizetype runStart = 0;
    // Message data is appended in runs between removed dots, not octet by octet.
    const auto keep = [&](qsizetype end) {
        if (end > runStart && !m_lineTooLong && !m_tooBig) {
            m_data.append(p + runStart, end - runStart);
        }
    };
    while (pos < n) {
        if (m_atLineStart && p[pos] == '.') {
            // RFC 5321 §4.1.1.4: only CRLF "." CRLF ends the data; a bare LF or CR never does (smuggling).
            if (n - pos < 2 || (p[pos + 1] == '\r' && n - pos < 3)) {
                keep(pos);
                return pos;
            }
            if (p[pos + 1] == '\r' && p[pos + 2] == '\n') {
                keep(pos);
                m_finished = true;
                return pos + 3;
            }
            // RFC 5321 §4.5.2: remove the doubled leading dot.
            keep(pos);
            ++pos;
            runStart = pos;
            ++m_lineLength;
            m_lastWasCr = false;
        }
        m_atLineStart = false;
        const auto *lf = static_cast<const char *>(std::memchr(p + pos, '\n', size_t(n - pos)));
        const qsizetype end = lf ? (lf - p) + 1 : n;
        const qsizetype segment = end - pos;
        m_lineLength += segment;
        m_size += segment;
        if (m_lineLength > m_maxLineLength && !m_lineTooLong) {
            m_lineTooLong = true;
            m_data = QByteArray();
        }
        if (m_size > m_maxSize && !m_tooBig) {
            m_tooBig = true;
            m_data = QByteArray();
        }
        if (lf) {
            // A line starts only after CRLF; the CR may have ended the previous read.
            m_atLineStart = segment >= 2 ? p[end - 2] == '\r' : m_lastWasCr;
            m_lineLength = 0;
        }
        m_lastWasCr = p[end - 1] == '\r';
        pos = end;
    }
    keep(pos);
    return pos;
}

QByteArray SmtpDotUnstuffer::takeData()
{
    QByteArray data;
    data.swap(m_data);
    return data;
}

std::optional<QByteArray> SmtpDotUnstuffer::unstuff(QByteArrayView payload)
{
    constexpr qint64 NoLimit = std::numeric_limits<qint64>::max();
    SmtpDotUnstuffer reader;
    reader.start(NoLimit, NoLimit);
    const qsizetype used = reader.read(payload.data(), payload.size());
    if (!reader.isFinished() || used != payload.size()) {
        return std::nullopt;
    }
    return reader.takeData();
}
