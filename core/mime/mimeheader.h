#pragma once

#include <QByteArray>
#include <QString>

// One header field as it appears in the message: its name, its raw value (folding kept, bytes as sent)
// and its value decoded to Unicode (RFC 2047 encoded-words, RFC 6532 UTF-8, unfolded).
struct MimeHeader
{
    QString name;
    QByteArray rawValue;
    QString value;
};
