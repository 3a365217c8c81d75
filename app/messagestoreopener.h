#pragma once

#include <QString>

#include <memory>

class MessageStore;

// The message store --store names, opened for either mode: SQLite in the data directory (the default), or a
// PostgreSQL database, on which several instances are one catcher (CONTRACT "Team store").
class MessageStoreOpener
{
public:
    // The store, open, with its retention limit set; nullptr when it cannot be opened: *error says why (naming the
    // store) and *exitCode is 2 for a PostgreSQL database whose schema is newer than this binary (CONTRACT "Team
    // store": a newer Letterbox made it, and starting again will not mend it), else 1.
    static std::unique_ptr<MessageStore> open(
        const QString &store, const QString &dataDir, qint64 maxMessages, QString *error, int *exitCode);
};
