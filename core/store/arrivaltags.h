#pragma once

#include <QStringList>

struct IncomingMessage;

// The tags a message gets on arrival (Mailpit's, MessageTags::fromArrival()), for every store: from its X-Tags
// header and the plus-parts of the addresses CONTRACT "Settled details" names (the envelope recipients and the To
// and Cc addresses). Found before the message reaches the store's writer, which every delivery waits for.
class ArrivalTags
{
public:
    static QStringList of(const IncomingMessage &message);
};
