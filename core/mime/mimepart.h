#pragma once

#include <QString>

// One node of a message's MIME tree. Part ids follow IMAP's section numbers, as Mailpit's PartID does:
// the children of the top-level multipart are "1", "2", …; their children "2.1", "2.2", …; a message
// that is not multipart has one part, "1". An attached message (message/rfc822) is a leaf.
struct MimePart
{
    enum class Role {
        Container, // a multipart: holds other parts
        TextBody, // the text/plain body shown to the reader
        HtmlBody, // the text/html body shown to the reader
        Attachment,
        Inline, // shown within the body: a cid: image of multipart/related, or disposition inline with a name
        Other, // an alternative body the reader does not see (a second text part, text/calendar, …)
    };

    QString partId;
    QString contentType; // "type/subtype", lower case
    QString charset; // as declared, lower case; empty when none
    QString transferEncoding; // "base64", "quoted-printable", "7bit", … lower case; empty when none
    QString disposition; // "attachment", "inline", or empty
    QString fileName; // decoded (RFC 2231 or RFC 2047), from Content-Disposition's filename or Content-Type's name
    QString contentId; // without angle brackets
    qint64 size = 0; // decoded bytes (0 for containers)
    int depth = 0; // 0 for the root
    Role role = Role::Other;
};
