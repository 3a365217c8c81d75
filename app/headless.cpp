#include "headless.h"

#include "commandlineoptions.h"
#include "messagestoreopener.h"
#include "rulesfile.h"
#include "settingsdocuments.h"
#include "signalwatcher.h"
#include "startup.h"
#include "tlscertificatesource.h"

#include <mailbox/mailboxsettings.h>
#include <relay/relayservice.h>
#include <rules/ruleengine.h>
#include <service/catcherservice.h>
#include <store/sqlitemessagestore.h>

#include <QCoreApplication>

#include <cstdio>

int runHeadless(int argc, char *argv[], const CommandLineOptions &options)
{
    // Headless needs no GLib integration; Qt's own UNIX event dispatcher wakes up less often
    // (measured: about 8% less CPU per message at 8 concurrent sessions).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB")) {
        qputenv("QT_NO_GLIB", "1");
    }
    QCoreApplication app(argc, argv);
    SignalWatcher watcher;
    QString storeError;
    int storeExitCode = 1;
    const std::unique_ptr<MessageStore> opened
        = MessageStoreOpener::open(options.store, options.dataDir, options.maxMessages, &storeError, &storeExitCode);
    if (!opened) {
        printError(storeError);
        return storeExitCode;
    }
    MessageStore &store = *opened;
    RuleEngine rules;
    // The rules and mailboxes: the files, or with a PostgreSQL store the database's shared documents (the engine is
    // made first so that it outlives the document it follows).
    SettingsDocuments documents;
    QString rulesError;
    int documentsExitCode = 2;
    if (!documents.open(options, store, &rulesError, &documentsExitCode)) {
        printError(rulesError);
        store.close();
        return documentsExitCode;
    }
    if (!loadRules(options, documents.rules(), &rules, &rulesError)) {
        printError(rulesError);
        store.close();
        return 2;
    }
    MailboxSettings mailboxes(documents.mailboxes());
    QString mailboxesError;
    if (!loadMailboxes(options, &mailboxes, &mailboxesError)) {
        printError(mailboxesError);
        store.close();
        return 2;
    }
    // The user's pair is checked at start (CONTRACT "Command line": exit 2 naming the file), and so is the generated
    // one when an SMTPS listener needs it; a STARTTLS-only run makes the generated pair at the first STARTTLS
    // instead, so that an idle catcher loads no TLS library.
    QString tlsError;
    if ((!options.tlsCertFile.isEmpty() || !options.smtps.isEmpty() || !options.pop3s.isEmpty()
            || !options.imaps.isEmpty())
        && !options.tls->load(&tlsError)) {
        printError(QStringLiteral("%1: %2").arg(options.tlsCertFile.isEmpty()
                ? (!options.smtps.isEmpty()        ? QStringLiteral("--smtps")
                        : !options.pop3s.isEmpty() ? QStringLiteral("--pop3s")
                                                   : QStringLiteral("--imaps"))
                : QStringLiteral("--tls-cert/--tls-key"),
            tlsError));
        store.close();
        return 2;
    }
    // --api-tls-cert/--api-tls-key: checked at start, exit 2 naming the file.
    if (options.apiTls && !options.apiTls->load(&tlsError)) {
        printError(QStringLiteral("--api-tls-cert/--api-tls-key: %1").arg(tlsError));
        store.close();
        return 2;
    }
    int exitCode = 0;
    {
        CatcherService catcher(&store);
        // Before start(), which takes up the retries pending in the store.
        catcher.relay()->setConfig(options.relay);
        CatcherConfig config = options.catcherConfig();
        config.rules = &rules;
        config.rulesDocument = documents.rules();
        config.mailboxes = &mailboxes;
        if (!catcher.start(config)) {
            const CatcherService::Listener failed = catcher.failedListener();
            const QString option = failed == CatcherService::Listener::Api ? QStringLiteral("--api")
                : failed == CatcherService::Listener::Smtps                ? QStringLiteral("--smtps")
                : failed == CatcherService::Listener::Pop3                 ? QStringLiteral("--pop3")
                : failed == CatcherService::Listener::Pop3s                ? QStringLiteral("--pop3s")
                : failed == CatcherService::Listener::Imap                 ? QStringLiteral("--imap")
                : failed == CatcherService::Listener::Imaps                ? QStringLiteral("--imaps")
                                                                           : QStringLiteral("--smtp");
            printError(QStringLiteral("%1 %2: %3").arg(option, catcher.failedAddress(), catcher.errorString()));
            store.close();
            return 2;
        }
        for (const QString &line : catcher.listeningLines()) {
            std::printf("%s\n", qPrintable(line));
        }
        std::fflush(stdout);
        std::fprintf(stderr, "letterbox: storing messages in %s\n", qPrintable(store.location()));

        QObject::connect(&watcher, &SignalWatcher::terminationRequested, &app, [](int) { QCoreApplication::quit(); });
        exitCode = app.exec();
        // Clean stop: no new connections, committed messages get their 250, then sessions close.
        catcher.stop();
    }
    store.close();
    if (const auto *sqlite = qobject_cast<const SqliteMessageStore *>(&store)) {
        std::fprintf(
            stderr, "letterbox: stopped after %lld store commits\n", static_cast<long long>(sqlite->commitCount()));
    }
    return exitCode;
}
