#include "smtpclient.h"

#include "smtpclientsession.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <memory>
#include <optional>

class SmtpClient::Private
{
public:
    explicit Private(SmtpClient *q, const SmtpClientOptions &options) : q(q), options(options)
    {
        // A child, so that it follows the client to another thread (moveToThread) with the sockets.
        timer = new QTimer(q);
        timer->setSingleShot(true);
    }

    void start();
    void connectToServer();
    void connected();
    void readyRead();
    void encrypted();
    void socketFailed(const QString &error);
    void timedOut();
    void pump();
    void nextServer(const SmtpSendResult &failure);
    void finish(SmtpSendResult result);
    void dropSocket();
    void restartTimer() { timer->start(options.timeoutMs); }
    QString serverName() const;
    QString tlsErrors(const QString &fallback) const;

    SmtpClient *q;
    SmtpClientOptions options;
    SmtpOutgoing outgoing;
    bool running = false;
    qsizetype serverIndex = 0;
    QTcpSocket *socket = nullptr;
    QSslSocket *ssl = nullptr; // socket, when the options ask for TLS
    std::optional<SmtpClientSession> session;
    QString handshakeError; // what QSslSocket::sslErrors said, for the error that follows
    QTimer *timer = nullptr;
    QList<QMetaObject::Connection> connections;
};

QString SmtpClient::Private::serverName() const
{
    const SmtpServerAddress &server = options.servers.at(serverIndex);
    // RFC 3986 §3.2.2: an IPv6 address in brackets, so that its colons do not read as the port's.
    const QString host = server.host.contains(u':') ? u'[' + server.host + u']' : server.host;
    return host + u':' + QString::number(server.port);
}

void SmtpClient::Private::start()
{
    serverIndex = 0;
    connectToServer();
}

void SmtpClient::Private::connectToServer()
{
    dropSocket();
    session.reset();
    handshakeError.clear();
    const SmtpServerAddress &server = options.servers.at(serverIndex);
    // A QSslSocket only when TLS may be used: with TLS off nothing loads OpenSSL.
    if (options.tls == SmtpTlsMode::Off) {
        socket = new QTcpSocket(q);
    } else {
        ssl = new QSslSocket(q);
        socket = ssl;
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        if (!options.caCertificates.isEmpty()) {
            // Added to the system's CAs, not instead of them.
            configuration.setCaCertificates(QSslConfiguration::systemCaCertificates() + options.caCertificates);
        }
        // The name checked against the certificate (RFC 6125) is the one the user gave (RFC 3207 §4.1).
        configuration.setPeerVerifyMode(options.verifyCertificate ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);
        ssl->setSslConfiguration(configuration);
        ssl->setPeerVerifyName(server.host);
        connections << QObject::connect(ssl, &QSslSocket::encrypted, q, [this] { encrypted(); });
        connections << QObject::connect(ssl, &QSslSocket::sslErrors, q, [this](const QList<QSslError> &errors) {
            QStringList texts;
            for (const QSslError &error : errors) {
                texts << error.errorString();
            }
            handshakeError = texts.join(QStringLiteral("; "));
        });
    }
    connections << QObject::connect(socket, &QTcpSocket::readyRead, q, [this] { readyRead(); });
    connections << QObject::connect(socket, &QTcpSocket::bytesWritten, q, [this] { restartTimer(); });
    connections << QObject::connect(socket, &QTcpSocket::errorOccurred, q,
        [this](QAbstractSocket::SocketError) { socketFailed(socket->errorString()); });
    connections << QObject::connect(socket, &QTcpSocket::disconnected, q,
        [this] { socketFailed(QStringLiteral("the server closed the connection")); });
    const QPointer<SmtpClient> guard(q);
    Q_EMIT q->progressed(QStringLiteral("Connecting to %1").arg(serverName()));
    if (!guard || !running) {
        return; // aborted (or deleted) from a slot
    }
    restartTimer();
    if (options.tls == SmtpTlsMode::Implicit) {
        ssl->connectToHostEncrypted(server.host, server.port);
    } else {
        connections << QObject::connect(socket, &QTcpSocket::connected, q, [this] { connected(); });
        socket->connectToHost(server.host, server.port);
    }
}

void SmtpClient::Private::connected()
{
    session.emplace(options, outgoing, false);
    restartTimer();
}

void SmtpClient::Private::encrypted()
{
    restartTimer();
    if (!session) {
        // Implicit TLS (RFC 8314 §3): the handshake came first, the greeting follows inside TLS.
        session.emplace(options, outgoing, true);
        return;
    }
    session->tlsStarted();
    pump();
}

void SmtpClient::Private::readyRead()
{
    if (!session) {
        return;
    }
    restartTimer();
    session->receive(socket->readAll());
    pump();
}

void SmtpClient::Private::pump()
{
    const QByteArray output = session->takeOutput();
    if (!output.isEmpty()) {
        socket->write(output);
    }
    const QPointer<SmtpClient> guard(q);
    for (const SmtpClientEvent &event : session->takeEvents()) {
        if (const auto *progress = std::get_if<SmtpClientEvents::Progress>(&event)) {
            Q_EMIT q->progressed(progress->step);
            if (!guard || !running) {
                return;
            }
        } else if (std::holds_alternative<SmtpClientEvents::StartTls>(event)) {
            Q_EMIT q->progressed(QStringLiteral("TLS handshake"));
            if (!guard || !running) {
                return;
            }
            restartTimer();
            ssl->startClientEncryption();
        } else if (std::holds_alternative<SmtpClientEvents::Finished>(event)) {
            SmtpSendResult result = session->result();
            result.server = serverName();
            const bool beforeGreeting
                = result.stage == SmtpSendResult::Stage::Connect || result.stage == SmtpSendResult::Stage::Greeting;
            if (!result.ok && beforeGreeting && serverIndex + 1 < options.servers.size()) {
                // tcllib -servers: a server that cannot be reached or will not serve is passed over for the next.
                nextServer(result);
                return;
            }
            finish(result);
            return;
        }
    }
}

void SmtpClient::Private::socketFailed(const QString &error)
{
    if (!running) {
        return;
    }
    // A handshake that failed says why in sslErrors (a certificate not trusted, a name not matching).
    const QString text = handshakeError.isEmpty() ? error : QStringLiteral("TLS: %1").arg(handshakeError);
    if (session && !session->isFinished()) {
        session->connectionFailed(session->awaitsTls() ? QStringLiteral("STARTTLS failed: %1").arg(text) : text);
        pump();
        return;
    }
    if (!session) {
        SmtpSendResult result;
        result.stage = SmtpSendResult::Stage::Connect;
        result.server = serverName();
        result.errorString = QStringLiteral("cannot connect to %1: %2").arg(serverName(), text);
        if (serverIndex + 1 < options.servers.size()) {
            nextServer(result);
        } else {
            finish(result);
        }
    }
}

void SmtpClient::Private::timedOut()
{
    if (!running) {
        return;
    }
    const QString error = QStringLiteral("timed out after %1 ms").arg(options.timeoutMs);
    if (session) {
        session->connectionFailed(session->awaitsTls() ? QStringLiteral("STARTTLS: %1").arg(error) : error);
        pump();
        return;
    }
    socketFailed(error);
}

void SmtpClient::Private::nextServer(const SmtpSendResult &failure)
{
    Q_UNUSED(failure)
    ++serverIndex;
    connectToServer();
}

void SmtpClient::Private::finish(SmtpSendResult result)
{
    timer->stop();
    running = false;
    session.reset();
    dropSocket();
    Q_EMIT q->finished(result);
}

void SmtpClient::Private::dropSocket()
{
    for (const QMetaObject::Connection &connection : std::as_const(connections)) {
        QObject::disconnect(connection);
    }
    connections.clear();
    if (socket) {
        // What is still to be written (QUIT) goes before the close; the socket goes when the event loop next runs.
        socket->disconnectFromHost();
        socket->deleteLater();
    }
    socket = nullptr;
    ssl = nullptr;
}

SmtpClient::SmtpClient(const SmtpClientOptions &options, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, options))
{
    qRegisterMetaType<SmtpSendResult>();
    qRegisterMetaType<SmtpOutgoing>();
    connect(d->timer, &QTimer::timeout, this, [this] { d->timedOut(); });
}

SmtpClient::~SmtpClient()
{
    d->running = false;
    d->dropSocket();
}

void SmtpClient::send(const SmtpOutgoing &outgoing)
{
    SmtpSendResult refusal;
    if (d->running) {
        refusal.errorString = QStringLiteral("a send is already running");
    } else if (d->options.servers.isEmpty()) {
        refusal.errorString = QStringLiteral("no server to send to");
    } else if (outgoing.rcptTo.isEmpty()) {
        refusal.errorString = QStringLiteral("no recipient");
    }
    if (!refusal.errorString.isEmpty()) {
        // finished() never comes from inside send().
        QMetaObject::invokeMethod(
            this, [this, refusal] { Q_EMIT finished(refusal); }, Qt::QueuedConnection);
        return;
    }
    d->outgoing = outgoing;
    d->running = true;
    // The first step runs from the event loop, so that even a failure at once is reported after send() returned.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (d->running) {
                d->start();
            }
        },
        Qt::QueuedConnection);
}

void SmtpClient::abort()
{
    if (!d->running) {
        return;
    }
    SmtpSendResult result = d->session ? d->session->result() : SmtpSendResult();
    result.ok = false;
    result.code = 0;
    result.reply.clear();
    result.errorString = QStringLiteral("aborted");
    if (!d->options.servers.isEmpty()) {
        result.server = d->serverName();
    }
    d->finish(result);
}
