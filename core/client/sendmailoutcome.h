#pragma once

#include <QString>

struct SmtpSendResult;

// How a `letterbox sendmail` run ends, from what the SMTP client reports: the exit code of sysexits.h that programs
// calling sendmail understand (PHP's mail() returns false, cron mails the error, git send-email stops) and the one
// line written on stderr (CONTRACT "Settled details", sendmail mode).
struct SendmailOutcome
{
    int exitCode = 0; // a SendmailInvocation::ExitCode
    QString message; // one line; empty when every recipient took the message

    static SendmailOutcome fromResult(const SmtpSendResult &result);
};
