#include "smtpreplies.h"

#include "smtpverdict.h"

#include <iterator>

namespace {
struct Row
{
    SmtpReplyId id;
    int code;
    const char *enhanced; // RFC 3463; sent only after EHLO (RFC 2034)
    const char *text;
};

// clang-format off
constexpr Row Rows[] = {
    // RFC 5321 §4.2, §4.3.2 for the codes; README "What the SMTP server does" for the texts the tests name.
    { SmtpReplyId::Greeting,                      220, "",      "%h ESMTP Letterbox" },
    // RFC 5321 §3.1: a client waits for the greeting (Postfix postscreen's pregreet test).
    { SmtpReplyId::EarlyTalker,                   554, "",      "%h Error: client sent data before the greeting" },
    // RFC 5321 §3.1: 554 instead of 220.
    { SmtpReplyId::HostRefusedAtGreeting,         554, "",      "%h %1" },
    { SmtpReplyId::HostDropped,                   421, "",      "%h %1" },
    // RFC 5321 §4.5.3.1.4, §4.5.3.1.6.
    { SmtpReplyId::LineTooLong,                   500, "5.5.2", "Error: line too long" },
    // Postfix smtpd_forbidden_commands.
    { SmtpReplyId::HttpRequest,                   554, "5.5.1",
        "Error: HTTP request on the SMTP port, closing connection" },
    // README "Testing failure handling": a rejected host's commands.
    { SmtpReplyId::AccessDenied,                  503, "5.7.1", "Error: access denied" },
    { SmtpReplyId::Bye,                           221, "2.0.0", "Bye" },
    { SmtpReplyId::Ok,                            250, "2.0.0", "Ok" },
    { SmtpReplyId::Syntax,                        501, "5.5.4", "Syntax: %1" },
    // RFC 5321 §3.5.3.
    { SmtpReplyId::CannotVerify,                  252, "2.5.0",
        "Cannot VRFY user, but will accept message and attempt delivery" },
    { SmtpReplyId::Help,                          214, "2.0.0",
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP AUTH STARTTLS" },
    { SmtpReplyId::NotImplemented,                502, "5.5.1", "Error: command not supported" },
    { SmtpReplyId::NotRecognized,                 500, "5.5.2", "Error: command not recognized" },
    { SmtpReplyId::Helo,                          250, "",      "%h" },
    // RFC 5321 §4.1.1.1: the first line of the EHLO reply; the extension keywords follow it.
    { SmtpReplyId::Ehlo,                          250, "",      "%h Hello %1" },
    { SmtpReplyId::NeedHelo,                      503, "5.5.1", "Error: send HELO/EHLO first" },
    { SmtpReplyId::NestedMail,                    503, "5.5.1", "Error: nested MAIL command" },
    // RFC 4954 §6.
    { SmtpReplyId::AuthRequired,                  530, "5.7.0", "Authentication required" },
    { SmtpReplyId::BadSender,                     501, "5.1.7", "Bad sender address syntax" },
    // RFC 5321 §4.1.1.11.
    { SmtpReplyId::ParametersNeedEhlo,            555, "5.5.4", "MAIL parameters need EHLO" },
    { SmtpReplyId::BadSize,                       501, "5.5.4", "Bad SIZE parameter" },
    // RFC 1870 §6.1.
    { SmtpReplyId::TooBig,                        552, "5.3.4", "Message size exceeds fixed maximum message size" },
    { SmtpReplyId::BadBody,                       501, "5.5.4", "Unsupported BODY parameter" },
    { SmtpReplyId::UnsupportedParameter,          555, "5.5.4", "Unsupported parameter %1" },
    // RFC 6531 §3.5.
    { SmtpReplyId::NeedSmtpUtf8,                  553, "5.6.7", "Non-ASCII address requires SMTPUTF8" },
    { SmtpReplyId::SenderOk,                      250, "2.1.0", "Ok" },
    { SmtpReplyId::NeedMail,                      503, "5.5.1", "Error: need MAIL command" },
    { SmtpReplyId::BadRecipient,                  501, "5.1.3", "Bad recipient address syntax" },
    { SmtpReplyId::UnsupportedRecipientParameter, 555, "5.5.4", "Unsupported RCPT parameter" },
    // RFC 5321 §4.5.3.1.10.
    { SmtpReplyId::TooManyRecipients,             452, "4.5.3", "Error: too many recipients" },
    { SmtpReplyId::RecipientOk,                   250, "2.1.5", "Ok" },
    { SmtpReplyId::NeedRecipient,                 503, "5.5.1", "Error: need RCPT command" },
    // RFC 3030 §2.
    { SmtpReplyId::DataAfterBdat,                 503, "5.5.1", "Error: DATA after BDAT" },
    { SmtpReplyId::StartData,                     354, "",      "End data with <CR><LF>.<CR><LF>" },
    { SmtpReplyId::ChunkReceived,                 250, "2.0.0", "%1 octets received" },
    { SmtpReplyId::AuthNotOffered,                502, "5.5.1", "Error: authentication not enabled" },
    { SmtpReplyId::NeedEhlo,                      503, "5.5.1", "Error: send EHLO first" },
    { SmtpReplyId::AlreadyAuthenticated,          503, "5.5.1", "Error: already authenticated" },
    // RFC 4954 §4.
    { SmtpReplyId::AuthInTransaction,             503, "5.5.1", "Error: AUTH not permitted during a mail transaction" },
    { SmtpReplyId::UnknownMechanism,              504, "5.5.4", "Error: unsupported authentication mechanism" },
    { SmtpReplyId::CramMd5InitialResponse,        501, "5.5.2", "Error: CRAM-MD5 takes no initial response" },
    { SmtpReplyId::AuthChallenge,                 334, "",      "%1" },
    { SmtpReplyId::AuthCancelled,                 501, "5.7.0", "Authentication cancelled" },
    { SmtpReplyId::BadBase64,                     501, "5.5.2", "Error: invalid base64 data" },
    { SmtpReplyId::BadPlainResponse,              501, "5.5.2", "Error: malformed PLAIN response" },
    { SmtpReplyId::BadCramMd5Response,            501, "5.5.2", "Error: malformed CRAM-MD5 response" },
    { SmtpReplyId::AuthFailed,                    535, "5.7.8", "Error: authentication credentials invalid" },
    { SmtpReplyId::AuthSucceeded,                 235, "2.7.0", "Authentication successful" },
    // RFC 3207 §4.
    { SmtpReplyId::TlsNotAvailable,               454, "4.7.0", "TLS not available" },
    { SmtpReplyId::TlsActive,                     503, "5.5.1", "Error: TLS already active" },
    { SmtpReplyId::ReadyForTls,                   220, "2.0.0", "Ready to start TLS" },
    // README "What the SMTP server does": 250 only once the message is on disk, 451 when it could not be stored.
    { SmtpReplyId::Queued,                        250, "2.0.0", "Ok: queued as %1" },
    { SmtpReplyId::NotStored,                     451, "4.3.0", "Error: message could not be stored, try again later" },
    // RFC 5321 §4.5.3.2, §3.8: 421 and the close.
    { SmtpReplyId::Timeout,                       421, "4.4.2", "%h Error: timeout exceeded" },
    { SmtpReplyId::ShuttingDown,                  421, "4.3.2", "%h Service shutting down" },
    { SmtpReplyId::TooManyConnections,            421, "",      "%h Too many connections, try again later" },
    { SmtpReplyId::OutOfDescriptors,              421, "",      "%h Too many open files, try again later" },
};
// clang-format on

constexpr bool rowsInOrder()
{
    for (std::size_t i = 0; i < std::size(Rows); ++i) {
        if (std::size_t(Rows[i].id) != i) {
            return false;
        }
    }
    return true;
}
static_assert(rowsInOrder(), "Rows lists every SmtpReplyId once, in the order of the enum");

// One pass, so that an argument that contains "%h" stays as it is.
QByteArray complete(const char *text, QByteArrayView hostname, QByteArrayView argument)
{
    const QByteArrayView pattern(text);
    QByteArray out;
    out.reserve(pattern.size() + hostname.size() + argument.size());
    qsizetype from = 0;
    for (qsizetype at = pattern.indexOf('%'); at >= 0 && at + 1 < pattern.size(); at = pattern.indexOf('%', from)) {
        const char which = pattern[at + 1];
        if (which != 'h' && which != '1') {
            out += pattern.sliced(from, at + 1 - from);
            from = at + 1;
            continue;
        }
        out += pattern.sliced(from, at - from);
        out += which == 'h' ? hostname : argument;
        from = at + 2;
    }
    out += pattern.sliced(from);
    return out;
}
} // namespace

SmtpReply SmtpReplies::reply(SmtpReplyId id, QByteArrayView hostname, QByteArrayView argument)
{
    const Row &row = Rows[std::size_t(id)];
    return SmtpReply { row.code, QByteArray(row.enhanced), { complete(row.text, hostname, argument) } };
}

SmtpReply SmtpReplies::refusal(const SmtpVerdict &verdict)
{
    return SmtpReply { verdict.code, verdict.enhanced, { verdict.text.isEmpty() ? "Rejected" : verdict.text } };
}

SmtpReply SmtpReplies::hostRefusal(const SmtpVerdict &verdict, QByteArrayView hostname)
{
    const QByteArray text = verdict.text.isEmpty() ? QByteArray("Access denied") : verdict.text;
    switch (verdict.hostReply) {
    case SmtpVerdict::HostReply::Commands:
        // README "Testing failure handling", hostReply "commands": the rule's reply instead of the greeting.
        return SmtpReply { verdict.code, {}, { text } };
    case SmtpVerdict::HostReply::Greeting:
        return reply(SmtpReplyId::HostRefusedAtGreeting, hostname, text);
    case SmtpVerdict::HostReply::Drop:
        return reply(SmtpReplyId::HostDropped, hostname, text);
    }
    return SmtpReply { verdict.code, {}, { text } };
}
