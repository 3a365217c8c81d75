#include "imapconnection.h"

#include "../mailbox/mailboxsettings.h"
#include "../message/mailboxname.h"
#include "../mime/imapfetchrenderer.h"
#include "../mime/parsedmessage.h"
#include "../net/netconnection.h"
#include "../store/messagestore.h"
#include "imapworker.h"

#include <QScopeGuard>
#include <QTimer>

#include <memory>
#include <type_traits>

namespace {
// Command lines and the literals of LOGIN and SEARCH are read in pieces of this size.
constexpr qsizetype CommandChunk = 16 * 1024;
// A message's response is written in pieces of this size, while less than half the connection's output limit
// waits to go out.
constexpr qsizetype ResponseChunk = 64 * 1024;
// A header-only FETCH reads this much of a source first (headers are rarely longer).
constexpr qint64 HeadRead = 16 * 1024;
// A FETCH reads the sources of this many messages, at most this many bytes together, in one read of the store.
constexpr qsizetype PrefetchCount = 64;
constexpr qint64 PrefetchBytes = 1024 * 1024;
// A client in IDLE is told of changes after reads at least this far apart.
constexpr qint64 IdleReadGapMs = 200;
// How many times a refresh reads the mailbox again when commits keep coming during its reads.
constexpr int MaxRefreshReads = 3;

bool sameMailbox(const QString &a, const QString &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

// The store's mailbox as the session sees it. A mailbox that is configured or Inbox but has had no message yet is
// not in the store: empty. Its UIDVALIDITY changes when the store makes it, which costs a client nothing (it had
// nothing cached).
ImapMailboxSnapshot snapshotOf(
    const std::optional<MailboxIndex> &index, const QString &name, quint64 generation, MailboxIndex::Texts texts)
{
    ImapMailboxSnapshot snapshot;
    snapshot.name = name;
    snapshot.generation = generation;
    snapshot.headerTexts = texts == MailboxIndex::Texts::Parsed;
    if (!index) {
        return snapshot;
    }
    snapshot.name = index->name;
    snapshot.uidValidity = static_cast<quint32>(index->uidValidity);
    snapshot.uidNext = static_cast<quint32>(index->uidNext);
    snapshot.messages.reserve(index->entries.size());
    for (const MailboxIndexEntry &e : index->entries) {
        snapshot.messages << ImapMessageEntry { static_cast<quint32>(e.uid), e.id.toLatin1(), e.size, e.receivedMs,
            e.read, e.pinned, e.from, e.to, e.cc, e.subject };
    }
    return snapshot;
}

// RFC 3501 §6.4.4: BODY and TEXT are substrings, without regard to case, of the body, or of the header and the
// body. The body is the message's text as the app shows it (decoded, the HTML's text when there is no text part),
// so that a client finds what a person reads.
bool textMatches(const QByteArray &source, const ParsedMessage &parsed, const ImapTextQuery &query)
{
    if (parsed.text.contains(query.needle, Qt::CaseInsensitive)
        || parsed.html.contains(query.needle, Qt::CaseInsensitive)) {
        return true;
    }
    if (!query.wholeMessage) {
        return false;
    }
    qsizetype end = source.indexOf("\r\n\r\n");
    if (end < 0) {
        end = source.indexOf("\n\n");
    }
    const QString header = QString::fromUtf8(end < 0 ? source : source.left(end));
    for (const MimeHeader &h : parsed.headers) {
        if (h.value.contains(query.needle, Qt::CaseInsensitive)) {
            return true;
        }
    }
    return header.contains(query.needle, Qt::CaseInsensitive);
}
} // namespace

ImapConnection::ImapConnection(
    NetConnection *connection, const ImapServerConfig &config, MessageStore *store, ImapWorker *worker)
    : m_connection(connection), m_config(config), m_store(store), m_session([&] {
        ImapSessionConfig session;
        session.hostname = config.hostname;
        session.tlsAvailable = connection->canStartTls();
        session.maxLiteral = config.maxLiteral;
        return session;
    }())
{
    QObject::connect(worker, &ImapWorker::storeChanged, &m_context, [this] { storeChanged(); });
}

void ImapConnection::start(QByteArrayView early)
{
    if (m_connection->isEncrypted()) {
        // An implicit-TLS listener (RFC 8314) starts the handler after the handshake.
        m_session.setTlsActive();
    }
    m_session.start();
    // A client that did not wait for the greeting: its commands are answered after it, in order.
    m_session.receive(early);
    drain();
}

qsizetype ImapConnection::readSize() const
{
    return m_session.isPaused() || m_session.isClosed() ? 0 : CommandChunk;
}

void ImapConnection::receive(QByteArrayView bytes)
{
    m_session.receive(bytes);
    drain();
}

void ImapConnection::tlsStarted()
{
    m_session.tlsStarted();
    drain();
}

bool ImapConnection::canTimeOut() const
{
    // While the store is asked or a response is being sent, the server, not the client, is the one being slow. A
    // client in IDLE (RFC 2177) is timed out like any other, after the server's autologout time (at least 31
    // minutes: it renews IDLE every 29), so that one gone without closing does not keep its slot for ever.
    return !m_session.isPaused();
}

void ImapConnection::timeout()
{
    m_session.timeout();
    drain();
}

void ImapConnection::shutdown()
{
    m_fetch.reset();
    m_prefetched.clear();
    m_pieces.clear();
    m_source.clear();
    m_session.shutdown();
    drain();
}

void ImapConnection::outputDrained()
{
    // A write inside fetchNext() may report the output drained at once: that loop goes on by itself.
    if (m_fetch && !m_fetching) {
        fetchNext();
    }
}

void ImapConnection::drain()
{
    // The output first: a StartTls or Close event acts after the reply that announced it went out. An event
    // answered at once makes more events: they are taken in the next round.
    for (;;) {
        m_connection->write(m_session.takeOutput());
        const std::vector<ImapEvent> events = m_session.takeEvents();
        if (events.empty()) {
            return;
        }
        for (const ImapEvent &event : events) {
            handle(event);
        }
    }
}

void ImapConnection::resume()
{
    m_connection->touch();
    drain();
    m_connection->readMore();
}

void ImapConnection::handle(const ImapEvent &event)
{
    std::visit(
        [this](const auto &e) {
            using Event = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<Event, ImapEvents::LoginRequested>) {
                login(e.user, e.password);
            } else if constexpr (std::is_same_v<Event, ImapEvents::ListRequested>) {
                knownMailboxes([this](const QStringList &names) {
                    m_session.listFinished(names);
                    resume();
                });
            } else if constexpr (std::is_same_v<Event, ImapEvents::MailboxRequested>) {
                openMailbox(e);
            } else if constexpr (std::is_same_v<Event, ImapEvents::FetchRequested>) {
                fetch(e);
            } else if constexpr (std::is_same_v<Event, ImapEvents::StoreRequested>) {
                store(e);
            } else if constexpr (std::is_same_v<Event, ImapEvents::ExpungeRequested>) {
                QStringList ids;
                for (const QByteArray &id : e.ids) {
                    ids << QString::fromLatin1(id);
                }
                // The store's delete: the app, the API's clients and the events see it as any other.
                m_store->remove(ids, &m_context, [this](const QString &error) {
                    m_session.expungeFinished(error.isEmpty());
                    resume();
                });
            } else if constexpr (std::is_same_v<Event, ImapEvents::SearchTextRequested>) {
                searchText(e);
            } else if constexpr (std::is_same_v<Event, ImapEvents::IdleStarted>) {
                m_idling = true;
                storeChanged();
            } else if constexpr (std::is_same_v<Event, ImapEvents::IdleEnded>) {
                m_idling = false;
            } else if constexpr (std::is_same_v<Event, ImapEvents::StartTls>) {
                if (!m_connection->startServerTls()) {
                    m_connection->close();
                }
            } else if constexpr (std::is_same_v<Event, ImapEvents::Close>) {
                m_fetch.reset();
                m_pieces.clear();
                m_source.clear();
                m_connection->close();
            } else {
                static_assert(
                    std::is_same_v<Event, ImapEvents::ReceivedLine> || std::is_same_v<Event, ImapEvents::SentReply>);
            }
        },
        event);
}

void ImapConnection::knownMailboxes(std::function<void(const QStringList &)> done)
{
    QStringList names { MailboxName::inbox() };
    if (m_config.mailboxes) {
        for (const auto &mailbox : m_config.mailboxes->config().mailboxes) {
            names << mailbox.name;
        }
    }
    m_store->mailboxes(&m_context, [names, done = std::move(done)](const QList<MailboxCount> &stored) mutable {
        for (const MailboxCount &mailbox : stored) {
            if (std::none_of(names.cbegin(), names.cend(),
                    [&mailbox](const QString &name) { return sameMailbox(name, mailbox.name); })) {
                names << mailbox.name;
            }
        }
        done(names);
    });
}

void ImapConnection::login(const QByteArray &user, const QByteArray &password)
{
    // The user name is a mailbox name, compared without regard to case (as POP3's): Inbox, a configured mailbox
    // (which may have no message yet), or one the store has (per-user mailboxes).
    const QString name = QString::fromUtf8(user);
    knownMailboxes([this, name, user, password](const QStringList &names) {
        for (const QString &mailbox : names) {
            if (!sameMailbox(mailbox, name)) {
                continue;
            }
            // CONTRACT "POP3 and IMAP": with --auth FILE the password must be the file's for the user, whom the
            // file may name as typed or as the mailbox is spelt; otherwise any password is accepted.
            if (m_config.auth.mode() == AuthConfig::Mode::File && !m_config.auth.check(user, password)
                && !m_config.auth.check(mailbox.toUtf8(), password)) {
                break;
            }
            m_session.loginFinished(mailbox);
            resume();
            return;
        }
        m_session.loginFinished(std::nullopt);
        resume();
    });
}

void ImapConnection::openMailbox(const ImapEvents::MailboxRequested &request)
{
    using Purpose = ImapEvents::MailboxRequested::Purpose;
    if (request.purpose == Purpose::Refresh) {
        // Read again only when the store committed anything since the last read: its generation says so at once
        // (a change signal may still be on its way while the client's next command is here). A search by header
        // texts needs every message's, parsed where the store has not yet.
        const bool texts = request.command.endsWith("SEARCH");
        if (!m_reading && !isStale() && (!texts || m_cacheTexts == MailboxIndex::Texts::Parsed)) {
            m_session.mailboxFinished(m_cache);
            return;
        }
        m_refreshWaiting = true;
        m_refreshTexts = texts ? MailboxIndex::Texts::Parsed : MailboxIndex::Texts::AsStored;
        m_refreshReads = 0;
        if (!m_reading) {
            readSelected(m_refreshTexts);
        }
        return;
    }
    const bool selecting = request.purpose != Purpose::Status;
    if (selecting) {
        // RFC 3501 §6.3.1: a SELECT that fails leaves no mailbox selected.
        m_selected.clear();
        m_cache.reset();
    }
    knownMailboxes([this, request, selecting](const QStringList &names) {
        QString name;
        for (const QString &known : names) {
            if (sameMailbox(known, request.mailbox)) {
                name = known;
                break;
            }
        }
        if (name.isEmpty()) {
            m_session.mailboxFinished(std::nullopt);
            resume();
            return;
        }
        const quint64 generation = m_store->generation();
        m_store->mailboxIndex(name, MailboxIndex::Texts::AsStored, &m_context,
            [this, name, selecting, generation](const std::optional<MailboxIndex> &index) {
                const ImapMailboxSnapshot snapshot = snapshotOf(index, name, generation, MailboxIndex::Texts::AsStored);
                if (selecting) {
                    m_selected = name;
                    m_cache = snapshot;
                    m_cacheTexts = MailboxIndex::Texts::AsStored;
                }
                m_session.mailboxFinished(snapshot);
                resume();
            });
    });
}

bool ImapConnection::isStale() const
{
    return !m_cache || m_cache->generation != m_store->generation();
}

void ImapConnection::storeChanged()
{
    // While the client idles, a change is read and announced at once (RFC 2177), but not more often than every
    // IdleReadGapMs: a flood is told in a few reads, well within a second, and the readers are left to the rest.
    // Otherwise the next command's refresh reads it.
    if (m_selected.isEmpty() || !m_idling || m_reading || m_idleReadScheduled || !isStale()) {
        return;
    }
    const qint64 wait = m_lastRead.isValid() ? IdleReadGapMs - m_lastRead.elapsed() : 0;
    if (wait <= 0) {
        readSelected(MailboxIndex::Texts::AsStored);
        return;
    }
    m_idleReadScheduled = true;
    QTimer::singleShot(wait, &m_context, [this] {
        m_idleReadScheduled = false;
        storeChanged();
    });
}

void ImapConnection::readSelected(MailboxIndex::Texts texts)
{
    m_reading = true;
    m_lastRead.start();
    const QString name = m_selected;
    const quint64 generation = m_store->generation();
    m_store->mailboxIndex(
        name, texts, &m_context, [this, name, generation, texts](const std::optional<MailboxIndex> &index) {
            m_reading = false;
            if (name != m_selected) {
                // Another mailbox was selected meanwhile; a refresh waiting is that mailbox's.
                if (m_refreshWaiting) {
                    m_refreshWaiting = false;
                    m_session.mailboxFinished(m_cache);
                    resume();
                }
                return;
            }
            m_cache = snapshotOf(index, name, generation, texts);
            m_cacheTexts = texts;
            if (m_refreshWaiting) {
                // A commit during the read (one the client may have been told of), or a read without the texts
                // the refresh needs, is read again; a few times at most, so that a flood of arrivals cannot keep
                // the command waiting.
                const bool again = isStale()
                    || (m_refreshTexts == MailboxIndex::Texts::Parsed && texts != MailboxIndex::Texts::Parsed);
                if (again && ++m_refreshReads < MaxRefreshReads) {
                    readSelected(m_refreshTexts);
                    return;
                }
                m_refreshWaiting = false;
                m_session.mailboxFinished(m_cache);
            } else if (m_idling) {
                m_session.mailboxChanged(*m_cache);
            }
            resume();
            // Changes during the read: read again while the client idles.
            storeChanged();
        });
}

void ImapConnection::fetch(const ImapEvents::FetchRequested &request)
{
    m_fetch = request;
    m_prefetched.clear();
    m_fetchNext = 0;
    m_fetchOk = true;
    m_sourceNeed = SourceNeed::None;
    for (const ImapFetchItem &item : request.items) {
        if (!item.needsSource()) {
            continue;
        }
        const bool headerOnly = item.kind == ImapFetchItem::Kind::Envelope
            || item.kind == ImapFetchItem::Kind::Rfc822Header
            || (item.kind == ImapFetchItem::Kind::BodySection && item.section.part.isEmpty()
                && item.section.text != ImapSection::Text::All && item.section.text != ImapSection::Text::Text);
        m_sourceNeed = headerOnly && m_sourceNeed != SourceNeed::Whole ? SourceNeed::Header : SourceNeed::Whole;
    }
    if (request.markSeen) {
        // RFC 3501 §6.4.5: BODY[…] (not PEEK), RFC822 and RFC822.TEXT set \Seen; the FETCH response then carries
        // the new FLAGS. The read mark is the store's, so the app and the API see it; the tagged OK waits for it.
        QStringList unread;
        for (ImapEvents::FetchRequested::Target &target : m_fetch->targets) {
            if (!target.entry.seen) {
                unread << QString::fromLatin1(target.entry.id);
                target.entry.seen = true;
            }
        }
        const bool hasFlags = std::any_of(m_fetch->items.cbegin(), m_fetch->items.cend(),
            [](const ImapFetchItem &item) { return item.kind == ImapFetchItem::Kind::Flags; });
        if (!hasFlags) {
            m_fetch->items << ImapFetchItem { ImapFetchItem::Kind::Flags, {}, false, std::nullopt };
        }
        if (!unread.isEmpty()) {
            ++m_writesPending;
            m_store->setRead(unread, true, &m_context, [this](const QString &error) {
                --m_writesPending;
                if (!error.isEmpty()) {
                    m_fetchOk = false;
                }
                fetchNext();
            });
        }
    }
    fetchNext();
}

void ImapConnection::fetchNext()
{
    m_fetching = true;
    // Small responses (FLAGS, ENVELOPE…) go out together, a chunk at a time, not a write per message.
    qsizetype unsent = 0;
    const auto done = qScopeGuard([this, &unsent] {
        if (unsent > 0) {
            m_connection->write(m_session.takeOutput());
        }
        m_fetching = false;
    });
    while (m_fetch && m_connection->pendingOutput() < NetConnection::OutputLimit / 2) {
        if (!m_pieces.isEmpty()) {
            // The next slice of the response being sent.
            const QByteArray &piece = m_pieces.first();
            const qsizetype size = qMin(ResponseChunk, piece.size() - m_piecePos);
            m_session.fetchData(QByteArrayView(piece).sliced(m_piecePos, size));
            unsent += size;
            if (unsent >= ResponseChunk) {
                m_connection->write(m_session.takeOutput());
                unsent = 0;
            }
            m_piecePos += size;
            if (m_piecePos >= piece.size()) {
                m_pieces.removeFirst();
                m_piecePos = 0;
            }
            continue;
        }
        m_source.clear();
        if (m_fetchNext >= m_fetch->targets.size()) {
            break;
        }
        if (m_sourceNeed != SourceNeed::None && m_prefetched.isEmpty()) {
            prefetch();
        }
        const ImapEvents::FetchRequested::Target &target = m_fetch->targets.at(m_fetchNext++);
        if (m_sourceNeed != SourceNeed::None) {
            // The source is held once, for this message only: the response's literals are slices of it. Items of
            // the header alone (ENVELOPE, RFC822.HEADER, BODY[HEADER…]) read the header's pages only, unless it is
            // longer than a first read.
            const QString id = QString::fromLatin1(target.entry.id);
            std::optional<QByteArray> source = m_prefetched.takeFirst();
            if (source && m_sourceNeed == SourceNeed::Header && source->size() == HeadRead
                && !source->contains("\r\n\r\n") && !source->contains("\n\n")) {
                source = m_store->source(id);
            }
            if (!source) {
                // Deleted meanwhile (by the app or the API): RFC 3501 §7.4.1 lets the server say NO.
                m_fetchOk = false;
                continue;
            }
            m_source = *source;
        }
        // Views into the source stay views (the source lives until they are sent); other pieces are copied.
        const char *const begin = m_source.constData();
        const char *const end = begin + m_source.size();
        ImapFetchRenderer::render(target.sequence, target.entry, target.deleted, m_fetch->items, m_source,
            [this, begin, end](QByteArrayView piece) {
                if (piece.isEmpty()) {
                    return;
                }
                if (piece.data() >= begin && piece.data() + piece.size() <= end) {
                    m_pieces << QByteArray::fromRawData(piece.data(), piece.size());
                } else if (!m_pieces.isEmpty() && m_pieces.last().isDetached()
                    && m_pieces.last().size() < ResponseChunk) {
                    m_pieces.last() += piece;
                } else {
                    m_pieces << piece.toByteArray();
                }
            });
        m_piecePos = 0;
    }
    if (m_fetch && m_pieces.isEmpty() && m_fetchNext >= m_fetch->targets.size() && m_writesPending == 0) {
        if (unsent > 0) {
            m_connection->write(m_session.takeOutput());
            unsent = 0;
        }
        m_fetch.reset();
        m_source.clear();
        m_session.fetchFinished(m_fetchOk);
        resume();
    }
}

void ImapConnection::prefetch()
{
    // The sources of the next targets in one read of the store: a few dozen headers, or whole messages up to a
    // megabyte together (at least one, whatever its size), so that memory stays bounded.
    QStringList ids;
    qint64 bytes = 0;
    for (qsizetype i = m_fetchNext; i < m_fetch->targets.size() && ids.size() < PrefetchCount; ++i) {
        const ImapMessageEntry &entry = m_fetch->targets.at(i).entry;
        const qint64 size = m_sourceNeed == SourceNeed::Header ? qMin(entry.size, HeadRead) : entry.size;
        if (!ids.isEmpty() && bytes + size > PrefetchBytes) {
            break;
        }
        ids << QString::fromLatin1(entry.id);
        bytes += size;
    }
    m_prefetched = m_store->sources(ids, m_sourceNeed == SourceNeed::Header ? HeadRead : -1);
}

void ImapConnection::searchText(const ImapEvents::SearchTextRequested &request)
{
    // Each message is parsed once for every query. This runs on the network thread, which may wait for the store;
    // other IMAP clients wait meanwhile (a body search of a large mailbox takes a while, as on any server without
    // a body index).
    QList<QSet<QByteArray>> matches(request.queries.size());
    for (const QByteArray &id : request.ids) {
        const std::optional<QByteArray> stored = m_store->source(QString::fromLatin1(id));
        if (!stored) {
            continue;
        }
        const QByteArray &source = *stored;
        const ParsedMessage parsed = ParsedMessage::parse(source);
        for (qsizetype i = 0; i < request.queries.size(); ++i) {
            if (textMatches(source, parsed, request.queries.at(i))) {
                matches[i].insert(id);
            }
        }
    }
    m_session.searchTextFinished(matches);
}

void ImapConnection::store(const ImapEvents::StoreRequested &request)
{
    // The flags are the store's (CONTRACT "POP3 and IMAP"): \Seen is the read state, \Flagged the pin. The session
    // goes on once every change is durable.
    struct Writes
    {
        int pending = 0;
        bool ok = true;
    };
    const auto writes = std::make_shared<Writes>();
    const auto finished = [this, writes](const QString &error) {
        writes->ok = writes->ok && error.isEmpty();
        if (--writes->pending == 0) {
            m_session.storeFinished(writes->ok);
            resume();
        }
    };
    const auto ids = [](const QByteArrayList &list) {
        QStringList out;
        for (const QByteArray &id : list) {
            out << QString::fromLatin1(id);
        }
        return out;
    };
    writes->pending = int(!request.markRead.isEmpty()) + int(!request.markUnread.isEmpty())
        + int(!request.pin.isEmpty()) + int(!request.unpin.isEmpty());
    if (writes->pending == 0) {
        m_session.storeFinished(true);
        return;
    }
    if (!request.markRead.isEmpty()) {
        m_store->setRead(ids(request.markRead), true, &m_context, finished);
    }
    if (!request.markUnread.isEmpty()) {
        m_store->setRead(ids(request.markUnread), false, &m_context, finished);
    }
    if (!request.pin.isEmpty()) {
        m_store->setPinned(ids(request.pin), true, &m_context, finished);
    }
    if (!request.unpin.isEmpty()) {
        m_store->setPinned(ids(request.unpin), false, &m_context, finished);
    }
}
