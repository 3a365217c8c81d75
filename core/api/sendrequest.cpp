#include "sendrequest.h"

#include "../mime/messagebuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {
// Go's encoding/json matches a field name case-insensitively when no exact match exists.
QJsonValue field(const QJsonObject &object, QLatin1String name)
{
    const auto exact = object.constFind(name);
    if (exact != object.constEnd()) {
        return *exact;
    }
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (it.key().compare(name, Qt::CaseInsensitive) == 0) {
            return *it;
        }
    }
    return QJsonValue(QJsonValue::Undefined);
}

bool absent(const QJsonValue &value)
{
    return value.isUndefined() || value.isNull();
}

bool readString(const QJsonObject &object, QLatin1String name, QString *out, QString *error)
{
    const QJsonValue value = field(object, name);
    if (absent(value)) {
        return true;
    }
    if (!value.isString()) {
        *error = QStringLiteral("%1: expected a string").arg(name);
        return false;
    }
    *out = value.toString();
    return true;
}

// An address: {"Email": …, "Name": …} or "address" (Mailpit's EmailOrObject).
bool readAddress(const QJsonValue &value, const QString &where, MailAddress *out, QString *error)
{
    if (value.isString()) {
        *out = { QString(), value.toString().trimmed() };
        return true;
    }
    if (!value.isObject()) {
        *error = QStringLiteral("%1: expected an address ({\"Email\", \"Name\"} or a string)").arg(where);
        return false;
    }
    const QJsonObject object = value.toObject();
    QString email;
    QString name;
    if (!readString(object, QLatin1String("Email"), &email, error)
        || !readString(object, QLatin1String("Name"), &name, error)) {
        error->prepend(where + QStringLiteral("."));
        return false;
    }
    *out = { name, email.trimmed() };
    return true;
}

// A list of addresses, or one (Mailpit's EmailOrObjectList).
bool readAddresses(const QJsonObject &object, QLatin1String name, MailAddressList *out, QString *error)
{
    const QJsonValue value = field(object, name);
    if (absent(value)) {
        return true;
    }
    if (!value.isArray()) {
        MailAddress one;
        if (!readAddress(value, name, &one, error)) {
            return false;
        }
        *out << one;
        return true;
    }
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        MailAddress one;
        if (!readAddress(array[i], QStringLiteral("%1[%2]").arg(name).arg(i), &one, error)) {
            return false;
        }
        *out << one;
    }
    return true;
}

// RFC 4648 §4 with padding, as Go's base64.StdEncoding reads it (line breaks ignored): anything else is refused
// rather than decoded into other bytes than the sender meant.
std::optional<QByteArray> base64(QString content)
{
    // A data: URL's payload follows its last comma.
    content = content.mid(content.lastIndexOf(u',') + 1);
    content.remove(u'\r');
    content.remove(u'\n');
    const QByteArray text = content.toLatin1();
    if (text.size() % 4 != 0 || content.size() != text.size()) {
        return std::nullopt;
    }
    QByteArray::FromBase64Result result = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!result) {
        return std::nullopt;
    }
    return *result;
}
} // namespace

std::optional<MessageBuilder> SendRequest::parse(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("invalid JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QStringLiteral("expected a JSON object");
        return std::nullopt;
    }
    const QJsonObject body = document.object();
    MessageBuilder b;
    const QJsonValue from = field(body, QLatin1String("From"));
    if (!absent(from) && !readAddress(from, QStringLiteral("From"), &b.from, error)) {
        return std::nullopt;
    }
    if (!readAddresses(body, QLatin1String("To"), &b.to, error)
        || !readAddresses(body, QLatin1String("Cc"), &b.cc, error)
        || !readAddresses(body, QLatin1String("Bcc"), &b.bcc, error)
        || !readAddresses(body, QLatin1String("ReplyTo"), &b.replyTo, error)
        || !readString(body, QLatin1String("Subject"), &b.subject, error)
        || !readString(body, QLatin1String("Text"), &b.text, error)
        || !readString(body, QLatin1String("HTML"), &b.html, error)) {
        return std::nullopt;
    }

    const QJsonValue headers = field(body, QLatin1String("Headers"));
    if (!absent(headers)) {
        if (!headers.isObject()) {
            *error = QStringLiteral("Headers: expected an object of header names to values");
            return std::nullopt;
        }
        const QJsonObject object = headers.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!it->isString()) {
                *error = QStringLiteral("Headers.%1: expected a string").arg(it.key());
                return std::nullopt;
            }
            b.headers.append({ it.key(), it->toString() });
        }
    }

    const QJsonValue tags = field(body, QLatin1String("Tags"));
    if (!absent(tags)) {
        if (!tags.isArray()) {
            *error = QStringLiteral("Tags: expected an array of strings");
            return std::nullopt;
        }
        for (const QJsonValue &tag : tags.toArray()) {
            if (!tag.isString()) {
                *error = QStringLiteral("Tags: expected an array of strings");
                return std::nullopt;
            }
            if (!tag.toString().trimmed().isEmpty()) {
                b.tags << tag.toString().trimmed();
            }
        }
    }

    const QJsonValue attachments = field(body, QLatin1String("Attachments"));
    if (!absent(attachments)) {
        if (!attachments.isArray()) {
            *error = QStringLiteral("Attachments: expected an array");
            return std::nullopt;
        }
        const QJsonArray array = attachments.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString where = QStringLiteral("Attachments[%1]").arg(i);
            if (!array[i].isObject()) {
                *error = where + QStringLiteral(": expected an object");
                return std::nullopt;
            }
            const QJsonObject object = array[i].toObject();
            MessageBuilder::Attachment a;
            QString content;
            if (!readString(object, QLatin1String("Content"), &content, error)
                || !readString(object, QLatin1String("Filename"), &a.fileName, error)
                || !readString(object, QLatin1String("ContentType"), &a.contentType, error)
                || !readString(object, QLatin1String("ContentID"), &a.contentId, error)) {
                error->prepend(where + QStringLiteral("."));
                return std::nullopt;
            }
            const std::optional<QByteArray> bytes = base64(content);
            if (!bytes) {
                *error = QStringLiteral("error decoding base64 attachment \"%1\"").arg(a.fileName);
                return std::nullopt;
            }
            a.content = *bytes;
            // RFC 2392: a cid: URL names the Content-ID without its angle brackets; a caller may give either.
            if (a.contentId.startsWith(u'<') && a.contentId.endsWith(u'>')) {
                a.contentId = a.contentId.mid(1, a.contentId.size() - 2);
            }
            b.attachments << a;
        }
    }
    return b;
}
