#pragma once

// The search corpus every MessageStore must answer alike (CONTRACT "Team store": "Search syntax and results are the
// same on both stores"): five messages as SMTP hands them over, parsed and indexed by the store itself, and queries in
// Mailpit's syntax with the IDs they find, newest first. tst_messagestore runs it on SqliteMessageStore,
// tst_pgsearchcorpus on PgMessageStore. Expected IDs come from Mailpit's search semantics and the messages below,
// never from a store's output.

#include <store/messagestore.h>

#include <QByteArrayList>
#include <QList>
#include <QString>
#include <QStringList>

#include <future>

namespace SearchCorpus {
struct Message
{
    const char *id;
    QByteArray data;
    QByteArrayList rcptTo;
};

// Received a second apart, A first (2025-11-24T16:00:01Z) and E last; D is read, the others unread; C carries the
// tags Invoice and Urgent (X-Tags, Mailpit's header).
inline QList<Message> messages()
{
    return {
        { "A",
            "From: Alice Adams <alice@alpha.test>\r\nTo: bob@beta.test\r\nSubject: Invoice 1001 for March\r\n"
            "Message-ID: <a@x.test>\r\n\r\nPlease pay the invoice by Friday.\r\n",
            { "bob@beta.test" } },
        { "B",
            "From: Carol <carol@gamma.test>\r\nTo: dave@delta.test\r\nCc: erin@epsilon.test\r\n"
            "Subject: Lunch plans\r\nMessage-ID: <b@x.test>\r\n\r\nPizza or sushi? Let me know.\r\n",
            { "dave@delta.test", "erin@epsilon.test" } },
        { "C",
            "From: alice@alpha.test\r\nTo: frank@zeta.test\r\nSubject: Re: Invoice 1001\r\nMessage-ID: <c@x.test>\r\n"
            "X-Tags: Invoice, Urgent\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: "
            "text/plain\r\n\r\n"
            "Paid yesterday. Thanks!\r\n--z\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
            "filename=receipt.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--z--\r\n",
            { "frank@zeta.test" } },
        { "D",
            "From: Grace <grace@eta.test>\r\nTo: bob@beta.test\r\nSubject: "
            "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n"
            "Message-ID: <d@x.test>\r\n\r\nBis bald, Grace\r\n",
            { "bob@beta.test" } },
        { "E",
            "From: news@omega.test\r\nTo: list@omega.test\r\nReply-To: editor@omega.test\r\nSubject: Weekly digest\r\n"
            "Message-ID: <e@x.test>\r\n\r\nTop stories: invoice fraud on the rise\r\n",
            { "list@omega.test", "hidden@secret.test" } },
    };
}

// The first message's time; each next one a second later.
constexpr qint64 FirstReceivedMs = 1764000001000;

// The message as an SMTP session hands it over (EHLO, AUTH alice, from 127.0.0.1).
inline IncomingMessage incoming(const Message &m, qint64 receivedMs)
{
    IncomingMessage in;
    in.id = m.id;
    in.envelope.mailFrom = "sender@x.test";
    in.envelope.rcptTo = m.rcptTo;
    in.envelope.helo = "client.test";
    in.envelope.esmtp = true;
    in.envelope.authUser = "alice";
    in.envelope.clientAddress = ClientAddress::fromString(u"127.0.0.1");
    in.envelope.clientPort = 50123;
    in.receivedMs = receivedMs;
    in.traceHeader = "Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTPA id " + in.id
        + "; Wed, 25 Nov 2026 09:00:00 +0000\r\n";
    in.data = m.data;
    in.transcript = { { receivedMs, TranscriptEntry::Direction::Out, "220 mx.test ESMTP Letterbox" } };
    return in;
}

// Delivers the corpus, each message after the previous one is committed, and marks D read. False and *error when
// the store refused one.
inline bool deliver(MessageStore &store, QString *error)
{
    qint64 t = FirstReceivedMs;
    const QList<Message> corpus = messages();
    for (const Message &m : corpus) {
        std::promise<DeliveryResult> promise;
        std::future<DeliveryResult> future = promise.get_future();
        store.deliver(incoming(m, t), [&promise](const DeliveryResult &r) { promise.set_value(r); });
        const DeliveryResult result = future.get();
        if (!result.ok) {
            *error = QStringLiteral("%1: %2").arg(QLatin1String(m.id), result.errorString);
            return false;
        }
        t += 1000;
    }
    return store.setRead({ QStringLiteral("D") }, true, error);
}

struct Query
{
    const char *name;
    QString query;
    QStringList expected; // newest first
};

inline QList<Query> queries()
{
    const auto list = [](const char *ids) {
        return QString::fromLatin1(ids).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    };
    const auto q = [](const char *text) {
        return QString::fromUtf8(text);
    };
    return {
        { "a word matches subject or body, any case", q("INVOICE"), list("E C A") },
        { "words are ANDed", q("pizza sushi"), list("B") },
        { "a quoted phrase matches as written", q("\"invoice by friday\""), list("A") },
        { "a substring of a word matches", q("nvoic"), list("E C A") },
        { "a short term is matched too", q("pi"), list("B") },
        { "minus negates", q("-invoice"), list("D B") },
        { "bang negates", q("!invoice"), list("D B") },
        { "negated field with a word", q("invoice -from:alice"), list("E") },
        { "from: name or address", q("from:alice"), list("C A") },
        { "from: domain", q("from:alpha.test"), list("C A") },
        { "to:", q("to:bob"), list("D A") },
        { "cc:", q("cc:erin"), list("B") },
        { "bcc: the hidden envelope recipient", q("bcc:hidden"), list("E") },
        { "addressed: any recipient field", q("addressed:erin"), list("B") },
        { "reply-to:", q("reply-to:editor"), list("E") },
        { "subject: with non-ASCII, any case", q("subject:K\xc3\x96LN"), list("D") },
        { "a word decoded from an encoded-word, any case",
            q("GR\xc3\x9c\xc3\x9f"
              "E"),
            list("D") },
        { "subject: quoted", q("subject:\"Invoice 1001\""), list("C A") },
        { "message-id: with brackets", q("message-id:<c@x.test>"), list("C") },
        { "attachment names are searchable", q("receipt"), list("C") },
        { "has:attachment", q("has:attachment"), list("C") },
        { "is:read", q("is:read"), list("D") },
        { "is:unread and a word", q("is:unread invoice"), list("E C A") },
        { "tag: matches no tag nobody has", q("tag:work"), list("") },
        { "tag: from X-Tags", q("tag:invoice"), list("C") },
        { "tag: ignores case", q("tag:URGENT"), list("C") },
        { "is:tagged", q("is:tagged"), list("C") },
        { "a word without tags", q("invoice -is:tagged"), list("E A") },
        { "mailbox: Inbox holds them all", q("mailbox:inbox"), list("E D C B A") },
        { "mailbox: an unknown name finds nothing", q("mailbox:nowhere"), list("") },
        { "a negated unknown mailbox: finds everything", q("-mailbox:nowhere"), list("E D C B A") },
        { "before: a date long past", q("before:2000-01-01"), list("") },
        { "after: a date long past", q("after:2000-01-01"), list("E D C B A") },
        { "larger:", q("larger:100K"), list("") },
        { "smaller:", q("smaller:1M"), list("E D C B A") },
        { "FTS syntax is just text", q("\"AND OR NOT\" ("), list("") },
        // As Mailpit's search reads them (docs/architecture.md, "Search: one syntax tree, a compiler per store").
        { "addressed: sees the sender", q("addressed:alice"), list("C A") },
        { "addressed: sees Reply-To", q("addressed:editor"), list("E") },
        { "message-id: a part of the ID", q("message-id:c@x"), list("C") },
        { "message-id: ignores case", q("message-id:<C@X.TEST>"), list("C") },
        { "to: an address in angle brackets", q("to:<bob@beta.test>"), list("D A") },
        { "punctuation around a word", q("(invoice),"), list("E C A") },
        { "a word of punctuation only is ignored", q("invoice ,"), list("E C A") },
        { "before: includes its moment", q("before:2025-11-24T16:00:01Z"), list("A") },
        { "a negated after: includes its moment", q("-after:2025-11-24T16:00:02Z"), list("B A") },
        { "a date left out is ignored", q("invoice before:"), list("E C A") },
        { "a size in gigabytes is a word", q("larger:1GB"), list("") },
        { "LIKE wildcards are text", q("100%"), list("") },
        { "an underscore is no wildcard", q("pay_the"), list("") },
    };
}
} // namespace SearchCorpus
