#include "smtpsendresult.h"

bool SmtpSendResult::isTemporaryFailure() const
{
    // RFC 5321 §4.2.1: 4yz is a transient failure; no reply at all (the server unreachable, a timeout) is treated
    // the same, so that auto-relay retries it (CONTRACT "Auto-relay (details)").
    return !ok && (code == 0 || (code >= 400 && code < 500));
}

QString SmtpSendResult::summary() const
{
    if (!reply.isEmpty()) {
        return QString::fromUtf8(reply);
    }
    return errorString;
}
