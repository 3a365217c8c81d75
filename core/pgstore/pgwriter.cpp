#include "pgwriter.h"

#include "../message/mailboxname.h"
#include "../message/messagetags.h"
#include "../store/parsedfacts.h"
#include "pgindexer.h"
#include "pgparameter.h"
#include "pgrefusedsessions.h"
#include "pgrows.h"

#include <QLoggingCategory>
#include <QSet>

#include <algorithm>
#include <future>
#include <limits>

Q_DECLARE_LOGGING_CATEGORY(lcPgStore)

namespace {
// How long a group commit may wait for messages that other sessions are about to hand over (as SQLite's writer).
constexpr auto CommitDelay = std::chrono::microseconds(300);
// Parsing and indexing start once no write has arrived for this long.
constexpr auto IndexQuietPeriod = std::chrono::milliseconds(250);
// After an indexing slice found nothing it could take (another instance holds the rows) or failed.
constexpr auto IndexRetryInterval = std::chrono::milliseconds(500);
// Sessions whose newest chunk the writer remembers; past this, a session's next message starts a new chain (its
// transcript then shows the session from that message on).
constexpr qsizetype MaxSessions = 100000;

QString describe(MessageStore::Write what, qint64 messages)
{
    const QString n = messages == 1 ? QStringLiteral("1 message") : QStringLiteral("%1 messages").arg(messages);
    switch (what) {
    case MessageStore::Write::Delivery:
        return QStringLiteral("store %1").arg(n);
    case MessageStore::Write::Removal:
        return QStringLiteral("delete %1").arg(n);
    case MessageStore::Write::RemovalOfAll:
        return QStringLiteral("delete every message");
    case MessageStore::Write::MarkRead:
        return QStringLiteral("mark %1 read").arg(n);
    case MessageStore::Write::MarkUnread:
        return QStringLiteral("mark %1 unread").arg(n);
    case MessageStore::Write::Tagging:
        return QStringLiteral("change the tags of %1").arg(n);
    case MessageStore::Write::Pin:
        return QStringLiteral("pin %1").arg(n);
    case MessageStore::Write::Unpin:
        return QStringLiteral("unpin %1").arg(n);
    }
    return QString();
}

// ids in their given order, those in set only.
QStringList inOrder(const QStringList &ids, const QSet<QString> &set)
{
    QStringList out;
    for (const QString &id : ids) {
        if (set.contains(id)) {
            out << id;
        }
    }
    return out;
}

QSet<QString> column(const PgResult &r, int c)
{
    QSet<QString> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.insert(r.text(i, c));
    }
    return out;
}
} // namespace

PgChange PgWriter::change(PgChange::Kind kind, const QStringList &ids, bool flag, qint64 count) const
{
    PgChange c;
    c.origin = origin;
    c.kind = kind;
    c.ids = ids;
    c.flag = flag;
    c.count = count;
    return c;
}

bool PgWriter::refreshState(PgConnection &connection)
{
    const PgResult r = connection.exec("SELECT (SELECT coalesce(sum(total), 0) FROM mailboxes), "
                                       "(SELECT coalesce(sum(unread), 0) FROM mailboxes), "
                                       "(SELECT count(*) FROM messages WHERE NOT indexed), "
                                       "(SELECT coalesce(max(id), 0) FROM messages)");
    const bool ok = r.isOk() && r.rows() == 1;
    bool caughtUp = false;
    {
        std::lock_guard lock(stateMutex);
        const qint64 unindexedBefore = publishedUnindexed.load();
        if (ok) {
            publishedCount = r.int64(0, 0);
            publishedUnread = r.int64(0, 1);
            publishedUnindexed = r.int64(0, 2);
            publishedLastId = r.int64(0, 3);
        }
        publishedGeneration.fetch_add(1);
        caughtUp = ok && unindexedBefore > 0 && publishedUnindexed.load() == 0;
    }
    if (caughtUp) {
        Q_EMIT q->indexingCaughtUp();
    }
    return ok;
}

void PgWriter::start()
{
    {
        std::lock_guard lock(queueMutex);
        stopping = false;
        running = true;
    }
    thread = std::thread([this] { writerLoop(); });
}

void PgWriter::stop()
{
    {
        std::lock_guard lock(queueMutex);
        if (!running) {
            return;
        }
        stopping = true;
        queueCondition.notify_one();
    }
    thread.join();
    {
        std::lock_guard lock(queueMutex);
        running = false;
    }
    db.close();
}

bool PgWriter::prepareConnection(QString *error)
{
    // CONTRACT "Team store": a 250 means the transaction committed, whatever the server's default says.
    const PgResult synchronous = db.exec("SET synchronous_commit = on");
    if (!synchronous.isOk()) {
        *error = synchronous.errorString();
        return false;
    }
    // Held until the connection ends (the server releases it also when this process is killed): while it is held,
    // the queue rows marked with the key are this instance's (migration 0005).
    const PgResult owner = db.exec("SELECT pg_advisory_lock($1)", { PgParameter::int64(ownerKey) });
    if (!owner.isOk()) {
        *error = owner.errorString();
        return false;
    }
    return true;
}

bool PgWriter::ensureConnected(QString *error)
{
    if (db.isOpen()) {
        return true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < nextReconnect) {
        *error = QStringLiteral("%1: the database is unreachable: %2").arg(location, db.errorString());
        return false;
    }
    QString prepareError;
    if (!db.open(url) || !prepareConnection(&prepareError)) {
        db.close();
        nextReconnect = now + reconnectDelay;
        reconnectDelay
            = std::min(reconnectDelay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(MaxReconnectDelay));
        *error = QStringLiteral("%1: the database is unreachable: %2").arg(location, db.errorString());
        return false;
    }
    reconnectDelay = MinReconnectDelay;
    // Rows made before the connection went may be gone with a rolled-back transaction.
    mailboxRows.clear();
    qCInfo(lcPgStore).noquote() << "connected to" << location << "again";
    refreshState(db);
    return true;
}

void PgWriter::writerLoop()
{
    for (;;) {
        std::deque<PgWriteOp> batch;
        {
            std::unique_lock lock(queueMutex);
            const auto woken = [this] {
                return stopping || !queue.empty();
            };
            if (queue.empty() && !stopping) {
                // Nothing to write. Once deliveries have paused, index what arrived (off the SMTP reply path); while
                // the server is away, try to connect again now and then, so that the next delivery finds it.
                const auto now = std::chrono::steady_clock::now();
                auto wake = std::chrono::steady_clock::time_point::max();
                if (!db.isOpen()) {
                    if (now >= nextReconnect) {
                        lock.unlock();
                        QString error;
                        ensureConnected(&error);
                        continue;
                    }
                    wake = nextReconnect;
                } else if (publishedUnindexed.load() > 0) {
                    const auto indexFrom = std::max(lastArrival + IndexQuietPeriod, indexingRetry);
                    if (now >= indexFrom) {
                        lock.unlock();
                        if (!indexWhileIdle()) {
                            indexingRetry = std::chrono::steady_clock::now() + IndexRetryInterval;
                        }
                        continue;
                    }
                    wake = indexFrom;
                }
                if (wake == std::chrono::steady_clock::time_point::max()) {
                    queueCondition.wait(lock, woken);
                } else {
                    queueCondition.wait_until(lock, wake, woken);
                }
                continue;
            }
            if (queue.empty()) {
                break; // stopping, and everything queued is written
            }
            batch.swap(queue);
            // Group commit: if sessions are about to hand over more messages, give them a moment to join.
            int expected = 0;
            for (const PgWriteOp &op : batch) {
                expected = std::max(expected, op.expectedSoon);
            }
            const auto deadline = std::chrono::steady_clock::now() + CommitDelay;
            while (!stopping && int(batch.size()) <= expected) {
                wakeWriterAt = size_t(expected + 1) - batch.size();
                const bool complete = queueCondition.wait_until(
                    lock, deadline, [this] { return stopping || queue.size() >= wakeWriterAt; });
                for (PgWriteOp &op : queue) {
                    expected = std::max(expected, op.expectedSoon);
                    batch.push_back(std::move(op));
                }
                queue.clear();
                if (!complete) {
                    break;
                }
            }
            wakeWriterAt = 1;
        }
        runBatch(batch);
    }
}

void PgWriter::runBatch(std::deque<PgWriteOp> &batch)
{
    const auto failAll = [&batch](const QString &error) {
        for (PgWriteOp &op : batch) {
            if (op.done) {
                op.done(false, error);
            }
        }
    };
    QString error;
    if (!ensureConnected(&error)) {
        failAll(error);
        return;
    }
    const auto lost = [this] {
        return QStringLiteral("%1: the connection to the database was lost: %2").arg(location, db.errorString());
    };
    // A group commit's operations run without savepoints first: each savepoint costs two more round trips to the
    // server per operation, and operations rarely fail. When one does, the transaction is rolled back and the batch
    // runs again with a savepoint around each operation, so that the others still commit (as the SQLite writer's
    // savepoints do). A batch of one needs none: its failure is the transaction's.
    bool savepoints = false;
    QList<PgChange> changes;
    std::vector<QString> failures(batch.size());
    bool broken = false;
    for (;;) {
        PgResult begun = db.exec("BEGIN");
        if (!begun.isOk() && !db.isOpen()) {
            // The connection went while idle (the server restarted): nothing was sent yet, so connect again at once.
            db.close();
            nextReconnect = {};
            if (!ensureConnected(&error)) {
                failAll(error);
                return;
            }
            begun = db.exec("BEGIN");
        }
        if (!begun.isOk()) {
            failAll(db.isOpen() ? begun.errorString() : lost());
            return;
        }
        batchSessions.clear();
        // Retention takes its lock first, before any row lock: an instance pruning holds it while it deletes (and
        // locks mailbox rows), so taking it later could deadlock with that instance (docs/architecture.md).
        const qint64 max = maxMessages.load();
        if (max > 0) {
            const PgResult locked
                = db.exec("SELECT pg_advisory_xact_lock($1)", { PgParameter::int64(RetentionLockKey) });
            if (!locked.isOk()) {
                const QString why = db.isOpen() ? locked.errorString() : lost();
                db.exec("ROLLBACK");
                failAll(why);
                return;
            }
        }
        // Deliveries lock their mailbox's row (IMAP UIDs in commit order). Two instances whose batches deliver into
        // the same mailboxes in opposite orders would each hold one row and wait for the other's (PostgreSQL then
        // aborts one after deadlock_timeout): a batch delivering into several locks them all first, by id.
        QSet<QString> mailboxes;
        for (const PgWriteOp &op : batch) {
            if (!op.mailbox.isEmpty()) {
                mailboxes.insert(op.mailbox.toLower());
            }
        }
        if (mailboxes.size() > 1) {
            const PgResult locked = db.exec("SELECT id FROM mailboxes WHERE lower(name COLLATE \"C\") = "
                                            "ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE",
                { PgParameter::utf8(PgRows::arrayLiteral(QStringList(mailboxes.cbegin(), mailboxes.cend()))) });
            if (!locked.isOk()) {
                const QString why = db.isOpen() ? locked.errorString() : lost();
                db.exec("ROLLBACK");
                failAll(why);
                return;
            }
        }
        bool again = false;
        for (size_t i = 0; i < batch.size(); ++i) {
            if (savepoints && !db.exec("SAVEPOINT op").isOk()) {
                broken = true;
                break;
            }
            const qsizetype before = changes.size();
            const QHash<qint64, qint64> sessionsBefore = batchSessions;
            QString opError;
            const bool ok = batch[i].apply(db, &changes, &opError);
            if (!db.isOpen()) {
                broken = true;
                break;
            }
            if (ok) {
                if (savepoints && !db.exec("RELEASE SAVEPOINT op").isOk()) {
                    broken = true;
                    break;
                }
                continue;
            }
            if (!savepoints && batch.size() > 1) {
                again = true;
                break;
            }
            failures[i] = opError.isEmpty() ? QStringLiteral("write failed") : opError;
            changes.resize(before);
            batchSessions = sessionsBefore;
            mailboxRows.clear();
            if (!savepoints) {
                break;
            }
            if (!db.exec("ROLLBACK TO SAVEPOINT op").isOk() || !db.exec("RELEASE SAVEPOINT op").isOk()) {
                broken = true;
                break;
            }
        }
        if (!again || broken) {
            break;
        }
        // Nothing of this attempt stays: not its rows, its changes, its sessions' chunks or the mailboxes it made.
        if (!db.exec("ROLLBACK").isOk() && !db.isOpen()) {
            broken = true;
            break;
        }
        changes.clear();
        batchSessions.clear();
        mailboxRows.clear();
        savepoints = true;
    }
    QStringList pruned;
    if (!broken && (!savepoints ? failures[0].isEmpty() : true)) {
        QString pruneError;
        pruned = prune(&pruneError);
        if (!pruneError.isEmpty()) {
            broken = true;
            error = pruneError;
        } else if (!pruned.isEmpty()) {
            changes << change(PgChange::Kind::Pruned, pruned);
        }
    }
    // The other instances hear of the changes when (and only if) the transaction commits: changes of one kind in a
    // row (the deliveries of a group commit) as one, so that a flood costs a few notifications, not one a message.
    QList<PgChange> merged;
    for (const PgChange &c : std::as_const(changes)) {
        if (!merged.isEmpty() && merged.last().kind == c.kind && merged.last().flag == c.flag && c.count == 0
            && merged.last().count == 0 && !c.ids.isEmpty() && !merged.last().ids.isEmpty()) {
            merged.last().ids += c.ids;
        } else {
            merged << c;
        }
    }
    for (const PgChange &c : std::as_const(merged)) {
        for (const QByteArray &payload : c.payloads()) {
            if (broken || !db.notify(QString::fromLatin1(PgChange::Channel), payload)) {
                broken = true;
                break;
            }
        }
    }
    bool committed = false;
    if (!broken && (savepoints || failures[0].isEmpty())) {
        const PgResult commit = db.exec("COMMIT");
        // A COMMIT of a failed transaction answers ROLLBACK.
        committed = commit.isOk() && commit.commandStatus() == "COMMIT";
        if (!committed) {
            error = db.isOpen()
                ? (commit.isOk() ? QStringLiteral("the transaction was rolled back") : commit.errorString())
                : lost();
        }
    } else {
        if (error.isEmpty()) {
            error = db.isOpen() ? db.errorString() : lost();
        }
        db.exec("ROLLBACK");
    }
    if (!committed) {
        mailboxRows.clear();
        batchSessions.clear();
        if (!db.isOpen()) {
            qCWarning(lcPgStore).noquote() << lost();
            db.close();
            nextReconnect = std::chrono::steady_clock::now() + reconnectDelay;
        }
        for (size_t i = 0; i < batch.size(); ++i) {
            if (batch[i].done) {
                batch[i].done(false, failures[i].isEmpty() ? error : failures[i]);
            }
        }
        return;
    }
    ++commits;
    for (auto it = batchSessions.cbegin(); it != batchSessions.cend(); ++it) {
        sessions.insert(it.key(), it.value());
    }
    batchSessions.clear();
    // Sessions another instance deleted the messages of stay here until one of these deletes them: bounded.
    if (sessions.size() > MaxSessions) {
        sessions.clear();
    }
    refreshState(db);
    for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].done) {
            batch[i].done(failures[i].isEmpty(), failures[i]);
        }
    }
    if (!pruned.isEmpty()) {
        Q_EMIT q->messagesPruned(pruned);
    }
}

bool PgWriter::indexWhileIdle()
{
    QString error;
    const int n
        = PgIndexer::indexSlice(db, std::numeric_limits<qint64>::max(), 64, std::chrono::milliseconds(20), &error);
    if (n < 0) {
        qCWarning(lcPgStore).noquote() << "search indexing failed:" << error;
        if (!db.isOpen()) {
            db.close();
        }
        return false;
    }
    if (n > 0) {
        // The others' unindexedCount() follows.
        db.notify(QString::fromLatin1(PgChange::Channel), change(PgChange::Kind::Indexed).payloads().constFirst());
    }
    refreshState(db);
    return n > 0;
}

void PgWriter::enqueue(PgWriteOp op)
{
    std::vector<PgWriteOp> ops;
    ops.push_back(std::move(op));
    enqueue(std::move(ops));
}

void PgWriter::enqueue(std::vector<PgWriteOp> ops)
{
    bool wake = false;
    {
        std::lock_guard lock(queueMutex);
        if (running && !stopping) {
            lastArrival = std::chrono::steady_clock::now();
            for (PgWriteOp &op : ops) {
                queue.push_back(std::move(op));
            }
            wake = queue.size() >= wakeWriterAt;
            ops.clear();
        }
    }
    if (wake) {
        queueCondition.notify_one();
    }
    for (PgWriteOp &op : ops) {
        if (op.done) {
            op.done(false, QStringLiteral("the message store is closed"));
        }
    }
}

void PgWriter::submit(std::function<bool(PgConnection &, QList<PgChange> *, QString *)> apply,
    std::function<void()> after, std::function<void(const QString &failure)> finished)
{
    PgWriteOp op { std::move(apply),
        [after = std::move(after), finished = std::move(finished)](bool ok, const QString &failure) {
            if (ok && after) {
                after();
            }
            if (finished) {
                finished(ok ? QString() : (failure.isEmpty() ? QStringLiteral("write failed") : failure));
            }
        },
        0, {} };
    enqueue(std::move(op));
}

bool PgWriter::runAndWait(std::function<bool(PgConnection &, QList<PgChange> *, QString *)> apply, QString *error)
{
    auto promise = std::make_shared<std::promise<QString>>();
    std::future<QString> result = promise->get_future();
    submit(std::move(apply), {}, [promise](const QString &failure) { promise->set_value(failure); });
    const QString failure = result.get();
    if (error) {
        *error = failure;
    }
    return failure.isEmpty();
}

std::optional<PgWriter::MailboxRow> PgWriter::mailbox(const QString &name, bool *made, QString *error)
{
    const auto found = mailboxRows.constFind(name.toLower());
    if (found != mailboxRows.cend()) {
        return *found;
    }
    if (!MailboxName::isValid(name)) {
        *error = QStringLiteral("invalid mailbox name: %1").arg(name);
        return std::nullopt;
    }
    // Another instance may make it at the same moment: the unique index decides, and both use the one row.
    const PgResult inserted
        = db.exec("INSERT INTO mailboxes (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id, name",
            { PgParameter::text(name) });
    if (!inserted.isOk()) {
        *error = inserted.errorString();
        return std::nullopt;
    }
    MailboxRow row;
    if (inserted.rows() == 1) {
        row = { inserted.int64(0, 0), inserted.text(0, 1) };
        *made = true;
    } else {
        const PgResult existing = db.exec("SELECT id, name FROM mailboxes WHERE lower(name COLLATE \"C\") = "
                                          "lower($1::text COLLATE \"C\")",
            { PgParameter::text(name) });
        if (!existing.isOk() || existing.rows() != 1) {
            *error = existing.isOk() ? QStringLiteral("mailbox %1 not found").arg(name) : existing.errorString();
            return std::nullopt;
        }
        row = { existing.int64(0, 0), existing.text(0, 1) };
    }
    mailboxRows.insert(name.toLower(), row);
    return row;
}

qint64 PgWriter::tagId(const QString &name, QString *error)
{
    // A tag that exists in another case keeps its spelling (tags.name is unique without regard to case).
    const PgResult inserted = db.exec(
        "INSERT INTO tags (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id", { PgParameter::text(name) });
    if (!inserted.isOk()) {
        *error = inserted.errorString();
        return 0;
    }
    if (inserted.rows() == 1) {
        return inserted.int64(0, 0);
    }
    const PgResult found
        = db.exec("SELECT id FROM tags WHERE lower(name COLLATE \"C\") = lower($1::text COLLATE \"C\")",
            { PgParameter::text(name) });
    if (!found.isOk() || found.rows() != 1) {
        *error = found.isOk() ? QStringLiteral("tag not found: %1").arg(name) : found.errorString();
        return 0;
    }
    return found.int64(0, 0);
}

bool PgWriter::pruneTags(QString *error)
{
    const PgResult r
        = db.exec("DELETE FROM tags t WHERE NOT EXISTS (SELECT 1 FROM message_tags mt WHERE mt.tag_id = t.id)");
    if (!r.isOk()) {
        *error = r.errorString();
        return false;
    }
    return true;
}

qint64 PgWriter::lastChunk(qint64 sessionKey) const
{
    const auto pending = batchSessions.constFind(sessionKey);
    if (pending != batchSessions.cend()) {
        return *pending;
    }
    return sessions.value(sessionKey, 0);
}

bool PgWriter::insert(IncomingMessage &message, const QStringList &tags, DeliveryResult *result, bool *madeMailbox,
    QList<PgChange> *changes, QString *error)
{
    *madeMailbox = false;
    const std::optional<MailboxRow> box = mailbox(message.mailbox, madeMailbox, error);
    if (!box) {
        return false;
    }
    const qint64 size = message.traceHeader.size() + message.data.size();
    const SmtpEnvelope &env = message.envelope;
    const qint64 sessionKey = qint64(message.sessionKey);
    QStringList rcpts;
    for (const QByteArray &to : std::as_const(env.rcptTo)) {
        rcpts << PgRows::text(to);
    }
    // The summary columns wait for the indexer (readers parse an unparsed row themselves meanwhile).
    static const QByteArray noAddresses = ParsedFacts::addressesJson(MessageSummary());
    // One statement, one round trip to the server (a group commit's messages would otherwise wait on one round trip
    // per table each; docs/benchmarks.md "The PostgreSQL store"):
    // - IMAP UIDs (messages.id) in commit order within a mailbox, also across instances: the mailbox's row is locked
    //   (as the counting trigger would lock it anyway) before the id is drawn, so a message inserted into it by
    //   another instance after this one gets a higher id and commits after it (docs/architecture.md "PostgreSQL
    //   store"). Each insert reads the rows of the one before it, so they run in this order.
    // - The transcript's chunk (linked to the session's previous message) and its entries.
    // - The source as two binary parameters joined by the server: the 10 MB of data go to libpq as they are, never
    //   copied into one buffer with the trace header.
    QList<PgParameter> parameters { PgParameter::utf8(message.id), PgParameter::int64(message.receivedMs),
        PgParameter::text(PgRows::text(env.mailFrom)), PgParameter::utf8(PgRows::jsonArray(rcpts)),
        PgParameter::text(env.clientAddress.toString()), PgParameter::int64(env.clientPort),
        PgParameter::text(PgRows::text(env.helo)), PgParameter::text(PgRows::text(env.authUser)),
        PgParameter::boolean(env.tls), PgParameter::text(PgRows::text(env.tlsProtocol)),
        PgParameter::text(PgRows::text(env.tlsCipher)), PgParameter::int64(size), PgParameter::int64(box->id),
        PgParameter::int64(sessionKey), PgParameter::utf8(noAddresses), PgParameter::text(PgRows::text(message.copyOf)),
        PgParameter::text(PgRows::text(message.bounceOf)), PgParameter::text(PgRows::text(message.bounceRule)),
        PgParameter::int64(lastChunk(sessionKey)), PgParameter::bytea(message.traceHeader),
        PgParameter::bytea(message.data) };
    parameters += PgRows::entryArrays(message.transcript);
    const PgResult row = db.exec(
        "WITH locked AS (SELECT id FROM mailboxes WHERE id = $13 FOR NO KEY UPDATE), "
        "chunk AS (INSERT INTO transcript_chunks (previous_id, session_id) SELECT $19, $14 FROM locked "
        "RETURNING id), "
        "entries AS (INSERT INTO transcript_entries (chunk_id, seq, time, direction, text) "
        "SELECT chunk.id, e.seq - 1, e.time, e.direction, e.text FROM chunk, "
        "unnest($22::bigint[], $23::smallint[], $24::text[]) WITH ORDINALITY AS e (time, direction, text, seq)), "
        "message AS (INSERT INTO messages (uid, received, mail_from, rcpt_to, client_address, client_port, helo, "
        "auth_user, tls, tls_protocol, tls_cipher, from_header, to_header, cc_header, subject, date, message_id, "
        "size, has_attachments, mailbox_id, session_id, chunk_id, addresses, copy_of, bounce_of, bounce_rule) "
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', '', '', '', 0, '', $12, false, $13, $14, chunk.id, "
        "$15, $16, $17, $18 FROM chunk RETURNING id), "
        "data AS (INSERT INTO message_data (id, raw) SELECT id, $20 || $21 FROM message) "
        "SELECT message.id, chunk.id FROM message, chunk",
        parameters);
    if (!row.isOk()) {
        *error = row.errorString();
        return false;
    }
    if (row.rows() != 1) {
        // The mailbox's row went (another instance deleted the mailbox meanwhile): nothing was inserted.
        mailboxRows.clear();
        *error = QStringLiteral("mailbox %1 not found").arg(box->name);
        return false;
    }
    const qint64 rowId = row.int64(0, 0);
    const qint64 chunkId = row.int64(0, 1);
    batchSessions.insert(sessionKey, chunkId);
    // CONTRACT "Failure scenarios (rules)": the bounces still to be made are durable with their message (once, with
    // the first of its mailbox copies; never for the null sender).
    if (message.copyOf.isEmpty() && !env.mailFrom.isEmpty()) {
        for (qsizetype seq = 0; seq < env.bounces.size(); ++seq) {
            const SmtpBounce &b = env.bounces.at(seq);
            const PgResult bounce = db.exec("INSERT INTO bounce_queue (message_id, seq, recipient, code, enhanced, "
                                            "text, rule, after_ms, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                { PgParameter::int64(rowId), PgParameter::int64(seq), PgParameter::bytea(b.recipient),
                    PgParameter::int64(b.code), PgParameter::bytea(b.enhanced), PgParameter::bytea(b.text),
                    PgParameter::bytea(b.rule), PgParameter::int64(b.afterMs), PgParameter::int64(ownerKey) });
            if (!bounce.isOk()) {
                *error = bounce.errorString();
                return false;
            }
        }
    }
    if (!message.bounceOf.isEmpty()) {
        const PgResult cleared
            = db.exec("DELETE FROM bounce_queue WHERE message_id = (SELECT id FROM messages WHERE uid = $1)",
                { PgParameter::text(PgRows::text(message.bounceOf)) });
        if (!cleared.isOk()) {
            *error = cleared.errorString();
            return false;
        }
    }
    MessageSummary &s = result->summary;
    s.id = QString::fromLatin1(message.id);
    s.receivedMs = message.receivedMs;
    s.mailFrom = QString::fromUtf8(env.mailFrom);
    s.authUser = QString::fromUtf8(env.authUser);
    s.size = size;
    s.mailbox = box->name;
    if (!tags.isEmpty()) {
        QList<qint64> tagRows;
        for (const QString &tag : tags) {
            const qint64 tagRow = tagId(tag, error);
            if (tagRow == 0) {
                return false;
            }
            tagRows << tagRow;
        }
        // The spelling each tag has in the store (an existing tag keeps its own).
        const PgResult names = db.exec("WITH linked AS (INSERT INTO message_tags (message_id, tag_id) "
                                       "SELECT $1, t FROM unnest($2::bigint[]) t ON CONFLICT DO NOTHING) "
                                       "SELECT name FROM tags WHERE id = ANY($2::bigint[])",
            { PgParameter::int64(rowId), PgParameter::utf8(PgRows::arrayLiteral(tagRows)) });
        if (!names.isOk()) {
            *error = names.errorString();
            return false;
        }
        for (int i = 0; i < names.rows(); ++i) {
            s.tags << names.text(i, 0);
        }
        MessageTags::sort(s.tags);
    }
    // A new mailbox first, as this instance's own signals come (mailboxesChanged(), then messageStored()).
    if (*madeMailbox) {
        changes->append(change(PgChange::Kind::Mailboxes));
    }
    changes->append(change(PgChange::Kind::Stored, { s.id }));
    return true;
}

bool PgWriter::afterDeletion(const PgResult &deleted, QStringList *ids, QString *error)
{
    if (!deleted.isOk()) {
        *error = deleted.errorString();
        return false;
    }
    QList<qint64> sessionKeys;
    for (int i = 0; i < deleted.rows(); ++i) {
        *ids << deleted.text(i, 0);
        sessionKeys << deleted.int64(i, 1);
    }
    if (!sessionKeys.isEmpty()) {
        // A session's transcript stays while any of its messages does (later messages show the whole session), in
        // whichever instance stored them.
        const PgResult chunks = db.exec("DELETE FROM transcript_chunks c WHERE c.session_id = ANY($1::bigint[]) AND "
                                        "NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = c.session_id) "
                                        "RETURNING c.session_id",
            { PgParameter::utf8(PgRows::arrayLiteral(sessionKeys)) });
        if (!chunks.isOk()) {
            *error = chunks.errorString();
            return false;
        }
        for (int i = 0; i < chunks.rows(); ++i) {
            batchSessions.insert(chunks.int64(i, 0), 0);
        }
    }
    return pruneTags(error);
}

bool PgWriter::deleteRows(const QList<qint64> &rows, QStringList *ids, QString *error)
{
    if (rows.isEmpty()) {
        return true;
    }
    // Their source, tags, search texts, relay log and queue and pending bounces go with them (ON DELETE CASCADE).
    const PgResult deleted = db.exec("DELETE FROM messages WHERE id = ANY($1::bigint[]) RETURNING uid, session_id",
        { PgParameter::utf8(PgRows::arrayLiteral(rows)) });
    return afterDeletion(deleted, ids, error);
}

QStringList PgWriter::prune(QString *error)
{
    const qint64 max = maxMessages.load();
    if (max <= 0) {
        return {};
    }
    // Under the retention lock taken at the start of the transaction: the count is every instance's committed
    // messages plus this transaction's. Pinned messages are kept (CONTRACT "Mailboxes").
    const PgResult deleted
        = db.exec("DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE NOT pinned ORDER BY id "
                  "LIMIT greatest((SELECT coalesce(sum(total), 0) FROM mailboxes) - $1, 0)) RETURNING uid, session_id",
            { PgParameter::int64(max) });
    QStringList ids;
    if (!afterDeletion(deleted, &ids, error)) {
        return {};
    }
    return ids;
}

void PgWriter::report(Write what, qint64 messages, const QString &error) const
{
    qCWarning(lcPgStore).noquote().nospace() << "could not " << describe(what, messages) << ": " << error;
    Q_EMIT q->writeFailed(what, messages, error);
}

void PgWriter::removeMessages(const QStringList &ids, Pinned pinned, std::function<void(const QString &)> finished)
{
    auto removed = std::make_shared<QStringList>();
    submit(
        [this, ids, pinned, removed](PgConnection &, QList<PgChange> *changes, QString *error) {
            removed->clear();
            const QByteArray sql = pinned == Pinned::Removed
                ? "DELETE FROM messages WHERE uid = ANY($1::text[]) RETURNING uid, session_id"
                : "DELETE FROM messages WHERE uid = ANY($1::text[]) AND NOT pinned RETURNING uid, session_id";
            QStringList gone;
            if (!afterDeletion(db.exec(sql, { PgParameter::utf8(PgRows::arrayLiteral(ids)) }), &gone, error)) {
                return false;
            }
            *removed = inOrder(ids, QSet<QString>(gone.cbegin(), gone.cend()));
            if (!removed->isEmpty()) {
                changes->append(change(PgChange::Kind::Removed, *removed));
            }
            return true;
        },
        [this, removed] {
            if (!removed->isEmpty()) {
                Q_EMIT q->messagesRemoved(*removed);
            }
        },
        [this, count = ids.size(), finished = std::move(finished)](const QString &failure) {
            if (!failure.isEmpty()) {
                report(Write::Removal, count, failure);
            }
            if (finished) {
                finished(failure);
            }
        });
}

void PgWriter::removeEverything(std::function<void(const QString &)> finished)
{
    // Every message, unless some are pinned (CONTRACT "Mailboxes": delete-all keeps them): then the others go, and
    // the signal names them (messagesRemoved), since not every message went.
    struct Outcome
    {
        qint64 cleared = 0;
        bool some = false;
        QStringList removed;
    };
    auto outcome = std::make_shared<Outcome>();
    submit(
        [this, outcome](PgConnection &, QList<PgChange> *changes, QString *error) {
            *outcome = {};
            const PgResult pinned = db.exec("SELECT EXISTS (SELECT 1 FROM messages WHERE pinned)");
            if (!pinned.isOk()) {
                *error = pinned.errorString();
                return false;
            }
            if (pinned.boolean(0, 0)) {
                outcome->some = true;
                const PgResult deleted = db.exec("DELETE FROM messages WHERE NOT pinned RETURNING uid, session_id");
                if (!afterDeletion(deleted, &outcome->removed, error)) {
                    return false;
                }
                if (!outcome->removed.isEmpty()) {
                    changes->append(change(PgChange::Kind::Removed, outcome->removed));
                }
                return true;
            }
            const PgResult deleted = db.exec("DELETE FROM messages");
            if (!deleted.isOk() || !db.exec("DELETE FROM transcript_chunks").isOk()
                || !db.exec("DELETE FROM tags").isOk()) {
                *error = deleted.isOk() ? db.errorString() : deleted.errorString();
                return false;
            }
            outcome->cleared = deleted.affectedRows();
            for (auto it = sessions.cbegin(); it != sessions.cend(); ++it) {
                batchSessions.insert(it.key(), 0);
            }
            changes->append(change(PgChange::Kind::Cleared, {}, false, outcome->cleared));
            return true;
        },
        [this, outcome] {
            if (outcome->some) {
                if (!outcome->removed.isEmpty()) {
                    Q_EMIT q->messagesRemoved(outcome->removed);
                }
                return;
            }
            if (outcome->cleared > 0) {
                Q_EMIT q->messagesCleared(outcome->cleared);
            }
        },
        [this, finished = std::move(finished)](const QString &failure) {
            if (!failure.isEmpty()) {
                report(Write::RemovalOfAll, publishedCount.load(), failure);
            }
            if (finished) {
                finished(failure);
            }
        });
}

void PgWriter::markRead(const QStringList &ids, bool read, std::function<void(const QString &)> finished)
{
    submitChange(
        read ? Write::MarkRead : Write::MarkUnread, ids.size(),
        [this, ids, read](QStringList *changed, QString *, QList<PgChange> *changes, QString *error) {
            const PgResult r = db.exec("UPDATE messages SET is_read = $1 WHERE uid = ANY($2::text[]) AND is_read <> $1 "
                                       "RETURNING uid",
                { PgParameter::boolean(read), PgParameter::utf8(PgRows::arrayLiteral(ids)) });
            if (!r.isOk()) {
                *error = r.errorString();
                return false;
            }
            *changed = inOrder(ids, column(r, 0));
            if (!changed->isEmpty()) {
                changes->append(change(PgChange::Kind::Read, *changed, read));
            }
            return true;
        },
        [this, read](const QStringList &changed) { Q_EMIT q->readChanged(changed, read); }, std::move(finished));
}

void PgWriter::markPinned(const QStringList &ids, bool pinned, std::function<void(const QString &)> finished)
{
    submitChange(
        pinned ? Write::Pin : Write::Unpin, ids.size(),
        [this, ids, pinned](QStringList *changed, QString *, QList<PgChange> *changes, QString *error) {
            const PgResult r = db.exec("UPDATE messages SET pinned = $1 WHERE uid = ANY($2::text[]) AND pinned <> $1 "
                                       "RETURNING uid",
                { PgParameter::boolean(pinned), PgParameter::utf8(PgRows::arrayLiteral(ids)) });
            if (!r.isOk()) {
                *error = r.errorString();
                return false;
            }
            *changed = inOrder(ids, column(r, 0));
            if (!changed->isEmpty()) {
                changes->append(change(PgChange::Kind::Pinned, *changed, pinned));
            }
            return true;
        },
        [this, pinned](const QStringList &changed) { Q_EMIT q->pinnedChanged(changed, pinned); }, std::move(finished));
}

void PgWriter::submitChange(Write what, qint64 messages,
    std::function<bool(QStringList *changed, QString *refusal, QList<PgChange> *changes, QString *error)> apply,
    std::function<void(const QStringList &changed)> changed, std::function<void(const QString &)> finished)
{
    struct Outcome
    {
        QStringList changed;
        QString refusal;
    };
    auto outcome = std::make_shared<Outcome>();
    submit(
        [outcome, apply = std::move(apply)](PgConnection &, QList<PgChange> *changes, QString *error) {
            *outcome = {};
            return apply(&outcome->changed, &outcome->refusal, changes, error);
        },
        [outcome, changed = std::move(changed)] {
            if (!outcome->changed.isEmpty()) {
                changed(outcome->changed);
            }
        },
        [this, what, messages, outcome, finished = std::move(finished)](const QString &failure) {
            if (!failure.isEmpty()) {
                report(what, messages, failure);
            }
            if (finished) {
                finished(failure.isEmpty() ? outcome->refusal : failure);
            }
        });
}

void PgWriter::changeTags(
    const QStringList &ids, const QStringList &tags, std::function<void(const QString &)> finished)
{
    const QStringList wanted = MessageTags::normalized(tags);
    submitChange(
        Write::Tagging, ids.size(),
        [this, ids, wanted](QStringList *changed, QString *, QList<PgChange> *changes, QString *error) {
            QList<qint64> tagRows;
            for (const QString &tag : wanted) {
                const qint64 row = tagId(tag, error);
                if (row == 0) {
                    return false;
                }
                tagRows << row;
            }
            const PgResult found = db.exec("SELECT id, uid FROM messages WHERE uid = ANY($1::text[])",
                { PgParameter::utf8(PgRows::arrayLiteral(ids)) });
            if (!found.isOk()) {
                *error = found.errorString();
                return false;
            }
            QList<qint64> rows;
            for (int i = 0; i < found.rows(); ++i) {
                rows << found.int64(i, 0);
            }
            const QByteArray rowArray = PgRows::arrayLiteral(rows);
            const PgResult cleared = db.exec(
                "DELETE FROM message_tags WHERE message_id = ANY($1::bigint[])", { PgParameter::utf8(rowArray) });
            const PgResult linked = cleared.isOk()
                ? db.exec("INSERT INTO message_tags (message_id, tag_id) SELECT m, t FROM unnest($1::bigint[]) m "
                          "CROSS JOIN unnest($2::bigint[]) t ON CONFLICT DO NOTHING",
                    { PgParameter::utf8(rowArray), PgParameter::utf8(PgRows::arrayLiteral(tagRows)) })
                : PgResult();
            if (!cleared.isOk() || !linked.isOk()) {
                *error = db.errorString();
                return false;
            }
            *changed = inOrder(ids, column(found, 1));
            if (!changed->isEmpty()) {
                changes->append(change(PgChange::Kind::Tags, *changed));
            }
            return pruneTags(error);
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void PgWriter::renameTag(const QString &from, const QString &to, std::function<void(const QString &)> finished)
{
    // Mailpit's RenameTag: the new name cleaned and checked first; the same name is no change.
    const QString name = MessageTags::clean(to);
    submitChange(
        Write::Tagging, 0,
        [this, from, name](QStringList *changed, QString *refusal, QList<PgChange> *changes, QString *error) {
            if (name.isEmpty()) {
                *refusal = QStringLiteral("invalid tag name: %1").arg(name);
                return true;
            }
            if (from == name) {
                return true;
            }
            const char *find = "SELECT id FROM tags WHERE lower(name COLLATE \"C\") = lower($1::text COLLATE \"C\")";
            const PgResult old = db.exec(find, { PgParameter::text(from) });
            const PgResult other = db.exec(find, { PgParameter::text(name) });
            if (!old.isOk() || !other.isOk()) {
                *error = db.errorString();
                return false;
            }
            if (old.rows() == 0) {
                *refusal = QStringLiteral("tag not found: %1").arg(from);
                return true;
            }
            const qint64 row = old.int64(0, 0);
            if (other.rows() > 0 && other.int64(0, 0) != row) {
                *refusal = QStringLiteral("tag already exists: %1").arg(name);
                return true;
            }
            const PgResult renamed = db.exec(
                "UPDATE tags SET name = $1 WHERE id = $2", { PgParameter::text(name), PgParameter::int64(row) });
            const PgResult tagged = db.exec("SELECT m.uid FROM message_tags mt JOIN messages m ON m.id = mt.message_id "
                                            "WHERE mt.tag_id = $1 ORDER BY m.id",
                { PgParameter::int64(row) });
            if (!renamed.isOk() || !tagged.isOk()) {
                *error = renamed.isOk() ? tagged.errorString() : renamed.errorString();
                return false;
            }
            for (int i = 0; i < tagged.rows(); ++i) {
                *changed << tagged.text(i, 0);
            }
            if (!changed->isEmpty()) {
                changes->append(change(PgChange::Kind::Tags, *changed));
            }
            return true;
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void PgWriter::deleteTag(const QString &name, std::function<void(const QString &)> finished)
{
    submitChange(
        Write::Tagging, 0,
        [this, name](QStringList *changed, QString *refusal, QList<PgChange> *changes, QString *error) {
            const PgResult found
                = db.exec("SELECT id FROM tags WHERE lower(name COLLATE \"C\") = lower($1::text COLLATE \"C\")",
                    { PgParameter::text(name) });
            if (!found.isOk()) {
                *error = found.errorString();
                return false;
            }
            if (found.rows() == 0) {
                *refusal = QStringLiteral("tag not found: %1").arg(name);
                return true;
            }
            const qint64 row = found.int64(0, 0);
            const PgResult tagged = db.exec("SELECT m.uid FROM message_tags mt JOIN messages m ON m.id = mt.message_id "
                                            "WHERE mt.tag_id = $1 ORDER BY m.id",
                { PgParameter::int64(row) });
            // Its links go with it (ON DELETE CASCADE).
            const PgResult deleted
                = tagged.isOk() ? db.exec("DELETE FROM tags WHERE id = $1", { PgParameter::int64(row) }) : PgResult();
            if (!tagged.isOk() || !deleted.isOk()) {
                *error = db.errorString();
                return false;
            }
            for (int i = 0; i < tagged.rows(); ++i) {
                *changed << tagged.text(i, 0);
            }
            if (!changed->isEmpty()) {
                changes->append(change(PgChange::Kind::Tags, *changed));
            }
            return true;
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void PgWriter::keepRefusedSession(RefusedSession session)
{
    auto input = std::make_shared<const RefusedSession>(std::move(session));
    auto kept = std::make_shared<RefusedSession>();
    submit(
        [this, input, kept](PgConnection &, QList<PgChange> *changes, QString *error) {
            *kept = *input;
            // Its messages' chunks, while any of them is stored.
            const qint64 chunk = lastChunk(qint64(input->sessionKey));
            // Retention as for messages, counted on its own (docs/architecture.md "Refused sessions").
            if (!PgRefusedSessions::insert(db, *kept, chunk, error)
                || !PgRefusedSessions::prune(db, maxMessages.load(), error)) {
                return false;
            }
            changes->append(change(PgChange::Kind::Refused, { QString::fromLatin1(kept->id) }));
            return true;
        },
        [this, kept] {
            kept->data = QByteArray();
            Q_EMIT q->refusedSessionKept(*kept);
        },
        [id = input->id](const QString &failure) {
            if (!failure.isEmpty()) {
                qCWarning(lcPgStore) << "could not keep refused session" << id << failure;
            }
        });
}

void PgWriter::removeRefusedSessions(std::function<void(const QString &)> finished)
{
    auto removed = std::make_shared<qint64>(0);
    submit(
        [this, removed](PgConnection &, QList<PgChange> *changes, QString *error) {
            if (!PgRefusedSessions::removeAll(db, removed.get(), error)) {
                return false;
            }
            changes->append(change(PgChange::Kind::RefusedCleared, {}, false, *removed));
            return true;
        },
        [this, removed] { Q_EMIT q->refusedSessionsCleared(*removed); }, std::move(finished));
}
