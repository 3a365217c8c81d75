// libFuzzer target for the IMAP server protocol (ImapSession, sans-IO, with its command reader and parser): any bytes
// from a client, fed in any pieces, must neither crash nor grow the buffered input past its limits; every response is
// whole lines, and only messages of the selected mailbox are asked for. The owner answers at once from two small
// snapshots that take turns, so that refreshes and IDLE announce new, expunged and re-flagged messages. Run by
// `packaging/letterbox-dev test --fuzz`.
#include <imap/imapsession.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace {
ImapMessageEntry message(quint32 uid, const char *id, bool seen, bool flagged)
{
    ImapMessageEntry entry;
    entry.uid = uid;
    entry.id = id;
    entry.size = 100 * uid;
    entry.receivedMs = 86400000LL * 365 * uid;
    entry.seen = seen;
    entry.flagged = flagged;
    entry.from = QStringLiteral("Alice <alice@example.com>");
    entry.subject = QStringLiteral("Invoice");
    return entry;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const qsizetype piece = qsizetype(data[0] % 64) + 1;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    ImapSessionConfig config;
    config.hostname = "mx.test";
    config.tlsAvailable = (data[0] & 0x80) != 0;
    config.maxLiteral = 4096;
    ImapMailboxSnapshot snapshots[2];
    snapshots[0].name = QStringLiteral("shop");
    snapshots[0].uidValidity = 42;
    snapshots[0].uidNext = 6;
    snapshots[0].messages
        = { message(1, "A1", true, false), message(3, "C3", false, true), message(5, "E5", false, false) };
    snapshots[1] = snapshots[0];
    snapshots[1].uidNext = 8;
    snapshots[1].messages
        = { message(3, "C3", true, false), message(5, "E5", false, false), message(7, "G7", false, true) };
    int turn = 0;
    ImapSession session(config);
    session.start();
    bool closed = false;
    bool idling = false;
    for (qsizetype pos = 0; pos < input.size(); pos += piece) {
        session.receive(input.sliced(pos, qMin(piece, input.size() - pos)));
        if (idling) {
            session.mailboxChanged(snapshots[++turn % 2]);
        }
        // Answers to requests may lead to more requests (pipelined commands): answer until none is left.
        for (std::vector<ImapEvent> events = session.takeEvents(); !events.empty(); events = session.takeEvents()) {
            for (const ImapEvent &event : events) {
                std::visit(
                    [&](const auto &e) {
                        using Event = std::decay_t<decltype(e)>;
                        if constexpr (std::is_same_v<Event, ImapEvents::LoginRequested>) {
                            session.loginFinished(
                                e.password == "bad" ? std::nullopt : std::optional<QString>(QStringLiteral("shop")));
                        } else if constexpr (std::is_same_v<Event, ImapEvents::ListRequested>) {
                            session.listFinished({ QStringLiteral("Inbox"), QStringLiteral("shop"),
                                QStringLiteral("billing"), QStringLiteral("a/b") });
                        } else if constexpr (std::is_same_v<Event, ImapEvents::MailboxRequested>) {
                            if (e.mailbox.compare(u"nowhere", Qt::CaseInsensitive) == 0) {
                                session.mailboxFinished(std::nullopt);
                            } else {
                                session.mailboxFinished(snapshots[++turn % 2]);
                            }
                        } else if constexpr (std::is_same_v<Event, ImapEvents::FetchRequested>) {
                            if (session.state() != ImapSession::State::Selected || e.targets.isEmpty()
                                || e.items.isEmpty()) {
                                __builtin_trap();
                            }
                            for (const auto &target : e.targets) {
                                if (target.sequence < 1 || target.entry.id.size() != 2) {
                                    __builtin_trap();
                                }
                                session.fetchData("* " + QByteArray::number(target.sequence) + " FETCH (UID "
                                    + QByteArray::number(target.entry.uid) + ")\r\n");
                            }
                            session.fetchFinished((pos & 3) != 3);
                        } else if constexpr (std::is_same_v<Event, ImapEvents::StoreRequested>) {
                            session.storeFinished((pos & 3) != 2);
                        } else if constexpr (std::is_same_v<Event, ImapEvents::ExpungeRequested>) {
                            if (e.ids.isEmpty()) {
                                __builtin_trap();
                            }
                            session.expungeFinished((pos & 3) != 1);
                        } else if constexpr (std::is_same_v<Event, ImapEvents::SearchTextRequested>) {
                            if (e.queries.isEmpty()) {
                                __builtin_trap();
                            }
                            QList<QSet<QByteArray>> matches;
                            for (qsizetype i = 0; i < e.queries.size(); ++i) {
                                matches << (i % 2 == 0 ? QSet<QByteArray> { "C3" } : QSet<QByteArray> {});
                            }
                            session.searchTextFinished(matches);
                        } else if constexpr (std::is_same_v<Event, ImapEvents::IdleStarted>) {
                            idling = true;
                        } else if constexpr (std::is_same_v<Event, ImapEvents::IdleEnded>) {
                            idling = false;
                        } else if constexpr (std::is_same_v<Event, ImapEvents::StartTls>) {
                            session.tlsStarted();
                        } else if constexpr (std::is_same_v<Event, ImapEvents::Close>) {
                            closed = true;
                        }
                    },
                    event);
            }
        }
        const QByteArray out = session.takeOutput();
        // Responses are whole lines; nothing waits for the owner, who answered everything.
        if ((!out.isEmpty() && !out.endsWith("\r\n")) || session.isPaused()) {
            __builtin_trap();
        }
        if (closed != session.isClosed() || (idling && !session.isIdling())) {
            __builtin_trap();
        }
        // A command's text, its literals and their line ends at most.
        if (session.bufferedBytes() > 2 * ImapSession::CommandLimit + config.maxLiteral + 64) {
            __builtin_trap();
        }
    }
    session.timeout();
    return 0;
}
