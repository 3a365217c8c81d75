// GMime and GLib must come before any Qt header: GLib has members named "signals", a Qt macro.
#include <gmime/gmime.h>

// Qt after GMime.
#include "encodedwords.h"
#include "htmltext.h"
#include "parsedmessage.h"

#include <QCryptographicHash>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <mutex>

namespace {
void initGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

QString fromUtf8(const char *s)
{
    return s ? QString::fromUtf8(s) : QString();
}

template<typename T>
struct GObjectPtr
{
    T *p = nullptr;
    explicit GObjectPtr(T *ptr) : p(ptr) { }
    ~GObjectPtr()
    {
        if (p) {
            g_object_unref(p);
        }
    }
    GObjectPtr(const GObjectPtr &) = delete;
    GObjectPtr &operator=(const GObjectPtr &) = delete;
};

struct GCharPtr
{
    char *p = nullptr;
    explicit GCharPtr(char *ptr) : p(ptr) { }
    ~GCharPtr() { g_free(p); }
    GCharPtr(const GCharPtr &) = delete;
    GCharPtr &operator=(const GCharPtr &) = delete;
};

QString warningText(GMimeParserWarning code, const char *item)
{
    QString what;
    switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER:
        what = QStringLiteral("repeated header");
        break;
    case GMIME_WARN_DUPLICATED_PARAMETER:
        what = QStringLiteral("repeated header parameter");
        break;
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
        what = QStringLiteral("unencoded 8-bit characters in a header");
        break;
    case GMIME_WARN_INVALID_CONTENT_TYPE:
        // Walker::walk() reads such a part as text/plain (RFC 2045 §5.2).
        what = QStringLiteral("invalid content type, taken as text/plain");
        break;
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
        what = QStringLiteral("invalid RFC 2047 encoded header value");
        break;
    case GMIME_WARN_MALFORMED_MULTIPART:
        what = QStringLiteral("multipart without parts or without its final boundary");
        break;
    case GMIME_WARN_TRUNCATED_MESSAGE:
        what = QStringLiteral("message truncated");
        break;
    case GMIME_WARN_MALFORMED_MESSAGE:
        what = QStringLiteral("malformed message");
        break;
    case GMIME_CRIT_INVALID_HEADER_NAME:
        what = QStringLiteral("invalid header name");
        break;
    case GMIME_CRIT_CONFLICTING_HEADER:
        what = QStringLiteral("conflicting header");
        break;
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        what = QStringLiteral("conflicting header parameter");
        break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        what = QStringLiteral("multipart without a boundary parameter");
        break;
    case GMIME_WARN_INVALID_PARAMETER:
        what = QStringLiteral("invalid header parameter");
        break;
    case GMIME_WARN_INVALID_ADDRESS_LIST:
        what = QStringLiteral("invalid address list");
        break;
    case GMIME_CRIT_NESTING_OVERFLOW:
        what = QStringLiteral("MIME nesting too deep, inner parts not parsed");
        break;
    case GMIME_WARN_PART_WITHOUT_CONTENT:
        what = QStringLiteral("part without content");
        break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        what = QStringLiteral("part without headers or content");
        break;
    default:
        what = QStringLiteral("parser warning %1").arg(int(code));
    }
    if (item && *item) {
        QString detail = QString::fromUtf8(item).simplified();
        if (detail.size() > 80) {
            detail = detail.left(80) + QChar(0x2026);
        }
        what += QStringLiteral(": ") + detail;
    }
    return what;
}

void collectWarning(gint64, GMimeParserWarning code, const gchar *item, gpointer userData)
{
    auto *warnings = static_cast<QStringList *>(userData);
    // A hostile message could raise millions; the first ones say what is wrong.
    if (warnings->size() < 50) {
        const QString text = warningText(code, item);
        if (!warnings->contains(text)) {
            warnings->append(text);
        }
    }
}

void appendAddresses(InternetAddressList *list, MailAddressList &out, int depth = 0)
{
    if (!list || depth > 4) {
        return;
    }
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            appendAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            out.append({ fromUtf8(internet_address_get_name(ia)),
                fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))) });
        }
    }
}

QStringList messageIds(GMimeParserOptions *options, const char *value)
{
    QStringList ids;
    if (!value) {
        return ids;
    }
    GMimeReferences *refs = g_mime_references_parse(options, value);
    if (!refs) {
        return ids;
    }
    const int n = g_mime_references_length(refs);
    for (int i = 0; i < n; ++i) {
        ids << fromUtf8(g_mime_references_get_message_id(refs, i));
    }
    g_mime_references_free(refs);
    return ids;
}

QByteArray decoded(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (!content) {
        return {};
    }
    GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, mem.p);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.p));
    return QByteArray(reinterpret_cast<const char *>(bytes->data), qsizetype(bytes->len));
}

// The first limit decoded bytes of a part, and its whole decoded size, without holding more than a buffer's worth
// beyond the prefix (a 10 MB body read for its first kilobytes stays small).
QByteArray decodedPrefix(GMimePart *part, qsizetype limit, qint64 *size)
{
    *size = 0;
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    GMimeStream *encoded = content ? g_mime_data_wrapper_get_stream(content) : nullptr;
    if (!encoded) {
        return {};
    }
    g_mime_stream_reset(encoded);
    GObjectPtr<GMimeStream> filtered(g_mime_stream_filter_new(encoded));
    const GMimeContentEncoding encoding = g_mime_data_wrapper_get_encoding(content);
    if (encoding == GMIME_CONTENT_ENCODING_BASE64 || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
        || encoding == GMIME_CONTENT_ENCODING_UUENCODE) {
        GObjectPtr<GMimeFilter> decoder(g_mime_filter_basic_new(encoding, FALSE));
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.p), decoder.p);
    }
    QByteArray prefix;
    char buffer[65536];
    for (;;) {
        const auto n = g_mime_stream_read(filtered.p, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        *size += n;
        if (prefix.size() < limit) {
            prefix.append(buffer, qMin(qsizetype(n), limit - prefix.size()));
        }
    }
    g_mime_stream_reset(encoded);
    return prefix;
}

qint64 decodedSize(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (!content) {
        return 0;
    }
    GObjectPtr<GMimeStream> null(g_mime_stream_null_new());
    g_mime_data_wrapper_write_to_stream(content, null.p);
    return qint64(GMIME_STREAM_NULL(null.p)->written);
}

QByteArray serialized(GMimeObject *object)
{
    GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(object, nullptr, mem.p);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.p));
    return QByteArray(reinterpret_cast<const char *>(bytes->data), qsizetype(bytes->len));
}

// Text in a declared charset to Unicode through GMime's iconv tables (Qt 6.4 knows only UTF-* and Latin-1).
QString toUnicode(const QByteArray &bytes, const QString &charset, QStringList *warnings)
{
    if (charset.isEmpty() || charset == QLatin1String("utf-8") || charset == QLatin1String("us-ascii")
        || charset == QLatin1String("utf8")) {
        return QString::fromUtf8(bytes);
    }
    const QByteArray name = charset.toLatin1();
    const char *iconvName = g_mime_charset_iconv_name(name.constData());
    iconv_t cd = g_mime_iconv_open("UTF-8", iconvName);
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        if (warnings) {
            warnings->append(QStringLiteral("unknown charset %1, read as UTF-8").arg(charset));
        }
        return QString::fromUtf8(bytes);
    }
    g_mime_iconv_close(cd);
    GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
    GObjectPtr<GMimeStream> filtered(g_mime_stream_filter_new(mem.p));
    GObjectPtr<GMimeFilter> convert(g_mime_filter_charset_new(iconvName, "UTF-8"));
    if (convert.p) {
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.p), convert.p);
    }
    g_mime_stream_write(filtered.p, bytes.constData(), size_t(bytes.size()));
    g_mime_stream_flush(filtered.p);
    GByteArray *out = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.p));
    return QString::fromUtf8(reinterpret_cast<const char *>(out->data), qsizetype(out->len));
}

QString lowerParam(GMimeContentType *type, const char *name)
{
    return type ? fromUtf8(g_mime_content_type_get_parameter(type, name)).trimmed().toLower() : QString();
}

// The raw value of an object's first header named name, as in the source; empty when it has none.
QByteArray rawHeader(GMimeObject *object, const char *name)
{
    GMimeHeader *header = g_mime_header_list_get_header(g_mime_object_get_header_list(object), name);
    const char *raw = header ? g_mime_header_get_raw_value(header) : nullptr;
    return raw ? QByteArray(raw) : QByteArray();
}

// A part's file name as g_mime_part_get_filename() gives it (Content-Disposition's filename, else Content-Type's
// name; RFC 2231 and RFC 2047 decoded), from the headers with their runs of encoded-words rejoined (EncodedWords).
QString fileNameOf(GMimeObject *object, GMimeParserOptions *options)
{
    const QByteArray rawDisposition = rawHeader(object, "Content-Disposition");
    const QByteArray rawType = GMIME_IS_PART(object) ? rawHeader(object, "Content-Type") : QByteArray();
    const QByteArray disposition = EncodedWords::rejoined(rawDisposition);
    const QByteArray type = EncodedWords::rejoined(rawType);
    if (disposition == rawDisposition && type == rawType) {
        if (GMIME_IS_PART(object)) {
            return fromUtf8(g_mime_part_get_filename(GMIME_PART(object)));
        }
        GMimeContentDisposition *parsed = g_mime_object_get_content_disposition(object);
        return parsed ? fromUtf8(g_mime_content_disposition_get_parameter(parsed, "filename")) : QString();
    }
    if (!disposition.isEmpty()) {
        GObjectPtr<GMimeContentDisposition> parsed(g_mime_content_disposition_parse(options, disposition.constData()));
        if (const char *name = parsed.p ? g_mime_content_disposition_get_parameter(parsed.p, "filename") : nullptr) {
            return fromUtf8(name);
        }
    }
    if (!type.isEmpty()) {
        GObjectPtr<GMimeContentType> parsed(g_mime_content_type_parse(options, type.constData()));
        return parsed.p ? fromUtf8(g_mime_content_type_get_parameter(parsed.p, "name")) : QString();
    }
    return {};
}

// RFC 2045 §5.2: a Content-Type that is not "type/subtype" ("text; charset=us-ascii") is taken as text/plain in
// US-ASCII, as Python's email package takes it. GMime takes it as application/octet-stream (and warns), so a part of
// that type whose header says something else is such a part; its declared charset is kept, as Python keeps it.
// Returns the charset to read it in, or nullopt for any other part.
std::optional<QString> invalidTypeCharset(GMimeObject *object, const QString &contentType, GMimeParserOptions *options)
{
    if (contentType != QLatin1String("application/octet-stream")) {
        return std::nullopt;
    }
    const QByteArray raw = rawHeader(object, "Content-Type");
    if (raw.isEmpty()) {
        return std::nullopt;
    }
    // The declared type without comments and whitespace, which GMime allows around its parts.
    QByteArray declared;
    int depth = 0;
    for (const char c : raw) {
        if (c == '(') {
            ++depth;
        } else if (c == ')' && depth > 0) {
            --depth;
        } else if (depth == 0 && c == ';') {
            break;
        } else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            declared += c;
        }
    }
    if (declared.toLower() == "application/octet-stream") {
        return std::nullopt;
    }
    QString charset = QStringLiteral("us-ascii");
    const qsizetype semicolon = raw.indexOf(';');
    if (semicolon >= 0) {
        GMimeParamList *params = g_mime_param_list_parse(options, raw.constData() + semicolon + 1);
        if (params) {
            if (GMimeParam *param = g_mime_param_list_get_parameter(params, "charset")) {
                const QString declaredCharset = fromUtf8(g_mime_param_get_value(param)).trimmed().toLower();
                charset = declaredCharset.isEmpty() ? charset : declaredCharset;
            }
            g_object_unref(params);
        }
    }
    return charset;
}

// A read-only GMime stream over the caller's bytes, without copying them: GMimeStreamMem reads its GByteArray's
// public data/len fields only, and with owner FALSE it never frees or grows them.
struct BorrowedStream
{
    GByteArray *array = nullptr;
    GMimeStream *stream = nullptr;
    explicit BorrowedStream(const QByteArray &bytes)
    {
        array = g_byte_array_new();
        array->data = reinterpret_cast<guint8 *>(const_cast<char *>(bytes.constData()));
        array->len = guint(bytes.size());
        stream = g_mime_stream_mem_new();
        g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(stream), array);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    }
    ~BorrowedStream()
    {
        g_object_unref(stream);
        // Frees the wrapper only: the bytes belong to the QByteArray.
        g_byte_array_free(array, FALSE);
    }
    BorrowedStream(const BorrowedStream &) = delete;
    BorrowedStream &operator=(const BorrowedStream &) = delete;
};

struct Document
{
    BorrowedStream input;
    GMimeParserOptions *options = nullptr;
    GMimeMessage *message = nullptr;
    QStringList warnings;

    explicit Document(const QByteArray &raw) : input(raw)
    {
        initGMime();
        options = g_mime_parser_options_new();
        g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_allow_addresses_without_domain(options, TRUE);
        // RFC 6532 UTF-8 first, then the usual legacy charsets of unlabelled 8-bit headers.
        const char *fallback[] = { "UTF-8", "windows-1252", nullptr };
        g_mime_parser_options_set_fallback_charsets(options, fallback);
        g_mime_parser_options_set_warning_callback(options, collectWarning, &warnings);
        GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(input.stream));
        g_mime_parser_set_format(parser.p, GMIME_FORMAT_MESSAGE);
        message = g_mime_parser_construct_message(parser.p, options);
    }
    ~Document()
    {
        if (message) {
            g_object_unref(message);
        }
        g_mime_parser_options_free(options);
    }
    Document(const Document &) = delete;
    Document &operator=(const Document &) = delete;
};

// An unstructured header value for reading: unfolded, runs of encoded-words rejoined (EncodedWords), then decoded
// (RFC 2047; 8-bit text per the fallback charsets).
QString decodedValue(GMimeParserOptions *options, const char *rawValue)
{
    GCharPtr unfolded(g_mime_utils_header_unfold(rawValue ? rawValue : ""));
    const QByteArray rejoined = EncodedWords::rejoined(QByteArray(unfolded.p));
    GCharPtr value(g_mime_utils_header_decode_text(options, rejoined.constData()));
    return fromUtf8(value.p).trimmed();
}

// The mailboxes of every address header named name, in order, as g_mime_message_get_addresses() has them, but parsed
// from the values with their runs of encoded-words rejoined (EncodedWords) when any value has such a run.
void readAddresses(Document &doc, GMimeAddressType type, const char *name, MailAddressList &out)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(doc.message));
    QByteArrayList values;
    bool rejoined = false;
    const int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *rawValue = g_mime_header_get_raw_value(h);
        if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0 || !rawValue) {
            continue;
        }
        values << EncodedWords::rejoined(QByteArray(rawValue));
        rejoined = rejoined || values.last() != rawValue;
    }
    if (!rejoined) {
        appendAddresses(g_mime_message_get_addresses(doc.message, type), out);
        return;
    }
    for (const QByteArray &value : std::as_const(values)) {
        GObjectPtr<InternetAddressList> parsed(internet_address_list_parse(doc.options, value.constData()));
        appendAddresses(parsed.p, out);
    }
}

// Part ids in IMAP section numbering (Mailpit's PartID).
QString childId(const QString &parent, int index)
{
    const QString n = QString::number(index + 1);
    return parent.isEmpty() ? n : parent + QLatin1Char('.') + n;
}

constexpr int MaxWalkDepth = 100;

struct Walker
{
    ParsedMessage &m;
    GMimeParserOptions *options = nullptr;
    qsizetype bodyLimit = -1;
    QString textCharset;
    QByteArray textBytes;
    bool haveText = false;
    QByteArray htmlBytes;
    QString htmlCharset;
    bool haveHtml = false;

    void leaf(GMimeObject *object, MimePart &p, bool underRelated)
    {
        const bool isText = p.contentType == QLatin1String("text/plain");
        const bool isHtml = p.contentType == QLatin1String("text/html");
        const bool attachment = p.disposition == QLatin1String("attachment");
        if (GMIME_IS_MESSAGE_PART(object)) {
            GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
            p.size = inner ? serialized(GMIME_OBJECT(inner)).size() : 0;
            p.role = p.disposition == QLatin1String("inline") ? MimePart::Role::Inline : MimePart::Role::Attachment;
            return;
        }
        if (!GMIME_IS_PART(object)) {
            return;
        }
        GMimePart *part = GMIME_PART(object);
        if (!attachment && (isText || isHtml) && (isText ? !haveText : !haveHtml)
            && (p.fileName.isEmpty() || p.disposition == QLatin1String("inline"))) {
            QByteArray bytes;
            if (bodyLimit >= 0) {
                bytes = decodedPrefix(part, bodyLimit, &p.size);
            } else {
                bytes = decoded(part);
                p.size = bytes.size();
            }
            if (isText) {
                haveText = true;
                textBytes = std::move(bytes);
                textCharset = p.charset;
                p.role = MimePart::Role::TextBody;
            } else {
                haveHtml = true;
                htmlBytes = std::move(bytes);
                htmlCharset = p.charset;
                p.role = MimePart::Role::HtmlBody;
            }
            return;
        }
        p.size = decodedSize(part);
        if (attachment) {
            p.role = MimePart::Role::Attachment;
        } else if (p.disposition == QLatin1String("inline") || underRelated || !p.contentId.isEmpty()) {
            // A text part shown inline with no name is just more text the reader sees.
            p.role = (p.contentType.startsWith(QLatin1String("text/")) && p.fileName.isEmpty() && p.contentId.isEmpty())
                ? MimePart::Role::Other
                : MimePart::Role::Inline;
        } else if (p.contentType.startsWith(QLatin1String("text/")) && p.fileName.isEmpty()) {
            p.role = MimePart::Role::Other;
        } else {
            p.role = MimePart::Role::Attachment;
        }
    }

    void walk(GMimeObject *object, const QString &id, int depth, bool underRelated)
    {
        MimePart p;
        p.partId = id.isEmpty() ? QStringLiteral("1") : id;
        p.depth = depth;
        GMimeContentType *type = g_mime_object_get_content_type(object);
        if (type) {
            GCharPtr mime(g_mime_content_type_get_mime_type(type));
            p.contentType = fromUtf8(mime.p).toLower();
        }
        p.charset = lowerParam(type, "charset");
        if (const std::optional<QString> charset = invalidTypeCharset(object, p.contentType, options)) {
            p.contentType = QStringLiteral("text/plain");
            p.charset = *charset;
        }
        GMimeContentDisposition *disposition = g_mime_object_get_content_disposition(object);
        if (disposition) {
            p.disposition = fromUtf8(g_mime_content_disposition_get_disposition(disposition)).trimmed().toLower();
        }
        p.contentId = fromUtf8(g_mime_object_get_content_id(object));
        p.fileName = fileNameOf(object, options);
        if (GMIME_IS_PART(object)) {
            const GMimeContentEncoding encoding = g_mime_part_get_content_encoding(GMIME_PART(object));
            if (encoding != GMIME_CONTENT_ENCODING_DEFAULT) {
                p.transferEncoding = fromUtf8(g_mime_content_encoding_to_string(encoding)).toLower();
            }
        }
        if (GMIME_IS_MULTIPART(object)) {
            p.role = MimePart::Role::Container;
            // The top-level multipart has no IMAP section number; "0" names it in the tree.
            p.partId = id.isEmpty() ? QStringLiteral("0") : id;
            m.parts.append(p);
            if (depth >= MaxWalkDepth) {
                m.warnings.append(
                    QStringLiteral("MIME nesting deeper than %1 levels, inner parts ignored").arg(MaxWalkDepth));
                return;
            }
            GMimeMultipart *multipart = GMIME_MULTIPART(object);
            const bool related = p.contentType == QLatin1String("multipart/related");
            const int n = g_mime_multipart_get_count(multipart);
            for (int i = 0; i < n; ++i) {
                walk(g_mime_multipart_get_part(multipart, i), childId(id, i), depth + 1, underRelated || related);
            }
            return;
        }
        leaf(object, p, underRelated);
        m.parts.append(p);
    }
};

GMimeObject *findPart(GMimeObject *object, const QString &id, const QString &wanted, int depth)
{
    const QString self = id.isEmpty() ? QStringLiteral("1") : id;
    if (GMIME_IS_MULTIPART(object)) {
        if (depth >= MaxWalkDepth) {
            return nullptr;
        }
        GMimeMultipart *multipart = GMIME_MULTIPART(object);
        const int n = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < n; ++i) {
            const QString child = childId(id, i);
            if (wanted == child || wanted.startsWith(child + QLatin1Char('.'))) {
                return findPart(g_mime_multipart_get_part(multipart, i), child, wanted, depth + 1);
            }
        }
        return nullptr;
    }
    return self == wanted ? object : nullptr;
}
} // namespace

QStringList ParsedMessage::headerValues(const QString &name) const
{
    QStringList values;
    for (const MimeHeader &h : headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0) {
            values << h.value;
        }
    }
    return values;
}

QList<MimePart> ParsedMessage::attachments() const
{
    QList<MimePart> list;
    for (const MimePart &p : parts) {
        if (p.role == MimePart::Role::Attachment) {
            list << p;
        }
    }
    return list;
}

QList<MimePart> ParsedMessage::inlineParts() const
{
    QList<MimePart> list;
    for (const MimePart &p : parts) {
        if (p.role == MimePart::Role::Inline) {
            list << p;
        }
    }
    return list;
}

std::optional<MimePart> ParsedMessage::part(const QString &partId) const
{
    for (const MimePart &p : parts) {
        if (p.partId == partId && p.role != MimePart::Role::Container) {
            return p;
        }
    }
    return std::nullopt;
}

void ParsedMessage::addEnvelopeRecipients(const QStringList &rcptTo)
{
    QSet<QString> seen;
    for (const MailAddressList *list : { &to, &cc, &bcc }) {
        for (const MailAddress &a : *list) {
            seen.insert(a.address.toLower());
        }
    }
    for (const QString &r : rcptTo) {
        if (!seen.contains(r.toLower())) {
            seen.insert(r.toLower());
            bcc.append({ QString(), r });
        }
    }
}

ParsedMessage ParsedMessage::parse(const QByteArray &raw, qsizetype bodyLimit)
{
    ParsedMessage m;
    Document doc(raw);
    GMimeMessage *message = doc.message;
    if (!message) {
        m.warnings = doc.warnings;
        m.warnings.append(QStringLiteral("not a message: no header block could be read"));
        return m;
    }
    GMimeObject *object = GMIME_OBJECT(message);
    // GMime keeps a message's Content-* headers with its top-level part: both lists, merged back into
    // the order of the source by their offsets.
    QList<QPair<gint64, GMimeHeader *>> all;
    for (GMimeObject *owner : { object, g_mime_message_get_mime_part(message) }) {
        if (!owner) {
            continue;
        }
        GMimeHeaderList *list = g_mime_object_get_header_list(owner);
        const int count = g_mime_header_list_get_count(list);
        for (int i = 0; i < count; ++i) {
            GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
            const gint64 offset = g_mime_header_get_offset(h);
            bool seen = false;
            for (const auto &[o, other] : std::as_const(all)) {
                seen = seen || (o == offset && offset >= 0 && owner != object);
            }
            if (!seen) {
                all.append({ offset, h });
            }
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    m.headers.reserve(all.size());
    for (const auto &[offset, h] : std::as_const(all)) {
        MimeHeader header;
        header.name = fromUtf8(g_mime_header_get_name(h));
        const char *rawValue = g_mime_header_get_raw_value(h);
        header.rawValue = QByteArray(rawValue ? rawValue : "").trimmed();
        header.value = decodedValue(doc.options, rawValue);
        m.headers.append(header);
    }
    readAddresses(doc, GMIME_ADDRESS_TYPE_FROM, "From", m.from);
    readAddresses(doc, GMIME_ADDRESS_TYPE_SENDER, "Sender", m.sender);
    readAddresses(doc, GMIME_ADDRESS_TYPE_REPLY_TO, "Reply-To", m.replyTo);
    readAddresses(doc, GMIME_ADDRESS_TYPE_TO, "To", m.to);
    readAddresses(doc, GMIME_ADDRESS_TYPE_CC, "Cc", m.cc);
    readAddresses(doc, GMIME_ADDRESS_TYPE_BCC, "Bcc", m.bcc);
    // The decoded value of the last Subject header, as g_mime_message_get_subject() takes it, but with the runs of
    // encoded-words rejoined (EncodedWords).
    if (GMimeHeaderList *list = g_mime_object_get_header_list(object)) {
        for (int i = g_mime_header_list_get_count(list) - 1; i >= 0; --i) {
            GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
            if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Subject") == 0) {
                m.subject = decodedValue(doc.options, g_mime_header_get_raw_value(h));
                break;
            }
        }
    }
    if (GDateTime *date = g_mime_message_get_date(message)) {
        const qint64 secs = g_date_time_to_unix(date);
        const int offset = int(g_date_time_get_utc_offset(date) / G_TIME_SPAN_SECOND);
        m.date = QDateTime::fromSecsSinceEpoch(secs, Qt::OffsetFromUTC, offset);
    }
    m.messageId = fromUtf8(g_mime_message_get_message_id(message));
    m.inReplyTo = messageIds(doc.options, g_mime_object_get_header(object, "In-Reply-To"));
    m.references = messageIds(doc.options, g_mime_object_get_header(object, "References"));
    m.listUnsubscribe = m.headerValues(QStringLiteral("List-Unsubscribe")).value(0);
    m.listUnsubscribePost = m.headerValues(QStringLiteral("List-Unsubscribe-Post")).value(0);

    Walker walker { m, doc.options, bodyLimit, {}, {}, false, {}, {}, false };
    if (GMimeObject *body = g_mime_message_get_mime_part(message)) {
        walker.walk(body, QString(), 0, false);
    }
    if (walker.haveText) {
        m.text = toUnicode(walker.textBytes, walker.textCharset, &m.warnings);
    }
    if (walker.haveHtml) {
        m.html = toUnicode(walker.htmlBytes, walker.htmlCharset, &m.warnings);
        if (!walker.haveText) {
            m.text = htmlToText(m.html);
        }
    }
    m.snippet = foldedSnippet(m.text);
    m.warnings = doc.warnings + m.warnings;
    if (raw.contains('\0')) {
        m.warnings.append(QStringLiteral("NUL bytes in the message"));
    }
    return m;
}

namespace {
std::optional<QByteArray> contentOf(Document &doc, const QString &partId)
{
    GMimeObject *body = g_mime_message_get_mime_part(doc.message);
    GMimeObject *found = body ? findPart(body, QString(), partId, 0) : nullptr;
    if (!found) {
        return std::nullopt;
    }
    if (GMIME_IS_MESSAGE_PART(found)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(found));
        return inner ? serialized(GMIME_OBJECT(inner)) : QByteArray();
    }
    if (!GMIME_IS_PART(found)) {
        return std::nullopt;
    }
    return decoded(GMIME_PART(found));
}
} // namespace

std::optional<QByteArray> ParsedMessage::partContent(const QByteArray &raw, const QString &partId)
{
    Document doc(raw);
    if (!doc.message) {
        return std::nullopt;
    }
    return contentOf(doc, partId);
}

QHash<QString, QByteArray> ParsedMessage::partContents(const QByteArray &raw, const QStringList &partIds)
{
    QHash<QString, QByteArray> out;
    Document doc(raw);
    if (!doc.message) {
        return out;
    }
    for (const QString &id : partIds) {
        if (std::optional<QByteArray> content = contentOf(doc, id)) {
            out.insert(id, std::move(*content));
        }
    }
    return out;
}
