#include "pgmessagestore.h"

#include "../message/messagetags.h"
#include "../store/arrivaltags.h"
#include "../store/searchquery.h"
#include "../store/storereply.h"
#include "pgchangefeed.h"
#include "pgconnection.h"
#include "pgindexer.h"
#include "pgmigrations.h"
#include "pgparameter.h"
#include "pgreaderpool.h"
#include "pgrefusedsessions.h"
#include "pgrows.h"
#include "pgsearchcompiler.h"
#include "pgsourcedevice.h"
#include "pgwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QThread>
#include <QThreadPool>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <future>

Q_LOGGING_CATEGORY(lcPgStore, "letterbox.store.postgresql")

using namespace PgRows;

namespace {
// A page's LIMIT: a negative limit is every row, as SQLite reads LIMIT -1 (a mail client's POP3 listing asks so);
// PostgreSQL refuses a negative LIMIT and reads LIMIT NULL as none.
PgParameter limitParameter(qint64 limit)
{
    return limit < 0 ? PgParameter::null() : PgParameter::int64(limit);
}

// Reading connections: the window's reads, the API's, a worker's and the change feed's at once.
constexpr int ReaderConnections = 4;
// How long a complete search waits for the messages other instances are indexing.
constexpr auto IndexWaitLimit = std::chrono::seconds(30);
// How long open() waits for the listener's first LISTEN.
constexpr int ListenTimeoutMs = 15000;

// A search as PostgreSQL runs it: PgSearchCompiler's condition over "messages m" and its parameters.
struct PgSearch
{
    QByteArray condition;
    QList<PgParameter> parameters;
};

PgSearch compileSearch(const SearchQuery &query)
{
    const PgSearchCompiler compiler(query, 1);
    return { compiler.condition().toUtf8(), compiler.parameters() };
}

// The ORDER BY key of a sort (summary columns, made when a message is parsed): case-insensitive as SQLite's
// NOCASE is (ASCII only, then bytes).
QByteArray sortKey(const MessageSort &sort)
{
    switch (sort.key) {
    case MessageSort::Key::Received:
        break;
    case MessageSort::Key::From:
        return "lower(m.from_header COLLATE \"C\")";
    case MessageSort::Key::To:
        return "lower(m.to_header COLLATE \"C\")";
    case MessageSort::Key::Subject:
        return "lower(m.subject COLLATE \"C\")";
    case MessageSort::Key::Size:
        return "m.size";
    }
    return "m.id";
}

// A query limited to a mailbox, as the term mailbox:NAME would.
void limitToMailbox(SearchQuery &q, const QString &mailbox)
{
    if (!mailbox.isEmpty()) {
        q.addTerm(SearchQuery::Term { SearchQuery::Field::Mailbox, mailbox, false });
    }
}

// The text of statement parameter n: "$n".
QByteArray parameterRef(qsizetype n)
{
    return '$' + QByteArray::number(n);
}

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

struct PgMessageStore::Private
{
    PgMessageStore *q = nullptr;
    mutable PgWriter writer;
    mutable PgReaderPool readers { ReaderConnections };
    QThread *feedThread = nullptr;
    PgChangeFeed *feed = nullptr;
    QString errorString;
    bool schemaNewer = false;

    // A search's query compiled, with the index readied as completeness asks (unindexed: how many messages it may
    // miss). nullopt (and *error) when the query has no terms or the index could not be readied.
    std::optional<std::pair<PgSearch, qint64>> compile(const QString &query, const QTimeZone &zone,
        SearchCompleteness completeness, const QString &mailbox, QString *error) const;
    bool prepareSearch(SearchCompleteness completeness, qint64 *unindexed, QString *error) const;
    QList<MessageSummary> summaries(
        PgConnection &db, const QByteArray &where, const QList<PgParameter> &parameters, bool *ok = nullptr) const;
    // Another instance's change: the counts read afresh, then the signals this instance would have emitted for it
    // (on the feed's thread).
    void applyRemote(const PgChange &change);
    void resumed();
};

std::optional<std::pair<PgSearch, qint64>> PgMessageStore::Private::compile(const QString &query, const QTimeZone &zone,
    SearchCompleteness completeness, const QString &mailbox, QString *error) const
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
    if (!prepareSearch(completeness, &unindexed, error)) {
        return std::nullopt;
    }
    return std::make_pair(compileSearch(q), unindexed);
}

bool PgMessageStore::Private::prepareSearch(SearchCompleteness completeness, qint64 *unindexed, QString *error) const
{
    *unindexed = 0;
    if (completeness == SearchCompleteness::IndexedOnly) {
        *unindexed = writer.publishedUnindexed.load();
        return true;
    }
    const PgReaderPool::Lease lease = readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        if (error) {
            *error = lease.error();
        }
        return false;
    }
    // Every message committed before the search began, by any instance.
    const PgResult last = db->exec("SELECT coalesce(max(id), 0) FROM messages");
    QString failure;
    if (!last.isOk()) {
        failure = last.errorString();
    } else if (PgIndexer::indexThrough(*db, last.int64(0, 0), IndexWaitLimit, &failure)) {
        if (writer.publishedUnindexed.load() > 0) {
            // This instance's unindexedCount() follows at once, the others' by their notification.
            writer.refreshState(*db);
            PgChange indexed;
            indexed.origin = writer.origin;
            indexed.kind = PgChange::Kind::Indexed;
            db->notify(QString::fromLatin1(PgChange::Channel), indexed.payloads().constFirst());
        }
        return true;
    }
    if (error) {
        *error = failure;
    }
    return false;
}

QList<MessageSummary> PgMessageStore::Private::summaries(
    PgConnection &db, const QByteArray &where, const QList<PgParameter> &parameters, bool *ok) const
{
    QList<MessageSummary> list;
    const PgResult r = db.exec(QByteArray("SELECT ") + SummaryColumns + " FROM messages m " + where, parameters);
    if (ok) {
        *ok = r.isOk();
    }
    for (int i = 0; r.isOk() && i < r.rows(); ++i) {
        list << readSummary(r, i, 0, &db);
    }
    return list;
}

void PgMessageStore::Private::applyRemote(const PgChange &change)
{
    {
        const PgReaderPool::Lease lease = readers.acquire();
        if (PgConnection *db = lease.connection()) {
            writer.refreshState(*db);
        } else {
            writer.publishedGeneration.fetch_add(1);
        }
    }
    switch (change.kind) {
    case PgChange::Kind::Stored: {
        const PgReaderPool::Lease lease = readers.acquire();
        if (PgConnection *db = lease.connection()) {
            const QList<MessageSummary> stored = summaries(
                *db, "WHERE m.uid = ANY($1::text[]) ORDER BY m.id", { PgParameter::utf8(arrayLiteral(change.ids)) });
            for (const MessageSummary &s : stored) {
                Q_EMIT q->messageStored(s);
            }
        }
        break;
    }
    case PgChange::Kind::Removed:
        Q_EMIT q->messagesRemoved(change.ids);
        break;
    case PgChange::Kind::Pruned:
        Q_EMIT q->messagesPruned(change.ids);
        break;
    case PgChange::Kind::Cleared:
        Q_EMIT q->messagesCleared(change.count);
        break;
    case PgChange::Kind::Read:
        Q_EMIT q->readChanged(change.ids, change.flag);
        break;
    case PgChange::Kind::Tags:
        Q_EMIT q->tagsChanged(change.ids);
        break;
    case PgChange::Kind::Pinned:
        Q_EMIT q->pinnedChanged(change.ids, change.flag);
        break;
    case PgChange::Kind::Mailboxes:
        Q_EMIT q->mailboxesChanged();
        break;
    case PgChange::Kind::Refused: {
        const PgReaderPool::Lease lease = readers.acquire();
        if (PgConnection *db = lease.connection()) {
            for (const QString &id : change.ids) {
                if (const std::optional<RefusedSession> session = PgRefusedSessions::one(*db, id, false)) {
                    Q_EMIT q->refusedSessionKept(*session);
                }
            }
        }
        break;
    }
    case PgChange::Kind::RefusedCleared:
        Q_EMIT q->refusedSessionsCleared(change.count);
        break;
    case PgChange::Kind::Indexed:
        break;
    }
}

void PgMessageStore::Private::resumed()
{
    // Changes notified while the listener was away were missed: the counts are read afresh, and the mailbox list
    // (which every list view follows) is said to have changed.
    const PgReaderPool::Lease lease = readers.acquire();
    if (PgConnection *db = lease.connection()) {
        writer.refreshState(*db);
    }
    Q_EMIT q->mailboxesChanged();
}

PgMessageStore::PgMessageStore(QObject *parent) : MessageStore(parent), d(std::make_unique<Private>())
{
    d->q = this;
    d->writer.q = this;
    qRegisterMetaType<PgChange>();
}

PgMessageStore::~PgMessageStore()
{
    close();
}

bool PgMessageStore::open(const QString &url)
{
    close();
    d->errorString.clear();
    d->schemaNewer = false;
    // Named without its password, wherever libpq would take one from (the user information or ?password=).
    QUrl shown(url);
    shown.setPassword(QString());
    QUrlQuery query(shown);
    query.removeAllQueryItems(QStringLiteral("password"));
    shown.setQuery(query);
    d->writer.url = url;
    d->writer.location = shown.toString();
    PgConnection &db = d->writer.db;
    if (!db.open(url)) {
        d->errorString = QStringLiteral("%1: %2").arg(d->writer.location, db.errorString());
        return false;
    }
    d->writer.location = db.location();
    QString error;
    const int current = PgMigrations::currentVersion(db, &error);
    if (current > PgMigrations::latestVersion()) {
        d->schemaNewer = true;
    }
    if (current < 0 || !PgMigrations::apply(db, &error)) {
        d->errorString = error;
        db.close();
        return false;
    }
    // A key of this instance's own for the queues it keeps (migration 0005): positive, with bit 61 set, which neither
    // fixed advisory lock key has, so never one of them.
    static_assert((PgWriter::RetentionLockKey & (qint64(1) << 61)) == 0);
    static_assert((PgMigrations::LockKey & (qint64(1) << 61)) == 0);
    d->writer.ownerKey = qint64(QRandomGenerator::system()->generate64() >> 1) | (qint64(1) << 61);
    // synchronous_commit on and the owner key's lock (PgWriter does it again whenever it connects again).
    if (!d->writer.prepareConnection(&error)) {
        d->errorString = QStringLiteral("%1: %2").arg(d->writer.location, error);
        db.close();
        return false;
    }
    d->writer.origin = QUuid::createUuid().toString(QUuid::WithoutBraces);
    d->writer.mailboxRows.clear();
    d->writer.sessions.clear();
    d->writer.refreshState(db);
    d->readers.setUrl(url);

    // The listener gets a thread with an event loop of its own: the owner's may be busy (or, in a headless run,
    // the one that waits in deliveries' callers).
    d->feedThread = new QThread;
    d->feedThread->setObjectName(QStringLiteral("letterbox-pgstore-listener"));
    d->feed = new PgChangeFeed(url, d->writer.origin);
    d->feed->moveToThread(d->feedThread);
    Private *p = d.get();
    connect(
        d->feed, &PgChangeFeed::changed, d->feed, [p](const PgChange &change) { p->applyRemote(change); },
        Qt::DirectConnection);
    connect(
        d->feed, &PgChangeFeed::resumed, d->feed, [p] { p->resumed(); }, Qt::DirectConnection);
    d->feedThread->start();
    QMetaObject::invokeMethod(d->feed, &PgChangeFeed::start, Qt::QueuedConnection);
    d->feed->waitUntilStarted(ListenTimeoutMs);
    d->writer.start();
    return true;
}

void PgMessageStore::close()
{
    if (d->feedThread) {
        // Deleted on its own thread: its timer and socket notifier belong to it.
        PgChangeFeed *feed = d->feed;
        QMetaObject::invokeMethod(
            feed, [feed] { delete feed; }, Qt::BlockingQueuedConnection);
        d->feed = nullptr;
        d->feedThread->quit();
        d->feedThread->wait();
        delete d->feedThread;
        d->feedThread = nullptr;
    }
    // Reads under way finish before the writer stops.
    d->readers.close();
    d->writer.stop();
}

bool PgMessageStore::isOpen() const
{
    std::lock_guard lock(d->writer.queueMutex);
    return d->writer.running && !d->writer.stopping;
}

QString PgMessageStore::errorString() const
{
    return d->errorString;
}

QString PgMessageStore::location() const
{
    return d->writer.location;
}

qint64 PgMessageStore::storageSize() const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        const PgResult r = db->exec("SELECT pg_database_size(current_database())");
        if (r.isOk()) {
            return r.int64(0, 0);
        }
    }
    return 0;
}

bool PgMessageStore::schemaIsNewer() const
{
    return d->schemaNewer;
}

void PgMessageStore::setMaxMessages(qint64 max)
{
    d->writer.maxMessages = max;
}

qint64 PgMessageStore::maxMessages() const
{
    return d->writer.maxMessages;
}

qint64 PgMessageStore::commitCount() const
{
    return d->writer.commits.load();
}

namespace {
PgWriteOp deliveryOp(
    PgMessageStore *store, PgWriter *writer, IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    auto shared = std::make_shared<IncomingMessage>(std::move(message));
    auto result = std::make_shared<DeliveryResult>();
    const int expectedSoon = shared->otherSessions;
    // Mailpit's tags on arrival, found here rather than on the writer thread that every delivery waits for.
    const QStringList tags = ArrivalTags::of(*shared);
    auto madeMailbox = std::make_shared<bool>(false);
    const QString mailbox = shared->mailbox;
    return { [writer, shared, tags, result, madeMailbox](PgConnection &, QList<PgChange> *changes, QString *error) {
                *result = DeliveryResult();
                return writer->insert(*shared, tags, result.get(), madeMailbox.get(), changes, error);
            },
        [store, shared, result, madeMailbox, done = std::move(done)](bool ok, const QString &error) {
            result->ok = ok;
            if (!ok) {
                result->errorString = error;
                qCWarning(lcPgStore).noquote() << "could not store message" << shared->id << "from"
                                               << shared->envelope.clientAddress.toString() << ":" << error;
                Q_EMIT store->writeFailed(MessageStore::Write::Delivery, 1, error);
            }
            done(*result);
            if (ok && *madeMailbox) {
                Q_EMIT store->mailboxesChanged();
            }
            if (ok) {
                Q_EMIT store->messageStored(result->summary);
            }
        },
        expectedSoon, mailbox };
}
} // namespace

void PgMessageStore::deliver(IncomingMessage message, std::function<void(const DeliveryResult &)> done)
{
    d->writer.enqueue(deliveryOp(this, &d->writer, std::move(message), std::move(done)));
}

void PgMessageStore::deliverAll(std::vector<Delivery> deliveries)
{
    std::vector<PgWriteOp> ops;
    ops.reserve(deliveries.size());
    for (Delivery &delivery : deliveries) {
        ops.push_back(deliveryOp(this, &d->writer, std::move(delivery.message), std::move(delivery.done)));
    }
    d->writer.enqueue(std::move(ops));
}

void PgMessageStore::keepRefusedSession(RefusedSession session)
{
    d->writer.keepRefusedSession(std::move(session));
}

std::optional<StoredMessage> PgMessageStore::message(const QString &id) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return std::nullopt;
    }
    const QByteArray sql = QByteArray("SELECT ") + SummaryColumns
        + ", m.rcpt_to, m.client_address, m.client_port, m.helo, m.tls, d.raw, m.chunk_id, "
          "m.tls_protocol, m.tls_cipher, m.bounce_of, m.bounce_rule "
          "FROM messages m JOIN message_data d ON d.id = m.id WHERE m.uid = $1";
    const PgResult r = db->exec(sql, { PgParameter::text(id) }, PgResult::Format::Binary);
    if (!r.isOk() || r.rows() != 1) {
        return std::nullopt;
    }
    StoredMessage m;
    m.summary = readSummary(r, 0, 0, db);
    m.mailFrom = m.summary.mailFrom;
    constexpr int c = SummaryColumnCount;
    m.rcptTo = jsonStrings(r.text(0, c).toUtf8());
    m.clientAddress = r.text(0, c + 1);
    m.clientPort = int(r.int64(0, c + 2));
    m.helo = r.text(0, c + 3);
    m.authUser = m.summary.authUser;
    m.tls = r.boolean(0, c + 4);
    m.raw = r.bytea(0, c + 5);
    m.tlsProtocol = r.text(0, c + 7);
    m.tlsCipher = r.text(0, c + 8);
    m.bounceOf = r.text(0, c + 9);
    m.bounceRule = r.text(0, c + 10);
    m.transcript = session(*db, r.int64(0, c + 6));
    const PgResult bounces = db->exec(
        "SELECT uid FROM messages WHERE bounce_of = $1 AND bounce_of <> '' ORDER BY id", { PgParameter::text(id) });
    for (int i = 0; bounces.isOk() && i < bounces.rows(); ++i) {
        m.bounces << bounces.text(i, 0);
    }
    return m;
}

std::optional<MessageSummary> PgMessageStore::summary(const QString &id) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return std::nullopt;
    }
    const QList<MessageSummary> found = d->summaries(*db, "WHERE m.uid = $1", { PgParameter::text(id) });
    if (found.isEmpty()) {
        return std::nullopt;
    }
    return found.front();
}

QList<MessageSummary> PgMessageStore::messages(qint64 start, qint64 limit) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return {};
    }
    return d->summaries(
        *db, "ORDER BY m.id DESC LIMIT $1 OFFSET $2", { limitParameter(limit), PgParameter::int64(start) });
}

std::optional<SearchResult> PgMessageStore::search(const QString &query, qint64 start, qint64 limit,
    const QTimeZone &zone, QString *error, SearchCompleteness completeness, const QString &mailbox) const
{
    const auto prepared = d->compile(query, zone, completeness, mailbox, error);
    if (!prepared) {
        return std::nullopt;
    }
    const auto &[compiled, unindexed] = *prepared;
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        if (error) {
            *error = lease.error();
        }
        return std::nullopt;
    }
    // One snapshot for the counts and the page, so that they agree.
    db->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const PgResult counts
        = db->exec("SELECT count(*), count(*) FILTER (WHERE NOT m.is_read) FROM messages m WHERE " + compiled.condition,
            compiled.parameters);
    if (!counts.isOk()) {
        if (error) {
            *error = counts.errorString();
        }
        return std::nullopt;
    }
    SearchResult result;
    result.unindexed = unindexed;
    result.matches = counts.int64(0, 0);
    result.unreadMatches = counts.int64(0, 1);
    if (limit > 0 && start < result.matches) {
        const qsizetype n = compiled.parameters.size();
        QList<PgParameter> parameters = compiled.parameters;
        parameters << PgParameter::int64(limit) << PgParameter::int64(start);
        bool ok = false;
        result.messages = d->summaries(*db,
            "WHERE " + compiled.condition + " ORDER BY m.id DESC LIMIT " + parameterRef(n + 1) + " OFFSET "
                + parameterRef(n + 2),
            parameters, &ok);
        if (!ok) {
            if (error) {
                *error = db->errorString();
            }
            return std::nullopt;
        }
    }
    db->exec("COMMIT");
    return result;
}

std::optional<SearchResult> PgMessageStore::list(const QString &query, const MessageSort &sort, qint64 start,
    qint64 limit, const QTimeZone &zone, QString *error, SearchCompleteness completeness, const QString &mailbox) const
{
    const bool all = query.trimmed().isEmpty();
    if (sort.isDefault() && !all) {
        return search(query, start, limit, zone, error, completeness, mailbox);
    }
    std::optional<SearchResult> result;
    PgSearch compiled;
    if (!all) {
        // The counts over all matches, as search() makes them (it readies the index too).
        result = search(query, 0, 0, zone, error, completeness, mailbox);
        if (!result) {
            return result;
        }
        SearchQuery q = SearchQuery::parse(query, zone);
        limitToMailbox(q, mailbox);
        compiled = compileSearch(q);
    } else {
        qint64 unindexed = 0;
        // Readers parse unparsed rows themselves: the default order needs no index.
        if (!sort.isDefault() && !d->prepareSearch(completeness, &unindexed, error)) {
            return std::nullopt;
        }
        result = SearchResult { {}, 0, 0, unindexed };
    }
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        if (error) {
            *error = lease.error();
        }
        return std::nullopt;
    }
    QList<PgParameter> parameters = compiled.parameters;
    QByteArray where;
    if (!all) {
        where = "WHERE " + compiled.condition;
    } else if (!mailbox.isEmpty()) {
        // Every message of one mailbox: its counts are its row's (kept by the counting trigger).
        const PgResult box = db->exec("SELECT id, total, unread FROM mailboxes WHERE lower(name COLLATE \"C\") = "
                                      "lower($1::text COLLATE \"C\")",
            { PgParameter::text(mailbox) });
        if (!box.isOk()) {
            if (error) {
                *error = box.errorString();
            }
            return std::nullopt;
        }
        if (box.rows() == 0) {
            return result;
        }
        result->matches = box.int64(0, 1);
        result->unreadMatches = box.int64(0, 2);
        parameters << PgParameter::int64(box.int64(0, 0));
        where = "WHERE m.mailbox_id = $1";
    } else {
        result->matches = count();
        result->unreadMatches = unreadCount();
    }
    const QByteArray direction = sort.order == Qt::AscendingOrder ? " ASC" : " DESC";
    const QByteArray order
        = sort.isDefault() ? QByteArray("m.id DESC") : sortKey(sort) + direction + ", m.id" + direction;
    const qsizetype n = parameters.size();
    parameters << limitParameter(limit) << PgParameter::int64(start);
    bool ok = false;
    result->messages = d->summaries(*db,
        where + " ORDER BY " + order + " LIMIT " + parameterRef(n + 1) + " OFFSET " + parameterRef(n + 2), parameters,
        &ok);
    if (!ok) {
        if (error) {
            *error = db->errorString();
        }
        return std::nullopt;
    }
    return result;
}

std::optional<QStringList> PgMessageStore::searchIds(const QString &query, const QTimeZone &zone, QString *error) const
{
    const auto prepared = d->compile(query, zone, SearchCompleteness::Complete, QString(), error);
    if (!prepared) {
        return std::nullopt;
    }
    const PgSearch &compiled = prepared->first;
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        if (error) {
            *error = lease.error();
        }
        return std::nullopt;
    }
    const PgResult r = db->exec(
        "SELECT m.uid FROM messages m WHERE " + compiled.condition + " ORDER BY m.id DESC", compiled.parameters);
    if (!r.isOk()) {
        if (error) {
            *error = r.errorString();
        }
        return std::nullopt;
    }
    QStringList ids;
    for (int i = 0; i < r.rows(); ++i) {
        ids << r.text(i, 0);
    }
    return ids;
}

QStringList PgMessageStore::searchIds(const QString &query, const QTimeZone &zone) const
{
    if (!query.trimmed().isEmpty()) {
        return searchIds(query, zone, nullptr).value_or(QStringList());
    }
    QStringList ids;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        const PgResult r = db->exec("SELECT uid FROM messages ORDER BY id DESC");
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            ids << r.text(i, 0);
        }
    }
    return ids;
}

QString PgMessageStore::latestId(const QString &query, const QTimeZone &zone) const
{
    if (query.trimmed().isEmpty()) {
        const QList<MessageSummary> newest = messages(0, 1);
        return newest.isEmpty() ? QString() : newest.front().id;
    }
    const std::optional<SearchResult> result = search(query, 0, 1, zone);
    return result && !result->messages.isEmpty() ? result->messages.front().id : QString();
}

QIODevice *PgMessageStore::openSource(const QString &id) const
{
    auto *device = new PgSourceDevice(d->writer.url, id);
    if (!device->open(QIODevice::ReadOnly)) {
        delete device;
        return nullptr;
    }
    return device;
}

std::optional<QByteArray> PgMessageStore::source(const QString &id, qint64 limit) const
{
    return sources({ id }, limit).value(0);
}

QList<std::optional<QByteArray>> PgMessageStore::sources(const QStringList &ids, qint64 limit) const
{
    QList<std::optional<QByteArray>> result(ids.size());
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db || ids.isEmpty()) {
        return result;
    }
    // One statement for them all; substring() reads only the first limit bytes of a large source (EXTERNAL).
    const QByteArray raw = limit < 0 ? QByteArray("d.raw") : QByteArray("substring(d.raw FROM 1 FOR $2::integer)");
    QList<PgParameter> parameters { PgParameter::utf8(arrayLiteral(ids)) };
    if (limit >= 0) {
        parameters << PgParameter::int64(std::min<qint64>(limit, std::numeric_limits<int>::max()));
    }
    const PgResult r = db->exec(
        "SELECT m.uid, " + raw + " FROM messages m JOIN message_data d ON d.id = m.id WHERE m.uid = ANY($1::text[])",
        parameters, PgResult::Format::Binary);
    QHash<QString, QByteArray> found;
    for (int i = 0; r.isOk() && i < r.rows(); ++i) {
        found.insert(r.text(i, 0), r.bytea(i, 1));
    }
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const auto it = found.constFind(ids.at(i));
        if (it != found.cend()) {
            result[i] = *it;
        }
    }
    return result;
}

qint64 PgMessageStore::unindexedCount() const
{
    return d->writer.publishedUnindexed.load();
}

quint64 PgMessageStore::generation() const
{
    return d->writer.publishedGeneration.load();
}

qint64 PgMessageStore::count() const
{
    return d->writer.publishedCount.load();
}

qint64 PgMessageStore::unreadCount() const
{
    return d->writer.publishedUnread.load();
}

QList<MailboxCount> PgMessageStore::mailboxes() const
{
    QList<MailboxCount> boxes;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        // Inbox is row 1: first, then the others in the order they were made.
        const PgResult r = db->exec("SELECT name, total, unread FROM mailboxes ORDER BY id");
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            boxes << MailboxCount { r.text(i, 0), r.int64(i, 1), r.int64(i, 2) };
        }
    }
    return boxes;
}

std::optional<MailboxIndex> PgMessageStore::mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return std::nullopt;
    }
    // One snapshot, so that the counters and the rows agree.
    db->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const PgResult box = db->exec("SELECT id, name, uid_validity, uid_next FROM mailboxes "
                                  "WHERE lower(name COLLATE \"C\") = lower($1::text COLLATE \"C\")",
        { PgParameter::text(mailbox) });
    if (!box.isOk() || box.rows() != 1) {
        return std::nullopt;
    }
    MailboxIndex index;
    const qint64 mailboxId = box.int64(0, 0);
    index.name = box.text(0, 1);
    index.uidValidity = box.int64(0, 2);
    index.uidNext = box.int64(0, 3);
    if (texts == MailboxIndex::Texts::Parsed) {
        // A row not parsed yet is parsed by readSummary(), so that the header texts are there for a search.
        const PgResult r = db->exec(
            QByteArray("SELECT ") + SummaryColumns + " FROM messages m WHERE m.mailbox_id = $1 ORDER BY m.id",
            { PgParameter::int64(mailboxId) });
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            const MessageSummary s = readSummary(r, i, 0, db);
            index.entries << MailboxIndexEntry { r.int64(i, 17), s.id, s.size, s.receivedMs, s.read, s.pinned, s.from,
                s.to, s.cc, s.subject };
        }
    } else {
        const PgResult r = db->exec("SELECT id, uid, size, received, is_read, pinned, from_header, to_header, "
                                    "cc_header, subject FROM messages WHERE mailbox_id = $1 ORDER BY id",
            { PgParameter::int64(mailboxId) });
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            index.entries << MailboxIndexEntry { r.int64(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 3),
                r.boolean(i, 4), r.boolean(i, 5), r.text(i, 6), r.text(i, 7), r.text(i, 8), r.text(i, 9) };
        }
    }
    db->exec("COMMIT");
    return index;
}

QStringList PgMessageStore::tags() const
{
    QStringList names;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        const PgResult r = db->exec("SELECT name FROM tags");
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            names << r.text(i, 0);
        }
    }
    MessageTags::sort(names);
    return names;
}

QList<TagCount> PgMessageStore::tagCounts() const
{
    QList<TagCount> counts;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        const PgResult r = db->exec("SELECT t.name, count(mt.message_id) FROM tags t LEFT JOIN message_tags mt ON "
                                    "mt.tag_id = t.id GROUP BY t.id, t.name");
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            counts << TagCount { r.text(i, 0), r.int64(i, 1) };
        }
    }
    std::sort(counts.begin(), counts.end(), [](const TagCount &a, const TagCount &b) { return a.name < b.name; });
    return counts;
}

qint64 PgMessageStore::pinnedCount() const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        // The partial index messages_pinned holds exactly these rows.
        const PgResult r = db->exec("SELECT count(*) FROM messages WHERE pinned");
        if (r.isOk()) {
            return r.int64(0, 0);
        }
    }
    return 0;
}

void PgMessageStore::list(
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

void PgMessageStore::summary(
    const QString &id, QObject *context, std::function<void(const std::optional<MessageSummary> &)> done) const
{
    const StoreReply<std::optional<MessageSummary>> reply(context, std::move(done));
    d->readers.threads()->start([this, id, reply] { reply.finish(summary(id)); });
}

void PgMessageStore::mailboxes(QObject *context, std::function<void(const QList<MailboxCount> &)> done) const
{
    const StoreReply<QList<MailboxCount>> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(mailboxes()); });
}

void PgMessageStore::mailboxIndex(const QString &mailbox, MailboxIndex::Texts texts, QObject *context,
    std::function<void(const std::optional<MailboxIndex> &)> done) const
{
    const StoreReply<std::optional<MailboxIndex>> reply(context, std::move(done));
    d->readers.threads()->start([this, mailbox, texts, reply] { reply.finish(mailboxIndex(mailbox, texts)); });
}

void PgMessageStore::tags(QObject *context, std::function<void(const QStringList &)> done) const
{
    const StoreReply<QStringList> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(tags()); });
}

void PgMessageStore::pinnedCount(QObject *context, std::function<void(qint64 pinned)> done) const
{
    const StoreReply<qint64> reply(context, std::move(done));
    d->readers.threads()->start([this, reply] { reply.finish(pinnedCount()); });
}

bool PgMessageStore::remove(const QStringList &ids, QString *error)
{
    return waitFor(
        [&](auto finished) { d->writer.removeMessages(ids, PgWriter::Pinned::Removed, std::move(finished)); }, error);
}

bool PgMessageStore::removeAll(QString *error)
{
    return waitFor([&](auto finished) { d->writer.removeEverything(std::move(finished)); }, error);
}

bool PgMessageStore::setRead(const QStringList &ids, bool read, QString *error)
{
    return waitFor([&](auto finished) { d->writer.markRead(ids, read, std::move(finished)); }, error);
}

void PgMessageStore::remove(const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeMessages(ids, PgWriter::Pinned::Removed, finishedOn(context, std::move(done)));
}

void PgMessageStore::removeAll(QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeEverything(finishedOn(context, std::move(done)));
}

void PgMessageStore::setRead(
    const QStringList &ids, bool read, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.markRead(ids, read, finishedOn(context, std::move(done)));
}

bool PgMessageStore::removeUnpinned(const QStringList &ids, QString *error)
{
    return waitFor(
        [&](auto finished) { d->writer.removeMessages(ids, PgWriter::Pinned::Kept, std::move(finished)); }, error);
}

bool PgMessageStore::setTags(const QStringList &ids, const QStringList &tags, QString *error)
{
    return waitFor([&](auto finished) { d->writer.changeTags(ids, tags, std::move(finished)); }, error);
}

bool PgMessageStore::renameTag(const QString &from, const QString &to, QString *error)
{
    return waitFor([&](auto finished) { d->writer.renameTag(from, to, std::move(finished)); }, error);
}

bool PgMessageStore::deleteTag(const QString &name, QString *error)
{
    return waitFor([&](auto finished) { d->writer.deleteTag(name, std::move(finished)); }, error);
}

bool PgMessageStore::setPinned(const QStringList &ids, bool pinned, QString *error)
{
    return waitFor([&](auto finished) { d->writer.markPinned(ids, pinned, std::move(finished)); }, error);
}

void PgMessageStore::removeUnpinned(const QStringList &ids, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.removeMessages(ids, PgWriter::Pinned::Kept, finishedOn(context, std::move(done)));
}

void PgMessageStore::setTags(
    const QStringList &ids, const QStringList &tags, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.changeTags(ids, tags, finishedOn(context, std::move(done)));
}

void PgMessageStore::renameTag(
    const QString &from, const QString &to, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.renameTag(from, to, finishedOn(context, std::move(done)));
}

void PgMessageStore::deleteTag(const QString &name, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.deleteTag(name, finishedOn(context, std::move(done)));
}

void PgMessageStore::setPinned(
    const QStringList &ids, bool pinned, QObject *context, std::function<void(const QString &)> done)
{
    d->writer.markPinned(ids, pinned, finishedOn(context, std::move(done)));
}

bool PgMessageStore::changeRelay(RelayChange *change, QString *error)
{
    // The writer may run apply again after a rolled-back transaction: it starts from what was asked each time.
    const RelayChange asked = *change;
    bool gone = false;
    qint64 insertedId = 0;
    QString failure;
    const bool ok = d->writer.runAndWait(
        [&asked, &gone, &insertedId, owner = d->writer.ownerKey](PgConnection &db, QList<PgChange> *, QString *why) {
            gone = false;
            insertedId = 0;
            const auto failed = [why](const PgResult &r) {
                *why = r.errorString();
                return false;
            };
            const PgResult find
                = db.exec("SELECT id FROM messages WHERE uid = $1", { PgParameter::text(asked.messageId) });
            if (!find.isOk()) {
                return failed(find);
            }
            if (find.rows() == 0) {
                gone = true;
                return true;
            }
            const qint64 row = find.int64(0, 0);
            if (asked.removePending > 0) {
                const PgResult removed = db.exec("DELETE FROM relay_queue WHERE id = $1 AND message_id = $2",
                    { PgParameter::int64(asked.removePending), PgParameter::int64(row) });
                if (!removed.isOk()) {
                    return failed(removed);
                }
                if (removed.affectedRows() == 0) {
                    gone = true;
                    return true;
                }
            }
            if (asked.pending) {
                const RelayPending &p = *asked.pending;
                const QByteArray to = recipientsJson(p.to);
                if (p.id == 0) {
                    const PgResult inserted = db.exec("INSERT INTO relay_queue (message_id, recipients, due, failures, "
                                                      "in_flight, owner) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        { PgParameter::int64(row), PgParameter::utf8(to), PgParameter::int64(p.dueMs),
                            PgParameter::int64(p.failures), PgParameter::boolean(p.inFlight),
                            PgParameter::int64(owner) });
                    if (!inserted.isOk()) {
                        return failed(inserted);
                    }
                    insertedId = inserted.int64(0, 0);
                } else {
                    const PgResult updated = db.exec("UPDATE relay_queue SET recipients = $2, due = $3, failures = $4, "
                                                     "in_flight = $5 WHERE id = $1 AND message_id = $6",
                        { PgParameter::int64(p.id), PgParameter::utf8(to), PgParameter::int64(p.dueMs),
                            PgParameter::int64(p.failures), PgParameter::boolean(p.inFlight),
                            PgParameter::int64(row) });
                    if (!updated.isOk()) {
                        return failed(updated);
                    }
                    if (updated.affectedRows() == 0) {
                        gone = true;
                        return true;
                    }
                }
            }
            for (const RelayRecord &record : asked.log) {
                const PgResult logged = db.exec(
                    "INSERT INTO relay_log (message_id, time, recipients, ok, reply) VALUES ($1, $2, $3, $4, $5)",
                    { PgParameter::int64(row), PgParameter::int64(record.timeMs),
                        PgParameter::utf8(recipientsJson(record.to)), PgParameter::boolean(record.ok),
                        PgParameter::bytea(record.reply) });
                if (!logged.isOk()) {
                    return failed(logged);
                }
            }
            return true;
        },
        &failure);
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

QList<RelayPending> PgMessageStore::relayPending() const
{
    QList<RelayPending> pending;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        // Taken up in one statement (migration 0005): this instance's rows, rows nobody owns, and rows whose owner's
        // lock is free (its instance has stopped), each then marked as this instance's. A row whose owner runs is
        // left to it; of two instances starting together, the one whose update comes second finds the rows marked
        // with the first's key, which is held.
        const PgResult r = db->exec(
            "WITH taken AS (UPDATE relay_queue q SET owner = $1 WHERE q.owner IS NULL OR q.owner = $1 OR "
            "pg_try_advisory_xact_lock(q.owner) RETURNING q.id, q.message_id, q.recipients, q.due, q.failures, "
            "q.in_flight) SELECT t.id, m.uid, t.recipients, t.due, t.failures, t.in_flight FROM taken t JOIN "
            "messages m ON m.id = t.message_id ORDER BY t.due, t.id",
            { PgParameter::int64(d->writer.ownerKey) });
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            pending << RelayPending { r.int64(i, 0), r.text(i, 1), recipientsFromJson(r.text(i, 2).toUtf8()),
                r.int64(i, 3), int(r.int64(i, 4)), r.boolean(i, 5) };
        }
    }
    return pending;
}

QList<PendingBounce> PgMessageStore::pendingBounces() const
{
    QList<PendingBounce> pending;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        // Taken up as relayPending() takes its rows.
        const PgResult r = db->exec(
            "WITH taken AS (UPDATE bounce_queue b SET owner = $1 WHERE b.owner IS NULL OR b.owner = $1 OR "
            "pg_try_advisory_xact_lock(b.owner) RETURNING b.message_id, b.seq, b.recipient, b.code, b.enhanced, "
            "b.text, b.rule, b.after_ms) SELECT m.uid, t.recipient, t.code, t.enhanced, t.text, t.rule, t.after_ms "
            "FROM taken t JOIN messages m ON m.id = t.message_id ORDER BY t.message_id, t.seq",
            { PgParameter::int64(d->writer.ownerKey) }, PgResult::Format::Binary);
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            const QString id = r.text(i, 0);
            if (pending.isEmpty() || pending.last().messageId != id) {
                pending << PendingBounce { id, {} };
            }
            pending.last().bounces << SmtpBounce { r.bytea(i, 1), int(r.int64(i, 2)), r.bytea(i, 3), r.bytea(i, 4),
                r.bytea(i, 5), int(r.int64(i, 6)) };
        }
    }
    return pending;
}

QList<RelayRecord> PgMessageStore::relayLog(const QString &id) const
{
    QList<RelayRecord> log;
    const PgReaderPool::Lease lease = d->readers.acquire();
    if (PgConnection *db = lease.connection()) {
        // The copies of a message routed to several mailboxes share the first copy's log.
        const PgResult r = db->exec("SELECT l.time, l.recipients, l.ok, l.reply FROM relay_log l JOIN messages m ON "
                                    "m.id = l.message_id WHERE m.uid = coalesce((SELECT nullif(copy_of, '') FROM "
                                    "messages WHERE uid = $1), $1) ORDER BY l.id",
            { PgParameter::text(id) }, PgResult::Format::Binary);
        for (int i = 0; r.isOk() && i < r.rows(); ++i) {
            log << RelayRecord { r.int64(i, 0), recipientsFromJson(r.text(i, 1).toUtf8()), r.boolean(i, 2),
                r.bytea(i, 3) };
        }
    }
    return log;
}

void PgMessageStore::relayLog(
    const QString &id, QObject *context, std::function<void(const QList<RelayRecord> &)> done) const
{
    const StoreReply<QList<RelayRecord>> reply(context, std::move(done));
    d->readers.threads()->start([this, id, reply] { reply.finish(relayLog(id)); });
}

std::optional<RefusedSessionPage> PgMessageStore::refusedSessions(qint64 start, qint64 limit) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return std::nullopt;
    }
    return PgRefusedSessions::page(*db, start, limit);
}

std::optional<RefusedSession> PgMessageStore::refusedSession(const QString &id) const
{
    const PgReaderPool::Lease lease = d->readers.acquire();
    PgConnection *db = lease.connection();
    if (!db) {
        return std::nullopt;
    }
    return PgRefusedSessions::one(*db, id);
}

void PgMessageStore::refusedSessions(
    qint64 start, qint64 limit, QObject *context, std::function<void(const RefusedSessionPage &)> done) const
{
    const StoreReply<RefusedSessionPage> reply(context, std::move(done));
    d->readers.threads()->start(
        [this, start, limit, reply] { reply.finish(refusedSessions(start, limit).value_or(RefusedSessionPage())); });
}

bool PgMessageStore::removeRefusedSessions(QString *error)
{
    return waitFor([&](auto finished) { d->writer.removeRefusedSessions(std::move(finished)); }, error);
}
