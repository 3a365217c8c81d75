#pragma once

#include <QHostAddress>
#include <QSslConfiguration>
#include <QString>

#include <functional>
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
    // Or made when a connection first needs it (a STARTTLS, an implicit-TLS client), so that a listener whose
    // clients never ask for TLS loads no TLS library; called on the network thread, and the source keeps what it
    // made. nullopt: no certificate after all, and that connection closes.
    std::function<std::optional<QSslConfiguration>()> sslConfigurationSource;

    bool hasTls() const { return tls != Tls::None && (sslConfiguration || sslConfigurationSource); }
};
