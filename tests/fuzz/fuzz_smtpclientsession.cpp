// libFuzzer target for the SMTP client protocol (SmtpClientSession, sans-IO): any bytes from a server, fed in any
// pieces, must neither crash nor make the client write half lines, write after the send was decided, or call a send
// good that no recipient took. Run by `packaging/letterbox-dev test --fuzz`.
#include <client/smtpclientsession.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    // The first byte: the piece size (low 5 bits), the TLS mode (2 bits) and whether AUTH is wanted.
    const qsizetype piece = qsizetype(data[0] & 0x1f) + 1;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    SmtpClientOptions options;
    options.tls = SmtpTlsMode((data[0] >> 5) & 0x3);
    options.heloName = QStringLiteral("client.test");
    if ((data[0] & 0x80) != 0) {
        options.username = QStringLiteral("tim");
        options.password = QStringLiteral("secret");
    }
    const SmtpOutgoing outgoing { "a@x.test", { "b@y.test", "c@y.test", "d@y.test" },
        "Subject: fuzz\r\n\r\n.dot\r\nbare\nline\r\n" };
    SmtpClientSession session(options, outgoing, options.tls == SmtpTlsMode::Implicit);
    bool finished = false;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        session.receive(input.sliced(pos, qMin(piece, input.size() - pos)));
        for (const SmtpClientEvent &event : session.takeEvents()) {
            if (std::holds_alternative<SmtpClientEvents::StartTls>(event)) {
                session.tlsStarted();
            } else if (std::holds_alternative<SmtpClientEvents::Finished>(event)) {
                if (finished) {
                    __builtin_trap(); // Finished comes once
                }
                finished = true;
            }
        }
        const QByteArray out = session.takeOutput();
        // The client writes whole lines only.
        if (!out.isEmpty() && !out.endsWith("\r\n")) {
            __builtin_trap();
        }
        if (finished && !session.takeOutput().isEmpty()) {
            __builtin_trap();
        }
        if (finished != session.isFinished()) {
            __builtin_trap();
        }
    }
    const SmtpSendResult &result = session.result();
    if (result.ok && (result.accepted.isEmpty() || result.stage != SmtpSendResult::Stage::Done)) {
        __builtin_trap();
    }
    session.connectionFailed(QStringLiteral("end of input"));
    if (!session.isFinished() || !session.takeOutput().isEmpty()) {
        __builtin_trap();
    }
    return 0;
}
