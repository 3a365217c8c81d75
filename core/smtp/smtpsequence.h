#pragma once

#include "smtpreplies.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

// The commands the server knows (RFC 5321 §4.1, RFC 3030, RFC 4954, RFC 3207).
enum class SmtpCommand {
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Help,
    Auth,
    StartTls,
    Expn,
    Turn,
    Etrn,
    Unknown,
};

// Which command may come when, in one table (h11's _state.py): for each command, the conditions the session must
// meet, in order, each with the reply that refuses it. The session asks before it runs a command; the command's own
// code then deals only with its argument.
class SmtpSequence
{
public:
    // What the session is when a command arrives.
    struct Facts
    {
        bool hostRejected = false; // the host hook refused the client at connect
        bool greeted = false; // HELO or EHLO accepted
        bool extended = false; // ... and it was EHLO
        bool sender = false; // MAIL accepted: a transaction is open
        bool recipients = false; // at least one RCPT accepted
        bool bdat = false; // BDAT chunks were taken in this transaction
        bool authenticated = false;
        bool authOffered = false; // --auth is not off
        bool authRequired = false; // --auth FILE
        bool tls = false;
        bool tlsOffered = false;
        bool argument = false; // the command line has more than blanks after the verb
    };

    // The command a verb names (case-insensitive); Unknown for anything else.
    static SmtpCommand command(QByteArrayView verb);
    // The usage a 501 "Syntax:" reply shows for command ("MAIL FROM:<address>").
    static QByteArray syntax(SmtpCommand command);
    // The reply that refuses command now, or nothing when the sequence allows it.
    static std::optional<SmtpReplyId> refusal(SmtpCommand command, const Facts &facts);
};
