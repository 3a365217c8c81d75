#pragma once

#include <QByteArray>
#include <QByteArrayView>

// Frames IMAP command lines with their literals (RFC 3501 §4.3 and §7.5, LITERAL+ RFC 7888) from a client's bytes,
// incrementally, with a limit on each: a command's text (its literals' bytes not counted) and its literals' bytes.
// A command comes out whole: its lines without the final CRLF, each literal inline as "{N}" CRLF and its N bytes (as
// ImapParser reads it). What is over a limit is never buffered: the rest of an over-long line and the bytes of a
// refused non-synchronizing literal are skipped as they arrive.
class ImapCommandReader
{
public:
    enum class Status {
        NeedMore, // all input is used; more is needed
        Command, // command() is a whole command
        LiteralContinuation, // a synchronizing literal follows: the server must send "+" (RFC 3501 §7.5)
        LineTooLong, // a command's text is over the limit: refused, its line skipped (refusedTag())
        LiteralTooBig, // a literal is over the limit: refused, never read (refusedTag())
    };

    ImapCommandReader(qsizetype lineLimit, qint64 literalLimit);

    void append(QByteArrayView bytes);
    // Frames from the input what it can: call until NeedMore.
    Status next();
    // The command after Command.
    const QByteArray &command() const { return m_command; }
    // The tag of the command a LineTooLong or LiteralTooBig refused, empty when it had none that could be read.
    const QByteArray &refusedTag() const { return m_refusedTag; }
    // Drops all input and any command begun (after STARTTLS, RFC 3501 §6.2.1).
    void clear();
    // Bytes received and not yet given out as a command.
    qsizetype bufferedBytes() const { return m_in.size() - m_pos + m_partial.size(); }

private:
    void refuse(const QByteArray &text);
    void compact();

    qsizetype m_lineLimit;
    qint64 m_literalLimit;
    QByteArray m_in;
    qsizetype m_pos = 0;
    QByteArray m_partial; // the command being framed
    QByteArray m_command;
    QByteArray m_refusedTag;
    qsizetype m_textSize = 0; // the command's bytes but its literals'
    qint64 m_literalBytes = 0; // the command's literals' bytes
    qint64 m_literalRemaining = 0; // bytes of the current literal still to come
    bool m_discarding = false; // skipping a refused command's rest (its line, or a literal and then its line)
};
