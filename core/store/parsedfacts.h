#pragma once

#include "../message/messagesummary.h"

#include <QByteArray>
#include <QStringList>

// What one parse of a stored source contributes to a message's summary and to the search index, for every store
// (SQLite's indexer and readers, PostgreSQL's): the header and MIME fields, and the indexed text.
struct ParsedFacts
{
    MessageSummary summary; // the header and MIME fields only
    QString body; // indexed text: the text body and attachment names

    // The summary needs only the start of the body (the snippet); the index reads up to MaxIndexedBody of it.
    static constexpr qsizetype SummaryBodyLimit = 16 * 1024;
    static constexpr qsizetype MaxIndexedBody = 256 * 1024;

    // data: the message as received (dataOf() the stored source); rcptTo: the envelope recipients (Bcc).
    static ParsedFacts parse(const QByteArray &data, const QStringList &rcptTo, qsizetype bodyLimit);
    // The summary's address lists as one JSON object ({"From": […], "To": …, "Cc", "Bcc", "ReplyTo"}), the form the
    // stores keep them in (messages.addresses).
    static QByteArray addressesJson(const MessageSummary &s);
    // Reads addressesJson()'s form back into s.
    static void readAddresses(MessageSummary &s, const QByteArray &json);
    // The data as received: the stored source without its trace header (a view, no copy).
    static QByteArray dataOf(const QByteArray &raw);
    // s with the parsed fields of parsed, keeping its envelope facts, flags, mailbox and tags.
    static void applyParsed(MessageSummary &s, const MessageSummary &parsed);
};
