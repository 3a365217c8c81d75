#pragma once

#include "../message/messagesummary.h"

#include <QList>

// One page of a search, with the counts over all matches.
struct SearchResult
{
    QList<MessageSummary> messages;
    qint64 matches = 0;
    qint64 unreadMatches = 0;
};
