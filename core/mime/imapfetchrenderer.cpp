// GMime and GLib must come before any Qt header: GLib has members named "signals", a Qt macro.
#include <gmime/gmime.h>

// Qt after GMime.
#include "imapfetchrenderer.h"

#include <imap/imapformat.h>

#include <algorithm>
#include <mutex>
#include <optional>

namespace {

// Dovecot's limits (max_nested_mime_parts, max_total_mime_parts): deeper or further parts stay unsplit content of
// their parent, so that a hostile message cannot make the structure cost more than the message.
constexpr int MaxDepth = 100;
constexpr int MaxParts = 10000;

void initGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

using Param = std::pair<QByteArray, QByteArray>;

// One header field of a header block: its name, and its value without the line end, folding kept.
struct Field
{
    QByteArrayView name;
    QByteArrayView rawLines; // the whole field as stored, its last line end included
    QByteArrayView value;
};

// A MIME entity of the source (RFC 2045 §2.4): the message itself, a part, or the message a message/rfc822 part
// encapsulates. [begin, headerEnd) is its header with the blank line that ends it, [headerEnd, end) its body.
struct Entity
{
    qsizetype begin = 0;
    qsizetype headerEnd = 0;
    qsizetype end = 0;
    qsizetype blankLine = -1; // where the blank line that ends the header begins; -1 when there is none
    QList<Field> fields;
    QByteArray type = "TEXT";
    QByteArray subtype = "PLAIN";
    QList<Param> params;
    QList<Entity> children; // a multipart's parts
    QList<Entity> message; // message/rfc822: the encapsulated message (one)

    bool isMultipart() const { return type == "MULTIPART"; }
    bool isMessage() const { return type == "MESSAGE" && subtype == "RFC822"; }
};

bool isLineSpace(char c)
{
    return c == ' ' || c == '\t';
}

// The end of the line that starts at from (after its LF), or end.
qsizetype lineEnd(QByteArrayView source, qsizetype from, qsizetype end)
{
    const qsizetype lf = source.first(end).indexOf('\n', from);
    return lf < 0 ? end : lf + 1;
}

bool isBlankLine(QByteArrayView line)
{
    return line == "\n" || line == "\r\n";
}

// RFC 5322 §2.2.3: unfolding removes the line breaks before whitespace; the ends are trimmed.
QByteArray unfolded(QByteArrayView value)
{
    QByteArray out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c != '\r' && c != '\n') {
            out += c;
        }
    }
    return out.trimmed();
}

// The header of the entity starting at begin: its fields, up to the first blank line (RFC 5322 §2.1), which is
// part of the header; without one, the header runs to the end and the body is empty.
void readHeader(QByteArrayView source, Entity &entity)
{
    qsizetype pos = entity.begin;
    entity.headerEnd = entity.end;
    while (pos < entity.end) {
        const qsizetype next = lineEnd(source, pos, entity.end);
        const QByteArrayView line = source.sliced(pos, next - pos);
        if (isBlankLine(line)) {
            entity.blankLine = pos;
            entity.headerEnd = next;
            return;
        }
        if (isLineSpace(line.front()) && !entity.fields.isEmpty()) {
            Field &field = entity.fields.last();
            field.rawLines
                = source.sliced(field.rawLines.data() - source.data(), next - (field.rawLines.data() - source.data()));
            const qsizetype valueBegin = field.value.data() - source.data();
            qsizetype valueEnd = next;
            while (valueEnd > valueBegin && (source[valueEnd - 1] == '\n' || source[valueEnd - 1] == '\r')) {
                --valueEnd;
            }
            field.value = source.sliced(valueBegin, valueEnd - valueBegin);
        } else if (const qsizetype colon = line.indexOf(':'); colon > 0) {
            Field field;
            qsizetype nameEnd = colon;
            while (nameEnd > 0 && isLineSpace(line[nameEnd - 1])) {
                --nameEnd;
            }
            field.name = line.first(nameEnd);
            field.rawLines = line;
            qsizetype valueEnd = line.size();
            while (valueEnd > colon + 1 && (line[valueEnd - 1] == '\n' || line[valueEnd - 1] == '\r')) {
                --valueEnd;
            }
            field.value = line.sliced(colon + 1, valueEnd - colon - 1);
            entity.fields.append(field);
        }
        pos = next;
    }
}

const Field *findField(const Entity &entity, QByteArrayView name)
{
    for (const Field &field : entity.fields) {
        if (field.name.compare(name, Qt::CaseInsensitive) == 0) {
            return &field;
        }
    }
    return nullptr;
}

std::optional<QByteArray> fieldValue(const Entity &entity, QByteArrayView name)
{
    const Field *field = findField(entity, name);
    return field ? std::optional<QByteArray>(unfolded(field->value)) : std::nullopt;
}

QList<Param> paramsOf(GMimeParamList *list)
{
    QList<Param> params;
    const int n = list ? g_mime_param_list_length(list) : 0;
    for (int i = 0; i < n; ++i) {
        GMimeParam *param = g_mime_param_list_get_parameter_at(list, i);
        const char *name = g_mime_param_get_name(param);
        const char *value = g_mime_param_get_value(param);
        params.append({ QByteArray(name ? name : "").toUpper(), QByteArray(value ? value : "") });
    }
    return params;
}

GMimeParserOptions *parserOptions()
{
    static GMimeParserOptions *options = [] {
        initGMime();
        GMimeParserOptions *o = g_mime_parser_options_new();
        g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        return o;
    }();
    return options;
}

// Content-Type (RFC 2045 §5): type and subtype upper-cased, parameter names upper-cased (as RFC 3501's examples
// write them) and values as GMime reads them (RFC 2231 continuations joined). Without the field, or with one that is
// not "type/subtype", text/plain in US-ASCII (RFC 2045 §5.2), or message/rfc822 in a multipart/digest (RFC 2046
// §5.1.5).
void readContentType(Entity &entity, bool inDigest)
{
    const std::optional<QByteArray> value = fieldValue(entity, "Content-Type");
    const qsizetype semicolon = value ? value->indexOf(';') : -1;
    const bool valid = value && value->left(semicolon < 0 ? value->size() : semicolon).contains('/');
    if (!valid) {
        entity.type = inDigest ? "MESSAGE" : "TEXT";
        entity.subtype = inDigest ? "RFC822" : "PLAIN";
        if (!inDigest) {
            entity.params = { { "CHARSET", "US-ASCII" } };
        }
        return;
    }
    GMimeContentType *type = g_mime_content_type_parse(parserOptions(), value->constData());
    if (!type) {
        return;
    }
    const char *media = g_mime_content_type_get_media_type(type);
    const char *sub = g_mime_content_type_get_media_subtype(type);
    entity.type = QByteArray(media ? media : "").toUpper();
    entity.subtype = QByteArray(sub ? sub : "").toUpper();
    entity.params = paramsOf(g_mime_content_type_get_parameters(type));
    g_object_unref(type);
    // RFC 2046 §4.1.2: text without a charset parameter is US-ASCII.
    const bool hasCharset = std::any_of(
        entity.params.cbegin(), entity.params.cend(), [](const Param &param) { return param.first == "CHARSET"; });
    if (entity.type == "TEXT" && !hasCharset) {
        entity.params.prepend({ "CHARSET", "US-ASCII" });
    }
}

QByteArray paramValue(const QList<Param> &params, QByteArrayView name)
{
    for (const Param &param : params) {
        if (param.first == name) {
            return param.second;
        }
    }
    return {};
}

// Where a delimiter line "--boundary" (RFC 2046 §5.1.1: transport padding may follow, "--" closes) begins at or
// after from, a line start, before end; -1 when there is none. *closing says whether it is the close-delimiter.
qsizetype findDelimiter(
    QByteArrayView source, QByteArrayView dashBoundary, qsizetype from, qsizetype end, bool *closing)
{
    const QByteArrayView within = source.first(end);
    qsizetype candidate = from;
    const QByteArray lfBoundary = '\n' + dashBoundary.toByteArray();
    while (candidate >= 0 && candidate < end) {
        if (within.sliced(candidate).startsWith(dashBoundary)) {
            qsizetype i = candidate + dashBoundary.size();
            if (i + 1 < end && within[i] == '-' && within[i + 1] == '-') {
                *closing = true;
                return candidate;
            }
            while (i < end && isLineSpace(within[i])) {
                ++i;
            }
            if (i == end || within[i] == '\r' || within[i] == '\n') {
                *closing = false;
                return candidate;
            }
        }
        const qsizetype lf = within.indexOf(lfBoundary, candidate);
        candidate = lf < 0 ? -1 : lf + 1;
    }
    return -1;
}

// The start of the line break before position at (the CRLF before a delimiter belongs to it, RFC 2046 §5.1.1).
qsizetype beforeLineBreak(QByteArrayView source, qsizetype at, qsizetype floor)
{
    if (at > floor && source[at - 1] == '\n') {
        --at;
        if (at > floor && source[at - 1] == '\r') {
            --at;
        }
    }
    return at;
}

void readEntity(QByteArrayView source, Entity &entity, bool inDigest, int depth, int *parts);

void readMultipart(QByteArrayView source, Entity &entity, int depth, int *parts)
{
    const QByteArray boundary = paramValue(entity.params, "BOUNDARY");
    if (boundary.isEmpty()) {
        return;
    }
    const QByteArray dashBoundary = "--" + boundary;
    bool closing = false;
    qsizetype delimiter = findDelimiter(source, dashBoundary, entity.headerEnd, entity.end, &closing);
    while (delimiter >= 0 && !closing && *parts < MaxParts) {
        const qsizetype begin = lineEnd(source, delimiter, entity.end);
        bool nextClosing = false;
        const qsizetype next = findDelimiter(source, dashBoundary, begin, entity.end, &nextClosing);
        Entity child;
        child.begin = begin;
        child.end = next < 0 ? entity.end : beforeLineBreak(source, next, begin);
        ++*parts;
        readEntity(source, child, entity.subtype == "DIGEST", depth + 1, parts);
        entity.children.append(std::move(child));
        delimiter = next;
        closing = nextClosing;
    }
}

void readEntity(QByteArrayView source, Entity &entity, bool inDigest, int depth, int *parts)
{
    readHeader(source, entity);
    readContentType(entity, inDigest);
    if (depth >= MaxDepth) {
        return;
    }
    if (entity.isMultipart()) {
        readMultipart(source, entity, depth, parts);
    } else if (entity.isMessage()) {
        Entity message;
        message.begin = entity.headerEnd;
        message.end = entity.end;
        readEntity(source, message, false, depth + 1, parts);
        entity.message.append(std::move(message));
    }
}

// RFC 5322 §3.4 address lists for ENVELOPE (RFC 3501 §7.4.2): names and local parts as written (encoded-words left
// encoded, quoted strings unquoted), comments dropped, groups as their start and end markers.
class AddressReader
{
public:
    explicit AddressReader(QByteArrayView text) : m_text(text) { }

    QByteArray read()
    {
        QByteArray out;
        int count = 0;
        while (skipSpace()) {
            if (m_text[m_pos] == ',' || m_text[m_pos] == ';' || m_text[m_pos] == ':' || m_text[m_pos] == '>') {
                ++m_pos;
                continue;
            }
            readItem(out, &count, false);
        }
        return count == 0 ? QByteArray("NIL") : '(' + out + ')';
    }

private:
    enum class Kind { Word, Quoted, Special };
    struct Token
    {
        Kind kind = Kind::Special;
        QByteArray text;
    };

    static bool isSpecial(char c)
    {
        return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == ':' || c == ';' || c == '@'
            || c == '\\' || c == ',' || c == '"';
    }

    // Skips whitespace and comments; false at the end.
    bool skipSpace()
    {
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++m_pos;
            } else if (c == '(') {
                int depth = 0;
                while (m_pos < m_text.size()) {
                    const char d = m_text[m_pos++];
                    if (d == '\\') {
                        ++m_pos;
                    } else if (d == '(') {
                        ++depth;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
            } else {
                return true;
            }
        }
        m_pos = m_text.size();
        return false;
    }

    // A word (atom, dot-atom, quoted string or domain literal) at the current position, or nullopt at a special.
    std::optional<Token> word()
    {
        if (!skipSpace()) {
            return std::nullopt;
        }
        const char c = m_text[m_pos];
        if (c == '"') {
            Token token { Kind::Quoted, {} };
            ++m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] != '"') {
                if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size()) {
                    ++m_pos;
                }
                token.text += m_text[m_pos++];
            }
            m_pos = qMin(m_pos + 1, m_text.size());
            return token;
        }
        if (c == '[') {
            const qsizetype close = m_text.indexOf(']', m_pos);
            const qsizetype end = close < 0 ? m_text.size() : close + 1;
            Token token { Kind::Word, m_text.sliced(m_pos, end - m_pos).toByteArray() };
            m_pos = end;
            return token;
        }
        if (isSpecial(c)) {
            return std::nullopt;
        }
        const qsizetype begin = m_pos;
        while (m_pos < m_text.size() && !isSpecial(m_text[m_pos]) && m_text[m_pos] != ' ' && m_text[m_pos] != '\t'
            && m_text[m_pos] != '\r' && m_text[m_pos] != '\n') {
            ++m_pos;
        }
        return Token { Kind::Word, m_text.sliced(begin, m_pos - begin).toByteArray() };
    }

    QList<Token> words()
    {
        QList<Token> list;
        while (std::optional<Token> token = word()) {
            list.append(*token);
        }
        return list;
    }

    bool at(char c) { return skipSpace() && m_text[m_pos] == c; }

    static QByteArray joined(const QList<Token> &tokens, const char *separator)
    {
        QByteArrayList texts;
        for (const Token &token : tokens) {
            texts << token.text;
        }
        return texts.join(separator);
    }

    // The domain after "@": words and dots up to a special.
    QByteArray domain()
    {
        QByteArray text;
        while (std::optional<Token> token = word()) {
            text += token->text;
        }
        return text;
    }

    static QByteArray address(const std::optional<QByteArray> &name, const std::optional<QByteArray> &adl,
        const std::optional<QByteArray> &mailbox, const std::optional<QByteArray> &host)
    {
        const auto n = [](const std::optional<QByteArray> &v) {
            return v ? ImapFormat::string(*v) : QByteArray("NIL");
        };
        return '(' + n(name) + ' ' + n(adl) + ' ' + n(mailbox) + ' ' + n(host) + ')';
    }

    // The mailbox and host of an address written without them: never NIL, which would mark a group (RFC 3501
    // §7.4.2), and named as Dovecot names them.
    static QByteArray mailboxOrMissing(const QByteArray &mailbox)
    {
        return mailbox.isEmpty() ? QByteArray("MISSING_MAILBOX") : mailbox;
    }
    static QByteArray hostOrMissing(const QByteArray &host)
    {
        return host.isEmpty() ? QByteArray("MISSING_DOMAIN") : host;
    }

    void readItem(QByteArray &out, int *count, bool inGroup)
    {
        const qsizetype start = m_pos;
        const QList<Token> phrase = words();
        if (!inGroup && at(':')) {
            ++m_pos;
            // Group syntax: a start marker with the group's name as its mailbox, the members, an end marker.
            out += address(std::nullopt, std::nullopt, joined(phrase, " "), std::nullopt);
            while (skipSpace() && m_text[m_pos] != ';') {
                if (m_text[m_pos] == ',' || m_text[m_pos] == ':' || m_text[m_pos] == '>') {
                    ++m_pos;
                    continue;
                }
                readItem(out, count, true);
            }
            if (at(';')) {
                ++m_pos;
            }
            out += address(std::nullopt, std::nullopt, std::nullopt, std::nullopt);
            ++*count;
            return;
        }
        if (at('<')) {
            ++m_pos;
            std::optional<QByteArray> adl;
            if (at('@')) {
                // An obsolete source route (RFC 5322 §4.4): "@a,@b:".
                // The first ':' or '>' only, so that many '<' cost one pass, not one each.
                qsizetype colon = m_pos;
                while (colon < m_text.size() && m_text[colon] != ':' && m_text[colon] != '>') {
                    ++colon;
                }
                if (colon < m_text.size() && m_text[colon] == ':') {
                    QByteArray route;
                    for (const char c : m_text.sliced(m_pos, colon - m_pos)) {
                        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                            route += c;
                        }
                    }
                    adl = route;
                    m_pos = colon + 1;
                }
            }
            const QByteArray local = joined(words(), "");
            QByteArray host;
            if (at('@')) {
                ++m_pos;
                host = domain();
            }
            while (m_pos < m_text.size() && m_text[m_pos] != '>') {
                ++m_pos;
            }
            m_pos = qMin(m_pos + 1, m_text.size());
            const std::optional<QByteArray> name
                = phrase.isEmpty() ? std::nullopt : std::optional<QByteArray>(joined(phrase, " "));
            out += address(name, adl, mailboxOrMissing(local), hostOrMissing(host));
            ++*count;
            return;
        }
        if (at('@')) {
            ++m_pos;
            out += address(std::nullopt, std::nullopt, mailboxOrMissing(joined(phrase, "")), hostOrMissing(domain()));
            ++*count;
            return;
        }
        if (!phrase.isEmpty()) {
            out += address(std::nullopt, std::nullopt, joined(phrase, ""), hostOrMissing({}));
            ++*count;
        }
        if (m_pos == start && m_pos < m_text.size()) {
            // A stray special: skipped, so that the reader always moves on.
            ++m_pos;
        }
    }

    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

QByteArray nstring(const std::optional<QByteArray> &value)
{
    return value ? ImapFormat::string(*value) : QByteArray("NIL");
}

QByteArray addresses(const Entity &entity, QByteArrayView name)
{
    const std::optional<QByteArray> value = fieldValue(entity, name);
    return value ? AddressReader(*value).read() : QByteArray("NIL");
}

// RFC 3501 §7.4.2 ENVELOPE: the header's values as written (unfolded); Sender and Reply-To default to From.
QByteArray envelope(const Entity &message)
{
    const QByteArray from = addresses(message, "From");
    QByteArray sender = addresses(message, "Sender");
    QByteArray replyTo = addresses(message, "Reply-To");
    if (sender == "NIL") {
        sender = from;
    }
    if (replyTo == "NIL") {
        replyTo = from;
    }
    return '(' + nstring(fieldValue(message, "Date")) + ' ' + nstring(fieldValue(message, "Subject")) + ' ' + from + ' '
        + sender + ' ' + replyTo + ' ' + addresses(message, "To") + ' ' + addresses(message, "Cc") + ' '
        + addresses(message, "Bcc") + ' ' + nstring(fieldValue(message, "In-Reply-To")) + ' '
        + nstring(fieldValue(message, "Message-ID")) + ')';
}

QByteArray paramList(const QList<Param> &params)
{
    if (params.isEmpty()) {
        return "NIL";
    }
    QByteArrayList items;
    for (const Param &param : params) {
        items << ImapFormat::string(param.first) + ' ' + ImapFormat::string(param.second);
    }
    return '(' + items.join(' ') + ')';
}

// body-ext-1part and body-ext-mpart after their first field (RFC 3501 §9): disposition, language, location.
QByteArray dispositionLanguageLocation(const Entity &entity)
{
    QByteArray disposition = "NIL";
    if (const std::optional<QByteArray> value = fieldValue(entity, "Content-Disposition")) {
        GMimeContentDisposition *parsed = g_mime_content_disposition_parse(parserOptions(), value->constData());
        const char *name = parsed ? g_mime_content_disposition_get_disposition(parsed) : nullptr;
        if (name && *name) {
            disposition = '(' + ImapFormat::string(QByteArray(name).toUpper()) + ' '
                + paramList(paramsOf(g_mime_content_disposition_get_parameters(parsed))) + ')';
        }
        if (parsed) {
            g_object_unref(parsed);
        }
    }
    QByteArray language = "NIL";
    if (const std::optional<QByteArray> value = fieldValue(entity, "Content-Language")) {
        QByteArrayList tags;
        for (const QByteArray &tag : value->split(',')) {
            if (!tag.trimmed().isEmpty()) {
                tags << ImapFormat::string(tag.trimmed());
            }
        }
        if (tags.size() == 1) {
            language = tags.first();
        } else if (tags.size() > 1) {
            language = '(' + tags.join(' ') + ')';
        }
    }
    return disposition + ' ' + language + ' ' + nstring(fieldValue(entity, "Content-Location"));
}

// body-fld-lines: the lines of the body as stored, a last line without a line end counted.
qint64 lineCount(QByteArrayView source, const Entity &entity)
{
    const QByteArrayView body = source.sliced(entity.headerEnd, entity.end - entity.headerEnd);
    qint64 lines = body.count('\n');
    if (!body.isEmpty() && body.back() != '\n') {
        ++lines;
    }
    return lines;
}

// BODYSTRUCTURE (extensible) or BODY (RFC 3501 §7.4.2 and §9 "body").
QByteArray bodyStructure(QByteArrayView source, const Entity &entity, bool extensible)
{
    if (entity.isMultipart()) {
        QByteArray out = "(";
        for (const Entity &child : entity.children) {
            out += bodyStructure(source, child, extensible);
        }
        if (entity.children.isEmpty()) {
            // The grammar needs a part (1*body): a multipart without any has an empty text one.
            out += "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)";
        }
        out += ' ' + ImapFormat::string(entity.subtype);
        if (extensible) {
            out += ' ' + paramList(entity.params) + ' ' + dispositionLanguageLocation(entity);
        }
        return out + ')';
    }
    QByteArray encoding = fieldValue(entity, "Content-Transfer-Encoding").value_or(QByteArray()).toUpper();
    if (encoding.isEmpty()) {
        encoding = "7BIT";
    }
    QByteArray out = '(' + ImapFormat::string(entity.type) + ' ' + ImapFormat::string(entity.subtype) + ' '
        + paramList(entity.params) + ' ' + nstring(fieldValue(entity, "Content-ID")) + ' '
        + nstring(fieldValue(entity, "Content-Description")) + ' ' + ImapFormat::string(encoding) + ' '
        + QByteArray::number(entity.end - entity.headerEnd);
    if (entity.isMessage() && !entity.message.isEmpty()) {
        const Entity &message = entity.message.first();
        out += ' ' + envelope(message) + ' ' + bodyStructure(source, message, extensible) + ' '
            + QByteArray::number(lineCount(source, entity));
    } else if (entity.type == "TEXT") {
        out += ' ' + QByteArray::number(lineCount(source, entity));
    }
    if (extensible) {
        // body-fld-md5: Content-MD5 is not checked, so not offered.
        out += " NIL " + dispositionLanguageLocation(entity);
    }
    return out + ')';
}

// The entity a section's part numbers name (RFC 3501 §6.4.5), or nullptr. A message that is not multipart has one
// part, 1, its body; the parts of a message/rfc822 part are those of the message it encapsulates.
const Entity *findPart(const Entity &root, const QList<int> &path)
{
    const Entity *entity = &root;
    bool isMessage = true;
    for (const int number : path) {
        if (!isMessage && !entity->isMultipart() && entity->isMessage() && !entity->message.isEmpty()) {
            entity = &entity->message.first();
            isMessage = true;
        }
        if (entity->isMultipart()) {
            if (number < 1 || number > entity->children.size()) {
                return nullptr;
            }
            entity = &entity->children[number - 1];
        } else if (!isMessage || number != 1) {
            return nullptr;
        }
        isMessage = false;
    }
    return entity;
}

// HEADER.FIELDS and HEADER.FIELDS.NOT: the fields named (or all others) as stored, in order, and the blank line.
QByteArray headerFields(QByteArrayView source, const Entity &message, const QByteArrayList &names, bool keep)
{
    QByteArray out;
    for (const Field &field : message.fields) {
        bool named = false;
        for (const QByteArray &name : names) {
            named = named || field.name.compare(name, Qt::CaseInsensitive) == 0;
        }
        if (named == keep) {
            out += field.rawLines;
        }
    }
    // RFC 3501 §6.4.5: the blank line is always included, but for a message that has none.
    if (message.blankLine >= 0) {
        out += source.sliced(message.blankLine, message.headerEnd - message.blankLine);
    }
    return out;
}

bool isAtom(QByteArrayView text)
{
    if (text.isEmpty()) {
        return false;
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\'
            || c == ']') {
            return false;
        }
    }
    return true;
}

// The section as the response names it (RFC 3501 §7.4.2: "BODY[section]<origin octet>").
QByteArray sectionName(const ImapSection &section)
{
    QByteArrayList numbers;
    for (const int number : section.part) {
        numbers << QByteArray::number(number);
    }
    QByteArray name = numbers.join('.');
    QByteArray text;
    switch (section.text) {
    case ImapSection::Text::All:
        break;
    case ImapSection::Text::Header:
        text = "HEADER";
        break;
    case ImapSection::Text::HeaderFields:
    case ImapSection::Text::HeaderFieldsNot: {
        QByteArrayList fields;
        for (const QByteArray &field : section.fields) {
            fields << (isAtom(field) ? field : ImapFormat::string(field));
        }
        text = (section.text == ImapSection::Text::HeaderFields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (")
            + fields.join(' ') + ')';
        break;
    }
    case ImapSection::Text::Text:
        text = "TEXT";
        break;
    case ImapSection::Text::Mime:
        text = "MIME";
        break;
    }
    if (!name.isEmpty() && !text.isEmpty()) {
        name += '.';
    }
    return name + text;
}

// What one FETCH renders from: the source and, read once on first need, its structure.
class Message
{
public:
    explicit Message(const QByteArray &source) : m_source(source) { }

    QByteArrayView source() const { return m_source; }

    // The top-level header and its type only (ENVELOPE, HEADER, TEXT).
    const Entity &top()
    {
        if (!m_haveTop) {
            m_root.end = m_source.size();
            readHeader(m_source, m_root);
            readContentType(m_root, false);
            m_haveTop = true;
        }
        return m_root;
    }

    // Every part (BODY, BODYSTRUCTURE, numbered sections).
    const Entity &tree()
    {
        if (!m_haveTree) {
            m_root = Entity();
            m_root.end = m_source.size();
            int parts = 0;
            readEntity(m_source, m_root, false, 0, &parts);
            m_haveTop = true;
            m_haveTree = true;
        }
        return m_root;
    }

private:
    QByteArrayView m_source;
    Entity m_root;
    bool m_haveTop = false;
    bool m_haveTree = false;
};

struct SectionContent
{
    QByteArrayView view; // into the source, or into owned
    QByteArray owned; // HEADER.FIELDS[.NOT], assembled
};

SectionContent sectionContent(Message &message, const ImapSection &section)
{
    SectionContent content;
    const QByteArrayView source = message.source();
    if (section.part.isEmpty() && section.text == ImapSection::Text::All) {
        content.view = source;
        return content;
    }
    const Entity *entity = section.part.isEmpty() ? &message.top() : findPart(message.tree(), section.part);
    if (!entity) {
        return content;
    }
    const auto slice = [&](qsizetype begin, qsizetype end) {
        return source.sliced(begin, end - begin);
    };
    if (section.text == ImapSection::Text::All) {
        content.view = slice(entity->headerEnd, entity->end);
        return content;
    }
    if (section.text == ImapSection::Text::Mime) {
        if (!section.part.isEmpty()) {
            content.view = slice(entity->begin, entity->headerEnd);
        }
        return content;
    }
    // HEADER, HEADER.FIELDS[.NOT] and TEXT name a message: the top-level one, or a message/rfc822 part's.
    if (!section.part.isEmpty()) {
        if (!entity->isMessage() || entity->message.isEmpty()) {
            return content;
        }
        entity = &entity->message.first();
    }
    switch (section.text) {
    case ImapSection::Text::Header:
        content.view = slice(entity->begin, entity->headerEnd);
        break;
    case ImapSection::Text::Text:
        content.view = slice(entity->headerEnd, entity->end);
        break;
    case ImapSection::Text::HeaderFields:
    case ImapSection::Text::HeaderFieldsNot:
        content.owned = headerFields(source, *entity, section.fields, section.text == ImapSection::Text::HeaderFields);
        content.view = content.owned;
        break;
    case ImapSection::Text::All:
    case ImapSection::Text::Mime:
        break;
    }
    return content;
}

// name, a space and the content as a literal (RFC 3501 §4.3), or "" when it is empty (a partial beyond the end, a
// section that does not exist). The content goes to the sink as it is, without a copy.
void literal(const ImapFetchRenderer::Sink &sink, const QByteArray &name, QByteArrayView content)
{
    if (content.isEmpty()) {
        sink(QByteArray(name + " \"\""));
        return;
    }
    sink(QByteArray(name + " {" + QByteArray::number(content.size()) + "}\r\n"));
    sink(content);
}

} // namespace

void ImapFetchRenderer::render(int sequence, const ImapMessageEntry &entry, bool deleted,
    const QList<ImapFetchItem> &items, const QByteArray &source, const Sink &sink)
{
    Message message(source);
    sink(QByteArray("* " + QByteArray::number(sequence) + " FETCH ("));
    bool first = true;
    for (const ImapFetchItem &item : items) {
        if (!first) {
            sink(" ");
        }
        first = false;
        switch (item.kind) {
        case ImapFetchItem::Kind::Flags:
            sink(QByteArray("FLAGS " + ImapFormat::flags(entry, deleted)));
            break;
        case ImapFetchItem::Kind::Uid:
            sink(QByteArray("UID " + QByteArray::number(entry.uid)));
            break;
        case ImapFetchItem::Kind::InternalDate:
            sink(QByteArray("INTERNALDATE " + ImapFormat::internalDate(entry.receivedMs)));
            break;
        case ImapFetchItem::Kind::Rfc822Size:
            sink(QByteArray("RFC822.SIZE " + QByteArray::number(entry.size)));
            break;
        case ImapFetchItem::Kind::Envelope:
            sink(QByteArray("ENVELOPE " + envelope(message.top())));
            break;
        case ImapFetchItem::Kind::BodyStructure:
            sink(QByteArray("BODYSTRUCTURE " + bodyStructure(message.source(), message.tree(), true)));
            break;
        case ImapFetchItem::Kind::Body:
            sink(QByteArray("BODY " + bodyStructure(message.source(), message.tree(), false)));
            break;
        case ImapFetchItem::Kind::BodySection: {
            const SectionContent content = sectionContent(message, item.section);
            QByteArrayView view = content.view;
            QByteArray name = "BODY[" + sectionName(item.section) + ']';
            if (item.partial) {
                const qsizetype offset = qsizetype(qMax<qint64>(0, item.partial->offset));
                const qsizetype length = qsizetype(qMax<qint64>(0, item.partial->length));
                view = offset >= view.size() ? QByteArrayView()
                                             : view.sliced(offset, qMin(length, view.size() - offset));
                name += '<' + QByteArray::number(offset) + '>';
            }
            literal(sink, name, view);
            break;
        }
        case ImapFetchItem::Kind::Rfc822:
            literal(sink, "RFC822", message.source());
            break;
        case ImapFetchItem::Kind::Rfc822Header: {
            const Entity &top = message.top();
            literal(sink, "RFC822.HEADER", message.source().sliced(top.begin, top.headerEnd - top.begin));
            break;
        }
        case ImapFetchItem::Kind::Rfc822Text: {
            const Entity &top = message.top();
            literal(sink, "RFC822.TEXT", message.source().sliced(top.headerEnd, top.end - top.headerEnd));
            break;
        }
        }
    }
    sink(")\r\n");
}

QByteArray ImapFetchRenderer::render(int sequence, const ImapMessageEntry &entry, bool deleted,
    const QList<ImapFetchItem> &items, const QByteArray &source)
{
    QByteArray out;
    render(sequence, entry, deleted, items, source, [&out](QByteArrayView piece) { out += piece; });
    return out;
}
