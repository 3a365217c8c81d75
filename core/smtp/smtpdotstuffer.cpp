#include "smtpdotstuffer.h"

QByteArray SmtpDotStuffer::encode(QByteArrayView data)
{
    QByteArray out;
    out.reserve(data.size() + data.size() / 64 + 4);
    const char *p = data.data();
    const char *const end = p + data.size();
    if (m_pendingCr && p < end) {
        // The CR that ended the previous piece: a line end, whether or not this LF completes it.
        m_pendingCr = false;
        out += "\r\n";
        m_atLineStart = true;
        if (*p == '\n') {
            ++p;
        }
    }
    while (p < end) {
        if (m_atLineStart && *p == '.') {
            out += '.';
        }
        m_atLineStart = false;
        const char *run = p;
        while (p < end && *p != '\r' && *p != '\n') {
            ++p;
        }
        out.append(run, p - run);
        if (p == end) {
            break;
        }
        if (*p == '\r') {
            if (p + 1 == end) {
                m_pendingCr = true;
                ++p;
                break;
            }
            if (p[1] == '\n') {
                ++p;
            }
        }
        ++p;
        out += "\r\n";
        m_atLineStart = true;
    }
    return out;
}

QByteArray SmtpDotStuffer::finish()
{
    QByteArray out;
    if (m_pendingCr) {
        out += "\r\n";
    } else if (!m_atLineStart) {
        out += "\r\n";
    }
    out += ".\r\n";
    *this = SmtpDotStuffer();
    return out;
}

QByteArray SmtpDotStuffer::stuff(QByteArrayView message)
{
    SmtpDotStuffer stuffer;
    QByteArray out = stuffer.encode(message);
    out += stuffer.finish();
    return out;
}
