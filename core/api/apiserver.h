#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QSslConfiguration>
#include <QStringList>

#include <memory>
#include <optional>

class ApiAuthFile;
class MailboxSettings;
class MessageStore;
class RelayService;
class RuleEngine;
class SettingsDocument;
class QWebSocket;
class QTcpServer;
class QTimer;
class QHttpServerRequest;
class QHttpServerResponder;

// The Mailpit-compatible REST API (README "REST API (Mailpit-compatible)") and the WebSocket /api/events. Lives in one
// thread (the app gives it its own); reads and writes go through the MessageStore, which is thread-safe.
class ApiServer : public QObject
{
    Q_OBJECT
public:
    explicit ApiServer(MessageStore *store, QObject *parent = nullptr);
    ~ApiServer() override;

    // The rules and chaos settings GET/PUT /api/v1/rules and /api/v1/chaos read and change; PUT /api/v1/rules
    // saves the rules to document (atomically: the rules file, or the PostgreSQL store's shared document; none: kept
    // in memory only), whose applier puts them in force (RuleEngine::setRulesFromJson()). Without an engine those
    // paths are 404.
    void setRules(RuleEngine *engine, SettingsDocument *document);
    // The mailboxes' configuration (CONTRACT "Mailboxes"): GET|PUT /api/v1/mailboxes/config read and replace it, the
    // /mailbox/{name}/… prefix knows its mailboxes, and POST /api/v1/send at the root is routed by it. None (the
    // default): every message goes to Inbox, the configuration reads as the empty one and PUT answers 400.
    void setMailboxes(MailboxSettings *settings);
    // Host names the API answers to besides localhost and the addresses it listens on (--api-host): any other
    // Host header is refused with 403, so that a site rebound to 127.0.0.1 by DNS cannot read the inbox.
    void setAllowedHosts(const QStringList &names);
    // Where POST /api/v1/message/{ID}/release sends (CONTRACT "Release"); none: release answers 400.
    void setRelay(RelayService *relay);
    QStringList allowedHosts() const;
    // A name setAllowedHosts() takes: a DNS name or an IP address as a browser writes it in Host, without a port.
    static bool isHostName(const QString &name);
    // The SMTP size limit: POST /api/v1/send may carry a message that large (base64 in JSON); other bodies are
    // small. Larger requests are refused with 413 before their body is read.
    void setMaxMessageSize(qint64 bytes);
    // The name a message made by POST /api/v1/send carries in its Received: header and Message-ID (--hostname).
    void setHostname(const QByteArray &hostname);
    // --api-auth (CONTRACT "Team store, API access and remote attach"): HTTP basic auth (RFC 7617) for every
    // request and the WebSocket upgrade but /livez and /readyz, checked against the file's bcrypt hashes. An empty
    // file (the default) asks for nothing. Before listen().
    void setAuthFile(const ApiAuthFile &file);
    // --api-tls-cert/--api-tls-key: HTTPS (and wss for /api/events) with this certificate; nullopt (the default):
    // plain HTTP. Before listen().
    void setTlsConfiguration(const std::optional<QSslConfiguration> &configuration);
    bool isTls() const;
    bool listen(const QHostAddress &address, quint16 port);
    QString errorString() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    void close();
    int eventClientCount() const;

private:
    // The HTTP server (Qt HttpServer), made when the first client connects.
    void makeHttpServer();
    void respond(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void acceptWebSockets();
    // To every client of /api/events, or only to those at the root and of mailbox when one is given (events of one
    // message).
    void broadcast(const QByteArray &type, const QJsonValue &data, const QString &mailbox = QString());
    // The mailbox of each message that clients of one mailbox may be told about; none when no such client listens.
    QHash<QString, QString> mailboxesOf(const QStringList &ids) const;
    void scheduleStats();
    void sendStats();

    struct Private;
    std::unique_ptr<Private> d;
};
