#include "imapparser.h"

namespace {
// RFC 3501 §9: ATOM-CHAR is any CHAR but atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
bool isAtomChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\'
        && c != ']';
}

bool isAstringChar(char c)
{
    return isAtomChar(c) || c == ']';
}

bool isListChar(char c)
{
    return isAtomChar(c) || c == '%' || c == '*' || c == ']';
}

bool isTagChar(char c)
{
    return isAstringChar(c) && c != '+';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A FETCH item's or a section's name: letters, digits and dots (RFC 3501 §9 fetch-att, section-msgtext).
bool isNameChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '.';
}

// Nesting of SEARCH's parentheses and NOT/OR: deep enough for any client, shallow enough for the stack.
constexpr int SearchDepthLimit = 32;

ImapSearchKey leaf(ImapSearchKey::Kind kind)
{
    ImapSearchKey key;
    key.kind = kind;
    return key;
}
} // namespace

ImapParser::ImapParser(const QByteArray &text) : m_text(text)
{
}

bool ImapParser::fail(const QByteArray &message)
{
    if (m_error.isEmpty()) {
        m_error = message;
    }
    return false;
}

bool ImapParser::space()
{
    return consume(' ') || fail("expected a space");
}

bool ImapParser::consume(char c)
{
    if (peek(c)) {
        ++m_pos;
        return true;
    }
    return false;
}

QByteArray ImapParser::takeWhile(bool (*accept)(char))
{
    const qsizetype start = m_pos;
    while (!atEnd() && accept(m_text.at(m_pos))) {
        ++m_pos;
    }
    return m_text.mid(start, m_pos - start);
}

std::optional<QByteArray> ImapParser::tag()
{
    const QByteArray result = takeWhile(isTagChar);
    if (result.isEmpty()) {
        fail("expected a tag");
        return std::nullopt;
    }
    return result;
}

std::optional<QByteArray> ImapParser::atom()
{
    const QByteArray result = takeWhile(isAtomChar);
    if (result.isEmpty()) {
        fail("expected an atom");
        return std::nullopt;
    }
    return result;
}

std::optional<QByteArray> ImapParser::astring()
{
    if (peek('"') || peek('{')) {
        return string();
    }
    const QByteArray result = takeWhile(isAstringChar);
    if (result.isEmpty()) {
        fail("expected a string");
        return std::nullopt;
    }
    return result;
}

std::optional<QByteArray> ImapParser::string()
{
    if (peek('"')) {
        return quoted();
    }
    if (peek('{')) {
        return literal();
    }
    fail("expected a string");
    return std::nullopt;
}

std::optional<QByteArray> ImapParser::listMailbox()
{
    if (peek('"') || peek('{')) {
        return string();
    }
    const QByteArray result = takeWhile(isListChar);
    if (result.isEmpty()) {
        fail("expected a mailbox pattern");
        return std::nullopt;
    }
    return result;
}

std::optional<QByteArray> ImapParser::quoted()
{
    consume('"');
    QByteArray result;
    while (!atEnd()) {
        char c = m_text.at(m_pos++);
        if (c == '"') {
            return result;
        }
        if (c == '\r' || c == '\n' || c == '\0') {
            break;
        }
        if (c == '\\') {
            // RFC 3501 §9 quoted-specials: only DQUOTE and "\" may be escaped.
            if (atEnd() || (m_text.at(m_pos) != '"' && m_text.at(m_pos) != '\\')) {
                break;
            }
            c = m_text.at(m_pos++);
        }
        result += c;
    }
    fail("malformed quoted string");
    return std::nullopt;
}

std::optional<QByteArray> ImapParser::literal()
{
    consume('{');
    const QByteArray digits = takeWhile(isDigit);
    consume('+');
    if (digits.isEmpty() || digits.size() > 18 || !consume('}') || !consume('\r') || !consume('\n')) {
        fail("malformed literal");
        return std::nullopt;
    }
    const qint64 size = digits.toLongLong();
    if (size > m_text.size() - m_pos) {
        fail("malformed literal");
        return std::nullopt;
    }
    const QByteArray result = m_text.mid(m_pos, size);
    m_pos += size;
    return result;
}

std::optional<quint32> ImapParser::number(bool nonZero)
{
    const QByteArray digits = takeWhile(isDigit);
    if (digits.isEmpty() || digits.size() > 10) {
        fail("expected a number");
        return std::nullopt;
    }
    const qint64 value = digits.toLongLong();
    if (value > 0xffffffffLL || (nonZero && value == 0)) {
        fail("number out of range");
        return std::nullopt;
    }
    return quint32(value);
}

std::optional<ImapSequenceSet> ImapParser::sequenceSet()
{
    ImapSequenceSet set;
    auto element = [this]() -> std::optional<quint32> {
        if (consume('*')) {
            return 0;
        }
        return number(true);
    };
    do {
        const std::optional<quint32> first = element();
        if (!first) {
            fail("malformed sequence set");
            return std::nullopt;
        }
        std::optional<quint32> last = first;
        if (consume(':')) {
            last = element();
            if (!last) {
                fail("malformed sequence set");
                return std::nullopt;
            }
        }
        set.ranges.append({ *first, *last });
    } while (consume(','));
    return set;
}

std::optional<QDate> ImapParser::date()
{
    static const char *const months[]
        = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
    const bool inQuotes = consume('"');
    const QByteArray day = takeWhile(isDigit);
    if (day.isEmpty() || day.size() > 2 || !consume('-') || m_pos + 4 > m_text.size()) {
        fail("malformed date");
        return std::nullopt;
    }
    const QByteArray month = m_text.mid(m_pos, 3).toUpper();
    m_pos += 3;
    int monthNumber = 0;
    for (int i = 0; i < 12; ++i) {
        if (month == months[i]) {
            monthNumber = i + 1;
        }
    }
    const QByteArray year = consume('-') ? takeWhile(isDigit) : QByteArray();
    const QDate result(year.toInt(), monthNumber, day.toInt());
    if (monthNumber == 0 || year.size() != 4 || !result.isValid() || (inQuotes && !consume('"'))) {
        fail("malformed date");
        return std::nullopt;
    }
    return result;
}

std::optional<QByteArrayList> ImapParser::flags()
{
    const bool list = consume('(');
    QByteArrayList result;
    auto flag = [&]() {
        const bool system = consume('\\');
        const std::optional<QByteArray> name = atom();
        if (!name) {
            return false;
        }
        result << (system ? '\\' + *name : *name);
        return true;
    };
    if (list) {
        if (consume(')')) {
            return result;
        }
        do {
            if (!flag()) {
                return std::nullopt;
            }
        } while (consume(' '));
        if (!consume(')')) {
            fail("malformed flag list");
            return std::nullopt;
        }
        return result;
    }
    do {
        if (!flag()) {
            return std::nullopt;
        }
    } while (consume(' '));
    return result;
}

std::optional<QList<ImapFetchItem>> ImapParser::fetchItems()
{
    auto simple = [](ImapFetchItem::Kind kind) {
        ImapFetchItem item;
        item.kind = kind;
        return item;
    };
    if (consume('(')) {
        QList<ImapFetchItem> result;
        do {
            const std::optional<ImapFetchItem> item = fetchItem();
            if (!item) {
                return std::nullopt;
            }
            result << *item;
        } while (consume(' '));
        if (!consume(')')) {
            fail("malformed FETCH item list");
            return std::nullopt;
        }
        return result;
    }
    const qsizetype start = m_pos;
    const QByteArray name = takeWhile(isNameChar).toUpper();
    // RFC 3501 §6.4.5: the macros, which stand alone.
    QList<ImapFetchItem> result { simple(ImapFetchItem::Kind::Flags), simple(ImapFetchItem::Kind::InternalDate),
        simple(ImapFetchItem::Kind::Rfc822Size) };
    if (name == "ALL" || name == "FULL") {
        result << simple(ImapFetchItem::Kind::Envelope);
    }
    if (name == "FULL") {
        result << simple(ImapFetchItem::Kind::Body);
    }
    if (name == "ALL" || name == "FAST" || name == "FULL") {
        return result;
    }
    m_pos = start;
    const std::optional<ImapFetchItem> item = fetchItem();
    if (!item) {
        return std::nullopt;
    }
    return QList<ImapFetchItem> { *item };
}

std::optional<ImapFetchItem> ImapParser::fetchItem()
{
    using Kind = ImapFetchItem::Kind;
    const QByteArray name = takeWhile(isNameChar).toUpper();
    ImapFetchItem item;
    if (name == "FLAGS") {
        item.kind = Kind::Flags;
    } else if (name == "UID") {
        item.kind = Kind::Uid;
    } else if (name == "INTERNALDATE") {
        item.kind = Kind::InternalDate;
    } else if (name == "RFC822.SIZE") {
        item.kind = Kind::Rfc822Size;
    } else if (name == "ENVELOPE") {
        item.kind = Kind::Envelope;
    } else if (name == "BODYSTRUCTURE") {
        item.kind = Kind::BodyStructure;
    } else if (name == "RFC822") {
        item.kind = Kind::Rfc822;
    } else if (name == "RFC822.HEADER") {
        item.kind = Kind::Rfc822Header;
    } else if (name == "RFC822.TEXT") {
        item.kind = Kind::Rfc822Text;
    } else if ((name == "BODY" || name == "BODY.PEEK") && peek('[')) {
        item.kind = Kind::BodySection;
        item.peek = name == "BODY.PEEK";
        const std::optional<ImapSection> parsed = section();
        if (!parsed) {
            return std::nullopt;
        }
        item.section = *parsed;
        if (consume('<')) {
            const std::optional<quint32> offset = number();
            const std::optional<quint32> length = offset && consume('.') ? number(true) : std::nullopt;
            if (!length || !consume('>')) {
                fail("malformed partial range");
                return std::nullopt;
            }
            item.partial = ImapFetchItem::Partial { *offset, *length };
        }
    } else if (name == "BODY") {
        item.kind = Kind::Body;
    } else {
        fail("unknown FETCH item");
        return std::nullopt;
    }
    return item;
}

std::optional<ImapSection> ImapParser::section()
{
    consume('[');
    ImapSection result;
    bool textFollows = true;
    while (!atEnd() && isDigit(m_text.at(m_pos))) {
        const std::optional<quint32> part = number(true);
        if (!part || *part > 100000) {
            fail("malformed section");
            return std::nullopt;
        }
        result.part << int(*part);
        textFollows = consume('.');
        if (!textFollows) {
            break;
        }
    }
    if (textFollows && !peek(']')) {
        const QByteArray text = takeWhile(isNameChar).toUpper();
        if (text == "HEADER") {
            result.text = ImapSection::Text::Header;
        } else if (text == "HEADER.FIELDS" || text == "HEADER.FIELDS.NOT") {
            result.text
                = text == "HEADER.FIELDS" ? ImapSection::Text::HeaderFields : ImapSection::Text::HeaderFieldsNot;
            if (!space() || !consume('(')) {
                fail("malformed header list");
                return std::nullopt;
            }
            do {
                const std::optional<QByteArray> field = astring();
                if (!field) {
                    return std::nullopt;
                }
                result.fields << field->toUpper();
            } while (consume(' '));
            if (!consume(')')) {
                fail("malformed header list");
                return std::nullopt;
            }
        } else if (text == "TEXT") {
            result.text = ImapSection::Text::Text;
        } else if (text == "MIME" && !result.part.isEmpty()) {
            result.text = ImapSection::Text::Mime;
        } else {
            fail("malformed section");
            return std::nullopt;
        }
    } else if (textFollows && !result.part.isEmpty()) {
        // "1.]": a dot with nothing after it.
        fail("malformed section");
        return std::nullopt;
    }
    if (!consume(']')) {
        fail("malformed section");
        return std::nullopt;
    }
    return result;
}

std::optional<ImapSearchKey> ImapParser::searchKeys()
{
    ImapSearchKey result = leaf(ImapSearchKey::Kind::And);
    do {
        std::optional<ImapSearchKey> key = searchKey(0);
        if (!key) {
            return std::nullopt;
        }
        result.children.push_back(std::move(*key));
    } while (consume(' '));
    if (!atEnd()) {
        fail("malformed search key");
        return std::nullopt;
    }
    return result;
}

std::optional<ImapSearchKey> ImapParser::searchKey(int depth)
{
    using Kind = ImapSearchKey::Kind;
    if (depth > SearchDepthLimit) {
        fail("search keys nested too deeply");
        return std::nullopt;
    }
    if (consume('(')) {
        ImapSearchKey group = leaf(Kind::And);
        do {
            std::optional<ImapSearchKey> key = searchKey(depth + 1);
            if (!key) {
                return std::nullopt;
            }
            group.children.push_back(std::move(*key));
        } while (consume(' '));
        if (!consume(')')) {
            fail("malformed search key");
            return std::nullopt;
        }
        return group;
    }
    if (peek('*') || (!atEnd() && isDigit(m_text.at(m_pos)))) {
        ImapSearchKey key = leaf(Kind::Sequence);
        const std::optional<ImapSequenceSet> set = sequenceSet();
        if (!set) {
            return std::nullopt;
        }
        key.set = *set;
        return key;
    }
    const std::optional<QByteArray> word = atom();
    if (!word) {
        return std::nullopt;
    }
    const QByteArray name = word->toUpper();
    // Keys without arguments; flags the store does not have match none (or, negated, all).
    static const QList<std::pair<QByteArray, Kind>> plain {
        { "ALL", Kind::All },
        { "ANSWERED", Kind::None },
        { "DELETED", Kind::Deleted },
        { "DRAFT", Kind::None },
        { "FLAGGED", Kind::Flagged },
        { "NEW", Kind::None }, // \Recent and unseen: nothing is \Recent here
        { "OLD", Kind::All },
        { "RECENT", Kind::None },
        { "SEEN", Kind::Seen },
        { "UNANSWERED", Kind::All },
        { "UNDELETED", Kind::Undeleted },
        { "UNDRAFT", Kind::All },
        { "UNFLAGGED", Kind::Unflagged },
        { "UNSEEN", Kind::Unseen },
    };
    for (const auto &[keyName, kind] : plain) {
        if (name == keyName) {
            return leaf(kind);
        }
    }
    if (!space()) {
        return std::nullopt;
    }
    static const QList<std::pair<QByteArray, Kind>> withText {
        { "BCC", Kind::None }, // the store keeps no Bcc
        { "BODY", Kind::Body },
        { "CC", Kind::Cc },
        { "FROM", Kind::From },
        { "SUBJECT", Kind::Subject },
        { "TEXT", Kind::Text },
        { "TO", Kind::To },
    };
    for (const auto &[keyName, kind] : withText) {
        if (name == keyName) {
            const std::optional<QByteArray> text = astring();
            if (!text) {
                return std::nullopt;
            }
            ImapSearchKey key = leaf(kind);
            key.text = QString::fromUtf8(*text);
            return key;
        }
    }
    // The store has no Date: header apart from the text; the SENT* keys compare INTERNALDATE, as the closest.
    static const QList<std::pair<QByteArray, Kind>> withDate {
        { "BEFORE", Kind::Before },
        { "ON", Kind::On },
        { "SINCE", Kind::Since },
        { "SENTBEFORE", Kind::Before },
        { "SENTON", Kind::On },
        { "SENTSINCE", Kind::Since },
    };
    for (const auto &[keyName, kind] : withDate) {
        if (name == keyName) {
            const std::optional<QDate> date = this->date();
            if (!date) {
                return std::nullopt;
            }
            ImapSearchKey key = leaf(kind);
            key.date = *date;
            return key;
        }
    }
    if (name == "LARGER" || name == "SMALLER") {
        const std::optional<quint32> size = number();
        if (!size) {
            return std::nullopt;
        }
        ImapSearchKey key = leaf(name == "LARGER" ? Kind::Larger : Kind::Smaller);
        key.size = *size;
        return key;
    }
    if (name == "UID") {
        const std::optional<ImapSequenceSet> set = sequenceSet();
        if (!set) {
            return std::nullopt;
        }
        ImapSearchKey key = leaf(Kind::Uid);
        key.set = *set;
        return key;
    }
    if (name == "HEADER") {
        const std::optional<QByteArray> field = astring();
        const std::optional<QByteArray> text = field && space() ? astring() : std::nullopt;
        if (!text) {
            return std::nullopt;
        }
        // The fields the store keeps decoded; any other header field matches nothing.
        const QByteArray upper = field->toUpper();
        ImapSearchKey key = leaf(upper == "FROM" ? Kind::From
                : upper == "TO"                  ? Kind::To
                : upper == "CC"                  ? Kind::Cc
                : upper == "SUBJECT"             ? Kind::Subject
                                                 : Kind::None);
        key.text = QString::fromUtf8(*text);
        return key;
    }
    if (name == "KEYWORD" || name == "UNKEYWORD") {
        // No keywords are stored: KEYWORD matches none, UNKEYWORD all.
        if (!atom()) {
            return std::nullopt;
        }
        return leaf(name == "KEYWORD" ? Kind::None : Kind::All);
    }
    if (name == "NOT") {
        std::optional<ImapSearchKey> operand = searchKey(depth + 1);
        if (!operand) {
            return std::nullopt;
        }
        ImapSearchKey key = leaf(Kind::Not);
        key.children.push_back(std::move(*operand));
        return key;
    }
    if (name == "OR") {
        std::optional<ImapSearchKey> left = searchKey(depth + 1);
        std::optional<ImapSearchKey> right = left && space() ? searchKey(depth + 1) : std::nullopt;
        if (!right) {
            return std::nullopt;
        }
        ImapSearchKey key = leaf(Kind::Or);
        key.children.push_back(std::move(*left));
        key.children.push_back(std::move(*right));
        return key;
    }
    fail("unknown search key");
    return std::nullopt;
}
