#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>

// One line of an SMTP session as the GUI's session log and the stored transcript show it.
struct TranscriptEntry
{
    // Rule: a note for people watching a session live (which rule decided the command above); never stored.
    enum class Direction { In, Out, Rule };
    qint64 timeMs = 0; // UTC milliseconds since the epoch
    Direction direction = Direction::In;
    QByteArray text; // a command line (secrets masked) or a reply, lines joined with '\n'
};
using Transcript = QList<TranscriptEntry>;
Q_DECLARE_METATYPE(TranscriptEntry)
