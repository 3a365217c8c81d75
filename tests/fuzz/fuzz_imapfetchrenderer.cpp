// libFuzzer target for the IMAP FETCH renderer: any source bytes must render every item without crashing or hanging,
// as one well-framed response, every section a slice of the source. Run by `packaging/letterbox-dev test --fuzz`.
#include <mime/imapfetchrenderer.h>

#include <cstddef>
#include <cstdint>

namespace {
ImapFetchItem item(ImapFetchItem::Kind kind)
{
    ImapFetchItem i;
    i.kind = kind;
    return i;
}

ImapFetchItem section(QList<int> part, ImapSection::Text text, QByteArrayList fields = {})
{
    ImapFetchItem i = item(ImapFetchItem::Kind::BodySection);
    i.section.part = std::move(part);
    i.section.text = text;
    i.section.fields = std::move(fields);
    return i;
}

QList<ImapFetchItem> items()
{
    using Kind = ImapFetchItem::Kind;
    using Text = ImapSection::Text;
    QList<ImapFetchItem> list { item(Kind::Flags), item(Kind::Uid), item(Kind::Rfc822Size), item(Kind::Envelope),
        item(Kind::BodyStructure), item(Kind::Body), section({}, Text::Header),
        section({}, Text::HeaderFields, { "FROM", "SUBJECT" }), section({ 1 }, Text::All),
        section({ 1, 2 }, Text::Mime), section({ 2 }, Text::Text), section({ 2, 1 }, Text::HeaderFieldsNot, { "TO" }),
        section({ 1, 1, 1 }, Text::All), item(Kind::Rfc822Text) };
    ImapFetchItem partial = section({ 1 }, Text::All);
    partial.partial = ImapFetchItem::Partial { 3, 100 };
    list << partial;
    return list;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QList<ImapFetchItem> fetchItems = items();
    const QByteArray source = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    ImapMessageEntry entry;
    entry.uid = 1;
    entry.size = source.size();
    QByteArray response;
    ImapFetchRenderer::render(1, entry, false, fetchItems, source, [&](QByteArrayView piece) {
        // A literal's content is a slice of the source itself, never a copy, and exactly as long as its "{N}" says.
        const bool fromSource = !piece.isEmpty() && piece.data() >= source.constData()
            && piece.data() + piece.size() <= source.constData() + source.size();
        if (fromSource) {
            const qsizetype open = response.lastIndexOf('{');
            if (!response.endsWith("}\r\n") || open < 0
                || response.mid(open + 1, response.size() - open - 4).toLongLong() != piece.size()) {
                __builtin_trap();
            }
        }
        response += piece;
    });
    if (!response.startsWith("* 1 FETCH (FLAGS () UID 1 ") || !response.endsWith(")\r\n")) {
        __builtin_trap();
    }
    return 0;
}
