// libFuzzer target for the SMTP server protocol (SmtpSession, sans-IO): any bytes from a client, fed in any pieces,
// must neither crash nor grow its buffers past their limits, and every reply is whole lines.
// Run by `packaging/letterbox-dev test --fuzz`.
#include <smtp/smtpsession.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const qsizetype piece = qsizetype(data[0] % 64) + 1;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    SmtpSessionConfig config;
    config.hostname = "mx.test";
    config.maxMessageSize = 4096;
    config.maxRecipients = 5;
    config.tlsAvailable = (data[0] & 0x80) != 0;
    SmtpSession session(config, ClientAddress::fromString(u"127.0.0.1"), 40000);
    session.start();
    bool closed = false;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        session.receive(input.sliced(pos, qMin(piece, input.size() - pos)));
        for (const SmtpEvent &event : session.takeEvents()) {
            std::visit(
                [&](const auto &e) {
                    using Event = std::decay_t<decltype(e)>;
                    if constexpr (std::is_same_v<Event, SmtpEvents::MessageComplete>) {
                        if (session.takeMessage().data.size() > config.maxMessageSize) {
                            __builtin_trap();
                        }
                        session.deliveryFinished((pos & 1) == 0, "ID");
                    } else if constexpr (std::is_same_v<Event, SmtpEvents::StartTls>) {
                        session.tlsStarted();
                    } else if constexpr (std::is_same_v<Event, SmtpEvents::Delay>) {
                        if (e.duration.count() < 0) {
                            __builtin_trap();
                        }
                        session.delayElapsed();
                    } else if constexpr (std::is_same_v<Event, SmtpEvents::Close>) {
                        closed = true;
                    }
                },
                event);
        }
        const QByteArray out = session.takeOutput();
        // Replies are whole lines: the session never leaves a reply half made.
        if (!out.isEmpty() && !out.endsWith("\r\n")) {
            __builtin_trap();
        }
        if (closed && !session.isClosed()) {
            __builtin_trap();
        }
        // Unprocessed input stays bounded (a command line, an AUTH line, or a paused pipeline's worth).
        if (session.bufferedBytes() > 64 * 1024 && !session.isPaused() && !session.isDelaying()) {
            __builtin_trap();
        }
    }
    session.timeout();
    return 0;
}
