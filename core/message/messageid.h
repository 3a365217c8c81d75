#pragma once

#include <QByteArray>

// API IDs: 22 random characters of [0-9A-Za-z] (about 131 bits), opaque like Mailpit's.
class MessageId
{
public:
    static QByteArray generate();
};
