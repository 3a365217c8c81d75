#pragma once

#include <smtp/authconfig.h>

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// One --smtp value: an address and port; "*" listens on every address (dual-stack).
struct ListenAddress
{
    QHostAddress address;
    quint16 port = 0;
    bool any = false;
    QString text; // as given, for messages

    // "127.0.0.1:1025", "[::1]:1025", "*:1025". Returns false for anything else.
    static bool parse(const QString &text, ListenAddress *out);
    // As the contract's listening line shows it, with the real bound port.
    QString display(quint16 boundPort) const;
};

// The command line of CONTRACT.md, parsed with QCommandLineParser, validated into values.
struct CommandLineOptions
{
    enum class Result { Run, ShowHelp, ShowVersion, Error };

    bool headless = false;
    QList<ListenAddress> smtp;
    std::optional<ListenAddress> api; // nullopt: --api off
    QString dataDir;
    QString hostname;
    qint64 maxMessageSize = 67108864;
    qint64 maxMessages = 10000;
    AuthConfig auth;
    int idleTimeoutMs = 300000;
    int maxConnections = 1000;

    QString helpText;
    QString errorString; // one line naming the option, file or address

    Result parse(const QStringList &arguments);
};
