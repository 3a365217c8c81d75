#include "pop3connection.h"

#include "../mailbox/mailboxsettings.h"
#include "../message/mailboxname.h"
#include "../net/netconnection.h"
#include "../store/messagestore.h"

#include <QScopeGuard>

#include <type_traits>

namespace {
// Commands are short (RFC 2449 §4: 255 octets); an AUTH line is at most Pop3Session::AuthLineLimit.
constexpr qsizetype CommandChunk = 4096;
// A message's source is read and sent in pieces of this size, while less than half the connection's output limit
// waits to go out.
constexpr qint64 SourceChunk = 64 * 1024;
} // namespace

Pop3Connection::Pop3Connection(NetConnection *connection, const Pop3ServerConfig &config, MessageStore *store)
    : m_connection(connection), m_config(config), m_store(store), m_session([&] {
        Pop3SessionConfig session;
        session.hostname = config.hostname;
        session.tlsAvailable = connection->canStartTls();
        return session;
    }())
{
}

void Pop3Connection::start(QByteArrayView early)
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

qsizetype Pop3Connection::readSize() const
{
    return m_session.state() == Pop3Session::State::Authorization
            || m_session.state() == Pop3Session::State::Transaction
        ? CommandChunk
        : 0;
}

void Pop3Connection::receive(QByteArrayView bytes)
{
    m_session.receive(bytes);
    drain();
}

void Pop3Connection::tlsStarted()
{
    m_session.tlsStarted();
    drain();
}

bool Pop3Connection::canTimeOut() const
{
    // While the store is asked or a message is being sent, the server, not the client, is the one being slow.
    return m_session.state() != Pop3Session::State::Paused;
}

void Pop3Connection::timeout()
{
    m_session.timeout();
    drain();
}

void Pop3Connection::shutdown()
{
    m_source.reset();
    m_session.shutdown();
    drain();
}

void Pop3Connection::outputDrained()
{
    // A write inside stream() may report the output drained at once: that loop goes on by itself.
    if (m_source && !m_streaming) {
        stream();
    }
}

void Pop3Connection::drain()
{
    // The output first: a StartTls or Close event acts after the reply that announced it went out.
    m_connection->write(m_session.takeOutput());
    for (const Pop3Event &event : m_session.takeEvents()) {
        handle(event);
    }
}

void Pop3Connection::handle(const Pop3Event &event)
{
    std::visit(
        [this](const auto &e) {
            using Event = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<Event, Pop3Events::LoginRequested>) {
                login(e.user, e.password);
            } else if constexpr (std::is_same_v<Event, Pop3Events::RetrieveRequested>) {
                retrieve(e);
            } else if constexpr (std::is_same_v<Event, Pop3Events::Update>) {
                QStringList ids;
                for (const QByteArray &id : e.deletedIds) {
                    ids << QString::fromLatin1(id);
                }
                // The store's delete: the app, the API's clients and the events see it as any other.
                m_store->remove(ids, &m_context, [this](const QString &error) {
                    m_connection->touch();
                    m_session.updateFinished(error.isEmpty());
                    drain();
                });
            } else if constexpr (std::is_same_v<Event, Pop3Events::StartTls>) {
                if (!m_connection->startServerTls()) {
                    m_connection->close();
                }
            } else if constexpr (std::is_same_v<Event, Pop3Events::Close>) {
                m_source.reset();
                m_connection->close();
            } else {
                static_assert(
                    std::is_same_v<Event, Pop3Events::ReceivedLine> || std::is_same_v<Event, Pop3Events::SentReply>);
            }
        },
        event);
}

void Pop3Connection::login(const QByteArray &user, const QByteArray &password)
{
    const QString name = QString::fromUtf8(user);
    // The user name is a mailbox name, compared without regard to case: Inbox, a configured mailbox (which may
    // have no message yet), or one the store has (per-user mailboxes).
    QStringList known { MailboxName::inbox() };
    if (m_config.mailboxes) {
        for (const auto &mailbox : m_config.mailboxes->config().mailboxes) {
            known << mailbox.name;
        }
    }
    for (const QString &mailbox : std::as_const(known)) {
        if (mailbox.compare(name, Qt::CaseInsensitive) == 0) {
            openMaildrop(mailbox, user, password);
            return;
        }
    }
    m_store->mailboxes(&m_context, [this, name, user, password](const QList<MailboxCount> &mailboxes) {
        for (const MailboxCount &mailbox : mailboxes) {
            if (mailbox.name.compare(name, Qt::CaseInsensitive) == 0) {
                openMaildrop(mailbox.name, user, password);
                return;
            }
        }
        m_connection->touch();
        m_session.loginFinished(false);
        drain();
        m_connection->readMore();
    });
}

void Pop3Connection::openMaildrop(const QString &mailbox, const QByteArray &user, const QByteArray &password)
{
    // CONTRACT "POP3 and IMAP": with --auth FILE the password must be the file's for the user, whom the file may
    // name as typed or as the mailbox is spelt; otherwise any password is accepted.
    if (m_config.auth.mode() == AuthConfig::Mode::File && !m_config.auth.check(user, password)
        && !m_config.auth.check(mailbox.toUtf8(), password)) {
        m_connection->touch();
        m_session.loginFinished(false);
        drain();
        m_connection->readMore();
        return;
    }
    // RFC 1939 §8: the maildrop as of login, oldest first (as a POP3 client numbers them).
    ListRequest request;
    request.mailbox = mailbox;
    request.sort = MessageSort { MessageSort::Key::Received, Qt::AscendingOrder };
    request.limit = -1;
    m_store->list(request, &m_context, [this](const ListReply &reply) {
        m_connection->touch();
        if (!reply.result) {
            m_session.loginFinished(false);
        } else {
            QList<Pop3MaildropEntry> maildrop;
            maildrop.reserve(reply.result->messages.size());
            for (const MessageSummary &summary : reply.result->messages) {
                maildrop << Pop3MaildropEntry { summary.id.toLatin1(), summary.size };
            }
            m_session.loginFinished(true, maildrop);
        }
        drain();
        m_connection->readMore();
    });
}

void Pop3Connection::retrieve(const Pop3Events::RetrieveRequested &request)
{
    const QString id = QString::fromLatin1(request.id);
    m_source.reset(m_store->openSource(id));
    if (!m_source) {
        // Deleted since login (by the app or the API).
        m_session.messageDataFinished(false);
        drain();
        return;
    }
    if (request.markRead) {
        // CONTRACT "POP3 and IMAP": RETR marks read; the app and the API see it like any other read mark. The mark
        // is committed while the message goes out, and the message's last line waits for it, so that a client
        // that has the whole message finds it read everywhere.
        m_markingRead = true;
        m_store->setRead({ id }, true, &m_context, [this](const QString &) {
            m_markingRead = false;
            if (m_finished) {
                finishRetrieve(*m_finished);
            }
        });
    }
    stream();
}

void Pop3Connection::stream()
{
    m_streaming = true;
    const auto done = qScopeGuard([this] { m_streaming = false; });
    while (m_source && m_connection->pendingOutput() < NetConnection::OutputLimit / 2) {
        const QByteArray piece = m_session.wantsMessageData() ? m_source->read(SourceChunk) : QByteArray();
        if (piece.isEmpty()) {
            // The end (or TOP has its lines).
            const bool ok = !m_session.wantsMessageData() || m_source->atEnd();
            m_source.reset();
            if (m_markingRead) {
                m_finished = ok;
            } else {
                finishRetrieve(ok);
            }
            return;
        }
        m_session.messageData(piece);
        m_connection->write(m_session.takeOutput());
    }
}

void Pop3Connection::finishRetrieve(bool ok)
{
    // The terminating line, then the commands that waited behind RETR.
    m_finished.reset();
    m_connection->touch();
    m_session.messageDataFinished(ok);
    drain();
    m_connection->readMore();
}
