#include "smtpsequence.h"

#include <QByteArray>

#include <iterator>

namespace {
struct CommandRow
{
    SmtpCommand command;
    const char *verb;
    const char *syntax;
};

// clang-format off
constexpr CommandRow Commands[] = {
    { SmtpCommand::Helo,     "HELO",     "HELO hostname" },
    { SmtpCommand::Ehlo,     "EHLO",     "EHLO hostname" },
    { SmtpCommand::Mail,     "MAIL",     "MAIL FROM:<address>" },
    { SmtpCommand::Rcpt,     "RCPT",     "RCPT TO:<address>" },
    { SmtpCommand::Data,     "DATA",     "DATA" },
    { SmtpCommand::Bdat,     "BDAT",     "BDAT size [LAST]" },
    { SmtpCommand::Rset,     "RSET",     "RSET" },
    { SmtpCommand::Noop,     "NOOP",     "NOOP" },
    { SmtpCommand::Quit,     "QUIT",     "QUIT" },
    { SmtpCommand::Vrfy,     "VRFY",     "VRFY address" },
    { SmtpCommand::Help,     "HELP",     "HELP" },
    { SmtpCommand::Auth,     "AUTH",     "AUTH mechanism [initial-response]" },
    { SmtpCommand::StartTls, "STARTTLS", "STARTTLS" },
    { SmtpCommand::Expn,     "EXPN",     "EXPN list" },
    { SmtpCommand::Turn,     "TURN",     "TURN" },
    { SmtpCommand::Etrn,     "ETRN",     "ETRN node" },
};
// clang-format on

enum class Condition {
    HostAccepted,
    Greeted,
    Extended,
    Sender,
    NoSender,
    Recipients,
    NoBdat,
    NotAuthenticated,
    AuthenticatedIfRequired,
    AuthOffered,
    TlsOffered,
    NoTls,
    NoArgument,
    Argument,
};

constexpr unsigned bit(SmtpCommand command)
{
    return 1u << unsigned(command);
}

template<typename... Commands>
constexpr unsigned set(Commands... commands)
{
    return (bit(commands) | ...);
}

constexpr unsigned allBut(SmtpCommand command)
{
    return ~bit(command);
}

struct SequenceRow
{
    unsigned commands; // the commands this row applies to
    Condition condition;
    SmtpReplyId refusal;
};

using C = SmtpCommand;
using R = SmtpReplyId;

// Checked from top to bottom; a command's first unmet condition gives its reply. The order of a command's rows is
// the order of its checks (DATA: syntax before sequence; MAIL: sequence before the AUTH requirement).
// clang-format off
constexpr SequenceRow Rows[] = {
    // README "Testing failure handling": after a host rejection every command but QUIT gets 503 5.7.1.
    { allBut(C::Quit),                     Condition::HostAccepted,            R::AccessDenied },
    { set(C::Auth),                        Condition::AuthOffered,             R::AuthNotOffered },
    { set(C::StartTls),                    Condition::TlsOffered,              R::TlsNotAvailable },
    { set(C::Data, C::Rset, C::StartTls),  Condition::NoArgument,              R::Syntax },
    { set(C::Vrfy),                        Condition::Argument,                R::Syntax },
    // RFC 5321 §4.1.4: a session starts with EHLO or HELO.
    { set(C::Mail, C::Rcpt, C::Data, C::Bdat), Condition::Greeted,             R::NeedHelo },
    // RFC 4954 §4: AUTH is an ESMTP extension, once per session, never inside a transaction.
    { set(C::Auth),                        Condition::Extended,                R::NeedEhlo },
    { set(C::Auth),                        Condition::NotAuthenticated,        R::AlreadyAuthenticated },
    { set(C::Auth),                        Condition::NoSender,                R::AuthInTransaction },
    // RFC 5321 §4.1.4: no MAIL inside a transaction.
    { set(C::Mail),                        Condition::NoSender,                R::NestedMail },
    // RFC 4954 §6 (--auth FILE): 530 before MAIL without AUTH.
    { set(C::Mail),                        Condition::AuthenticatedIfRequired, R::AuthRequired },
    // RFC 5321 §3.3: RCPT after MAIL; DATA (and BDAT, RFC 3030 §2) after an accepted RCPT.
    { set(C::Rcpt, C::Data, C::Bdat),      Condition::Sender,                  R::NeedMail },
    { set(C::Data, C::Bdat),               Condition::Recipients,              R::NeedRecipient },
    // RFC 3030 §2: DATA may not follow BDAT in one transaction.
    { set(C::Data),                        Condition::NoBdat,                  R::DataAfterBdat },
    // RFC 3207 §4.2: STARTTLS once.
    { set(C::StartTls),                    Condition::NoTls,                   R::TlsActive },
};
// clang-format on

bool holds(Condition condition, const SmtpSequence::Facts &f)
{
    switch (condition) {
    case Condition::HostAccepted:
        return !f.hostRejected;
    case Condition::Greeted:
        return f.greeted;
    case Condition::Extended:
        return f.greeted && f.extended;
    case Condition::Sender:
        return f.sender;
    case Condition::NoSender:
        return !f.sender;
    case Condition::Recipients:
        return f.recipients;
    case Condition::NoBdat:
        return !f.bdat;
    case Condition::NotAuthenticated:
        return !f.authenticated;
    case Condition::AuthenticatedIfRequired:
        return f.authenticated || !f.authRequired;
    case Condition::AuthOffered:
        return f.authOffered;
    case Condition::TlsOffered:
        return f.tlsOffered;
    case Condition::NoTls:
        return !f.tls;
    case Condition::NoArgument:
        return !f.argument;
    case Condition::Argument:
        return f.argument;
    }
    return false;
}
} // namespace

SmtpCommand SmtpSequence::command(QByteArrayView verb)
{
    for (const CommandRow &row : Commands) {
        if (verb.compare(QByteArrayView(row.verb), Qt::CaseInsensitive) == 0) {
            return row.command;
        }
    }
    return SmtpCommand::Unknown;
}

QByteArray SmtpSequence::syntax(SmtpCommand command)
{
    for (const CommandRow &row : Commands) {
        if (row.command == command) {
            return row.syntax;
        }
    }
    return {};
}

std::optional<SmtpReplyId> SmtpSequence::refusal(SmtpCommand command, const Facts &facts)
{
    for (const SequenceRow &row : Rows) {
        if ((row.commands & bit(command)) != 0 && !holds(row.condition, facts)) {
            return row.refusal;
        }
    }
    return std::nullopt;
}
