#pragma once

// The selections every store's search compiler must make (tst_sqlitesearchcompiler, tst_pgsearchcompiler): five
// messages as the indexer leaves them (the summary facts the conditions read and the texts a search looks in) and
// queries with the ids they select. Expected ids come from Mailpit's search semantics and the messages below, never
// from a compiler's output, so that both stores answer every query alike (CONTRACT "Team store": "Search syntax and
// results are the same on both stores").

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace SearchCompilerCases {
using Ids = QList<qint64>;

struct Message
{
    qint64 id;
    const char *subject, *from, *to, *cc, *bcc, *replyTo, *body;
    bool read;
    const char *received;
    qint64 size;
    int attachments, inlines;
    const char *messageId;
    const char *mailbox;
    QList<const char *> tags;
};

// Messages 4 and 5 live in "shop", 1 to 3 in Inbox; message 1 is tagged Invoice, message 3 Invoice, urgent and
// Ärger (whose Ä no store folds: names compare without regard to ASCII case only, as SQLite's NOCASE).
inline QList<Message> messages()
{
    return {
        { 1, "Invoice 42", "Billing <billing@shop.test>", "alice@example.test", "", "", "", "Please pay by Friday.",
            true, "2026-01-30T12:00:00.000Z", 2000, 1, 0, "inv42@shop.test", "Inbox", { "Invoice" } },
        { 2, "Lunch?", "bob@example.test", "carol@example.test", "alice@example.test", "", "",
            "NEAR(apple banana) at noon", false, "2026-01-31T12:00:00.000Z", 20000, 0, 1, "lunch@example.test", "Inbox",
            {} },
        { 3, "Re: Invoice 42", "alice@example.test", "billing@shop.test", "", "audit@shop.test",
            "accounts@example.test", "Paid: 100% done_ok", false, "2026-01-30T23:30:00.000Z", 3145728, 0, 0,
            "re-inv42@example.test", "Inbox",
            { "Invoice", "urgent",
                "\xc3\x84"
                "rger" } },
        { 4,
            "\xc3\x9cn\xc3\xaf"
            "code \xf0\x9f\x98\x80\xf0\x9f\x98\x80",
            "dan@example.test", "erin@example.test", "", "", "", "appl* and more", false, "2026-02-01T08:00:00.000Z",
            10240, 0, 0, "uni@example.test", "shop", {} },
        { 5, "Midnight", "eve@example.test", "frank@example.test", "", "", "", "tick\\tock", false,
            "2026-01-31T00:00:00.000Z", 500, 0, 0, "mid@example.test", "shop", {} },
    };
}

inline qint64 utcMs(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

struct Select
{
    const char *name;
    QString query;
    int offsetSeconds; // the zone of the search, east of UTC
    Ids expected;
};

inline QList<Select> selects()
{
    const Ids all { 1, 2, 3, 4, 5 };
    const Ids none;
    const auto q = [](const char *text) {
        return QString::fromUtf8(text);
    };
    return {
        // Words: case-insensitive substrings of subject, addresses and body, ANDed.
        { "a word in two subjects", q("invoice"), 0, { 1, 3 } },
        { "a word ignores case", q("INVOICE"), 0, { 1, 3 } },
        { "two words must both match", q("invoice paid"), 0, { 3 } },
        { "a word inside an address", q("shop"), 0, { 1, 3 } },
        { "a phrase matches as written", q("\"by Friday\""), 0, { 1 } },
        { "a phrase keeps its word order", q("\"Friday by\""), 0, none },
        { "the same words unquoted match in any order", q("Friday by"), 0, { 1 } },
        { "punctuation around a word is ignored", q("(invoice),"), 0, { 1, 3 } },
        { "angle brackets around an address are ignored", q("<alice@example.test>"), 0, { 1, 2, 3 } },
        { "a negated word", q("-invoice"), 0, { 2, 4, 5 } },
        { "a word negated with !", q("!invoice"), 0, { 2, 4, 5 } },
        { "a word and a negated word", q("invoice -paid"), 0, { 1 } },
        { "two negated words exclude either", q("-invoice -lunch"), 0, { 4, 5 } },
        { "a negated phrase", q("-\"Invoice 42\""), 0, { 2, 4, 5 } },
        // Fields.
        { "from: looks at the sender only", q("from:alice"), 0, { 3 } },
        { "from: with a display name", q("from:billing"), 0, { 1 } },
        { "from: ignores case", q("FROM:ALICE"), 0, { 3 } },
        { "a negated from:", q("-from:alice"), 0, { 1, 2, 4, 5 } },
        { "to: looks at To only", q("to:alice"), 0, { 1 } },
        { "to: with the address in angle brackets", q("to:<alice@example.test>"), 0, { 1 } },
        { "cc: looks at Cc only", q("cc:alice"), 0, { 2 } },
        { "bcc: looks at Bcc only", q("bcc:audit"), 0, { 3 } },
        { "reply-to: looks at Reply-To only", q("reply-to:accounts"), 0, { 3 } },
        { "addressed: sees To and Cc", q("addressed:alice"), 0, { 1, 2, 3 } },
        { "addressed: sees Bcc", q("addressed:audit"), 0, { 3 } },
        { "addressed: sees From", q("addressed:billing"), 0, { 1, 3 } },
        { "addressed: sees Reply-To", q("addressed:accounts"), 0, { 3 } },
        { "a short addressed: value", q("addressed:ev"), 0, { 5 } },
        { "subject: looks at the subject only", q("subject:invoice"), 0, { 1, 3 } },
        { "subject: does not see the body", q("subject:pay"), 0, none },
        { "subject: with a phrase", q("subject:\"Invoice 42\""), 0, { 1, 3 } },
        { "message-id: in angle brackets", q("message-id:<inv42@shop.test>"), 0, { 1 } },
        { "message-id: without brackets", q("message-id:inv42@shop.test"), 0, { 1 } },
        { "message-id: a part of the ID", q("message-id:inv42"), 0, { 1, 3 } },
        { "message-id: ignores case", q("message-id:INV42@SHOP.TEST"), 0, { 1 } },
        { "message-id: wildcards are text", q("message-id:re_inv%"), 0, none },
        { "a negated message-id:", q("-message-id:<inv42@shop.test>"), 0, { 2, 3, 4, 5 } },
        // Tags (Mailpit: the whole name, without regard to case) and mailboxes (CONTRACT "Mailboxes").
        { "tag: finds the messages with the tag", q("tag:urgent"), 0, { 3 } },
        { "tag: ignores case", q("tag:INVOICE"), 0, { 1, 3 } },
        { "tag: is no substring", q("tag:urg"), 0, none },
        { "a negated tag:", q("-tag:urgent"), 0, { 1, 2, 4, 5 } },
        { "tag: with a non-ASCII letter as written", q("tag:\xc3\x84RGER"), 0, { 3 } },
        { "tag: folds no letter beyond ASCII", q("tag:\xc3\xa4rger"), 0, none },
        { "is:tagged", q("is:tagged"), 0, { 1, 3 } },
        { "a negated is:tagged", q("-is:tagged"), 0, { 2, 4, 5 } },
        { "mailbox: finds its messages", q("mailbox:shop"), 0, { 4, 5 } },
        { "mailbox: ignores case", q("mailbox:INBOX"), 0, { 1, 2, 3 } },
        { "a negated mailbox:", q("-mailbox:shop"), 0, { 1, 2, 3 } },
        { "an unknown mailbox: has no messages", q("mailbox:billing"), 0, none },
        { "a negated unknown mailbox: is every message", q("-mailbox:billing"), 0, all },
        { "mailbox: with a word", q("mailbox:inbox invoice"), 0, { 1, 3 } },
        { "mailbox: with tag:", q("mailbox:inbox tag:invoice -tag:urgent"), 0, { 1 } },
        // Flags.
        { "is:read", q("is:read"), 0, { 1 } },
        { "is:unread", q("is:unread"), 0, { 2, 3, 4, 5 } },
        { "a negated is:read is unread", q("-is:read"), 0, { 2, 3, 4, 5 } },
        { "a negated is:unread is read", q("!is:unread"), 0, { 1 } },
        { "has:attachment", q("has:attachment"), 0, { 1 } },
        { "has:inline", q("has:inline"), 0, { 2 } },
        { "has:inlines", q("has:inlines"), 0, { 2 } },
        { "a negated has:attachment", q("-has:attachment"), 0, { 2, 3, 4, 5 } },
        { "a word and a flag", q("invoice is:unread"), 0, { 3 } },
        // Dates: the start of the day in the search's zone; before: and after: both include that moment (Mailpit).
        { "before: a day in UTC includes its first millisecond", q("before:2026-01-31"), 0, { 1, 3, 5 } },
        { "after: a day in UTC includes its first millisecond", q("after:2026-01-31"), 0, { 2, 4, 5 } },
        { "the first millisecond of a day is before: and after: it", q("before:2026-01-31 after:2026-01-31"), 0,
            { 5 } },
        { "before: a day one hour east of UTC", q("before:2026-01-31"), 3600, { 1 } },
        { "after: a day one hour east of UTC", q("after:2026-01-31"), 3600, { 2, 3, 4, 5 } },
        { "before: a moment one millisecond before midnight", q("before:2026-01-30T23:59:59.999Z"), 0, { 1, 3 } },
        { "a negated before: includes the moment", q("-before:2026-01-31"), 0, { 2, 4, 5 } },
        { "a negated after: includes the moment", q("-after:2026-01-31"), 0, { 1, 3, 5 } },
        { "before: and after: together", q("after:2026-01-30 before:2026-01-31"), 0, { 1, 3, 5 } },
        { "an impossible date matches nothing", q("before:2026-02-30"), 0, none },
        { "a negated unreadable date matches everything", q("-after:someday"), 0, all },
        // Sizes: K and KB are 1,024 bytes, M and MB 1,048,576; larger and smaller are strict, so a message of the
        // size itself is neither larger: nor -larger: it (Mailpit).
        { "larger: excludes the size itself", q("larger:10K"), 0, { 2, 3 } },
        { "a negated larger: excludes the size itself", q("-larger:10K"), 0, { 1, 5 } },
        { "smaller: excludes the size itself", q("smaller:10K"), 0, { 1, 5 } },
        { "a negated smaller: excludes the size itself", q("!smaller:10K"), 0, { 2, 3 } },
        { "larger: in megabytes", q("larger:2MB"), 0, { 3 } },
        { "larger: a fraction of a megabyte", q("larger:1.5M"), 0, { 3 } },
        { "smaller: than exactly three megabytes", q("smaller:3M"), 0, { 1, 2, 4, 5 } },
        { "larger: in bytes", q("larger:2000"), 0, { 2, 3, 4 } },
        { "an unreadable size is a word", q("larger:big"), 0, none },
        { "gigabytes are a word, not bytes", q("larger:1GB"), 0, none },
        { "a negated unreadable size is a negated word", q("-smaller:big"), 0, all },
        { "smaller: than an enormous size is every message", q("smaller:99999999999999999999M"), 0, all },
        { "larger: than an enormous size is none", q("larger:99999999999999999999M"), 0, none },
        // Words shorter than three characters (SQLite: a scan with LIKE), whose wildcards are text.
        { "a two-character word", q("by"), 0, { 1 } },
        { "a two-digit word", q("42"), 0, { 1, 3 } },
        { "an underscore is no wildcard", q("_o"), 0, { 3 } },
        { "a percent sign is no wildcard", q("%"), 0, { 3 } },
        { "a backslash is text", q("\\"), 0, { 5 } },
        { "a backslash and a letter", q("\\t"), 0, { 5 } },
        { "a short negated word", q("-42"), 0, { 2, 4, 5 } },
        { "two characters outside the BMP", q("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 0, { 4 } },
        { "non-ASCII letters ignore case", q("\xc3\x9cN\xc3\x8f"), 0, { 4 } },
        { "non-ASCII letters ignore case in a longer word",
            q("\xc3\xbcn\xc3\xaf"
              "CODE"),
            0, { 4 } },
        // Wildcards and FTS5 syntax in the user's text are text to find, never operators.
        { "a percent sign inside a longer word is text", q("100%"), 0, { 3 } },
        { "an underscore inside a longer word is text", q("done_ok"), 0, { 3 } },
        { "an underscore matches no other character", q("done_o_"), 0, none },
        { "a backslash inside a longer word is text", q("k\\to"), 0, { 5 } },
        { "NEAR( is text", q("NEAR(apple"), 0, { 2 } },
        { "a quoted NEAR group is text", q("\"NEAR(apple banana)\""), 0, { 2 } },
        { "a star is no prefix search", q("appl*"), 0, { 4 } },
        { "OR is a word that must match too", q("apple OR banana"), 0, none },
        { "AND is a word that must match too", q("lunch AND noon"), 0, none },
        { "a caret is no initial-token anchor", q("^lunch"), 0, none },
        { "a braced column filter is text", q("{subject}:lunch"), 0, none },
        { "a column filter in a field value is text", q("from:{subject}:lunch"), 0, none },
        { "an opening parenthesis is punctuation", q("(apple"), 0, { 2 } },
        { "a NUL separates terms", q("inv") + QChar(0) + q("oice"), 0, { 1, 3 } },
    };
}
} // namespace SearchCompilerCases
