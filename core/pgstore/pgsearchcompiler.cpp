#include "pgsearchcompiler.h"

#include <store/searchquery.h>

#include <QStringList>

namespace {
using Field = SearchQuery::Field;

// The message_search columns a field searches (migration 0002); empty for a field that is no text.
QStringList searchColumns(Field field)
{
    switch (field) {
    case Field::Text:
        return { QStringLiteral("subject"), QStringLiteral("from_text"), QStringLiteral("to_text"),
            QStringLiteral("cc_text"), QStringLiteral("bcc_text"), QStringLiteral("reply_to_text"),
            QStringLiteral("body") };
    case Field::From:
        return { QStringLiteral("from_text") };
    case Field::To:
        return { QStringLiteral("to_text") };
    case Field::Cc:
        return { QStringLiteral("cc_text") };
    case Field::Bcc:
        return { QStringLiteral("bcc_text") };
    case Field::ReplyTo:
        return { QStringLiteral("reply_to_text") };
    case Field::Addressed:
        return { QStringLiteral("from_text"), QStringLiteral("to_text"), QStringLiteral("cc_text"),
            QStringLiteral("bcc_text"), QStringLiteral("reply_to_text") };
    case Field::Subject:
        return { QStringLiteral("subject") };
    default:
        return {};
    }
}

// A LIKE pattern finding value anywhere, its wildcards escaped with \ (the patterns are used with ESCAPE '\').
QString likePattern(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// A..Z to a..z, nothing else: what lower(x COLLATE "C") does on the server (the unique indexes of tags and mailboxes,
// migration 0001) and what SQLite's NOCASE and LIKE fold.
QString asciiLower(const QString &value)
{
    QString lowered = value;
    for (QChar &c : lowered) {
        if (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) {
            c = QChar(c.unicode() + ('a' - 'A'));
        }
    }
    return lowered;
}

// Messages whose rows in a table meet a condition: a semi-join (m.id IN …) or, negated, an anti-join (NOT EXISTS …,
// which PostgreSQL plans as one; NOT IN over a large subquery it does not).
QString membership(const QString &from, const QString &key, const QString &condition, bool negated)
{
    if (negated) {
        return QStringLiteral("NOT EXISTS (SELECT 1 FROM %1 WHERE %2 = m.id AND (%3))").arg(from, key, condition);
    }
    return QStringLiteral("m.id IN (SELECT %1 FROM %2 WHERE %3)").arg(key, from, condition);
}
} // namespace

PgSearchCompiler::PgSearchCompiler(const SearchQuery &query, int firstParameter)
{
    QStringList conditions;
    // The next parameter's SQL ($n) after appending value to the parameters.
    const auto bind = [this, firstParameter](const PgParameter &value) {
        m_parameters << value;
        return QLatin1Char('$') + QString::number(firstParameter + m_parameters.size() - 1);
    };
    const QList<SearchQuery::Term> terms = query.terms();
    for (const SearchQuery::Term &term : terms) {
        const bool textual = std::holds_alternative<QString>(term.value);
        // PostgreSQL's text holds no U+0000 (and libpq would end the parameter there): no stored text has one, so
        // a term with one selects no message.
        if (textual && term.text().contains(QChar(0))) {
            conditions << (term.negated ? QStringLiteral("true") : QStringLiteral("false"));
            continue;
        }
        const QString no = term.negated ? QStringLiteral("NOT ") : QString();
        const QStringList columns = searchColumns(term.field);
        if (!columns.isEmpty()) {
            // The indexer lower-cased the texts with QString::toLower(); so is the term, so that the server's
            // locale has no say. One parameter serves every column; pg_trgm's GIN index on each answers the LIKE.
            const QString pattern = bind(PgParameter::text(likePattern(term.text().toLower())));
            QStringList likes;
            for (const QString &c : columns) {
                likes << QStringLiteral("s.%1 LIKE %2 ESCAPE '\\'").arg(c, pattern);
            }
            conditions << membership(QStringLiteral("message_search s"), QStringLiteral("s.id"),
                likes.join(QStringLiteral(" OR ")), term.negated);
            continue;
        }
        switch (term.field) {
        case Field::MessageId:
            // Mailpit: a substring of the ID (stored without its angle brackets), ASCII letters without regard to
            // case, as SQLite's LIKE compares them.
            conditions << no
                    + QStringLiteral("(lower(m.message_id COLLATE \"C\") LIKE %1 ESCAPE '\\')")
                          .arg(bind(PgParameter::text(likePattern(asciiLower(term.text())))));
            break;
        case Field::Tag:
            // Mailpit: the whole tag name, without regard to case as the tags_name index has it.
            conditions << membership(QStringLiteral("message_tags mt JOIN tags t ON t.id = mt.tag_id"),
                QStringLiteral("mt.message_id"),
                QStringLiteral("lower(t.name COLLATE \"C\") = %1")
                    .arg(bind(PgParameter::text(asciiLower(term.text())))),
                term.negated);
            break;
        case Field::IsTagged:
            conditions << no + QStringLiteral("EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message_id = m.id)");
            break;
        case Field::Mailbox:
            // CONTRACT "Mailboxes": mailbox:NAME, case-insensitive (the mailboxes_name index); an unknown name
            // matches no message, and negated every message (IN over no rows is false, NOT IN true).
            conditions << QStringLiteral(
                "m.mailbox_id %1IN (SELECT mb.id FROM mailboxes mb WHERE lower(mb.name COLLATE "
                "\"C\") = %2)")
                              .arg(no, bind(PgParameter::text(asciiLower(term.text()))));
            break;
        case Field::IsRead:
            conditions << (term.negated ? QStringLiteral("NOT m.is_read") : QStringLiteral("m.is_read"));
            break;
        case Field::IsUnread:
            conditions << (term.negated ? QStringLiteral("m.is_read") : QStringLiteral("NOT m.is_read"));
            break;
        case Field::HasAttachment:
            conditions << no + QStringLiteral("(m.attachments > 0)");
            break;
        case Field::HasInline:
            conditions << no + QStringLiteral("(m.inlines > 0)");
            break;
        case Field::Before:
        case Field::After:
            if (!term.instant().isValid()) {
                // An unreadable date matches no message.
                conditions << (term.negated ? QStringLiteral("true") : QStringLiteral("false"));
                break;
            }
            // Mailpit: received at or before the moment, or at or after it; both include it. UTC milliseconds.
            conditions << no
                    + QStringLiteral("(m.received %1 %2)")
                          .arg(term.field == Field::Before ? QStringLiteral("<=") : QStringLiteral(">="),
                              bind(PgParameter::int64(term.instant().toMSecsSinceEpoch())));
            break;
        case Field::Larger:
            conditions << no + QStringLiteral("(m.size > %1)").arg(bind(PgParameter::int64(term.bytes())));
            break;
        case Field::Smaller:
            conditions << no + QStringLiteral("(m.size < %1)").arg(bind(PgParameter::int64(term.bytes())));
            break;
        default:
            break;
        }
    }
    m_condition = conditions.isEmpty() ? QStringLiteral("true") : conditions.join(QStringLiteral(" AND "));
}
