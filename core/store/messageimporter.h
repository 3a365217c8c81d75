#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

struct IncomingMessage;
class MessageStore;

// Brings messages from files into the store: a single message (.eml) or an mbox mailbox. Imported messages did
// not arrive over SMTP: they are stored exactly as in the file (no Received: header), with an envelope made from
// their headers (MAIL FROM: Return-Path, else From; RCPT TO: To, Cc and Bcc), no client, and a transcript of one
// entry saying that they were imported, and from which file.
class MessageImporter
{
public:
    // One message of a mailbox file and the "From " line before it (without its line end; empty for a file that is
    // not an mbox).
    struct MailboxMessage
    {
        QByteArray fromLine;
        QByteArray message;
    };

    // An mbox (the file starts with a "From " line) split into its messages, ">From " quoting undone (mboxrd);
    // anything else is one message.
    static QList<QByteArray> splitMailbox(const QByteArray &bytes);
    // As splitMailbox(), with each message's "From " line.
    static QList<MailboxMessage> readMailbox(const QByteArray &bytes);
    // The delivery of one imported message, received at timeMs. Its transcript is "[imported from FILE]" (the file
    // name without its directory), or "[imported]" when fileName is empty, at the time of the call.
    static IncomingMessage incoming(const QByteArray &message, qint64 timeMs, const QString &fileName = QString());
    // When an imported message counts as received: its Date header (as Mailpit dates imported messages, so that the
    // list and the message's date agree), else the date of its mbox "From " line (RFC 4155: asctime in UTC), else
    // importMs.
    static qint64 receivedTime(const QByteArray &message, const QByteArray &fromLine, qint64 importMs);
    // Reads fileName and delivers every message in it (received at receivedTime()); blocks until all are committed.
    // Returns how many were stored, or -1 with *error set when the file cannot be read or the store refused a
    // message.
    static int importFile(MessageStore *store, const QString &fileName, QString *error);
};
