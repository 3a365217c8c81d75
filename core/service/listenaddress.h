#pragma once

#include <QHostAddress>
#include <QString>

// One listener address as the command line and the settings write it: "127.0.0.1:1025", "[::1]:1025", "*:1025"
// ("*" listens on every address, IPv4 and IPv6 on one dual-stack socket), or a bare port: "1025" is
// 127.0.0.1:1025, loopback only like the defaults.
struct ListenAddress
{
    QHostAddress address;
    quint16 port = 0;
    bool any = false;
    QString text; // as given, a bare port written out ("127.0.0.1:1025"), for messages

    // Returns false for anything but ADDR:PORT, [IPv6]:PORT, localhost:PORT, *:PORT or PORT, with *error saying
    // why ("port out of range (0-65535)").
    static bool parse(const QString &text, ListenAddress *out, QString *error = nullptr);
    // As the contract's listening line shows it, with the real bound port.
    QString display(quint16 boundPort) const;
    // The address a client on this machine connects to ("127.0.0.1" for "*").
    QString connectHost() const;
};
