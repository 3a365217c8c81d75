#include "sqlitemessagestore.h"

#include "../message/messagetags.h"
#include "arrivaltags.h"
#include "searchquery.h"
#include "sourcedevice.h"
#include "sqlitedatabase.h"
#include "sqliteindexer.h"
#include "sqlitereaderpool.h"
#include "sqliterefusedsessions.h"
#include "sqliterows.h"
#include "sqlitesearchcompiler.h"
#include "sqlitetranscripts.h"
#include "sqlitewriter.h"
#include "storereply.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QThreadPool>

#include <sqlite3.h>

#include <algorithm>
#include <future>

Q_LOGGING_CATEGORY(lcStore, "letterbox.store")

using namespace SqliteRows;

namespace {
// A transcript shows at most this many messages' worth of its session (a client may send thousands
// of messages over one connection).

// Read-only connections: the window's reads, the API's and a worker's (an export, say) at once.
constexpr int ReaderConnections = 3;
} // namespace

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

// A search as SQLite runs it: compileSearch() is the one place that turns the query's syntax tree into SQL, through
// SqliteSearchCompiler (its FTS5 MATCH expression, condition and values); another store compiles the same tree.
struct SqliteSearch
{
    // FROM and WHERE: driven by the full-text index when the query has indexed terms (FTS5 returns rowids newest
    // first by itself, as s.rowid), else by the messages table (m).
    QByteArray fromWhere;
    bool usesIndex = false;
    // Bound as ?1, ?2, … in order.
    QList<QVariant> parameters;
};

// The conditions of a search only need the columns of the small facts index, which answers them without reading
// the wide message rows (measured: a third less time for a word matching 7% of 100k messages).
SqliteSearch compileSearch(const SearchQuery &query)
{
    const SqliteSearchCompiler q(query);
    SqliteSearch search;
    search.usesIndex = !q.matchExpression().isEmpty();
    if (!search.usesIndex) {
        search.fromWhere = " FROM messages m INDEXED BY messages_facts WHERE " + q.condition().toUtf8();
    } else {
        search.fromWhere = " FROM message_search s CROSS JOIN messages m INDEXED BY messages_facts ON m.id = s.rowid "
                           "WHERE message_search MATCH ?1 AND ("
            + q.condition().toUtf8() + ")";
        search.parameters << q.matchExpression();
    }
    search.parameters << q.values();
    return search;
}

// The ORDER BY key of a sort (summary columns, made when a message is parsed).
QByteArray sortKey(const MessageSort &sort)
{
    switch (sort.key) {
    case MessageSort::Key::Received:
        break;
    case MessageSort::Key::From:
        return "m.from_header COLLATE NOCASE";
    case MessageSort::Key::To:
        return "m.to_header COLLATE NOCASE";
    case MessageSort::Key::Subject:
        return "m.subject COLLATE NOCASE";
    case MessageSort::Key::Size:
        return "m.size";
    }
    return "m.id";
}
} // namespace

struct SqliteMessageStore::Private
{
    SqliteWriter writer;
    SqliteIndexer indexer { writer };
    // Read-only connections (WAL lets them read while the writer commits) and the threads of asynchronous reads.
    mutable SqliteReaderPool readers { ReaderConnections };

    // A search's query compiled, with the index readied as completeness asks (unindexed: how many messages it
    // still lacks). nullopt (and *error) when the query has no terms or the index could not be readied.
    std::optional<std::pair<SqliteSearch, qint64>> compile(const QString &query, const QTimeZone &zone,
        SearchCompleteness completeness, const QString &mailbox, QString *error);
    // The mailbox named (case-insensitive): its row id and counts; nullopt when there is none.
    std::optional<std::pair<qint64, MailboxCount>> mailboxRow(SqliteDatabase *db, const QString &name) const;
    // The leased reader's database; nullptr (and *error) when the store is not open.
    static SqliteDatabase *database(const SqliteReaderPool::Lease &lease, QString *error);
};

namespace {
// A query limited to a mailbox, as the term mailbox:NAME would.
void limitToMailbox(SearchQuery &q, const QString &mailbox)
{
    if (!mailbox.isEmpty()) {
        q.addTerm(SearchQuery::Term { SearchQuery::Field::Mailbox, mailbox, false });
    }
}
} // namespace

std::optional<std::pair<qint64, MailboxCount>> SqliteMessageStore::Private::mailboxRow(
    SqliteDatabase *db, const QString &name) const
{
    SqliteStatement st = db->prepare("SELECT id, name, total, unread FROM mailboxes WHERE name = ?1");
    st.bind(1, name);
    if (!st.step()) {
        return std::nullopt;
    }
    return std::make_pair(st.columnInt(0), MailboxCount { st.columnText(1), st.columnInt(2), st.columnInt(3) });
}

std::optional<std::pair<SqliteSearch, qint64>> SqliteMessageStore::Private::compile(const QString &query,
    const QTimeZone &zone, SearchCompleteness completeness, const QString &mailbox, QString *error)
{
    SearchQuery q = SearchQuery::parse(query, zone);
    if (q.isEmpty()) {
        if (error) {
            *error = QStringLiteral("the search query has no terms");
        }
        return std::nullopt;
    }
    limitToMailbox(q, mailbox);
    qint64 unindexed = 0;
    if (!indexer.prepareSearch(completeness, &unindexed, error)) {
        return std::nullopt;
    }
    return std::make_pair(compileSearch(q), unindexed);
}

SqliteDatabase *SqliteMessageStore::Private::database(const SqliteReaderPool::Lease &lease, QString *error)
{
    SqliteDatabase *db = lease.database();
    if (!db && error) {
        *error = QStringLiteral("the message store is not open");
    }
    return db;
}

SqliteMessageStore::SqliteMessageStore(QObject *parent) : MessageStore(parent), d(std::make_unique<Private>())
{
    d->writer.q = this;
}

SqliteMessageStore::~SqliteMessageStore()
{
    close();
}

bool SqliteMessageStore::open(const QString &directory)
{
    close();
    d->writer.directory = directory;
    if (!d->writer.prepareDirectory()) {
        return false;
    }
    d->readers.setPath(d->writer.path);
    if (!d->writer.openWriter()) {
        d->writer.db.close();
        return false;
    }
    d->writer.makeReserve();
    if (!d->writer.reserveHeld) {
        qCWarning(lcStore).noquote() << "no room for a reserve of free space in" << directory
                                     << ": on a full disk, deleting messages may fail";
    }
    d->writer.start();
    return true;
}

void SqliteMessageStore::close()
{
    // Reads under way may need the writer (a complete search indexes first): they finish before it stops.
    d->readers.close();
    d->writer.stop();
}

bool SqliteMessageStore::isOpen() const
{
    std::lock_guard lock(d->writer.queueMutex);
    return d->writer.running && !d->writer.stopping;
}

QString SqliteMessageStore::errorString() const
{
    return d->writer.errorString;
}

QString SqliteMessageStore::location() const
{
    return databasePath();
}

qint64 SqliteMessageStore::storageSize() const
{
    const QString path = databasePath();
    return QFileInfo(path).size() + QFileInfo(path + QStringLiteral("-wal")).size();
}

QString SqliteMessageStore::databasePath() const
{
    return d->writer.path;
}

void SqliteMessageStore::setMaxMessages(qint64 max)
{
    d->writer.maxMessages = max;
}

qint64 SqliteMessageStore::maxMessages() const
{
    return d->writer.maxMessages;
}

void SqliteMessageStore::deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    d->writer.enqueue(deliveryOp(std::move(message), std::move(done)));
}

void SqliteMessageStore::deliverAll(std::vector<Delivery> deliveries)
{
    // One lock and one wake-up for them all: woken by the first of several enqueue() calls, the writer took that one
    // alone and preempted the thread handing over the rest (docs/benchmarks.md "Where a 1 KB message's time goes").
    std::vector<SqliteWriteOp> ops;
    ops.reserve(deliveries.size());
    for (Delivery &delivery : deliveries) {
        ops.push_back(deliveryOp(std::move(delivery.message), std::move(delivery.done)));
    }
    d->writer.enqueue(std::move(ops));
}

SqliteWriteOp SqliteMessageStore::deliveryOp(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    auto shared = std::make_shared<IncomingMessage>(std::move(message));
    auto result = std::make_shared<DeliveryResult>();
    const int expectedSoon = shared->otherSessions;
    // Mailpit's tags on arrival, found here rather than on the writer thread that every delivery waits for.
    const QStringList tags = ArrivalTags::of(*shared);
    auto madeMailbox = std::make_shared<bool>(false);
    return { [this, shared, tags, result, madeMailbox](
                 QString *error) { return d->writer.insert(*shared, tags, result.get(), madeMailbox.get(), error); },
        [this, shared, result, madeMailbox, done = std::move(done)](bool ok, const QString &error) {
            result->ok = ok;
            if (!ok) {
                result->errorString = error;
                qCWarning(lcStore).noquote() << "could not store message" << shared->id << "from"
                                             << shared->envelope.clientAddress.toString() << ":" << error;
                Q_EMIT writeFailed(Write::Delivery, 1, error);
            }
            done(*result);
            if (ok && *madeMailbox) {
                Q_EMIT mailboxesChanged();
            }
            if (ok) {
                Q_EMIT messageStored(result->summary);
            }
        },
        expectedSoon };
}

std::optional<StoredMessage> SqliteMessageStore::message(const QString &id) const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return std::nullopt;
    }
    const QByteArray sql = QByteArray("SELECT ") + SummaryColumns
        + ", m.rcpt_to, m.client_address, m.client_port, m.helo, m.tls, d.raw, m.chunk_id, "
          "m.tls_protocol, m.tls_cipher, m.bounce_of, m.bounce_rule "
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
    m.tlsProtocol = st.columnText(c + 7);
    m.tlsCipher = st.columnText(c + 8);
    m.bounceOf = st.columnText(c + 9);
    m.bounceRule = st.columnText(c + 10);
    // The whole session up to this message's final reply.
    m.transcript = SqliteTranscripts::session(*db, st.columnInt(c + 6));
    // The bounces made for this message, for the links between them (the partial index holds bounces only, and is
    // used only when the query says bounce_of is not empty). The transcript stays the session's own (the contract:
    // up to this message's final reply); the bounce's transcript names this message.
    SqliteStatement bounces
        = db->prepare("SELECT uid FROM messages WHERE bounce_of = ?1 AND bounce_of != '' ORDER BY id");
    bounces.bind(1, id);
    while (bounces.step()) {
        m.bounces << QString::fromUtf8(bounces.columnBlob(0));
    }
    return m;
}

std::optional<MessageSummary> SqliteMessageStore::summary(const QString &id) const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
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

QList<MessageSummary> SqliteMessageStore::messages(qint64 start, qint64 limit) const
{
    QList<MessageSummary> list;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
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

std::optional<SearchResult> SqliteMessageStore::search(const QString &query, qint64 start, qint64 limit,
    const QTimeZone &zone, QString *error, SearchCompleteness completeness, const QString &mailbox) const
{
    const auto prepared = d->compile(query, zone, completeness, mailbox, error);
    if (!prepared) {
        return std::nullopt;
    }
    const auto &[compiled, unindexed] = *prepared;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = Private::database(lease, error);
    if (!db) {
        return std::nullopt;
    }
    // One pass over the matches, newest first, through the small facts index: it counts them (and the unread
    // ones) and keeps the row ids of the requested page; then only that page's rows are read.
    const QByteArray sql = "SELECT m.id, m.is_read" + compiled.fromWhere
        + (compiled.usesIndex ? " ORDER BY s.rowid DESC" : " ORDER BY m.id DESC");
    SqliteStatement st = db->prepare(sql.constData());
    bindAll(st, compiled.parameters, 1);
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

std::optional<SearchResult> SqliteMessageStore::list(const QString &query, const MessageSort &sort, qint64 start,
    qint64 limit, const QTimeZone &zone, QString *error, SearchCompleteness completeness, const QString &mailbox) const
{
    const bool all = query.trimmed().isEmpty();
    if (sort.isDefault() && !all) {
        return search(query, start, limit, zone, error, completeness, mailbox);
    }
    if (all && !mailbox.isEmpty()) {
        return mailboxList(mailbox, sort, start, limit, error, completeness);
    }
    if (sort.isDefault()) {
        // Readers parse unparsed rows themselves: this list is complete without the index.
        SearchResult result;
        result.messages = messages(start, limit);
        result.matches = count();
        result.unreadMatches = unreadCount();
        return result;
    }
    SearchQuery q = SearchQuery::parse(query, zone);
    limitToMailbox(q, mailbox);
    const SqliteSearch compiled = compileSearch(q);
    // The sort keys are summary columns, made when a message is parsed and indexed.
    std::optional<SearchResult> result;
    if (!all) {
        // The counts over all matches, as search() makes them (it readies the index too).
        result = search(query, 0, 0, zone, error, completeness, mailbox);
        if (!result) {
            return result;
        }
    } else {
        qint64 unindexed = 0;
        if (!d->indexer.prepareSearch(completeness, &unindexed, error)) {
            return std::nullopt;
        }
        result = SearchResult { {}, count(), unreadCount(), unindexed };
    }
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = Private::database(lease, error);
    if (!db) {
        return std::nullopt;
    }
    const QByteArray key = sortKey(sort);
    const QByteArray direction = sort.order == Qt::AscendingOrder ? " ASC" : " DESC";
    const int parameters = all ? 0 : int(compiled.parameters.size());
    QByteArray sql = QByteArray("SELECT ") + SummaryColumns + " FROM messages m";
    if (!all) {
        sql += " WHERE m.id IN (SELECT m.id" + compiled.fromWhere + ")";
    }
    sql += " ORDER BY " + key + direction + ", m.id" + direction + " LIMIT ?" + QByteArray::number(parameters + 1)
        + " OFFSET ?" + QByteArray::number(parameters + 2);
    SqliteStatement st = db->prepare(sql.constData());
    if (!all) {
        bindAll(st, compiled.parameters, 1);
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

std::optional<SearchResult> SqliteMessageStore::mailboxList(const QString &mailbox, const MessageSort &sort,
    qint64 start, qint64 limit, QString *error, SearchCompleteness completeness) const
{
    // Every message of one mailbox: its counts are its row's (kept by the writer's triggers), and page 1 newest
    // first walks the messages_mailbox index from its end.
    qint64 unindexed = 0;
    if (!sort.isDefault() && !d->indexer.prepareSearch(completeness, &unindexed, error)) {
        return std::nullopt;
    }
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = Private::database(lease, error);
    if (!db) {
        return std::nullopt;
    }
    SearchResult result;
    result.unindexed = unindexed;
    const auto box = d->mailboxRow(db, mailbox);
    if (!box) {
        return result;
    }
    result.matches = box->second.total;
    result.unreadMatches = box->second.unread;
    const QByteArray direction = sort.order == Qt::AscendingOrder ? " ASC" : " DESC";
    const QByteArray key
        = sort.isDefault() ? QByteArray("m.id DESC") : sortKey(sort) + direction + ", m.id" + direction;
    const QByteArray sql = QByteArray("SELECT ") + SummaryColumns + " FROM messages m WHERE m.mailbox_id = ?1 ORDER BY "
        + key + " LIMIT ?2 OFFSET ?3";
    SqliteStatement st = db->prepare(sql.constData());
    st.bind(1, box->first);
    st.bind(2, limit);
    st.bind(3, start);
    bool ok = st.isValid();
    while (ok && st.step(&ok)) {
        result.messages << readSummary(st, 0, db);
    }
    if (!ok) {
        if (error) {
            *error = db->errorString();
        }
        return std::nullopt;
    }
    return result;
}

std::optional<QStringList> SqliteMessageStore::searchIds(
    const QString &query, const QTimeZone &zone, QString *error) const
{
    const auto prepared = d->compile(query, zone, SearchCompleteness::Complete, QString(), error);
    if (!prepared) {
        return std::nullopt;
    }
    const SqliteSearch &compiled = prepared->first;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = Private::database(lease, error);
    if (!db) {
        return std::nullopt;
    }
    const QByteArray sql = "SELECT (SELECT uid FROM messages WHERE id = m.id)" + compiled.fromWhere
        + (compiled.usesIndex ? " ORDER BY s.rowid DESC" : " ORDER BY m.id DESC");
    SqliteStatement st = db->prepare(sql.constData());
    bindAll(st, compiled.parameters, 1);
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

QStringList SqliteMessageStore::searchIds(const QString &query, const QTimeZone &zone) const
{
    if (!query.trimmed().isEmpty()) {
        return searchIds(query, zone, nullptr).value_or(QStringList());
    }
    QStringList ids;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    if (SqliteDatabase *db = lease.database()) {
        SqliteStatement st = db->prepare("SELECT uid FROM messages ORDER BY id DESC");
        while (st.step()) {
            ids << st.columnText(0);
        }
    }
    return ids;
}

QString SqliteMessageStore::latestId(const QString &query, const QTimeZone &zone) const
{
    if (query.trimmed().isEmpty()) {
        const QList<MessageSummary> newest = messages(0, 1);
        return newest.isEmpty() ? QString() : newest.front().id;
    }
    // A text without terms (a lone quote, say) is refused by search(): no message is "the newest of" it.
    const std::optional<SearchResult> result = search(query, 0, 1, zone);
    return result && !result->messages.isEmpty() ? result->messages.front().id : QString();
}

QIODevice *SqliteMessageStore::openSource(const QString &id) const
{
    auto *device = new SourceDevice(d->writer.path, id);
    if (!device->open(QIODevice::ReadOnly)) {
        delete device;
        return nullptr;
    }
    return device;
}

std::optional<QByteArray> SqliteMessageStore::source(const QString &id, qint64 limit) const
{
    return sources({ id }, limit).value(0);
}

QList<std::optional<QByteArray>> SqliteMessageStore::sources(const QStringList &ids, qint64 limit) const
{
    QList<std::optional<QByteArray>> result(ids.size());
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return result;
    }
    // One read transaction for them all: one shared lock, not one per message.
    db->exec("BEGIN");
    const auto end = qScopeGuard([db] { db->exec("COMMIT"); });
    SqliteStatement st = db->prepare("SELECT id FROM messages WHERE uid = ?1");
    for (qsizetype i = 0; i < ids.size(); ++i) {
        st.reset();
        st.bind(1, ids.at(i));
        if (!st.step()) {
            continue;
        }
        const qint64 rowId = st.columnInt(0);
        // Incremental blob I/O reads only the pages asked for: a header is read without the rest of a large message.
        sqlite3_blob *blob = nullptr;
        if (sqlite3_blob_open(db->handle(), "main", "message_data", "raw", rowId, 0, &blob) != SQLITE_OK) {
            sqlite3_blob_close(blob);
            continue;
        }
        const qint64 size = sqlite3_blob_bytes(blob);
        QByteArray bytes(limit < 0 ? size : qMin(size, limit), Qt::Uninitialized);
        if (sqlite3_blob_read(blob, bytes.data(), int(bytes.size()), 0) == SQLITE_OK) {
            result[i] = bytes;
        }
        sqlite3_blob_close(blob);
    }
    return result;
}

qint64 SqliteMessageStore::unindexedCount() const
{
    return d->writer.publishedUnindexed.load();
}

quint64 SqliteMessageStore::generation() const
{
    return d->writer.publishedGeneration.load();
}

qint64 SqliteMessageStore::count() const
{
    return d->writer.publishedCount.load();
}

qint64 SqliteMessageStore::unreadCount() const
{
    return d->writer.publishedUnread.load();
}

namespace {
// Runs a write and waits for its completion (threads that may wait: the API's, workers).
bool waitFor(const std::function<void(std::function<void(const QString &)>)> &write, QString *error)
{
    std::promise<QString> promise;
    std::future<QString> result = promise.get_future();
    write([&promise](const QString &failure) { promise.set_value(failure); });
    const QString failure = result.get();
    if (error) {
        *error = failure;
    }
    return failure.isEmpty();
}

// A write's completion on context's thread.
std::function<void(const QString &)> finishedOn(QObject *context, std::function<void(const QString &)> done)
{
    if (!context || !done) {
        return {};
    }
    const StoreReply<QString> reply(context, std::move(done));
    return [reply](const QString &failure) {
        reply.finish(failure);
    };
}
} // namespace

bool SqliteMessageStore::remove(const QStringList &ids, QString *error)
{
    return waitFor(
        [&](auto finished) { d->writer.removeMessages(ids, SqliteWriter::Pinned::Removed, std::move(finished)); },
        error);
}

bool SqliteMessageStore::removeAll(QString *error)
{
    return waitFor([&](auto finished) { d->writer.removeEverything(std::move(finished)); }, error);
}

bool SqliteMessageStore::setRead(const QStringList &ids, bool read, QString *error)
{
    return waitFor([&](auto finished) { d->writer.markRead(ids, read, std::move(finished)); }, error);
}

void SqliteMessageStore::remove(const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeMessages(ids, SqliteWriter::Pinned::Removed, finishedOn(context, std::move(done)));
}

void SqliteMessageStore::removeAll(QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeEverything(finishedOn(context, std::move(done)));
}

void SqliteMessageStore::setRead(
    const QStringList &ids, bool read, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.markRead(ids, read, finishedOn(context, std::move(done)));
}

bool SqliteMessageStore::removeUnpinned(const QStringList &ids, QString *error)
{
    return waitFor(
        [&](auto finished) { d->writer.removeMessages(ids, SqliteWriter::Pinned::Kept, std::move(finished)); }, error);
}

bool SqliteMessageStore::setTags(const QStringList &ids, const QStringList &tags, QString *error)
{
    return waitFor([&](auto finished) { d->writer.changeTags(ids, tags, std::move(finished)); }, error);
}

bool SqliteMessageStore::renameTag(const QString &from, const QString &to, QString *error)
{
    return waitFor([&](auto finished) { d->writer.renameTag(from, to, std::move(finished)); }, error);
}

bool SqliteMessageStore::deleteTag(const QString &name, QString *error)
{
    return waitFor([&](auto finished) { d->writer.deleteTag(name, std::move(finished)); }, error);
}

bool SqliteMessageStore::setPinned(const QStringList &ids, bool pinned, QString *error)
{
    return waitFor([&](auto finished) { d->writer.markPinned(ids, pinned, std::move(finished)); }, error);
}

void SqliteMessageStore::removeUnpinned(
    const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeMessages(ids, SqliteWriter::Pinned::Kept, finishedOn(context, std::move(done)));
}

void SqliteMessageStore::setTags(
    const QStringList &ids, const QStringList &tags, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.changeTags(ids, tags, finishedOn(context, std::move(done)));
}

void SqliteMessageStore::renameTag(
    const QString &from, const QString &to, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.renameTag(from, to, finishedOn(context, std::move(done)));
}

void SqliteMessageStore::deleteTag(const QString &name, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.deleteTag(name, finishedOn(context, std::move(done)));
}

void SqliteMessageStore::setPinned(
    const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.markPinned(ids, pinned, finishedOn(context, std::move(done)));
}

QList<MailboxCount> SqliteMessageStore::mailboxes() const
{
    QList<MailboxCount> boxes;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    if (SqliteDatabase *db = lease.database()) {
        // Inbox is row 1: first, then the others in the order they were made.
        SqliteStatement st = db->prepare("SELECT name, total, unread FROM mailboxes ORDER BY id");
        while (st.step()) {
            boxes << MailboxCount { st.columnText(0), st.columnInt(1), st.columnInt(2) };
        }
    }
    return boxes;
}

std::optional<MailboxIndex> SqliteMessageStore::mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts) const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return std::nullopt;
    }
    // One read transaction, so that the counters and the rows agree.
    db->exec("BEGIN");
    const auto end = qScopeGuard([db] { db->exec("COMMIT"); });
    SqliteStatement box = db->prepare("SELECT id, name, uid_validity, uid_next FROM mailboxes WHERE name = ?1");
    box.bind(1, mailbox);
    if (!box.step()) {
        return std::nullopt;
    }
    MailboxIndex index;
    const qint64 mailboxId = box.columnInt(0);
    index.name = box.columnText(1);
    index.uidValidity = box.columnInt(2);
    index.uidNext = box.columnInt(3);
    // messages_mailbox (mailbox_id, id, is_read) finds the rows in UID order.
    if (texts == MailboxIndex::Texts::Parsed) {
        // A row not parsed yet is parsed by readSummary(), so that the header texts are there for a search.
        SqliteStatement st = db->prepare(QByteArray("SELECT ") + SqliteRows::SummaryColumns
            + " FROM messages m WHERE m.mailbox_id = ?1 ORDER BY m.id");
        st.bind(1, mailboxId);
        while (st.step()) {
            const MessageSummary s = SqliteRows::readSummary(st, 0, db);
            index.entries << MailboxIndexEntry { st.columnInt(17), s.id, s.size, s.receivedMs, s.read, s.pinned, s.from,
                s.to, s.cc, s.subject };
        }
        return index;
    }
    SqliteStatement st
        = db->prepare("SELECT id, uid, size, received, is_read, pinned, from_header, to_header, cc_header, "
                      "subject FROM messages WHERE mailbox_id = ?1 ORDER BY id");
    st.bind(1, mailboxId);
    while (st.step()) {
        index.entries << MailboxIndexEntry { st.columnInt(0), st.columnText(1), st.columnInt(2), st.columnInt(3),
            st.columnInt(4) != 0, st.columnInt(5) != 0, st.columnText(6), st.columnText(7), st.columnText(8),
            st.columnText(9) };
    }
    return index;
}

QStringList SqliteMessageStore::tags() const
{
    QStringList names;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    if (SqliteDatabase *db = lease.database()) {
        SqliteStatement st = db->prepare("SELECT name FROM tags");
        while (st.step()) {
            names << st.columnText(0);
        }
    }
    MessageTags::sort(names);
    return names;
}

QList<TagCount> SqliteMessageStore::tagCounts() const
{
    QList<TagCount> counts;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    if (SqliteDatabase *db = lease.database()) {
        SqliteStatement st = db->prepare("SELECT t.name, count(mt.message_id) FROM tags t LEFT JOIN message_tags mt ON "
                                         "mt.tag_id = t.id GROUP BY t.id");
        while (st.step()) {
            counts << TagCount { st.columnText(0), st.columnInt(1) };
        }
    }
    std::sort(counts.begin(), counts.end(), [](const TagCount &a, const TagCount &b) { return a.name < b.name; });
    return counts;
}

qint64 SqliteMessageStore::pinnedCount() const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    if (SqliteDatabase *db = lease.database()) {
        // The partial index messages_pinned (migration 0007) holds exactly these rows.
        SqliteStatement st = db->prepare("SELECT count(*) FROM messages WHERE pinned = 1");
        if (st.step()) {
            return st.columnInt(0);
        }
    }
    return 0;
}

void SqliteMessageStore::mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const
{
    const StoreReply<QList<MailboxCount>> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(mailboxes()); });
}

void SqliteMessageStore::mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
    std::function<void(const std::optional<MailboxIndex> &)> done) const
{
    const StoreReply<std::optional<MailboxIndex>> reply(context, std::move(done));
    d->readers.threads()->start([this, mailbox, texts, reply] { reply.finish(mailboxIndex(mailbox, texts)); });
}

void SqliteMessageStore::tags(QObject *context, std::function<void(const QStringList &)> done) const
{
    const StoreReply<QStringList> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(tags()); });
}

void SqliteMessageStore::pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const
{
    const StoreReply<qint64> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(pinnedCount()); });
}

void SqliteMessageStore::list(
    const ListRequest &request, QObject *context, std::function<void(const ListReply &)> done) const
{
    const StoreReply<ListReply> reply(context, std::move(done));
    d->readers.threads()->start([this, request, reply] {
        ListReply answer;
        answer.result = list(request.query, request.sort, request.start, request.limit, request.zone, &answer.error,
            request.completeness, request.mailbox);
        reply.finish(answer);
    });
}

void SqliteMessageStore::summary(
    const QString &id, QObject *context, std::function<void(const std::optional<MessageSummary> &)> done) const
{
    const StoreReply<std::optional<MessageSummary>> reply(context, std::move(done));
    d->readers.threads()->start([this, id, reply] { reply.finish(summary(id)); });
}

qint64 SqliteMessageStore::commitCount() const
{
    return d->writer.commits.load();
}

bool SqliteMessageStore::limitGrowthForTesting(qint64 extraPages)
{
    return d->writer.runAndWait([this, extraPages](QString *) {
        SqliteStatement pages = d->writer.db.prepare("PRAGMA page_count");
        const qint64 limit = extraPages < 0 ? qint64(1) << 30 : (pages.step() ? pages.columnInt(0) : 0) + extraPages;
        const QByteArray sql = "PRAGMA max_page_count=" + QByteArray::number(limit);
        return d->writer.db.exec(sql.constData());
    });
}

bool SqliteMessageStore::refuseWritesForTesting(bool refuse)
{
    // An authorizer is asked while statements are compiled, and setting one recompiles the prepared ones: every
    // change to a table then fails with SQLITE_AUTH ("not authorized"), through the store's usual paths.
    const auto deny = [](void *, int action, const char *, const char *, const char *, const char *) {
        return action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE ? SQLITE_DENY : SQLITE_OK;
    };
    return d->writer.runAndWait([this, refuse, deny](QString *) {
        return sqlite3_set_authorizer(d->writer.db.handle(), refuse ? +deny : nullptr, nullptr) == SQLITE_OK;
    });
}

namespace {
QByteArray recipientsJson(const QByteArrayList &to)
{
    QJsonArray array;
    for (const QByteArray &address : to) {
        array.append(QString::fromUtf8(address));
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QByteArrayList recipientsFromJson(const QByteArray &json)
{
    QByteArrayList to;
    for (const QJsonValue &value : QJsonDocument::fromJson(json).array()) {
        to << value.toString().toUtf8();
    }
    return to;
}
} // namespace

bool SqliteMessageStore::changeRelay(RelayChange *change, QString *error)
{
    // The writer may run apply again (alone) after a rolled-back batch: it starts from what was asked each time.
    const RelayChange asked = *change;
    bool gone = false;
    qint64 insertedId = 0;
    QString failure;
    const bool ok = d->writer.runAndWait(
        [this, &asked, &gone, &insertedId](QString *why) {
            gone = false;
            insertedId = 0;
            SqliteDatabase &db = d->writer.db;
            SqliteStatement find = db.prepare("SELECT id FROM messages WHERE uid = ?1");
            find.bind(1, asked.messageId);
            if (!find.step()) {
                gone = true;
                return true;
            }
            const qint64 row = find.columnInt(0);
            const auto failed = [&db, why] {
                *why = db.errorString();
                return false;
            };
            if (asked.removePending > 0) {
                SqliteStatement remove = db.prepare("DELETE FROM relay_queue WHERE id = ?1 AND message_id = ?2");
                remove.bind(1, asked.removePending);
                remove.bind(2, row);
                if (!remove.exec()) {
                    return failed();
                }
                if (db.changes() == 0) {
                    gone = true;
                    return true;
                }
            }
            if (asked.pending) {
                const RelayPending &p = *asked.pending;
                const QByteArray to = recipientsJson(p.to);
                if (p.id == 0) {
                    SqliteStatement insert
                        = db.prepare("INSERT INTO relay_queue (message_id, recipients, due, failures, "
                                     "in_flight) VALUES (?1, ?2, ?3, ?4, ?5)");
                    insert.bind(1, row);
                    insert.bind(2, to);
                    insert.bind(3, p.dueMs);
                    insert.bind(4, qint64(p.failures));
                    insert.bind(5, qint64(p.inFlight ? 1 : 0));
                    if (!insert.exec()) {
                        return failed();
                    }
                    insertedId = db.lastInsertRowId();
                } else {
                    SqliteStatement update
                        = db.prepare("UPDATE relay_queue SET recipients = ?2, due = ?3, failures = ?4, "
                                     "in_flight = ?5 WHERE id = ?1 AND message_id = ?6");
                    update.bind(1, p.id);
                    update.bind(2, to);
                    update.bind(3, p.dueMs);
                    update.bind(4, qint64(p.failures));
                    update.bind(5, qint64(p.inFlight ? 1 : 0));
                    update.bind(6, row);
                    if (!update.exec()) {
                        return failed();
                    }
                    if (db.changes() == 0) {
                        gone = true;
                        return true;
                    }
                }
            }
            SqliteStatement log = db.prepare(
                "INSERT INTO relay_log (message_id, time, recipients, ok, reply) VALUES (?1, ?2, ?3, ?4, ?5)");
            for (const RelayRecord &record : asked.log) {
                const QByteArray to = recipientsJson(record.to);
                log.bind(1, row);
                log.bind(2, record.timeMs);
                log.bind(3, to);
                log.bind(4, qint64(record.ok ? 1 : 0));
                log.bindBlob(5, record.reply);
                if (!log.exec()) {
                    return failed();
                }
            }
            return true;
        },
        {}, &failure);
    if (error) {
        *error = ok ? QString() : failure;
    }
    if (!ok || gone) {
        return false;
    }
    if (change->pending && change->pending->id == 0) {
        change->pending->id = insertedId;
    }
    return true;
}

QList<RelayPending> SqliteMessageStore::relayPending() const
{
    QList<RelayPending> pending;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return pending;
    }
    SqliteStatement st
        = db->prepare("SELECT q.id, m.uid, q.recipients, q.due, q.failures, q.in_flight FROM relay_queue "
                      "q JOIN messages m ON m.id = q.message_id ORDER BY q.due, q.id");
    while (st.step()) {
        pending << RelayPending { st.columnInt(0), st.columnText(1), recipientsFromJson(st.columnBlob(2)),
            st.columnInt(3), int(st.columnInt(4)), st.columnInt(5) != 0 };
    }
    return pending;
}

QList<PendingBounce> SqliteMessageStore::pendingBounces() const
{
    QList<PendingBounce> pending;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return pending;
    }
    SqliteStatement st = db->prepare("SELECT m.uid, b.recipient, b.code, b.enhanced, b.text, b.rule, b.after_ms "
                                     "FROM bounce_queue b JOIN messages m ON m.id = b.message_id "
                                     "ORDER BY b.message_id, b.seq");
    while (st.step()) {
        const QString id = st.columnText(0);
        if (pending.isEmpty() || pending.last().messageId != id) {
            pending << PendingBounce { id, {} };
        }
        pending.last().bounces << SmtpBounce { st.columnBlob(1), int(st.columnInt(2)), st.columnBlob(3),
            st.columnBlob(4), st.columnBlob(5), int(st.columnInt(6)) };
    }
    return pending;
}

QList<RelayRecord> SqliteMessageStore::relayLog(const QString &id) const
{
    QList<RelayRecord> log;
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return log;
    }
    SqliteStatement st = db->prepare("SELECT l.time, l.recipients, l.ok, l.reply FROM relay_log l JOIN messages m ON "
                                     "m.id = l.message_id WHERE m.uid = coalesce((SELECT nullif(copy_of, '') FROM "
                                     "messages WHERE uid = ?1), ?1) ORDER BY l.id");
    st.bind(1, id);
    while (st.step()) {
        log << RelayRecord { st.columnInt(0), recipientsFromJson(st.columnBlob(1)), st.columnInt(2) != 0,
            st.columnBlob(3) };
    }
    return log;
}

void SqliteMessageStore::relayLog(
    const QString &id, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const
{
    const StoreReply<QList<RelayRecord>> reply(context, std::move(done));
    d->readers.threads()->start([this, id, reply] { reply.finish(relayLog(id)); });
}

void SqliteMessageStore::keepRefusedSession(RefusedSession session)
{
    d->writer.keepRefusedSession(std::move(session));
}

std::optional<RefusedSessionPage> SqliteMessageStore::refusedSessions(qint64 start, qint64 limit) const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return std::nullopt;
    }
    return SqliteRefusedSessions::page(*db, start, limit);
}

std::optional<RefusedSession> SqliteMessageStore::refusedSession(const QString &id) const
{
    const SqliteReaderPool::Lease lease = d->readers.acquire();
    SqliteDatabase *db = lease.database();
    if (!db) {
        return std::nullopt;
    }
    return SqliteRefusedSessions::one(*db, id);
}

void SqliteMessageStore::refusedSessions(
    qint64 start, qint64 limit, QObject *context, std::function<void(const RefusedSessionPage &)> done) const
{
    const StoreReply<RefusedSessionPage> reply(context, std::move(done));
    d->readers.threads()->start(
        [this, start, limit, reply] { reply.finish(refusedSessions(start, limit).value_or(RefusedSessionPage())); });
}

bool SqliteMessageStore::removeRefusedSessions(QString *error)
{
    return waitFor([&](auto finished) { d->writer.removeRefusedSessions(std::move(finished)); }, error);
}
