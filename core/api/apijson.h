#pragma once

#include "../message/mailaddress.h"
#include "../message/messagesummary.h"
#include "../message/refusedsession.h"
#include "../message/transcriptentry.h"

#include <QJsonArray>
#include <QJsonObject>

struct ParsedMessage;
struct RelayAttempt;
struct StoredMessage;

// Mailpit API v1's JSON shapes (field names, types, empty arrays never null), and Letterbox's extensions in the
// same style. See README "REST API (Mailpit-compatible)".
namespace ApiJson {
// RFC 3339 with milliseconds, in UTC ("2026-01-02T03:04:05.123Z").
QString time(qint64 msSinceEpoch);
QJsonObject address(const MailAddress &address);
QJsonArray addresses(const MailAddressList &list);
// MessageSummary of Mailpit (From is the first From mailbox, an empty address when there is none).
QJsonObject summary(const MessageSummary &summary);
// MessagesSummary: total/unread are mailbox-wide, messages_count/messages_unread count the matches; tags: every tag
// in use (Mailpit's "tags").
QJsonObject summaries(const QList<MessageSummary> &page, qint64 start, qint64 total, qint64 unread, qint64 matches,
    qint64 unreadMatches, const QStringList &tags);
// A list of strings (tags) as a JSON array.
QJsonArray strings(const QStringList &list);
// Message: the full view of one message, with attachment checksums (needs the raw source for them).
QJsonObject message(const StoredMessage &stored, const ParsedMessage &parsed);
// Header name (Go canonical form, as Mailpit returns them) -> values in order.
QJsonObject headers(const ParsedMessage &parsed);
// Go's textproto.CanonicalMIMEHeaderKey: "message-id" -> "Message-Id"; names with invalid characters unchanged.
QString canonicalHeaderName(const QString &name);
QJsonObject envelope(const StoredMessage &stored);
// The SMTP session of a message (GET /api/v1/message/{ID}/session): {"Transcript": [{"Time": RFC 3339 UTC ms,
// "Direction": "in" or "out", "Text": …}, …]}.
QJsonObject transcript(const Transcript &transcript);
// A message's relay log (GET /api/v1/message/{ID}/relay): [{"Time": RFC 3339 UTC ms, "To": [...], "Ok": bool,
// "Reply": "250 …"}, …], oldest first.
QJsonArray relayLog(const QList<RelayAttempt> &attempts);
// A kept refused session (GET /api/v1/session/{ID}; docs/architecture.md "Refused sessions"): {"ID", "Created" and
// "Ended" (RFC 3339 UTC ms), "ClientAddress", "ClientPort", "Helo", "Refused": true, "Rule" (the first that refused),
// "Rules" (every refusal, in order), "Messages" (IDs of the messages it delivered, still stored), "Size" (of the
// refused message data, 0 when none), "Transcript" (as /api/v1/message/{ID}/session's)}.
QJsonObject refusedSession(const RefusedSession &session);
// GET /api/v1/sessions: {"total", "count", "start", "sessions": [...]}, as Mailpit's message list counts.
QJsonObject refusedSessions(const QList<RefusedSession> &page, qint64 start, qint64 total);
} // namespace ApiJson
