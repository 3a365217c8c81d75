#include "headersummary.h"

#include <QByteArrayMatcher>
#include <QDateTime>
#include <QStringDecoder>

#include <cerrno>
#include <iconv.h>

namespace {
// Bytes in charset to Unicode. Qt 6.4 knows only UTF-8/16/32 and Latin-1, so iconv does the rest.
QString toUnicode(const QByteArray &bytes, const QByteArray &charset)
{
    const QByteArray cs = charset.toLower();
    if (cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") {
        return QString::fromUtf8(bytes);
    }
    if (cs == "iso-8859-1" || cs == "latin1") {
        return QString::fromLatin1(bytes);
    }
    iconv_t cd = iconv_open("UTF-8", cs.constData());
    if (cd == iconv_t(-1)) {
        return QString::fromUtf8(bytes);
    }
    QByteArray out(bytes.size() * 4 + 16, Qt::Uninitialized);
    char *in = const_cast<char *>(bytes.constData());
    size_t inLeft = size_t(bytes.size());
    char *outPtr = out.data();
    size_t outLeft = size_t(out.size());
    while (inLeft > 0) {
        if (iconv(cd, &in, &inLeft, &outPtr, &outLeft) == size_t(-1)) {
            if (errno == EILSEQ || errno == EINVAL) {
                // Skip an invalid byte, show U+FFFD, and go on.
                ++in;
                --inLeft;
                if (outLeft >= 3) {
                    *outPtr++ = char(0xef);
                    *outPtr++ = char(0xbf);
                    *outPtr++ = char(0xbd);
                    outLeft -= 3;
                }
                continue;
            }
            break;
        }
    }
    iconv_close(cd);
    out.truncate(out.size() - qsizetype(outLeft));
    return QString::fromUtf8(out);
}

QByteArray decodeQ(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < text.size() && isxdigit(uchar(text[i + 1])) && isxdigit(uchar(text[i + 2]))) {
            out += char(QByteArray::fromHex(text.mid(i + 1, 2)).at(0));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// Parses "=?charset?enc?text?=" at pos; on success sets *end past it and returns true.
bool decodeWordAt(const QByteArray &value, qsizetype pos, qsizetype *end, QString *decoded)
{
    if (!value.mid(pos, 2).startsWith("=?")) {
        return false;
    }
    const qsizetype q1 = value.indexOf('?', pos + 2);
    if (q1 < 0) {
        return false;
    }
    const qsizetype q2 = value.indexOf('?', q1 + 1);
    if (q2 != q1 + 2) {
        return false;
    }
    const qsizetype close = value.indexOf("?=", q2 + 1);
    if (close < 0) {
        return false;
    }
    QByteArray charset = value.mid(pos + 2, q1 - pos - 2);
    // RFC 2231 §5: a language suffix "*lang" may follow the charset.
    const qsizetype star = charset.indexOf('*');
    if (star >= 0) {
        charset.truncate(star);
    }
    const char encoding = char(toupper(uchar(value[q1 + 1])));
    const QByteArray text = value.mid(q2 + 1, close - q2 - 1);
    if (text.contains(' ')) {
        return false;
    }
    QByteArray bytes;
    if (encoding == 'B') {
        bytes = QByteArray::fromBase64(text);
    } else if (encoding == 'Q') {
        bytes = decodeQ(text);
    } else {
        return false;
    }
    *decoded = toUnicode(bytes, charset);
    *end = close + 2;
    return true;
}

QByteArray unfold(QByteArray value)
{
    value.replace("\r\n", "");
    value.replace('\n', "");
    return value.trimmed();
}

QString stripAngles(QString id)
{
    id = id.trimmed();
    if (id.startsWith(u'<')) {
        id.remove(0, 1);
    }
    const qsizetype close = id.indexOf(u'>');
    if (close >= 0) {
        id.truncate(close);
    }
    return id;
}
} // namespace

QString HeaderSummary::decodeWords(const QByteArray &value)
{
    QString out;
    bool lastWasWord = false;
    qsizetype i = 0;
    qsizetype plainStart = 0;
    const auto flushPlain = [&](qsizetype end) {
        if (end > plainStart) {
            out += QString::fromUtf8(value.mid(plainStart, end - plainStart));
        }
    };
    while (i < value.size()) {
        const qsizetype start = value.indexOf("=?", i);
        if (start < 0) {
            break;
        }
        qsizetype end = 0;
        QString decoded;
        if (!decodeWordAt(value, start, &end, &decoded)) {
            i = start + 2;
            continue;
        }
        // RFC 2047 §6.2: whitespace between adjacent encoded-words is dropped.
        const QByteArray between = value.mid(plainStart, start - plainStart);
        if (!(lastWasWord && between.trimmed().isEmpty())) {
            flushPlain(start);
        }
        out += decoded;
        lastWasWord = true;
        i = end;
        plainStart = end;
    }
    flushPlain(value.size());
    return out;
}

HeaderSummary HeaderSummary::fromMessage(const QByteArray &message)
{
    HeaderSummary summary;
    QByteArray contentType;
    QByteArray disposition;
    qsizetype pos = 0;
    qsizetype headerEnd = message.size();
    QByteArray name;
    QByteArray value;
    const auto commit = [&]() {
        if (name.isEmpty()) {
            return;
        }
        const QByteArray lower = name.toLower();
        const QByteArray v = unfold(value);
        if (lower == "from" && summary.from.isEmpty()) {
            summary.from = decodeWords(v);
        } else if (lower == "to" && summary.to.isEmpty()) {
            summary.to = decodeWords(v);
        } else if (lower == "cc" && summary.cc.isEmpty()) {
            summary.cc = decodeWords(v);
        } else if (lower == "subject" && summary.subject.isEmpty()) {
            summary.subject = decodeWords(v);
        } else if (lower == "date" && summary.dateMs == 0) {
            QString text = QString::fromLatin1(v);
            // Drop a trailing comment such as "(UTC)", which Qt's RFC 2822 parser rejects.
            const qsizetype paren = text.indexOf(u'(');
            if (paren > 0) {
                text.truncate(paren);
            }
            const QDateTime date = QDateTime::fromString(text.trimmed(), Qt::RFC2822Date);
            if (date.isValid()) {
                summary.dateMs = date.toMSecsSinceEpoch();
            }
        } else if (lower == "message-id" && summary.messageId.isEmpty()) {
            summary.messageId = stripAngles(QString::fromUtf8(v));
        } else if (lower == "content-type" && contentType.isEmpty()) {
            contentType = v.toLower();
        } else if (lower == "content-disposition" && disposition.isEmpty()) {
            disposition = v.toLower();
        }
        name.clear();
        value.clear();
    };
    while (pos < message.size()) {
        qsizetype eol = message.indexOf('\n', pos);
        if (eol < 0) {
            eol = message.size();
        }
        QByteArray line = message.mid(pos, eol - pos);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        pos = eol + 1;
        if (line.isEmpty()) {
            headerEnd = pos;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            value += ' ' + line.trimmed();
            continue;
        }
        commit();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            continue;
        }
        name = line.left(colon).trimmed();
        value = line.mid(colon + 1);
    }
    commit();
    // A header-only guess until MIME parsing: an attachment disposition at the top, or a mixed
    // multipart whose body names an attachment.
    if (disposition.startsWith("attachment")) {
        summary.hasAttachments = true;
    } else if (contentType.startsWith("multipart/mixed")) {
        static const QByteArrayMatcher attachment("Content-Disposition: attachment");
        static const QByteArrayMatcher attachmentLower("content-disposition: attachment");
        static const QByteArrayMatcher filename("filename=");
        summary.hasAttachments = attachment.indexIn(message, headerEnd) >= 0
            || attachmentLower.indexIn(message, headerEnd) >= 0 || filename.indexIn(message, headerEnd) >= 0;
    }
    return summary;
}
