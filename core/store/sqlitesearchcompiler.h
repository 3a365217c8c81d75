#pragma once

#include <QList>
#include <QString>
#include <QVariant>

class SearchQuery;

// A SearchQuery compiled for the SQLite store: an FTS5 MATCH expression over message_search (a trigram index of
// subject, from_text, to_text, cc_text, bcc_text, reply_to_text and body) and a condition on "messages m" with its
// bound values. The store runs "... message_search MATCH ?1 AND (condition)" when there is a MATCH expression,
// else "... WHERE condition" over messages alone, binding the values after it.
class SqliteSearchCompiler
{
public:
    explicit SqliteSearchCompiler(const SearchQuery &query);

    // The FTS5 MATCH expression of the indexed terms ("" when none: the search runs over messages alone).
    QString matchExpression() const { return m_match; }
    // Further conditions on "messages m" (SQL, "1" when none) and their ? values (QString or qint64), in order.
    QString condition() const { return m_condition; }
    QList<QVariant> values() const { return m_values; }

private:
    QString m_match;
    QString m_condition;
    QList<QVariant> m_values;
};
