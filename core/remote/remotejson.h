#pragma once

#include <message/messagesummary.h>
#include <message/transcriptentry.h>
#include <store/mailboxcount.h>
#include <store/searchresult.h>
#include <store/storedmessage.h>
#include <store/tagcount.h>

#include <QJsonObject>

// Mailpit's JSON (docs: Mailpit's swagger, CONTRACT "Extensions' JSON") back into the store's values: the wire
// format stays at the boundary, the window sees the same values as from a local store. Keys a server does not send
// (Mailpit has no Mailbox or Pinned) leave the defaults.
namespace RemoteJson {
// RFC 3339 with fractional seconds → UTC milliseconds; 0 when unparsable.
qint64 timeMs(const QJsonValue &value);
MessageSummary summary(const QJsonObject &object);
// A MessagesSummary page (GET /api/v1/messages or /api/v1/search): the page, with counts over the matches.
// *total and *unread get the catcher-wide counts.
SearchResult page(const QJsonObject &object, qint64 *total = nullptr, qint64 *unread = nullptr);
// GET …/envelope into the message's envelope fields.
void applyEnvelope(const QJsonObject &object, StoredMessage *message);
// GET …/session's Transcript.
Transcript transcript(const QJsonObject &object);
// GET /api/v1/mailboxes.
QList<MailboxCount> mailboxes(const QJsonArray &array);
// GET /api/v1/info's Tags: {"name": count}.
QList<TagCount> tagCounts(const QJsonObject &tags);
// The JSON of a body (compact).
QByteArray body(const QJsonObject &object);
} // namespace RemoteJson
