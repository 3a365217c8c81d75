#pragma once

#include <QByteArray>

// API IDs: 22 characters of [0-9A-Za-z], opaque to clients like Mailpit's. The first 8 encode the
// creation time in milliseconds and the other 14 are random (about 83 bits), so IDs sort by time and
// the store's ID index grows at its end instead of touching a random page per message.
class MessageId
{
public:
    static QByteArray generate(qint64 timeMs);
};
