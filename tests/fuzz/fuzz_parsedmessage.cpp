// libFuzzer target for the MIME model: any bytes must parse without crashing, hanging or blowing up memory,
// and every part it reports must be readable. Run by `packaging/letterbox-dev test --fuzz` (CI: 60 s).
#include <api/apijson.h>
#include <mime/parsedmessage.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    ParsedMessage parsed = ParsedMessage::parse(raw);
    parsed.addEnvelopeRecipients({ QStringLiteral("rcpt@example.test") });
    // The first parts only: reading each one parses the message again.
    int read = 0;
    for (const MimePart &part : parsed.parts) {
        if (part.role == MimePart::Role::Container) {
            continue;
        }
        if (++read > 8) {
            break;
        }
        const std::optional<QByteArray> content = ParsedMessage::partContent(raw, part.partId);
        if (content && part.role == MimePart::Role::Attachment && content->size() != part.size
            && !part.contentType.startsWith(QLatin1String("message/"))) {
            // The size reported must be the size served.
            __builtin_trap();
        }
    }
    (void)ApiJson::headers(parsed);
    return 0;
}
