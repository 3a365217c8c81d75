#include "traceheader.h"

#include "smtpenvelope.h"

#include <QDateTime>
#include <QLocale>

namespace {
// The HELO name is client-controlled: keep it to printable ASCII without comment delimiters.
QByteArray sanitize(const QByteArray &text)
{
    QByteArray out = text.left(255);
    for (char &c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e || c == '(' || c == ')' || c == '\\') {
            c = '?';
        }
    }
    return out.isEmpty() ? QByteArray("unknown") : out;
}
} // namespace

QByteArray TraceHeader::received(
    const SmtpEnvelope &envelope, const QByteArray &hostname, const QByteArray &id, qint64 timeMs)
{
    const QHostAddress &address = envelope.clientAddress;
    // RFC 5321 §4.1.3: IPv6 address literals carry the "IPv6:" tag.
    const QByteArray literal = address.protocol() == QAbstractSocket::IPv6Protocol
        ? "IPv6:" + address.toString().toLatin1()
        : address.toString().toLatin1();
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC);
    // RFC 5322 §3.3 date-time, always in English.
    const QByteArray date
        = QLocale::c().toString(when, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss")).toLatin1() + " +0000";
    QByteArray header;
    header.reserve(160);
    header += "Received: from ";
    header += sanitize(envelope.helo);
    header += " ([";
    header += literal;
    header += "]) by ";
    header += hostname;
    header += " (Letterbox) with ";
    header += envelope.protocol();
    header += " id ";
    header += id;
    // One line, as CONTRACT.md writes it (about 130 octets: within RFC 5322's 998). Folded before the date
    // only if a long host name would break that limit; unfolding then gives back the same text.
    header += header.size() + 2 + date.size() + 2 > 998 ? ";\r\n " : "; ";
    header += date;
    header += "\r\n";
    return header;
}
