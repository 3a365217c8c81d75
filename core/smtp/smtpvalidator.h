#pragma once

#include "smtpverdict.h"

#include "../message/clientaddress.h"

struct SmtpEnvelope;

// The policy hooks the session consults, in the tcllib smtpd tradition: the client host at connect,
// the sender at MAIL and each recipient at RCPT; also AUTH and the end of the data. The default accepts everything.
// Implementations must be thread-safe: sessions on the network thread call them concurrently.
class SmtpValidator
{
public:
    virtual ~SmtpValidator() = default;
    virtual SmtpVerdict checkHost(const ClientAddress &client) const;
    virtual SmtpVerdict checkSender(const QByteArray &address, const SmtpEnvelope &envelope) const;
    virtual SmtpVerdict checkRecipient(const QByteArray &address, const SmtpEnvelope &envelope) const;
    // After the credentials of an AUTH exchange were accepted: a refusal answers instead of 235.
    virtual SmtpVerdict checkAuth(const QByteArray &user, const SmtpEnvelope &envelope) const;
    // At the end of the data (DATA's final dot or the last BDAT chunk): a refusal answers instead of storing.
    virtual SmtpVerdict checkData(const SmtpEnvelope &envelope, const QByteArray &data) const;
};
