#pragma once

#include "../api/apiauthfile.h"
#include "../message/messagesummary.h"
#include "../message/transcriptentry.h"
#include "../smtp/smtpsession.h"
#include "listenaddress.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class MailboxSettings;
class MessageStore;
class RelayService;
class RuleEngine;
class SettingsDocument;

// What the catcher listens on and how its SMTP sessions behave: the command line's options, or the desktop
// app's settings.
struct CatcherConfig
{
    QList<ListenAddress> smtp;
    QList<ListenAddress> smtps; // implicit TLS (RFC 8314 §3.3); needs tlsCertificate
    QList<ListenAddress> pop3; // POP3 (RFC 1939), STLS offered when there is a certificate
    QList<ListenAddress> pop3s; // implicit TLS (RFC 8314 §3.3); needs tlsCertificate
    QList<ListenAddress> imap; // IMAP4rev1 (RFC 3501), STARTTLS offered when there is a certificate
    QList<ListenAddress> imaps; // implicit TLS (RFC 8314 §3.3); needs tlsCertificate
    // The certificate of STARTTLS (RFC 3207, offered on every SMTP listener when set), of POP3's STLS, IMAP's
    // STARTTLS and of the SMTPS, POP3S and IMAPS listeners,
    // asked for when a connection first needs it (so that a catcher whose clients never use TLS loads no TLS
    // library), on the network thread; it keeps what it made. Empty: no STARTTLS, no SMTPS.
    std::function<std::optional<QSslConfiguration>()> tlsCertificate;
    std::optional<ListenAddress> api; // nullopt: no API
    QStringList apiHosts; // Host names the API answers to besides localhost and its addresses (--api-host)
    ApiAuthFile apiAuth; // --api-auth: the API's users; empty: the API asks for no password
    std::optional<QSslConfiguration> apiTls; // --api-tls-cert/--api-tls-key: HTTPS; nullopt: HTTP
    // Loads a certificate and key pair (PEM files) with the checks of --tls-cert, so that the desktop app's settings
    // can turn on the API's HTTPS: the configuration, or nullopt and *error ("FILE: why"). Set by the app.
    std::function<std::optional<QSslConfiguration>(
        const QString &certificateFile, const QString &keyFile, QString *error)>
        loadCertificatePair;
    SmtpSessionConfig session;
    int idleTimeoutMs = 300000;
    int maxConnections = 1000;
    // The rules (also the session's validator) and where PUT /api/v1/rules saves them (the rules file, or the
    // PostgreSQL store's shared document; none: in memory only), whose applier puts what is saved in force
    // (RuleEngine::setRulesFromJson(), as app/'s loadRules() sets it); no engine: no rules. Both must outlive the
    // service's run.
    RuleEngine *rules = nullptr;
    SettingsDocument *rulesDocument = nullptr;
    // The mailboxes' routes, which SMTP delivery follows and GET|PUT /api/v1/mailboxes/config read and replace;
    // none: every message goes to Inbox. Must outlive the service's run.
    MailboxSettings *mailboxes = nullptr;
};

// The running catcher around one message store: the SMTP server (network thread), the POP3 and IMAP servers (each a
// network thread of its own) and the REST API (a thread of its own), started and restarted as a unit. Restarting keeps
// the store, the SMTP server's connection numbering and every signal connection; open sessions get 421 (after the 250
// of a message being committed). The SMTP signals are emitted on the network thread (queued to receivers elsewhere).
class CatcherService : public QObject
{
    Q_OBJECT
public:
    enum class Listener { None, Smtp, Smtps, Pop3, Pop3s, Imap, Imaps, Api };
    struct Bound
    {
        QString display; // "127.0.0.1:1025", "[::1]:1025", "*:1025", real port
        QString host; // where a local client connects
        quint16 port = 0;
        bool tls = false; // the API over HTTPS (--api-tls-cert)
    };

    // store must outlive the service.
    explicit CatcherService(MessageStore *store, QObject *parent = nullptr);
    ~CatcherService() override;

    // Stops what runs, then opens every listener of config in order. On failure the listeners opened so far are
    // closed again and failedListener(), failedAddress() and errorString() say which one failed and why.
    bool start(const CatcherConfig &config);
    // Opens config's listeners in place of the running ones. When one of them cannot listen, the previous
    // listeners are opened again on the ports they had, so that catching goes on; false then, with
    // failedListener(), failedAddress() and errorString() naming the new address that failed (and, when the
    // previous ones could not be opened again either, why). Not running: start().
    bool restart(const CatcherConfig &config);
    void stop();
    bool isRunning() const;
    CatcherConfig config() const;

    QList<Bound> smtpListeners() const;
    QList<Bound> smtpsListeners() const;
    QList<Bound> pop3Listeners() const;
    QList<Bound> pop3sListeners() const;
    QList<Bound> imapListeners() const;
    QList<Bound> imapsListeners() const;
    std::optional<Bound> apiListener() const;
    // README "Command line": "SMTP listening on …", "SMTPS listening on …", "POP3 listening on …", "POP3S listening
    // on …", "IMAP listening on …", "IMAPS listening on …" and "API listening on http://…" (https:// with
    // --api-tls-cert), one per listener, in this order.
    QStringList listeningLines() const;

    Listener failedListener() const;
    QString failedAddress() const; // as configured, e.g. "127.0.0.1:1025"
    QString errorString() const;

    // Release, auto-relay and the relay log (CONTRACT "Relay, auto-relay and the SMTP client"); never null. It runs
    // from start() on, and restarts of the listeners leave it and its pending retries alone.
    RelayService *relay() const;

Q_SIGNALS:
    void connectionOpened(quint64 connectionId, const QHostAddress &peer, quint16 port);
    void connectionClosed(quint64 connectionId);
    void transcriptLine(quint64 connectionId, const TranscriptEntry &entry);
    void messageDelivered(quint64 connectionId, const MessageSummary &summary);
    void ruleApplied(quint64 connectionId, qint64 timeMs, const QByteArray &rule, bool refused);
    // After start() and stop().
    void listenersChanged();

private:
    struct Private;
    std::unique_ptr<Private> d;
};
