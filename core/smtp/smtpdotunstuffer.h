#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// The reader of DATA's payload (RFC 5321 §4.5.2): removes the dot a sender doubled at the start of a line and stops
// at the end mark. Only CRLF "." CRLF ends the data: a dot after a bare LF or CR neither ends it nor is removed, so
// no client can smuggle a second message past a server that reads lines differently (SMTP smuggling). Counts the
// size and the longest line as it goes and keeps nothing once a limit is passed. Pure: bytes in, bytes out.
class SmtpDotUnstuffer
{
public:
    // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF.
    static constexpr qint64 TextLineLimit = 1000;

    // Starts a new message; past maxSize octets, or after a line longer than maxLineLength, the data is counted but
    // not kept.
    void start(qint64 maxSize, qint64 maxLineLength = TextLineLimit);
    // Reads from data[0, size), returns how much it consumed: everything, or less when it found the end mark (just
    // after it) or when the last octets are a dot at a line start that the next bytes decide about (those are
    // given again with more).
    qsizetype read(const char *data, qsizetype size);

    bool isFinished() const { return m_finished; }
    // Octets of message data after unstuffing, counted also when not kept.
    qint64 size() const { return m_size; }
    bool isTooBig() const { return m_tooBig; }
    bool hasLongLine() const { return m_lineTooLong; }
    // The data read so far (empty once a limit was passed).
    QByteArray takeData();

    // A whole payload as a client sends it after 354, end mark included: the message, or nothing when the payload
    // does not end with the end mark. No size or line limit applies.
    static std::optional<QByteArray> unstuff(QByteArrayView payload);

private:
    QByteArray m_data;
    qint64 m_maxSize = 0;
    qint64 m_maxLineLength = TextLineLimit;
    qint64 m_size = 0;
    qint64 m_lineLength = 0;
    bool m_atLineStart = true;
    bool m_lastWasCr = false;
    bool m_tooBig = false;
    bool m_lineTooLong = false;
    bool m_finished = false;
};
