#include "apijson.h"

#include "../mime/parsedmessage.h"
#include "../relay/relayattempt.h"
#include "../store/storedmessage.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QRegularExpression>

namespace ApiJson {

QString time(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject address(const MailAddress &a)
{
    return a.toJson();
}

QJsonArray addresses(const MailAddressList &list)
{
    return toJson(list);
}

QJsonObject summary(const MessageSummary &s)
{
    return QJsonObject {
        { QStringLiteral("ID"), s.id },
        { QStringLiteral("MessageID"), s.messageId },
        { QStringLiteral("Read"), s.read },
        { QStringLiteral("From"), address(s.fromList.value(0)) },
        { QStringLiteral("To"), addresses(s.toList) },
        { QStringLiteral("Cc"), addresses(s.ccList) },
        { QStringLiteral("Bcc"), addresses(s.bccList) },
        { QStringLiteral("ReplyTo"), addresses(s.replyToList) },
        { QStringLiteral("Subject"), s.subject },
        { QStringLiteral("Created"), time(s.receivedMs) },
        { QStringLiteral("Username"), s.authUser },
        { QStringLiteral("Tags"), strings(s.tags) },
        { QStringLiteral("Size"), double(s.size) },
        { QStringLiteral("Attachments"), s.attachmentCount },
        { QStringLiteral("Snippet"), s.snippet },
        // CONTRACT "Mailboxes": Letterbox's fields beside Mailpit's.
        { QStringLiteral("Mailbox"), s.mailbox },
        { QStringLiteral("Pinned"), s.pinned },
    };
}

QJsonArray strings(const QStringList &list)
{
    QJsonArray array;
    for (const QString &item : list) {
        array.append(item);
    }
    return array;
}

QJsonObject summaries(const QList<MessageSummary> &page, qint64 start, qint64 total, qint64 unread, qint64 matches,
    qint64 unreadMatches, const QStringList &tags)
{
    QJsonArray messages;
    for (const MessageSummary &s : page) {
        messages.append(summary(s));
    }
    return QJsonObject {
        { QStringLiteral("total"), double(total) },
        { QStringLiteral("unread"), double(unread) },
        { QStringLiteral("count"), double(page.size()) },
        { QStringLiteral("messages_count"), double(matches) },
        { QStringLiteral("messages_unread"), double(unreadMatches) },
        { QStringLiteral("start"), double(start) },
        { QStringLiteral("tags"), strings(tags) },
        { QStringLiteral("messages"), messages },
    };
}

namespace {
QJsonObject attachment(const MimePart &p, const QByteArray &content)
{
    const auto hex = [&content](QCryptographicHash::Algorithm algorithm) {
        return QString::fromLatin1(QCryptographicHash::hash(content, algorithm).toHex());
    };
    return QJsonObject {
        { QStringLiteral("PartID"), p.partId },
        // Mailpit names a part without a file name after its Content-ID.
        { QStringLiteral("FileName"), p.fileName.isEmpty() ? p.contentId : p.fileName },
        { QStringLiteral("ContentType"), p.contentType },
        { QStringLiteral("ContentID"), p.contentId },
        { QStringLiteral("Size"), double(content.size()) },
        { QStringLiteral("Checksums"),
            QJsonObject { { QStringLiteral("MD5"), hex(QCryptographicHash::Md5) },
                { QStringLiteral("SHA1"), hex(QCryptographicHash::Sha1) },
                { QStringLiteral("SHA256"), hex(QCryptographicHash::Sha256) } } },
    };
}

QJsonObject listUnsubscribe(const ParsedMessage &parsed)
{
    QJsonArray links;
    QString errors;
    const QString header = parsed.listUnsubscribe;
    if (!header.isEmpty()) {
        // RFC 2369: a comma-separated list of URLs in angle brackets.
        static const QRegularExpression bracketed(QStringLiteral("<([^>]*)>"));
        auto it = bracketed.globalMatch(header);
        while (it.hasNext()) {
            const QString link = it.next().captured(1).trimmed();
            const QString scheme = link.section(QLatin1Char(':'), 0, 0).toLower();
            if (scheme != QLatin1String("mailto") && scheme != QLatin1String("http")
                && scheme != QLatin1String("https")) {
                errors = QStringLiteral("unsupported link scheme in %1").arg(link);
            }
            links.append(link);
        }
        if (links.isEmpty()) {
            errors = QStringLiteral("no <link> in the header");
        }
    }
    return QJsonObject { { QStringLiteral("Header"), header }, { QStringLiteral("Links"), links },
        { QStringLiteral("Errors"), errors }, { QStringLiteral("HeaderPost"), parsed.listUnsubscribePost } };
}
} // namespace

QJsonObject message(const StoredMessage &stored, const ParsedMessage &parsed)
{
    const MessageSummary &s = stored.summary;
    QJsonArray attachments;
    QJsonArray inlines;
    QStringList ids;
    for (const MimePart &p : parsed.parts) {
        if (p.role == MimePart::Role::Attachment || p.role == MimePart::Role::Inline) {
            ids << p.partId;
        }
    }
    // Their checksums need their bytes: all from one more parse.
    const QHash<QString, QByteArray> contents = ParsedMessage::partContents(stored.raw, ids);
    for (const MimePart &p : parsed.parts) {
        if (p.role != MimePart::Role::Attachment && p.role != MimePart::Role::Inline) {
            continue;
        }
        const QByteArray content = contents.value(p.partId);
        (p.role == MimePart::Role::Attachment ? attachments : inlines).append(attachment(p, content));
    }
    return QJsonObject {
        { QStringLiteral("ID"), s.id },
        { QStringLiteral("MessageID"), parsed.messageId },
        { QStringLiteral("From"), address(parsed.from.value(0)) },
        { QStringLiteral("To"), addresses(parsed.to) },
        { QStringLiteral("Cc"), addresses(parsed.cc) },
        { QStringLiteral("Bcc"), addresses(s.bccList) },
        { QStringLiteral("ReplyTo"), addresses(parsed.replyTo) },
        { QStringLiteral("ReturnPath"), stored.mailFrom },
        { QStringLiteral("Subject"), parsed.subject },
        { QStringLiteral("ListUnsubscribe"), listUnsubscribe(parsed) },
        { QStringLiteral("Date"),
            parsed.date.isValid() ? parsed.date.toString(Qt::ISODateWithMs) : time(s.receivedMs) },
        { QStringLiteral("Tags"), strings(s.tags) },
        { QStringLiteral("Username"), stored.authUser },
        { QStringLiteral("Text"), parsed.text },
        { QStringLiteral("HTML"), parsed.html },
        { QStringLiteral("Size"), double(s.size) },
        { QStringLiteral("Inline"), inlines },
        { QStringLiteral("Attachments"), attachments },
        { QStringLiteral("Mailbox"), s.mailbox },
        { QStringLiteral("Pinned"), s.pinned },
    };
}

QString canonicalHeaderName(const QString &name)
{
    // Go leaves a key alone if it has a character outside the token set (space included).
    for (QChar c : name) {
        const ushort u = c.unicode();
        const bool token = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || QStringView(u"!#$%&'*+-.^_`|~").contains(c);
        if (!token) {
            return name;
        }
    }
    QString out = name;
    bool upper = true;
    for (QChar &c : out) {
        c = upper ? c.toUpper() : c.toLower();
        upper = c == QLatin1Char('-');
    }
    return out;
}

QJsonObject headers(const ParsedMessage &parsed)
{
    QJsonObject out;
    for (const MimeHeader &h : parsed.headers) {
        const QString name = canonicalHeaderName(h.name);
        QJsonArray values = out.value(name).toArray();
        // As Go's net/mail gives them to Mailpit: unfolded, not decoded.
        QStringList lines;
        for (const QByteArray &line : h.rawValue.split('\n')) {
            const QByteArray trimmed = line.trimmed();
            if (!trimmed.isEmpty()) {
                lines << QString::fromUtf8(trimmed);
            }
        }
        values.append(lines.join(QLatin1Char(' ')));
        out.insert(name, values);
    }
    return out;
}

QJsonObject envelope(const StoredMessage &stored)
{
    return QJsonObject {
        { QStringLiteral("MailFrom"), stored.mailFrom },
        { QStringLiteral("RcptTo"), QJsonArray::fromStringList(stored.rcptTo) },
        { QStringLiteral("ClientAddress"), stored.clientAddress },
        { QStringLiteral("ClientPort"), stored.clientPort },
        { QStringLiteral("Helo"), stored.helo },
        { QStringLiteral("Tls"), stored.tls },
        { QStringLiteral("TlsProtocol"), stored.tlsProtocol },
        { QStringLiteral("TlsCipher"), stored.tlsCipher },
        { QStringLiteral("Username"), stored.authUser },
        { QStringLiteral("Received"), time(stored.summary.receivedMs) },
    };
}

QJsonObject transcript(const Transcript &transcript)
{
    QJsonArray entries;
    for (const TranscriptEntry &entry : transcript) {
        entries.append(QJsonObject { { QStringLiteral("Time"), time(entry.timeMs) },
            { QStringLiteral("Direction"),
                entry.direction == TranscriptEntry::Direction::In ? QStringLiteral("in") : QStringLiteral("out") },
            { QStringLiteral("Text"), QString::fromUtf8(entry.text) } });
    }
    return QJsonObject { { QStringLiteral("Transcript"), entries } };
}
} // namespace ApiJson

QJsonArray ApiJson::relayLog(const QList<RelayAttempt> &attempts)
{
    QJsonArray log;
    for (const RelayAttempt &attempt : attempts) {
        QJsonArray to;
        for (const QByteArray &address : attempt.to) {
            to.append(QString::fromUtf8(address));
        }
        log.append(QJsonObject { { QStringLiteral("Time"), ApiJson::time(attempt.time.toMSecsSinceEpoch()) },
            { QStringLiteral("To"), to }, { QStringLiteral("Ok"), attempt.ok },
            { QStringLiteral("Reply"), QString::fromUtf8(attempt.reply) } });
    }
    return log;
}

QJsonObject ApiJson::refusedSession(const RefusedSession &session)
{
    QJsonArray rules;
    for (const QByteArray &rule : session.rules) {
        rules.append(QString::fromUtf8(rule));
    }
    return QJsonObject { { QStringLiteral("ID"), QString::fromLatin1(session.id) },
        { QStringLiteral("Created"), ApiJson::time(session.startMs) },
        { QStringLiteral("Ended"), ApiJson::time(session.endMs) },
        { QStringLiteral("ClientAddress"), session.clientAddress },
        { QStringLiteral("ClientPort"), session.clientPort },
        { QStringLiteral("Helo"), QString::fromUtf8(session.helo) }, { QStringLiteral("Refused"), true },
        { QStringLiteral("Rule"), session.rules.isEmpty() ? QString() : QString::fromUtf8(session.rules.first()) },
        { QStringLiteral("Rules"), rules }, { QStringLiteral("Messages"), ApiJson::strings(session.messages) },
        { QStringLiteral("Size"), session.dataSize },
        { QStringLiteral("Transcript"), ApiJson::transcript(session.transcript).value(QStringLiteral("Transcript")) } };
}

QJsonObject ApiJson::refusedSessions(const QList<RefusedSession> &page, qint64 start, qint64 total)
{
    QJsonArray sessions;
    for (const RefusedSession &session : page) {
        sessions.append(refusedSession(session));
    }
    return QJsonObject { { QStringLiteral("total"), total }, { QStringLiteral("count"), page.size() },
        { QStringLiteral("start"), start }, { QStringLiteral("sessions"), sessions } };
}
