#pragma once

#include <QString>

// Readable text from an HTML body, for search, snippets and a message without a text part: scripts, styles
// and the head dropped, tags removed, block elements as line breaks, entities decoded.
QString htmlToText(const QString &html);
// Whitespace runs folded to one space, trimmed, cut to at most maxChars characters.
QString foldedSnippet(const QString &text, qsizetype maxChars = 250);
