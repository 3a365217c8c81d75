#include "imapcommandreader.h"

namespace {
// The "{N}" or "{N+}" a line ends in (RFC 3501 §9 literal, RFC 7888 §3 literal+): N, or -1; synchronizing says which.
qint64 literalAtEnd(const QByteArray &line, bool *synchronizing)
{
    if (!line.endsWith('}')) {
        return -1;
    }
    const qsizetype open = line.lastIndexOf('{');
    if (open < 0) {
        return -1;
    }
    QByteArrayView digits = QByteArrayView(line).sliced(open + 1, line.size() - open - 2);
    *synchronizing = !digits.endsWith('+');
    if (!*synchronizing) {
        digits.chop(1);
    }
    // Eighteen digits cannot overflow a qint64; any such literal is over every limit anyway.
    if (digits.isEmpty() || digits.size() > 18) {
        return -1;
    }
    qint64 value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

// The tag a command starts with, if it is one (RFC 3501 §9 tag: ASTRING-CHAR but "+").
QByteArray tagOf(QByteArrayView text)
{
    const qsizetype space = text.indexOf(' ');
    const QByteArrayView tag = space < 0 ? text : text.first(space);
    if (tag.isEmpty() || tag.size() > 64) {
        return {};
    }
    for (const char c : tag) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\'
            || c == '+') {
            return {};
        }
    }
    return tag.toByteArray();
}
} // namespace

ImapCommandReader::ImapCommandReader(qsizetype lineLimit, qint64 literalLimit)
    : m_lineLimit(lineLimit), m_literalLimit(literalLimit)
{
}

void ImapCommandReader::append(QByteArrayView bytes)
{
    compact();
    m_in.append(bytes.data(), bytes.size());
}

void ImapCommandReader::clear()
{
    m_in.clear();
    m_pos = 0;
    m_partial.clear();
    m_textSize = 0;
    m_literalBytes = 0;
    m_literalRemaining = 0;
    m_discarding = false;
}

void ImapCommandReader::compact()
{
    if (m_pos > 0 && (m_pos == m_in.size() || m_pos > 64 * 1024)) {
        m_in.remove(0, m_pos);
        m_pos = 0;
    }
}

void ImapCommandReader::refuse(const QByteArray &text)
{
    m_refusedTag = tagOf(text);
    m_partial.clear();
    m_textSize = 0;
    m_literalBytes = 0;
}

ImapCommandReader::Status ImapCommandReader::next()
{
    for (;;) {
        if (m_literalRemaining > 0) {
            const qint64 take = std::min<qint64>(m_literalRemaining, m_in.size() - m_pos);
            if (!m_discarding) {
                m_partial.append(m_in.constData() + m_pos, take);
            }
            m_pos += take;
            m_literalRemaining -= take;
            if (m_literalRemaining > 0) {
                compact();
                return Status::NeedMore;
            }
        }
        const qsizetype newline = m_in.indexOf('\n', m_pos);
        if (newline < 0) {
            const qsizetype pending = m_in.size() - m_pos;
            if (m_discarding) {
                m_pos = m_in.size();
            } else if (m_textSize + pending > m_lineLimit) {
                // No CRLF within the limit: refuse now rather than buffer a line of any length.
                refuse(m_partial + m_in.mid(m_pos, 128));
                m_pos = m_in.size();
                m_discarding = true;
                compact();
                return Status::LineTooLong;
            }
            compact();
            return Status::NeedMore;
        }
        QByteArray line = m_in.mid(m_pos, newline - m_pos);
        m_pos = newline + 1;
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        bool synchronizing = true;
        const qint64 literal = literalAtEnd(line, &synchronizing);
        if (m_discarding) {
            // A refused command's line may end in a non-synchronizing literal, which the client sends regardless
            // (RFC 7888 §4): skip it too, and the line after it. A synchronizing one is not sent without "+".
            if (literal >= 0 && !synchronizing) {
                m_literalRemaining = literal;
            } else {
                m_discarding = false;
            }
            continue;
        }
        if (m_textSize + line.size() > m_lineLimit) {
            refuse(m_partial + line.left(128));
            if (literal >= 0 && !synchronizing) {
                m_discarding = true;
                m_literalRemaining = literal;
            }
            return Status::LineTooLong;
        }
        m_textSize += line.size();
        m_partial += line;
        if (literal < 0) {
            m_command = std::exchange(m_partial, QByteArray());
            m_textSize = 0;
            m_literalBytes = 0;
            compact();
            return Status::Command;
        }
        if (literal > m_literalLimit - m_literalBytes) {
            // RFC 3501 §7.5: a refused synchronizing literal is not sent; a non-synchronizing one is skipped as it
            // comes, never buffered (RFC 7888 §4).
            refuse(m_partial);
            if (!synchronizing) {
                m_discarding = true;
                m_literalRemaining = literal;
            }
            return Status::LiteralTooBig;
        }
        m_partial += "\r\n";
        m_literalBytes += literal;
        m_literalRemaining = literal;
        if (synchronizing) {
            return Status::LiteralContinuation;
        }
    }
}
