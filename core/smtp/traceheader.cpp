#include "traceheader.h"

#include "smtpenvelope.h"

#include <QDateTime>

namespace {
// The HELO name is client-controlled: keep it to printable ASCII without the RFC 5322 §3.2.3 specials that a
// domain or an address literal never needs and that would change how the field parses: ( ) open and close a
// comment, \ quotes, " opens a quoted string, < > an angle-addr, "," separates, and ";" ends the tokens before
// the date (RFC 5322 §3.6.7). Dots, colons and brackets stay ([IPv6:2001:db8::1]).
QByteArray sanitize(const QByteArray &text)
{
    QByteArray out = text.left(255);
    for (char &c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e || QByteArrayView("()<>,;\\\"").contains(c)) {
            c = '?';
        }
    }
    return out.isEmpty() ? QByteArray("unknown") : out;
}

void appendTwoDigits(QByteArray &out, int value)
{
    out += char('0' + value / 10);
    out += char('0' + value % 10);
}

// RFC 5322 §3.3 date-time in UTC, always in English ("Thu, 01 Jan 1970 00:00:00 +0000"). Written by hand: every
// message gets one, and QLocale's formatting was about 1.5 % of the CPU of a 1 KB flood (docs/benchmarks.md).
QByteArray dateTime(qint64 timeMs)
{
    static constexpr const char *Days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    static constexpr const char *Months[]
        = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC);
    const QDate day = when.date();
    const QTime time = when.time();
    QByteArray out;
    out.reserve(31);
    out += Days[day.dayOfWeek() - 1];
    out += ", ";
    appendTwoDigits(out, day.day());
    out += ' ';
    out += Months[day.month() - 1];
    out += ' ';
    out += QByteArray::number(day.year()).rightJustified(4, '0');
    out += ' ';
    appendTwoDigits(out, time.hour());
    out += ':';
    appendTwoDigits(out, time.minute());
    out += ':';
    appendTwoDigits(out, time.second());
    out += " +0000";
    return out;
}
} // namespace

QByteArray TraceHeader::received(
    const SmtpEnvelope &envelope, const QByteArray &hostname, const QByteArray &id, qint64 timeMs)
{
    return received(envelope.helo, envelope.clientAddress, hostname, envelope.protocol(), id, timeMs);
}

QByteArray TraceHeader::received(const QByteArray &from, const ClientAddress &address, const QByteArray &hostname,
    const QByteArray &protocol, const QByteArray &id, qint64 timeMs)
{
    const QByteArray date = dateTime(timeMs);
    QByteArray header;
    header.reserve(160);
    header += "Received: from ";
    header += sanitize(from);
    if (!address.isNull()) {
        // RFC 5321 §4.1.3: IPv6 address literals carry the "IPv6:" tag and are hex digits, colons and dots only, so
        // a link-local peer's zone ("fe80::1%eth0") is left out.
        header += " ([";
        header += address.family() == ClientAddress::Family::IPv6 ? "IPv6:" + address.addressText().toLatin1()
                                                                  : address.addressText().toLatin1();
        header += "])";
    }
    header += " by ";
    header += hostname;
    header += " (Letterbox)";
    if (!protocol.isEmpty()) {
        header += " with ";
        header += protocol;
    }
    header += " id ";
    header += id;
    // One line, as README "What the SMTP server does" shows it (about 130 octets). Folded before the date only if
    // a long host name would make the line longer than RFC 5322 §2.1.1's 998 characters (CRLF not counted);
    // unfolding then gives back the same text.
    header += header.size() + 2 + date.size() > 998 ? ";\r\n " : "; ";
    header += date;
    header += "\r\n";
    return header;
}
