// htmlToText() and foldedSnippet(): the text of an HTML body for search, snippets and a message without a text part.
// Expected texts are written by hand from what htmltext.h promises (scripts, styles and the head dropped, tags
// removed, a block element's start and end each break the line, at most one blank line in a row, white space folded,
// entities decoded once) and from the HTML standard's tokenizer where markup is odd (a "<" not followed by a letter,
// "/", "!" or "?" is text; a ">" inside a quoted attribute value does not end the tag).
#include <mime/htmltext.h>

#include <QTest>

class TestHtmlText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void htmlToText_data();
    void htmlToText();
    void foldedSnippet_data();
    void foldedSnippet();
    void snippetsAreAtMost250CharactersByDefault();
};

void TestHtmlText::htmlToText_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("text");
    QTest::newRow("nothing") << QString() << QString();
    QTest::newRow("text without markup") << "Hello, world"
                                         << "Hello, world";
    // Blocks and line breaks.
    QTest::newRow("paragraphs are a blank line apart") << "<p>one</p><p>two</p>"
                                                       << "one\n\ntwo";
    QTest::newRow("a line break") << "a<br>b"
                                  << "a\nb";
    QTest::newRow("a self-closing line break") << "a<br/>b"
                                               << "a\nb";
    QTest::newRow("tag names ignore case and trailing space") << "a<BR >b"
                                                              << "a\nb";
    QTest::newRow("runs of line breaks keep one blank line") << "a<br><br><br><br>b"
                                                             << "a\n\nb";
    QTest::newRow("divisions") << "<div>a</div><div>b</div>"
                               << "a\n\nb";
    QTest::newRow("a heading then text") << "<h1>Title</h1>Text"
                                         << "Title\nText";
    QTest::newRow("list items") << "<ul><li>one</li><li>two</li></ul>"
                                << "one\n\ntwo";
    QTest::newRow("a rule") << "a<hr>b"
                            << "a\nb";
    QTest::newRow("a quotation") << "said<blockquote>quoted</blockquote>"
                                 << "said\nquoted";
    QTest::newRow("table cells on a row are a space apart")
        << "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
        << "a b\n\nc";
    QTest::newRow("inline elements leave no break") << "<b>bold</b> and <i>italic</i>, a<span>b</span>c"
                                                    << "bold and italic, abc";
    // White space.
    QTest::newRow("white space folds to one space") << "  a \n\t b  "
                                                    << "a b";
    QTest::newRow("source line breaks are spaces") << "<p>\n  Hello\n  world\n</p>"
                                                   << "Hello world";
    QTest::newRow("no spaces around a line break") << "a <br> b"
                                                   << "a\nb";
    QTest::newRow("CR LF after a break") << "line1<br>\r\nline2"
                                         << "line1\nline2";
    // Entities.
    QTest::newRow("the five XML entities") << "&amp; &lt; &gt; &quot; &apos;"
                                           << "& < > \" '";
    QTest::newRow("an escaped entity is decoded once") << "Fish &amp;amp; chips"
                                                       << "Fish &amp; chips";
    QTest::newRow("decimal and hexadecimal references") << "&#65;&#x42;&#X43;"
                                                        << "ABC";
    QTest::newRow("a reference outside the BMP") << "&#128512;" << QStringLiteral("😀");
    QTest::newRow("named entities beyond ASCII") << "&copy; 2026 &mdash; &euro;5" << QStringLiteral("© 2026 — €5");
    QTest::newRow("Latin-1 letters") << "caf&eacute; &Eacute;t&eacute; na&iuml;ve &szlig;"
                                     << QStringLiteral("café Été naïve ß");
    QTest::newRow("quotes and bullets") << "&laquo;a&raquo; &bull; &middot;" << QStringLiteral("«a» • ·");
    QTest::newRow("upper-case legacy names") << "&AMP; &LT;"
                                             << "& <";
    QTest::newRow("a non-breaking space folds like a space") << "a&nbsp;&nbsp;b"
                                                             << "a b";
    QTest::newRow("an ampersand without a semicolon is text") << "AT&T"
                                                              << "AT&T";
    QTest::newRow("an unknown entity is text") << "&bogus;"
                                               << "&bogus;";
    QTest::newRow("a reference to NUL is text") << "&#0;"
                                                << "&#0;";
    QTest::newRow("a reference to a lone surrogate is text") << "&#xD800;"
                                                             << "&#xD800;";
    QTest::newRow("a reference beyond Unicode is text") << "&#x110000;"
                                                        << "&#x110000;";
    // What is not text.
    QTest::newRow("a script") << "<script>alert(1)</script>Hello"
                              << "Hello";
    QTest::newRow("a script whose tags differ in case") << "<SCRIPT type=\"text/javascript\">x()</Script>ok"
                                                        << "ok";
    QTest::newRow("markup inside a script") << "<script>var s = '<p>not text</p>';</script>after"
                                            << "after";
    QTest::newRow("a script never closed") << "<script>forever"
                                           << "";
    QTest::newRow("a style sheet") << "<style>p { color: red }</style>Text"
                                   << "Text";
    QTest::newRow("the head with its title") << "<head><title>Title</title><style>x</style></head><body>Body</body>"
                                             << "Body";
    QTest::newRow("a comment") << "a<!-- hidden <p> -->b"
                               << "ab";
    QTest::newRow("a comment never closed") << "a<!-- never closed"
                                            << "a";
    QTest::newRow("a doctype") << "<!DOCTYPE html><html><body>x</body></html>"
                               << "x";
    QTest::newRow("a processing instruction") << "<?xml version=\"1.0\"?>x"
                                              << "x";
    // Links and images.
    QTest::newRow("a link keeps its text, not its address") << "<a href=\"https://x.test/\">the link</a>"
                                                            << "the link";
    QTest::newRow("an image leaves nothing") << "<img src=\"logo.png\" alt=\"Logo\">Hello"
                                             << "Hello";
    // Odd markup.
    QTest::newRow("a > inside a quoted attribute value") << "<a title=\"Next >\">more</a>"
                                                         << "more";
    QTest::newRow("a > inside a single-quoted attribute value") << "<img alt='a > b'>after"
                                                                << "after";
    QTest::newRow("a < followed by a space is text") << "1 < 2 and 3 > 2"
                                                     << "1 < 2 and 3 > 2";
    QTest::newRow("a < followed by a digit is text") << "x<3"
                                                     << "x<3";
    QTest::newRow("a < at the very end is text") << "a<"
                                                 << "a<";
    QTest::newRow("a tag cut off at the end is dropped") << "a <b"
                                                         << "a";
    QTest::newRow("an empty end tag is dropped") << "a</>b"
                                                 << "ab";
    QTest::newRow("a long text without markup is kept whole")
        << QString(100000, QLatin1Char('x')) << QString(100000, QLatin1Char('x'));
}

void TestHtmlText::htmlToText()
{
    QFETCH(QString, html);
    QFETCH(QString, text);
    QCOMPARE(::htmlToText(html), text);
}

void TestHtmlText::foldedSnippet_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxChars");
    QTest::addColumn<QString>("snippet");
    QTest::newRow("nothing") << QString() << 250 << QString();
    QTest::newRow("only white space") << "  \n\t " << 10 << QString();
    QTest::newRow("white space folded and trimmed") << "  a \n\n b  " << 250 << "a b";
    QTest::newRow("a non-breaking space is white space") << QStringLiteral("a\u00a0\u00a0b") << 10 << "a b";
    QTest::newRow("cut to the limit") << "abcdef" << 3 << "abc";
    QTest::newRow("exactly the limit") << "abc" << 3 << "abc";
    QTest::newRow("a folded space counts as one character") << "ab  \n  cd" << 4 << "ab c";
    QTest::newRow("a limit of nothing") << "abc" << 0 << QString();
    // A character outside the BMP is two UTF-16 units: a cut between them would leave half a character.
    QTest::newRow("never half a surrogate pair") << QStringLiteral("ab😀") << 3 << "ab";
    QTest::newRow("a whole surrogate pair fits") << QStringLiteral("ab😀") << 4 << QStringLiteral("ab😀");
}

void TestHtmlText::foldedSnippet()
{
    QFETCH(QString, text);
    QFETCH(int, maxChars);
    QFETCH(QString, snippet);
    QCOMPARE(::foldedSnippet(text, maxChars), snippet);
}

void TestHtmlText::snippetsAreAtMost250CharactersByDefault()
{
    QCOMPARE(::foldedSnippet(QString(300, QLatin1Char('x'))), QString(250, QLatin1Char('x')));
}

QTEST_APPLESS_MAIN(TestHtmlText)
#include "tst_htmltext.moc"
