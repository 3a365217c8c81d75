#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QMetaType>
#include <QString>

// What an SmtpClient sends: one envelope and one message.
struct SmtpOutgoing
{
    QByteArray mailFrom; // bare address, "" for the null sender <>
    QByteArrayList rcptTo; // bare addresses, each once
    QByteArray data; // the message, not dot-stuffed (the client stuffs it; bare LF/CR become CRLF)

    // tcllib smtp::sendmessage: originator from Resent-From/From (or Sender) and recipients from Resent-To/Cc/Bcc
    // or To/Cc/Bcc when not given; the Bcc (or Resent-Bcc) header is removed from data. Returns false + *error when
    // there is no recipient or no originator can be found.
    static bool fillFromHeaders(SmtpOutgoing *outgoing, QString *error);
};

Q_DECLARE_METATYPE(SmtpOutgoing)
