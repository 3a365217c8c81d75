#include "readpacer.h"

#include <limits>

void ReadPacer::setRate(qint64 bytesPerSecond, qint64 nowMs)
{
    m_rate = qMax<qint64>(bytesPerSecond, 0);
    // At least one byte, so a rate below RefillsPerSecond still reads (one byte each 1000 / rate ms).
    m_capacity = m_rate > 0 ? qMax<qint64>(m_rate / RefillsPerSecond, 1) : 0;
    m_credit = m_capacity * 1000;
    m_creditTimeMs = nowMs;
}

qint64 ReadPacer::creditAt(qint64 nowMs) const
{
    const qint64 full = m_capacity * 1000;
    if (m_credit >= full) {
        return full;
    }
    // Only the time the bucket takes to fill counts, so the product cannot overflow whatever the gap; a clock
    // that went back adds nothing.
    const qint64 toFill = (full - m_credit + m_rate - 1) / m_rate;
    const qint64 elapsed = qBound<qint64>(0, nowMs - m_creditTimeMs, toFill);
    return qMin(full, m_credit + elapsed * m_rate);
}

qint64 ReadPacer::available(qint64 nowMs) const
{
    if (!isPaced()) {
        return std::numeric_limits<qint64>::max();
    }
    return qMax<qint64>(creditAt(nowMs) / 1000, 0);
}

void ReadPacer::consume(qint64 bytes, qint64 nowMs)
{
    if (!isPaced()) {
        return;
    }
    // More than was available (the caller read past available()) is a debt the next refills pay first.
    m_credit = creditAt(nowMs) - bytes * 1000;
    m_creditTimeMs = nowMs;
}

qint64 ReadPacer::msUntilRefilled(qint64 nowMs) const
{
    if (!isPaced()) {
        return 0;
    }
    const qint64 missing = m_capacity * 1000 - creditAt(nowMs);
    return missing <= 0 ? 0 : (missing + m_rate - 1) / m_rate;
}
