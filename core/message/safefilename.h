#pragma once

#include <QString>

// File names that came with a message (an attachment's name, a subject) made safe to write: no directories, no
// control characters, nothing a file system or shell treats specially, no hidden or device names, bounded length.
class SafeFileName
{
public:
    // fallback is used when nothing is left of name (it should itself be safe).
    static QString sanitized(const QString &name, const QString &fallback = QStringLiteral("attachment"));
};
