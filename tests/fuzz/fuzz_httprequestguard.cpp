// libFuzzer target for the API's request framing (HttpRequestGuard): any bytes, fed in any pieces, must neither crash
// nor keep more than the head limit, and a refusal must stay a refusal. The policy reads each head's Authorization
// field as the API's does (BasicCredentials, --api-auth), so the fuzzer drives that parser too. Run by
// `packaging/letterbox-dev test --fuzz`.
#include <api/basiccredentials.h>
#include <api/httprequestguard.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    // The first byte chooses the piece size, so that the same requests are also fed split at every boundary.
    const qsizetype piece = qsizetype(data[0] % 32) + 1;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    HttpRequestGuard guard(
        [](const HttpRequestHead &head) {
            HttpRequestGuard::Decision decision;
            decision.maxBodyBytes = 4096;
            if (const std::optional<BasicCredentials> credentials
                = BasicCredentials::fromAuthorization(head.value("authorization"))) {
                // RFC 7617 §2: the user ends at the first ':'; crypt(3) must never see a NUL.
                if (credentials->user.contains(':') || credentials->password.contains('\0')) {
                    __builtin_trap();
                }
                decision.refusal = HttpRequestGuard::Refusal { 401, "Unauthorised.",
                    { { "WWW-Authenticate", "Basic realm=\"Login\"" } } };
            }
            if (head.value("host") == "refused") {
                decision.refusal = HttpRequestGuard::Refusal { 403, "no" };
            }
            return decision;
        },
        1024);
    std::optional<HttpRequestGuard::Refusal> first;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        const std::optional<HttpRequestGuard::Refusal> refusal
            = guard.feed(input.sliced(pos, qMin(piece, input.size() - pos)));
        if (first && (!refusal || refusal->status != first->status)) {
            __builtin_trap(); // a refusal is final
        }
        if (refusal && !first) {
            first = refusal;
            const QByteArray response = HttpRequestGuard::response(*refusal);
            if (response.count("\r\n\r\n") != 1 && !refusal->text.contains("\r\n\r\n")) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
