#pragma once

#include <QHostAddress>
#include <QSslConfiguration>
#include <QString>

#include <optional>

// One listening socket: where, and whether its connections can speak TLS.
struct NetListenOptions
{
    enum class Tls {
        None, // plain connections
        OnRequest, // plain until the protocol asks for TLS (STARTTLS, STLS)
        Implicit, // TLS from the first byte (SMTPS RFC 8314 §3.3, POP3S, IMAPS)
    };

    QHostAddress address = QHostAddress::LocalHost; // QHostAddress::Any is dual-stack
    quint16 port = 0; // 0 picks a free port
    QString name; // as the user wrote it ("*:2526"); connections report it (NetConnection::listenerName())
    Tls tls = Tls::None;
    // The certificate and key, for Tls::OnRequest and Tls::Implicit. Optional, because even a default
    // QSslConfiguration loads the TLS library (its Diffie-Hellman parameters): a plain listener never does.
    std::optional<QSslConfiguration> sslConfiguration;
};
