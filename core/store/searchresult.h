#pragma once

#include "../message/messagesummary.h"

#include <QList>

// Whether a search must cover every message stored before it began, or may answer at once from the messages
// indexed so far (the store indexes new messages between deliveries, within moments unless a flood is arriving).
enum class SearchCompleteness {
    // Indexes what is pending first, in slices between deliveries: the caller waits (API calls, worker threads).
    Complete,
    // Never waits for the writer (the GUI thread); SearchResult::unindexed says what the result may miss.
    IndexedOnly,
};

// One page of a search, with the counts over all matches.
struct SearchResult
{
    QList<MessageSummary> messages;
    qint64 matches = 0;
    qint64 unreadMatches = 0;
    // Messages stored but not yet indexed when an IndexedOnly search ran: it may miss them (and order them by
    // unparsed sort keys). 0 for a complete result.
    qint64 unindexed = 0;
};
