#include "imapformat.h"

#include <QDateTime>
#include <QTimeZone>

namespace ImapFormat {

namespace {
// Longer values go as literals: a quoted string must fit a client's line buffer.
constexpr qsizetype QuotedLimit = 1024;
} // namespace

QByteArray string(QByteArrayView value)
{
    bool quotable = value.size() <= QuotedLimit;
    for (qsizetype i = 0; quotable && i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        quotable = c != 0 && c != '\r' && c != '\n' && c < 0x80;
    }
    if (!quotable) {
        QByteArray literal = '{' + QByteArray::number(value.size()) + "}\r\n";
        literal += value;
        return literal;
    }
    QByteArray quoted;
    quoted.reserve(value.size() + 2);
    quoted += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

QByteArray nstring(QByteArrayView value, bool isNull)
{
    return isNull ? QByteArray("NIL") : string(value);
}

QByteArray flags(const ImapMessageEntry &entry, bool deleted)
{
    QByteArrayList list;
    if (entry.seen) {
        list << "\\Seen";
    }
    if (entry.flagged) {
        list << "\\Flagged";
    }
    if (deleted) {
        list << "\\Deleted";
    }
    return '(' + list.join(' ') + ')';
}

QByteArray internalDate(qint64 utcMs)
{
    static const char *const months[]
        = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(utcMs, QTimeZone::utc());
    const QDate date = time.date();
    const QTime clock = time.time();
    return QByteArrayLiteral("\"") + QByteArray::number(date.day()).rightJustified(2, '0') + '-'
        + months[date.month() - 1] + '-' + QByteArray::number(date.year()).rightJustified(4, '0') + ' '
        + QByteArray::number(clock.hour()).rightJustified(2, '0') + ':'
        + QByteArray::number(clock.minute()).rightJustified(2, '0') + ':'
        + QByteArray::number(clock.second()).rightJustified(2, '0') + " +0000\"";
}

} // namespace ImapFormat
