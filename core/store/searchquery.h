#pragma once

#include <QList>
#include <QString>
#include <QTimeZone>
#include <QVariant>

// A search in Mailpit's syntax, translated to SQL over the store's tables. Pure: no database.
//
// Words are ANDed case-insensitive substring matches over subject, addresses, text body and attachment names;
// "quoted phrases" match as written; a leading - or ! negates a term. Fields: from: to: cc: bcc: reply-to:
// addressed: (to, cc or bcc) subject: message-id: tag:. Flags: is:read is:unread is:tagged has:attachment
// has:inline. Dates: before: after: (YYYY-MM-DD, in the given zone). Sizes: larger: smaller: (K, KB, M, MB).
class SearchQuery
{
public:
    enum class Field {
        Text,
        From,
        To,
        Cc,
        Bcc,
        ReplyTo,
        Addressed,
        Subject,
        MessageId,
        Tag,
        IsRead,
        IsUnread,
        IsTagged,
        HasAttachment,
        HasInline,
        Before,
        After,
        Larger,
        Smaller,
    };
    struct Term
    {
        Field field = Field::Text;
        QString value;
        bool negated = false;
        bool operator==(const Term &other) const = default;
    };

    static QList<Term> parseTerms(const QString &query);
    static SearchQuery parse(const QString &query, const QTimeZone &zone = QTimeZone::utc());

    QList<Term> terms() const { return m_terms; }
    // True when the query has no term at all: empty, whitespace, or only quotes, - and ! ("", " ", -""). It stands
    // for no search rather than for every message.
    bool isEmpty() const { return m_terms.isEmpty(); }

    // The FTS5 MATCH expression of the indexed terms ("" when none: the search runs over messages alone).
    QString matchExpression() const { return m_match; }
    // Further conditions on "messages m" (SQL, "1" when none) and their ? values, in order.
    QString condition() const { return m_condition; }
    QList<QVariant> values() const { return m_values; }

private:
    QList<Term> m_terms;
    QString m_match;
    QString m_condition;
    QList<QVariant> m_values;
};
