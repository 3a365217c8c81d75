#include "sendmailoutcome.h"

#include "sendmailinvocation.h"
#include "smtpsendresult.h"

#include <QStringList>

namespace {
QString stageName(SmtpSendResult::Stage stage)
{
    switch (stage) {
    case SmtpSendResult::Stage::Connect:
        return QStringLiteral("connect");
    case SmtpSendResult::Stage::Greeting:
        return QStringLiteral("greeting");
    case SmtpSendResult::Stage::Ehlo:
        return QStringLiteral("EHLO");
    case SmtpSendResult::Stage::StartTls:
        return QStringLiteral("STARTTLS");
    case SmtpSendResult::Stage::Auth:
        return QStringLiteral("AUTH");
    case SmtpSendResult::Stage::MailFrom:
        return QStringLiteral("MAIL FROM");
    case SmtpSendResult::Stage::RcptTo:
        return QStringLiteral("RCPT TO");
    case SmtpSendResult::Stage::Data:
        return QStringLiteral("DATA");
    case SmtpSendResult::Stage::Done:
        break;
    }
    return QStringLiteral("QUIT");
}

// A reply as one line: a program reading stderr line by line sees one message per run.
QString oneLine(const QString &text)
{
    QString line = text;
    line.replace(QLatin1String("\r\n"), QLatin1String(" ")).replace(u'\n', u' ').replace(u'\r', u' ');
    return line.trimmed();
}

QString recipientReplies(const QList<SmtpRecipientResult> &refused)
{
    QStringList parts;
    for (const SmtpRecipientResult &r : refused) {
        QString reply = QString::number(r.code);
        if (!r.enhanced.isEmpty()) {
            reply += u' ' + QString::fromUtf8(r.enhanced);
        }
        if (!r.text.isEmpty()) {
            reply += u' ' + QString::fromUtf8(r.text);
        }
        parts << QStringLiteral("<%1> %2").arg(QString::fromUtf8(r.address), reply);
    }
    return parts.join(QLatin1String("; "));
}
} // namespace

SendmailOutcome SendmailOutcome::fromResult(const SmtpSendResult &result)
{
    const QString server = result.server;
    if (result.ok) {
        if (result.refused.isEmpty()) {
            return { SendmailInvocation::Ok, QString() };
        }
        // The message is delivered (tcllib smtp::sendmessage's "at least one recipient"): a caller that retried on
        // a non-zero code would send it again to those who have it; the refused ones are named instead.
        return { SendmailInvocation::Ok,
            oneLine(QStringLiteral("delivered to %1 of %2 recipients by %3; refused: %4")
                        .arg(result.accepted.size())
                        .arg(result.accepted.size() + result.refused.size())
                        .arg(server, recipientReplies(result.refused))) };
    }

    const QString reply = oneLine(QString::fromUtf8(result.reply));
    if (result.code == 0) {
        // No reply decided: nothing answered at all is EX_UNAVAILABLE; a connection that broke or went silent once
        // the server had answered is a temporary failure (CONTRACT: 69 unreachable, 75 any temporary failure).
        if (result.stage == SmtpSendResult::Stage::Connect) {
            return { SendmailInvocation::Unavailable,
                oneLine(QStringLiteral("cannot reach %1: %2").arg(server, result.errorString)) };
        }
        return { SendmailInvocation::TemporaryFailure,
            oneLine(QStringLiteral("%1 at %2: %3").arg(server, stageName(result.stage), result.errorString)) };
    }

    if (result.stage == SmtpSendResult::Stage::RcptTo && result.accepted.isEmpty() && !result.refused.isEmpty()) {
        // CONTRACT: 67 when every recipient is refused with 5xx; one refused with 4xx makes it 75, as a later try
        // may reach that one.
        bool anyTemporary = false;
        for (const SmtpRecipientResult &r : result.refused) {
            anyTemporary = anyTemporary || r.code / 100 != 5;
        }
        if (anyTemporary) {
            return { SendmailInvocation::TemporaryFailure,
                oneLine(QStringLiteral("no recipient accepted by %1 for now: %2")
                            .arg(server, recipientReplies(result.refused))) };
        }
        return { SendmailInvocation::NoUser,
            oneLine(
                QStringLiteral("every recipient refused by %1: %2").arg(server, recipientReplies(result.refused))) };
    }

    // As for auto-relay (CONTRACT "Auto-relay (details)"), any failure but a 5xx reply is temporary.
    if (result.code / 100 != 5) {
        return { SendmailInvocation::TemporaryFailure,
            oneLine(
                QStringLiteral("temporary failure from %1 at %2: %3").arg(server, stageName(result.stage), reply)) };
    }
    switch (result.stage) {
    case SmtpSendResult::Stage::MailFrom:
        return { SendmailInvocation::NoPermission,
            oneLine(QStringLiteral("sender refused by %1: %2").arg(server, reply)) };
    case SmtpSendResult::Stage::Auth:
        // sysexits.h: EX_NOPERM, "insufficient permission", as for a refused sender.
        return { SendmailInvocation::NoPermission,
            oneLine(QStringLiteral("login refused by %1: %2").arg(server, reply)) };
    case SmtpSendResult::Stage::RcptTo:
        return { SendmailInvocation::NoUser,
            oneLine(QStringLiteral("every recipient refused by %1: %2").arg(server, reply)) };
    case SmtpSendResult::Stage::Data:
    case SmtpSendResult::Stage::Done:
        return { SendmailInvocation::DataError,
            oneLine(QStringLiteral("message refused by %1: %2").arg(server, reply)) };
    case SmtpSendResult::Stage::Connect:
    case SmtpSendResult::Stage::Greeting:
    case SmtpSendResult::Stage::Ehlo:
    case SmtpSendResult::Stage::StartTls:
        break;
    }
    // A server that refuses the session itself (a host rule's 550 greeting) takes no mail from us at all.
    return { SendmailInvocation::Unavailable,
        oneLine(QStringLiteral("%1 refused the session at %2: %3").arg(server, stageName(result.stage), reply)) };
}
