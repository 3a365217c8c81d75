#include "smtpvalidator.h"

SmtpVerdict SmtpValidator::checkHost(const ClientAddress &) const
{
    return SmtpVerdict::accept();
}

SmtpVerdict SmtpValidator::checkSender(const QByteArray &, const SmtpEnvelope &) const
{
    return SmtpVerdict::accept();
}

SmtpVerdict SmtpValidator::checkRecipient(const QByteArray &, const SmtpEnvelope &) const
{
    return SmtpVerdict::accept();
}

SmtpVerdict SmtpValidator::checkAuth(const QByteArray &, const SmtpEnvelope &) const
{
    return SmtpVerdict::accept();
}

SmtpVerdict SmtpValidator::checkData(const SmtpEnvelope &, const QByteArray &) const
{
    return SmtpVerdict::accept();
}
