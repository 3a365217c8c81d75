#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QTimeZone>

#include <variant>

// A search in Mailpit's syntax, parsed into a syntax tree that any store compiles to its own query language
// (SqliteSearchCompiler for the SQLite store). Pure: Qt Core only, no database, no SQL.
//
// The tree is an AND of terms; a term is a field, a value and a negation. Dates are already instants (UTC) and
// sizes bytes, so a backend parses nothing. The syntax is Mailpit's (docs/architecture.md, "Search"): words are
// case-insensitive substrings, "quoted phrases" one term, a leading - or ! negates a term. Fields: from: to: cc:
// bcc: reply-to: addressed: subject: message-id: tag:, and Letterbox's mailbox: (CONTRACT "Mailboxes"). Flags: is:read
// is:unread is:tagged has:attachment(s) has:inline(s). Dates: before: after: (in the given zone). Sizes: larger:
// smaller: (K, KB, M, MB, decimals).
class SearchQuery
{
public:
    enum class Field {
        Text, // subject, From, To, Cc, Bcc, Reply-To, the text body and attachment names
        From,
        To,
        Cc,
        Bcc,
        ReplyTo,
        Addressed, // From, To, Cc, Bcc or Reply-To (Mailpit's addressed:)
        Subject,
        MessageId, // a substring of the Message-ID, without its angle brackets
        Tag, // a tag's whole name, without regard to case
        Mailbox, // a mailbox's whole name, without regard to case
        IsRead,
        IsUnread,
        IsTagged,
        HasAttachment,
        HasInline,
        Before, // received at or before the instant; an invalid instant (an unreadable date) matches no message
        After, // received at or after the instant; an invalid instant matches no message
        Larger, // more bytes than the value
        Smaller, // fewer bytes than the value
    };
    // What a term looks for: text for Text to Mailbox, a UTC instant for Before and After, bytes for Larger and
    // Smaller, nothing for the flags.
    using Value = std::variant<std::monostate, QString, QDateTime, qint64>;
    struct Term
    {
        Field field = Field::Text;
        Value value;
        // The term selects the messages it would not select otherwise. The parser never negates Larger, Smaller or
        // a Before or After with a valid instant: Mailpit reads -before:D as after:D and -larger:N as smaller:N (the
        // boundary itself matches both), so it writes the opposite comparison instead.
        bool negated = false;

        QString text() const;
        QDateTime instant() const;
        qint64 bytes() const;
        bool operator==(const Term &other) const = default;
    };

    static SearchQuery parse(const QString &query, const QTimeZone &zone = QTimeZone::utc());
    static QList<Term> parseTerms(const QString &query, const QTimeZone &zone = QTimeZone::utc());

    QList<Term> terms() const { return m_terms; }
    // True when the query has no term at all: empty, whitespace, only quotes, - and !, or only terms Mailpit
    // ignores (from: with no value, before: with no date). It stands for no search rather than for every message.
    bool isEmpty() const { return m_terms.isEmpty(); }
    // ANDs one more term (a mailbox a list is limited to, say).
    void addTerm(const Term &term) { m_terms << term; }

private:
    QList<Term> m_terms;
};
