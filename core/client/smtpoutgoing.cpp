#include "smtpoutgoing.h"

#include "../mime/parsedmessage.h"

#include <QSet>

namespace {
// One header field as it stands in the message: its name and where its lines are.
struct Field
{
    QByteArray name; // lower case
    QByteArray value; // unfolded (RFC 5322 §2.2.3), undecoded
    qsizetype start = 0; // offset of its first line
    qsizetype end = 0; // offset after its last line's line end
};

// The header fields up to the empty line that ends them (RFC 5322 §2.2), lines ending in CRLF or a bare LF. A line
// that is neither a field nor a continuation ends the header too (a body without a header).
QList<Field> readFields(const QByteArray &data)
{
    QList<Field> fields;
    qsizetype pos = 0;
    while (pos < data.size()) {
        const qsizetype lf = data.indexOf('\n', pos);
        const qsizetype next = lf < 0 ? data.size() : lf + 1;
        QByteArray line = data.mid(pos, (lf < 0 ? data.size() : lf) - pos);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.isEmpty()) {
            break;
        }
        if ((line.startsWith(' ') || line.startsWith('\t')) && !fields.isEmpty()) {
            fields.last().value += line;
            fields.last().end = next;
        } else {
            const qsizetype colon = line.indexOf(':');
            bool isField = colon > 0;
            for (qsizetype i = 0; isField && i < colon; ++i) {
                const auto c = static_cast<unsigned char>(line[i]);
                // RFC 5322 §3.6.8: printable ASCII but the colon (a space before it is obsolete syntax, §4.5).
                isField = (c >= 33 && c <= 126) || c == ' ' || c == '\t';
            }
            if (!isField) {
                break;
            }
            fields << Field { line.left(colon).trimmed().toLower(), line.mid(colon + 1), pos, next };
        }
        pos = next;
    }
    return fields;
}

QByteArray joined(const QList<Field> &fields, const QByteArray &name)
{
    QByteArrayList values;
    for (const Field &field : fields) {
        if (field.name == name) {
            values << field.value.trimmed();
        }
    }
    return values.join(", ");
}
} // namespace

bool SmtpOutgoing::fillFromHeaders(SmtpOutgoing *outgoing, QString *error)
{
    const QList<Field> fields = readFields(outgoing->data);

    // RFC 5322 §3.6.6: a resent message names its new originator and recipients in Resent-* fields, the newest
    // block first; those decide, as in tcllib smtp::sendmessage.
    qsizetype resentStart = -1;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (fields[i].name.startsWith("resent-")) {
            resentStart = i;
            break;
        }
    }
    QList<Field> chosen;
    QByteArray prefix;
    if (resentStart >= 0) {
        prefix = "resent-";
        for (qsizetype i = resentStart; i < fields.size() && fields[i].name.startsWith("resent-"); ++i) {
            chosen << fields[i];
        }
    } else {
        chosen = fields;
    }

    // The address lists, folded, with comments, display names and groups, are read by GMime (core/mime) from a
    // header made of just these fields.
    QByteArray header;
    for (const char *name : { "from", "sender", "to", "cc", "bcc" }) {
        const QByteArray value = joined(chosen, prefix + name);
        if (!value.isEmpty()) {
            header += QByteArray(name) + ": " + value + "\r\n";
        }
    }
    const ParsedMessage parsed = ParsedMessage::parse(header + "\r\n");

    if (outgoing->rcptTo.isEmpty()) {
        QSet<QString> seen;
        for (const MailAddressList *list : { &parsed.to, &parsed.cc, &parsed.bcc }) {
            for (const MailAddress &address : *list) {
                const QString key = address.address.toLower();
                if (!address.address.isEmpty() && !seen.contains(key)) {
                    seen.insert(key);
                    outgoing->rcptTo << address.address.toUtf8();
                }
            }
        }
    }
    if (outgoing->mailFrom.isEmpty()) {
        const MailAddressList &originator = !parsed.from.isEmpty() ? parsed.from : parsed.sender;
        if (!originator.isEmpty()) {
            outgoing->mailFrom = originator.first().address.toUtf8();
        }
    }

    // RFC 5322 §3.6.3: Bcc recipients get the message, but nobody sees the Bcc field.
    QByteArray data;
    qsizetype copied = 0;
    for (const Field &field : fields) {
        if (field.name == prefix + "bcc") {
            data += QByteArrayView(outgoing->data).sliced(copied, field.start - copied);
            copied = field.end;
        }
    }
    if (copied > 0) {
        data += QByteArrayView(outgoing->data).sliced(copied);
        outgoing->data = data;
    }

    if (outgoing->rcptTo.isEmpty()) {
        *error = resentStart >= 0 ? QStringLiteral("no recipient: none given and none in Resent-To, Resent-Cc or "
                                                   "Resent-Bcc")
                                  : QStringLiteral("no recipient: none given and none in To, Cc or Bcc");
        return false;
    }
    if (outgoing->mailFrom.isEmpty()) {
        *error = resentStart >= 0 ? QStringLiteral("no originator: none given and none in Resent-From or Resent-Sender")
                                  : QStringLiteral("no originator: none given and none in From or Sender");
        return false;
    }
    return true;
}
