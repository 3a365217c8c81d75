#include "searchquery.h"

#include <QDate>
#include <QStringList>

#include <limits>

namespace {
struct Prefix
{
    const char *name;
    SearchQuery::Field field;
};
const Prefix Prefixes[] = {
    { "from:", SearchQuery::Field::From },
    { "to:", SearchQuery::Field::To },
    { "cc:", SearchQuery::Field::Cc },
    { "bcc:", SearchQuery::Field::Bcc },
    { "reply-to:", SearchQuery::Field::ReplyTo },
    { "addressed:", SearchQuery::Field::Addressed },
    { "subject:", SearchQuery::Field::Subject },
    { "message-id:", SearchQuery::Field::MessageId },
    { "tag:", SearchQuery::Field::Tag },
    { "before:", SearchQuery::Field::Before },
    { "after:", SearchQuery::Field::After },
    { "larger:", SearchQuery::Field::Larger },
    { "smaller:", SearchQuery::Field::Smaller },
};

// The FTS columns each field searches (message_search's column names).
QString ftsColumns(SearchQuery::Field field)
{
    switch (field) {
    case SearchQuery::Field::From:
        return QStringLiteral("from_text");
    case SearchQuery::Field::To:
        return QStringLiteral("to_text");
    case SearchQuery::Field::Cc:
        return QStringLiteral("cc_text");
    case SearchQuery::Field::Bcc:
        return QStringLiteral("bcc_text");
    case SearchQuery::Field::ReplyTo:
        return QStringLiteral("reply_to_text");
    case SearchQuery::Field::Addressed:
        return QStringLiteral("to_text cc_text bcc_text");
    case SearchQuery::Field::Subject:
        return QStringLiteral("subject");
    default:
        return QString();
    }
}

bool isIndexed(SearchQuery::Field field)
{
    return field == SearchQuery::Field::Text || !ftsColumns(field).isEmpty();
}

// The trigram index finds substrings of three characters or more; shorter ones are scanned with LIKE.
bool longEnough(const QString &value)
{
    return value.toUcs4().size() >= 3;
}

QString ftsTerm(const SearchQuery::Term &term)
{
    QString quoted = term.value;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    quoted = QLatin1Char('"') + quoted + QLatin1Char('"');
    const QString columns = ftsColumns(term.field);
    return columns.isEmpty() ? quoted : QStringLiteral("{%1} : %2").arg(columns, quoted);
}

QString likePattern(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// "10K", "2MB", "300": bytes; -1 when unreadable.
qint64 parseSize(const QString &text)
{
    QString t = text.trimmed().toUpper();
    qint64 factor = 1;
    if (t.endsWith(QLatin1String("KB")) || t.endsWith(QLatin1Char('K'))) {
        factor = 1024;
    } else if (t.endsWith(QLatin1String("MB")) || t.endsWith(QLatin1Char('M'))) {
        factor = 1024 * 1024;
    }
    while (!t.isEmpty() && t.back().isLetter()) {
        t.chop(1);
    }
    bool ok = false;
    const double value = t.toDouble(&ok);
    if (!ok || !(value >= 0)) {
        return -1;
    }
    // A size beyond any message ("smaller:99999999999999999999M") is the largest one: converting a double past
    // qint64's range is undefined behaviour (on x86 it gave a negative number, and the term matched nothing).
    const double bytes = value * double(factor);
    return bytes < 9.0e18 ? qint64(bytes) : std::numeric_limits<qint64>::max();
}

// Milliseconds since the epoch at the start of the day (or the moment) the text names, in zone; -1 if unreadable.
qint64 parseDate(const QString &text, const QTimeZone &zone)
{
    const QString t = text.trimmed();
    // Only the whole text "YYYY-MM-DD" is a day: QDate also reads the date at the start of an ISO moment
    // ("2026-01-31T12:00:00Z"), which would drop its time and offset.
    QDate date = t.size() == 10 ? QDate::fromString(t, Qt::ISODate) : QDate();
    if (date.isValid()) {
        return QDateTime(date, QTime(0, 0), zone).toMSecsSinceEpoch();
    }
    const QDateTime moment = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (moment.isValid()) {
        return (moment.timeSpec() == Qt::LocalTime ? QDateTime(moment.date(), moment.time(), zone) : moment)
            .toMSecsSinceEpoch();
    }
    for (const char *format : { "d MMM yyyy", "d MMMM yyyy", "yyyy/MM/dd", "dd/MM/yyyy" }) {
        date = QDate::fromString(t, QLatin1String(format));
        if (date.isValid()) {
            return QDateTime(date, QTime(0, 0), zone).toMSecsSinceEpoch();
        }
    }
    return -1;
}
} // namespace

QList<SearchQuery::Term> SearchQuery::parseTerms(const QString &query)
{
    // Tokens split on whitespace outside double quotes; quotes group and are removed. A NUL separates too: SQLite
    // reads bound text as C strings in places (LIKE patterns, the FTS5 query parser), so a NUL inside a term would
    // cut it short there (an unterminated phrase, or a pattern that matches everything).
    QStringList tokens;
    QString current;
    bool quoted = false;
    bool any = false;
    for (QChar c : query) {
        if (c == QLatin1Char('"')) {
            quoted = !quoted;
            any = true;
            continue;
        }
        if (c.isNull() || (c.isSpace() && !quoted)) {
            if (any) {
                tokens << current;
            }
            current.clear();
            any = false;
            continue;
        }
        current += c;
        any = true;
    }
    if (any) {
        tokens << current;
    }

    QList<Term> terms;
    for (QString token : std::as_const(tokens)) {
        Term term;
        if (token.startsWith(QLatin1Char('-')) || token.startsWith(QLatin1Char('!'))) {
            term.negated = true;
            token = token.mid(1);
        }
        // "", " ", a lone - or !: nothing to look for. Such a token is no term at all; as a text term it would
        // match every message (a substring search for nothing), so that `DELETE /api/v1/search?query=%22` deleted
        // them all.
        if (token.trimmed().isEmpty()) {
            continue;
        }
        const QString lower = token.toLower();
        if (lower == QLatin1String("is:read")) {
            term.field = Field::IsRead;
        } else if (lower == QLatin1String("is:unread")) {
            term.field = Field::IsUnread;
        } else if (lower == QLatin1String("is:tagged")) {
            term.field = Field::IsTagged;
        } else if (lower == QLatin1String("has:attachment") || lower == QLatin1String("has:attachments")) {
            term.field = Field::HasAttachment;
        } else if (lower == QLatin1String("has:inline")) {
            term.field = Field::HasInline;
        } else {
            term.value = token;
            for (const Prefix &p : Prefixes) {
                if (lower.startsWith(QLatin1String(p.name)) && lower.size() > qsizetype(strlen(p.name))) {
                    term.field = p.field;
                    term.value = token.mid(qsizetype(strlen(p.name)));
                    break;
                }
            }
        }
        terms << term;
    }
    return terms;
}

SearchQuery SearchQuery::parse(const QString &query, const QTimeZone &zone)
{
    SearchQuery q;
    q.m_terms = parseTerms(query);
    QStringList positives;
    QStringList negatives;
    QStringList conditions;
    for (const Term &term : std::as_const(q.m_terms)) {
        const QString no = term.negated ? QStringLiteral("NOT ") : QString();
        if (isIndexed(term.field)) {
            if (longEnough(term.value)) {
                (term.negated ? negatives : positives) << ftsTerm(term);
                continue;
            }
            // Too short for the trigram index: LIKE over the indexed columns (a scan; rare in practice).
            QStringList columns = ftsColumns(term.field).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            if (columns.isEmpty()) {
                columns = { QStringLiteral("subject"), QStringLiteral("from_text"), QStringLiteral("to_text"),
                    QStringLiteral("cc_text"), QStringLiteral("bcc_text"), QStringLiteral("reply_to_text"),
                    QStringLiteral("body") };
            }
            QStringList likes;
            for (const QString &c : std::as_const(columns)) {
                likes << c + QStringLiteral(" LIKE ? ESCAPE '\\'");
                q.m_values << likePattern(term.value);
            }
            conditions << no + QStringLiteral("m.id IN (SELECT rowid FROM message_search WHERE ")
                    + likes.join(QStringLiteral(" OR ")) + QLatin1Char(')');
            continue;
        }
        switch (term.field) {
        case Field::MessageId: {
            QString id = term.value.trimmed();
            if (id.startsWith(QLatin1Char('<')) && id.endsWith(QLatin1Char('>'))) {
                id = id.mid(1, id.size() - 2);
            }
            conditions << no + QStringLiteral("(m.message_id = ?)");
            q.m_values << id;
            break;
        }
        case Field::Tag:
        case Field::IsTagged:
            // Letterbox has no tags: no message is tagged.
            conditions << (term.negated ? QStringLiteral("1") : QStringLiteral("0"));
            break;
        case Field::IsRead:
            conditions << (term.negated ? QStringLiteral("m.is_read = 0") : QStringLiteral("m.is_read = 1"));
            break;
        case Field::IsUnread:
            conditions << (term.negated ? QStringLiteral("m.is_read = 1") : QStringLiteral("m.is_read = 0"));
            break;
        case Field::HasAttachment:
            conditions << no + QStringLiteral("(m.attachments > 0)");
            break;
        case Field::HasInline:
            conditions << no + QStringLiteral("(m.inlines > 0)");
            break;
        case Field::Before:
        case Field::After: {
            const qint64 ms = parseDate(term.value, zone);
            if (ms < 0) {
                // An unreadable date matches nothing, as in Mailpit.
                conditions << (term.negated ? QStringLiteral("1") : QStringLiteral("0"));
                break;
            }
            conditions << no
                    + (term.field == Field::Before ? QStringLiteral("(m.received < ?)")
                                                   : QStringLiteral("(m.received >= ?)"));
            q.m_values << ms;
            break;
        }
        case Field::Larger:
        case Field::Smaller: {
            const qint64 bytes = parseSize(term.value);
            if (bytes < 0) {
                conditions << (term.negated ? QStringLiteral("1") : QStringLiteral("0"));
                break;
            }
            conditions << no
                    + (term.field == Field::Larger ? QStringLiteral("(m.size > ?)") : QStringLiteral("(m.size < ?)"));
            q.m_values << bytes;
            break;
        }
        default:
            break;
        }
    }
    if (!positives.isEmpty()) {
        q.m_match = positives.join(QStringLiteral(" AND "));
        for (const QString &n : std::as_const(negatives)) {
            q.m_match += QStringLiteral(" NOT ") + n;
        }
    } else if (!negatives.isEmpty()) {
        conditions.prepend(
            QStringLiteral("m.id NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH ?)"));
        q.m_values.prepend(negatives.join(QStringLiteral(" OR ")));
    }
    q.m_condition = conditions.isEmpty() ? QStringLiteral("1") : conditions.join(QStringLiteral(" AND "));
    return q;
}
