#include "pgindexer.h"

#include "../store/parsedfacts.h"
#include "pgconnection.h"
#include "pgparameter.h"
#include "pgrows.h"
#include "pgtransaction.h"

#include <QThread>

namespace {
// Complete searches index in slices of this many, so that one 10 MB message does not hold many others' rows.
constexpr int ThroughSliceSize = 128;
constexpr auto ThroughSliceBudget = std::chrono::milliseconds(50);

// QString::toLower(), whatever the database's locale: the search compiler lower-cases its terms the same way.
QString folded(const QString &text)
{
    return text.toLower();
}
} // namespace

int PgIndexer::indexSlice(PgConnection &db, qint64 upTo, int max, std::chrono::milliseconds budget, QString *error)
{
    const auto deadline = std::chrono::steady_clock::now() + budget;
    PgTransaction transaction(db);
    if (!transaction.begin()) {
        *error = transaction.errorString();
        return -1;
    }
    const PgResult rows = db.exec("SELECT id, rcpt_to, parsed FROM messages WHERE NOT indexed AND id <= $1 "
                                  "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
        { PgParameter::int64(upTo), PgParameter::int64(max) });
    if (!rows.isOk()) {
        *error = rows.errorString();
        return -1;
    }
    int done = 0;
    for (int i = 0; i < rows.rows(); ++i) {
        if (done > 0 && std::chrono::steady_clock::now() > deadline) {
            break;
        }
        const qint64 id = rows.int64(i, 0);
        const PgResult raw = db.exec(
            "SELECT raw FROM message_data WHERE id = $1", { PgParameter::int64(id) }, PgResult::Format::Binary);
        if (!raw.isOk()) {
            *error = raw.errorString();
            return -1;
        }
        const QByteArray source = raw.rows() == 1 ? raw.bytea(0, 0) : QByteArray();
        // One parse gives the summary columns (if not made yet) and the indexed text.
        const ParsedFacts facts = ParsedFacts::parse(
            ParsedFacts::dataOf(source), PgRows::jsonStrings(rows.text(i, 1).toUtf8()), ParsedFacts::MaxIndexedBody);
        const MessageSummary &s = facts.summary;
        if (!rows.boolean(i, 2)) {
            const PgResult summary = db.exec(
                "UPDATE messages SET from_header = $2, to_header = $3, cc_header = $4, subject = $5, date = $6, "
                "message_id = $7, has_attachments = $8, addresses = $9, snippet = $10, attachments = $11, "
                "inlines = $12, parsed = true WHERE id = $1",
                { PgParameter::int64(id), PgParameter::text(PgRows::text(s.from.toUtf8())),
                    PgParameter::text(PgRows::text(s.to.toUtf8())), PgParameter::text(PgRows::text(s.cc.toUtf8())),
                    PgParameter::text(PgRows::text(s.subject.toUtf8())), PgParameter::int64(s.dateMs),
                    PgParameter::text(PgRows::text(s.messageId.toUtf8())), PgParameter::boolean(s.hasAttachments),
                    PgParameter::text(PgRows::text(ParsedFacts::addressesJson(s))),
                    PgParameter::text(PgRows::text(s.snippet.toUtf8())), PgParameter::int64(s.attachmentCount),
                    PgParameter::int64(s.inlineCount) });
            if (!summary.isOk()) {
                *error = summary.errorString();
                return -1;
            }
        }
        const auto t = [](const QString &text) {
            return PgParameter::text(PgRows::text(folded(text).toUtf8()));
        };
        const PgResult search = db.exec(
            "INSERT INTO message_search (id, subject, from_text, to_text, cc_text, bcc_text, reply_to_text, body) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET subject = EXCLUDED.subject, "
            "from_text = EXCLUDED.from_text, to_text = EXCLUDED.to_text, cc_text = EXCLUDED.cc_text, "
            "bcc_text = EXCLUDED.bcc_text, reply_to_text = EXCLUDED.reply_to_text, body = EXCLUDED.body",
            { PgParameter::int64(id), t(s.subject), t(displayString(s.fromList)), t(displayString(s.toList)),
                t(displayString(s.ccList)), t(displayString(s.bccList)), t(displayString(s.replyToList)),
                t(facts.body) });
        const PgResult mark = search.isOk()
            ? db.exec("UPDATE messages SET indexed = true WHERE id = $1", { PgParameter::int64(id) })
            : PgResult();
        if (!search.isOk() || !mark.isOk()) {
            *error = search.isOk() ? mark.errorString() : search.errorString();
            return -1;
        }
        ++done;
    }
    if (!transaction.commit()) {
        *error = transaction.errorString();
        return -1;
    }
    return done;
}

bool PgIndexer::indexThrough(PgConnection &db, qint64 watermark, std::chrono::milliseconds timeout, QString *error)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        QString sliceError;
        const int n = indexSlice(db, watermark, ThroughSliceSize, ThroughSliceBudget, &sliceError);
        if (n < 0) {
            *error = QStringLiteral("the search index could not be brought up to date: %1").arg(sliceError);
            return false;
        }
        if (n > 0) {
            continue;
        }
        // Nothing this connection could take: done, unless another instance (or this one's writer) holds the rest.
        const PgResult left = db.exec(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE NOT indexed AND id <= $1)", { PgParameter::int64(watermark) });
        if (!left.isOk()) {
            *error = QStringLiteral("the search index could not be brought up to date: %1").arg(left.errorString());
            return false;
        }
        if (!left.boolean(0, 0)) {
            return true;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            *error = QStringLiteral("the search index could not be brought up to date in time");
            return false;
        }
        QThread::msleep(10);
    }
}
