// ImapFetchRenderer: FETCH responses from a message's stored source. The expected responses are written by hand
// from RFC 3501 (§6.4.5's section numbering, §7.4.2's BODY example, §8's ENVELOPE) and from the fixtures' text
// (tests/data/imap), never taken from the renderer.
#include <mime/imapfetchrenderer.h>
#include <mime/parsedmessage.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

namespace {
QByteArray load(const char *name)
{
    QFile file(QStringLiteral(LETTERBOX_TEST_DATA "/imap/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("missing fixture %s", name);
    }
    return file.readAll();
}

ImapFetchItem item(ImapFetchItem::Kind kind)
{
    ImapFetchItem i;
    i.kind = kind;
    return i;
}

// BODY[section] from its text as a client writes it ("4.2.HEADER", "HEADER.FIELDS (FROM SUBJECT)", "3.1").
ImapFetchItem section(const QByteArray &text, std::optional<ImapFetchItem::Partial> partial = std::nullopt)
{
    ImapFetchItem i = item(ImapFetchItem::Kind::BodySection);
    i.partial = partial;
    QByteArray rest = text;
    const qsizetype space = rest.indexOf(" (");
    if (space >= 0) {
        const QByteArray list = rest.mid(space + 2, rest.size() - space - 3);
        i.section.fields = list.toUpper().split(' ');
        rest = rest.left(space);
    }
    for (const QByteArray &piece : rest.split('.')) {
        bool number = false;
        const int n = piece.toInt(&number);
        if (number) {
            i.section.part << n;
            continue;
        }
        const QByteArray spec = rest.mid(rest.indexOf(piece));
        if (spec == "HEADER") {
            i.section.text = ImapSection::Text::Header;
        } else if (spec == "HEADER.FIELDS") {
            i.section.text = ImapSection::Text::HeaderFields;
        } else if (spec == "HEADER.FIELDS.NOT") {
            i.section.text = ImapSection::Text::HeaderFieldsNot;
        } else if (spec == "TEXT") {
            i.section.text = ImapSection::Text::Text;
        } else if (spec == "MIME") {
            i.section.text = ImapSection::Text::Mime;
        } else if (!spec.isEmpty()) {
            qFatal("bad section %s", text.constData());
        }
        break;
    }
    return i;
}

// "* 1 FETCH (name {N}" CRLF "bytes)" CRLF (RFC 3501 §7.4.2), or name "" for no bytes.
QByteArray literalResponse(const QByteArray &name, const QByteArray &bytes)
{
    const QByteArray value
        = bytes.isEmpty() ? QByteArray("\"\"") : "{" + QByteArray::number(bytes.size()) + "}\r\n" + bytes;
    return "* 1 FETCH (" + name + ' ' + value + ")\r\n";
}

QByteArray crlf(QByteArray text)
{
    return text.replace("\n", "\r\n");
}

ImapMessageEntry entryOf(const QByteArray &source)
{
    ImapMessageEntry entry;
    entry.uid = 7;
    entry.size = source.size();
    return entry;
}

QByteArray fetch(const QByteArray &source, const QList<ImapFetchItem> &items)
{
    return ImapFetchRenderer::render(1, entryOf(source), false, items, source);
}
} // namespace

class TestImapFetchRenderer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sections_data();
    void sections();
    void partials_data();
    void partials();
    void bodyOfTheRfcExample();
    void bodyStructureOfTheRfcExample();
    void bodyStructureOfNestedMessages();
    void extensionData();
    void defaults_data();
    void defaults();
    void envelope_data();
    void envelope();
    void headerFields_data();
    void headerFields();
    void itemsInOrder();
    void rfc822Items();
    void bareLineFeedsServedAsStored();
    void largeMessageIsNotCopied();
    void partsAreTheAppsParts_data();
    void partsAreTheAppsParts();
};

// RFC 3501 §6.4.5's example message, each section's bytes written out from the fixture's text.
void TestImapFetchRenderer::sections_data()
{
    QTest::addColumn<QByteArray>("section");
    QTest::addColumn<QByteArray>("bytes");
    const QByteArray part3Header = crlf("From: Carol <carol@example.test>\n"
                                        "Subject: Part 3\n"
                                        "MIME-Version: 1.0\n"
                                        "Content-Type: MULTIPART/MIXED; boundary=\"three\"\n"
                                        "\n");
    const QByteArray part3Text = crlf("--three\n"
                                      "Content-Type: TEXT/PLAIN\n"
                                      "\n"
                                      "Part 3.1 text.\n"
                                      "--three\n"
                                      "Content-Type: APPLICATION/OCTET-STREAM\n"
                                      "\n"
                                      "Part 3.2 bytes.\n"
                                      "--three--");
    const QByteArray part42Header = crlf("From: Dave <dave@example.test>\n"
                                         "Subject: Part 4.2\n"
                                         "MIME-Version: 1.0\n"
                                         "Content-Type: MULTIPART/MIXED; boundary=\"fourtwo\"\n"
                                         "\n");
    const QByteArray part422 = crlf("--alt\n"
                                    "Content-Type: TEXT/PLAIN\n"
                                    "\n"
                                    "Part 4.2.2.1 text.\n"
                                    "--alt\n"
                                    "Content-Type: TEXT/RICHTEXT\n"
                                    "\n"
                                    "Part 4.2.2.2 <bold>rich</bold>.\n"
                                    "--alt--");
    const QByteArray part42Text = crlf("--fourtwo\n"
                                       "Content-Type: TEXT/PLAIN\n"
                                       "\n"
                                       "Part 4.2.1 text.\n"
                                       "--fourtwo\n"
                                       "Content-Type: MULTIPART/ALTERNATIVE; boundary=\"alt\"\n"
                                       "\n")
        + part422 + crlf("\n--fourtwo--");
    const QByteArray part4 = crlf("--four\n"
                                  "Content-Type: IMAGE/GIF\n"
                                  "Content-Transfer-Encoding: base64\n"
                                  "\n"
                                  "R0lGODlhAQABAAAAACw=\n"
                                  "--four\n"
                                  "Content-Type: MESSAGE/RFC822\n"
                                  "\n")
        + part42Header + part42Text + crlf("\n--four--");
    const QByteArray header = crlf("From: Alice <alice@example.test>\n"
                                   "To: Bob <bob@example.test>\n"
                                   "Subject: Section numbering (RFC 3501 6.4.5)\n"
                                   "Date: Tue, 1 Dec 2026 12:00:00 +0000\n"
                                   "Message-ID: <sections@example.test>\n"
                                   "MIME-Version: 1.0\n"
                                   "Content-Type: MULTIPART/MIXED; boundary=\"outer\"\n"
                                   "\n");
    const QByteArray text = crlf("preamble\n"
                                 "--outer\n"
                                 "Content-Type: TEXT/PLAIN; charset=us-ascii\n"
                                 "\n"
                                 "Part 1 text.\n"
                                 "--outer\n"
                                 "Content-Type: APPLICATION/OCTET-STREAM\n"
                                 "Content-Transfer-Encoding: base64\n"
                                 "\n"
                                 "UGFydCAy\n"
                                 "--outer\n"
                                 "Content-Type: MESSAGE/RFC822\n"
                                 "\n")
        + part3Header + part3Text + crlf("\n--outer\nContent-Type: MULTIPART/MIXED; boundary=\"four\"\n\n") + part4
        + crlf("\n--outer--\nepilogue\n");

    QTest::newRow("the empty section is the whole message") << QByteArray() << header + text;
    QTest::newRow("HEADER is the message's header with its blank line") << QByteArray("HEADER") << header;
    QTest::newRow("TEXT is the body after the header") << QByteArray("TEXT") << text;
    QTest::newRow("1 is TEXT/PLAIN without the CRLF of the next delimiter")
        << QByteArray("1") << QByteArray("Part 1 text.");
    QTest::newRow("2 is APPLICATION/OCTET-STREAM still encoded") << QByteArray("2") << QByteArray("UGFydCAy");
    QTest::newRow("3 is the MESSAGE/RFC822 part's body: the whole message")
        << QByteArray("3") << part3Header + part3Text;
    QTest::newRow("3.HEADER is the encapsulated message's header") << QByteArray("3.HEADER") << part3Header;
    QTest::newRow("3.TEXT is the encapsulated message's body") << QByteArray("3.TEXT") << part3Text;
    QTest::newRow("3.1 is inside the encapsulated message") << QByteArray("3.1") << QByteArray("Part 3.1 text.");
    QTest::newRow("3.2") << QByteArray("3.2") << QByteArray("Part 3.2 bytes.");
    QTest::newRow("3.MIME is the part's own header")
        << QByteArray("3.MIME") << crlf("Content-Type: MESSAGE/RFC822\n\n");
    QTest::newRow("4 is the MULTIPART/MIXED with its delimiters") << QByteArray("4") << part4;
    QTest::newRow("4.1 is IMAGE/GIF") << QByteArray("4.1") << QByteArray("R0lGODlhAQABAAAAACw=");
    QTest::newRow("4.1.MIME is the IMAGE/GIF's MIME header")
        << QByteArray("4.1.MIME") << crlf("Content-Type: IMAGE/GIF\nContent-Transfer-Encoding: base64\n\n");
    QTest::newRow("4.2 is the second MESSAGE/RFC822") << QByteArray("4.2") << part42Header + part42Text;
    QTest::newRow("4.2.HEADER") << QByteArray("4.2.HEADER") << part42Header;
    QTest::newRow("4.2.TEXT") << QByteArray("4.2.TEXT") << part42Text;
    QTest::newRow("4.2.1") << QByteArray("4.2.1") << QByteArray("Part 4.2.1 text.");
    QTest::newRow("4.2.2 is MULTIPART/ALTERNATIVE") << QByteArray("4.2.2") << part422;
    QTest::newRow("4.2.2.1") << QByteArray("4.2.2.1") << QByteArray("Part 4.2.2.1 text.");
    QTest::newRow("4.2.2.2") << QByteArray("4.2.2.2") << QByteArray("Part 4.2.2.2 <bold>rich</bold>.");
    QTest::newRow("4.2.2.2.MIME") << QByteArray("4.2.2.2.MIME") << crlf("Content-Type: TEXT/RICHTEXT\n\n");
    QTest::newRow("5 does not exist") << QByteArray("5") << QByteArray();
    QTest::newRow("0 does not exist") << QByteArray("0") << QByteArray();
    QTest::newRow("1.1 does not exist: 1 is a leaf") << QByteArray("1.1") << QByteArray();
    QTest::newRow("3.3 does not exist") << QByteArray("3.3") << QByteArray();
    QTest::newRow("4.3 does not exist") << QByteArray("4.3") << QByteArray();
    QTest::newRow("1.HEADER does not exist: 1 is no MESSAGE/RFC822") << QByteArray("1.HEADER") << QByteArray();
    QTest::newRow("4.TEXT does not exist: 4 is a multipart") << QByteArray("4.TEXT") << QByteArray();
}

void TestImapFetchRenderer::sections()
{
    QFETCH(QByteArray, section);
    QFETCH(QByteArray, bytes);
    const QByteArray source = load("rfc3501-sections.eml");
    QCOMPARE(fetch(source, { ::section(section) }), literalResponse("BODY[" + section + ']', bytes));
}

void TestImapFetchRenderer::partials_data()
{
    QTest::addColumn<QByteArray>("section");
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QByteArray>("response");
    QTest::newRow("RFC 3501 §6.4.5: BODY[]<0.10> is named BODY[]<0>")
        << QByteArray() << qint64(0) << qint64(10) << literalResponse("BODY[]<0>", "From: Alic");
    QTest::newRow("a partial of a part") << QByteArray("4.2.2.1") << qint64(5) << qint64(7)
                                         << literalResponse("BODY[4.2.2.1]<5>", "4.2.2.1");
    QTest::newRow("a partial longer than the rest is cut at the end")
        << QByteArray("1") << qint64(5) << qint64(1000) << literalResponse("BODY[1]<5>", "1 text.");
    QTest::newRow("a partial starting at the end is empty")
        << QByteArray("1") << qint64(12) << qint64(5) << literalResponse("BODY[1]<12>", {});
    QTest::newRow("a partial beyond the end is empty")
        << QByteArray() << qint64(100000) << qint64(5) << literalResponse("BODY[]<100000>", {});
    QTest::newRow("a partial of HEADER.FIELDS") << QByteArray("HEADER.FIELDS (SUBJECT)") << qint64(9) << qint64(7)
                                                << literalResponse("BODY[HEADER.FIELDS (SUBJECT)]<9>", "Section");
}

void TestImapFetchRenderer::partials()
{
    QFETCH(QByteArray, section);
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    QFETCH(QByteArray, response);
    const QByteArray source = load("rfc3501-sections.eml");
    QCOMPARE(fetch(source, { ::section(section, ImapFetchItem::Partial { offset, length }) }), response);
}

// RFC 3501 §7.4.2's example of BODY, verbatim; the fixture has its sizes and line counts.
void TestImapFetchRenderer::bodyOfTheRfcExample()
{
    const QByteArray source = load("rfc3501-bodystructure.eml");
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Body) }),
        QByteArray(
            "* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" "
            "\"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\"))\r\n"));
}

// The same with the extension data of RFC 3501 §9: body-fld-md5, disposition, language, location for a part;
// parameters, disposition, language, location for a multipart.
void TestImapFetchRenderer::bodyStructureOfTheRfcExample()
{
    const QByteArray source = load("rfc3501-bodystructure.eml");
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::BodyStructure) }),
        QByteArray(
            "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23 NIL "
            "NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73 NIL NIL NIL NIL) "
            "\"MIXED\" (\"BOUNDARY\" \"16820115-1435684063-838166047=:20117\") NIL NIL NIL))\r\n"));
}

// MESSAGE/RFC822: body-fields, the envelope and body of the message it holds, and its lines (RFC 3501 §9
// body-type-msg).
void TestImapFetchRenderer::bodyStructureOfNestedMessages()
{
    const QByteArray source = crlf("Content-Type: multipart/mixed; boundary=b\n"
                                   "\n"
                                   "--b\n"
                                   "Content-Type: message/rfc822\n"
                                   "\n"
                                   "Subject: inner\n"
                                   "From: x@y.test\n"
                                   "\n"
                                   "hi\n"
                                   "--b--\n");
    // The part's body: "Subject: inner" CRLF (16) "From: x@y.test" CRLF (16) CRLF (2) "hi" (2): 36 octets, 4 lines.
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Body) }),
        QByteArray("* 1 FETCH (BODY ((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 36 (NIL \"inner\" ((NIL NIL \"x\" "
                   "\"y.test\")) ((NIL NIL \"x\" \"y.test\")) ((NIL NIL \"x\" \"y.test\")) NIL NIL NIL NIL NIL) "
                   "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2 1) 4) \"MIXED\"))\r\n"));
    QCOMPARE(fetch(source, { section("1.1") }), literalResponse("BODY[1.1]", "hi"));
    QCOMPARE(fetch(source, { section("1.HEADER") }),
        literalResponse("BODY[1.HEADER]", crlf("Subject: inner\nFrom: x@y.test\n\n")));
}

void TestImapFetchRenderer::extensionData()
{
    const QByteArray source = crlf("Content-Type: multipart/related; boundary=\"x y\"; type=\"text/html\"\n"
                                   "Content-Language: fr\n"
                                   "\n"
                                   "--x y\n"
                                   "Content-Type: text/plain; charset=utf-8; format=flowed\n"
                                   "Content-Disposition: attachment; filename=\"a.txt\"\n"
                                   "Content-Language: en, de\n"
                                   "Content-Location: http://example.test/a.txt\n"
                                   "Content-Transfer-Encoding: quoted-printable\n"
                                   "\n"
                                   "a\n"
                                   "b\n"
                                   "--x y--\n");
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::BodyStructure) }),
        QByteArray(
            "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"FORMAT\" \"flowed\") NIL NIL "
            "\"QUOTED-PRINTABLE\" 4 2 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a.txt\")) (\"en\" \"de\") "
            "\"http://example.test/a.txt\") \"RELATED\" (\"BOUNDARY\" \"x y\" \"TYPE\" \"text/html\") NIL \"fr\" "
            "NIL))\r\n"));
}

void TestImapFetchRenderer::defaults_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("no Content-Type: TEXT/PLAIN in US-ASCII (RFC 2045 §5.2)") << crlf(
        "Subject: s\n\nline\n") << QByteArray("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1)");
    QTest::newRow("a Content-Type without a subtype: the same")
        << crlf("Content-Type: text; charset=utf-8\n\nx")
        << QByteArray("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1 1)");
    QTest::newRow("no header at all") << QByteArray(
        "\r\nbody") << QByteArray("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1)");
    QTest::newRow("text without a charset is US-ASCII (RFC 2046 §4.1.2)")
        << crlf("Content-Type: text/html; format=x\n\n<p>\n")
        << QByteArray("(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\" \"FORMAT\" \"x\") NIL NIL \"7BIT\" 5 1)");
    QTest::newRow("a basic type has no line count")
        << crlf("Content-Type: application/pdf; name=x.pdf\nContent-Transfer-Encoding: base64\n\nJVBE\n")
        << QByteArray("(\"APPLICATION\" \"PDF\" (\"NAME\" \"x.pdf\") NIL NIL \"BASE64\" 6)");
    QTest::newRow("a digest's parts are MESSAGE/RFC822 by default (RFC 2046 §5.1.5)")
        << crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nb\n--d--\n")
        << QByteArray("((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 15 (NIL \"a\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                      "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1 1) 3) \"DIGEST\")");
    QTest::newRow("a multipart without parts still has one (the grammar's 1*body)")
        << crlf("Content-Type: multipart/mixed; boundary=q\n\nno delimiter here\n")
        << QByteArray("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0) \"MIXED\")");
    QTest::newRow("a boundary that only starts a line is no delimiter (RFC 2046 §5.1.1)")
        << crlf("Content-Type: multipart/mixed; boundary=q\n\n--q\n\n--qx\n--q--\n")
        << QByteArray("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1) \"MIXED\")");
    QTest::newRow("a missing close delimiter ends the part at the end")
        << crlf("Content-Type: multipart/mixed; boundary=q\n\n--q\n\nabc\n")
        << QByteArray("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 5 1) \"MIXED\")");
}

void TestImapFetchRenderer::defaults()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, body);
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Body) }), "* 1 FETCH (BODY " + body + ")\r\n");
}

void TestImapFetchRenderer::envelope_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("envelope");
    // RFC 3501 §8's example response.
    QTest::newRow("RFC 3501 §8")
        << QByteArray("Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
                      "From: Terry Gray <gray@cac.washington.edu>\n"
                      "Subject: IMAP4rev1 WG mtg summary and minutes\n"
                      "To: imap@cac.washington.edu\n"
                      "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
                      "Message-Id: <B27397-0100000@cac.washington.edu>\n")
        << QByteArray(
               "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry "
               "Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
               "\"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" "
               "\"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL "
               "\"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")");
    // RFC 5322 Appendix A.1.3's groups; RFC 3501 §7.4.2: a group is a start marker (its name as the mailbox, host
    // NIL) and an end marker (all NIL).
    QTest::newRow("groups (RFC 5322 A.1.3)")
        << QByteArray("From: Pete <pete@silly.example>\n"
                      "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n"
                      "Cc: Undisclosed recipients:;\n")
        << QByteArray(
               "(NIL NIL ((\"Pete\" NIL \"pete\" \"silly.example\")) ((\"Pete\" NIL \"pete\" \"silly.example\")) "
               "((\"Pete\" NIL \"pete\" \"silly.example\")) ((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" "
               "\"a.test\")(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)) "
               "((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)");
    // RFC 2047 §8's examples: encoded-words stay as written; folding is undone.
    QTest::newRow("encoded words left encoded, folding undone")
        << QByteArray("From: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>\n"
                      "To: =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>\n"
                      "Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\n"
                      "  =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=\n")
        << QByteArray("(NIL \"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=  "
                      "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=\" ((\"=?US-ASCII?Q?Keith_Moore?=\" NIL "
                      "\"moore\" \"cs.utk.edu\")) ((\"=?US-ASCII?Q?Keith_Moore?=\" NIL \"moore\" \"cs.utk.edu\")) "
                      "((\"=?US-ASCII?Q?Keith_Moore?=\" NIL \"moore\" \"cs.utk.edu\")) "
                      "((\"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=\" NIL \"keld\" \"dkuug.dk\")) NIL NIL NIL NIL)");
    QTest::newRow("missing headers are NIL")
        << QByteArray("Subject: only this\n") << QByteArray("(NIL \"only this\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    QTest::newRow("an empty Subject is the empty string")
        << QByteArray("Subject:\nX: y\n") << QByteArray("(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    // RFC 5322 Appendix A.5's comments, a quoted name, Sender and Reply-To of their own, a source route.
    QTest::newRow("comments, quoted names, Sender, Reply-To, In-Reply-To, route")
        << QByteArray("From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\n"
                      "Sender: \"Doe, John\" <john@example.test>\n"
                      "Reply-To: <@relay.test,@hub.test:list@example.test>\n"
                      "Bcc: \"quoted \\\"name\\\"\" <q@example.test>\n"
                      "In-Reply-To: <parent@example.test>\n")
        << QByteArray(
               "(NIL NIL ((\"Pete\" NIL \"pete\" \"silly.test\")) ((\"Doe, John\" NIL \"john\" \"example.test\")) "
               "((NIL \"@relay.test,@hub.test\" \"list\" \"example.test\")) NIL NIL ((\"quoted \\\"name\\\"\" NIL "
               "\"q\" \"example.test\")) \"<parent@example.test>\" NIL)");
    // Dovecot's names for what is missing; a NIL host would make it a group.
    QTest::newRow("an address without a domain or mailbox has a host that is not NIL")
        << QByteArray("To: root, <@example.test>\n")
        << QByteArray("(NIL NIL NIL NIL NIL ((NIL NIL \"root\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" "
                      "\"example.test\")) NIL NIL NIL NIL)");
}

void TestImapFetchRenderer::envelope()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, envelope);
    const QByteArray source = crlf(header + "\nbody\n");
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Envelope) }), "* 1 FETCH (ENVELOPE " + envelope + ")\r\n");
}

void TestImapFetchRenderer::headerFields_data()
{
    QTest::addColumn<QByteArray>("section");
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("the fields named, in the message's order, folding kept, and the blank line") << QByteArray(
        "HEADER.FIELDS (SUBJECT FROM)") << crlf("From: a@example.test\nSubject: folded\n line\nsubject: again\n\n");
    QTest::newRow("all fields but those named")
        << QByteArray("HEADER.FIELDS.NOT (SUBJECT FROM)")
        << crlf("To: b@example.test\nX-Other: 1\nContent-Type: multipart/mixed; boundary=b\n\n");
    QTest::newRow("no field named: only the blank line") << QByteArray("HEADER.FIELDS (NOPE)") << QByteArray("\r\n");
    QTest::newRow("of a message/rfc822 part") << QByteArray("2.HEADER.FIELDS (SUBJECT)") << crlf("Subject: inner\n\n");
}

void TestImapFetchRenderer::headerFields()
{
    QFETCH(QByteArray, section);
    QFETCH(QByteArray, bytes);
    const QByteArray source = crlf("From: a@example.test\n"
                                   "Subject: folded\n"
                                   " line\n"
                                   "To: b@example.test\n"
                                   "subject: again\n"
                                   "X-Other: 1\n"
                                   "Content-Type: multipart/mixed; boundary=b\n"
                                   "\n"
                                   "--b\n"
                                   "\n"
                                   "one\n"
                                   "--b\n"
                                   "Content-Type: message/rfc822\n"
                                   "\n"
                                   "Subject: inner\n"
                                   "\n"
                                   "two\n"
                                   "--b--\n");
    QCOMPARE(fetch(source, { ::section(section) }), literalResponse("BODY[" + section + ']', bytes));
}

// Items come back in the order asked, with their values (RFC 3501 §7.4.2).
void TestImapFetchRenderer::itemsInOrder()
{
    const QByteArray source = crlf("Subject: s\n\nbody\n");
    ImapMessageEntry entry;
    entry.uid = 4827313;
    entry.size = 44827;
    entry.receivedMs = 837593065000; // 17-Jul-1996 08:44:25 UTC
    entry.seen = true;
    ImapFetchItem peek = section("TEXT");
    peek.peek = true;
    const QByteArray response = ImapFetchRenderer::render(12, entry, true,
        { item(ImapFetchItem::Kind::Uid), item(ImapFetchItem::Kind::Flags), item(ImapFetchItem::Kind::InternalDate),
            item(ImapFetchItem::Kind::Rfc822Size), peek },
        source);
    QCOMPARE(response,
        QByteArray("* 12 FETCH (UID 4827313 FLAGS (\\Seen \\Deleted) INTERNALDATE \"17-Jul-1996 08:44:25 +0000\" "
                   "RFC822.SIZE 44827 BODY[TEXT] {6}\r\nbody\r\n)\r\n"));
}

// RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT], under their own names.
void TestImapFetchRenderer::rfc822Items()
{
    const QByteArray source = crlf("Subject: s\n\nbody\n");
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Rfc822) }), literalResponse("RFC822", source));
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Rfc822Header) }),
        literalResponse("RFC822.HEADER", crlf("Subject: s\n\n")));
    QCOMPARE(fetch(source, { item(ImapFetchItem::Kind::Rfc822Text) }), literalResponse("RFC822.TEXT", crlf("body\n")));
}

// A source stored with bare LF line ends is served as stored.
void TestImapFetchRenderer::bareLineFeedsServedAsStored()
{
    const QByteArray source = "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\ntwo\n--b--\n";
    QCOMPARE(fetch(source, { section("HEADER") }),
        literalResponse("BODY[HEADER]", "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n"));
    QCOMPARE(fetch(source, { section("1") }), literalResponse("BODY[1]", "one\ntwo"));
    QCOMPARE(fetch(source, { section("HEADER.FIELDS (SUBJECT)") }),
        literalResponse("BODY[HEADER.FIELDS (SUBJECT)]", "Subject: s\n\n"));
}

// Issue 17: BODY[section] of a large message streams from the stored source. The literal's content reaches the sink
// as a view into the source, and nothing else the renderer hands over is large.
void TestImapFetchRenderer::largeMessageIsNotCopied()
{
    QByteArray source = crlf("Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                             "Content-Type: application/octet-stream\n\n");
    const qsizetype partBegin = source.size();
    const QByteArray line = QByteArray(76, 'A') + "\r\n";
    while (source.size() < 8 * 1024 * 1024) {
        source += line;
    }
    const qsizetype partEnd = source.size() - 2;
    source += "--b--\r\n";

    struct Piece
    {
        const char *data;
        qsizetype size;
    };
    const auto pieces = [&source](const ImapFetchItem &fetchItem) {
        QList<Piece> list;
        ImapFetchRenderer::render(1, entryOf(source), false, { fetchItem }, source, [&list](QByteArrayView piece) {
            list.append({ piece.data(), piece.size() });
        });
        return list;
    };
    const auto check = [&source](const QList<Piece> &list, const char *begin, qsizetype size) {
        qsizetype other = 0;
        bool found = false;
        for (const Piece &piece : list) {
            if (piece.data == begin && piece.size == size) {
                found = true;
            } else {
                QVERIFY(piece.data < source.constData() || piece.data >= source.constData() + source.size());
                other += piece.size;
            }
        }
        QVERIFY(found);
        QVERIFY2(other < 64, QByteArray::number(other).constData());
    };
    check(pieces(section("")), source.constData(), source.size());
    if (QTest::currentTestFailed()) {
        return;
    }
    check(pieces(section("1")), source.constData() + partBegin, partEnd - partBegin);
    if (QTest::currentTestFailed()) {
        return;
    }
    check(
        pieces(section("1", ImapFetchItem::Partial { 1000, 5000000 })), source.constData() + partBegin + 1000, 5000000);
    if (QTest::currentTestFailed()) {
        return;
    }
    check(pieces(item(ImapFetchItem::Kind::Rfc822)), source.constData(), source.size());
}

void TestImapFetchRenderer::partsAreTheAppsParts_data()
{
    QTest::addColumn<QString>("file");
    // The MIME fixtures the app's tests read (tests/data/mime), malformed ones included.
    const QDir dir(QStringLiteral(LETTERBOX_TEST_DATA "/mime"));
    for (const QString &name : dir.entryList({ QStringLiteral("*.eml") }, QDir::Files, QDir::Name)) {
        QTest::newRow(qPrintable(name)) << dir.filePath(name);
    }
}

void TestImapFetchRenderer::partsAreTheAppsParts()
{
    // The part a client fetches as BODY[n.MIME] is the part the app and the API show as PartID n (ParsedMessage,
    // GMime's tree; both follow IMAP's section numbers): same numbering, same type, no part more or less.
    QFETCH(QString, file);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray source = f.readAll();
    const ParsedMessage parsed = ParsedMessage::parse(source);
    static const QRegularExpression contentType(QStringLiteral("^content-type:\\s*([^;\\s]+)"),
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::MultilineOption);
    const auto mimeTypeOf = [&source](const QByteArray &part) -> std::optional<QString> {
        const QByteArray response = fetch(source, { section(part + ".MIME") });
        const qsizetype open = response.indexOf('{');
        if (open < 0) {
            return std::nullopt; // "": no such part
        }
        const qsizetype close = response.indexOf('}', open);
        const QByteArray header = response.mid(close + 3, response.mid(open + 1, close - open - 1).toLongLong());
        const QRegularExpressionMatch match = contentType.match(QString::fromLatin1(header));
        // RFC 2045 §5.2: no Content-Type, or one without a subtype, is text/plain.
        const QString type = match.hasMatch() ? match.captured(1).toLower() : QString();
        return type.contains(u'/') ? type : QStringLiteral("text/plain");
    };
    int topLevel = 0;
    for (const MimePart &part : parsed.parts) {
        if (part.partId.isEmpty() || part.partId == u"0") {
            continue; // the message itself (a multipart's root)
        }
        if (!part.partId.contains(u'.')) {
            ++topLevel;
        }
        const std::optional<QString> type = mimeTypeOf(part.partId.toLatin1());
        QVERIFY2(type, qPrintable(part.partId));
        QCOMPARE(*type, part.contentType);
    }
    if (topLevel > 0 && parsed.parts.first().role == MimePart::Role::Container) {
        QVERIFY2(!mimeTypeOf(QByteArray::number(topLevel + 1)), "a part the app does not show");
    }
}

QTEST_APPLESS_MAIN(TestImapFetchRenderer)
#include "tst_imapfetchrenderer.moc"
