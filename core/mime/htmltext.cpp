#include "htmltext.h"

#include <QHash>

#include <iterator>
#include <optional>

namespace {
// HTML 4's Latin-1 entities, in code point order from U+00A0.
const char *const Latin1Entities[] = { "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml",
    "copy", "ordf", "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para",
    "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",
    "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc",
    "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute",
    "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig",
    "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve",
    "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn",
    "yuml" };
static_assert(std::size(Latin1Entities) == 0x100 - 0xA0);

// Names are case-sensitive (&Eacute; is not &eacute;); lookUp() also tries the lower-case name, for the
// upper-case forms of the ASCII ones (&AMP;, &LT;) that HTML accepts.
const QHash<QString, char32_t> &namedEntities()
{
    static const QHash<QString, char32_t> entities = [] {
        QHash<QString, char32_t> e {
            { QStringLiteral("amp"), U'&' },
            { QStringLiteral("lt"), U'<' },
            { QStringLiteral("gt"), U'>' },
            { QStringLiteral("quot"), U'"' },
            { QStringLiteral("apos"), U'\'' },
            { QStringLiteral("trade"), U'\u2122' },
            { QStringLiteral("hellip"), U'\u2026' },
            { QStringLiteral("mdash"), U'\u2014' },
            { QStringLiteral("ndash"), U'\u2013' },
            { QStringLiteral("lsquo"), U'\u2018' },
            { QStringLiteral("rsquo"), U'\u2019' },
            { QStringLiteral("sbquo"), U'\u201a' },
            { QStringLiteral("ldquo"), U'\u201c' },
            { QStringLiteral("rdquo"), U'\u201d' },
            { QStringLiteral("bdquo"), U'\u201e' },
            { QStringLiteral("lsaquo"), U'\u2039' },
            { QStringLiteral("rsaquo"), U'\u203a' },
            { QStringLiteral("bull"), U'\u2022' },
            { QStringLiteral("dagger"), U'\u2020' },
            { QStringLiteral("Dagger"), U'\u2021' },
            { QStringLiteral("permil"), U'\u2030' },
            { QStringLiteral("euro"), U'\u20ac' },
            { QStringLiteral("ensp"), U'\u2002' },
            { QStringLiteral("emsp"), U'\u2003' },
            { QStringLiteral("thinsp"), U'\u2009' },
            { QStringLiteral("zwnj"), U'\u200c' },
            { QStringLiteral("zwj"), U'\u200d' },
            { QStringLiteral("larr"), U'\u2190' },
            { QStringLiteral("rarr"), U'\u2192' },
        };
        for (size_t i = 0; i < std::size(Latin1Entities); ++i) {
            e.insert(QLatin1String(Latin1Entities[i]), char32_t(0xA0 + i));
        }
        return e;
    }();
    return entities;
}

std::optional<char32_t> lookUp(QStringView name)
{
    const QHash<QString, char32_t> &entities = namedEntities();
    auto it = entities.constFind(name.toString());
    if (it == entities.constEnd()) {
        it = entities.constFind(name.toString().toLower());
    }
    return it == entities.constEnd() ? std::nullopt : std::optional<char32_t>(*it);
}

// Where a "<" starts markup, as the HTML tokenizer decides: before a letter (a tag), "/" (an end tag), "!" (a
// comment or doctype) or "?"; anything else, a space or a digit ("1 < 2", "x<3"), is the text "<".
bool startsMarkup(const QString &html, qsizetype lt)
{
    if (lt + 1 >= html.size()) {
        return false;
    }
    const char16_t c = html.at(lt + 1).unicode();
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'/' || c == u'!' || c == u'?';
}

// The ">" that ends the tag opened at html[lt]: one inside a quoted attribute value (title="Next >") does not.
// A quote never closed falls back to the first ">"; -1 when there is none.
qsizetype tagEnd(const QString &html, qsizetype lt)
{
    qsizetype first = -1;
    char16_t quote = 0;
    bool afterEquals = false;
    for (qsizetype i = lt + 1; i < html.size(); ++i) {
        const char16_t c = html.at(i).unicode();
        if (c == u'>' && first < 0) {
            first = i;
        }
        if (quote) {
            if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == u'>') {
            return i;
        }
        if (afterEquals && (c == u'"' || c == u'\'')) {
            quote = c;
            afterEquals = false;
        } else if (c == u'=') {
            afterEquals = true;
        } else if (!QChar::isSpace(c)) {
            afterEquals = false;
        }
    }
    return first;
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
        const std::optional<char32_t> named = lookUp(name);
        ok = named.has_value();
        code = named.value_or(0);
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
        if (c != QLatin1Char('<') || !startsMarkup(html, i)) {
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
        const qsizetype close = tagEnd(html, i);
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
