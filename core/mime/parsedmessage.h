#pragma once

#include "../message/mailaddress.h"
#include "mimeheader.h"
#include "mimepart.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QStringList>

#include <optional>

// A message's MIME model, derived from its bytes by GMime 3 (the only place GMime is used: core/mime/*.cpp).
// Lenient: malformed input yields a best-effort model plus warnings, never a failure.
struct ParsedMessage
{
    QList<MimeHeader> headers; // in order of appearance
    MailAddressList from;
    MailAddressList sender;
    MailAddressList replyTo;
    MailAddressList to;
    MailAddressList cc;
    MailAddressList bcc; // the Bcc header; see addEnvelopeRecipients()
    QString subject;
    QDateTime date; // invalid when missing or unparsable
    QString messageId; // without angle brackets
    QStringList inReplyTo; // message ids, without angle brackets
    QStringList references;
    QString listUnsubscribe; // the header's value, unfolded
    QString listUnsubscribePost;
    QString text; // the text body in UTF-8 (from the HTML body when the message has no text part)
    QString html; // the HTML body in UTF-8
    QList<MimePart> parts; // the MIME tree in document order (depth-first)
    QString snippet; // up to 250 characters of the text, whitespace folded
    QStringList warnings; // what was malformed, for people reading the message

    // Every header value named name (case-insensitive), decoded, in order.
    QStringList headerValues(const QString &name) const;
    QList<MimePart> attachments() const;
    QList<MimePart> inlineParts() const;
    std::optional<MimePart> part(const QString &partId) const;

    // README "REST API": the envelope recipients that appear in neither To nor Cc become Bcc recipients.
    void addEnvelopeRecipients(const QStringList &rcptTo);

    // bodyLimit >= 0 keeps at most that many bytes of the text and HTML bodies (before charset conversion), for
    // callers that need a summary but not a large body; part sizes stay exact.
    static ParsedMessage parse(const QByteArray &raw, qsizetype bodyLimit = -1);
    // The decoded bytes of one leaf part (transfer encoding undone, charset left as is); nullopt when the
    // message has no such part or it is a multipart.
    static std::optional<QByteArray> partContent(const QByteArray &raw, const QString &partId);
    // Several parts' decoded bytes from one parse; parts that do not exist are left out.
    static QHash<QString, QByteArray> partContents(const QByteArray &raw, const QStringList &partIds);
};
