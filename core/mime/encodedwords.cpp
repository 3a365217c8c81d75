#include "encodedwords.h"

#include <QList>

#include <utility>

namespace {
// One encoded-word (RFC 2047 §2): "=?" charset "?" encoding "?" encoded-text "?=", at value[start, end).
struct Word
{
    qsizetype start = 0;
    qsizetype end = 0;
    QByteArray charset; // as written, without an RFC 2231 "*language" suffix
    QByteArray key; // the charset in lower case: words of one key share a charset
    bool base64 = false;
    QByteArray text;
};

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The encoded-word starting at value[at] ("=?"), if it is one: the charset and text may not hold whitespace or '?',
// the encoding is B or Q (RFC 2047 §2, §4).
bool readWord(const QByteArray &value, qsizetype at, Word *word)
{
    const qsizetype charsetEnd = value.indexOf('?', at + 2);
    if (charsetEnd < 0 || charsetEnd == at + 2 || charsetEnd + 2 >= value.size() || value.at(charsetEnd + 2) != '?') {
        return false;
    }
    const char encoding = value.at(charsetEnd + 1);
    if (encoding != 'b' && encoding != 'B' && encoding != 'q' && encoding != 'Q') {
        return false;
    }
    const qsizetype textStart = charsetEnd + 3;
    const qsizetype textEnd = value.indexOf('?', textStart);
    if (textEnd < 0 || textEnd + 1 >= value.size() || value.at(textEnd + 1) != '=') {
        return false;
    }
    for (qsizetype i = at + 2; i < textEnd; ++i) {
        if (isSpace(value.at(i))) {
            return false;
        }
    }
    QByteArray charset = value.mid(at + 2, charsetEnd - at - 2);
    // RFC 2231 §5: "=?utf-8*de?q?…?=" names a language after the charset.
    const qsizetype star = charset.indexOf('*');
    if (star >= 0) {
        charset.truncate(star);
    }
    if (charset.isEmpty()) {
        return false;
    }
    word->start = at;
    word->end = textEnd + 2;
    word->key = charset.toLower();
    word->charset = std::move(charset);
    word->base64 = encoding == 'b' || encoding == 'B';
    word->text = value.mid(textStart, textEnd - textStart);
    return true;
}

QList<Word> words(const QByteArray &value)
{
    QList<Word> found;
    for (qsizetype at = value.indexOf("=?"); at >= 0;) {
        Word word;
        if (readWord(value, at, &word)) {
            found.append(word);
            at = value.indexOf("=?", word.end);
        } else {
            at = value.indexOf("=?", at + 1);
        }
    }
    return found;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// RFC 2047 §4.2: "_" is a space, "=XX" an octet; an "=" not followed by two hex digits stays as it is (as Python's
// email package and GMime leave it).
QByteArray decodeQ(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < text.size() && hexValue(text.at(i + 1)) >= 0 && hexValue(text.at(i + 2)) >= 0) {
            out += char(hexValue(text.at(i + 1)) * 16 + hexValue(text.at(i + 2)));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// The base64 alphabet and padding of a word's text; anything else is skipped (RFC 2045 §6.8).
QByteArray base64Characters(const QByteArray &text)
{
    QByteArray out;
    out.reserve(text.size());
    for (const char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
            || c == '=') {
            out += c;
        }
    }
    return out;
}

// The octets of adjacent words of one charset, each word decoded on its own. A base64 word without padding whose
// length is no multiple of 4 was cut inside a group of 4 characters: its last characters go with the next base64
// word of the run.
QByteArray octets(const QList<Word> &group)
{
    QByteArray out;
    QByteArray carried;
    for (qsizetype i = 0; i < group.size(); ++i) {
        const Word &word = group.at(i);
        if (!word.base64) {
            out += QByteArray::fromBase64(std::exchange(carried, QByteArray()));
            out += decodeQ(word.text);
            continue;
        }
        QByteArray characters = std::exchange(carried, QByteArray()) + base64Characters(word.text);
        const bool nextIsBase64 = i + 1 < group.size() && group.at(i + 1).base64;
        if (nextIsBase64 && !characters.contains('=') && characters.size() % 4 != 0) {
            carried = characters.right(characters.size() % 4);
            characters.chop(carried.size());
        }
        out += QByteArray::fromBase64(characters);
    }
    out += QByteArray::fromBase64(carried);
    return out;
}

// A run of adjacent words as one base64 word per charset (adjacent words of different charsets stay separate words,
// decoded separately).
QByteArray rewrittenRun(const QList<Word> &run)
{
    QByteArrayList out;
    for (qsizetype first = 0; first < run.size();) {
        qsizetype last = first;
        while (last + 1 < run.size() && run.at(last + 1).key == run.at(first).key) {
            ++last;
        }
        const QByteArray bytes = octets(run.mid(first, last - first + 1));
        if (!bytes.isEmpty()) {
            out << "=?" + run.at(first).charset + "?b?" + bytes.toBase64() + "?=";
        }
        first = last + 1;
    }
    return out.join(' ');
}

bool onlySpaceBetween(const QByteArray &value, qsizetype from, qsizetype to)
{
    for (qsizetype i = from; i < to; ++i) {
        if (!isSpace(value.at(i))) {
            return false;
        }
    }
    return true;
}
} // namespace

QByteArray EncodedWords::rejoined(const QByteArray &value)
{
    if (!value.contains("=?")) {
        return value;
    }
    const QList<Word> all = words(value);
    QByteArray out;
    qsizetype copied = 0;
    for (qsizetype first = 0; first < all.size();) {
        qsizetype last = first;
        while (last + 1 < all.size() && onlySpaceBetween(value, all.at(last).end, all.at(last + 1).start)) {
            ++last;
        }
        if (last > first) {
            out += QByteArrayView(value).sliced(copied, all.at(first).start - copied);
            out += rewrittenRun(all.mid(first, last - first + 1));
            copied = all.at(last).end;
        }
        first = last + 1;
    }
    if (copied == 0) {
        return value;
    }
    out += QByteArrayView(value).sliced(copied);
    return out;
}
