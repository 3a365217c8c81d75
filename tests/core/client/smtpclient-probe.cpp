// A test-only front end to SmtpClient, so that tests in other languages can drive it against third-party servers
// (tests/interop/test_smtpclient.py): sends one message file with the options given, prints the SmtpSendResult as
// one JSON object on stdout. Exit 0 when the message was accepted, 1 when not, 2 for a usage error.
#include <client/smtpclient.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace {
int usage(const QString &error)
{
    std::fprintf(stderr, "smtpclient-probe: %s\n", qPrintable(error));
    return 2;
}

QString stageName(SmtpSendResult::Stage stage)
{
    switch (stage) {
    case SmtpSendResult::Stage::Connect:
        return QStringLiteral("Connect");
    case SmtpSendResult::Stage::Greeting:
        return QStringLiteral("Greeting");
    case SmtpSendResult::Stage::Ehlo:
        return QStringLiteral("Ehlo");
    case SmtpSendResult::Stage::StartTls:
        return QStringLiteral("StartTls");
    case SmtpSendResult::Stage::Auth:
        return QStringLiteral("Auth");
    case SmtpSendResult::Stage::MailFrom:
        return QStringLiteral("MailFrom");
    case SmtpSendResult::Stage::RcptTo:
        return QStringLiteral("RcptTo");
    case SmtpSendResult::Stage::Data:
        return QStringLiteral("Data");
    case SmtpSendResult::Stage::Done:
        return QStringLiteral("Done");
    }
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("the message to send"));
    const QCommandLineOption server(
        QStringLiteral("server"), QStringLiteral("HOST:PORT, tried in turn"), QStringLiteral("address"));
    const QCommandLineOption tls(QStringLiteral("tls"), QStringLiteral("off, opportunistic, starttls or implicit"),
        QStringLiteral("mode"), QStringLiteral("opportunistic"));
    const QCommandLineOption insecure(QStringLiteral("insecure"), QStringLiteral("do not verify the certificate"));
    const QCommandLineOption ca(
        QStringLiteral("ca"), QStringLiteral("a PEM file of CA certificates to trust"), QStringLiteral("file"));
    const QCommandLineOption helo(QStringLiteral("helo"), QStringLiteral("the EHLO name"), QStringLiteral("name"));
    const QCommandLineOption user(QStringLiteral("user"), QStringLiteral("AUTH user"), QStringLiteral("name"));
    const QCommandLineOption password(
        QStringLiteral("password"), QStringLiteral("AUTH password"), QStringLiteral("password"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("per step, in milliseconds"),
        QStringLiteral("ms"), QStringLiteral("10000"));
    const QCommandLineOption from(
        QStringLiteral("from"), QStringLiteral("MAIL FROM; <> for the null sender"), QStringLiteral("address"));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("RCPT TO, repeatable"), QStringLiteral("address"));
    const QCommandLineOption headers(QStringLiteral("headers"),
        QStringLiteral("take what --from and --to leave out from the header (SmtpOutgoing::fillFromHeaders)"));
    parser.addOptions({ server, tls, insecure, ca, helo, user, password, timeout, from, to, headers });
    parser.process(app);

    SmtpClientOptions options;
    for (const QString &address : parser.values(server)) {
        const qsizetype colon = address.lastIndexOf(u':');
        bool ok = false;
        const uint port = colon > 0 ? address.mid(colon + 1).toUInt(&ok) : 0;
        if (!ok || port == 0 || port > 65535) {
            return usage(QStringLiteral("--server: expected HOST:PORT, got '%1'").arg(address));
        }
        QString host = address.left(colon);
        if (host.startsWith(u'[') && host.endsWith(u']')) {
            host = host.mid(1, host.size() - 2);
        }
        options.servers << SmtpServerAddress { host, quint16(port) };
    }
    const QString mode = parser.value(tls);
    if (mode == u"off") {
        options.tls = SmtpTlsMode::Off;
    } else if (mode == u"opportunistic") {
        options.tls = SmtpTlsMode::Opportunistic;
    } else if (mode == u"starttls") {
        options.tls = SmtpTlsMode::StartTls;
    } else if (mode == u"implicit") {
        options.tls = SmtpTlsMode::Implicit;
    } else {
        return usage(QStringLiteral("--tls: unknown mode '%1'").arg(mode));
    }
    options.verifyCertificate = !parser.isSet(insecure);
    if (parser.isSet(ca)) {
        QFile file(parser.value(ca));
        if (!file.open(QIODevice::ReadOnly)) {
            return usage(QStringLiteral("--ca: %1: %2").arg(file.fileName(), file.errorString()));
        }
        options.caCertificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
        if (options.caCertificates.isEmpty()) {
            return usage(QStringLiteral("--ca: %1: no PEM certificate").arg(file.fileName()));
        }
    }
    options.heloName = parser.value(helo);
    options.username = parser.value(user);
    options.password = parser.value(password);
    options.timeoutMs = parser.value(timeout).toInt();

    if (parser.positionalArguments().size() != 1) {
        return usage(QStringLiteral("one message file expected"));
    }
    QFile message(parser.positionalArguments().first());
    if (!message.open(QIODevice::ReadOnly)) {
        return usage(QStringLiteral("%1: %2").arg(message.fileName(), message.errorString()));
    }
    SmtpOutgoing outgoing;
    outgoing.data = message.readAll();
    outgoing.mailFrom = parser.value(from) == u"<>" ? QByteArray() : parser.value(from).toUtf8();
    for (const QString &address : parser.values(to)) {
        outgoing.rcptTo << address.toUtf8();
    }
    if (parser.isSet(headers)) {
        QString error;
        if (!SmtpOutgoing::fillFromHeaders(&outgoing, &error)) {
            return usage(error);
        }
    }

    SmtpClient client(options);
    QJsonArray steps;
    QObject::connect(&client, &SmtpClient::progressed, &app, [&steps](const QString &step) { steps << step; });
    QObject::connect(&client, &SmtpClient::finished, &app, [&](const SmtpSendResult &result) {
        QJsonArray accepted;
        for (const QByteArray &address : result.accepted) {
            accepted << QString::fromUtf8(address);
        }
        QJsonArray refused;
        for (const SmtpRecipientResult &recipient : result.refused) {
            refused << QJsonObject { { QStringLiteral("address"), QString::fromUtf8(recipient.address) },
                { QStringLiteral("code"), recipient.code },
                { QStringLiteral("enhanced"), QString::fromUtf8(recipient.enhanced) },
                { QStringLiteral("text"), QString::fromUtf8(recipient.text) } };
        }
        const QJsonObject json { { QStringLiteral("ok"), result.ok },
            { QStringLiteral("stage"), stageName(result.stage) }, { QStringLiteral("server"), result.server },
            { QStringLiteral("code"), result.code }, { QStringLiteral("reply"), QString::fromUtf8(result.reply) },
            { QStringLiteral("error"), result.errorString },
            { QStringLiteral("temporary"), result.isTemporaryFailure() },
            { QStringLiteral("summary"), result.summary() }, { QStringLiteral("accepted"), accepted },
            { QStringLiteral("refused"), refused }, { QStringLiteral("steps"), steps },
            { QStringLiteral("mailFrom"), QString::fromUtf8(outgoing.mailFrom) } };
        std::fputs(QJsonDocument(json).toJson(QJsonDocument::Compact).constData(), stdout);
        std::fputs("\n", stdout);
        std::fflush(stdout);
        app.exit(result.ok ? 0 : 1);
    });
    client.send(outgoing);
    return app.exec();
}
