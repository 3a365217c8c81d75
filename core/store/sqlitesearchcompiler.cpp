#include "sqlitesearchcompiler.h"

#include "searchquery.h"

#include <QStringList>

namespace {
using Field = SearchQuery::Field;

// The message_search columns a field searches; empty for a field the index does not hold.
QStringList ftsColumns(Field field)
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

// The trigram index finds substrings of three characters or more; shorter ones are scanned with LIKE.
bool longEnough(const QString &value)
{
    return value.toUcs4().size() >= 3;
}

// An FTS5 string is a phrase, never an operator: "NEAR(", "*", "OR" and "{col}:" in a term are text to find. A
// field's column filter ({to_text cc_text} : "bob") applies to it alone; a word searches every column.
QString ftsTerm(const SearchQuery::Term &term)
{
    QString quoted = term.text();
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    quoted = QLatin1Char('"') + quoted + QLatin1Char('"');
    if (term.field == Field::Text) {
        return quoted;
    }
    return QStringLiteral("{%1} : %2").arg(ftsColumns(term.field).join(QLatin1Char(' ')), quoted);
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
} // namespace

SqliteSearchCompiler::SqliteSearchCompiler(const SearchQuery &query)
{
    QStringList positives;
    QStringList negatives;
    QStringList conditions;
    const QList<SearchQuery::Term> terms = query.terms();
    for (const SearchQuery::Term &term : terms) {
        const QString no = term.negated ? QStringLiteral("NOT ") : QString();
        const QStringList columns = ftsColumns(term.field);
        if (!columns.isEmpty()) {
            if (longEnough(term.text())) {
                (term.negated ? negatives : positives) << ftsTerm(term);
                continue;
            }
            // Too short for the trigram index: LIKE over the field's columns (a scan; rare in practice).
            QStringList likes;
            for (const QString &c : columns) {
                likes << c + QStringLiteral(" LIKE ? ESCAPE '\\'");
                m_values << likePattern(term.text());
            }
            conditions << no + QStringLiteral("m.id IN (SELECT rowid FROM message_search WHERE ")
                    + likes.join(QStringLiteral(" OR ")) + QLatin1Char(')');
            continue;
        }
        switch (term.field) {
        case Field::MessageId:
            // Mailpit: a case-insensitive substring of the ID (stored without its angle brackets).
            conditions << no + QStringLiteral("(m.message_id LIKE ? ESCAPE '\\')");
            m_values << likePattern(term.text());
            break;
        case Field::Tag:
            // Mailpit: the whole tag name; tags.name compares without regard to case (its column's collation).
            conditions << no
                    + QStringLiteral("(m.id IN (SELECT mt.message_id FROM message_tags mt JOIN tags t ON t.id = "
                                     "mt.tag_id WHERE t.name = ?))");
            m_values << term.text();
            break;
        case Field::IsTagged:
            conditions << no + QStringLiteral("(EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message_id = m.id))");
            break;
        case Field::Mailbox:
            // CONTRACT "Mailboxes": mailbox:NAME, case-insensitive (mailboxes.name's collation); an unknown name
            // matches no message.
            conditions << no + QStringLiteral("(m.mailbox_id IS (SELECT mb.id FROM mailboxes mb WHERE mb.name = ?))");
            m_values << term.text();
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
        case Field::After:
            if (!term.instant().isValid()) {
                // An unreadable date matches no message.
                conditions << (term.negated ? QStringLiteral("1") : QStringLiteral("0"));
                break;
            }
            // Mailpit: received at or before the moment, or at or after it; both include it.
            conditions << no
                    + (term.field == Field::Before ? QStringLiteral("(m.received <= ?)")
                                                   : QStringLiteral("(m.received >= ?)"));
            m_values << term.instant().toMSecsSinceEpoch();
            break;
        case Field::Larger:
            conditions << no + QStringLiteral("(m.size > ?)");
            m_values << term.bytes();
            break;
        case Field::Smaller:
            conditions << no + QStringLiteral("(m.size < ?)");
            m_values << term.bytes();
            break;
        default:
            break;
        }
    }
    if (!positives.isEmpty()) {
        m_match = positives.join(QStringLiteral(" AND "));
        for (const QString &n : std::as_const(negatives)) {
            m_match += QStringLiteral(" NOT ") + n;
        }
    } else if (!negatives.isEmpty()) {
        // FTS5 has no unary NOT: negations alone exclude the rows that match any of them.
        conditions.prepend(
            QStringLiteral("m.id NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH ?)"));
        m_values.prepend(negatives.join(QStringLiteral(" OR ")));
    }
    m_condition = conditions.isEmpty() ? QStringLiteral("1") : conditions.join(QStringLiteral(" AND "));
}
