#include "sqliteindexer.h"

#include "sqliterows.h"
#include "sqlitewriter.h"

#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

using namespace SqliteRows;

namespace {
// A complete search indexes the backlog before it in slices, one writer transaction each, so that deliveries
// arriving meanwhile are committed between slices: their 250 waits for one slice (measured: about 10 ms for 256
// small messages), never for the whole backlog.
constexpr int IndexSliceSize = 256;
constexpr auto IndexSliceBudget = std::chrono::milliseconds(15);
} // namespace

SqliteIndexer::SqliteIndexer(SqliteWriter &writer) : m_writer(writer)
{
    writer.indexer = this;
}

bool SqliteIndexer::index(qint64 rowId, const ParsedFacts &facts, QString *error)
{
    const MessageSummary &s = facts.summary;
    m_writer.insertSearch.bind(1, rowId);
    m_writer.insertSearch.bind(2, s.subject);
    m_writer.insertSearch.bind(3, displayString(s.fromList));
    m_writer.insertSearch.bind(4, displayString(s.toList));
    m_writer.insertSearch.bind(5, displayString(s.ccList));
    m_writer.insertSearch.bind(6, displayString(s.bccList));
    m_writer.insertSearch.bind(7, displayString(s.replyToList));
    m_writer.insertSearch.bind(8, facts.body);
    if (!m_writer.insertSearch.exec()) {
        *error = m_writer.db.errorString();
        return false;
    }
    return true;
}

int SqliteIndexer::indexPending(int max, std::chrono::milliseconds budget, qint64 upTo, QString *error)
{
    const auto deadline = std::chrono::steady_clock::now() + budget;
    SqliteStatement select;
    SqliteStatement first;
    SqliteStatement unindex;
    SqliteStatement mark;
    SqliteStatement summary;
    if (!prepareAll(m_writer.db,
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
        const ParsedFacts facts = ParsedFacts::parse(ParsedFacts::dataOf(select.columnBlobView(3)),
            jsonStrings(select.columnBlob(1)), ParsedFacts::MaxIndexedBody);
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
            const QByteArray addresses = ParsedFacts::addressesJson(s);
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
        // Looked up each time, so that a row deleted since (m_writer.firstUnindexed may name one) is never waited for.
        m_writer.unindexed = std::max<qint64>(0, m_writer.unindexed - done);
        const qint64 lowest = first.step(&ok) ? first.columnInt(0) : 0;
        m_writer.firstUnindexed = lowest > 0 ? lowest : SqliteWriter::NoRow;
        if ((m_writer.firstUnindexed == SqliteWriter::NoRow) != (m_writer.unindexed == 0)) {
            SqliteStatement pending = m_writer.db.prepare("SELECT count(*) FROM messages WHERE indexed = 0");
            m_writer.unindexed = pending.step() ? pending.columnInt(0) : 0;
        }
    }
    if (!ok) {
        if (error->isEmpty()) {
            *error = m_writer.db.errorString();
        }
        return -1;
    }
    return done;
}

bool SqliteIndexer::indexWhileIdle()
{
    // The index can be rebuilt from the stored sources (indexed = 0 goes back with a lost transaction), so these
    // commits need not wait for fsync; the next delivery's commit makes them durable anyway.
    if (!m_writer.db.exec("PRAGMA synchronous=NORMAL") || !m_writer.db.exec("BEGIN IMMEDIATE")) {
        m_writer.db.exec("PRAGMA synchronous=FULL");
        return false;
    }
    QString error;
    // Small slices: a delivery arriving meanwhile waits at most about this long for the writer.
    const int n = indexPending(64, std::chrono::milliseconds(8), SqliteWriter::NoRow, &error);
    const bool ok = n >= 0 && m_writer.db.exec("COMMIT");
    if (!ok) {
        qCWarning(lcStore).noquote() << "search indexing failed:"
                                     << (error.isEmpty() ? m_writer.db.errorString() : error);
        m_writer.db.exec("ROLLBACK");
        m_writer.loadState();
        m_writer.indexingRetry = std::chrono::steady_clock::now() + SqliteWriter::IdleRetryInterval;
    } else {
        m_writer.publishState();
    }
    m_writer.db.exec("PRAGMA synchronous=FULL");
    return ok && n > 0;
}

bool SqliteIndexer::indexThrough(qint64 watermark, QString *error)
{
    if (m_writer.publishedFirstUnindexed.load() > watermark) {
        return true;
    }
    std::lock_guard driving(m_driverMutex);
    // Each slice is a writer operation of its own: deliveries queued meanwhile are committed before the next one.
    // Every slice indexes at least one message at or below the watermark, so this ends.
    while (m_writer.publishedFirstUnindexed.load() <= watermark) {
        QString sliceError;
        const bool ok = m_writer.runAndWait(
            [this, watermark](QString *e) { return indexPending(IndexSliceSize, IndexSliceBudget, watermark, e) >= 0; },
            {}, &sliceError, SqliteWriteOp::Kind::Index);
        if (!ok) {
            if (error) {
                *error = QStringLiteral("the search index could not be brought up to date: %1").arg(sliceError);
            }
            return false;
        }
    }
    return true;
}

bool SqliteIndexer::prepareSearch(SearchCompleteness completeness, qint64 *unindexedNow, QString *error)
{
    *unindexedNow = 0;
    if (completeness == SearchCompleteness::IndexedOnly) {
        *unindexedNow = m_writer.publishedUnindexed.load();
        return true;
    }
    // Every message committed before the search began.
    return indexThrough(m_writer.publishedLastRowId.load(), error);
}
