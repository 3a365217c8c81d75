#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QList>
#include <QMetaType>
#include <QString>

// A recipient the server refused at RCPT TO, with its reply.
struct SmtpRecipientResult
{
    QByteArray address;
    int code = 0;
    QByteArray enhanced;
    QByteArray text;
};

// How one SmtpClient send ended (tcllib smtp::sendmessage's result: "at least one recipient", each refused
// recipient listed).
struct SmtpSendResult
{
    enum class Stage { Connect, Greeting, Ehlo, StartTls, Auth, MailFrom, RcptTo, Data, Done };

    bool ok = false; // the server accepted the message for at least one recipient (250 after DATA)
    Stage stage = Stage::Connect; // where it ended (Done when ok)
    QString server; // "host:port" of the server that was used last
    int code = 0; // the final reply's code (0: no reply — connection error/timeout)
    QByteArray reply; // the final reply as one line "250 2.0.0 Ok: queued" (multi-line joined by " ")
    QString errorString; // connection/TLS/timeout/protocol error in words; empty when a reply decided
    QByteArrayList accepted; // recipients the server accepted (RCPT 2xx)
    QList<SmtpRecipientResult> refused; // each refused recipient with its reply

    // !ok && (code is 4xx or code == 0): worth trying again later (CONTRACT "Auto-relay (details)").
    bool isTemporaryFailure() const;
    // One line for logs and API errors: the reply, or errorString.
    QString summary() const;
};

Q_DECLARE_METATYPE(SmtpSendResult)
