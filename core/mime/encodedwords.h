#pragma once

#include <QByteArray>

// RFC 2047 encoded-words, prepared for GMime's header decoder. GMime 3.2 decodes a run of adjacent base64 words of one
// charset as one base64 stream, so a word that ends in "=" padding cuts off the words after it:
// "=?utf-8?b?R3LDtsOfZQ==?= =?utf-8?b?IEJlc3RlbGx1bmc=?=" came out as "Größe" instead of "Größe Bestellung" (Python's
// email package writes such runs for every long UTF-8 subject). Every header value goes through rejoined() before
// GMime decodes or parses it, so that subjects, display names, file names and the /headers values agree.
class EncodedWords
{
public:
    // value with each run of two or more adjacent encoded-words (separated by nothing but whitespace, which RFC 2047
    // §6.2 drops) rewritten as one base64 encoded-word per charset: each word's encoded-text decoded on its own, and
    // the octets of adjacent words of one charset joined, so that a character split across words comes out whole
    // (as Python's email package does). A base64 word cut short of a full 4-character group carries its remainder
    // into the next word of its charset (as GMime does). Everything else is returned as it is, and so is a value
    // without such a run; a malformed word ("=?utf-8?x?…?=") is not an encoded-word and stays literal.
    static QByteArray rejoined(const QByteArray &value);
};
