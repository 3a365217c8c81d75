#include "htmltext.h"

#include <QHash>

namespace {
const QHash<QString, char32_t> &namedEntities()
{
    static const QHash<QString, char32_t> entities {
        { QStringLiteral("amp"), U'&' },
        { QStringLiteral("lt"), U'<' },
        { QStringLiteral("gt"), U'>' },
        { QStringLiteral("quot"), U'"' },
        { QStringLiteral("apos"), U'\'' },
        { QStringLiteral("nbsp"), U'\u00a0' },
        { QStringLiteral("copy"), U'\u00a9' },
        { QStringLiteral("reg"), U'\u00ae' },
        { QStringLiteral("trade"), U'\u2122' },
        { QStringLiteral("hellip"), U'\u2026' },
        { QStringLiteral("mdash"), U'\u2014' },
        { QStringLiteral("ndash"), U'\u2013' },
        { QStringLiteral("lsquo"), U'\u2018' },
        { QStringLiteral("rsquo"), U'\u2019' },
        { QStringLiteral("ldquo"), U'\u201c' },
        { QStringLiteral("rdquo"), U'\u201d' },
        { QStringLiteral("euro"), U'\u20ac' },
        { QStringLiteral("zwnj"), U'\u200c' },
    };
    return entities;
}

bool isBlockTag(QStringView name)
{
    static const char *const blocks[] = { "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
        "ul", "ol", "blockquote", "pre", "hr", "title" };
    for (const char *b : blocks) {
        if (name.compare(QLatin1String(b), Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

// Decodes "&name;", "&#123;" and "&#x1F;" starting at html[i] == '&'; advances i past it.
void appendEntity(const QString &html, qsizetype &i, QString &out)
{
    const qsizetype semi = html.indexOf(QLatin1Char(';'), i + 1);
    if (semi < 0 || semi - i > 10) {
        out += QLatin1Char('&');
        ++i;
        return;
    }
    const QStringView name = QStringView(html).mid(i + 1, semi - i - 1);
    char32_t code = 0;
    bool ok = false;
    if (name.startsWith(QLatin1Char('#'))) {
        const bool hex = name.size() > 1 && (name[1] == QLatin1Char('x') || name[1] == QLatin1Char('X'));
        code = name.mid(hex ? 2 : 1).toUInt(&ok, hex ? 16 : 10);
        ok = ok && code > 0 && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
    } else {
        const auto it = namedEntities().constFind(name.toString().toLower());
        ok = it != namedEntities().constEnd();
        if (ok) {
            code = *it;
        }
    }
    if (!ok) {
        out += QLatin1Char('&');
        ++i;
        return;
    }
    out += QString::fromUcs4(&code, 1);
    i = semi + 1;
}
} // namespace

QString htmlToText(const QString &html)
{
    QString out;
    out.reserve(html.size() / 2);
    const qsizetype n = html.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = html.at(i);
        if (c == QLatin1Char('&')) {
            appendEntity(html, i, out);
            continue;
        }
        if (c != QLatin1Char('<')) {
            // Line breaks in the source are spaces in HTML; only block elements break lines.
            out += (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QLatin1Char('\t')) ? QLatin1Char(' ') : c;
            ++i;
            continue;
        }
        if (QStringView(html).mid(i, 4) == QLatin1String("<!--")) {
            const qsizetype end = html.indexOf(QLatin1String("-->"), i + 4);
            i = end < 0 ? n : end + 3;
            continue;
        }
        const qsizetype close = html.indexOf(QLatin1Char('>'), i + 1);
        if (close < 0) {
            break;
        }
        QStringView tag = QStringView(html).mid(i + 1, close - i - 1).trimmed();
        const bool closing = tag.startsWith(QLatin1Char('/'));
        if (closing) {
            tag = tag.mid(1);
        }
        qsizetype nameEnd = 0;
        while (nameEnd < tag.size() && (tag[nameEnd].isLetterOrNumber())) {
            ++nameEnd;
        }
        const QStringView name = tag.left(nameEnd);
        i = close + 1;
        // Their content is not text: skip to the matching close tag.
        if (!closing
            && (name.compare(QLatin1String("script"), Qt::CaseInsensitive) == 0
                || name.compare(QLatin1String("style"), Qt::CaseInsensitive) == 0
                || name.compare(QLatin1String("head"), Qt::CaseInsensitive) == 0)) {
            const QString end = QLatin1String("</") + name.toString();
            const qsizetype at = html.indexOf(end, i, Qt::CaseInsensitive);
            i = at < 0 ? n : at;
            continue;
        }
        if (isBlockTag(name)) {
            out += QLatin1Char('\n');
        } else if (name.compare(QLatin1String("td"), Qt::CaseInsensitive) == 0 && closing) {
            out += QLatin1Char(' ');
        }
    }
    // Runs of blank lines and spaces left by the markup.
    QString tidy;
    tidy.reserve(out.size());
    int newlines = 0;
    bool space = false;
    for (QChar c : std::as_const(out)) {
        if (c == QLatin1Char('\n')) {
            space = false;
            if (++newlines <= 2 && !tidy.isEmpty()) {
                tidy += c;
            }
            continue;
        }
        if (c.isSpace()) {
            space = true;
            continue;
        }
        if (space && newlines == 0 && !tidy.isEmpty()) {
            tidy += QLatin1Char(' ');
        }
        space = false;
        newlines = 0;
        tidy += c;
    }
    return tidy.trimmed();
}

QString foldedSnippet(const QString &text, qsizetype maxChars)
{
    QString out;
    out.reserve(qMin(text.size(), maxChars));
    bool space = false;
    for (QChar c : text) {
        if (out.size() >= maxChars) {
            break;
        }
        if (c.isSpace()) {
            space = !out.isEmpty();
            continue;
        }
        if (space) {
            out += QLatin1Char(' ');
            space = false;
            if (out.size() >= maxChars) {
                break;
            }
        }
        out += c;
    }
    // Never end on half a surrogate pair.
    if (!out.isEmpty() && out.back().isHighSurrogate()) {
        out.chop(1);
    }
    return out;
}
