#include "smtpclient.h"

#include "smtpclientsession.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <memory>
#include <optional>

namespace {
// How long a dropped connection may take to write its QUIT and close.
constexpr int CloseTimeoutMs = 2000;
} // namespace

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
    // Lets the socket finish writing (QUIT) and close on its own: it no longer belongs to the client, which may be
    // deleted from a slot of a signal the socket is emitting. Returns it (nullptr when there was none).
    QObject *dropSocket();
    // A step's deadline: from its command (or the connection) on, started over only when a complete reply was
    // handled, so that a server trickling bytes cannot hold a send forever.
    void restartTimer()
    {
        timer->start(session && session->awaitsFinalReply() ? options.finalReplyTimeoutMs : options.timeoutMs);
    }
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
    const qint64 replies = session->repliesHandled();
    session->receive(socket->readAll());
    if (session->repliesHandled() != replies) {
        restartTimer();
    }
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
    const int limit = session && session->awaitsFinalReply() ? options.finalReplyTimeoutMs : options.timeoutMs;
    const QString error = QStringLiteral("timed out after %1 ms").arg(limit);
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
    if (QObject *dropped = dropSocket()) {
        QObject::connect(dropped, &QObject::destroyed, q, [this] { Q_EMIT q->connectionClosed(); });
    } else {
        QMetaObject::invokeMethod(
            q, [this] { Q_EMIT q->connectionClosed(); }, Qt::QueuedConnection);
    }
    Q_EMIT q->finished(result);
}

QObject *SmtpClient::Private::dropSocket()
{
    for (const QMetaObject::Connection &connection : std::as_const(connections)) {
        QObject::disconnect(connection);
    }
    connections.clear();
    QTcpSocket *dropped = std::exchange(socket, nullptr);
    ssl = nullptr;
    if (!dropped) {
        return nullptr;
    }
    // No longer the client's child: deleting the client (even from a slot of a signal this socket emits) neither
    // deletes it under its own feet nor cuts the QUIT off.
    dropped->setParent(nullptr);
    if (dropped->state() != QAbstractSocket::ConnectedState) {
        dropped->abort();
        dropped->deleteLater();
        return dropped;
    }
    // What is still to be written (QUIT, RFC 5321 §4.1.1.10) goes before the close; the socket goes once closed,
    // or after a short while when the server keeps its end open.
    QObject::connect(dropped, &QAbstractSocket::disconnected, dropped, &QObject::deleteLater);
    QTimer::singleShot(CloseTimeoutMs, dropped, &QObject::deleteLater);
    // A worker thread that ends first (the relay's, at exit) deletes it on its way out (QThread processes deferred
    // deletes when it finishes), so that nothing is left behind.
    QObject::connect(dropped->thread(), &QThread::finished, dropped, &QObject::deleteLater);
    dropped->disconnectFromHost();
    return dropped;
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
    } else {
        // An address that would break its command line is refused before a connection is made.
        SmtpClientSession::checkEnvelope(outgoing, &refusal);
    }
    if (!refusal.errorString.isEmpty()) {
        // finished() never comes from inside send().
        QMetaObject::invokeMethod(
            this,
            [this, refusal] {
                const QPointer<SmtpClient> guard(this);
                Q_EMIT finished(refusal);
                if (guard) {
                    Q_EMIT connectionClosed();
                }
            },
            Qt::QueuedConnection);
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
