#include "sqlitewriter.h"

#include "../message/mailboxname.h"
#include "../message/messagetags.h"
#include "sqliteindexer.h"
#include "sqlitemigrations.h"
#include "sqliterefusedsessions.h"
#include "sqliterows.h"
#include "sqlitetranscripts.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QStorageInfo>

#include <sqlite3.h>

// posix_fallocate(3) is Linux's (tests/interop/test_portability.py); other platforms write the reserve out.
#if defined(Q_OS_LINUX)
#include <fcntl.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

using namespace SqliteRows;

namespace {
// Sources at least this big are written with incremental blob I/O, so SQLite never assembles
// a second whole copy of them in a record buffer.
constexpr qint64 StreamedBlobThreshold = 256 * 1024;

// JSON text must be UTF-8: invalid sequences (a client may send anything) become U+FFFD.
QByteArray validUtf8(const QByteArray &bytes)
{
    return QUtf8StringView(bytes).isValidUtf8() ? bytes : QString::fromUtf8(bytes).toUtf8();
}

void appendJsonString(QByteArray &out, const QByteArray &utf8)
{
    out += '"';
    for (char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 15];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

QByteArray jsonStringArray(const QByteArrayList &items)
{
    QByteArray out = "[";
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        appendJsonString(out, validUtf8(items.at(i)));
    }
    out += ']';
    return out;
}

// How long a group commit may wait for messages that sessions with an open transaction are about to
// hand over (PostgreSQL's commit_delay/commit_siblings idea). Never waited without such sessions.
constexpr auto CommitDelay = std::chrono::microseconds(300);

// Parsing and indexing start once no write has arrived for this long: longer than a large message takes to
// arrive, so that a sequence of them is not slowed by the work left from the previous one.
constexpr auto IndexQuietPeriod = std::chrono::milliseconds(250);

// Free space kept in the data directory (letterbox.reserve) for deleting on a full disk. Deleting needs room: the
// changed pages go to the WAL before the database file, and only a checkpoint that has copied them into it gives
// the WAL's space back; that checkpoint may first grow the database file by the pages written since the last one
// (up to about twice the 1000-page autocheckpoint interval, 8 MB, when the disk filled up between two). Measured
// with letterbox on a full 32 MB tmpfs (tests/interop/test_full_disk.py; WAL 4.4 MB when full): with
// secure_delete=FAST alone three messages could be deleted, but mail was still refused after and deleting every
// message failed; with the reserve given up both work, and the checkpoint grew the database file by 2.9 MB before
// it emptied the WAL.
constexpr qint64 ReserveBytes = 8 * 1024 * 1024;
// The reserve is made again once this much more than itself is free, so that mail can be caught right after.
constexpr qint64 ReserveHeadroom = 1024 * 1024;
const char *const ReserveFileName = "letterbox.reserve";

// Owner only: caught mail holds password resets, tokens and personal data.
constexpr QFile::Permissions PrivateFile = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions PrivateDirectory = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
} // namespace

namespace {
// The platform's data directory for Letterbox: --data's default (README "Command line"), Letterbox's own.
bool isDefaultDataDirectory(const QString &directory)
{
    const QString standard = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    const QString canonical = QFileInfo(directory).canonicalFilePath();
    return !standard.isEmpty() && !canonical.isEmpty() && canonical == QFileInfo(standard).canonicalFilePath();
}

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

// Gives the file (made owner-only if missing) size bytes of allocated blocks, not a sparse file of that size, so
// that they are the store's until it deletes the file. Returns why it could not, or an empty string.
QString allocateFile(const QString &file, qint64 size)
{
#if defined(Q_OS_LINUX)
    const QByteArray name = QFile::encodeName(file);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const int rc = fd < 0 ? errno : ::posix_fallocate(fd, 0, size);
    if (fd >= 0) {
        ::close(fd);
    }
    return rc == 0 ? QString() : QString::fromLocal8Bit(strerror(rc));
#else
    // macOS has no posix_fallocate() (only fcntl(F_PREALLOCATE)), Windows no descriptors: zeros are written instead,
    // which makes the file system set the blocks aside just as well, for 8 MB written once.
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly, PrivateFile)) {
        return out.errorString();
    }
    const QByteArray zeros(64 * 1024, '\0');
    for (qint64 written = 0; written < size; written += zeros.size()) {
        if (out.write(zeros.constData(), qMin(qint64(zeros.size()), size - written)) < 0) {
            return out.errorString();
        }
    }
    return out.flush() ? QString() : out.errorString();
#endif
}
} // namespace

QString SqliteWriter::reservePath() const
{
    return QDir(directory).filePath(QLatin1String(ReserveFileName));
}

bool SqliteWriter::openWriter()
{
    if (!db.open(path, SqliteDatabase::Mode::ReadWrite)) {
        errorString = QStringLiteral("%1: %2").arg(path, db.errorString());
        return false;
    }
    sqlite3_busy_timeout(db.handle(), 10000);
    // WAL with synchronous=FULL: every COMMIT fsyncs the log before it returns (the 250 waits for it).
    // secure_delete=FAST: Debian builds SQLite with SECURE_DELETE, which writes every freed page again, zeroed,
    // through the WAL, so deleting needed as much free space as it was to free and failed on a full disk. FAST
    // zeroes only what costs no extra I/O (https://sqlite.org/pragma.html#pragma_secure_delete).
    if (!db.exec("PRAGMA journal_mode=WAL") || !db.exec("PRAGMA synchronous=FULL")
        || !db.exec("PRAGMA secure_delete=FAST") || !db.exec("PRAGMA temp_store=MEMORY")
        || !db.exec("PRAGMA cache_size=-4096") || !db.exec("PRAGMA journal_size_limit=67108864")) {
        errorString = QStringLiteral("%1: %2").arg(path, db.errorString());
        return false;
    }
    if (!migrate()) {
        return false;
    }
    insertMessage = db.prepare(
        // The id is the message's IMAP UID: past every id any mailbox has had (migration 0011), never reused.
        "INSERT INTO messages (id, uid, received, mail_from, rcpt_to, client_address, client_port, helo, auth_user, "
        "tls, "
        "from_header, to_header, cc_header, subject, date, message_id, size, has_attachments, session_id, chunk_id, "
        "addresses, snippet, attachments, inlines, tls_protocol, tls_cipher, mailbox_id, copy_of, bounce_of, "
        "bounce_rule, parsed) "
        "VALUES ((SELECT max(ifnull((SELECT max(id) FROM messages), 0), (SELECT max(uid_next) FROM mailboxes) - 1) "
        "+ 1), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, ?24, ?25, ?26, ?27, ?28, ?29, 0)");
    // A tag that exists in another case keeps its spelling (tags.name is unique without regard to case).
    insertTag = db.prepare("INSERT INTO tags (name) VALUES (?1) ON CONFLICT DO NOTHING");
    findTag = db.prepare("SELECT id FROM tags WHERE name = ?1");
    insertMessageTag
        = db.prepare("INSERT INTO message_tags (message_id, tag_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    insertMailbox = db.prepare("INSERT INTO mailboxes (name) VALUES (?1)");
    insertBounce = db.prepare("INSERT INTO bounce_queue (message_id, seq, recipient, code, enhanced, text, rule, "
                              "after_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    clearBounces = db.prepare("DELETE FROM bounce_queue WHERE message_id = (SELECT id FROM messages WHERE uid = ?1)");
    insertSearch = db.prepare("INSERT INTO message_search (rowid, subject, from_text, to_text, cc_text, bcc_text, "
                              "reply_to_text, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insertData = db.prepare("INSERT INTO message_data (id, raw) VALUES (?1, ?2)");
    insertChunk = db.prepare("INSERT INTO transcript_chunks (previous_id, session_id) VALUES (?1, ?2)");
    insertEntry = db.prepare(
        "INSERT INTO transcript_entries (chunk_id, seq, time, direction, text) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insertMessage.isValid() || !insertData.isValid() || !insertChunk.isValid() || !insertEntry.isValid()
        || !insertSearch.isValid() || !insertTag.isValid() || !findTag.isValid() || !insertMessageTag.isValid()
        || !insertMailbox.isValid()) {
        errorString = QStringLiteral("%1: %2").arg(path, db.errorString());
        return false;
    }
    loadState();
    if (!loadSessions()) {
        errorString = QStringLiteral("%1: %2").arg(path, db.errorString());
        return false;
    }
    return true;
}

void SqliteWriter::loadState()
{
    cachedCount = queryCount();
    cachedUnread = queryUnread();
    loadMailboxes();
    SqliteStatement pending = db.prepare("SELECT count(*), min(id) FROM messages WHERE indexed = 0");
    const bool any = pending.step();
    unindexed = any ? pending.columnInt(0) : 0;
    firstUnindexed = unindexed > 0 ? pending.columnInt(1) : NoRow;
    SqliteStatement last = db.prepare("SELECT max(id) FROM messages");
    lastRowId = last.step() ? last.columnInt(0) : 0;
    publishState();
}

bool SqliteWriter::loadSessions()
{
    sessions.clear();
    SqliteStatement counts = db.prepare("SELECT session_id, count(*) FROM messages GROUP BY session_id");
    while (counts.step()) {
        sessions[counts.columnInt(0)].messages = counts.columnInt(1);
    }
    SqliteStatement newest = db.prepare("SELECT session_id, max(id) FROM transcript_chunks GROUP BY session_id");
    bool ok = true;
    while (newest.step(&ok)) {
        const auto it = sessions.find(newest.columnInt(0));
        if (it != sessions.end()) {
            it->lastChunk = newest.columnInt(1);
        }
    }
    return ok && counts.isValid() && newest.isValid();
}

qint64 SqliteWriter::queryCount()
{
    SqliteStatement st = db.prepare("SELECT count(*) FROM messages");
    return st.step() ? st.columnInt(0) : 0;
}

qint64 SqliteWriter::queryUnread()
{
    SqliteStatement st = db.prepare("SELECT count(*) FROM messages WHERE is_read = 0");
    return st.step() ? st.columnInt(0) : 0;
}

bool SqliteWriter::migrate()
{
    QString error;
    if (!SqliteMigrations::apply(db, &error)) {
        errorString = QStringLiteral("%1: %2").arg(path, error);
        return false;
    }
    return true;
}

bool SqliteWriter::loadMailboxes()
{
    mailboxRows.clear();
    SqliteStatement st = db.prepare("SELECT id, name FROM mailboxes");
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        const QString name = st.columnText(1);
        mailboxRows.insert(name.toLower(), MailboxRow { st.columnInt(0), name });
    }
    return ok;
}

std::optional<SqliteWriter::MailboxRow> SqliteWriter::mailbox(const QString &name, bool *made, QString *error)
{
    const auto found = mailboxRows.constFind(name.toLower());
    if (found != mailboxRows.cend()) {
        return *found;
    }
    if (!MailboxName::isValid(name)) {
        *error = QStringLiteral("invalid mailbox name: %1").arg(name);
        return std::nullopt;
    }
    insertMailbox.bind(1, name);
    if (!insertMailbox.exec()) {
        *error = db.errorString();
        return std::nullopt;
    }
    // A failed transaction reloads the mailboxes from the database (runTransaction).
    const MailboxRow row { db.lastInsertRowId(), name };
    mailboxRows.insert(name.toLower(), row);
    *made = true;
    return row;
}

qint64 SqliteWriter::tagId(const QString &name, QString *error)
{
    insertTag.bind(1, name);
    if (!insertTag.exec()) {
        *error = db.errorString();
        return 0;
    }
    findTag.bind(1, name);
    const qint64 id = findTag.step() ? findTag.columnInt(0) : 0;
    findTag.reset();
    if (id == 0) {
        *error = db.errorString();
    }
    return id;
}

bool SqliteWriter::pruneTags(QString *error)
{
    if (!db.exec("DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM message_tags mt WHERE mt.tag_id = tags.id)")) {
        *error = db.errorString();
        return false;
    }
    return true;
}

bool SqliteWriter::insert(
    IncomingMessage &message, const QStringList &tags, DeliveryResult *result, bool *madeMailbox, QString *error)
{
    *madeMailbox = false;
    const std::optional<MailboxRow> box = mailbox(message.mailbox, madeMailbox, error);
    if (!box) {
        return false;
    }
    const qint64 size = message.traceHeader.size() + message.data.size();
    const SmtpEnvelope &env = message.envelope;
    // Parsing waits until deliveries pause (indexPending()): the row starts with the envelope's facts only, and
    // readers parse such a row themselves meanwhile.
    const MessageSummary headers;
    const QByteArray rcpts = jsonStringArray(env.rcptTo);
    const QByteArray address = env.clientAddress.toString().toUtf8();

    SessionState &session = sessions[qint64(message.sessionKey)];
    insertChunk.bind(1, session.lastChunk);
    insertChunk.bind(2, qint64(message.sessionKey));
    if (!insertChunk.exec()) {
        *error = db.errorString();
        return false;
    }
    const qint64 chunkId = db.lastInsertRowId();
    // The entries in order, as given (RFC 5321 commands and replies; a Rule note is never handed to the store).
    if (!SqliteTranscripts::insert(db, insertEntry, chunkId, message.transcript, error)) {
        return false;
    }
    // A failed transaction reloads this state from the database (runTransaction).
    session.lastChunk = chunkId;
    ++session.messages;

    SqliteStatement &st = insertMessage;
    st.bind(1, message.id);
    st.bind(2, message.receivedMs);
    st.bind(3, env.mailFrom);
    st.bind(4, rcpts);
    st.bind(5, address);
    st.bind(6, qint64(env.clientPort));
    st.bind(7, env.helo);
    st.bind(8, env.authUser);
    st.bind(9, qint64(env.tls ? 1 : 0));
    st.bind(10, headers.from);
    st.bind(11, headers.to);
    st.bind(12, headers.cc);
    st.bind(13, headers.subject);
    st.bind(14, headers.dateMs);
    st.bind(15, headers.messageId);
    st.bind(16, size);
    st.bind(17, qint64(headers.hasAttachments ? 1 : 0));
    st.bind(18, qint64(message.sessionKey));
    st.bind(19, chunkId);
    // The same for every unparsed row: made once (a JSON document per message was 2 % of a 1 KB flood's CPU).
    static const QByteArray addresses = ParsedFacts::addressesJson(headers);
    st.bind(20, addresses);
    st.bind(21, headers.snippet);
    st.bind(22, qint64(headers.attachmentCount));
    st.bind(23, qint64(headers.inlineCount));
    st.bind(24, env.tlsProtocol);
    st.bind(25, env.tlsCipher);
    st.bind(26, box->id);
    st.bind(27, message.copyOf); // a null array binds as '' (constData() is never null)
    st.bind(28, message.bounceOf);
    st.bind(29, message.bounceRule);
    if (!st.exec()) {
        *error = db.errorString();
        return false;
    }
    const qint64 rowId = db.lastInsertRowId();
    // CONTRACT "Failure scenarios (rules)": the bounces still to be made are durable with their message (once, with
    // the first of its mailbox copies; never for the null sender), and go in the transaction that stores the bounce.
    if (message.copyOf.isEmpty() && !env.mailFrom.isEmpty()) {
        for (qsizetype seq = 0; seq < env.bounces.size(); ++seq) {
            const SmtpBounce &b = env.bounces.at(seq);
            insertBounce.bind(1, rowId);
            insertBounce.bind(2, qint64(seq));
            insertBounce.bindBlob(3, b.recipient);
            insertBounce.bind(4, qint64(b.code));
            insertBounce.bindBlob(5, b.enhanced);
            insertBounce.bindBlob(6, b.text);
            insertBounce.bindBlob(7, b.rule);
            insertBounce.bind(8, qint64(b.afterMs));
            if (!insertBounce.exec()) {
                *error = db.errorString();
                return false;
            }
        }
    }
    if (!message.bounceOf.isEmpty()) {
        clearBounces.bind(1, message.bounceOf);
        if (!clearBounces.exec()) {
            *error = db.errorString();
            return false;
        }
    }
    ++unindexed;
    firstUnindexed = std::min(firstUnindexed, rowId);
    lastRowId = std::max(lastRowId, rowId);

    insertData.bind(1, rowId);
    if (size < StreamedBlobThreshold) {
        const QByteArray raw = message.traceHeader + message.data;
        insertData.bindBlob(2, raw);
        if (!insertData.exec()) {
            *error = db.errorString();
            return false;
        }
    } else {
        insertData.bindZeroBlob(2, size);
        if (!insertData.exec()) {
            *error = db.errorString();
            return false;
        }
        sqlite3_blob *blob = nullptr;
        int rc = sqlite3_blob_open(db.handle(), "main", "message_data", "raw", rowId, 1, &blob);
        if (rc == SQLITE_OK) {
            rc = sqlite3_blob_write(blob, message.traceHeader.constData(), int(message.traceHeader.size()), 0);
        }
        // Chunks keep SQLite's page cache work bounded per call.
        constexpr qint64 Chunk = 1024 * 1024;
        for (qint64 off = 0; rc == SQLITE_OK && off < message.data.size(); off += Chunk) {
            const int len = int(qMin(Chunk, message.data.size() - off));
            rc = sqlite3_blob_write(blob, message.data.constData() + off, len, int(message.traceHeader.size() + off));
        }
        if (rc != SQLITE_OK) {
            *error = QString::fromUtf8(sqlite3_errstr(rc));
            sqlite3_blob_close(blob);
            return false;
        }
        if (sqlite3_blob_close(blob) != SQLITE_OK) {
            *error = db.errorString();
            return false;
        }
    }

    // The delivery's facts; the parsed ones come later (readers make them meanwhile).
    MessageSummary &s = result->summary;
    s.id = QString::fromLatin1(message.id);
    s.receivedMs = message.receivedMs;
    s.mailFrom = QString::fromUtf8(env.mailFrom);
    s.authUser = QString::fromUtf8(env.authUser);
    s.size = size;
    s.mailbox = box->name;
    for (const QString &tag : tags) {
        const qint64 tagRow = tagId(tag, error);
        if (tagRow == 0) {
            return false;
        }
        insertMessageTag.bind(1, rowId);
        insertMessageTag.bind(2, tagRow);
        if (!insertMessageTag.exec()) {
            *error = db.errorString();
            return false;
        }
    }
    if (!tags.isEmpty()) {
        // The spelling each tag has in the store (an existing tag keeps its own).
        SqliteStatement names
            = db.prepare("SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.message_id = ?1");
        names.bind(1, rowId);
        while (names.step()) {
            s.tags << names.columnText(0);
        }
        MessageTags::sort(s.tags);
    }
    ++cachedCount;
    ++cachedUnread;
    return true;
}

bool SqliteWriter::deleteMessages(const QList<QPair<qint64, qint64>> &rows, QString *error)
{
    SqliteStatement data;
    SqliteStatement message;
    SqliteStatement previousOf;
    SqliteStatement chunk;
    SqliteStatement entries;
    SqliteStatement search;
    SqliteStatement flags;
    SqliteStatement relayLog;
    SqliteStatement relayQueue;
    SqliteStatement bounceQueue;
    if (!prepareAll(db,
            { { &data, "DELETE FROM message_data WHERE id = ?1" }, { &message, "DELETE FROM messages WHERE id = ?1" },
                { &previousOf, "SELECT previous_id FROM transcript_chunks WHERE id = ?1" },
                { &chunk, "DELETE FROM transcript_chunks WHERE id = ?1" },
                { &entries, "DELETE FROM transcript_entries WHERE chunk_id = ?1" },
                { &search, "DELETE FROM message_search WHERE rowid = ?1" },
                { &flags, "SELECT is_read = 0, indexed = 0 FROM messages WHERE id = ?1" },
                { &relayLog, "DELETE FROM relay_log WHERE message_id = ?1" },
                { &relayQueue, "DELETE FROM relay_queue WHERE message_id = ?1" },
                { &bounceQueue, "DELETE FROM bounce_queue WHERE message_id = ?1" } },
            error)) {
        return false;
    }
    for (const auto &[row, sessionId] : rows) {
        data.bind(1, row);
        message.bind(1, row);
        search.bind(1, row);
        flags.bind(1, row);
        if (flags.step()) {
            cachedUnread -= flags.columnInt(0) != 0 ? 1 : 0;
            unindexed -= flags.columnInt(1) != 0 ? 1 : 0;
        }
        flags.reset();
        // A deleted message is relayed no more (docs/architecture.md "Relay").
        relayLog.bind(1, row);
        relayQueue.bind(1, row);
        bounceQueue.bind(1, row);
        if (!data.exec() || !search.exec() || !message.exec() || !relayLog.exec() || !relayQueue.exec()
            || !bounceQueue.exec()) {
            *error = db.errorString();
            return false;
        }
        // A session's chunks stay while any of its messages does: later messages show the whole session.
        const auto session = sessions.find(sessionId);
        if (session == sessions.end() || --session->messages > 0) {
            continue;
        }
        qint64 link = session->lastChunk;
        sessions.erase(session);
        while (link > 0) {
            previousOf.bind(1, link);
            const qint64 previous = previousOf.step() ? previousOf.columnInt(0) : 0;
            previousOf.reset();
            chunk.bind(1, link);
            entries.bind(1, link);
            if (!chunk.exec() || !entries.exec()) {
                *error = db.errorString();
                return false;
            }
            link = previous;
        }
    }
    cachedCount -= rows.size();
    // Their tag links went with them (the messages_deleted trigger).
    return pruneTags(error);
}

QStringList SqliteWriter::prune(QString *error)
{
    const qint64 max = maxMessages.load();
    if (max <= 0 || cachedCount <= max) {
        return {};
    }
    QStringList ids;
    QList<QPair<qint64, qint64>> rows;
    {
        // Pinned messages are kept (CONTRACT "Mailboxes"): the oldest unpinned ones go, and when too many are
        // pinned, every unpinned one.
        SqliteStatement st
            = db.prepare("SELECT id, uid, session_id FROM messages WHERE pinned = 0 ORDER BY id LIMIT ?1");
        st.bind(1, cachedCount - max);
        while (st.step()) {
            rows.append({ st.columnInt(0), st.columnInt(2) });
            ids << st.columnText(1);
        }
    }
    if (rows.isEmpty() || !deleteMessages(rows, error)) {
        return {};
    }
    return ids;
}

void SqliteWriter::writerLoop()
{
    for (;;) {
        std::deque<SqliteWriteOp> batch;
        {
            std::unique_lock lock(queueMutex);
            const auto woken = [this] {
                return stopping || !queue.empty();
            };
            if (queue.empty() && !stopping) {
                // Nothing to write. Once deliveries have paused, index what arrived (off the SMTP reply path), a
                // short slice at a time: during a burst indexing waits, so that it never slows acknowledgements.
                // While the space reserve is missing, look for room to make it again now and then.
                const auto now = std::chrono::steady_clock::now();
                auto wake = std::chrono::steady_clock::time_point::max();
                if (unindexed > 0) {
                    const auto indexFrom = std::max(lastArrival + IndexQuietPeriod, indexingRetry);
                    if (now >= indexFrom) {
                        lock.unlock();
                        indexer->indexWhileIdle();
                        continue;
                    }
                    wake = indexFrom;
                }
                if (!reserveHeld) {
                    if (now >= nextReserveCheck) {
                        lock.unlock();
                        makeReserve();
                        continue;
                    }
                    wake = std::min(wake, nextReserveCheck);
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
            // Group commit: if sessions are about to hand over more messages, give them a moment to
            // join this commit instead of paying an fsync of their own.
            int expected = 0;
            for (const SqliteWriteOp &op : batch) {
                expected = std::max(expected, op.expectedSoon);
            }
            const auto deadline = std::chrono::steady_clock::now() + CommitDelay;
            while (!stopping && int(batch.size()) <= expected) {
                // Woken once all that is expected has come, not by each hand-over meanwhile (enqueue()).
                wakeWriterAt = size_t(expected + 1) - batch.size();
                const bool complete = queueCondition.wait_until(
                    lock, deadline, [this] { return stopping || queue.size() >= wakeWriterAt; });
                for (SqliteWriteOp &op : queue) {
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
        // Group commit: everything queued while the last fsync ran shares the next one.
        QString error;
        QStringList pruned;
        if (runTransaction(batch, 0, batch.size(), &pruned, &error)) {
            for (SqliteWriteOp &op : batch) {
                if (op.done) {
                    op.done(true, QString());
                }
            }
        } else {
            runEachAlone(batch, error, &pruned);
        }
        if (!pruned.isEmpty()) {
            Q_EMIT q->messagesPruned(pruned);
        }
    }
}

void SqliteWriter::runEachAlone(std::deque<SqliteWriteOp> &batch, const QString &batchError, QStringList *pruned)
{
    // Something failed and the whole batch was rolled back: retry each operation on its own, so that only the ones
    // that really fail are refused (a batch of one has had its try).
    const bool alreadyAlone = batch.size() == 1;
    for (size_t i = 0; i < batch.size(); ++i) {
        QString error = batchError;
        QStringList prunedNow;
        bool ok = !alreadyAlone && runTransaction(batch, i, i + 1, &prunedNow, &error);
        // A deletion is how the user makes room: on a full disk it may use the reserve kept for it. Deliveries may
        // not (they get 451 and are retried by their client).
        const bool gaveUpReserve
            = !ok && batch[i].kind == SqliteWriteOp::Kind::Deletion && lastFailureWasFull && releaseReserve();
        if (gaveUpReserve) {
            ok = runTransaction(batch, i, i + 1, &prunedNow, &error);
        }
        *pruned += prunedNow;
        if (batch[i].done) {
            batch[i].done(ok, ok ? QString() : error);
        }
    }
}

bool SqliteWriter::runTransaction(
    std::deque<SqliteWriteOp> &batch, size_t from, size_t to, QStringList *pruned, QString *error)
{
    error->clear();
    lastFailureWasFull = false;
    // The search index can be rebuilt from the sources (a lost slice leaves indexed = 0): a batch of nothing but
    // indexing need not wait for fsync; the next durable commit syncs the WAL with it anyway.
    const bool durable = std::any_of(batch.begin() + qsizetype(from), batch.begin() + qsizetype(to),
        [](const SqliteWriteOp &op) { return op.kind != SqliteWriteOp::Kind::Index; });
    if (!durable) {
        db.exec("PRAGMA synchronous=NORMAL");
    }
    const auto restoreSync = qScopeGuard([this, durable] {
        if (!durable) {
            db.exec("PRAGMA synchronous=FULL");
        }
    });
    if (!db.exec("BEGIN IMMEDIATE")) {
        *error = db.errorString();
        lastFailureWasFull = (db.errorCode() & 0xff) == SQLITE_FULL;
        return false;
    }
    bool ok = true;
    for (size_t i = from; i < to && ok; ++i) {
        ok = batch[i].apply(error);
    }
    if (ok) {
        *pruned = prune(error);
        ok = error->isEmpty();
    }
    if (ok && db.exec("COMMIT")) {
        ++commits;
        if (durable) {
            indexingRetry = {}; // space or locks may have changed: indexing may work again
        }
        publishState();
        return true;
    }
    lastFailureWasFull = (db.errorCode() & 0xff) == SQLITE_FULL;
    if (error->isEmpty()) {
        *error = db.errorString();
    }
    if (error->isEmpty()) {
        *error = QStringLiteral("write failed");
    }
    lastFailureWasFull = lastFailureWasFull || error->contains(QLatin1String("database or disk is full"));
    db.exec("ROLLBACK");
    pruned->clear();
    // The in-memory state followed the rolled-back changes: read it again.
    loadState();
    loadSessions();
    return false;
}

void SqliteWriter::enqueue(SqliteWriteOp op)
{
    std::vector<SqliteWriteOp> ops;
    ops.push_back(std::move(op));
    enqueue(std::move(ops));
}

void SqliteWriter::enqueue(std::vector<SqliteWriteOp> ops)
{
    bool wake = false;
    {
        std::lock_guard lock(queueMutex);
        if (running && !stopping) {
            for (SqliteWriteOp &op : ops) {
                if (op.kind != SqliteWriteOp::Kind::Index) {
                    lastArrival = std::chrono::steady_clock::now();
                }
                queue.push_back(std::move(op));
            }
            // One wake-up for them all, and none while a group commit waits for more than have come.
            wake = queue.size() >= wakeWriterAt;
            ops.clear();
        }
    }
    if (wake) {
        // Once the lock is free: the writer, woken, may run at once on the same core and would otherwise block on
        // the lock this thread still held (docs/benchmarks.md, 1k-c8).
        queueCondition.notify_one();
    }
    for (SqliteWriteOp &op : ops) {
        if (op.done) {
            op.done(false, QStringLiteral("the message store is closed"));
        }
    }
}

void SqliteWriter::submit(std::function<bool(QString *)> apply, std::function<void()> after,
    std::function<void(const QString &failure)> finished, SqliteWriteOp::Kind kind)
{
    SqliteWriteOp op { std::move(apply),
        [after = std::move(after), finished = std::move(finished)](bool ok, const QString &failure) {
            if (ok && after) {
                after();
            }
            // A failure always carries its reason (runTransaction() makes one up when SQLite has none).
            if (finished) {
                finished(ok ? QString() : (failure.isEmpty() ? QStringLiteral("write failed") : failure));
            }
        },
        0, kind };
    enqueue(std::move(op));
}

bool SqliteWriter::runAndWait(
    std::function<bool(QString *)> apply, std::function<void()> after, QString *error, SqliteWriteOp::Kind kind)
{
    auto promise = std::make_shared<std::promise<QString>>();
    std::future<QString> result = promise->get_future();
    submit(
        std::move(apply), std::move(after), [promise](const QString &failure) { promise->set_value(failure); }, kind);
    const QString failure = result.get();
    if (error) {
        *error = failure;
    }
    return failure.isEmpty();
}

bool SqliteWriter::prepareDirectory()
{
    const QString dir = QDir::cleanPath(directory);
    const bool existed = QFileInfo::exists(dir);
    if (!existed) {
        // The parents as the user's umask makes them (they may be shared, such as ~/.local/share); the directory
        // itself is created private rather than tightened after, so its files are never listable by others.
        QDir().mkpath(QFileInfo(dir).absolutePath());
        QDir().mkdir(dir, PrivateDirectory);
    }
    if (!QFileInfo(dir).isDir()) {
        errorString = QStringLiteral("%1: cannot create the directory").arg(directory);
        return false;
    }
    // Letterbox's own directories are private: the one it just made, and the default one (earlier versions made it
    // 0755). A directory the user named that already existed may hold other things and be shared on purpose (a
    // project folder, /tmp): there only the store's own files are made private.
    if ((!existed || isDefaultDataDirectory(dir)) && !QFile::setPermissions(dir, PrivateDirectory)) {
        qCWarning(lcStore) << "cannot make" << dir << "private to its user";
    }
    path = QDir(dir).filePath(QStringLiteral("letterbox.db"));
    // SQLite creates the -wal and -shm files with the database file's permissions: the database is created 0600
    // before SQLite opens it (an empty file is an empty database), and files an earlier version made are tightened.
    if (!QFileInfo::exists(path)) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, PrivateFile) && !QFileInfo::exists(path)) {
            errorString = QStringLiteral("%1: %2").arg(path, file.errorString());
            return false;
        }
    }
    for (const char *suffix : { "", "-wal", "-shm", "-journal" }) {
        const QString file = path + QLatin1String(suffix);
        if (QFileInfo::exists(file) && !QFile::setPermissions(file, PrivateFile)) {
            qCWarning(lcStore) << "cannot make" << file << "private to its user";
        }
    }
    return true;
}

void SqliteWriter::makeReserve()
{
    nextReserveCheck = std::chrono::steady_clock::now() + IdleRetryInterval;
    const QString file = reservePath();
    if (QFileInfo(file).size() >= ReserveBytes) {
        reserveHeld = true;
        return;
    }
    if (QStorageInfo(directory).bytesAvailable() < ReserveBytes + ReserveHeadroom) {
        reserveHeld = false;
        return;
    }
    const QString failure = allocateFile(file, ReserveBytes);
    if (!failure.isEmpty()) {
        qCDebug(lcStore).noquote() << "cannot make the reserve of free space" << file << ":" << failure;
        QFile::remove(file);
        reserveHeld = false;
        return;
    }
    QFile::setPermissions(file, PrivateFile);
    reserveHeld = true;
}

bool SqliteWriter::releaseReserve()
{
    reserveHeld = false;
    nextReserveCheck = std::chrono::steady_clock::now() + IdleRetryInterval;
    if (!QFile::remove(reservePath())) {
        return false;
    }
    qCWarning(lcStore).noquote() << "the disk is full: gave up the reserve of free space to delete messages";
    return true;
}

bool SqliteWriter::truncateWal()
{
    // A TRUNCATE checkpoint copies the WAL into the database file and empties it, so its space goes back to the
    // disk (https://sqlite.org/c3ref/wal_checkpoint_v2.html). Copying may first grow the database file by the pages
    // written since the last checkpoint: on a full disk that is what the reserve is for. It waits for readers only
    // a moment: one streaming a large source must not hold up deliveries.
    sqlite3_busy_timeout(db.handle(), 200);
    int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_FULL && releaseReserve()) {
        rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    sqlite3_busy_timeout(db.handle(), 10000);
    if (rc != SQLITE_OK) {
        qCDebug(lcStore).noquote() << "checkpoint after deleting:" << db.errorString();
    }
    return rc == SQLITE_OK;
}

void SqliteWriter::reclaimSpace(Deleted deleted)
{
    // The pages of deleted messages stay in the database file for later messages; the WAL holds the newest pages
    // until a checkpoint. On a nearly full disk neither can grow, so mail would still be refused after a deletion:
    // the WAL is emptied into the database then. After deleting everything, a large file is rebuilt small (VACUUM
    // of an empty database), so the user gets the disk back; small ones are left (test suites delete everything
    // between tests, and need not pay for that each time).
    const bool nearlyFull = !reserveHeld || QStorageInfo(directory).bytesAvailable() < ReserveHeadroom;
    bool large = false;
    if (deleted == Deleted::Everything && cachedCount == 0) {
        SqliteStatement free = db.prepare("PRAGMA freelist_count");
        SqliteStatement pageSize = db.prepare("PRAGMA page_size");
        large = free.step() && pageSize.step() && free.columnInt(0) * pageSize.columnInt(0) >= ReserveBytes;
    }
    if (!nearlyFull && !large) {
        return;
    }
    truncateWal();
    if (large) {
        if (!db.exec("VACUUM")) {
            qCDebug(lcStore).noquote() << "VACUUM after deleting every message:" << db.errorString();
        }
        truncateWal();
    }
    if (!reserveHeld) {
        makeReserve();
    }
}

void SqliteWriter::report(Write what, qint64 messages, const QString &error) const
{
    qCWarning(lcStore).noquote().nospace() << "could not " << describe(what, messages) << ": " << error;
    Q_EMIT q->writeFailed(what, messages, error);
}

void SqliteWriter::removeMessages(const QStringList &ids, Pinned pinned, std::function<void(const QString &)> finished)
{
    auto removed = std::make_shared<QStringList>();
    submit(
        [this, ids, pinned, removed](QString *error) {
            removed->clear();
            SqliteStatement find = db.prepare("SELECT id, session_id, pinned FROM messages WHERE uid = ?1");
            QList<QPair<qint64, qint64>> rows;
            for (const QString &id : ids) {
                find.bind(1, id);
                if (find.step() && (pinned == Pinned::Removed || find.columnInt(2) == 0)) {
                    rows.append({ find.columnInt(0), find.columnInt(1) });
                    *removed << id;
                }
                find.reset();
            }
            if (!deleteMessages(rows, error)) {
                removed->clear();
                return false;
            }
            return true;
        },
        [this, removed] {
            reclaimSpace(Deleted::Some);
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
        },
        SqliteWriteOp::Kind::Deletion);
}

void SqliteWriter::removeEverything(std::function<void(const QString &)> finished)
{
    // Every message, unless some are pinned (CONTRACT "Mailboxes": delete-all keeps them): then the others go one
    // by one, and the signal names them (messagesRemoved), since not every message went.
    struct Outcome
    {
        qint64 cleared = 0;
        QStringList removed;
    };
    auto outcome = std::make_shared<Outcome>();
    submit(
        [this, outcome](QString *error) {
            *outcome = {};
            SqliteStatement pinned = db.prepare("SELECT count(*) FROM messages WHERE pinned = 1");
            if (!pinned.step()) {
                *error = db.errorString();
                return false;
            }
            if (pinned.columnInt(0) > 0) {
                SqliteStatement find
                    = db.prepare("SELECT id, session_id, uid FROM messages WHERE pinned = 0 ORDER BY id");
                QList<QPair<qint64, qint64>> rows;
                while (find.step()) {
                    rows.append({ find.columnInt(0), find.columnInt(1) });
                    outcome->removed << find.columnText(2);
                }
                if (!deleteMessages(rows, error)) {
                    outcome->removed.clear();
                    return false;
                }
                return true;
            }
            outcome->cleared = cachedCount;
            if (!db.exec("DELETE FROM message_data") || !db.exec("DELETE FROM transcript_chunks")
                || !db.exec("DELETE FROM transcript_entries") || !db.exec("DELETE FROM message_search")
                || !db.exec("DELETE FROM relay_log") || !db.exec("DELETE FROM relay_queue")
                || !db.exec("DELETE FROM bounce_queue") || !db.exec("DELETE FROM messages")
                || !db.exec("DELETE FROM tags")) {
                *error = db.errorString();
                return false;
            }
            cachedCount = 0;
            cachedUnread = 0;
            unindexed = 0;
            firstUnindexed = NoRow;
            lastRowId = 0;
            sessions.clear();
            return true;
        },
        [this, outcome] {
            // On the writer thread, after the commit.
            if (!outcome->removed.isEmpty()) {
                reclaimSpace(Deleted::Some);
                Q_EMIT q->messagesRemoved(outcome->removed);
                return;
            }
            reclaimSpace(Deleted::Everything);
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
        },
        SqliteWriteOp::Kind::Deletion);
}

void SqliteWriter::markRead(const QStringList &ids, bool read, std::function<void(const QString &)> finished)
{
    auto changed = std::make_shared<QStringList>();
    submit(
        [this, ids, read, changed](QString *error) {
            changed->clear();
            SqliteStatement st = db.prepare("UPDATE messages SET is_read = ?1 WHERE uid = ?2 AND is_read != ?1");
            for (const QString &id : ids) {
                st.bind(1, qint64(read ? 1 : 0));
                st.bind(2, id);
                if (!st.exec()) {
                    *error = db.errorString();
                    return false;
                }
                if (db.changes() > 0) {
                    *changed << id;
                    cachedUnread += read ? -1 : 1;
                }
            }
            return true;
        },
        [this, changed, read] {
            if (!changed->isEmpty()) {
                Q_EMIT q->readChanged(*changed, read);
            }
        },
        [this, read, count = ids.size(), finished = std::move(finished)](const QString &failure) {
            if (!failure.isEmpty()) {
                report(read ? Write::MarkRead : Write::MarkUnread, count, failure);
            }
            if (finished) {
                finished(failure);
            }
        });
}

void SqliteWriter::submitChange(Write what, qint64 messages,
    std::function<bool(QStringList *changed, QString *refusal, QString *error)> apply,
    std::function<void(const QStringList &changed)> changed, std::function<void(const QString &)> finished)
{
    struct Outcome
    {
        QStringList changed;
        QString refusal;
    };
    auto outcome = std::make_shared<Outcome>();
    submit(
        [outcome, apply = std::move(apply)](QString *error) {
            *outcome = {};
            return apply(&outcome->changed, &outcome->refusal, error);
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

void SqliteWriter::markPinned(const QStringList &ids, bool pinned, std::function<void(const QString &)> finished)
{
    submitChange(
        pinned ? Write::Pin : Write::Unpin, ids.size(),
        [this, ids, pinned](QStringList *changed, QString *, QString *error) {
            SqliteStatement st = db.prepare("UPDATE messages SET pinned = ?1 WHERE uid = ?2 AND pinned != ?1");
            for (const QString &id : ids) {
                st.bind(1, qint64(pinned ? 1 : 0));
                st.bind(2, id);
                if (!st.exec()) {
                    *error = db.errorString();
                    return false;
                }
                if (db.changes() > 0) {
                    *changed << id;
                }
            }
            return true;
        },
        [this, pinned](const QStringList &changed) { Q_EMIT q->pinnedChanged(changed, pinned); }, std::move(finished));
}

void SqliteWriter::changeTags(
    const QStringList &ids, const QStringList &tags, std::function<void(const QString &)> finished)
{
    const QStringList wanted = MessageTags::normalized(tags);
    submitChange(
        Write::Tagging, ids.size(),
        [this, ids, wanted](QStringList *changed, QString *, QString *error) {
            QList<qint64> tagRows;
            for (const QString &tag : wanted) {
                const qint64 row = tagId(tag, error);
                if (row == 0) {
                    return false;
                }
                tagRows << row;
            }
            SqliteStatement find = db.prepare("SELECT id FROM messages WHERE uid = ?1");
            SqliteStatement clear = db.prepare("DELETE FROM message_tags WHERE message_id = ?1");
            for (const QString &id : ids) {
                find.bind(1, id);
                const qint64 row = find.step() ? find.columnInt(0) : 0;
                find.reset();
                if (row == 0) {
                    continue;
                }
                clear.bind(1, row);
                if (!clear.exec()) {
                    *error = db.errorString();
                    return false;
                }
                for (qint64 tag : std::as_const(tagRows)) {
                    insertMessageTag.bind(1, row);
                    insertMessageTag.bind(2, tag);
                    if (!insertMessageTag.exec()) {
                        *error = db.errorString();
                        return false;
                    }
                }
                *changed << id;
            }
            return pruneTags(error);
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void SqliteWriter::renameTag(const QString &from, const QString &to, std::function<void(const QString &)> finished)
{
    // Mailpit's RenameTag: the new name cleaned and checked first; the same name is no change.
    const QString name = MessageTags::clean(to);
    submitChange(
        Write::Tagging, 0,
        [this, from, name](QStringList *changed, QString *refusal, QString *error) {
            if (name.isEmpty()) {
                *refusal = QStringLiteral("invalid tag name: %1").arg(name);
                return true;
            }
            if (from == name) {
                return true;
            }
            findTag.bind(1, from);
            const qint64 row = findTag.step() ? findTag.columnInt(0) : 0;
            findTag.reset();
            if (row == 0) {
                *refusal = QStringLiteral("tag not found: %1").arg(from);
                return true;
            }
            findTag.bind(1, name);
            const qint64 other = findTag.step() ? findTag.columnInt(0) : 0;
            findTag.reset();
            if (other != 0 && other != row) {
                *refusal = QStringLiteral("tag already exists: %1").arg(name);
                return true;
            }
            SqliteStatement rename = db.prepare("UPDATE tags SET name = ?1 WHERE id = ?2");
            rename.bind(1, name);
            rename.bind(2, row);
            SqliteStatement tagged = db.prepare(
                "SELECT m.uid FROM message_tags mt JOIN messages m ON m.id = mt.message_id WHERE mt.tag_id = ?1");
            tagged.bind(1, row);
            while (tagged.step()) {
                *changed << tagged.columnText(0);
            }
            if (!rename.exec()) {
                *error = db.errorString();
                return false;
            }
            return true;
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void SqliteWriter::deleteTag(const QString &name, std::function<void(const QString &)> finished)
{
    submitChange(
        Write::Tagging, 0,
        [this, name](QStringList *changed, QString *refusal, QString *error) {
            findTag.bind(1, name);
            const qint64 row = findTag.step() ? findTag.columnInt(0) : 0;
            findTag.reset();
            if (row == 0) {
                *refusal = QStringLiteral("tag not found: %1").arg(name);
                return true;
            }
            SqliteStatement tagged = db.prepare(
                "SELECT m.uid FROM message_tags mt JOIN messages m ON m.id = mt.message_id WHERE mt.tag_id = ?1");
            tagged.bind(1, row);
            while (tagged.step()) {
                *changed << tagged.columnText(0);
            }
            SqliteStatement links = db.prepare("DELETE FROM message_tags WHERE tag_id = ?1");
            SqliteStatement tag = db.prepare("DELETE FROM tags WHERE id = ?1");
            links.bind(1, row);
            tag.bind(1, row);
            if (!links.exec() || !tag.exec()) {
                *error = db.errorString();
                return false;
            }
            return true;
        },
        [this](const QStringList &changed) { Q_EMIT q->tagsChanged(changed); }, std::move(finished));
}

void SqliteWriter::start()
{
    {
        std::lock_guard lock(queueMutex);
        stopping = false;
        running = true;
    }
    thread = std::thread([this] { writerLoop(); });
}

void SqliteWriter::stop()
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
    insertMessage = {};
    insertData = {};
    insertChunk = {};
    insertEntry = {};
    insertSearch = {};
    insertTag = {};
    findTag = {};
    insertMessageTag = {};
    insertMailbox = {};
    db.close();
}

void SqliteWriter::keepRefusedSession(RefusedSession session)
{
    auto input = std::make_shared<const RefusedSession>(std::move(session));
    auto kept = std::make_shared<RefusedSession>();
    submit(
        [this, input, kept](QString *error) {
            // May run again after a rollback: from the session as handed over each time.
            *kept = *input;
            // Its messages' chunks, while any of them is stored (deleteMessages() drops them with the last).
            const auto state = sessions.constFind(qint64(input->sessionKey));
            const qint64 lastChunk = state == sessions.cend() ? 0 : state->lastChunk;
            // Retention as for messages, counted on its own (docs/architecture.md "Refused sessions").
            return SqliteRefusedSessions::insert(db, *kept, lastChunk, error)
                && SqliteRefusedSessions::prune(db, maxMessages.load(), error);
        },
        [this, kept] {
            kept->data = QByteArray();
            Q_EMIT q->refusedSessionKept(*kept);
        },
        [id = input->id](const QString &failure) {
            if (!failure.isEmpty()) {
                qCWarning(lcStore) << "could not keep refused session" << id << failure;
            }
        });
}

void SqliteWriter::removeRefusedSessions(std::function<void(const QString &)> finished)
{
    auto removed = std::make_shared<qint64>(0);
    submit([this, removed](QString *error) { return SqliteRefusedSessions::removeAll(db, removed.get(), error); },
        [this, removed] { Q_EMIT q->refusedSessionsCleared(*removed); }, std::move(finished),
        SqliteWriteOp::Kind::Deletion);
}
