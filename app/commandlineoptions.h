#pragma once

#include <api/apiauthfile.h>
#include <relay/relayconfig.h>
#include <service/catcherservice.h>
#include <service/listenaddress.h>
#include <smtp/authconfig.h>

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QCommandLineOption;
class QCommandLineParser;
class TlsCertificateSource;

// The command line of README "Command line", parsed with QCommandLineParser, validated into values.
struct CommandLineOptions
{
    enum class Result { Run, ShowHelp, ShowVersion, Error };

    bool headless = false;
    QList<ListenAddress> smtp;
    QList<ListenAddress> smtps; // --smtps, repeatable
    QList<ListenAddress> pop3; // --pop3, repeatable
    QList<ListenAddress> pop3s; // --pop3s, repeatable
    QList<ListenAddress> imap; // --imap, repeatable
    QList<ListenAddress> imaps; // --imaps, repeatable
    QString tlsCertFile; // --tls-cert; empty: the generated pair in dataDir
    QString tlsKeyFile;
    // The certificate of STARTTLS and --smtps (the user's, checked by parse(), or the generated one, made when
    // first needed).
    std::shared_ptr<TlsCertificateSource> tls;
    std::optional<ListenAddress> api; // nullopt: --api off
    QStringList apiHosts; // --api-host, repeatable
    ApiAuthFile apiAuth; // --api-auth, read by parse(); empty: none
    QString apiTlsCertFile; // --api-tls-cert (with --api-tls-key); empty: plain HTTP
    QString apiTlsKeyFile;
    // The API's certificate (--api-tls-cert/--api-tls-key), loaded and checked at start by both modes; none: HTTP.
    std::shared_ptr<TlsCertificateSource> apiTls;
    QString dataDir;
    // --store: "sqlite" (the database in dataDir) or a postgresql:// URL (checked by parse()).
    QString store = QStringLiteral("sqlite");
    QString hostname;
    qint64 maxMessageSize = 67108864;
    qint64 maxMessages = 10000;
    AuthConfig auth;
    QString authText = QStringLiteral("any"); // as given: any, off or the file
    QString rulesFile; // --rules, else rules.json in dataDir
    bool rulesGiven = false;
    std::optional<quint64> rulesSeed;
    QString mailboxesFile; // --mailboxes, else mailboxes.json in dataDir
    bool mailboxesGiven = false;
    bool mailboxPerUser = false; // --mailbox-per-user
    int idleTimeoutMs = 300000;
    int maxConnections = 1000;
    // --relay, --relay-tls, --relay-user (password from $LETTERBOX_RELAY_PASSWORD), --relay-insecure, --relay-all,
    // --relay-matching (CONTRACT "Relay, auto-relay and the SMTP client"); not configured without --relay.
    RelayConfig relay;
    // --attach URL (desktop app only): show the catcher at URL instead of running one; --attach-user the login
    // (CONTRACT "Team store, API access and remote attach").
    QString attachUrl;
    QString attachUser;

    // The options given on the command line (long names), so that the desktop app knows which of its saved
    // settings they override for this run.
    QSet<QString> given;

    QString helpText;
    QString errorString; // one line naming the option, file or address

    Result parse(const QStringList &arguments);
    // The listeners and session settings these options describe (no rules: the caller loads them).
    CatcherConfig catcherConfig() const;

private:
    Result parseRelay(const QCommandLineParser &parser, const QCommandLineOption &relayOption,
        const QCommandLineOption &tlsOption, const QCommandLineOption &userOption,
        const QCommandLineOption &insecureOption, const QCommandLineOption &allOption,
        const QCommandLineOption &matchingOption);
};
