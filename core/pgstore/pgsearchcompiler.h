#pragma once

#include "pgparameter.h"

#include <QList>
#include <QString>

class SearchQuery;

// A SearchQuery compiled for the PostgreSQL store: one condition on "messages m" with its parameters, numbered from
// the first one the caller leaves free ($firstParameter, $firstParameter + 1, …). Text terms are case-insensitive
// substrings of message_search's columns (migration 0002): the term lower-cased (QString::toLower(), whatever the
// database's locale) and found with LIKE in the texts the indexer lower-cased the same way, through pg_trgm's indexes,
// so that a search means what it means on the SQLite store (SqliteSearchCompiler): the same terms select the same
// messages.
class PgSearchCompiler
{
public:
    PgSearchCompiler(const SearchQuery &query, int firstParameter = 1);

    // SQL over "messages m" ("true" when the query has no terms).
    QString condition() const { return m_condition; }
    // The values of the condition's $n, in order from firstParameter.
    QList<PgParameter> parameters() const { return m_parameters; }

private:
    QString m_condition;
    QList<PgParameter> m_parameters;
};
