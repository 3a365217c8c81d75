#pragma once

#include <QString>

// Readable text from an HTML body, for search, snippets and a message without a text part: scripts, styles
// and the head dropped, tags removed (a link keeps its text, not its address), white space folded, entities decoded
// once (numeric references, the XML five, HTML 4's Latin-1 set and common punctuation). A block element's start and
// end tag each break the line (<br> once, so paragraphs are a blank line apart), with at most one blank line in a row;
// table cells on a row are a space apart.
QString htmlToText(const QString &html);
// Whitespace runs folded to one space, trimmed, cut to at most maxChars characters.
QString foldedSnippet(const QString &text, qsizetype maxChars = 250);
