#include "listenaddress.h"

bool ListenAddress::parse(const QString &text, ListenAddress *out)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0) {
        return false;
    }
    QString host = text.left(colon);
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535 || text.mid(colon + 1).isEmpty()) {
        return false;
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
            return false;
        }
    } else if (host == u"localhost") {
        result.address = QHostAddress::LocalHost;
    } else {
        if (!result.address.setAddress(host) || result.address.protocol() != QAbstractSocket::IPv4Protocol) {
            return false;
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
