#pragma once

#include <QtGlobal>

// How fast a connection may read its input (a host rule's bytesPerSecond: CONTRACT "Failure scenarios (rules)", a
// slow server): a token bucket that fills at the rate and holds a tenth of a second's worth, so a paced reader
// wakes about ten times a second rather than for every byte, and a client that paused gets no more than that
// tenth as a burst. Pure: the caller passes the time (a monotonic clock in milliseconds), so tests step through it.
class ReadPacer
{
public:
    // A paced reader wakes this often while the client sends faster than the rate.
    static constexpr qint64 RefillsPerSecond = 10;

    // bytesPerSecond 0 (or less): unpaced. The bucket starts full at nowMs, so the first command is not held.
    void setRate(qint64 bytesPerSecond, qint64 nowMs);
    qint64 bytesPerSecond() const { return m_rate; }
    bool isPaced() const { return m_rate > 0; }
    // What a full bucket holds (0 unpaced).
    qint64 capacity() const { return m_capacity; }
    // How many bytes may be read at nowMs; unpaced, any number.
    qint64 available(qint64 nowMs) const;
    // bytes were read at nowMs.
    void consume(qint64 bytes, qint64 nowMs);
    // Milliseconds from nowMs until the bucket is full again: when a reader that found it empty should look again
    // (0 when full or unpaced).
    qint64 msUntilRefilled(qint64 nowMs) const;

private:
    // The bucket's content at nowMs, in byte-milliseconds.
    qint64 creditAt(qint64 nowMs) const;

    qint64 m_rate = 0;
    qint64 m_capacity = 0;
    // Bytes × 1000, so that a rate's fraction of a byte per millisecond is kept rather than rounded away.
    qint64 m_credit = 0;
    qint64 m_creditTimeMs = 0;
};
