#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QList>

#include <optional>

// BODY[section] (RFC 3501 §6.4.5): a part path and what of it.
struct ImapSection
{
    enum class Text {
        All, // BODY[] or BODY[1.2]: the whole message, or the part's content
        Header, // HEADER
        HeaderFields, // HEADER.FIELDS (fields)
        HeaderFieldsNot, // HEADER.FIELDS.NOT (fields)
        Text, // TEXT
        Mime, // 1.2.MIME: the part's own header
    };
    QList<int> part; // 1-based part numbers; empty: the top-level message
    Text text = Text::All;
    QByteArrayList fields; // upper-cased field names of HEADER.FIELDS[.NOT]
};

// One data item of FETCH (RFC 3501 §6.4.5), macros (ALL, FAST, FULL) already expanded.
struct ImapFetchItem
{
    enum class Kind {
        Flags,
        Uid,
        InternalDate,
        Rfc822Size,
        Envelope,
        BodyStructure, // BODYSTRUCTURE (with extension data)
        Body, // BODY without a section: BODYSTRUCTURE without extension data
        BodySection, // BODY[section]<partial> and BODY.PEEK[section]<partial>
        Rfc822, // the same as BODY[], sets \Seen
        Rfc822Header, // BODY.PEEK[HEADER]
        Rfc822Text, // BODY[TEXT], sets \Seen
    };
    struct Partial
    {
        qint64 offset = 0;
        qint64 length = 0;
    };
    Kind kind = Kind::Flags;
    ImapSection section; // BodySection only
    bool peek = false; // BODY.PEEK: does not set \Seen
    std::optional<Partial> partial; // <offset.length>
    // Whether fetching this item sets \Seen (RFC 3501 §6.4.5) in a mailbox opened read-write.
    bool setsSeen() const
    {
        return (kind == Kind::BodySection && !peek) || kind == Kind::Rfc822 || kind == Kind::Rfc822Text;
    }
    // Whether the owner needs the message's source for it (everything but FLAGS, UID, INTERNALDATE, RFC822.SIZE).
    bool needsSource() const
    {
        return kind != Kind::Flags && kind != Kind::Uid && kind != Kind::InternalDate && kind != Kind::Rfc822Size;
    }
};
