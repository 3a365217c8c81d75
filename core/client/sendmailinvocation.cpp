#include "sendmailinvocation.h"

#include "../mime/parsedmessage.h"
#include "smtpclientsession.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>

namespace {
// Flags of the sendmail interface that take a value, glued (-fADDR) or as the next argument (-f ADDR), and that
// Letterbox has no use for: the body type (-B, cron passes -B8BITMIME), DSN options (-N, -R, -V), a log tag (-L),
// a configuration file (-C), an option (-O).
const QString IgnoredWithValue = QStringLiteral("BNRVLCOX");
// Flags without a value that change nothing here: verbose, initial submission, no aliasing, "me too".
const QString IgnoredAlone = QStringLiteral("vUnmG");

// RFC 5322 §2.2: a header field starts with a name of printable characters but colon, then a colon.
bool isHeaderLine(const QByteArray &line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        return false;
    }
    for (qsizetype i = 0; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 33 || c > 126) {
            return false;
        }
    }
    return true;
}

QByteArray fieldName(const QByteArray &line)
{
    return line.left(line.indexOf(':')).trimmed().toLower();
}

// "a@b", "<a@b>" and "Name <a@b>" (RFC 5322 §3.4's name-addr, as mail(), mailx and git pass it) are a@b.
QByteArray bareAddress(const QString &address)
{
    QString a = address.trimmed();
    const qsizetype open = a.lastIndexOf(u'<');
    if (open >= 0 && a.endsWith(u'>')) {
        a = a.mid(open + 1, a.size() - open - 2).trimmed();
    }
    return a.toUtf8();
}

// RFC 5322 §3.2.4: a display name that is not all atext goes in quotes.
QByteArray displayName(const QString &name)
{
    static const QRegularExpression atoms(QStringLiteral("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$"));
    if (atoms.match(name).hasMatch()) {
        return name.toUtf8();
    }
    QString quoted = name;
    quoted.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return '"' + quoted.toUtf8() + '"';
}
} // namespace

std::optional<SendmailInvocation> SendmailInvocation::parse(
    const QStringList &arguments, const QString &environmentServer, QString *error)
{
    SendmailInvocation invocation;
    if (!environmentServer.isEmpty()) {
        invocation.server = environmentServer;
    }
    bool serverGiven = false;
    bool optionsDone = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments[i];
        if (optionsDone || !arg.startsWith(u'-') || arg == u"-") {
            invocation.recipients << arg;
            continue;
        }
        if (arg == u"--") {
            optionsDone = true;
            continue;
        }
        // A flag's value: glued to it or the next argument.
        const auto value = [&](qsizetype flagLength) -> std::optional<QString> {
            if (arg.size() > flagLength) {
                return arg.mid(flagLength);
            }
            if (i + 1 < arguments.size()) {
                return arguments[++i];
            }
            *error = QStringLiteral("%1 needs a value").arg(arg);
            return std::nullopt;
        };
        // GNU-style --help and --version, as `letterbox --help`; sendmail's own -h (a hop count) is obsolete.
        if (arg == u"--help") {
            invocation.helpRequested = true;
            return invocation;
        }
        if (arg == u"--version") {
            invocation.versionRequested = true;
            return invocation;
        }
        if (arg == u"--smtp" || arg.startsWith(QLatin1String("--smtp="))) {
            const std::optional<QString> v = arg.startsWith(QLatin1String("--smtp=")) ? arg.mid(7) : value(6);
            if (!v) {
                return std::nullopt;
            }
            invocation.server = *v;
            serverGiven = true;
            continue;
        }
        if (arg.startsWith(QLatin1String("--"))) {
            *error = QStringLiteral("unknown option '%1'").arg(arg);
            return std::nullopt;
        }
        const QChar flag = arg.at(1);
        if (arg == u"-t") {
            invocation.recipientsFromHeaders = true;
        } else if (arg == u"-i" || arg == u"-oi") {
            invocation.dotEndsMessage = false;
        } else if (flag == u'o') {
            // -oXvalue: sendmail's options (-oem mail errors back, -odi deliver now…): nothing to do here.
            if (arg.size() < 3) {
                *error = QStringLiteral("-o needs an option letter");
                return std::nullopt;
            }
        } else if (flag == u'b') {
            // -bm (deliver a message) is the only mode: no daemon (-bd), queue (-bp) or SMTP on stdin (-bs).
            if (arg != u"-bm") {
                *error = QStringLiteral("%1: only -bm (deliver a message) is supported").arg(arg);
                return std::nullopt;
            }
        } else if (flag == u'f' || flag == u'r') {
            const std::optional<QString> v = value(2);
            if (!v) {
                return std::nullopt;
            }
            invocation.sender = *v;
            if (invocation.sender.isEmpty()) {
                invocation.sender = QStringLiteral("<>");
            }
        } else if (flag == u'F') {
            const std::optional<QString> v = value(2);
            if (!v) {
                return std::nullopt;
            }
            invocation.fullName = *v;
        } else if (IgnoredWithValue.contains(flag)) {
            if (!value(2)) {
                return std::nullopt;
            }
        } else if (IgnoredAlone.contains(flag) && arg.size() == 2) {
            continue;
        } else {
            *error = QStringLiteral("unknown flag '%1'").arg(arg);
            return std::nullopt;
        }
    }
    static const QRegularExpression hostPort(QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):([0-9]{1,5})$"));
    const QRegularExpressionMatch match = hostPort.match(invocation.server);
    const int port = match.hasMatch() ? match.captured(2).toInt() : 0;
    if (port < 1 || port > 65535) {
        *error = QStringLiteral("%1: expected HOST:PORT, got '%2'")
                     .arg(serverGiven ? QStringLiteral("--smtp") : QStringLiteral("LETTERBOX_SMTP"), invocation.server);
        return std::nullopt;
    }
    return invocation;
}

qsizetype SendmailInvocation::endOfMessage(const QByteArray &input)
{
    qsizetype start = 0;
    while (start < input.size()) {
        const qsizetype lf = input.indexOf('\n', start);
        const qsizetype end = lf < 0 ? input.size() : lf;
        const QByteArrayView line = QByteArrayView(input).sliced(start, end - start);
        if (line == "." || line == ".\r") {
            return lf < 0 ? input.size() : lf + 1;
        }
        if (lf < 0) {
            break;
        }
        start = lf + 1;
    }
    return -1;
}

std::optional<SendmailInvocation::Transaction> SendmailInvocation::prepare(
    const QByteArray &input, const QString &localUser, const QString &localHost, QString *error) const
{
    QByteArray text = input;
    if (dotEndsMessage) {
        const qsizetype end = endOfMessage(text);
        if (end >= 0) {
            // Up to the line before the lone dot.
            const qsizetype dot = text.lastIndexOf('.', end - 1);
            text.truncate(dot);
        }
    }
    // One CRLF per line, as SMTP wants (RFC 5321 §2.3.8); sendmail's input has bare LFs.
    QByteArrayList lines = text.split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty()) {
        lines.removeLast();
    }
    for (QByteArray &line : lines) {
        if (line.endsWith('\r')) {
            line.chop(1);
        }
    }
    // The header block: field lines and their continuations, up to the first empty line (or a line that is no
    // field, when a program pipes in a body without headers).
    qsizetype bodyStart = 0;
    while (bodyStart < lines.size()) {
        const QByteArray &line = lines[bodyStart];
        const bool continuation = bodyStart > 0 && (line.startsWith(' ') || line.startsWith('\t'));
        if (!continuation && !isHeaderLine(line)) {
            break;
        }
        ++bodyStart;
    }
    const bool separator = bodyStart < lines.size() && lines[bodyStart].isEmpty();
    QByteArrayList headers = lines.mid(0, bodyStart);
    const QByteArrayList body = lines.mid(bodyStart + (separator ? 1 : 0));

    QByteArray headerText = headers.join("\r\n") + "\r\n\r\n";
    const ParsedMessage parsed = ParsedMessage::parse(headerText);

    Transaction transaction;
    QSet<QString> seen;
    const auto addRecipient = [&](const QString &address) {
        const QByteArray bare = bareAddress(address);
        if (!bare.isEmpty() && !seen.contains(QString::fromUtf8(bare).toLower())) {
            seen.insert(QString::fromUtf8(bare).toLower());
            transaction.rcptTo << bare;
        }
    };
    if (recipientsFromHeaders) {
        for (const MailAddressList *list : { &parsed.to, &parsed.cc, &parsed.bcc }) {
            for (const MailAddress &a : *list) {
                addRecipient(a.address);
            }
        }
        // -t: Bcc recipients get the message, but nobody sees the Bcc field (RFC 5322 §3.6.3).
        QByteArrayList kept;
        bool inBcc = false;
        for (const QByteArray &line : std::as_const(headers)) {
            const bool continuation = line.startsWith(' ') || line.startsWith('\t');
            if (!continuation) {
                inBcc = fieldName(line) == "bcc";
            }
            if (!inBcc) {
                kept << line;
            }
        }
        headers = kept;
    }
    for (const QString &recipient : recipients) {
        // An argument may list several addresses ("a@x, b@y"), as sendmail allows.
        for (const QString &part : recipient.split(u',', Qt::SkipEmptyParts)) {
            addRecipient(part);
        }
    }
    if (transaction.rcptTo.isEmpty()) {
        *error = recipientsFromHeaders ? QStringLiteral("no recipient: none given and none in To, Cc or Bcc")
                                       : QStringLiteral("no recipient given (use -t to take them from the headers)");
        return std::nullopt;
    }

    const QByteArray localAddress = (localUser.isEmpty() ? QStringLiteral("user") : localUser).toUtf8() + '@'
        + (localHost.isEmpty() ? QStringLiteral("localhost") : localHost).toUtf8();
    if (!sender.isEmpty()) {
        transaction.mailFrom = sender == u"<>" ? QByteArray() : bareAddress(sender);
    } else if (!parsed.from.isEmpty()) {
        transaction.mailFrom = bareAddress(parsed.from.first().address);
    } else {
        transaction.mailFrom = localAddress;
    }

    // An address that would break the command line it goes on (a space, a CR, an angle bracket) is a usage error
    // here, not a protocol error later.
    for (const QByteArray &address : std::as_const(transaction.rcptTo) + QByteArrayList { transaction.mailFrom }) {
        if (!SmtpClientSession::isValidEnvelopeAddress(address)) {
            *error = QStringLiteral("not a valid address: \"%1\"").arg(QString::fromUtf8(address).simplified());
            return std::nullopt;
        }
    }

    // What a submission server adds when a program leaves it out (RFC 6409 §8.1, §8.3, as Postfix's cleanup does):
    // the originator, the date and a message identifier.
    const auto has = [&headers](const char *name) {
        for (const QByteArray &line : std::as_const(headers)) {
            if (!line.startsWith(' ') && !line.startsWith('\t') && fieldName(line) == name) {
                return true;
            }
        }
        return false;
    };
    if (!has("from")) {
        const QByteArray address = transaction.mailFrom.isEmpty() ? localAddress : transaction.mailFrom;
        headers << (fullName.isEmpty() ? "From: " + address : "From: " + displayName(fullName) + " <" + address + '>');
    }
    if (!has("date")) {
        headers << "Date: " + QDateTime::currentDateTime().toString(Qt::RFC2822Date).toLatin1();
    }
    if (!has("message-id")) {
        headers << "Message-ID: <" + QByteArray::number(QRandomGenerator::global()->generate64(), 36) + '.'
                + QByteArray::number(QDateTime::currentMSecsSinceEpoch(), 36) + '@'
                + (localHost.isEmpty() ? QByteArray("localhost") : localHost.toUtf8()) + '>';
    }
    transaction.data = headers.join("\r\n") + "\r\n\r\n";
    if (!body.isEmpty()) {
        transaction.data += body.join("\r\n") + "\r\n";
    }
    return transaction;
}
