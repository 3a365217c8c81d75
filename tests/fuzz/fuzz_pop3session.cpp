// libFuzzer target for the POP3 server protocol (Pop3Session, sans-IO): any bytes from a client, fed in any pieces,
// must neither crash nor grow the buffered input past its limits; every reply is whole lines, a message is always
// terminated, and only messages of the maildrop are asked for. Run by `packaging/letterbox-dev test --fuzz`.
#include <pop3/pop3session.h>

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
    Pop3SessionConfig config;
    config.hostname = "mx.test";
    config.tlsAvailable = (data[0] & 0x80) != 0;
    const QList<Pop3MaildropEntry> maildrop { { "A1", 30 }, { "B2", 12 }, { "C3", 0 } };
    const QByteArray source = "Subject: s\r\n\r\n.dot\nline\r\n..\r\nlast";
    Pop3Session session(config);
    session.start();
    bool closed = false;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        session.receive(input.sliced(pos, qMin(piece, input.size() - pos)));
        // Answers to requests may lead to more requests (pipelined commands): answer until none is left.
        for (std::vector<Pop3Event> events = session.takeEvents(); !events.empty(); events = session.takeEvents()) {
            for (const Pop3Event &event : events) {
                std::visit(
                    [&](const auto &e) {
                        using Event = std::decay_t<decltype(e)>;
                        if constexpr (std::is_same_v<Event, Pop3Events::LoginRequested>) {
                            session.loginFinished(e.password != "bad", maildrop);
                        } else if constexpr (std::is_same_v<Event, Pop3Events::RetrieveRequested>) {
                            if (e.number < 1 || e.number > maildrop.size() || maildrop.at(e.number - 1).id != e.id) {
                                __builtin_trap();
                            }
                            session.messageData(QByteArrayView(source).first(pos % (source.size() + 1)));
                            session.messageData(QByteArrayView(source).sliced(pos % (source.size() + 1)));
                            session.messageDataFinished((pos & 3) != 3);
                        } else if constexpr (std::is_same_v<Event, Pop3Events::StartTls>) {
                            session.tlsStarted();
                        } else if constexpr (std::is_same_v<Event, Pop3Events::Update>) {
                            session.updateFinished((pos & 1) == 0);
                        } else if constexpr (std::is_same_v<Event, Pop3Events::Close>) {
                            closed = true;
                        }
                    },
                    event);
            }
        }
        const QByteArray out = session.takeOutput();
        // Replies are whole lines (a message cut off by a read error ends the session).
        if (!out.isEmpty() && !out.endsWith("\r\n") && !session.isClosed()) {
            __builtin_trap();
        }
        if (closed && !session.isClosed()) {
            __builtin_trap();
        }
        if (session.bufferedBytes() > Pop3Session::AuthLineLimit + 64 * 1024) {
            __builtin_trap();
        }
    }
    session.timeout();
    return 0;
}
