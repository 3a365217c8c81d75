#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

struct IncomingMessage;
class MessageStore;

// Brings messages from files into the store: a single message (.eml) or an mbox mailbox. Imported messages did
// not arrive over SMTP: they are stored exactly as in the file (no Received: header), with an envelope made from
// their headers (MAIL FROM: Return-Path, else From; RCPT TO: To, Cc and Bcc), no client and an empty transcript.
class MessageImporter
{
public:
    // An mbox (the file starts with a "From " line) split into its messages, ">From " quoting undone (mboxrd);
    // anything else is one message.
    static QList<QByteArray> splitMailbox(const QByteArray &bytes);
    // The delivery of one imported message, received at timeMs.
    static IncomingMessage incoming(const QByteArray &message, qint64 timeMs);
    // Reads fileName and delivers every message in it; blocks until all are committed. Returns how many were
    // stored, or -1 with *error set when the file cannot be read or the store refused a message.
    static int importFile(MessageStore *store, const QString &fileName, QString *error);
};
