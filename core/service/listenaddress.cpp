#include "listenaddress.h"

#include <algorithm>

namespace {
bool isDigits(QStringView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

bool fail(QString *error, const QString &why)
{
    if (error) {
        *error = why;
    }
    return false;
}

QString notAnAddress()
{
    return QStringLiteral("expected ADDR:PORT, [IPv6]:PORT, *:PORT or PORT");
}
} // namespace

bool ListenAddress::parse(const QString &text, ListenAddress *out, QString *error)
{
    // A bare port listens on loopback only: nothing reachable from the network unless asked for.
    if (isDigits(text)) {
        return parse(QStringLiteral("127.0.0.1:") + text, out, error);
    }
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0) {
        return fail(error, notAnAddress());
    }
    QString host = text.left(colon);
    const QStringView portText = QStringView(text).mid(colon + 1);
    if (!isDigits(portText)) {
        return fail(error, notAnAddress());
    }
    // Digits only, so a failed conversion is an overflow: out of range as well.
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535) {
        return fail(error, QStringLiteral("port out of range (0-65535)"));
    }
    ListenAddress result;
    result.port = quint16(port);
    result.text = text;
    if (host == u"*") {
        result.any = true;
        result.address = QHostAddress::Any;
    } else if (host.startsWith(u'[') && host.endsWith(u']')) {
        host = host.mid(1, host.size() - 2);
        if (!result.address.setAddress(host) || result.address.protocol() != QAbstractSocket::IPv6Protocol) {
            return fail(error, QStringLiteral("'%1' is not an IPv6 address").arg(host));
        }
    } else if (host == u"localhost") {
        result.address = QHostAddress::LocalHost;
    } else {
        if (!result.address.setAddress(host) || result.address.protocol() != QAbstractSocket::IPv4Protocol) {
            return fail(error, notAnAddress());
        }
    }
    *out = result;
    return true;
}

QString ListenAddress::display(quint16 boundPort) const
{
    if (any) {
        return QStringLiteral("*:%1").arg(boundPort);
    }
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(boundPort);
    }
    return QStringLiteral("%1:%2").arg(address.toString()).arg(boundPort);
}

QString ListenAddress::connectHost() const
{
    if (any || address == QHostAddress::AnyIPv4) {
        return QStringLiteral("127.0.0.1");
    }
    if (address == QHostAddress::AnyIPv6) {
        return QStringLiteral("::1");
    }
    return address.toString();
}
