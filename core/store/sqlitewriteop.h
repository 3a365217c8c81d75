#pragma once

#include <QString>

#include <functional>

// One write queued for SqliteWriter: what to apply inside a batch transaction and whom to tell when it is durable.
struct SqliteWriteOp
{
    // Runs on the writer thread inside the batch transaction. It may run again (alone) if the batch was rolled
    // back, so it must start from scratch each time.
    std::function<bool(QString *error)> apply;
    // Runs on the writer thread after the commit (ok: applied and committed durably).
    std::function<void(bool ok, const QString &error)> done;
    // Deliveries expected soon (IncomingMessage::otherSessions).
    int expectedSoon = 0;
    enum class Kind {
        Write, // must be durable when done() says ok
        Deletion, // durable; may give up the space reserve when the disk is full
        Index, // search index only: rebuilt from the sources if lost, so its commit need not wait for fsync
    };
    Kind kind = Kind::Write;
};
