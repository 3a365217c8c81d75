#include "sendmailmode.h"

#include <client/sendmailinvocation.h>
#include <client/sendmailoutcome.h>
#include <client/smtpclient.h>

#include <QCoreApplication>
#include <QSysInfo>
#include <QTimer>

#include <cerrno>
#include <cstdio>
#include <cstring>

// The login name and unbuffered reads of standard input are POSIX; what a port to Windows must supply is listed in
// tests/interop/test_portability.py.
#if defined(Q_OS_UNIX)
#include <pwd.h>
#include <unistd.h>
#else
#error "sendmail mode reads standard input with read(2), unbuffered, and names the user with getpwuid(); a Windows \
port must read with _read() on _fileno(stdin) after _setmode(_O_BINARY) and take %USERNAME% \
(tests/interop/test_portability.py)"
#endif

namespace {
// A bound on the wait for the connection to close after the result: SmtpClient itself gives up after 2 s.
constexpr int QuitTimeoutMs = 3000;
// What sendmail mode reads at most: the catcher's default maximum message size (64 MiB, CONTRACT "Command line",
// --max-message-size) and some slack for the headers that are added, so that the server is the one to refuse.
constexpr qsizetype MaxMessageSize = 64 * 1024 * 1024 + 64 * 1024;

const char HelpText[] = R"(Usage: letterbox sendmail [options] [recipient...]
       letterbox-sendmail [options] [recipient...]
Reads one message on standard input and delivers it to a running Letterbox over SMTP, as sendmail would:
for PHP's mail(), cron, mail/mailx and git send-email.

Options:
  --smtp HOST:PORT  The Letterbox to deliver to ([IPv6]:PORT in brackets). Default: $LETTERBOX_SMTP, else
                    127.0.0.1:1025.
  -t                Also send to the addresses in the To, Cc and Bcc headers; the Bcc header is removed.
  -f ADDR, -r ADDR  The envelope sender (-f '<>' for none). Default: the From header's address, else
                    USER@HOSTNAME.
  -F NAME           The sender's full name, for the From header added to a message that has none.
  -i, -oi           A line holding only "." is text. Without it, such a line ends the message.
  -bm, -odi, -oem   Accepted as sendmail does (deliver a message now; errors are reported by the exit code).
  --help            Show this help and exit.
  --version         Show the version and exit.

Exit codes (sysexits.h): 0 delivered; 64 usage error (a bad flag or address); 65 message refused (5xx after
DATA) or larger than 64 MiB; 67 every recipient refused (5xx); 69 Letterbox cannot be reached; 75 temporary failure
(4xx); 77 sender refused (5xx).
)";

void printLine(const QString &text)
{
    std::fprintf(stderr, "letterbox sendmail: %s\n", qPrintable(text));
    std::fflush(stderr);
}

#if defined(Q_OS_UNIX)
// The user's login name, as sendmail names a sender when nothing else does.
QString localUser()
{
    if (const passwd *entry = ::getpwuid(::geteuid()); entry && entry->pw_name) {
        return QString::fromLocal8Bit(entry->pw_name);
    }
    return qEnvironmentVariable("USER");
}

// Up to size bytes of standard input as they come (no stdio buffer waiting to fill), 0 at its end, or -1 with
// *error set to the errno.
qint64 readStandardInput(char *buffer, qint64 size, int *error)
{
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, size_t(size));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        *error = n < 0 ? errno : 0;
        return n;
    }
}
#endif

// Standard input up to its end, or (sendmail without -i) up to and including a line holding only ".": the program
// writing may keep its end of the pipe open after that line. Blocking reads are fine: nothing else runs yet.
// *tooLarge tells a message over MaxMessageSize from a read error.
bool readMessage(bool dotEndsMessage, QByteArray *input, QString *error, bool *tooLarge)
{
    *tooLarge = false;
    qsizetype scanFrom = 0; // the start of the first line not yet looked at
    char buffer[65536];
    for (;;) {
        int readError = 0;
        const qint64 n = readStandardInput(buffer, sizeof buffer, &readError);
        if (n < 0) {
            *error = QStringLiteral("cannot read standard input: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(readError)));
            return false;
        }
        if (n == 0) {
            return true;
        }
        if (input->size() + n > MaxMessageSize) {
            // Not read to its end: a runaway pipe would otherwise fill the memory.
            *tooLarge = true;
            *error
                = QStringLiteral("message larger than %1 octets (Letterbox takes at most 64 MiB)").arg(MaxMessageSize);
            return false;
        }
        input->append(buffer, n);
        if (!dotEndsMessage) {
            continue;
        }
        // Only whole lines: a "." may yet be followed by more text on its line.
        const qsizetype lastLf = input->lastIndexOf('\n');
        if (lastLf < scanFrom) {
            continue;
        }
        const QByteArray lines = QByteArray::fromRawData(input->constData() + scanFrom, lastLf + 1 - scanFrom);
        if (SendmailInvocation::endOfMessage(lines) >= 0) {
            return true;
        }
        scanFrom = lastLf + 1;
    }
}

SmtpServerAddress serverAddress(const QString &text)
{
    // SendmailInvocation::parse checked the form HOST:PORT or [IPv6]:PORT.
    const qsizetype colon = text.lastIndexOf(u':');
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']')) {
        host = host.mid(1, host.size() - 2);
    }
    return { host, static_cast<quint16>(text.mid(colon + 1).toUInt()) };
}
} // namespace

int runSendmail(int argc, char *argv[], const QStringList &arguments)
{
    QCoreApplication::setApplicationName(QStringLiteral("letterbox"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LETTERBOX_VERSION));
    QString error;
    const std::optional<SendmailInvocation> invocation
        = SendmailInvocation::parse(arguments, qEnvironmentVariable("LETTERBOX_SMTP"), &error);
    if (!invocation) {
        printLine(QStringLiteral("%1 (see letterbox sendmail --help)").arg(error));
        return SendmailInvocation::Usage;
    }
    if (invocation->helpRequested) {
        std::fputs(HelpText, stdout);
        return SendmailInvocation::Ok;
    }
    if (invocation->versionRequested) {
        std::printf("letterbox %s\n", LETTERBOX_VERSION);
        return SendmailInvocation::Ok;
    }

    QCoreApplication app(argc, argv);
    QByteArray input;
    bool tooLarge = false;
    if (!readMessage(invocation->dotEndsMessage, &input, &error, &tooLarge)) {
        printLine(error);
        return tooLarge ? SendmailInvocation::DataError : SendmailInvocation::TemporaryFailure;
    }
    const std::optional<SendmailInvocation::Transaction> transaction
        = invocation->prepare(input, localUser(), QSysInfo::machineHostName(), &error);
    if (!transaction) {
        printLine(error);
        return SendmailInvocation::Usage;
    }

    SmtpClientOptions options;
    options.servers = { serverAddress(invocation->server) };
    // Plain SMTP: the server is a Letterbox, on loopback unless told otherwise, whose certificate is self-signed
    // (README "TLS"); opportunistic STARTTLS would fail every send that does not trust it, and there is no secret
    // to protect (sendmail mode sends no AUTH).
    options.tls = SmtpTlsMode::Off;
    SmtpClient client(options);
    SmtpSendResult result;
    QObject::connect(&client, &SmtpClient::finished, &app, [&result](const SmtpSendResult &r) {
        result = r;
        // RFC 5321 §4.1.1.10: the QUIT goes out before the process ends (connectionClosed), though not at any
        // price: the client gives a connection that does not close a short while.
        QTimer::singleShot(QuitTimeoutMs, QCoreApplication::instance(), &QCoreApplication::quit);
    });
    QObject::connect(&client, &SmtpClient::connectionClosed, &app, &QCoreApplication::quit);
    client.send({ transaction->mailFrom, transaction->rcptTo, transaction->data });
    app.exec();

    const SendmailOutcome outcome = SendmailOutcome::fromResult(result);
    if (!outcome.message.isEmpty()) {
        printLine(outcome.message);
    }
    return outcome.exitCode;
}
