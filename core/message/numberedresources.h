#pragma once

#include <QString>

#include <map>

// The files of a (resource) directory whose names begin with a number and '-' ("0011-imap-uids.sql"), by that number:
// the stores' schema migrations, applied in order.
class NumberedResources
{
public:
    // Number -> path, for the names matching nameFilter ("*.sql") with a positive leading number.
    static std::map<int, QString> in(const QString &directory, const QString &nameFilter);
};
