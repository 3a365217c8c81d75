// GMime and GLib must come before any Qt header: GLib has members named "signals", a Qt macro.
#include <gmime/gmime.h>

// Qt after GMime.
#include "deliverystatusbuilder.h"

#include "messagebuilder.h"

#include <mutex>

namespace {
void initGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// RFC 5322 §3.3 date-time, in UTC.
QByteArray rfc5322Date(qint64 ms)
{
    GDateTime *when = g_date_time_new_from_unix_utc(ms / 1000);
    char *text = g_mime_utils_header_format_date(when);
    g_date_time_unref(when);
    const QByteArray out(text);
    g_free(text);
    return out;
}

// A field value is one line: CR or LF in a rule's text would start a field of its own.
QByteArray oneLine(QByteArray value)
{
    value.replace("\r\n", " ");
    value.replace('\r', ' ');
    value.replace('\n', ' ');
    return value;
}

bool isAscii(const QByteArray &bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) > 127) {
            return false;
        }
    }
    return true;
}

GMimeObject *leafPart(const char *type, const char *subtype, const QByteArray &content)
{
    GMimePart *part = g_mime_part_new_with_type(type, subtype);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(content.constData(), size_t(content.size()));
    GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(part, wrapper);
    g_object_unref(wrapper);
    g_object_unref(stream);
    // RFC 6533 would make an internationalised address a message/global-delivery-status; a catcher keeps the
    // recipient as it was accepted and says the part is 8bit.
    g_mime_part_set_content_encoding(
        part, isAscii(content) ? GMIME_CONTENT_ENCODING_7BIT : GMIME_CONTENT_ENCODING_8BIT);
    return GMIME_OBJECT(part);
}

} // namespace

QByteArray DeliveryStatusBuilder::statusFields(const DeliveryStatusReport &report)
{
    // RFC 3464 §2.1: the per-message fields, then each recipient's, groups separated by a blank line. The address
    // and MTA types are RFC 3464's "rfc822" and "dns", the diagnostic type "smtp" (§2.3.6).
    QByteArray out = "Reporting-MTA: dns; " + oneLine(report.hostname) + "\n";
    out += "Arrival-Date: " + rfc5322Date(report.arrivalMs) + "\n";
    for (const DeliveryStatusReport::Recipient &r : report.recipients) {
        out += "\n";
        out += "Final-Recipient: rfc822; " + oneLine(r.address) + "\n";
        out += "Action: failed\n";
        out += "Status: " + oneLine(r.enhanced) + "\n";
        out += "Diagnostic-Code: smtp; " + QByteArray::number(r.code) + ' ' + oneLine(r.text) + "\n";
    }
    return out;
}

QByteArray DeliveryStatusBuilder::build(const DeliveryStatusReport &report)
{
    initGMime();
    GMimeMessage *message = g_mime_message_new(TRUE);
    InternetAddress *from = internet_address_mailbox_new(
        "Mail Delivery System", QByteArray("MAILER-DAEMON@" + oneLine(report.hostname)).constData());
    internet_address_list_add(g_mime_message_get_from(message), from);
    g_object_unref(from);
    InternetAddress *to = internet_address_mailbox_new(nullptr, oneLine(report.originalSender).constData());
    internet_address_list_add(g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_TO), to);
    g_object_unref(to);
    g_mime_message_set_subject(message, "Undelivered Mail Returned to Sender", "us-ascii");
    GDateTime *when = g_date_time_new_from_unix_utc(report.dateMs / 1000);
    g_mime_message_set_date(message, when);
    g_date_time_unref(when);
    g_mime_message_set_message_id(message, oneLine(report.messageId).constData());
    // RFC 3834 §5: an automatic response to a message; nobody should answer it automatically again.
    g_mime_object_append_header(GMIME_OBJECT(message), "Auto-Submitted", "auto-replied", nullptr);

    // RFC 5322 §2.1.1: lines of at most 78 characters (the ID is 22).
    QByteArray human = "This is the mail system at host " + oneLine(report.hostname) + ".\n\n" + "Your message "
        + oneLine(report.originalId) + " could not be delivered to "
        + (report.recipients.size() == 1 ? "one recipient"
                                         : QByteArray::number(report.recipients.size()) + " recipients")
        + ".\nA Letterbox rule made this report, to test how your application\nhandles bounces.\n\n";
    for (const DeliveryStatusReport::Recipient &r : report.recipients) {
        human += "<" + oneLine(r.address) + ">: " + QByteArray::number(r.code) + ' ' + oneLine(r.enhanced) + ' '
            + oneLine(r.text) + "\n";
    }
    GMimeObject *text = leafPart("text", "plain", human);
    g_mime_object_set_content_type_parameter(text, "charset", "us-ascii");
    GMimeObject *status = leafPart("message", "delivery-status", statusFields(report));
    // RFC 6522 §4: the headers only; they end with the header section's blank line.
    QByteArray headers = report.originalHeaders;
    if (!headers.endsWith('\n')) {
        headers += "\r\n";
    }
    GMimeObject *original = leafPart("text", "rfc822-headers", headers);

    // RFC 6522 §3: the report's parts in this order, its type named by report-type.
    GMimeMultipart *multipart = g_mime_multipart_new_with_subtype("report");
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(multipart), "report-type", "delivery-status");
    for (GMimeObject *part : { text, status, original }) {
        g_mime_multipart_add(multipart, part);
        g_object_unref(part);
    }
    g_mime_message_set_mime_part(message, GMIME_OBJECT(multipart));
    g_object_unref(multipart);

    GMimeFormatOptions *options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    char *bytes = g_mime_object_to_string(GMIME_OBJECT(message), options);
    g_mime_format_options_free(options);
    g_object_unref(message);
    const QByteArray out = MessageBuilder::withCrlf(QByteArray(bytes));
    g_free(bytes);
    return out;
}
