#include "messagetags.h"

#include <QSet>

#include <algorithm>

namespace {
bool isTagCharacter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_'
        || u == '.' || u == ' ';
}
} // namespace

QString MessageTags::clean(const QString &tag)
{
    QString out;
    out.reserve(tag.size());
    bool space = false;
    for (QChar c : tag) {
        if (!isTagCharacter(c) || c.isSpace()) {
            space = true;
            continue;
        }
        if (space && !out.isEmpty()) {
            out += QLatin1Char(' ');
        }
        space = false;
        out += c;
    }
    return out;
}

void MessageTags::sort(QStringList &tags)
{
    std::sort(tags.begin(), tags.end());
}

QStringList MessageTags::normalized(const QStringList &tags)
{
    QStringList out;
    QSet<QString> seen;
    for (const QString &tag : tags) {
        const QString cleaned = clean(tag);
        if (cleaned.isEmpty()) {
            continue;
        }
        const QString key = cleaned.toLower();
        if (seen.contains(key)) {
            continue;
        }
        seen.insert(key);
        out << cleaned;
    }
    sort(out);
    return out;
}

QByteArray MessageTags::headerValue(const QByteArray &data, const QByteArray &name)
{
    QByteArray value;
    bool inHeader = false;
    qsizetype pos = 0;
    while (pos < data.size()) {
        qsizetype eol = data.indexOf('\n', pos);
        if (eol < 0) {
            eol = data.size();
        }
        QByteArray line = data.mid(pos, eol - pos);
        pos = eol + 1;
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.isEmpty()) {
            break; // the end of the header section (RFC 5322 §2.1)
        }
        if (line.front() == ' ' || line.front() == '\t') {
            if (inHeader) {
                value += line; // RFC 5322 §2.2.3: unfolding removes the line break only
            }
            continue;
        }
        if (inHeader) {
            break;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0) {
            inHeader = true;
            value = line.mid(colon + 1);
        }
    }
    return value.trimmed();
}

QStringList MessageTags::fromArrival(const QByteArray &data, const QByteArrayList &addresses)
{
    QStringList tags;
    const QByteArray header = headerValue(data, QByteArrayLiteral("X-Tags"));
    if (!header.isEmpty()) {
        for (const QByteArray &part : header.split(',')) {
            tags << QString::fromUtf8(part);
        }
    }
    // Mailpit's plus-addressing: after the first '+' of the address and before the '@' that follows it, every
    // '+'-separated part is a tag.
    for (const QByteArray &address : addresses) {
        const qsizetype plus = address.indexOf('+');
        const qsizetype at = plus < 0 ? -1 : address.indexOf('@', plus);
        if (at < 0) {
            continue;
        }
        for (const QByteArray &part : address.mid(plus + 1, at - plus - 1).split('+')) {
            tags << QString::fromUtf8(part);
        }
    }
    return normalized(tags);
}
