#include "messagestore.h"

#include "../mime/parsedmessage.h"
#include "searchquery.h"
#include "sourcedevice.h"
#include "sqlitedatabase.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSet>
#include <QStandardPaths>
#include <QStorageInfo>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

Q_LOGGING_CATEGORY(lcStore, "letterbox.store")

namespace {
constexpr int SchemaVersion = 2;

// Migrations by version; each runs once, in one transaction, and bumps schema_version.
const char *const Migrations[] = {
    // 1: messages (summary + envelope); their sources in a table of their own, so that listing never reads
    //    a source's pages; SMTP transcripts in chunks: each message's chunk holds the entries since its
    //    session's previous message and links to that message's chunk, so a message's transcript (the whole
    //    session up to its final reply) is its chain of chunks. A session's chunks live as long as any of its
    //    messages (counted in memory, rebuilt on open); chunk ids are only reused once nothing can point at
    //    them. Every insert lands at the end of its table: one page each per commit.
    R"sql(
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    received INTEGER NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    client_address TEXT NOT NULL,
    client_port INTEGER NOT NULL,
    helo TEXT NOT NULL,
    auth_user TEXT NOT NULL,
    tls INTEGER NOT NULL,
    from_header TEXT NOT NULL,
    to_header TEXT NOT NULL,
    cc_header TEXT NOT NULL,
    subject TEXT NOT NULL,
    date INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    is_read INTEGER NOT NULL DEFAULT 0,
    session_id INTEGER NOT NULL,
    chunk_id INTEGER NOT NULL
);
CREATE TABLE message_data (id INTEGER PRIMARY KEY, raw BLOB NOT NULL);
CREATE TABLE transcript_chunks (
    id INTEGER PRIMARY KEY,
    previous_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    entries TEXT NOT NULL
);
)sql",
    // 2: the parsed model's summary (GMime, core/mime) and a trigram full-text index for Mailpit's substring
    //    search. Both are made off the SMTP reply path, between deliveries (indexPending()): parsed = 0 means
    //    the summary columns are not filled yet (readers parse such a row themselves), indexed = 0 that the
    //    message is not in message_search yet. Messages of schema 1 start with both 0.
    R"sql(
ALTER TABLE messages ADD COLUMN addresses TEXT NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN inlines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN parsed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_unparsed ON messages (id) WHERE parsed = 0;
CREATE INDEX messages_unindexed ON messages (id) WHERE indexed = 0;
CREATE INDEX messages_facts ON messages (id, is_read, received, size, attachments, inlines, message_id);
CREATE VIRTUAL TABLE message_search USING fts5(
    subject, from_text, to_text, cc_text, bcc_text, reply_to_text, body, tokenize = 'trigram'
);
)sql",
};

// Sources at least this big are written with incremental blob I/O, so SQLite never assembles
// a second whole copy of them in a record buffer.
constexpr qint64 StreamedBlobThreshold = 256 * 1024;

// A transcript shows at most this many messages' worth of its session (a client may send thousands
// of messages over one connection).
constexpr qsizetype MaxTranscriptChunks = 1000;

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

// RFC 3339 UTC with milliseconds ("2026-01-02T03:04:05.123Z"), without QDateTime's cost per call.
void appendTime(QByteArray &out, qint64 ms)
{
    const qint64 days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    qint64 rest = ms - days * 86400000;
    // H. Hinnant's civil_from_days.
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 d = doy - (153 * mp + 2) / 5 + 1;
    const qint64 m = mp < 10 ? mp + 3 : mp - 9;
    const qint64 y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    const auto put = [&out](qint64 value, int width) {
        char digits[8];
        for (int i = width - 1; i >= 0; --i) {
            digits[i] = char('0' + value % 10);
            value /= 10;
        }
        out.append(digits, width);
    };
    put(y, 4);
    out += '-';
    put(m, 2);
    out += '-';
    put(d, 2);
    out += 'T';
    put(rest / 3600000, 2);
    out += ':';
    put(rest / 60000 % 60, 2);
    out += ':';
    put(rest / 1000 % 60, 2);
    out += '.';
    put(rest % 1000, 3);
    out += 'Z';
}

// Transcript entries as comma-separated JSON objects: chunks of one session join with ',' into an array.
QByteArray transcriptChunk(const Transcript &transcript)
{
    QByteArray out;
    out.reserve(transcript.size() * 72);
    bool first = true;
    for (const TranscriptEntry &entry : transcript) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += "{\"Time\":\"";
        appendTime(out, entry.timeMs);
        out += entry.direction == TranscriptEntry::Direction::In ? "\",\"Direction\":\"in\",\"Text\":"
                                                                 : "\",\"Direction\":\"out\",\"Text\":";
        appendJsonString(out, validUtf8(entry.text));
        out += '}';
    }
    return out;
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

// A complete search indexes the backlog before it in slices, one writer transaction each, so that deliveries
// arriving meanwhile are committed between slices: their 250 waits for one slice (measured: about 10 ms for 256
// small messages), never for the whole backlog.
constexpr int IndexSliceSize = 256;
constexpr auto IndexSliceBudget = std::chrono::milliseconds(15);

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
// While the reserve is missing, how often the writer looks for room to make it again; and how long it waits before
// indexing again after indexing failed.
constexpr auto IdleRetryInterval = std::chrono::seconds(5);
const char *const ReserveFileName = "letterbox.reserve";

constexpr qint64 NoRow = std::numeric_limits<qint64>::max();

struct WriteOp
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

// Owner only: caught mail holds password resets, tokens and personal data.
constexpr QFile::Permissions PrivateFile = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions PrivateDirectory = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

const char *const SummaryColumns = "m.uid, m.received, m.mail_from, m.from_header, m.to_header, m.cc_header, "
                                   "m.subject, m.date, m.message_id, m.size, m.has_attachments, m.is_read, "
                                   "m.auth_user, m.addresses, m.snippet, m.attachments, m.inlines, m.id, m.parsed, "
                                   "m.rcpt_to";
constexpr int SummaryColumnCount = 20;

// The summary's address lists as stored in messages.addresses.
QByteArray addressesColumn(const MessageSummary &s)
{
    const QJsonObject o { { QStringLiteral("From"), toJson(s.fromList) }, { QStringLiteral("To"), toJson(s.toList) },
        { QStringLiteral("Cc"), toJson(s.ccList) }, { QStringLiteral("Bcc"), toJson(s.bccList) },
        { QStringLiteral("ReplyTo"), toJson(s.replyToList) } };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// What one parse contributes to a summary and to the search index.
struct ParsedFacts
{
    MessageSummary summary; // the header and MIME fields only
    QString body; // indexed text: the text body and attachment names
};

// The summary needs only the start of the body (the snippet); the index reads up to this much of it.
constexpr qsizetype SummaryBodyLimit = 16 * 1024;
constexpr qsizetype MaxIndexedBody = 256 * 1024;

ParsedFacts parsedFacts(const QByteArray &data, const QStringList &rcptTo, qsizetype bodyLimit)
{
    ParsedMessage parsed = ParsedMessage::parse(data, bodyLimit);
    parsed.addEnvelopeRecipients(rcptTo);
    ParsedFacts f;
    MessageSummary &s = f.summary;
    s.fromList = parsed.from;
    s.toList = parsed.to;
    s.ccList = parsed.cc;
    s.bccList = parsed.bcc;
    s.replyToList = parsed.replyTo;
    s.from = displayString(parsed.from);
    s.to = displayString(parsed.to);
    s.cc = displayString(parsed.cc);
    s.subject = parsed.subject;
    s.dateMs = parsed.date.isValid() ? parsed.date.toMSecsSinceEpoch() : 0;
    s.messageId = parsed.messageId;
    s.snippet = parsed.snippet;
    f.body = parsed.text.left(MaxIndexedBody);
    for (const MimePart &p : std::as_const(parsed.parts)) {
        if (p.role == MimePart::Role::Attachment) {
            ++s.attachmentCount;
        } else if (p.role == MimePart::Role::Inline) {
            ++s.inlineCount;
        } else {
            continue;
        }
        if (!p.fileName.isEmpty()) {
            f.body += QLatin1Char('\n') + p.fileName;
        }
    }
    s.hasAttachments = s.attachmentCount > 0;
    return f;
}

// Prepares each statement in turn, stopping at the first that fails: a later successful prepare would clear its
// error.
bool prepareAll(
    SqliteDatabase &db, std::initializer_list<std::pair<SqliteStatement *, const char *>> statements, QString *error)
{
    for (const auto &[statement, sql] : statements) {
        *statement = db.prepare(sql);
        if (!statement->isValid()) {
            *error = db.errorString();
            return false;
        }
    }
    return true;
}

// The data as received: the stored source without its trace header (a view, no copy).
QByteArray dataOf(const QByteArray &raw)
{
    const qsizetype eol = raw.indexOf("\r\n");
    if (!raw.startsWith("Received:") || eol < 0) {
        return raw;
    }
    return QByteArray::fromRawData(raw.constData() + eol + 2, raw.size() - eol - 2);
}

QStringList jsonStrings(const QByteArray &json)
{
    QStringList list;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        list << v.toString();
    }
    return list;
}

void applyParsed(MessageSummary &s, const MessageSummary &parsed)
{
    const MessageSummary envelope = s;
    s = parsed;
    s.id = envelope.id;
    s.receivedMs = envelope.receivedMs;
    s.mailFrom = envelope.mailFrom;
    s.authUser = envelope.authUser;
    s.size = envelope.size;
    s.read = envelope.read;
}

// A summary row (SummaryColumns from first). A row not parsed yet is parsed here from its source (db: the
// connection to read it with), so readers never see a half-made summary.
MessageSummary readSummary(const SqliteStatement &st, int first, SqliteDatabase *db)
{
    MessageSummary s;
    s.id = st.columnText(first);
    s.receivedMs = st.columnInt(first + 1);
    s.mailFrom = st.columnText(first + 2);
    s.from = st.columnText(first + 3);
    s.to = st.columnText(first + 4);
    s.cc = st.columnText(first + 5);
    s.subject = st.columnText(first + 6);
    s.dateMs = st.columnInt(first + 7);
    s.messageId = st.columnText(first + 8);
    s.size = st.columnInt(first + 9);
    s.hasAttachments = st.columnInt(first + 10) != 0;
    s.read = st.columnInt(first + 11) != 0;
    s.authUser = st.columnText(first + 12);
    const QJsonObject addresses = QJsonDocument::fromJson(st.columnBlob(first + 13)).object();
    s.fromList = addressListFromJson(addresses[QLatin1String("From")]);
    s.toList = addressListFromJson(addresses[QLatin1String("To")]);
    s.ccList = addressListFromJson(addresses[QLatin1String("Cc")]);
    s.bccList = addressListFromJson(addresses[QLatin1String("Bcc")]);
    s.replyToList = addressListFromJson(addresses[QLatin1String("ReplyTo")]);
    s.snippet = st.columnText(first + 14);
    s.attachmentCount = int(st.columnInt(first + 15));
    s.inlineCount = int(st.columnInt(first + 16));
    if (st.columnInt(first + 18) == 0 && db) {
        SqliteStatement raw = db->prepare("SELECT raw FROM message_data WHERE id = ?1");
        raw.bind(1, st.columnInt(first + 17));
        if (raw.step()) {
            applyParsed(s,
                parsedFacts(dataOf(raw.columnBlobView(0)), jsonStrings(st.columnBlob(first + 19)), SummaryBodyLimit)
                    .summary);
        }
    }
    return s;
}
} // namespace

struct MessageStore::Private
{
    MessageStore *q = nullptr;
    QString directory;
    QString path;
    QString errorString;
    std::atomic<qint64> maxMessages { 0 };
    std::atomic<qint64> commits { 0 };

    std::mutex queueMutex;
    std::condition_variable queueCondition;
    // How many queued operations wake the writer: more than one while a group commit waits for the deliveries it
    // expects (writerLoop()).
    size_t wakeWriterAt = 1;
    std::deque<WriteOp> queue;
    std::chrono::steady_clock::time_point lastArrival;
    bool stopping = false;
    bool running = false;
    std::thread writer;

    // Writer thread only.
    SqliteDatabase db;
    SqliteStatement insertMessage;
    SqliteStatement insertData;
    SqliteStatement insertChunk;
    SqliteStatement insertSearch;
    // Sessions with stored messages: their newest chunk and how many of their messages remain.
    struct SessionState
    {
        qint64 lastChunk = 0;
        qint64 messages = 0;
    };
    QHash<qint64, SessionState> sessions;
    qint64 cachedCount = 0;
    qint64 cachedUnread = 0;
    // Messages not in the search index yet, and the lowest row id among them (NoRow: none; after a deletion it
    // may name a row that is gone, never one above the real lowest).
    qint64 unindexed = 0;
    qint64 firstUnindexed = NoRow;
    qint64 lastRowId = 0;
    // After indexing between deliveries failed (a full disk, say), not tried again before this (or a write that
    // works), so that a lasting failure does not spin.
    std::chrono::steady_clock::time_point indexingRetry;
    // The last transaction that failed ran out of space (SQLITE_FULL).
    bool lastFailureWasFull = false;
    bool reserveHeld = false;
    std::chrono::steady_clock::time_point nextReserveCheck;

    // The state as of the last commit, for readers.
    std::atomic<qint64> publishedCount { 0 };
    std::atomic<qint64> publishedUnread { 0 };
    std::atomic<qint64> publishedUnindexed { 0 };
    std::atomic<qint64> publishedFirstUnindexed { NoRow };
    std::atomic<qint64> publishedLastRowId { 0 };
    // Called on the writer thread after every commit and rollback.
    void publishState()
    {
        publishedCount = cachedCount;
        publishedUnread = cachedUnread;
        publishedLastRowId = lastRowId;
        publishedFirstUnindexed = firstUnindexed;
        const qint64 before = publishedUnindexed.exchange(unindexed);
        if (before > 0 && unindexed == 0) {
            Q_EMIT q->indexingCaughtUp();
        }
    }

    // Readers share one connection (WAL lets it read while the writer commits).
    mutable std::mutex readMutex;
    mutable SqliteDatabase reader;
    // One complete search at a time drives the indexing; others wait, then find their part done.
    std::mutex indexDriverMutex;

    bool openWriter();
    bool migrate();
    void writerLoop();
    bool loadSessions();
    // Reads the counts and the index bookkeeping from the database (at open and after a rollback).
    void loadState();
    // Applies batch[from, to) in one transaction (plus retention) and commits; false: all rolled back.
    bool runTransaction(std::deque<WriteOp> &batch, size_t from, size_t to, QStringList *pruned, QString *error);
    // After a failed batch (batchError: why): each operation alone, a deletion that ran out of space once more with
    // the reserve given up. Calls every done().
    void runEachAlone(std::deque<WriteOp> &batch, const QString &batchError, QStringList *pruned);
    bool insert(IncomingMessage &message, DeliveryResult *result, QString *error);
    bool index(qint64 rowId, const ParsedFacts &facts, QString *error);
    // Indexes up to max messages not in the search index yet with row ids up to upTo, inside the caller's
    // transaction, stopping early after budget. Returns how many, or -1 on error.
    int indexPending(int max, std::chrono::milliseconds budget, qint64 upTo, QString *error);
    // Between deliveries: one short indexing transaction. False when there was nothing to do or it failed.
    bool indexWhileIdle();
    // Before a complete search (any thread): indexes every message with a row id up to watermark, a slice per
    // writer transaction. False (and *error) when indexing failed.
    bool indexThrough(qint64 watermark, QString *error);
    // Readies a search: a complete one indexes what was stored before it; an IndexedOnly one reports the
    // backlog it may miss in *unindexed.
    bool prepareSearch(SearchCompleteness completeness, qint64 *unindexedNow, QString *error);
    qint64 queryUnread();
    // rows: (message row id, session id) pairs.
    bool deleteMessages(const QList<QPair<qint64, qint64>> &rows, QString *error);
    QStringList prune(QString *error);
    // A delivery as a writer operation (MessageStore::deliver(), deliverAll()).
    WriteOp deliveryOp(IncomingMessage message, std::function<void(const DeliveryResult &)> done);
    void enqueue(WriteOp op);
    // Several at once, under one lock, with one wake-up of the writer.
    void enqueue(std::vector<WriteOp> ops);
    bool runAndWait(std::function<bool(QString *)> apply, std::function<void()> after = {}, QString *error = nullptr,
        WriteOp::Kind kind = WriteOp::Kind::Write);
    SqliteDatabase *readDb() const;
    qint64 queryCount();

    // The data directory and the store's files, private to their user.
    bool prepareDirectory();
    // The space reserve (writer thread, or open() before the writer starts).
    QString reservePath() const { return QDir(directory).filePath(QLatin1String(ReserveFileName)); }
    void makeReserve();
    bool releaseReserve();
    // After a deletion (everything: removeAll()): on a nearly full disk, or when much was freed, the space goes back
    // to the disk, and the reserve is made again if there is room.
    enum class Deleted { Some, Everything };
    void reclaimSpace(Deleted deleted);
    // A TRUNCATE checkpoint, giving up the reserve when there is no room for it otherwise.
    bool truncateWal();
    void report(Write what, qint64 messages, const QString &error) const;
};

bool MessageStore::Private::openWriter()
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
        "INSERT INTO messages (uid, received, mail_from, rcpt_to, client_address, client_port, helo, auth_user, tls, "
        "from_header, to_header, cc_header, subject, date, message_id, size, has_attachments, session_id, chunk_id, "
        "addresses, snippet, attachments, inlines, parsed) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, 0)");
    insertSearch = db.prepare("INSERT INTO message_search (rowid, subject, from_text, to_text, cc_text, bcc_text, "
                              "reply_to_text, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insertData = db.prepare("INSERT INTO message_data (id, raw) VALUES (?1, ?2)");
    insertChunk = db.prepare("INSERT INTO transcript_chunks (previous_id, session_id, entries) VALUES (?1, ?2, ?3)");
    if (!insertMessage.isValid() || !insertData.isValid() || !insertChunk.isValid() || !insertSearch.isValid()) {
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

void MessageStore::Private::loadState()
{
    cachedCount = queryCount();
    cachedUnread = queryUnread();
    SqliteStatement pending = db.prepare("SELECT count(*), min(id) FROM messages WHERE indexed = 0");
    const bool any = pending.step();
    unindexed = any ? pending.columnInt(0) : 0;
    firstUnindexed = unindexed > 0 ? pending.columnInt(1) : NoRow;
    SqliteStatement last = db.prepare("SELECT max(id) FROM messages");
    lastRowId = last.step() ? last.columnInt(0) : 0;
    publishState();
}

bool MessageStore::Private::index(qint64 rowId, const ParsedFacts &facts, QString *error)
{
    const MessageSummary &s = facts.summary;
    insertSearch.bind(1, rowId);
    insertSearch.bind(2, s.subject);
    insertSearch.bind(3, displayString(s.fromList));
    insertSearch.bind(4, displayString(s.toList));
    insertSearch.bind(5, displayString(s.ccList));
    insertSearch.bind(6, displayString(s.bccList));
    insertSearch.bind(7, displayString(s.replyToList));
    insertSearch.bind(8, facts.body);
    if (!insertSearch.exec()) {
        *error = db.errorString();
        return false;
    }
    return true;
}

int MessageStore::Private::indexPending(int max, std::chrono::milliseconds budget, qint64 upTo, QString *error)
{
    const auto deadline = std::chrono::steady_clock::now() + budget;
    SqliteStatement select;
    SqliteStatement first;
    SqliteStatement unindex;
    SqliteStatement mark;
    SqliteStatement summary;
    if (!prepareAll(db,
            { { &select,
                  "SELECT m.id, m.rcpt_to, m.parsed, d.raw FROM messages m JOIN message_data d ON d.id = m.id "
                  "WHERE m.indexed = 0 AND m.id <= ?2 ORDER BY m.id LIMIT ?1" },
                { &first, "SELECT min(id) FROM messages WHERE indexed = 0" },
                { &unindex, "DELETE FROM message_search WHERE rowid = ?1" },
                { &mark, "UPDATE messages SET indexed = 1 WHERE id = ?1" },
                { &summary,
                    "UPDATE messages SET from_header = ?2, to_header = ?3, cc_header = ?4, subject = ?5, date = ?6, "
                    "message_id = ?7, has_attachments = ?8, addresses = ?9, snippet = ?10, attachments = ?11, "
                    "inlines = ?12, parsed = 1 WHERE id = ?1" } },
            error)) {
        return -1;
    }
    select.bind(1, qint64(max));
    select.bind(2, upTo);
    int done = 0;
    bool ok = true;
    while (ok && select.step(&ok)) {
        if (done > 0 && std::chrono::steady_clock::now() > deadline) {
            break;
        }
        const qint64 rowId = select.columnInt(0);
        // One parse gives the summary columns (if not made yet) and the indexed text.
        const ParsedFacts facts
            = parsedFacts(dataOf(select.columnBlobView(3)), jsonStrings(select.columnBlob(1)), MaxIndexedBody);
        if (select.columnInt(2) == 0) {
            const MessageSummary &s = facts.summary;
            summary.bind(1, rowId);
            summary.bind(2, s.from);
            summary.bind(3, s.to);
            summary.bind(4, s.cc);
            summary.bind(5, s.subject);
            summary.bind(6, s.dateMs);
            summary.bind(7, s.messageId);
            summary.bind(8, qint64(s.hasAttachments ? 1 : 0));
            const QByteArray addresses = addressesColumn(s);
            summary.bind(9, addresses);
            summary.bind(10, s.snippet);
            summary.bind(11, qint64(s.attachmentCount));
            summary.bind(12, qint64(s.inlineCount));
            ok = summary.exec();
        }
        unindex.bind(1, rowId);
        mark.bind(1, rowId);
        ok = ok && unindex.exec() && index(rowId, facts, error) && mark.exec();
        ++done;
    }
    select.reset();
    if (ok) {
        // Looked up each time, so that a row deleted since (firstUnindexed may name one) is never waited for.
        unindexed = std::max<qint64>(0, unindexed - done);
        const qint64 lowest = first.step(&ok) ? first.columnInt(0) : 0;
        firstUnindexed = lowest > 0 ? lowest : NoRow;
        if ((firstUnindexed == NoRow) != (unindexed == 0)) {
            SqliteStatement pending = db.prepare("SELECT count(*) FROM messages WHERE indexed = 0");
            unindexed = pending.step() ? pending.columnInt(0) : 0;
        }
    }
    if (!ok) {
        if (error->isEmpty()) {
            *error = db.errorString();
        }
        return -1;
    }
    return done;
}

bool MessageStore::Private::indexWhileIdle()
{
    // The index can be rebuilt from the stored sources (indexed = 0 goes back with a lost transaction), so these
    // commits need not wait for fsync; the next delivery's commit makes them durable anyway.
    if (!db.exec("PRAGMA synchronous=NORMAL") || !db.exec("BEGIN IMMEDIATE")) {
        db.exec("PRAGMA synchronous=FULL");
        return false;
    }
    QString error;
    // Small slices: a delivery arriving meanwhile waits at most about this long for the writer.
    const int n = indexPending(64, std::chrono::milliseconds(8), NoRow, &error);
    const bool ok = n >= 0 && db.exec("COMMIT");
    if (!ok) {
        qCWarning(lcStore).noquote() << "search indexing failed:" << (error.isEmpty() ? db.errorString() : error);
        db.exec("ROLLBACK");
        loadState();
        indexingRetry = std::chrono::steady_clock::now() + IdleRetryInterval;
    } else {
        publishState();
    }
    db.exec("PRAGMA synchronous=FULL");
    return ok && n > 0;
}

bool MessageStore::Private::indexThrough(qint64 watermark, QString *error)
{
    if (publishedFirstUnindexed.load() > watermark) {
        return true;
    }
    std::lock_guard driving(indexDriverMutex);
    // Each slice is a writer operation of its own: deliveries queued meanwhile are committed before the next one.
    // Every slice indexes at least one message at or below the watermark, so this ends.
    while (publishedFirstUnindexed.load() <= watermark) {
        QString sliceError;
        const bool ok = runAndWait(
            [this, watermark](QString *e) { return indexPending(IndexSliceSize, IndexSliceBudget, watermark, e) >= 0; },
            {}, &sliceError, WriteOp::Kind::Index);
        if (!ok) {
            if (error) {
                *error = QStringLiteral("the search index could not be brought up to date: %1").arg(sliceError);
            }
            return false;
        }
    }
    return true;
}

bool MessageStore::Private::prepareSearch(SearchCompleteness completeness, qint64 *unindexedNow, QString *error)
{
    *unindexedNow = 0;
    if (completeness == SearchCompleteness::IndexedOnly) {
        *unindexedNow = publishedUnindexed.load();
        return true;
    }
    // Every message committed before the search began.
    return indexThrough(publishedLastRowId.load(), error);
}

bool MessageStore::Private::loadSessions()
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

qint64 MessageStore::Private::queryCount()
{
    SqliteStatement st = db.prepare("SELECT count(*) FROM messages");
    return st.step() ? st.columnInt(0) : 0;
}

qint64 MessageStore::Private::queryUnread()
{
    SqliteStatement st = db.prepare("SELECT count(*) FROM messages WHERE is_read = 0");
    return st.step() ? st.columnInt(0) : 0;
}

bool MessageStore::Private::migrate()
{
    if (!db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) {
        errorString = QStringLiteral("%1: %2").arg(path, db.errorString());
        return false;
    }
    int version = 0;
    {
        SqliteStatement st = db.prepare("SELECT max(version) FROM schema_version");
        if (st.step()) {
            version = int(st.columnInt(0));
        }
    }
    if (version > SchemaVersion) {
        errorString = QStringLiteral("%1: made by a newer Letterbox (schema %2, this build knows %3)")
                          .arg(path)
                          .arg(version)
                          .arg(SchemaVersion);
        return false;
    }
    for (int v = version; v < SchemaVersion; ++v) {
        const QByteArray bump = "INSERT INTO schema_version (version) VALUES (" + QByteArray::number(v + 1) + ")";
        if (!db.exec("BEGIN IMMEDIATE") || !db.exec(Migrations[v]) || !db.exec(bump.constData())
            || !db.exec("COMMIT")) {
            errorString
                = QStringLiteral("%1: migration to schema %2 failed: %3").arg(path).arg(v + 1).arg(db.errorString());
            db.exec("ROLLBACK");
            return false;
        }
    }
    return true;
}

bool MessageStore::Private::insert(IncomingMessage &message, DeliveryResult *result, QString *error)
{
    const qint64 size = message.traceHeader.size() + message.data.size();
    const SmtpEnvelope &env = message.envelope;
    // Parsing waits until deliveries pause (indexPending()): the row starts with the envelope's facts only, and
    // readers parse such a row themselves meanwhile.
    const MessageSummary headers;
    const QByteArray rcpts = jsonStringArray(env.rcptTo);
    const QByteArray address = env.clientAddress.toString().toUtf8();

    SessionState &session = sessions[qint64(message.sessionKey)];
    const QByteArray chunk = transcriptChunk(message.transcript);
    insertChunk.bind(1, session.lastChunk);
    insertChunk.bind(2, qint64(message.sessionKey));
    insertChunk.bind(3, chunk);
    if (!insertChunk.exec()) {
        *error = db.errorString();
        return false;
    }
    const qint64 chunkId = db.lastInsertRowId();
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
    const QByteArray addresses = addressesColumn(headers);
    st.bind(20, addresses);
    st.bind(21, headers.snippet);
    st.bind(22, qint64(headers.attachmentCount));
    st.bind(23, qint64(headers.inlineCount));
    if (!st.exec()) {
        *error = db.errorString();
        return false;
    }
    const qint64 rowId = db.lastInsertRowId();
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
    ++cachedCount;
    ++cachedUnread;
    return true;
}

bool MessageStore::Private::deleteMessages(const QList<QPair<qint64, qint64>> &rows, QString *error)
{
    SqliteStatement data;
    SqliteStatement message;
    SqliteStatement previousOf;
    SqliteStatement chunk;
    SqliteStatement search;
    SqliteStatement flags;
    if (!prepareAll(db,
            { { &data, "DELETE FROM message_data WHERE id = ?1" }, { &message, "DELETE FROM messages WHERE id = ?1" },
                { &previousOf, "SELECT previous_id FROM transcript_chunks WHERE id = ?1" },
                { &chunk, "DELETE FROM transcript_chunks WHERE id = ?1" },
                { &search, "DELETE FROM message_search WHERE rowid = ?1" },
                { &flags, "SELECT is_read = 0, indexed = 0 FROM messages WHERE id = ?1" } },
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
        if (!data.exec() || !search.exec() || !message.exec()) {
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
            if (!chunk.exec()) {
                *error = db.errorString();
                return false;
            }
            link = previous;
        }
    }
    cachedCount -= rows.size();
    return true;
}

QStringList MessageStore::Private::prune(QString *error)
{
    const qint64 max = maxMessages.load();
    if (max <= 0 || cachedCount <= max) {
        return {};
    }
    QStringList ids;
    QList<QPair<qint64, qint64>> rows;
    {
        SqliteStatement st = db.prepare("SELECT id, uid, session_id FROM messages ORDER BY id LIMIT ?1");
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

void MessageStore::Private::writerLoop()
{
    for (;;) {
        std::deque<WriteOp> batch;
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
                        indexWhileIdle();
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
            for (const WriteOp &op : batch) {
                expected = std::max(expected, op.expectedSoon);
            }
            const auto deadline = std::chrono::steady_clock::now() + CommitDelay;
            while (!stopping && int(batch.size()) <= expected) {
                // Woken once all that is expected has come, not by each hand-over meanwhile (enqueue()).
                wakeWriterAt = size_t(expected + 1) - batch.size();
                const bool complete = queueCondition.wait_until(
                    lock, deadline, [this] { return stopping || queue.size() >= wakeWriterAt; });
                for (WriteOp &op : queue) {
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
            for (WriteOp &op : batch) {
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

void MessageStore::Private::runEachAlone(std::deque<WriteOp> &batch, const QString &batchError, QStringList *pruned)
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
            = !ok && batch[i].kind == WriteOp::Kind::Deletion && lastFailureWasFull && releaseReserve();
        if (gaveUpReserve) {
            ok = runTransaction(batch, i, i + 1, &prunedNow, &error);
        }
        *pruned += prunedNow;
        if (batch[i].done) {
            batch[i].done(ok, ok ? QString() : error);
        }
    }
}

bool MessageStore::Private::runTransaction(
    std::deque<WriteOp> &batch, size_t from, size_t to, QStringList *pruned, QString *error)
{
    error->clear();
    lastFailureWasFull = false;
    // The search index can be rebuilt from the sources (a lost slice leaves indexed = 0): a batch of nothing but
    // indexing need not wait for fsync; the next durable commit syncs the WAL with it anyway.
    const bool durable = std::any_of(batch.begin() + qsizetype(from), batch.begin() + qsizetype(to),
        [](const WriteOp &op) { return op.kind != WriteOp::Kind::Index; });
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

void MessageStore::Private::enqueue(WriteOp op)
{
    std::vector<WriteOp> ops;
    ops.push_back(std::move(op));
    enqueue(std::move(ops));
}

void MessageStore::Private::enqueue(std::vector<WriteOp> ops)
{
    {
        std::lock_guard lock(queueMutex);
        if (running && !stopping) {
            for (WriteOp &op : ops) {
                if (op.kind != WriteOp::Kind::Index) {
                    lastArrival = std::chrono::steady_clock::now();
                }
                queue.push_back(std::move(op));
            }
            if (queue.size() >= wakeWriterAt) {
                queueCondition.notify_one();
            }
            return;
        }
    }
    for (WriteOp &op : ops) {
        if (op.done) {
            op.done(false, QStringLiteral("the message store is closed"));
        }
    }
}

bool MessageStore::Private::runAndWait(
    std::function<bool(QString *)> apply, std::function<void()> after, QString *error, WriteOp::Kind kind)
{
    auto promise = std::make_shared<std::promise<QString>>();
    std::future<QString> result = promise->get_future();
    WriteOp op { std::move(apply),
        [promise, after](bool ok, const QString &failure) {
            if (ok && after) {
                after();
            }
            // A failure always carries its reason (runTransaction() makes one up when SQLite has none).
            promise->set_value(ok ? QString() : (failure.isEmpty() ? QStringLiteral("write failed") : failure));
        },
        0, kind };
    enqueue(std::move(op));
    const QString failure = result.get();
    if (error) {
        *error = failure;
    }
    return failure.isEmpty();
}

SqliteDatabase *MessageStore::Private::readDb() const
{
    if (!reader.isOpen()) {
        if (!reader.open(path, SqliteDatabase::Mode::ReadOnly)) {
            qCWarning(lcStore) << "cannot open a reader on" << path << reader.errorString();
            return nullptr;
        }
        sqlite3_busy_timeout(reader.handle(), 5000);
        // Searches read large parts of the full-text index: mapped pages avoid a read() per page (measured: the
        // count of a common word's matches in 100k messages went from ~50 to ~25 ms when not yet cached).
        reader.exec("PRAGMA mmap_size=268435456");
        reader.exec("PRAGMA cache_size=-16384");
    }
    return &reader;
}

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
    }
    return QString();
}
} // namespace

bool MessageStore::Private::prepareDirectory()
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

void MessageStore::Private::makeReserve()
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
    // The blocks are allocated (posix_fallocate, not a sparse file of that size), so they are the store's until it
    // deletes the file.
    const QByteArray name = QFile::encodeName(file);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const int rc = fd < 0 ? errno : ::posix_fallocate(fd, 0, ReserveBytes);
    if (fd >= 0) {
        ::close(fd);
    }
    if (rc != 0) {
        qCDebug(lcStore).noquote() << "cannot make the reserve of free space" << file << ":" << strerror(rc);
        QFile::remove(file);
        reserveHeld = false;
        return;
    }
    QFile::setPermissions(file, PrivateFile);
    reserveHeld = true;
}

bool MessageStore::Private::releaseReserve()
{
    reserveHeld = false;
    nextReserveCheck = std::chrono::steady_clock::now() + IdleRetryInterval;
    if (!QFile::remove(reservePath())) {
        return false;
    }
    qCWarning(lcStore).noquote() << "the disk is full: gave up the reserve of free space to delete messages";
    return true;
}

bool MessageStore::Private::truncateWal()
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

void MessageStore::Private::reclaimSpace(Deleted deleted)
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

void MessageStore::Private::report(Write what, qint64 messages, const QString &error) const
{
    qCWarning(lcStore).noquote().nospace() << "could not " << describe(what, messages) << ": " << error;
    Q_EMIT q->writeFailed(what, messages, error);
}

MessageStore::MessageStore(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->q = this;
    qRegisterMetaType<MessageSummary>();
    qRegisterMetaType<StoredMessage>();
    qRegisterMetaType<MessageStore::Write>();
}

MessageStore::~MessageStore()
{
    close();
}

bool MessageStore::open(const QString &directory)
{
    close();
    d->directory = directory;
    if (!d->prepareDirectory()) {
        return false;
    }
    if (!d->openWriter()) {
        d->db.close();
        return false;
    }
    d->makeReserve();
    if (!d->reserveHeld) {
        qCWarning(lcStore).noquote() << "no room for a reserve of free space in" << directory
                                     << ": on a full disk, deleting messages may fail";
    }
    {
        std::lock_guard lock(d->queueMutex);
        d->stopping = false;
        d->running = true;
    }
    d->writer = std::thread([this] { d->writerLoop(); });
    return true;
}

void MessageStore::close()
{
    {
        std::lock_guard lock(d->queueMutex);
        if (!d->running) {
            return;
        }
        d->stopping = true;
        d->queueCondition.notify_one();
    }
    d->writer.join();
    {
        std::lock_guard lock(d->queueMutex);
        d->running = false;
    }
    d->insertMessage = {};
    d->insertData = {};
    d->insertChunk = {};
    d->insertSearch = {};
    d->db.close();
    std::lock_guard lock(d->readMutex);
    d->reader.close();
}

bool MessageStore::isOpen() const
{
    std::lock_guard lock(d->queueMutex);
    return d->running && !d->stopping;
}

QString MessageStore::errorString() const
{
    return d->errorString;
}

QString MessageStore::databasePath() const
{
    return d->path;
}

void MessageStore::setMaxMessages(qint64 max)
{
    d->maxMessages = max;
}

qint64 MessageStore::maxMessages() const
{
    return d->maxMessages;
}

void MessageStore::deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    d->enqueue(d->deliveryOp(std::move(message), std::move(done)));
}

void MessageStore::deliverAll(std::vector<Delivery> deliveries)
{
    // One lock and one wake-up for them all: woken by the first of several enqueue() calls, the writer took that one
    // alone and preempted the thread handing over the rest (docs/benchmarks.md "Where a 1 KB message's time goes").
    std::vector<WriteOp> ops;
    ops.reserve(deliveries.size());
    for (Delivery &delivery : deliveries) {
        ops.push_back(d->deliveryOp(std::move(delivery.message), std::move(delivery.done)));
    }
    d->enqueue(std::move(ops));
}

WriteOp MessageStore::Private::deliveryOp(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    auto shared = std::make_shared<IncomingMessage>(std::move(message));
    auto result = std::make_shared<DeliveryResult>();
    const int expectedSoon = shared->otherSessions;
    return { [this, shared, result](QString *error) { return insert(*shared, result.get(), error); },
        [this, shared, result, done = std::move(done)](bool ok, const QString &error) {
            result->ok = ok;
            if (!ok) {
                result->errorString = error;
                qCWarning(lcStore).noquote() << "could not store message" << shared->id << "from"
                                             << shared->envelope.clientAddress.toString() << ":" << error;
                Q_EMIT q->writeFailed(Write::Delivery, 1, error);
            }
            done(*result);
            if (ok) {
                Q_EMIT q->messageStored(result->summary);
            }
        },
        expectedSoon };
}

std::optional<StoredMessage> MessageStore::message(const QString &id) const
{
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        return std::nullopt;
    }
    const QByteArray sql = QByteArray("SELECT ") + SummaryColumns
        + ", m.rcpt_to, m.client_address, m.client_port, m.helo, m.tls, d.raw, m.chunk_id "
          "FROM messages m JOIN message_data d ON d.id = m.id WHERE m.uid = ?1";
    SqliteStatement st = db->prepare(sql.constData());
    st.bind(1, id);
    if (!st.step()) {
        return std::nullopt;
    }
    StoredMessage m;
    m.summary = readSummary(st, 0, db);
    m.mailFrom = m.summary.mailFrom;
    constexpr int c = SummaryColumnCount;
    for (const QJsonValue &v : QJsonDocument::fromJson(st.columnBlob(c)).array()) {
        m.rcptTo << v.toString();
    }
    m.clientAddress = st.columnText(c + 1);
    m.clientPort = int(st.columnInt(c + 2));
    m.helo = st.columnText(c + 3);
    m.authUser = m.summary.authUser;
    m.tls = st.columnInt(c + 4) != 0;
    m.raw = st.columnBlob(c + 5);
    // The whole session up to this message's final reply: its chain of chunks, oldest first.
    SqliteStatement chunk = db->prepare("SELECT previous_id, entries FROM transcript_chunks WHERE id = ?1");
    QByteArrayList chunks;
    for (qint64 link = st.columnInt(c + 6); link > 0 && chunks.size() < MaxTranscriptChunks;) {
        chunk.bind(1, link);
        if (!chunk.step()) {
            break;
        }
        chunks.prepend(chunk.columnBlob(1));
        link = chunk.columnInt(0);
        chunk.reset();
        if (link > 0 && chunks.size() == MaxTranscriptChunks) {
            chunks.prepend(
                R"({"Time":"1970-01-01T00:00:00.000Z","Direction":"in","Text":"[earlier entries omitted]"})");
        }
    }
    m.transcriptJson = "{\"Transcript\":[" + chunks.join(',') + "]}";
    return m;
}

std::optional<MessageSummary> MessageStore::summary(const QString &id) const
{
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        return std::nullopt;
    }
    const QByteArray sql = QByteArray("SELECT ") + SummaryColumns + " FROM messages m WHERE m.uid = ?1";
    SqliteStatement st = db->prepare(sql.constData());
    st.bind(1, id);
    if (!st.step()) {
        return std::nullopt;
    }
    return readSummary(st, 0, db);
}

QList<MessageSummary> MessageStore::messages(qint64 start, qint64 limit) const
{
    QList<MessageSummary> list;
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        return list;
    }
    const QByteArray sql
        = QByteArray("SELECT ") + SummaryColumns + " FROM messages m ORDER BY m.id DESC LIMIT ?1 OFFSET ?2";
    SqliteStatement st = db->prepare(sql.constData());
    st.bind(1, limit);
    st.bind(2, start);
    while (st.step()) {
        list << readSummary(st, 0, db);
    }
    return list;
}

namespace {
void bindAll(SqliteStatement &st, const QList<QVariant> &values, int first)
{
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (values.at(i).typeId() == QMetaType::QString) {
            st.bind(int(first + i), values.at(i).toString());
        } else {
            st.bind(int(first + i), values.at(i).toLongLong());
        }
    }
}

// FROM and WHERE of a search: driven by the full-text index when the query has indexed terms (FTS5 returns
// rowids newest first by itself), else by the messages table.
// The conditions of a search only need the columns of the small facts index, which answers them without reading
// the wide message rows (measured: a third less time for a word matching 7% of 100k messages).
QByteArray searchFrom(const SearchQuery &q)
{
    if (q.matchExpression().isEmpty()) {
        return " FROM messages m INDEXED BY messages_facts WHERE " + q.condition().toUtf8();
    }
    return " FROM message_search s CROSS JOIN messages m INDEXED BY messages_facts ON m.id = s.rowid "
           "WHERE message_search MATCH ?1 AND ("
        + q.condition().toUtf8() + ")";
}

} // namespace

std::optional<SearchResult> MessageStore::search(const QString &query, qint64 start, qint64 limit,
    const QTimeZone &zone, QString *error, SearchCompleteness completeness) const
{
    const SearchQuery q = SearchQuery::parse(query, zone);
    if (q.isEmpty()) {
        if (error) {
            *error = QStringLiteral("the search query has no terms");
        }
        return std::nullopt;
    }
    qint64 unindexed = 0;
    if (!d->prepareSearch(completeness, &unindexed, error)) {
        return std::nullopt;
    }
    const bool fts = !q.matchExpression().isEmpty();
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        if (error) {
            *error = QStringLiteral("the message store is not open");
        }
        return std::nullopt;
    }
    // One pass over the matches, newest first, through the small facts index: it counts them (and the unread
    // ones) and keeps the row ids of the requested page; then only that page's rows are read.
    const QByteArray sql
        = "SELECT m.id, m.is_read" + searchFrom(q) + (fts ? " ORDER BY s.rowid DESC" : " ORDER BY m.id DESC");
    SqliteStatement st = db->prepare(sql.constData());
    if (fts) {
        st.bind(1, q.matchExpression());
    }
    bindAll(st, q.values(), fts ? 2 : 1);
    SearchResult result;
    result.unindexed = unindexed;
    QList<qint64> page;
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        if (result.matches >= start && result.matches < start + limit) {
            page << st.columnInt(0);
        }
        ++result.matches;
        result.unreadMatches += st.columnInt(1) == 0 ? 1 : 0;
    }
    if (!ok) {
        if (error) {
            *error = db->errorString();
        }
        return std::nullopt;
    }
    const QByteArray rows = QByteArray("SELECT ") + SummaryColumns + " FROM messages m WHERE m.id = ?1";
    SqliteStatement row = db->prepare(rows.constData());
    for (qint64 id : std::as_const(page)) {
        row.bind(1, id);
        if (row.step()) {
            result.messages << readSummary(row, 0, db);
        }
        row.reset();
    }
    return result;
}

std::optional<SearchResult> MessageStore::list(const QString &query, const MessageSort &sort, qint64 start,
    qint64 limit, const QTimeZone &zone, QString *error, SearchCompleteness completeness) const
{
    const bool all = query.trimmed().isEmpty();
    if (sort.isDefault() && !all) {
        return search(query, start, limit, zone, error, completeness);
    }
    if (sort.isDefault()) {
        // Readers parse unparsed rows themselves: this list is complete without the index.
        SearchResult result;
        result.messages = messages(start, limit);
        result.matches = count();
        result.unreadMatches = unreadCount();
        return result;
    }
    const SearchQuery q = SearchQuery::parse(query, zone);
    const bool fts = !q.matchExpression().isEmpty();
    // The sort keys are summary columns, made when a message is parsed and indexed.
    std::optional<SearchResult> result;
    if (!all) {
        // The counts over all matches, as search() makes them (it readies the index too).
        result = search(query, 0, 0, zone, error, completeness);
        if (!result) {
            return result;
        }
    } else {
        qint64 unindexed = 0;
        if (!d->prepareSearch(completeness, &unindexed, error)) {
            return std::nullopt;
        }
        result = SearchResult { {}, count(), unreadCount(), unindexed };
    }
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        if (error) {
            *error = QStringLiteral("the message store is not open");
        }
        return std::nullopt;
    }
    const char *key = "m.id";
    switch (sort.key) {
    case MessageSort::Key::Received:
        break;
    case MessageSort::Key::From:
        key = "m.from_header COLLATE NOCASE";
        break;
    case MessageSort::Key::To:
        key = "m.to_header COLLATE NOCASE";
        break;
    case MessageSort::Key::Subject:
        key = "m.subject COLLATE NOCASE";
        break;
    case MessageSort::Key::Size:
        key = "m.size";
        break;
    }
    const QByteArray direction = sort.order == Qt::AscendingOrder ? " ASC" : " DESC";
    const int parameters = int(q.values().size()) + (fts ? 1 : 0);
    QByteArray sql = QByteArray("SELECT ") + SummaryColumns + " FROM messages m";
    if (!all) {
        sql += " WHERE m.id IN (SELECT m.id" + searchFrom(q) + ")";
    }
    sql += " ORDER BY " + QByteArray(key) + direction + ", m.id" + direction + " LIMIT ?"
        + QByteArray::number(parameters + 1) + " OFFSET ?" + QByteArray::number(parameters + 2);
    SqliteStatement st = db->prepare(sql.constData());
    if (!all) {
        if (fts) {
            st.bind(1, q.matchExpression());
        }
        bindAll(st, q.values(), fts ? 2 : 1);
    }
    st.bind(parameters + 1, limit);
    st.bind(parameters + 2, start);
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        result->messages << readSummary(st, 0, db);
    }
    if (!ok) {
        if (error) {
            *error = db->errorString();
        }
        return std::nullopt;
    }
    return result;
}

std::optional<QStringList> MessageStore::searchIds(const QString &query, const QTimeZone &zone, QString *error) const
{
    const SearchQuery q = SearchQuery::parse(query, zone);
    if (q.isEmpty()) {
        if (error) {
            *error = QStringLiteral("the search query has no terms");
        }
        return std::nullopt;
    }
    qint64 unindexed = 0;
    if (!d->prepareSearch(SearchCompleteness::Complete, &unindexed, error)) {
        return std::nullopt;
    }
    const bool fts = !q.matchExpression().isEmpty();
    std::lock_guard lock(d->readMutex);
    SqliteDatabase *db = d->readDb();
    if (!db) {
        if (error) {
            *error = QStringLiteral("the message store is not open");
        }
        return std::nullopt;
    }
    const QByteArray sql = "SELECT (SELECT uid FROM messages WHERE id = m.id)" + searchFrom(q)
        + (fts ? " ORDER BY s.rowid DESC" : " ORDER BY m.id DESC");
    SqliteStatement st = db->prepare(sql.constData());
    if (fts) {
        st.bind(1, q.matchExpression());
    }
    bindAll(st, q.values(), fts ? 2 : 1);
    QStringList ids;
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        ids << st.columnText(0);
    }
    if (!ok) {
        if (error) {
            *error = db->errorString();
        }
        return std::nullopt;
    }
    return ids;
}

QStringList MessageStore::searchIds(const QString &query, const QTimeZone &zone) const
{
    if (!query.trimmed().isEmpty()) {
        return searchIds(query, zone, nullptr).value_or(QStringList());
    }
    QStringList ids;
    std::lock_guard lock(d->readMutex);
    if (SqliteDatabase *db = d->readDb()) {
        SqliteStatement st = db->prepare("SELECT uid FROM messages ORDER BY id DESC");
        while (st.step()) {
            ids << st.columnText(0);
        }
    }
    return ids;
}

QString MessageStore::latestId(const QString &query, const QTimeZone &zone) const
{
    if (query.trimmed().isEmpty()) {
        const QList<MessageSummary> newest = messages(0, 1);
        return newest.isEmpty() ? QString() : newest.front().id;
    }
    // A text without terms (a lone quote, say) is refused by search(): no message is "the newest of" it.
    const std::optional<SearchResult> result = search(query, 0, 1, zone);
    return result && !result->messages.isEmpty() ? result->messages.front().id : QString();
}

QIODevice *MessageStore::openSource(const QString &id) const
{
    auto *device = new SourceDevice(d->path, id);
    if (!device->open(QIODevice::ReadOnly)) {
        delete device;
        return nullptr;
    }
    return device;
}

qint64 MessageStore::unindexedCount() const
{
    return d->publishedUnindexed.load();
}

qint64 MessageStore::count() const
{
    return d->publishedCount.load();
}

qint64 MessageStore::unreadCount() const
{
    return d->publishedUnread.load();
}

bool MessageStore::remove(const QStringList &ids, QString *error)
{
    auto removed = std::make_shared<QStringList>();
    QString failure;
    const bool ok = d->runAndWait(
        [this, ids, removed](QString *error) {
            removed->clear();
            SqliteStatement find = d->db.prepare("SELECT id, session_id FROM messages WHERE uid = ?1");
            QList<QPair<qint64, qint64>> rows;
            for (const QString &id : ids) {
                find.bind(1, id);
                if (find.step()) {
                    rows.append({ find.columnInt(0), find.columnInt(1) });
                    *removed << id;
                }
                find.reset();
            }
            if (!d->deleteMessages(rows, error)) {
                removed->clear();
                return false;
            }
            return true;
        },
        [this, removed] {
            d->reclaimSpace(Private::Deleted::Some);
            if (!removed->isEmpty()) {
                Q_EMIT messagesRemoved(*removed);
            }
        },
        &failure, WriteOp::Kind::Deletion);
    if (!ok) {
        d->report(Write::Removal, ids.size(), failure);
    }
    if (error) {
        *error = failure;
    }
    return ok;
}

bool MessageStore::removeAll(QString *error)
{
    auto removed = std::make_shared<qint64>(0);
    QString failure;
    const bool ok = d->runAndWait(
        [this, removed](QString *error) {
            *removed = d->cachedCount;
            if (!d->db.exec("DELETE FROM message_data") || !d->db.exec("DELETE FROM transcript_chunks")
                || !d->db.exec("DELETE FROM message_search") || !d->db.exec("DELETE FROM messages")) {
                *error = d->db.errorString();
                return false;
            }
            d->cachedCount = 0;
            d->cachedUnread = 0;
            d->unindexed = 0;
            d->firstUnindexed = NoRow;
            d->lastRowId = 0;
            d->sessions.clear();
            return true;
        },
        [this, removed] {
            // On the writer thread, after the commit.
            d->reclaimSpace(Private::Deleted::Everything);
            if (*removed > 0) {
                Q_EMIT messagesCleared(*removed);
            }
        },
        &failure, WriteOp::Kind::Deletion);
    if (!ok) {
        d->report(Write::RemovalOfAll, count(), failure);
    }
    if (error) {
        *error = failure;
    }
    return ok;
}

bool MessageStore::setRead(const QStringList &ids, bool read, QString *error)
{
    auto changed = std::make_shared<QStringList>();
    QString failure;
    const bool ok = d->runAndWait(
        [this, ids, read, changed](QString *error) {
            changed->clear();
            SqliteStatement st = d->db.prepare("UPDATE messages SET is_read = ?1 WHERE uid = ?2 AND is_read != ?1");
            for (const QString &id : ids) {
                st.bind(1, qint64(read ? 1 : 0));
                st.bind(2, id);
                if (!st.exec()) {
                    *error = d->db.errorString();
                    return false;
                }
                if (d->db.changes() > 0) {
                    *changed << id;
                    d->cachedUnread += read ? -1 : 1;
                }
            }
            return true;
        },
        [this, changed, read] {
            if (!changed->isEmpty()) {
                Q_EMIT readChanged(*changed, read);
            }
        },
        &failure);
    if (!ok) {
        d->report(read ? Write::MarkRead : Write::MarkUnread, ids.size(), failure);
    }
    if (error) {
        *error = failure;
    }
    return ok;
}

qint64 MessageStore::commitCount() const
{
    return d->commits.load();
}

bool MessageStore::limitGrowthForTesting(qint64 extraPages)
{
    return d->runAndWait([this, extraPages](QString *) {
        SqliteStatement pages = d->db.prepare("PRAGMA page_count");
        const qint64 limit = extraPages < 0 ? qint64(1) << 30 : (pages.step() ? pages.columnInt(0) : 0) + extraPages;
        const QByteArray sql = "PRAGMA max_page_count=" + QByteArray::number(limit);
        return d->db.exec(sql.constData());
    });
}

bool MessageStore::refuseWritesForTesting(bool refuse)
{
    // An authorizer is asked while statements are compiled, and setting one recompiles the prepared ones: every
    // change to a table then fails with SQLITE_AUTH ("not authorized"), through the store's usual paths.
    const auto deny = [](void *, int action, const char *, const char *, const char *, const char *) {
        return action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE ? SQLITE_DENY : SQLITE_OK;
    };
    return d->runAndWait([this, refuse, deny](QString *) {
        return sqlite3_set_authorizer(d->db.handle(), refuse ? +deny : nullptr, nullptr) == SQLITE_OK;
    });
}
