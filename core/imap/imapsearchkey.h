#pragma once

#include "imapsequenceset.h"

#include <QDate>
#include <QString>

#include <vector>

// A SEARCH criterion (RFC 3501 §6.4.4) as a tree: the keys of a command are an And of its keys. Keys for flags the
// store does not have (\Answered, \Draft, \Recent, keywords) are already reduced to All or None.
struct ImapSearchKey
{
    enum class Kind {
        All,
        None,
        Seen,
        Unseen,
        Flagged,
        Unflagged,
        Deleted,
        Undeleted,
        From, // text: a substring of the field, without regard to case
        To,
        Cc,
        Subject,
        Body, // text, answered by the owner (ImapTextQuery)
        Text,
        Since, // date: INTERNALDATE's date (UTC) on or after
        Before, // before
        On, // on
        Larger, // size: RFC822.SIZE greater than
        Smaller, // less than
        Uid, // set: UIDs
        Sequence, // set: message sequence numbers
        Not, // children: one key
        Or, // children: two keys
        And, // children: any number of keys
    };
    Kind kind = Kind::All;
    QString text;
    QDate date;
    qint64 size = 0;
    ImapSequenceSet set;
    std::vector<ImapSearchKey> children; // std::vector: the element type is still incomplete here
    int textQuery = -1; // Body, Text: which of the session's ImapTextQuery it is
};
