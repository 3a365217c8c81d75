#include "catcherservice.h"

#include "../api/apiserver.h"
#include "../imap/imapserver.h"
#include "../mailbox/routeddelivery.h"
#include "../pop3/pop3server.h"
#include "../relay/relayservice.h"
#include "../rules/ruleengine.h"
#include "../smtp/smtpserver.h"
#include "../store/messagestore.h"
#include "bouncescheduler.h"

#include <QThread>

struct CatcherService::Private
{
    MessageStore *store = nullptr;
    std::unique_ptr<RoutedDelivery> routed; // SMTP's messages go through the mailboxes' routes to the store
    std::unique_ptr<BounceScheduler> bounces; // in front of routed: bounces after the commit, through routed again
    std::unique_ptr<SmtpServer> smtp;
    std::unique_ptr<Pop3Server> pop3;
    std::unique_ptr<ImapServer> imap;
    std::unique_ptr<RelayService> relay;
    QThread apiThread;
    QObject apiContext; // lives in apiThread: the API server and its internals must be created there
    ApiServer *api = nullptr;
    CatcherConfig config;
    bool running = false;
    QList<Bound> smtpBound;
    QList<Bound> smtpsBound;
    QList<Bound> pop3Bound;
    QList<Bound> pop3sBound;
    QList<Bound> imapBound;
    QList<Bound> imapsBound;
    std::optional<Bound> apiBound;
    Listener failed = Listener::None;
    QString failedAddress;
    QString error;

    void stopApi()
    {
        if (!api) {
            return;
        }
        ApiServer *server = api;
        api = nullptr;
        QMetaObject::invokeMethod(
            &apiContext,
            [server] {
                server->close();
                delete server;
            },
            Qt::BlockingQueuedConnection);
    }

    // Closes every listener and forgets where they were.
    void closeListeners()
    {
        smtp->close();
        pop3->close();
        imap->close();
        stopApi();
        smtpBound.clear();
        smtpsBound.clear();
        pop3Bound.clear();
        pop3sBound.clear();
        imapBound.clear();
        imapsBound.clear();
        apiBound.reset();
    }
};

namespace {
// RFC 3501 §5.4's least autologout time, plus a minute for a client that renews IDLE every 29 minutes.
constexpr int ImapAutologoutMs = 31 * 60 * 1000;
} // namespace

CatcherService::CatcherService(MessageStore *store, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->store = store;
    d->routed = std::make_unique<RoutedDelivery>(store);
    d->bounces = std::make_unique<BounceScheduler>(d->routed.get(), store);
    d->smtp = std::make_unique<SmtpServer>(d->bounces.get());
    d->pop3 = std::make_unique<Pop3Server>(store);
    d->imap = std::make_unique<ImapServer>(store);
    d->relay = std::make_unique<RelayService>(store);
    // Auto-relay follows what came over SMTP, after its commit (never an import or an API-made message).
    connect(
        d->smtp.get(), &SmtpServer::messageDelivered, d->relay.get(),
        [relay = d->relay.get()](quint64, const MessageSummary &summary) { relay->messageReceived(summary.id); },
        Qt::DirectConnection);
    connect(
        d->smtp.get(), &SmtpServer::connectionOpened, this, &CatcherService::connectionOpened, Qt::DirectConnection);
    connect(
        d->smtp.get(), &SmtpServer::connectionClosed, this, &CatcherService::connectionClosed, Qt::DirectConnection);
    connect(d->smtp.get(), &SmtpServer::transcriptLine, this, &CatcherService::transcriptLine, Qt::DirectConnection);
    connect(
        d->smtp.get(), &SmtpServer::messageDelivered, this, &CatcherService::messageDelivered, Qt::DirectConnection);
    connect(d->smtp.get(), &SmtpServer::ruleApplied, this, &CatcherService::ruleApplied, Qt::DirectConnection);
    // The API answers from a thread of its own, so that slow HTTP clients never delay anything else.
    d->apiThread.setObjectName(QStringLiteral("letterbox-api"));
    d->apiContext.moveToThread(&d->apiThread);
    d->apiThread.start();
}

CatcherService::~CatcherService()
{
    stop();
    d->apiThread.quit();
    d->apiThread.wait();
}

bool CatcherService::start(const CatcherConfig &config)
{
    stop();
    d->config = config;
    d->failed = Listener::None;
    d->failedAddress.clear();
    d->error.clear();
    d->smtp->setIdleTimeout(config.idleTimeoutMs);
    d->smtp->setMaxConnections(config.maxConnections);
    SmtpSessionConfig session = config.session;
    if (config.rules) {
        session.validator = config.rules;
    }
    d->smtp->setSessionConfig(session);
    d->bounces->setHostname(session.hostname);
    // Bounces made before the last quit are taken up before any new message can come in (once).
    d->bounces->resume();
    d->routed->setSettings(config.mailboxes);
    // Pending retries are taken up once the app has given the relay its settings (before the first start()).
    d->relay->start();

    auto fail = [this](Listener listener, const QString &address, const QString &error) {
        d->failed = listener;
        d->failedAddress = address;
        d->error = error;
        d->closeListeners();
        Q_EMIT listenersChanged();
        return false;
    };

    for (const ListenAddress &address : config.smtp) {
        // RFC 3207: STARTTLS is offered wherever there is a certificate.
        const bool listening = config.tlsCertificate ? d->smtp->listen(address.address, address.port,
                                   NetListenOptions::Tls::OnRequest, config.tlsCertificate, address.text)
                                                     : d->smtp->listen(address.address, address.port, address.text);
        if (!listening) {
            return fail(Listener::Smtp, address.text, d->smtp->errorString());
        }
        const quint16 port = d->smtp->listeningAddresses().last().second;
        d->smtpBound.append({ address.display(port), address.connectHost(), port });
    }
    for (const ListenAddress &address : config.smtps) {
        if (!config.tlsCertificate) {
            return fail(Listener::Smtps, address.text, QStringLiteral("no TLS certificate"));
        }
        if (!d->smtp->listen(
                address.address, address.port, NetListenOptions::Tls::Implicit, config.tlsCertificate, address.text)) {
            return fail(Listener::Smtps, address.text, d->smtp->errorString());
        }
        const quint16 port = d->smtp->listeningAddresses().last().second;
        d->smtpsBound.append({ address.display(port), address.connectHost(), port });
    }
    d->pop3->setIdleTimeout(config.idleTimeoutMs);
    d->pop3->setMaxConnections(config.maxConnections);
    d->pop3->setConfig(Pop3ServerConfig { config.session.hostname, config.session.auth, config.mailboxes });
    // RFC 3501 §5.4: an IMAP server's autologout timer is at least 30 minutes (a client in IDLE, RFC 2177, renews
    // its command every 29); a longer --idle-timeout applies as given.
    d->imap->setIdleTimeout(qMax(config.idleTimeoutMs, ImapAutologoutMs));
    d->imap->setMaxConnections(config.maxConnections);
    // Literals are held to the command limit (64 KB): without APPEND, a literal is a login, a password or a search
    // string, and a client that has not logged in must not make the server hold a message's worth each.
    d->imap->setConfig(ImapServerConfig { config.session.hostname, config.session.auth, config.mailboxes, 0 });
    // POP3 and IMAP listeners alike: STLS (RFC 2595) and STARTTLS (RFC 3501 §6.2.1) are offered wherever there is
    // a certificate; the implicit-TLS ones (RFC 8314) need it.
    struct MailListeners
    {
        const QList<ListenAddress> &addresses;
        bool implicitTls;
        Listener listener;
        QList<Bound> &bound;
    };
    const auto listenAll = [&](const MailListeners &group, ProtocolServer *server) {
        for (const ListenAddress &address : group.addresses) {
            if (group.implicitTls && !config.tlsCertificate) {
                return fail(group.listener, address.text, QStringLiteral("no TLS certificate"));
            }
            NetListenOptions options;
            options.address = address.address;
            options.port = address.port;
            options.name = address.text;
            if (config.tlsCertificate) {
                options.tls = group.implicitTls ? NetListenOptions::Tls::Implicit : NetListenOptions::Tls::OnRequest;
                options.sslConfigurationSource = config.tlsCertificate;
            }
            if (!server->listen(options)) {
                return fail(group.listener, address.text, server->errorString());
            }
            const quint16 port = server->listeningAddresses().last().second;
            group.bound.append({ address.display(port), address.connectHost(), port });
        }
        return true;
    };
    if (!listenAll({ config.pop3, false, Listener::Pop3, d->pop3Bound }, d->pop3.get())
        || !listenAll({ config.pop3s, true, Listener::Pop3s, d->pop3sBound }, d->pop3.get())
        || !listenAll({ config.imap, false, Listener::Imap, d->imapBound }, d->imap.get())
        || !listenAll({ config.imaps, true, Listener::Imaps, d->imapsBound }, d->imap.get())) {
        return false;
    }
    if (config.api) {
        const ListenAddress address = *config.api;
        bool listening = false;
        QString error;
        quint16 port = 0;
        ApiServer *api = nullptr;
        MessageStore *store = d->store;
        RuleEngine *rules = config.rules;
        RelayService *relay = d->relay.get();
        SettingsDocument *rulesDocument = config.rulesDocument;
        MailboxSettings *mailboxes = config.mailboxes;
        QMetaObject::invokeMethod(
            &d->apiContext,
            [&] {
                api = new ApiServer(store);
                api->setRules(rules, rulesDocument);
                api->setRelay(relay);
                api->setMailboxes(mailboxes);
                api->setAllowedHosts(config.apiHosts);
                api->setAuthFile(config.apiAuth);
                api->setTlsConfiguration(config.apiTls);
                api->setMaxMessageSize(config.session.maxMessageSize);
                api->setHostname(config.session.hostname);
                listening = api->listen(address.any ? QHostAddress(QHostAddress::Any) : address.address, address.port);
                error = api->errorString();
                port = api->serverPort();
                if (!listening) {
                    delete api;
                    api = nullptr;
                }
            },
            Qt::BlockingQueuedConnection);
        if (!listening) {
            return fail(Listener::Api, address.text, error);
        }
        d->api = api;
        d->apiBound = Bound { address.display(port), address.connectHost(), port, config.apiTls.has_value() };
    }
    d->running = true;
    Q_EMIT listenersChanged();
    return true;
}

bool CatcherService::restart(const CatcherConfig &config)
{
    if (!d->running) {
        return start(config);
    }
    // A port 0 picked a free port: the fallback takes that one again, so clients keep finding it.
    CatcherConfig previous = d->config;
    for (qsizetype i = 0; i < previous.smtp.size() && i < d->smtpBound.size(); ++i) {
        previous.smtp[i].port = d->smtpBound.at(i).port;
    }
    for (qsizetype i = 0; i < previous.smtps.size() && i < d->smtpsBound.size(); ++i) {
        previous.smtps[i].port = d->smtpsBound.at(i).port;
    }
    for (qsizetype i = 0; i < previous.pop3.size() && i < d->pop3Bound.size(); ++i) {
        previous.pop3[i].port = d->pop3Bound.at(i).port;
    }
    for (qsizetype i = 0; i < previous.pop3s.size() && i < d->pop3sBound.size(); ++i) {
        previous.pop3s[i].port = d->pop3sBound.at(i).port;
    }
    for (qsizetype i = 0; i < previous.imap.size() && i < d->imapBound.size(); ++i) {
        previous.imap[i].port = d->imapBound.at(i).port;
    }
    for (qsizetype i = 0; i < previous.imaps.size() && i < d->imapsBound.size(); ++i) {
        previous.imaps[i].port = d->imapsBound.at(i).port;
    }
    if (previous.api && d->apiBound) {
        previous.api->port = d->apiBound->port;
    }
    // The new listeners may reuse the old addresses, so the old ones close first (a busy port is then only ever
    // busy because of someone else).
    if (start(config)) {
        return true;
    }
    const Listener failed = d->failed;
    const QString address = d->failedAddress;
    QString error = d->error;
    if (!start(previous)) {
        error += QStringLiteral("; the previous %1 could not listen again on %2: %3")
                     .arg(d->failed == Listener::Api                                       ? QStringLiteral("API")
                             : d->failed == Listener::Pop3 || d->failed == Listener::Pop3s ? QStringLiteral("POP3")
                             : d->failed == Listener::Imap || d->failed == Listener::Imaps ? QStringLiteral("IMAP")
                                                                                           : QStringLiteral("SMTP"),
                         d->failedAddress, d->error);
    }
    d->failed = failed;
    d->failedAddress = address;
    d->error = error;
    Q_EMIT listenersChanged();
    return false;
}

void CatcherService::stop()
{
    if (!d->running) {
        return;
    }
    // Clean stop: no new connections, committed messages get their 250, then sessions close.
    d->closeListeners();
    d->running = false;
    Q_EMIT listenersChanged();
}

bool CatcherService::isRunning() const
{
    return d->running;
}

CatcherConfig CatcherService::config() const
{
    return d->config;
}

QList<CatcherService::Bound> CatcherService::smtpListeners() const
{
    return d->smtpBound;
}

QList<CatcherService::Bound> CatcherService::smtpsListeners() const
{
    return d->smtpsBound;
}

QList<CatcherService::Bound> CatcherService::pop3Listeners() const
{
    return d->pop3Bound;
}

QList<CatcherService::Bound> CatcherService::pop3sListeners() const
{
    return d->pop3sBound;
}

QList<CatcherService::Bound> CatcherService::imapListeners() const
{
    return d->imapBound;
}

QList<CatcherService::Bound> CatcherService::imapsListeners() const
{
    return d->imapsBound;
}

std::optional<CatcherService::Bound> CatcherService::apiListener() const
{
    return d->apiBound;
}

QStringList CatcherService::listeningLines() const
{
    QStringList lines;
    for (const Bound &bound : d->smtpBound) {
        lines << QStringLiteral("SMTP listening on %1").arg(bound.display);
    }
    for (const Bound &bound : d->smtpsBound) {
        lines << QStringLiteral("SMTPS listening on %1").arg(bound.display);
    }
    for (const Bound &bound : d->pop3Bound) {
        lines << QStringLiteral("POP3 listening on %1").arg(bound.display);
    }
    for (const Bound &bound : d->pop3sBound) {
        lines << QStringLiteral("POP3S listening on %1").arg(bound.display);
    }
    for (const Bound &bound : d->imapBound) {
        lines << QStringLiteral("IMAP listening on %1").arg(bound.display);
    }
    for (const Bound &bound : d->imapsBound) {
        lines << QStringLiteral("IMAPS listening on %1").arg(bound.display);
    }
    if (d->apiBound) {
        lines << QStringLiteral("API listening on %1://%2")
                     .arg(d->apiBound->tls ? QStringLiteral("https") : QStringLiteral("http"), d->apiBound->display);
    }
    return lines;
}

CatcherService::Listener CatcherService::failedListener() const
{
    return d->failed;
}

QString CatcherService::failedAddress() const
{
    return d->failedAddress;
}

QString CatcherService::errorString() const
{
    return d->error;
}

RelayService *CatcherService::relay() const
{
    return d->relay.get();
}
