#pragma once

#include "messagesort.h"
#include "searchresult.h"

#include <QString>
#include <QTimeZone>

#include <optional>

// One page of the messages matching a query (Mailpit's search syntax; empty for all) in an order: what an
// asynchronous list() asks for.
struct ListRequest
{
    QString query;
    MessageSort sort;
    qint64 start = 0;
    qint64 limit = 0;
    QTimeZone zone = QTimeZone::utc();
    SearchCompleteness completeness = SearchCompleteness::Complete;
    // Only this mailbox's messages (CONTRACT "Mailboxes", case-insensitive); empty: every mailbox's.
    QString mailbox;
};

// Its answer: the page, or why the query could not run.
struct ListReply
{
    std::optional<SearchResult> result;
    QString error;
};
