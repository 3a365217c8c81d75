#include "desktop.h"

#include "commandlineoptions.h"
#include "messagestoreopener.h"
#include "rulesfile.h"
#include "settingsdocuments.h"
#include "signalwatcher.h"
#include "tlscertificatesource.h"

#include <mailbox/mailboxsettings.h>
#include <relay/relayservice.h>
#include <remote/remotemessagestore.h>
#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <store/messagestore.h>
#include <ui/appsettings.h>
#include <ui/icons.h>
#include <ui/mainwindow.h>
#include <ui/messageschemehandler.h>
#include <ui/relaypasswordstore.h>

#include <QAction>
#include <QApplication>
#include <QMessageBox>
#include <QSettings>
#include <QThreadPool>

#include <cstdio>
#include <memory>
#include <tuple>

namespace {
// The settings, with what the command line gave taking their place for this run.
AppSettings effectiveSettings(const AppSettings &saved, const CommandLineOptions &options)
{
    AppSettings s = saved;
    if (options.given.contains(QStringLiteral("smtp"))) {
        QStringList addresses;
        for (const ListenAddress &a : options.smtp) {
            addresses << a.text;
        }
        s.smtp = addresses.join(QStringLiteral(", "));
    }
    for (const auto &[option, given, target] : { std::tuple { QStringLiteral("pop3"), &options.pop3, &s.pop3 },
             std::tuple { QStringLiteral("pop3s"), &options.pop3s, &s.pop3s },
             std::tuple { QStringLiteral("imap"), &options.imap, &s.imap },
             std::tuple { QStringLiteral("imaps"), &options.imaps, &s.imaps } }) {
        if (options.given.contains(option)) {
            QStringList addresses;
            for (const ListenAddress &a : *given) {
                addresses << a.text;
            }
            *target = addresses.join(QStringLiteral(", "));
        }
    }
    if (options.given.contains(QStringLiteral("api"))) {
        s.api = options.api ? options.api->text : QStringLiteral("off");
    }
    if (options.given.contains(QStringLiteral("api-host"))) {
        s.apiHosts = options.apiHosts.join(QStringLiteral(", "));
    }
    if (options.given.contains(QStringLiteral("api-auth"))) {
        s.apiAuth = options.apiAuth.fileName();
    }
    if (options.given.contains(QStringLiteral("api-tls-cert"))) {
        s.apiTlsCert = options.apiTlsCertFile;
        s.apiTlsKey = options.apiTlsKeyFile;
    }
    if (options.given.contains(QStringLiteral("max-message-size"))) {
        s.maxMessageSize = options.maxMessageSize;
    }
    if (options.given.contains(QStringLiteral("max-messages"))) {
        s.maxMessages = options.maxMessages;
    }
    if (options.given.contains(QStringLiteral("auth"))) {
        s.auth = options.authText;
    }
    return s;
}
// --attach URL (CONTRACT "Team store, API access and remote attach"): the window shows the catcher at URL, and no
// catcher runs here (no listeners, no data directory). The password: LETTERBOX_ATTACH_PASSWORD, else the keychain's
// entry for the user and URL (File ▸ Attach to Catcher… remembers it there).
int runAttached(QApplication &app, const CommandLineOptions &options, const AppSettings &settings)
{
    RemoteEndpoint endpoint;
    QString error;
    if (!RemoteEndpoint::parse(options.attachUrl, &endpoint, &error)) {
        std::fprintf(stderr, "letterbox: --attach: %s\n", qPrintable(error));
        return 2;
    }
    if (!options.attachUser.isEmpty()) {
        endpoint.user = options.attachUser;
    }
    if (qEnvironmentVariableIsSet("LETTERBOX_ATTACH_PASSWORD")) {
        endpoint.password = qEnvironmentVariable("LETTERBOX_ATTACH_PASSWORD");
    }
    std::unique_ptr<RemoteMessageStore> store;
    std::unique_ptr<MainWindow> window;
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &app, [&window] {
        if (window) {
            window->action(QStringLiteral("quit"))->trigger();
        } else {
            QCoreApplication::exit(0);
        }
    });
    const auto attach = [&](const RemoteEndpoint &to) {
        store = std::make_unique<RemoteMessageStore>(to);
        store->attach(&app, [&](const QString &why) {
            if (!why.isEmpty()) {
                std::fprintf(stderr, "letterbox: cannot attach: %s\n", qPrintable(why));
                QCoreApplication::exit(1);
                return;
            }
            // For scripts that start the desktop app, as the listening lines are.
            std::printf("Attached to %s\n", qPrintable(store->location()));
            std::fflush(stdout);
            window = std::make_unique<MainWindow>(store.get(), settings);
            window->show();
        });
    };
    RelayPasswordStore keychain(QStringLiteral("letterbox-attach"));
    if (!endpoint.user.isEmpty() && endpoint.password.isEmpty()) {
        keychain.setKey(endpoint.user + u'@' + endpoint.displayText());
        keychain.read([&, endpoint](RelayPasswordStore::Status, const QString &password, const QString &) mutable {
            endpoint.password = password;
            attach(endpoint);
        });
    } else {
        attach(endpoint);
    }
    const int exitCode = app.exec();
    if (store) {
        // Requests under way are abandoned; the workers that read the store finish before it goes.
        store->close();
    }
    QThreadPool::globalInstance()->waitForDone();
    window.reset();
    store.reset();
    return exitCode;
}
} // namespace

int runDesktop(int argc, char *argv[], const CommandLineOptions &options)
{
    MessageSchemeHandler::registerSchemes();
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QApplication::setWindowIcon(Icons::icon(Icons::App));
    QApplication::setDesktopFileName(QStringLiteral("letterbox"));
    QApplication::setQuitOnLastWindowClosed(false);

    QSettings settingsFile(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
    settingsFile.beginGroup(QStringLiteral("settings"));
    const AppSettings saved = AppSettings::load(settingsFile);
    settingsFile.endGroup();
    AppSettings settings = effectiveSettings(saved, options);
    if (!options.attachUrl.isEmpty()) {
        return runAttached(app, options, settings);
    }

    // CONTRACT "Command line": a pair that cannot be used is exit 2 naming the file (before catcherConfig() asks).
    QString apiTlsError;
    if (options.apiTls && !options.apiTls->load(&apiTlsError)) {
        std::fprintf(stderr, "letterbox: --api-tls-cert/--api-tls-key: %s\n", qPrintable(apiTlsError));
        return 2;
    }
    QString storeError;
    int storeExitCode = 1;
    const std::unique_ptr<MessageStore> opened
        = MessageStoreOpener::open(options.store, options.dataDir, settings.maxMessages, &storeError, &storeExitCode);
    if (!opened) {
        std::fprintf(stderr, "letterbox: %s\n", qPrintable(storeError));
        QMessageBox::critical(nullptr, QStringLiteral("Letterbox"), storeError);
        return storeExitCode;
    }
    MessageStore &store = *opened;
    // The rules and mailboxes: the files, or with a PostgreSQL store the database's shared documents (the engine is
    // made first so that it outlives the document it follows).
    RuleEngine rules;
    SettingsDocuments documents;
    QString rulesError;
    int documentsExitCode = 2;
    if (!documents.open(options, store, &rulesError, &documentsExitCode)) {
        std::fprintf(stderr, "letterbox: %s\n", qPrintable(rulesError));
        store.close();
        return documentsExitCode;
    }
    if (!loadRules(options, documents.rules(), &rules, &rulesError)) {
        std::fprintf(stderr, "letterbox: %s\n", qPrintable(rulesError));
        store.close();
        return 2;
    }
    MailboxSettings mailboxes(documents.mailboxes());
    QString mailboxesError;
    if (!loadMailboxes(options, &mailboxes, &mailboxesError)) {
        std::fprintf(stderr, "letterbox: %s\n", qPrintable(mailboxesError));
        store.close();
        return 2;
    }
    CatcherConfig base = options.catcherConfig();
    base.rules = &rules;
    base.rulesDocument = documents.rules();
    base.mailboxes = &mailboxes;
    // CONTRACT "Command line": a --tls-cert/--tls-key pair that cannot be used is exit 2 naming the file.
    QString tlsError;
    if (!options.tlsCertFile.isEmpty() && !options.tls->load(&tlsError)) {
        std::fprintf(stderr, "letterbox: --tls-cert/--tls-key: %s\n", qPrintable(tlsError));
        store.close();
        return 2;
    }

    CatcherConfig config;
    QString settingsError;
    if (!settings.toConfig(base, &config, &settingsError)) {
        // Saved settings that no longer work (a moved credentials file): the defaults, and say so.
        std::fprintf(stderr, "letterbox: ignoring saved settings: %s\n", qPrintable(settingsError));
        settings = effectiveSettings(AppSettings(), options);
        settings.toConfig(base, &config, &settingsError);
    }

    int exitCode = 0;
    // Before anything is announced: a script may send SIGTERM as soon as it reads the listening lines.
    SignalWatcher watcher;
    {
        CatcherService catcher(&store);
        // The command line's --relay options, else the saved relay settings (before start(), which takes up the
        // retries pending in the store). A relay that logs in waits for the window to read its password from the
        // keychain: sent without it, AUTH would fail for good (535), while "no relay configured" is only a temporary
        // failure that a retry gets over.
        const bool relayFromCommandLine = options.given.contains(QStringLiteral("relay"));
        if (relayFromCommandLine) {
            catcher.relay()->setConfig(options.relay);
        } else if (settings.relay.user.isEmpty()) {
            catcher.relay()->setConfig(settings.relay.toConfig(QString(), QString::fromUtf8(config.session.hostname)));
        }
        // A busy port is shown in the window (with a way to choose another), never a silent failure.
        if (!catcher.start(config)) {
            std::fprintf(stderr, "letterbox: cannot listen on %s: %s\n", qPrintable(catcher.failedAddress()),
                qPrintable(catcher.errorString()));
        }
        // The same lines as headless mode, for scripts that start the desktop app.
        for (const QString &line : catcher.listeningLines()) {
            std::printf("%s\n", qPrintable(line));
        }
        std::fflush(stdout);
        MainWindow window(&store, &catcher, settings, base);
        if (relayFromCommandLine) {
            const SmtpServerAddress &server = options.relay.client.servers.constFirst();
            window.setRelayFromCommandLine(
                QObject::tr("This run relays to %1:%2 as given on the command line; these settings apply when "
                            "Letterbox starts without a relay option.")
                    .arg(server.host.contains(u':') ? QStringLiteral("[%1]").arg(server.host) : server.host)
                    .arg(server.port));
        }
        window.show();
        QObject::connect(&watcher, &SignalWatcher::terminationRequested, &window,
            [&window] { window.action(QStringLiteral("quit"))->trigger(); });
        exitCode = app.exec();
        catcher.stop();
        // Loads, saves and imports still running use the store.
        QThreadPool::globalInstance()->waitForDone();
    }
    store.close();
    return exitCode;
}
