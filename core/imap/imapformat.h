#pragma once

#include "imapmessageentry.h"

#include <QByteArray>
#include <QByteArrayView>

// How IMAP writes its values (RFC 3501 §4 and §9), in one place for the session and the FETCH renderer.
namespace ImapFormat {
// A string as a quoted string when it can be one (7-bit, no CR, LF or NUL, not too long), else as a literal
// ("{N}" CRLF and the bytes).
QByteArray string(QByteArrayView value);
// NIL for a null value, else string().
QByteArray nstring(QByteArrayView value, bool isNull);
// The FLAGS list of a message: (\Seen \Flagged \Deleted), those it has.
QByteArray flags(const ImapMessageEntry &entry, bool deleted);
// INTERNALDATE: "dd-Mon-yyyy hh:mm:ss +0000" in double quotes (date-time, RFC 3501 §9), UTC.
QByteArray internalDate(qint64 utcMs);
} // namespace ImapFormat
