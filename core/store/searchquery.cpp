#include "searchquery.h"

#include <QDate>
#include <QRegularExpression>
#include <QStringList>

#include <cstring>
#include <limits>
#include <optional>
#include <tuple>

namespace {
struct Prefix
{
    const char *name;
    SearchQuery::Field field;
};
// Mailpit's field prefixes, in the order it tries them.
const Prefix Prefixes[] = {
    { "to:", SearchQuery::Field::To },
    { "from:", SearchQuery::Field::From },
    { "cc:", SearchQuery::Field::Cc },
    { "bcc:", SearchQuery::Field::Bcc },
    { "reply-to:", SearchQuery::Field::ReplyTo },
    { "addressed:", SearchQuery::Field::Addressed },
    { "subject:", SearchQuery::Field::Subject },
    { "message-id:", SearchQuery::Field::MessageId },
    { "tag:", SearchQuery::Field::Tag },
    { "mailbox:", SearchQuery::Field::Mailbox },
};

struct Flag
{
    const char *name;
    SearchQuery::Field field;
};
const Flag Flags[] = {
    { "is:read", SearchQuery::Field::IsRead },
    { "is:unread", SearchQuery::Field::IsUnread },
    { "is:tagged", SearchQuery::Field::IsTagged },
    { "has:inline", SearchQuery::Field::HasInline },
    { "has:inlines", SearchQuery::Field::HasInline },
    { "has:attachment", SearchQuery::Field::HasAttachment },
    { "has:attachments", SearchQuery::Field::HasAttachment },
};

// The characters Mailpit's search removes from a term (and from the text it searches): white space, a byte order
// mark, and < > " , ; ( ). "<alice@example.test>" looks for alice@example.test, "(urgent)," for urgent.
bool isSeparator(QChar c)
{
    switch (c.unicode()) {
    case '<':
    case '>':
    case '"':
    case ',':
    case ';':
    case '(':
    case ')':
    case 0xFEFF:
        return true;
    default:
        return c.isSpace();
    }
}

// The value without separators at either end. Inside it they stay as written: the store's index holds the text
// as written, so "NEAR(apple" finds the text "NEAR(apple banana)".
QString trimSeparators(QStringView value)
{
    qsizetype begin = 0;
    qsizetype end = value.size();
    while (begin < end && isSeparator(value.at(begin))) {
        ++begin;
    }
    while (end > begin && isSeparator(value.at(end - 1))) {
        --end;
    }
    return value.mid(begin, end - begin).toString();
}

// Mailpit's sizeToBytes: digits, optional decimals, an optional space and a unit (none, k, kb, m or mb, any case),
// truncated to whole bytes. 0 when the text is no such size: Mailpit then reads the whole term as a word.
qint64 sizeToBytes(const QString &text)
{
    static const QRegularExpression size(QStringLiteral("^([0-9]+(?:\\.[0-9]+)?)\\s?([a-z]{1,2})?$"));
    const QRegularExpressionMatch m = size.match(text.toLower());
    if (!m.hasMatch()) {
        return 0;
    }
    const QString unit = m.captured(2);
    double factor = 1;
    if (unit == QLatin1String("k") || unit == QLatin1String("kb")) {
        factor = 1024;
    } else if (unit == QLatin1String("m") || unit == QLatin1String("mb")) {
        factor = 1024 * 1024;
    } else if (!unit.isEmpty()) {
        return 0;
    }
    // A size beyond any message ("smaller:99999999999999999999M") is the largest one: converting a double past
    // qint64's range is undefined behaviour (on x86 it gave a negative number, and the term matched nothing).
    const double bytes = m.captured(1).toDouble() * factor;
    return bytes < 9.0e18 ? qint64(bytes) : std::numeric_limits<qint64>::max();
}

// The moment the text names, in zone when it names none (a day is its first moment); invalid when unreadable.
// Mailpit reads dates with dateparse, which takes a slashed date month first (01/02/2026 is 2 January).
QDateTime parseDate(const QString &text, const QTimeZone &zone)
{
    // Only the whole text "YYYY-MM-DD" is a day: QDate also reads the date at the start of an ISO moment
    // ("2026-01-31T12:00:00Z"), which would drop its time and offset.
    QDate date = text.size() == 10 ? QDate::fromString(text, Qt::ISODate) : QDate();
    if (date.isValid()) {
        return QDateTime(date, QTime(0, 0), zone).toUTC();
    }
    const QDateTime moment = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (moment.isValid()) {
        return (moment.timeSpec() == Qt::LocalTime ? QDateTime(moment.date(), moment.time(), zone) : moment).toUTC();
    }
    for (const char *format : { "d MMM yyyy", "d MMMM yyyy", "yyyy/M/d", "M/d/yyyy" }) {
        date = QDate::fromString(text, QLatin1String(format));
        if (date.isValid()) {
            return QDateTime(date, QTime(0, 0), zone).toUTC();
        }
    }
    return QDateTime();
}

// Tokens split on white space outside double quotes; quotes group and are removed. A NUL separates too: SQLite
// reads bound text as C strings in places (LIKE patterns, the FTS5 query parser), so a NUL inside a term would cut
// it short there (an unterminated phrase, or a pattern that matches everything).
QStringList tokenize(const QString &query)
{
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
    return tokens;
}

// The term a token stands for; nullopt when it stands for none (Mailpit ignores it).
std::optional<SearchQuery::Term> parseToken(const QString &token, const QTimeZone &zone)
{
    using Field = SearchQuery::Field;
    QString word = token.trimmed();
    // Nothing but separators ("", "<>", a lone comma): nothing to look for. As a word it would be a substring
    // search for nothing and match every message, so that `DELETE /api/v1/search?query=%22` deleted them all.
    if (trimSeparators(word).isEmpty()) {
        return std::nullopt;
    }
    SearchQuery::Term term;
    if (word.startsWith(QLatin1Char('-')) || word.startsWith(QLatin1Char('!'))) {
        // A lone - or ! is no term either (Mailpit looks for the character itself): a query of dashes must not
        // stand for the many messages that hold one, since DELETE /api/v1/search deletes what it selects.
        if (word.size() == 1) {
            return std::nullopt;
        }
        term.negated = true;
        word = word.mid(1);
    }
    const QString lower = word.toLower();
    for (const Prefix &p : Prefixes) {
        const QLatin1String name(p.name);
        if (lower.startsWith(name)) {
            // Mailpit takes the subject as written and cleans the other values; an empty value is no term.
            const QStringView rest = QStringView(word).mid(name.size());
            const QString value = p.field == Field::Subject ? rest.toString() : trimSeparators(rest);
            if (value.isEmpty()) {
                return std::nullopt;
            }
            term.field = p.field;
            term.value = value;
            return term;
        }
    }
    for (const Flag &f : Flags) {
        if (lower == QLatin1String(f.name)) {
            term.field = f.field;
            return term;
        }
    }
    for (const auto &[name, field, opposite] : { std::tuple { "after:", Field::After, Field::Before },
             std::tuple { "before:", Field::Before, Field::After } }) {
        if (lower.startsWith(QLatin1String(name))) {
            // A date left out is no term, as in Mailpit. Mailpit ignores an unreadable date too, but Letterbox's
            // window shows no message for one rather than every message (docs/architecture.md, "Search: one syntax
            // tree, a compiler per store"), so the term stays with an invalid instant and matches none.
            const QString text = trimSeparators(QStringView(word).mid(qsizetype(strlen(name))));
            if (text.isEmpty()) {
                return std::nullopt;
            }
            const QDateTime instant = parseDate(text, zone);
            term.field = field;
            if (instant.isValid() && term.negated) {
                term.field = opposite;
                term.negated = false;
            }
            term.value = instant;
            return term;
        }
    }
    for (const auto &[name, field, opposite] : { std::tuple { "larger:", Field::Larger, Field::Smaller },
             std::tuple { "smaller:", Field::Smaller, Field::Larger } }) {
        if (lower.startsWith(QLatin1String(name))) {
            // A size of no bytes or no size at all ("larger:big") is, as in Mailpit, a word to look for.
            const qint64 bytes = sizeToBytes(trimSeparators(QStringView(word).mid(qsizetype(strlen(name)))));
            if (bytes > 0) {
                term.field = term.negated ? opposite : field;
                term.negated = false;
                term.value = bytes;
                return term;
            }
        }
    }
    const QString text = trimSeparators(word);
    if (text.isEmpty()) {
        return std::nullopt;
    }
    term.field = Field::Text;
    term.value = text;
    return term;
}
} // namespace

QString SearchQuery::Term::text() const
{
    const QString *s = std::get_if<QString>(&value);
    return s ? *s : QString();
}

QDateTime SearchQuery::Term::instant() const
{
    const QDateTime *d = std::get_if<QDateTime>(&value);
    return d ? *d : QDateTime();
}

qint64 SearchQuery::Term::bytes() const
{
    const qint64 *n = std::get_if<qint64>(&value);
    return n ? *n : 0;
}

QList<SearchQuery::Term> SearchQuery::parseTerms(const QString &query, const QTimeZone &zone)
{
    QList<Term> terms;
    const QStringList tokens = tokenize(query);
    for (const QString &token : tokens) {
        if (const std::optional<Term> term = parseToken(token, zone)) {
            terms << *term;
        }
    }
    return terms;
}

SearchQuery SearchQuery::parse(const QString &query, const QTimeZone &zone)
{
    SearchQuery q;
    q.m_terms = parseTerms(query, zone);
    return q;
}
