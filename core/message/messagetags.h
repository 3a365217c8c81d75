#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QStringList>

// Mailpit's message tags (CONTRACT "Mailboxes", Tags; Mailpit's internal/tools/tags.go and internal/storage/tags.go):
// a tag is cleaned to ASCII letters, digits, ' ', '-', '_' and '.' (any other character becomes a space, runs of
// white space one space, then trimmed); an empty tag is none. A message's tags are a set without regard to case,
// listed in Mailpit's order (byte order, so "Zeta" before "alpha").
class MessageTags
{
public:
    // Mailpit's CleanTag.
    static QString clean(const QString &tag);
    // Cleaned, empty ones dropped, the first spelling of each name kept (case-insensitive), sorted.
    static QStringList normalized(const QStringList &tags);
    // Sorted as Mailpit lists tags (Go's sort.Strings and SQLite's BINARY order: by code unit).
    static void sort(QStringList &tags);
    // The tags a message gets on arrival (Mailpit): the values of its first X-Tags header, comma-separated, and
    // the plus-parts of the addresses given (user+a+b@host gives a and b; the store gives the envelope recipients and
    // the To and Cc addresses), normalized.
    static QStringList fromArrival(const QByteArray &data, const QByteArrayList &addresses);
    // The first header named name in data's header section, unfolded (RFC 5322 §2.2.3); empty when none.
    static QByteArray headerValue(const QByteArray &data, const QByteArray &name);
};
