#pragma once

#include "smtpreply.h"

#include <QByteArrayView>

struct SmtpVerdict;

// Every reply the SMTP server composes itself, named; the texts live in one table (smtpreplies.cpp).
enum class SmtpReplyId {
    Greeting,
    EarlyTalker,
    HostRefusedAtGreeting,
    HostDropped,
    LineTooLong,
    HttpRequest,
    AccessDenied,
    Bye,
    Ok,
    Syntax,
    CannotVerify,
    Help,
    NotImplemented,
    NotRecognized,
    Helo,
    Ehlo,
    NeedHelo,
    NestedMail,
    AuthRequired,
    BadSender,
    ParametersNeedEhlo,
    BadSize,
    TooBig,
    BadBody,
    UnsupportedParameter,
    NeedSmtpUtf8,
    SenderOk,
    NeedMail,
    BadRecipient,
    UnsupportedRecipientParameter,
    TooManyRecipients,
    RecipientOk,
    NeedRecipient,
    DataAfterBdat,
    StartData,
    ChunkReceived,
    AuthNotOffered,
    NeedEhlo,
    AlreadyAuthenticated,
    AuthInTransaction,
    UnknownMechanism,
    CramMd5InitialResponse,
    AuthChallenge,
    AuthCancelled,
    BadBase64,
    BadPlainResponse,
    BadCramMd5Response,
    AuthFailed,
    AuthSucceeded,
    TlsNotAvailable,
    TlsActive,
    ReadyForTls,
    Queued,
    NotStored,
    Timeout,
    ShuttingDown,
    TooManyConnections,
    OutOfDescriptors,
};

class SmtpReplies
{
public:
    // The reply id names, its text completed: "%h" is the server's host name, "%1" the argument.
    static SmtpReply reply(SmtpReplyId id, QByteArrayView hostname = {}, QByteArrayView argument = {});
    // A validation hook's refusal: its code, enhanced code and text ("Rejected" when it gave none).
    static SmtpReply refusal(const SmtpVerdict &verdict);
    // A refused host's reply instead of the greeting, as its verdict's hostReply says.
    static SmtpReply hostRefusal(const SmtpVerdict &verdict, QByteArrayView hostname);
};
