#pragma once

#include "../message/mailaddress.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

// A new message from its parts: what POST /api/v1/send (Mailpit's JSON) and the composer window describe, made into
// RFC 5322 bytes by GMime. A value: fill it in, then build().
//
// The tree: the text and HTML bodies as multipart/alternative (RFC 2046 §5.1.4, plainest first) when both are given;
// parts with a Content-ID in a multipart/related with the HTML body they belong to (RFC 2387); attachments after the
// body in a multipart/mixed. Names, the subject and header values that are not ASCII become RFC 2047 encoded words,
// file names RFC 2231 parameters; bodies are quoted-printable when they are not plain ASCII, attachments base64.
// Lines end in CRLF, as a message on the wire does (RFC 5322 §2.1).
struct MessageBuilder
{
    struct Attachment
    {
        QString fileName; // may be empty
        QString contentType; // "type/subtype"; empty: guessed from the name and the bytes
        QString contentId; // without angle brackets; non-empty makes it an inline part of the HTML body
        QByteArray content; // the decoded bytes
    };

    MailAddress from;
    MailAddressList to;
    MailAddressList cc;
    MailAddressList bcc; // envelope only: never written as a header (RFC 5322 §3.6.3 allows either)
    MailAddressList replyTo;
    QString subject;
    QString text;
    QString html;
    QList<std::pair<QString, QString>> headers; // extra header fields, in this order
    QStringList tags; // written as Mailpit's X-Tags header, comma-separated
    QList<Attachment> attachments;

    // The message's bytes, dated date, with Message-ID <messageId>; nullopt and *error when something given cannot
    // be written: an address that is not an addr-spec, no recipient at all, a header name that is not RFC 5322's
    // field-name or names a header the builder writes itself, a content type that is not type/subtype.
    std::optional<QByteArray> build(const QDateTime &date, const QByteArray &messageId, QString *error) const;
    // The envelope's recipients: To, Cc and Bcc addresses, each once, in that order.
    QByteArrayList envelopeRecipients() const;
    // The header fields build() writes itself, which headers may not name (compared case-insensitively; as
    // Mailpit's send API refuses them).
    static QStringList reservedHeaders();
    // RFC 5322 §2.1: lines end in CRLF. GMime writes LF or, asked for DOS line ends, may already have CRLF: every LF
    // without its CR gets one (for 7-bit bodies, quoted-printable or base64, no CR or LF inside a body is touched).
    static QByteArray withCrlf(const QByteArray &bytes);
    // An RFC 5321 §4.1.2 Mailbox as a sender would type it: local-part "@" domain, printable ASCII or UTF-8 (RFC
    // 6531), no spaces, angle brackets, commas or quotes outside a quoted local part.
    static bool isAddress(const QString &address);
    // An address list as a person types it (RFC 5322 §3.4: "Name <a@b>, c@d", groups flattened); nullopt and *invalid
    // (the entry as typed) when an entry is not an address.
    static std::optional<MailAddressList> parseAddresses(const QString &text, QString *invalid);
};
