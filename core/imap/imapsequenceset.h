#pragma once

#include <QList>
#include <QtGlobal>

#include <algorithm>

// A sequence set (RFC 3501 §9, sequence-set): numbers and ranges "n:m" in either order, "*" standing for the largest
// number in use (the message count for sequence numbers, the highest UID for UIDs).
struct ImapSequenceSet
{
    // 0 stands for "*" (no message number or UID is 0, RFC 3501 §9 nz-number).
    struct Range
    {
        quint32 first = 0;
        quint32 last = 0;
    };
    QList<Range> ranges;

    // Whether value is in the set, "*" being star.
    bool contains(quint32 value, quint32 star) const
    {
        for (const Range &range : ranges) {
            const quint32 first = range.first == 0 ? star : range.first;
            const quint32 last = range.last == 0 ? star : range.last;
            if (value >= std::min(first, last) && value <= std::max(first, last)) {
                return true;
            }
        }
        return false;
    }
    // The largest number the set names, "*" being star (a sequence number beyond the count is an error, RFC 3501
    // §9 seq-number).
    quint32 maximum(quint32 star) const
    {
        quint32 result = 0;
        for (const Range &range : ranges) {
            result = std::max({ result, range.first == 0 ? star : range.first, range.last == 0 ? star : range.last });
        }
        return result;
    }
};
