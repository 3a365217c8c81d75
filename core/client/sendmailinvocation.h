#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QString>
#include <QStringList>

#include <optional>

// `letterbox sendmail` (and the letterbox-sendmail name): the command line of the traditional sendmail interface
// that PHP's mail(), cron, mailx and git send-email use, and how it turns what they pipe in into an SMTP
// transaction. Pure: arguments and bytes in, an envelope and the data to send out; the SMTP client sends them.
class SendmailInvocation
{
public:
    // sysexits.h, as sendmail exits (README "sendmail mode").
    enum ExitCode {
        Ok = 0,
        Usage = 64, // EX_USAGE
        DataError = 65, // EX_DATAERR: the message was refused (5xx after DATA)
        NoUser = 67, // EX_NOUSER: every recipient refused with 5xx
        Unavailable = 69, // EX_UNAVAILABLE: the server cannot be reached
        TemporaryFailure = 75, // EX_TEMPFAIL: any 4xx
        NoPermission = 77, // EX_NOPERM: the sender refused with 5xx
    };

    QString server = QStringLiteral("127.0.0.1:1025"); // --smtp, else $LETTERBOX_SMTP
    bool recipientsFromHeaders = false; // -t
    bool dotEndsMessage = true; // false with -i / -oi
    QString sender; // -f / -r
    QString fullName; // -F
    QStringList recipients; // the arguments
    bool helpRequested = false; // --help: nothing is read or sent
    bool versionRequested = false; // --version

    // Parses the arguments after "sendmail" (or after the program name for letterbox-sendmail). environmentServer is
    // $LETTERBOX_SMTP ("" when unset). nullopt and *error (one line, naming the flag) on a usage error.
    static std::optional<SendmailInvocation> parse(
        const QStringList &arguments, const QString &environmentServer, QString *error);

    // What is sent for this invocation and the message read from standard input.
    struct Transaction
    {
        QByteArray mailFrom;
        QByteArrayList rcptTo; // each once, in order of first appearance
        QByteArray data; // CRLF line ends, not dot-stuffed; Bcc removed with -t; From/Date/Message-ID added if missing
    };
    // input: everything read from standard input (up to a lone "." line unless -i). localUser and localHost name
    // the sender when neither -f nor a From header does. nullopt and *error when there is no recipient.
    std::optional<Transaction> prepare(
        const QByteArray &input, const QString &localUser, const QString &localHost, QString *error) const;

    // Where the message ends on standard input: the offset after a line holding only "." (sendmail without -i),
    // or -1 when there is none yet.
    static qsizetype endOfMessage(const QByteArray &input);
};
