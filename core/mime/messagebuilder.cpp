// GMime and GLib must come before any Qt header: GLib has members named "signals", a Qt macro.
#include <gmime/gmime.h>

// Qt after GMime.
#include "messagebuilder.h"

#include <QMimeDatabase>
#include <QRegularExpression>
#include <QSet>

#include <mutex>

namespace {
void initGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// Owns one GObject reference.
template<typename T>
struct Ref
{
    T *p = nullptr;
    explicit Ref(T *ptr) : p(ptr) { }
    ~Ref()
    {
        if (p) {
            g_object_unref(p);
        }
    }
    Ref(const Ref &) = delete;
    Ref &operator=(const Ref &) = delete;
};

// RFC 5322 §3.6.8: field-name = 1*ftext, printable ASCII but ":".
bool isFieldName(const QString &name)
{
    if (name.isEmpty() || name.size() > 76) {
        return false;
    }
    for (const QChar c : name) {
        if (c.unicode() < 33 || c.unicode() > 126 || c == u':') {
            return false;
        }
    }
    return true;
}

// RFC 2045 §5.1: type "/" subtype, both tokens.
bool isMediaType(const QString &type)
{
    static const QRegularExpression token(
        QStringLiteral("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$"));
    return token.match(type).hasMatch();
}

// A header value is one line: CR and LF would start a header of the caller's choosing.
QString oneLine(QString value)
{
    value.replace(QLatin1String("\r\n"), QLatin1String(" "));
    value.replace(u'\r', u' ');
    value.replace(u'\n', u' ');
    return value;
}

// Text bodies in one line-end form before GMime encodes them; CRLF comes with the whole message (RFC 2046 §4.1.1:
// CRLF is the canonical line break of text).
QByteArray unixLines(const QString &text)
{
    QByteArray bytes = text.toUtf8();
    bytes.replace("\r\n", "\n");
    bytes.replace('\r', '\n');
    return bytes;
}

bool addAddresses(InternetAddressList *list, const MailAddressList &addresses, const QString &field, QString *error)
{
    for (const MailAddress &a : addresses) {
        if (!MessageBuilder::isAddress(a.address)) {
            *error = QStringLiteral("invalid %1 address: %2").arg(field, a.address);
            return false;
        }
        InternetAddress *mailbox = internet_address_mailbox_new(
            a.name.isEmpty() ? nullptr : oneLine(a.name).toUtf8().constData(), a.address.toUtf8().constData());
        internet_address_list_add(list, mailbox);
        g_object_unref(mailbox);
    }
    return true;
}

GMimeObject *textPart(const char *subtype, const QString &text)
{
    GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_text(part, unixLines(text).constData());
    // Plain ASCII stays readable as 7bit; anything else is quoted-printable or base64, whichever is shorter, so the
    // message stays 7-bit clean for any SMTP server it may be relayed to (RFC 6152 is not everywhere).
    g_mime_part_set_content_encoding(
        GMIME_PART(part), g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
    return GMIME_OBJECT(part);
}

GMimeObject *attachmentPart(const MessageBuilder::Attachment &attachment, const QString &type)
{
    const QByteArray media = type.toLatin1();
    const qsizetype slash = media.indexOf('/');
    GMimePart *part = g_mime_part_new_with_type(media.left(slash).constData(), media.mid(slash + 1).constData());
    Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(
        attachment.content.constData(), static_cast<size_t>(attachment.content.size())));
    Ref<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(stream.p, GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part, wrapper.p);
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    const bool inlined = !attachment.contentId.isEmpty();
    g_mime_object_set_disposition(GMIME_OBJECT(part), inlined ? "inline" : "attachment");
    if (!attachment.fileName.isEmpty()) {
        // Sets Content-Disposition's filename and Content-Type's name (RFC 2231 when not ASCII).
        g_mime_part_set_filename(part, oneLine(attachment.fileName).toUtf8().constData());
    }
    if (inlined) {
        g_mime_object_set_content_id(GMIME_OBJECT(part), attachment.contentId.toUtf8().constData());
    }
    return GMIME_OBJECT(part);
}

GMimeObject *multipart(const char *subtype, const QList<GMimeObject *> &children)
{
    GMimeMultipart *multipart = g_mime_multipart_new_with_subtype(subtype);
    for (GMimeObject *child : children) {
        g_mime_multipart_add(multipart, child);
        g_object_unref(child);
    }
    return GMIME_OBJECT(multipart);
}
} // namespace

QByteArray MessageBuilder::withCrlf(const QByteArray &bytes)
{
    QByteArray out;
    out.reserve(bytes.size() + bytes.size() / 32);
    char previous = 0;
    for (const char c : bytes) {
        if (c == '\n' && previous != '\r') {
            out += '\r';
        }
        out += c;
        previous = c;
    }
    return out;
}

QStringList MessageBuilder::reservedHeaders()
{
    return { QStringLiteral("From"), QStringLiteral("To"), QStringLiteral("Cc"), QStringLiteral("Bcc"),
        QStringLiteral("Reply-To"), QStringLiteral("Date"), QStringLiteral("Subject"), QStringLiteral("Content-Type"),
        QStringLiteral("MIME-Version"), QStringLiteral("Content-Transfer-Encoding") };
}

bool MessageBuilder::isAddress(const QString &address)
{
    // RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254.
    if (address.isEmpty() || address.toUtf8().size() > 254) {
        return false;
    }
    const qsizetype at = address.lastIndexOf(u'@');
    if (at <= 0 || at == address.size() - 1) {
        return false;
    }
    const QString local = address.left(at);
    const QString domain = address.mid(at + 1);
    // RFC 5321 §4.1.2: Local-part = Dot-string / Quoted-string.
    static const QRegularExpression dotString(
        QStringLiteral("^[^\\x00-\\x20\\x7f()<>\\[\\]:;@\\\\,.\"]+(\\.[^\\x00-\\x20\\x7f()<>\\[\\]:;@\\\\,.\"]+)*$"));
    static const QRegularExpression quoted(QStringLiteral("^\"([^\\x00-\\x1f\\x7f\"\\\\]|\\\\[\\x20-\\x7e])*\"$"));
    if (!dotString.match(local).hasMatch() && !quoted.match(local).hasMatch()) {
        return false;
    }
    // Domain (labels of letters, digits, hyphens, or UTF-8 per RFC 6531) or an address literal.
    static const QString label = QStringLiteral(
        "[^\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]([^\\x00-\\x2c\\x2e\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]*)");
    static const QRegularExpression domainName(QStringLiteral("^%1(\\.%1)*$").arg(label));
    static const QRegularExpression literal(QStringLiteral("^\\[[0-9A-Za-z:.]+\\]$"));
    return domainName.match(domain).hasMatch() || literal.match(domain).hasMatch();
}

namespace {
void flatten(InternetAddressList *list, MailAddressList *out, QStringList *bad)
{
    for (int i = 0; i < internet_address_list_length(list); ++i) {
        InternetAddress *address = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out, bad);
            continue;
        }
        const char *name = internet_address_get_name(address);
        const QString addr = QString::fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
        if (!MessageBuilder::isAddress(addr)) {
            *bad << (addr.isEmpty() ? QString::fromUtf8(name) : addr);
        }
        *out << MailAddress { name ? QString::fromUtf8(name) : QString(), addr };
    }
}
} // namespace

std::optional<MailAddressList> MessageBuilder::parseAddresses(const QString &text, QString *invalid)
{
    initGMime();
    MailAddressList out;
    if (text.trimmed().isEmpty()) {
        return out;
    }
    // GMime's parser reads names, quotes and groups; each entry is then checked on its own, so that "bob, a@b" names
    // "bob" as the one to fix.
    QStringList bad;
    InternetAddressList *list = internet_address_list_parse(nullptr, text.toUtf8().constData());
    if (!list) {
        *invalid = text.trimmed();
        return std::nullopt;
    }
    flatten(list, &out, &bad);
    g_object_unref(list);
    if (!bad.isEmpty()) {
        *invalid = bad.first();
        return std::nullopt;
    }
    return out;
}

QByteArrayList MessageBuilder::envelopeRecipients() const
{
    QByteArrayList out;
    QSet<QByteArray> seen;
    for (const MailAddressList *list : { &to, &cc, &bcc }) {
        for (const MailAddress &a : *list) {
            const QByteArray address = a.address.toUtf8();
            if (!seen.contains(address.toLower())) {
                seen.insert(address.toLower());
                out << address;
            }
        }
    }
    return out;
}

std::optional<QByteArray> MessageBuilder::build(
    const QDateTime &date, const QByteArray &messageId, QString *error) const
{
    initGMime();
    if (!isAddress(from.address)) {
        *error = from.address.isEmpty() ? QStringLiteral("From address is required")
                                        : QStringLiteral("invalid From address: %1").arg(from.address);
        return std::nullopt;
    }
    if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) {
        *error = QStringLiteral("no recipients (To, Cc, Bcc)");
        return std::nullopt;
    }
    QStringList reserved = reservedHeaders();
    if (!tags.isEmpty()) {
        reserved << QStringLiteral("X-Tags");
    }
    bool ownMessageId = false;
    for (const auto &[name, value] : headers) {
        if (!isFieldName(name)) {
            *error = QStringLiteral("invalid header name: \"%1\"").arg(oneLine(name));
            return std::nullopt;
        }
        if (reserved.contains(name, Qt::CaseInsensitive)) {
            *error = QStringLiteral("cannot overwrite header: \"%1\"").arg(name);
            return std::nullopt;
        }
        if (value.contains(u'\r') || value.contains(u'\n')) {
            *error = QStringLiteral("header \"%1\": a value is one line").arg(name);
            return std::nullopt;
        }
        ownMessageId = ownMessageId || name.compare(QLatin1String("Message-ID"), Qt::CaseInsensitive) == 0;
    }
    QList<QString> types;
    QMimeDatabase mimeTypes;
    for (const Attachment &a : attachments) {
        if (!a.contentType.isEmpty() && !isMediaType(a.contentType)) {
            *error = QStringLiteral("invalid ContentType of attachment \"%1\": %2").arg(a.fileName, a.contentType);
            return std::nullopt;
        }
        QString type = a.contentType;
        if (type.isEmpty()) {
            type = a.fileName.isEmpty() ? mimeTypes.mimeTypeForData(a.content).name()
                                        : mimeTypes.mimeTypeForFileNameAndData(a.fileName, a.content).name();
        }
        types << (isMediaType(type) ? type.toLower() : QStringLiteral("application/octet-stream"));
    }
    for (const auto &[list, field] : { std::pair { &to, "To" }, std::pair { &cc, "Cc" }, std::pair { &bcc, "Bcc" },
             std::pair { &replyTo, "Reply-To" } }) {
        for (const MailAddress &a : *list) {
            if (!isAddress(a.address)) {
                *error = QStringLiteral("invalid %1 address: %2").arg(QLatin1String(field), a.address);
                return std::nullopt;
            }
        }
    }

    Ref<GMimeMessage> message(g_mime_message_new(TRUE));
    addAddresses(g_mime_message_get_from(message.p), { from }, QStringLiteral("From"), error);
    addAddresses(g_mime_message_get_addresses(message.p, GMIME_ADDRESS_TYPE_REPLY_TO), replyTo,
        QStringLiteral("Reply-To"), error);
    addAddresses(g_mime_message_get_addresses(message.p, GMIME_ADDRESS_TYPE_TO), to, QStringLiteral("To"), error);
    addAddresses(g_mime_message_get_addresses(message.p, GMIME_ADDRESS_TYPE_CC), cc, QStringLiteral("Cc"), error);
    g_mime_message_set_subject(message.p, oneLine(subject).toUtf8().constData(), "utf-8");
    // RFC 5322 §3.3: the local time with its offset, as a mail program writes it.
    GDateTime *when = g_date_time_new_from_unix_local(date.toSecsSinceEpoch());
    g_mime_message_set_date(message.p, when);
    g_date_time_unref(when);
    if (!ownMessageId) {
        g_mime_message_set_message_id(message.p, messageId.constData());
    }
    if (!tags.isEmpty()) {
        // Mailpit's send API writes its Tags as this header, which Mailpit (and so Letterbox) reads as tags.
        g_mime_object_append_header(
            GMIME_OBJECT(message.p), "X-Tags", oneLine(tags.join(QLatin1String(", "))).toUtf8().constData(), "utf-8");
    }
    for (const auto &[name, value] : headers) {
        g_mime_object_append_header(
            GMIME_OBJECT(message.p), name.toUtf8().constData(), value.toUtf8().constData(), "utf-8");
    }

    // The body: text, HTML, or both as alternatives (plainest first, RFC 2046 §5.1.4). Mailpit's builder always
    // has a text part, empty when no text was given and no HTML either.
    GMimeObject *textBody = !text.isEmpty() || html.isEmpty() ? textPart("plain", text) : nullptr;
    GMimeObject *htmlBody = html.isEmpty() ? nullptr : textPart("html", html);
    QList<GMimeObject *> inlines;
    QList<GMimeObject *> attached;
    for (qsizetype i = 0; i < attachments.size(); ++i) {
        (attachments[i].contentId.isEmpty() ? attached : inlines) << attachmentPart(attachments[i], types[i]);
    }
    // Inline parts belong with the HTML that refers to them by cid: (RFC 2387, RFC 2392).
    if (!inlines.isEmpty()) {
        GMimeObject *&root = htmlBody ? htmlBody : textBody;
        const char *rootType = htmlBody ? "text/html" : "text/plain";
        root = multipart("related", QList<GMimeObject *> { root } + inlines);
        g_mime_object_set_content_type_parameter(root, "type", rootType);
    }
    GMimeObject *body = textBody && htmlBody ? multipart("alternative", { textBody, htmlBody })
        : htmlBody                           ? htmlBody
                                             : textBody;
    if (!attached.isEmpty()) {
        body = multipart("mixed", QList<GMimeObject *> { body } + attached);
    }
    g_mime_message_set_mime_part(message.p, body);
    g_object_unref(body);

    GMimeFormatOptions *options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    char *bytes = g_mime_object_to_string(GMIME_OBJECT(message.p), options);
    g_mime_format_options_free(options);
    QByteArray out = MessageBuilder::withCrlf(QByteArray(bytes));
    g_free(bytes);
    return out;
}
