#include "clientaddress.h"

#include <QUrl>

namespace {
// A dotted quad of four decimal octets (RFC 3986 §3.2.2 IPv4address), written back without leading zeros.
bool parseIpv4(QStringView text, QString *canonical)
{
    const auto parts = text.split(u'.');
    if (parts.size() != 4) {
        return false;
    }
    QString out;
    for (const QStringView part : parts) {
        if (part.isEmpty() || part.size() > 3) {
            return false;
        }
        uint octet = 0;
        for (const QChar c : part) {
            if (c < u'0' || c > u'9') {
                return false;
            }
            octet = octet * 10 + (c.unicode() - u'0');
        }
        if (octet > 255) {
            return false;
        }
        if (!out.isEmpty()) {
            out += u'.';
        }
        out += QString::number(octet);
    }
    *canonical = out;
    return true;
}
} // namespace

ClientAddress ClientAddress::fromString(QStringView text)
{
    ClientAddress address;
    QStringView host = text;
    QStringView scope;
    const qsizetype percent = text.indexOf(u'%');
    if (percent >= 0) {
        host = text.left(percent);
        scope = text.mid(percent + 1);
        if (scope.isEmpty()) {
            return {};
        }
    }
    if (!host.contains(u':')) {
        if (!scope.isEmpty() || !parseIpv4(host, &address.m_text)) {
            return {};
        }
        address.m_family = Family::IPv4;
        return address;
    }
    // QUrl parses and writes IPv6 literals (RFC 3986 §3.2.2) with the code QHostAddress uses (Qt Core's
    // QIPAddressUtils), so the text is the same.
    QUrl url;
    url.setHost(host.toString(), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || !url.host().contains(u':')) {
        return {};
    }
    address.m_family = Family::IPv6;
    address.m_text = url.host();
    address.m_scope = scope.toString();
    return address;
}

ClientAddress ClientAddress::unmapped() const
{
    static constexpr QStringView MappedPrefix = u"::ffff:";
    if (m_family != Family::IPv6 || !m_text.startsWith(MappedPrefix) || !m_text.contains(u'.')) {
        return *this;
    }
    return fromString(QStringView(m_text).mid(MappedPrefix.size()));
}

QString ClientAddress::toString() const
{
    return m_scope.isEmpty() ? m_text : m_text + u'%' + m_scope;
}
