#pragma once

#include "imapfetchitem.h"
#include "imapsearchkey.h"
#include "imapsequenceset.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QDate>
#include <QList>

#include <optional>

// Reads the tokens of one IMAP command (RFC 3501 §9, the formal syntax) as ImapCommandReader framed it: literals
// inline as "{N}" CRLF and their bytes. Each reader returns nullopt and leaves an error() when the text there is not
// what the grammar wants; the session then answers BAD.
class ImapParser
{
public:
    explicit ImapParser(const QByteArray &text);

    bool atEnd() const { return m_pos >= m_text.size(); }
    qsizetype position() const { return m_pos; }
    const QByteArray &error() const { return m_error; }
    // Goes back (or on) to a position() read before, forgetting any error.
    void seek(qsizetype position)
    {
        m_pos = position;
        m_error.clear();
    }

    // One SP (RFC 3501 §9: exactly one between tokens).
    bool space();
    // The character c, if it is next.
    bool consume(char c);
    bool peek(char c) const { return !atEnd() && m_text.at(m_pos) == c; }

    std::optional<QByteArray> tag();
    // 1*ATOM-CHAR.
    std::optional<QByteArray> atom();
    // astring: 1*ASTRING-CHAR, a quoted string or a literal.
    std::optional<QByteArray> astring();
    // string: a quoted string or a literal.
    std::optional<QByteArray> string();
    // list-mailbox: 1*list-char (wildcards allowed) or a string.
    std::optional<QByteArray> listMailbox();
    // number: 32 bits at most (nz-number when nonZero).
    std::optional<quint32> number(bool nonZero = false);
    std::optional<ImapSequenceSet> sequenceSet();
    // date: d-Mon-yyyy, optionally in double quotes (RFC 3501 §9 date).
    std::optional<QDate> date();
    // The items of FETCH: a macro (ALL, FAST, FULL, expanded), one item or a parenthesised list.
    std::optional<QList<ImapFetchItem>> fetchItems();
    // flag-list "(" [flag *(SP flag)] ")", or flags without parentheses as STORE allows (RFC 3501 §6.4.6).
    std::optional<QByteArrayList> flags();
    // SEARCH's keys to the end of the command, as an And of them.
    std::optional<ImapSearchKey> searchKeys();

private:
    std::optional<ImapFetchItem> fetchItem();
    std::optional<ImapSection> section();
    std::optional<ImapSearchKey> searchKey(int depth);
    std::optional<QByteArray> quoted();
    std::optional<QByteArray> literal();
    QByteArray takeWhile(bool (*accept)(char));
    bool fail(const QByteArray &message);

    QByteArray m_text;
    qsizetype m_pos = 0;
    QByteArray m_error;
};
