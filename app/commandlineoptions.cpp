#include "commandlineoptions.h"

#include <mailbox/mailboxsettings.h>

#include <QCommandLineParser>
#include <QDir>
#include <api/apiserver.h>

#include "tlscertificatesource.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>

namespace {
bool parseCount(const QString &text, qint64 min, qint64 *out)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min) {
        return false;
    }
    *out = value;
    return true;
}

// HOST:PORT, an IPv6 address in brackets ([::1]:25); the port is required.
bool parseRelayAddress(const QString &text, SmtpServerAddress *out)
{
    QString host;
    QString port;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 0 || text.mid(close + 1, 1) != QLatin1String(":")) {
            return false;
        }
        host = text.mid(1, close - 1);
        port = text.mid(close + 2);
        if (QHostAddress(host).protocol() != QAbstractSocket::IPv6Protocol) {
            return false;
        }
    } else {
        const qsizetype colon = text.lastIndexOf(u':');
        if (colon <= 0 || text.indexOf(u':') != colon) {
            return false;
        }
        host = text.left(colon);
        port = text.mid(colon + 1);
        if (!ApiServer::isHostName(host)) {
            return false;
        }
    }
    bool ok = false;
    const uint number = port.toUInt(&ok);
    if (!ok || number == 0 || number > 65535) {
        return false;
    }
    out->host = host;
    out->port = quint16(number);
    return true;
}
} // namespace

CommandLineOptions::Result CommandLineOptions::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Letterbox catches the mail your application sends: point its SMTP settings at 127.0.0.1:1025.\n"
        "letterbox sendmail [flags] [recipient...] (or letterbox-sendmail) delivers a message from standard input\n"
        "to a running Letterbox, as sendmail does; see letterbox sendmail --help."));
    const QCommandLineOption helpOption(
        { QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption(QStringLiteral("version"), QStringLiteral("Show the version and exit."));
    const QCommandLineOption headlessOption(QStringLiteral("headless"),
        QStringLiteral("No window: SMTP only, log on stderr; stops cleanly on "
                       "SIGINT/SIGTERM."));
    const QCommandLineOption smtpOption(QStringLiteral("smtp"),
        QStringLiteral("SMTP listener (repeatable; [IPv6]:PORT, *:PORT, or PORT alone for 127.0.0.1:PORT; port 0 "
                       "picks a free port). Default 127.0.0.1:1025."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption smtpsOption(QStringLiteral("smtps"),
        QStringLiteral("Implicit-TLS SMTP listener (repeatable; same forms as --smtp). Default: none."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption pop3Option(QStringLiteral("pop3"),
        QStringLiteral("POP3 listener (repeatable; same forms as --smtp; STLS offered): log in with a mailbox's name. "
                       "Default: none."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption pop3sOption(QStringLiteral("pop3s"),
        QStringLiteral("Implicit-TLS POP3 listener (repeatable; same forms as --smtp). Default: none."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption imapOption(QStringLiteral("imap"),
        QStringLiteral("IMAP listener (repeatable; same forms as --smtp; STARTTLS offered): log in with a mailbox's "
                       "name, which is the INBOX; the other mailboxes are folders. Default: none."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption imapsOption(QStringLiteral("imaps"),
        QStringLiteral("Implicit-TLS IMAP listener (repeatable; same forms as --smtp). Default: none."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption tlsCertOption(QStringLiteral("tls-cert"),
        QStringLiteral("Certificate (PEM, chain allowed) for STARTTLS, STLS, --smtps, --pop3s and --imaps. Default: a "
                       "self-signed one made on first use in the data directory (tls-cert.pem)."),
        QStringLiteral("FILE"));
    const QCommandLineOption tlsKeyOption(
        QStringLiteral("tls-key"), QStringLiteral("Private key (PEM) of --tls-cert."), QStringLiteral("FILE"));
    const QCommandLineOption apiOption(QStringLiteral("api"),
        QStringLiteral("REST API (Mailpit-compatible) listener; off disables it; port 0 picks a free port. "
                       "Default 127.0.0.1:8025."),
        QStringLiteral("ADDR:PORT"));
    const QCommandLineOption apiHostOption(QStringLiteral("api-host"),
        QStringLiteral("A Host name the API also answers to (repeatable); localhost and the addresses it listens on "
                       "always work, any other Host gets 403."),
        QStringLiteral("NAME"));
    const QCommandLineOption apiAuthOption(QStringLiteral("api-auth"),
        QStringLiteral(
            "HTTP basic auth for the API and /api/events: user:bcrypt-hash lines, as htpasswd -B writes them "
            "(Mailpit's auth file); /livez and /readyz stay open. Read at start. Default: none."),
        QStringLiteral("FILE"));
    const QCommandLineOption apiTlsCertOption(QStringLiteral("api-tls-cert"),
        QStringLiteral("Certificate (PEM, chain allowed) for HTTPS on the API (and wss for /api/events); needs "
                       "--api-tls-key. Default: plain HTTP."),
        QStringLiteral("FILE"));
    const QCommandLineOption apiTlsKeyOption(
        QStringLiteral("api-tls-key"), QStringLiteral("Private key (PEM) of --api-tls-cert."), QStringLiteral("FILE"));
    const QCommandLineOption dataOption(QStringLiteral("data"),
        QStringLiteral("Where the message store lives. Default: %1.")
            .arg(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)),
        QStringLiteral("DIR"));
    const QCommandLineOption storeOption(QStringLiteral("store"),
        QStringLiteral("The message store: sqlite (the file in --data) or postgresql://USER@HOST:PORT/DB (libpq's "
                       "conventions: the password from PGPASSWORD or ~/.pgpass, ?sslmode=...). Instances on one "
                       "PostgreSQL database are one catcher. Default: sqlite."),
        QStringLiteral("URL"));
    const QCommandLineOption hostnameOption(QStringLiteral("hostname"),
        QStringLiteral("Name in the greeting, EHLO reply and Received: header. "
                       "Default: this machine's host name."),
        QStringLiteral("NAME"));
    const QCommandLineOption sizeOption(QStringLiteral("max-message-size"),
        QStringLiteral("Largest message accepted (advertised with SIZE). Default "
                       "67108864."),
        QStringLiteral("BYTES"));
    const QCommandLineOption messagesOption(QStringLiteral("max-messages"),
        QStringLiteral("Keep at most N messages, pruning the oldest; 0 keeps all. "
                       "Default 10000."),
        QStringLiteral("N"));
    const QCommandLineOption authOption(QStringLiteral("auth"),
        QStringLiteral("any: accept any credentials and record the user; off: no AUTH; "
                       "FILE: only the user:password lines in FILE, and AUTH is "
                       "required. Default any."),
        QStringLiteral("MODE"));
    const QCommandLineOption idleOption(QStringLiteral("idle-timeout"),
        QStringLiteral("Close sessions silent this long (421). Default 300."), QStringLiteral("SECONDS"));
    const QCommandLineOption connectionsOption(QStringLiteral("max-connections"),
        QStringLiteral("Open SMTP connections at most; beyond, 421. Default "
                       "1000."),
        QStringLiteral("N"));
    const QCommandLineOption rulesOption(QStringLiteral("rules"),
        QStringLiteral("Host/sender/recipient/auth/data rules (JSON). Default: rules.json in the data directory."),
        QStringLiteral("FILE"));
    const QCommandLineOption seedOption(QStringLiteral("rules-seed"),
        QStringLiteral("Seeds the random draws of rule and chaos probabilities (repeatable tests)."),
        QStringLiteral("N"));
    const QCommandLineOption mailboxesOption(QStringLiteral("mailboxes"),
        QStringLiteral("The mailboxes and their routes (JSON). Default: mailboxes.json in the data directory."),
        QStringLiteral("FILE"));
    const QCommandLineOption perUserOption(QStringLiteral("mailbox-per-user"),
        QStringLiteral("Give every AUTH user a mailbox of the same name, made on its first message."));
    const QCommandLineOption relayOption(QStringLiteral("relay"),
        QStringLiteral("The SMTP server that release and auto-relay send to ([IPv6]:PORT for IPv6). Default: none."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption relayTlsOption(QStringLiteral("relay-tls"),
        QStringLiteral("off: plain text; starttls: STARTTLS required; tls: TLS from the start. Default: STARTTLS when "
                       "the relay offers it. The certificate is verified unless --relay-insecure."),
        QStringLiteral("MODE"));
    const QCommandLineOption relayUserOption(QStringLiteral("relay-user"),
        QStringLiteral("Log in to the relay as USER (AUTH), with the password in $LETTERBOX_RELAY_PASSWORD; sent "
                       "over plain text only with --relay-tls off."),
        QStringLiteral("USER"));
    const QCommandLineOption relayInsecureOption(
        QStringLiteral("relay-insecure"), QStringLiteral("Do not verify the relay's TLS certificate."));
    const QCommandLineOption relayAllOption(QStringLiteral("relay-all"),
        QStringLiteral("After a message is stored, also relay it to its envelope recipients."));
    const QCommandLineOption relayMatchingOption(QStringLiteral("relay-matching"),
        QStringLiteral("Like --relay-all, for the envelope recipients matching REGEX (case-insensitive search) only."),
        QStringLiteral("REGEX"));
    const QCommandLineOption attachOption(QStringLiteral("attach"),
        QStringLiteral("Desktop app only: show the catcher at URL (a Letterbox or Mailpit API base URL, http:// or "
                       "https://) instead of running one."),
        QStringLiteral("URL"));
    const QCommandLineOption attachUserOption(QStringLiteral("attach-user"),
        QStringLiteral("User name for --attach (HTTP basic auth); the password comes from the system keychain or "
                       "LETTERBOX_ATTACH_PASSWORD."),
        QStringLiteral("USER"));
    parser.addOptions({ helpOption, versionOption, headlessOption, smtpOption, smtpsOption, pop3Option, pop3sOption,
        imapOption, imapsOption, tlsCertOption, tlsKeyOption, apiOption, apiHostOption, apiAuthOption, apiTlsCertOption,
        apiTlsKeyOption, dataOption, storeOption, hostnameOption, sizeOption, messagesOption, authOption, idleOption,
        connectionsOption, rulesOption, seedOption, mailboxesOption, perUserOption, relayOption, relayTlsOption,
        relayUserOption, relayInsecureOption, relayAllOption, relayMatchingOption, attachOption, attachUserOption });
    // Qt names the program from QCoreApplication's arguments, and there is no application object yet (the command
    // line is read first, so that --help needs no display): "<executable_name>" stands in, replaced by our name.
    helpText = parser.helpText().replace(QStringLiteral("<executable_name>"), QStringLiteral("letterbox"));

    if (!parser.parse(arguments)) {
        errorString = parser.errorText();
        return Result::Error;
    }
    for (const QString &name : parser.optionNames()) {
        given.insert(name);
    }
    if (parser.isSet(helpOption)) {
        return Result::ShowHelp;
    }
    if (parser.isSet(versionOption)) {
        return Result::ShowVersion;
    }
    if (!parser.positionalArguments().isEmpty()) {
        errorString = QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first());
        return Result::Error;
    }
    headless = parser.isSet(headlessOption);
    if (parser.isSet(attachOption)) {
        attachUrl = parser.value(attachOption);
        const QUrl url(attachUrl, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
            || url.host().isEmpty() || url.hasQuery() || url.hasFragment()) {
            errorString = QStringLiteral("--attach: expected an http:// or https:// URL, got '%1'").arg(attachUrl);
            return Result::Error;
        }
        if (headless) {
            errorString = QStringLiteral("--attach: the desktop app shows a remote catcher; --headless runs one");
            return Result::Error;
        }
    }
    if (parser.isSet(attachUserOption)) {
        if (!parser.isSet(attachOption)) {
            errorString = QStringLiteral("--attach-user: needs --attach");
            return Result::Error;
        }
        attachUser = parser.value(attachUserOption);
    }

    const QStringList smtpValues = parser.values(smtpOption);
    for (const QString &value : smtpValues.isEmpty() ? QStringList { QStringLiteral("127.0.0.1:1025") } : smtpValues) {
        ListenAddress address;
        QString why;
        if (!ListenAddress::parse(value, &address, &why)) {
            errorString = QStringLiteral("--smtp: invalid address '%1' (%2)").arg(value, why);
            return Result::Error;
        }
        smtp << address;
    }
    // The listeners that are off unless given: the same address forms, each error naming its option.
    for (const auto &[option, list] :
        { std::pair { &smtpsOption, &smtps }, std::pair { &pop3Option, &pop3 }, std::pair { &pop3sOption, &pop3s },
            std::pair { &imapOption, &imap }, std::pair { &imapsOption, &imaps } }) {
        for (const QString &value : parser.values(*option)) {
            ListenAddress address;
            QString why;
            if (!ListenAddress::parse(value, &address, &why)) {
                errorString
                    = QStringLiteral("--%1: invalid address '%2' (%3)").arg(option->names().first(), value, why);
                return Result::Error;
            }
            *list << address;
        }
    }

    const QString apiValue = parser.isSet(apiOption) ? parser.value(apiOption) : QStringLiteral("127.0.0.1:8025");
    if (apiValue != QLatin1String("off")) {
        ListenAddress address;
        QString why;
        if (!ListenAddress::parse(apiValue, &address, &why)) {
            errorString = QStringLiteral("--api: invalid address '%1' (%2)").arg(apiValue, why);
            return Result::Error;
        }
        api = address;
    }

    for (const QString &name : parser.values(apiHostOption)) {
        if (!ApiServer::isHostName(name)) {
            errorString = QStringLiteral("--api-host: invalid host name '%1'").arg(name);
            return Result::Error;
        }
        apiHosts << name;
    }

    if (parser.isSet(apiAuthOption) && !apiAuth.load(parser.value(apiAuthOption))) {
        errorString = QStringLiteral("--api-auth: %1").arg(apiAuth.errorString());
        return Result::Error;
    }
    if (parser.isSet(apiTlsCertOption) != parser.isSet(apiTlsKeyOption)) {
        errorString = parser.isSet(apiTlsCertOption) ? QStringLiteral("--api-tls-cert: needs --api-tls-key as well")
                                                     : QStringLiteral("--api-tls-key: needs --api-tls-cert as well");
        return Result::Error;
    }
    if (parser.isSet(apiTlsCertOption)) {
        apiTlsCertFile = parser.value(apiTlsCertOption);
        apiTlsKeyFile = parser.value(apiTlsKeyOption);
        if (apiTlsCertFile.isEmpty() || apiTlsKeyFile.isEmpty()) {
            errorString = QStringLiteral("--api-tls-cert/--api-tls-key: no file given");
            return Result::Error;
        }
    }

    dataDir = parser.isSet(dataOption) ? parser.value(dataOption)
                                       : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dataDir.isEmpty()) {
        errorString = QStringLiteral("--data: no directory given");
        return Result::Error;
    }

    // CONTRACT "Team store": sqlite, or a PostgreSQL URL as libpq reads it (postgres:// is libpq's other spelling).
    store = parser.isSet(storeOption) ? parser.value(storeOption) : QStringLiteral("sqlite");
    if (store != QLatin1String("sqlite") && !store.startsWith(QLatin1String("postgresql://"))
        && !store.startsWith(QLatin1String("postgres://"))) {
        // Not echoed: a URL may hold a password.
        errorString = QStringLiteral("--store: neither sqlite nor a postgresql:// URL");
        return Result::Error;
    }
#ifndef LETTERBOX_HAVE_POSTGRESQL
    if (store != QLatin1String("sqlite")) {
        errorString = QStringLiteral("--store: this build of Letterbox has no PostgreSQL store (built without libpq)");
        return Result::Error;
    }
#endif

    hostname = parser.isSet(hostnameOption) ? parser.value(hostnameOption) : QHostInfo::localHostName();
    if (hostname.isEmpty() || hostname.contains(u' ') || hostname.contains(u'\r') || hostname.contains(u'\n')) {
        errorString = QStringLiteral("--hostname: invalid name '%1'").arg(hostname);
        return Result::Error;
    }

    if (parser.isSet(sizeOption) && !parseCount(parser.value(sizeOption), 1, &maxMessageSize)) {
        errorString = QStringLiteral("--max-message-size: expected a positive number of bytes, got '%1'")
                          .arg(parser.value(sizeOption));
        return Result::Error;
    }
    if (parser.isSet(messagesOption) && !parseCount(parser.value(messagesOption), 0, &maxMessages)) {
        errorString = QStringLiteral("--max-messages: expected a number (0 keeps all), got '%1'")
                          .arg(parser.value(messagesOption));
        return Result::Error;
    }
    if (parser.isSet(idleOption)) {
        bool ok = false;
        const double seconds = parser.value(idleOption).toDouble(&ok);
        if (!ok || seconds <= 0 || seconds > 86400) {
            errorString = QStringLiteral("--idle-timeout: expected seconds between 0 and 86400, got '%1'")
                              .arg(parser.value(idleOption));
            return Result::Error;
        }
        idleTimeoutMs = qMax(1, int(seconds * 1000));
    }
    if (parser.isSet(connectionsOption)) {
        qint64 max = 0;
        if (!parseCount(parser.value(connectionsOption), 1, &max) || max > 1000000) {
            errorString = QStringLiteral("--max-connections: expected a positive number, got '%1'")
                              .arg(parser.value(connectionsOption));
            return Result::Error;
        }
        maxConnections = int(max);
    }
    const QString authValue = parser.isSet(authOption) ? parser.value(authOption) : QStringLiteral("any");
    authText = authValue;
    if (authValue == u"any") {
        auth = AuthConfig::any();
    } else if (authValue == u"off") {
        auth = AuthConfig::off();
    } else if (!auth.loadFile(authValue)) {
        errorString = QStringLiteral("--auth: %1").arg(auth.errorString());
        return Result::Error;
    }
    if (parser.isSet(tlsCertOption) != parser.isSet(tlsKeyOption)) {
        errorString = parser.isSet(tlsCertOption) ? QStringLiteral("--tls-cert: needs --tls-key as well")
                                                  : QStringLiteral("--tls-key: needs --tls-cert as well");
        return Result::Error;
    }
    if (parser.isSet(tlsCertOption)) {
        tlsCertFile = parser.value(tlsCertOption);
        tlsKeyFile = parser.value(tlsKeyOption);
    }
    tls = std::make_shared<TlsCertificateSource>(tlsCertFile, tlsKeyFile, dataDir, hostname);
    if (!apiTlsCertFile.isEmpty()) {
        // The same loading and checks as --tls-cert (the user's pair is never replaced by a generated one).
        apiTls = std::make_shared<TlsCertificateSource>(apiTlsCertFile, apiTlsKeyFile, dataDir, hostname);
    }
    rulesGiven = parser.isSet(rulesOption);
    rulesFile = rulesGiven ? parser.value(rulesOption) : QDir(dataDir).filePath(QStringLiteral("rules.json"));
    mailboxesGiven = parser.isSet(mailboxesOption);
    mailboxesFile
        = mailboxesGiven ? parser.value(mailboxesOption) : QDir(dataDir).filePath(MailboxSettings::defaultFileName());
    mailboxPerUser = parser.isSet(perUserOption);
    if (parser.isSet(seedOption)) {
        bool ok = false;
        const quint64 seed = parser.value(seedOption).toULongLong(&ok);
        if (!ok) {
            errorString
                = QStringLiteral("--rules-seed: expected a whole number, got '%1'").arg(parser.value(seedOption));
            return Result::Error;
        }
        rulesSeed = seed;
    }
    return parseRelay(
        parser, relayOption, relayTlsOption, relayUserOption, relayInsecureOption, relayAllOption, relayMatchingOption);
}

CommandLineOptions::Result CommandLineOptions::parseRelay(const QCommandLineParser &parser,
    const QCommandLineOption &relayOption, const QCommandLineOption &tlsOption, const QCommandLineOption &userOption,
    const QCommandLineOption &insecureOption, const QCommandLineOption &allOption,
    const QCommandLineOption &matchingOption)
{
    relay = RelayConfig();
    if (!parser.isSet(relayOption)) {
        for (const QCommandLineOption *option :
            { &tlsOption, &userOption, &insecureOption, &allOption, &matchingOption }) {
            if (parser.isSet(*option)) {
                errorString = QStringLiteral("--%1: needs --relay HOST:PORT").arg(option->names().constFirst());
                return Result::Error;
            }
        }
        return Result::Run;
    }
    SmtpServerAddress server;
    if (!parseRelayAddress(parser.value(relayOption), &server)) {
        errorString
            = QStringLiteral("--relay: expected HOST:PORT ([IPv6]:PORT), got '%1'").arg(parser.value(relayOption));
        return Result::Error;
    }
    relay.client.servers = { server };
    relay.client.heloName = hostname;
    if (parser.isSet(tlsOption)) {
        const QString mode = parser.value(tlsOption);
        if (mode == u"off") {
            relay.client.tls = SmtpTlsMode::Off;
        } else if (mode == u"starttls") {
            relay.client.tls = SmtpTlsMode::StartTls;
        } else if (mode == u"tls") {
            relay.client.tls = SmtpTlsMode::Implicit;
        } else {
            errorString = QStringLiteral("--relay-tls: expected off, starttls or tls, got '%1'").arg(mode);
            return Result::Error;
        }
    }
    relay.client.verifyCertificate = !parser.isSet(insecureOption);
    if (parser.isSet(userOption)) {
        relay.client.username = parser.value(userOption);
        if (relay.client.username.isEmpty()) {
            errorString = QStringLiteral("--relay-user: no user name given");
            return Result::Error;
        }
        relay.client.password = qEnvironmentVariable("LETTERBOX_RELAY_PASSWORD");
    }
    if (parser.isSet(allOption) && parser.isSet(matchingOption)) {
        errorString = QStringLiteral("--relay-matching: cannot be combined with --relay-all");
        return Result::Error;
    }
    if (parser.isSet(allOption)) {
        relay.autoRelay = RelayConfig::AutoRelay::All;
    } else if (parser.isSet(matchingOption)) {
        // CONTRACT "Auto-relay (details)": a REGEX that does not compile is exit 2 naming the option.
        const QString pattern = parser.value(matchingOption);
        relay.matching = QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
        if (pattern.isEmpty() || !relay.matching.isValid()) {
            errorString = QStringLiteral("--relay-matching: invalid regular expression '%1' (%2)")
                              .arg(pattern, pattern.isEmpty() ? QStringLiteral("empty") : relay.matching.errorString());
            return Result::Error;
        }
        relay.autoRelay = RelayConfig::AutoRelay::Matching;
    }
    return Result::Run;
}

CatcherConfig CommandLineOptions::catcherConfig() const
{
    CatcherConfig config;
    config.smtp = smtp;
    config.smtps = smtps;
    config.pop3 = pop3;
    config.pop3s = pop3s;
    config.imap = imap;
    config.imaps = imaps;
    if (tls) {
        config.tlsCertificate = [source = tls] {
            return source->configuration();
        };
    }
    config.api = api;
    config.apiHosts = apiHosts;
    config.apiAuth = apiAuth;
    config.loadCertificatePair = [dataDir = dataDir, hostname = hostname](const QString &certificateFile,
                                     const QString &keyFile, QString *error) -> std::optional<QSslConfiguration> {
        TlsCertificateSource source(certificateFile, keyFile, dataDir, hostname);
        if (!source.load(error)) {
            return std::nullopt;
        }
        return source.configuration();
    };
    if (apiTls) {
        // Loaded at start (headless.cpp, desktop.cpp), so this does not read the files again.
        config.apiTls = apiTls->configuration();
    }
    config.session.hostname = hostname.toUtf8();
    config.session.maxMessageSize = maxMessageSize;
    config.session.auth = auth;
    config.idleTimeoutMs = idleTimeoutMs;
    config.maxConnections = maxConnections;
    return config;
}
