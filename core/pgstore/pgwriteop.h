#pragma once

#include "pgchange.h"

#include <QList>
#include <QString>

#include <functional>

class PgConnection;

// One write queued for PgWriter: what to apply inside a group-commit transaction (in a savepoint of its own when it
// shares the transaction), the changes it tells the other instances, and whom to tell when it is committed.
struct PgWriteOp
{
    // Runs on the writer thread inside the transaction; appends the changes it made to *changes.
    std::function<bool(PgConnection &db, QList<PgChange> *changes, QString *error)> apply;
    // Runs on the writer thread after the COMMIT returned (ok), or once the write failed.
    std::function<void(bool ok, const QString &error)> done;
    // Deliveries expected soon (IncomingMessage::otherSessions).
    int expectedSoon = 0;
    // A delivery's mailbox, whose row it locks (empty for other writes): a batch delivering into several locks them
    // all first, in one order every instance follows.
    QString mailbox;
};
