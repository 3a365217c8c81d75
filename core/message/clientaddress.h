#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

// A client's IP address as protocols, rules and the store see it: a value of Qt Core alone, so that the protocol
// layer needs no Qt Network (core/net turns a socket's QHostAddress into one). Its text is the one QHostAddress
// gives: a dotted quad for IPv4, RFC 5952's compressed lower-case form for IPv6, "%zone" appended when scoped.
class ClientAddress
{
public:
    enum class Family { None, IPv4, IPv6 };

    ClientAddress() = default;
    // "192.0.2.7", "2001:DB8::1", "fe80::1%eth0". Anything else gives a null address.
    static ClientAddress fromString(QStringView text);

    bool isNull() const { return m_family == Family::None; }
    Family family() const { return m_family; }
    // README "What the SMTP server does": an IPv4-mapped IPv6 address (::ffff:192.0.2.7) is its IPv4 address.
    ClientAddress unmapped() const;
    // The address with its zone, as QHostAddress::toString() writes it.
    QString toString() const;
    // The address without its zone (RFC 5321 §4.1.3 address literals have none).
    QString addressText() const { return m_text; }
    QString scopeId() const { return m_scope; }

    friend bool operator==(const ClientAddress &, const ClientAddress &) = default;

private:
    Family m_family = Family::None;
    QString m_text;
    QString m_scope;
};
Q_DECLARE_METATYPE(ClientAddress)
