#include "imapsession.h"

#include "imapformat.h"
#include "imapparser.h"

#include <QDateTime>
#include <QHash>
#include <QTimeZone>

#include <algorithm>

namespace {
// RFC 3501 §2.3.2: the flags this server keeps (\Seen is the read state, \Flagged the pin, \Deleted the session's).
const QByteArray FlagList = "(\\Seen \\Flagged \\Deleted)";

QDate dateOf(qint64 utcMs)
{
    return QDateTime::fromMSecsSinceEpoch(utcMs, QTimeZone::utc()).date();
}

// LIST's pattern matching (RFC 3501 §6.3.8): "*" matches anything, "%" anything but the hierarchy delimiter.
bool wildcardMatch(QStringView pattern, QStringView name)
{
    if (pattern.isEmpty()) {
        return name.isEmpty();
    }
    const QChar first = pattern.front();
    if (first == u'*' || first == u'%') {
        for (qsizetype i = 0; i <= name.size(); ++i) {
            if (wildcardMatch(pattern.sliced(1), name.sliced(i))) {
                return true;
            }
            if (i < name.size() && first == u'%' && name.at(i) == u'/') {
                return false;
            }
        }
        return false;
    }
    return !name.isEmpty() && name.front() == first && wildcardMatch(pattern.sliced(1), name.sliced(1));
}

bool isInbox(QStringView name)
{
    return name.compare(u"INBOX", Qt::CaseInsensitive) == 0;
}
} // namespace

ImapSession::ImapSession(const ImapSessionConfig &config)
    : m_config(config), m_reader(CommandLimit, config.maxLiteral > 0 ? config.maxLiteral : CommandLimit)
{
}

void ImapSession::start()
{
    if (m_state != State::Idle) {
        return;
    }
    m_state = State::NotAuthenticated;
    // RFC 3501 §7.1.1: the capabilities in the greeting spare the client a CAPABILITY command.
    untagged("OK [CAPABILITY " + capabilities() + "] " + m_config.hostname + " Letterbox IMAP4rev1 ready");
    process();
}

QByteArray ImapSession::capabilities() const
{
    QByteArray result = "IMAP4rev1 LITERAL+ SASL-IR IDLE UNSELECT";
    if (m_state == State::NotAuthenticated) {
        // The contract allows a plaintext login (on loopback), so no LOGINDISABLED (RFC 3501 §6.2.3).
        result += " AUTH=PLAIN";
        if (m_config.tlsAvailable && !m_tls) {
            result += " STARTTLS";
        }
    }
    return result;
}

void ImapSession::receive(QByteArrayView bytes)
{
    if (m_state == State::Closed) {
        return;
    }
    m_reader.append(bytes);
    process();
}

void ImapSession::process()
{
    while (m_state != State::Idle && m_state != State::Closed && m_waiting == Waiting::None) {
        const ImapCommandReader::Status status = m_reader.next();
        if (status == ImapCommandReader::Status::NeedMore) {
            break;
        }
        if (status == ImapCommandReader::Status::LiteralContinuation) {
            m_out += "+ Ready for literal\r\n";
            continue;
        }
        if (status == ImapCommandReader::Status::Command) {
            handleCommand(m_reader.command());
            continue;
        }
        // Refused by a limit: the command (or the response line it was) ends here.
        const QByteArray tag = m_reader.refusedTag();
        m_events.push_back(ImapEvents::ReceivedLine { "[over-long command]" });
        if (!m_authTag.isEmpty()) {
            tagged(std::exchange(m_authTag, QByteArray()), "BAD", "response too long");
        } else if (status == ImapCommandReader::Status::LiteralTooBig) {
            // RFC 7888 §4 and RFC 4469 §5: [TOOBIG] says what is wrong with it.
            tagged(tag.isEmpty() ? QByteArray("*") : tag, "NO", "[TOOBIG] literal too big");
        } else {
            tagged(tag.isEmpty() ? QByteArray("*") : tag, "BAD", "command line too long");
        }
    }
}

void ImapSession::handleCommand(const QByteArray &text)
{
    if (!m_authTag.isEmpty()) {
        m_events.push_back(ImapEvents::ReceivedLine { "[AUTHENTICATE response]" });
        handleAuthResponse(text);
        return;
    }
    if (!m_idleTag.isEmpty()) {
        m_events.push_back(ImapEvents::ReceivedLine { text.left(100) });
        handleIdleLine(text);
        return;
    }
    ImapParser parser(text);
    const std::optional<QByteArray> tag = parser.tag();
    const bool hasCommand = tag && parser.space();
    std::optional<QByteArray> name = hasCommand ? parser.atom() : std::nullopt;
    if (name) {
        *name = name->toUpper();
    }
    // The secrets of LOGIN and AUTHENTICATE are not logged: the user name and the mechanism are.
    if (name == "LOGIN" || name == "AUTHENTICATE") {
        ImapParser secret(text);
        secret.seek(parser.position());
        const std::optional<QByteArray> first
            = secret.space() ? (name == "LOGIN" ? secret.astring() : secret.atom()) : std::nullopt;
        const bool more = first && !secret.atEnd();
        m_events.push_back(ImapEvents::ReceivedLine { *tag + ' ' + *name + (first ? ' ' + first->left(200) : "")
            + (more || (!first && !secret.atEnd()) ? " ****" : "") });
    } else {
        m_events.push_back(ImapEvents::ReceivedLine { text.left(1000) });
    }
    if (!name) {
        tagged(tag ? *tag : QByteArray("*"), "BAD", tag ? "missing command" : "missing tag");
        return;
    }
    if (*name == "UID") {
        const std::optional<QByteArray> sub = parser.space() ? parser.atom() : std::nullopt;
        if (!sub) {
            tagged(*tag, "BAD", "UID needs a command");
            return;
        }
        *name += ' ' + sub->toUpper();
    }
    static const QByteArrayList leavesMailbox { "SELECT", "EXAMINE", "LOGOUT", "CLOSE", "UNSELECT" };
    if (m_state == State::Selected && !leavesMailbox.contains(*name)) {
        // A change made elsewhere (the app, the API, POP3) shows at the client's next command: read the mailbox
        // now and announce it before the command runs.
        m_tag = *tag;
        m_command = *name;
        m_pendingText = text;
        m_pendingPosition = parser.position();
        m_events.push_back(
            ImapEvents::MailboxRequested { m_selected, ImapEvents::MailboxRequested::Purpose::Refresh, *name });
        pause(Waiting::Refresh);
        return;
    }
    run(*tag, *name, parser);
}

void ImapSession::run(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    static const QByteArrayList anyState { "CAPABILITY", "NOOP", "LOGOUT" };
    static const QByteArrayList notAuthenticated { "STARTTLS", "LOGIN", "AUTHENTICATE" };
    static const QByteArrayList authenticated { "SELECT", "EXAMINE", "LIST", "LSUB", "STATUS", "IDLE", "CREATE",
        "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "APPEND" };
    static const QByteArrayList selected { "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY",
        "UID SEARCH", "UID FETCH", "UID STORE", "UID COPY" };
    if (anyState.contains(name)) {
        runAnyState(tag, name, parser);
    } else if (notAuthenticated.contains(name)) {
        if (m_state == State::NotAuthenticated) {
            runNotAuthenticated(tag, name, parser);
        } else {
            tagged(tag, "BAD", "already authenticated");
        }
    } else if (authenticated.contains(name)) {
        if (m_state == State::Authenticated || m_state == State::Selected) {
            runAuthenticated(tag, name, parser);
        } else {
            tagged(tag, "BAD", "log in first");
        }
    } else if (selected.contains(name)) {
        if (m_state == State::Selected) {
            runSelected(tag, name, parser);
        } else {
            tagged(tag, "BAD", "no mailbox selected");
        }
    } else {
        tagged(tag, "BAD", "unknown command");
    }
}

void ImapSession::runAnyState(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    if (!parser.atEnd()) {
        tagged(tag, "BAD", name + " takes no arguments");
        return;
    }
    if (name == "CAPABILITY") {
        untagged("CAPABILITY " + capabilities());
        tagged(tag, "OK", "CAPABILITY completed");
    } else if (name == "NOOP") {
        tagged(tag, "OK", "NOOP completed");
    } else {
        bye(m_config.hostname + " Letterbox IMAP4rev1 server logging out");
        tagged(tag, "OK", "LOGOUT completed");
        close();
    }
}

void ImapSession::runNotAuthenticated(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    if (name == "STARTTLS") {
        if (!parser.atEnd()) {
            tagged(tag, "BAD", "STARTTLS takes no arguments");
        } else if (m_tls) {
            tagged(tag, "BAD", "already using TLS");
        } else if (!m_config.tlsAvailable) {
            tagged(tag, "BAD", "STARTTLS not available");
        } else {
            tagged(tag, "OK", "Begin TLS negotiation now");
            // RFC 3501 §6.2.1 and RFC 7817: nothing sent before the handshake may count after it (the STARTTLS
            // command injection): what the client pipelined after STARTTLS is dropped.
            m_reader.clear();
            m_events.push_back(ImapEvents::StartTls {});
            pause(Waiting::Tls);
        }
    } else if (name == "LOGIN") {
        const std::optional<QByteArray> user = parser.space() ? parser.astring() : std::nullopt;
        const std::optional<QByteArray> password = user && parser.space() ? parser.astring() : std::nullopt;
        if (!password || !parser.atEnd()) {
            tagged(tag, "BAD", "LOGIN needs a user name and a password");
            return;
        }
        m_tag = tag;
        m_command = name;
        m_events.push_back(ImapEvents::LoginRequested { *user, *password, "LOGIN" });
        pause(Waiting::Login);
    } else {
        const std::optional<QByteArray> mechanism = parser.space() ? parser.atom() : std::nullopt;
        if (!mechanism) {
            tagged(tag, "BAD", "AUTHENTICATE needs a mechanism");
            return;
        }
        if (mechanism->toUpper() != "PLAIN") {
            tagged(tag, "NO", "unsupported authentication mechanism");
            return;
        }
        if (parser.atEnd()) {
            // RFC 3501 §6.2.2: an empty challenge, then the client's response on a line of its own.
            m_authTag = tag;
            m_out += "+ \r\n";
            return;
        }
        // SASL-IR (RFC 4959 §3): the initial response on the command line.
        const std::optional<QByteArray> response = parser.space() ? parser.atom() : std::nullopt;
        if (!response || !parser.atEnd()) {
            tagged(tag, "BAD", "malformed initial response");
            return;
        }
        handlePlain(tag, *response);
    }
}

void ImapSession::handleAuthResponse(const QByteArray &line)
{
    const QByteArray tag = std::exchange(m_authTag, QByteArray());
    if (line == "*") {
        // RFC 3501 §6.2.2: the client cancelled.
        tagged(tag, "BAD", "AUTHENTICATE cancelled");
        return;
    }
    handlePlain(tag, line);
}

void ImapSession::handlePlain(const QByteArray &tag, const QByteArray &base64)
{
    // RFC 4616: [authzid] NUL authcid NUL passwd; "=" is an empty initial response (RFC 4959 §3).
    const auto decoded = QByteArray::fromBase64Encoding(
        base64 == "=" ? QByteArray() : base64, QByteArray::AbortOnBase64DecodingErrors);
    const QByteArrayList parts = decoded.decoded.split('\0');
    if (!decoded || parts.size() != 3 || parts.at(1).isEmpty()) {
        tagged(tag, "BAD", "malformed PLAIN response");
        return;
    }
    if (!parts.at(0).isEmpty() && parts.at(0) != parts.at(1)) {
        // Acting as another user is not offered.
        tagged(tag, "NO", "[AUTHORIZATIONFAILED] authorization identity refused");
        return;
    }
    m_tag = tag;
    m_command = "AUTHENTICATE";
    m_events.push_back(ImapEvents::LoginRequested { parts.at(1), parts.at(2), "PLAIN" });
    pause(Waiting::Login);
}

void ImapSession::runAuthenticated(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    if (name == "SELECT" || name == "EXAMINE") {
        handleSelect(tag, name, parser);
    } else if (name == "LIST" || name == "LSUB") {
        handleList(tag, name, parser);
    } else if (name == "STATUS") {
        handleStatus(tag, parser);
    } else if (name == "IDLE") {
        if (!parser.atEnd()) {
            tagged(tag, "BAD", "IDLE takes no arguments");
            return;
        }
        m_idleTag = tag;
        m_out += "+ idling\r\n";
        // Only a selected mailbox has changes to announce.
        if (m_state == State::Selected) {
            m_events.push_back(ImapEvents::IdleStarted {});
        }
    } else if (name == "SUBSCRIBE" || name == "UNSUBSCRIBE") {
        // Every mailbox is subscribed (LSUB lists them all); the subscription list is not the client's to change.
        const std::optional<QByteArray> mailbox = parser.space() ? parser.astring() : std::nullopt;
        if (!mailbox || !parser.atEnd()) {
            tagged(tag, "BAD", name + " needs a mailbox name");
            return;
        }
        tagged(tag, "OK", name + " completed");
    } else {
        // CREATE, DELETE, RENAME, APPEND: mailboxes and their messages come from SMTP and the app's configuration.
        tagged(tag, "NO", "[CANNOT] " + name + " is not supported: mail arrives over SMTP");
    }
}

QString ImapSession::mailboxName(const QByteArray &clientName) const
{
    const QString name = QString::fromUtf8(clientName);
    return isInbox(name) ? m_inbox : name;
}

void ImapSession::handleSelect(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    const std::optional<QByteArray> mailbox = parser.space() ? parser.astring() : std::nullopt;
    if (!mailbox || !parser.atEnd()) {
        tagged(tag, "BAD", name + " needs a mailbox name");
        return;
    }
    // RFC 3501 §6.3.1: the selected mailbox is deselected first, even if the new selection fails.
    deselect();
    m_tag = tag;
    m_command = name;
    m_events.push_back(ImapEvents::MailboxRequested { mailboxName(*mailbox),
        name == "SELECT" ? ImapEvents::MailboxRequested::Purpose::Select
                         : ImapEvents::MailboxRequested::Purpose::Examine,
        QByteArray() });
    pause(Waiting::Mailbox);
}

void ImapSession::handleStatus(const QByteArray &tag, ImapParser &parser)
{
    static const QByteArrayList known { "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN" };
    const std::optional<QByteArray> mailbox = parser.space() ? parser.astring() : std::nullopt;
    QByteArrayList items;
    bool valid = mailbox && parser.space() && parser.consume('(');
    while (valid) {
        const std::optional<QByteArray> item = parser.atom();
        valid = item && known.contains(item->toUpper());
        if (valid) {
            items << item->toUpper();
            if (!parser.consume(' ')) {
                break;
            }
        }
    }
    if (!valid || !parser.consume(')') || !parser.atEnd()) {
        tagged(tag, "BAD", "STATUS needs a mailbox name and a list of items");
        return;
    }
    m_tag = tag;
    m_command = "STATUS";
    m_statusName = *mailbox;
    m_statusItems = items;
    m_events.push_back(ImapEvents::MailboxRequested {
        mailboxName(*mailbox), ImapEvents::MailboxRequested::Purpose::Status, QByteArray() });
    pause(Waiting::Mailbox);
}

void ImapSession::handleList(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    const std::optional<QByteArray> reference = parser.space() ? parser.astring() : std::nullopt;
    const std::optional<QByteArray> pattern = reference && parser.space() ? parser.listMailbox() : std::nullopt;
    if (!pattern || !parser.atEnd()) {
        tagged(tag, "BAD", name + " needs a reference and a mailbox pattern");
        return;
    }
    if (pattern->isEmpty()) {
        // RFC 3501 §6.3.8: an empty pattern asks for the hierarchy delimiter and the root name.
        untagged(name + " (\\Noselect) \"/\" \"\"");
        tagged(tag, "OK", name + " completed");
        return;
    }
    m_tag = tag;
    m_command = name;
    m_listReference = *reference;
    m_listPattern = *pattern;
    m_events.push_back(ImapEvents::ListRequested {});
    pause(Waiting::List);
}

void ImapSession::runSelected(const QByteArray &tag, const QByteArray &name, ImapParser &parser)
{
    const bool uid = name.startsWith("UID ");
    const QByteArray command = uid ? name.mid(4) : name;
    if (command == "FETCH") {
        handleFetch(tag, uid, parser);
        return;
    }
    if (command == "STORE") {
        handleStore(tag, uid, parser);
        return;
    }
    if (command == "SEARCH") {
        handleSearch(tag, uid, parser);
        return;
    }
    if (command == "COPY") {
        tagged(tag, "NO", "[CANNOT] COPY is not supported: mail arrives over SMTP");
        return;
    }
    if (!parser.atEnd()) {
        tagged(tag, "BAD", name + " takes no arguments");
        return;
    }
    if (command == "CHECK") {
        tagged(tag, "OK", "CHECK completed");
    } else if (command == "UNSELECT") {
        // RFC 3691: CLOSE without the expunge.
        deselect();
        tagged(tag, "OK", "UNSELECT completed");
    } else {
        handleExpunge(tag, command == "CLOSE");
    }
}

void ImapSession::handleExpunge(const QByteArray &tag, bool close)
{
    if (!close && m_readOnly) {
        tagged(tag, "NO", "[READ-ONLY] the mailbox is read-only");
        return;
    }
    QSet<quint32> uids;
    QByteArrayList ids;
    if (!m_readOnly) {
        for (const ImapMessageEntry &entry : std::as_const(m_view)) {
            if (m_deleted.contains(entry.uid)) {
                uids.insert(entry.uid);
                ids << entry.id;
            }
        }
    }
    m_tag = tag;
    m_command = close ? "CLOSE" : "EXPUNGE";
    if (uids.isEmpty()) {
        if (close) {
            deselect();
        }
        tagged(tag, "OK", m_command + " completed");
        return;
    }
    m_expungeUids = uids;
    m_events.push_back(ImapEvents::ExpungeRequested { ids });
    pause(Waiting::Expunge);
}

std::optional<QList<int>> ImapSession::targets(const QByteArray &tag, const ImapSequenceSet &set, bool uid)
{
    QList<int> result;
    if (uid) {
        // RFC 3501 §6.4.8: UIDs that name no message are skipped.
        const quint32 star = m_view.isEmpty() ? 0 : m_view.last().uid;
        for (int i = 0; i < m_view.size(); ++i) {
            if (set.contains(m_view.at(i).uid, star)) {
                result << i;
            }
        }
        return result;
    }
    // RFC 3501 §9 seq-number: a number beyond the count (or "*" in an empty mailbox) names no message: BAD.
    const auto count = quint32(m_view.size());
    if (count == 0 || set.maximum(count) > count) {
        tagged(tag, "BAD", "no such message");
        return std::nullopt;
    }
    for (int i = 0; i < m_view.size(); ++i) {
        if (set.contains(quint32(i + 1), count)) {
            result << i;
        }
    }
    return result;
}

void ImapSession::handleFetch(const QByteArray &tag, bool uid, ImapParser &parser)
{
    const QByteArray name = uid ? "UID FETCH" : "FETCH";
    const std::optional<ImapSequenceSet> set = parser.space() ? parser.sequenceSet() : std::nullopt;
    std::optional<QList<ImapFetchItem>> items = set && parser.space() ? parser.fetchItems() : std::nullopt;
    if (!items || !parser.atEnd()) {
        tagged(tag, "BAD", name + ": " + (parser.error().isEmpty() ? QByteArray("bad arguments") : parser.error()));
        return;
    }
    const std::optional<QList<int>> indexes = targets(tag, *set, uid);
    if (!indexes) {
        return;
    }
    const bool hasUid = std::any_of(items->cbegin(), items->cend(),
        [](const ImapFetchItem &item) { return item.kind == ImapFetchItem::Kind::Uid; });
    if (uid && !hasUid) {
        // RFC 3501 §6.4.8: UID FETCH's responses include the UID even when not asked for.
        ImapFetchItem item;
        item.kind = ImapFetchItem::Kind::Uid;
        items->prepend(item);
    }
    const bool marksSeen = !m_readOnly
        && std::any_of(items->cbegin(), items->cend(), [](const ImapFetchItem &item) { return item.setsSeen(); });
    const bool needsSource
        = std::any_of(items->cbegin(), items->cend(), [](const ImapFetchItem &item) { return item.needsSource(); });
    if (indexes->isEmpty()) {
        tagged(tag, "OK", name + " completed");
        return;
    }
    if (!needsSource && !marksSeen) {
        for (const int index : *indexes) {
            const ImapMessageEntry &entry = m_view.at(index);
            QByteArrayList values;
            for (const ImapFetchItem &item : std::as_const(*items)) {
                switch (item.kind) {
                case ImapFetchItem::Kind::Flags:
                    values << "FLAGS " + ImapFormat::flags(entry, m_deleted.contains(entry.uid));
                    break;
                case ImapFetchItem::Kind::Uid:
                    values << "UID " + QByteArray::number(entry.uid);
                    break;
                case ImapFetchItem::Kind::InternalDate:
                    values << "INTERNALDATE " + ImapFormat::internalDate(entry.receivedMs);
                    break;
                default:
                    values << "RFC822.SIZE " + QByteArray::number(entry.size);
                    break;
                }
            }
            untagged(QByteArray::number(index + 1) + " FETCH (" + values.join(' ') + ')');
        }
        tagged(tag, "OK", name + " completed");
        return;
    }
    ImapEvents::FetchRequested request;
    request.items = *items;
    request.markSeen = marksSeen;
    m_fetchUids.clear();
    for (const int index : *indexes) {
        const ImapMessageEntry &entry = m_view.at(index);
        request.targets.append({ index + 1, entry, m_deleted.contains(entry.uid) });
        m_fetchUids.insert(entry.uid);
    }
    m_tag = tag;
    m_command = name;
    m_fetchMarksSeen = marksSeen;
    m_fetchStarted = false;
    m_events.push_back(std::move(request));
    pause(Waiting::Fetch);
}

void ImapSession::handleStore(const QByteArray &tag, bool uid, ImapParser &parser)
{
    const QByteArray name = uid ? "UID STORE" : "STORE";
    const std::optional<ImapSequenceSet> set = parser.space() ? parser.sequenceSet() : std::nullopt;
    std::optional<QByteArray> item;
    if (set && parser.space()) {
        const bool plus = parser.consume('+');
        const bool minus = !plus && parser.consume('-');
        item = parser.atom();
        if (item) {
            *item = (plus ? "+" : minus ? "-" : "") + item->toUpper();
        }
    }
    static const QByteArrayList items { "FLAGS", "+FLAGS", "-FLAGS", "FLAGS.SILENT", "+FLAGS.SILENT", "-FLAGS.SILENT" };
    const std::optional<QByteArrayList> flags
        = item && items.contains(*item) && parser.space() ? parser.flags() : std::nullopt;
    if (!flags || !parser.atEnd()) {
        tagged(tag, "BAD", name + " needs a set, FLAGS, +FLAGS or -FLAGS and flags");
        return;
    }
    if (m_readOnly) {
        tagged(tag, "NO", "[READ-ONLY] the mailbox is read-only");
        return;
    }
    const std::optional<QList<int>> indexes = targets(tag, *set, uid);
    if (!indexes) {
        return;
    }
    // Only the flags this server keeps; others (\Answered, keywords) are ignored, as PERMANENTFLAGS says.
    bool seen = false;
    bool flagged = false;
    bool deleted = false;
    for (const QByteArray &flag : *flags) {
        const QByteArray lower = flag.toLower();
        seen = seen || lower == "\\seen";
        flagged = flagged || lower == "\\flagged";
        deleted = deleted || lower == "\\deleted";
    }
    const char mode = item->at(0);
    ImapEvents::StoreRequested request;
    m_storeChanges.clear();
    m_storeGone = false;
    for (const int index : *indexes) {
        const ImapMessageEntry &entry = m_view.at(index);
        if (m_gone.contains(entry.uid)) {
            // Deleted elsewhere, its EXPUNGE not announced yet: nothing to store it in (RFC 5530 EXPUNGEISSUED).
            m_storeGone = true;
            continue;
        }
        FlagChange change { entry.uid, entry.seen, entry.flagged, m_deleted.contains(entry.uid) };
        if (mode == '+') {
            change.seen = change.seen || seen;
            change.flagged = change.flagged || flagged;
            change.deleted = change.deleted || deleted;
        } else if (mode == '-') {
            change.seen = change.seen && !seen;
            change.flagged = change.flagged && !flagged;
            change.deleted = change.deleted && !deleted;
        } else {
            change.seen = seen;
            change.flagged = flagged;
            change.deleted = deleted;
        }
        if (change.seen != entry.seen) {
            (change.seen ? request.markRead : request.markUnread) << entry.id;
        }
        if (change.flagged != entry.flagged) {
            (change.flagged ? request.pin : request.unpin) << entry.id;
        }
        if (change.seen != entry.seen || change.flagged != entry.flagged
            || change.deleted != m_deleted.contains(entry.uid)) {
            m_storeChanges << change;
        }
    }
    m_tag = tag;
    m_command = name;
    m_storeSilent = item->endsWith(".SILENT");
    m_storeUid = uid;
    if (request.markRead.isEmpty() && request.markUnread.isEmpty() && request.pin.isEmpty()
        && request.unpin.isEmpty()) {
        finishStore();
        return;
    }
    m_events.push_back(std::move(request));
    pause(Waiting::Store);
}

void ImapSession::finishStore()
{
    for (const FlagChange &change : std::as_const(m_storeChanges)) {
        const qsizetype index = indexOfUid(change.uid);
        if (index < 0) {
            continue;
        }
        ImapMessageEntry &entry = m_view[index];
        entry.seen = change.seen;
        entry.flagged = change.flagged;
        if (change.deleted) {
            m_deleted.insert(change.uid);
        } else {
            m_deleted.remove(change.uid);
        }
        if (!m_storeSilent) {
            untagged(flagsResponse(int(index), m_storeUid));
        }
    }
    m_storeChanges.clear();
    if (m_storeGone) {
        tagged(m_tag, "NO", "[EXPUNGEISSUED] some of the messages were deleted");
    } else {
        tagged(m_tag, "OK", m_command + " completed");
    }
}

qsizetype ImapSession::indexOfUid(quint32 uid) const
{
    const auto it = std::lower_bound(m_view.cbegin(), m_view.cend(), uid,
        [](const ImapMessageEntry &entry, quint32 value) { return entry.uid < value; });
    return it != m_view.cend() && it->uid == uid ? it - m_view.cbegin() : -1;
}

QByteArray ImapSession::flagsResponse(int index, bool withUid) const
{
    const ImapMessageEntry &entry = m_view.at(index);
    QByteArray text
        = QByteArray::number(index + 1) + " FETCH (FLAGS " + ImapFormat::flags(entry, m_deleted.contains(entry.uid));
    if (withUid) {
        text += " UID " + QByteArray::number(entry.uid);
    }
    return text + ')';
}

void ImapSession::handleSearch(const QByteArray &tag, bool uid, ImapParser &parser)
{
    const QByteArray name = uid ? "UID SEARCH" : "SEARCH";
    if (!parser.space()) {
        tagged(tag, "BAD", name + " needs search keys");
        return;
    }
    // RFC 3501 §6.4.4: CHARSET, when given, comes first; US-ASCII is a subset of UTF-8.
    const qsizetype start = parser.position();
    const std::optional<QByteArray> first = parser.atom();
    if (first && first->toUpper() == "CHARSET") {
        const std::optional<QByteArray> charset = parser.space() ? parser.astring() : std::nullopt;
        if (!charset || !parser.space()) {
            tagged(tag, "BAD", name + ": CHARSET needs a name and search keys");
            return;
        }
        const QByteArray upper = charset->toUpper();
        if (upper != "UTF-8" && upper != "US-ASCII") {
            tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] unsupported charset");
            return;
        }
    } else {
        parser.seek(start);
    }
    std::optional<ImapSearchKey> key = parser.searchKeys();
    if (!key) {
        tagged(tag, "BAD", name + ": " + parser.error());
        return;
    }
    m_tag = tag;
    m_command = name;
    m_searchUid = uid;
    m_searchKey = std::move(*key);
    m_searchQueries.clear();
    collectTextQueries(m_searchKey);
    if (m_searchQueries.isEmpty()) {
        finishSearch({});
        return;
    }
    QByteArrayList ids;
    for (const ImapMessageEntry &entry : std::as_const(m_view)) {
        ids << entry.id;
    }
    m_events.push_back(ImapEvents::SearchTextRequested { ids, m_searchQueries });
    pause(Waiting::SearchText);
}

void ImapSession::collectTextQueries(ImapSearchKey &key)
{
    if (key.kind == ImapSearchKey::Kind::Body || key.kind == ImapSearchKey::Kind::Text) {
        key.textQuery = int(m_searchQueries.size());
        m_searchQueries.append({ key.text, key.kind == ImapSearchKey::Kind::Text });
    }
    for (ImapSearchKey &child : key.children) {
        collectTextQueries(child);
    }
}

bool ImapSession::matches(const ImapSearchKey &key, int index, const QList<QSet<QByteArray>> &textMatches) const
{
    using Kind = ImapSearchKey::Kind;
    const ImapMessageEntry &entry = m_view.at(index);
    switch (key.kind) {
    case Kind::All:
        return true;
    case Kind::None:
        return false;
    case Kind::Seen:
        return entry.seen;
    case Kind::Unseen:
        return !entry.seen;
    case Kind::Flagged:
        return entry.flagged;
    case Kind::Unflagged:
        return !entry.flagged;
    case Kind::Deleted:
        return m_deleted.contains(entry.uid);
    case Kind::Undeleted:
        return !m_deleted.contains(entry.uid);
    case Kind::From:
        return entry.from.contains(key.text, Qt::CaseInsensitive);
    case Kind::To:
        return entry.to.contains(key.text, Qt::CaseInsensitive);
    case Kind::Cc:
        return entry.cc.contains(key.text, Qt::CaseInsensitive);
    case Kind::Subject:
        return entry.subject.contains(key.text, Qt::CaseInsensitive);
    case Kind::Body:
    case Kind::Text:
        return key.textQuery >= 0 && key.textQuery < textMatches.size()
            && textMatches.at(key.textQuery).contains(entry.id);
    case Kind::Since:
        return dateOf(entry.receivedMs) >= key.date;
    case Kind::Before:
        return dateOf(entry.receivedMs) < key.date;
    case Kind::On:
        return dateOf(entry.receivedMs) == key.date;
    case Kind::Larger:
        return entry.size > key.size;
    case Kind::Smaller:
        return entry.size < key.size;
    case Kind::Uid:
        return key.set.contains(entry.uid, m_view.last().uid);
    case Kind::Sequence:
        return key.set.contains(quint32(index + 1), quint32(m_view.size()));
    case Kind::Not:
        return !matches(key.children.front(), index, textMatches);
    case Kind::Or:
        return matches(key.children.front(), index, textMatches) || matches(key.children.back(), index, textMatches);
    case Kind::And:
        return std::all_of(key.children.cbegin(), key.children.cend(),
            [&](const ImapSearchKey &child) { return matches(child, index, textMatches); });
    }
    return false;
}

void ImapSession::finishSearch(const QList<QSet<QByteArray>> &textMatches)
{
    QByteArray line = "SEARCH";
    for (int i = 0; i < m_view.size(); ++i) {
        if (matches(m_searchKey, i, textMatches)) {
            line += ' ' + QByteArray::number(m_searchUid ? m_view.at(i).uid : quint32(i + 1));
        }
    }
    m_searchKey = ImapSearchKey();
    m_searchQueries.clear();
    untagged(line);
    tagged(m_tag, "OK", m_command + " completed");
}

void ImapSession::handleIdleLine(const QByteArray &line)
{
    const QByteArray tag = std::exchange(m_idleTag, QByteArray());
    if (m_state == State::Selected) {
        m_events.push_back(ImapEvents::IdleEnded {});
    }
    // RFC 2177 §3: the client ends IDLE with DONE; anything else is an error that ends it too.
    if (line.compare("DONE", Qt::CaseInsensitive) == 0) {
        tagged(tag, "OK", "IDLE terminated");
    } else {
        tagged(tag, "BAD", "expected DONE");
    }
}

void ImapSession::announce(const ImapMailboxSnapshot &snapshot, bool allowExpunge)
{
    if (snapshot.generation != 0 && snapshot.generation == m_announcedGeneration && !m_expungeWithheld
        && (m_viewHasHeaderTexts || !snapshot.headerTexts)) {
        return;
    }
    m_announcedGeneration = snapshot.generation;
    m_expungeWithheld = false;
    m_gone.clear();
    m_viewHasHeaderTexts = snapshot.headerTexts;
    QHash<quint32, qsizetype> fresh;
    fresh.reserve(snapshot.messages.size());
    for (qsizetype i = 0; i < snapshot.messages.size(); ++i) {
        fresh.insert(snapshot.messages.at(i).uid, i);
    }
    if (allowExpunge) {
        // Highest first, so that the numbers not yet announced do not shift (RFC 3501 §7.4.1).
        for (qsizetype i = m_view.size() - 1; i >= 0; --i) {
            if (!fresh.contains(m_view.at(i).uid)) {
                untagged(QByteArray::number(i + 1) + " EXPUNGE");
                m_deleted.remove(m_view.at(i).uid);
                m_view.removeAt(i);
            }
        }
    }
    // RFC 3501 §7.4.2: flags changed elsewhere reach the client as unsolicited FETCH responses.
    for (qsizetype i = 0; i < m_view.size(); ++i) {
        const auto it = fresh.constFind(m_view.at(i).uid);
        if (it == fresh.cend()) {
            m_expungeWithheld = true; // gone from the store, its EXPUNGE held back
            m_gone.insert(m_view.at(i).uid);
            continue;
        }
        const ImapMessageEntry &now = snapshot.messages.at(*it);
        const bool changed = now.seen != m_view.at(i).seen || now.flagged != m_view.at(i).flagged;
        m_view[i] = now;
        if (changed) {
            untagged(flagsResponse(int(i), false));
        }
    }
    // New messages have higher UIDs than any the client knows (RFC 3501 §2.3.1.1).
    quint32 highest = m_view.isEmpty() ? 0 : m_view.last().uid;
    qsizetype added = 0;
    for (const ImapMessageEntry &entry : snapshot.messages) {
        if (entry.uid > highest) {
            m_view.append(entry);
            highest = entry.uid;
            ++added;
        }
    }
    if (added > 0) {
        untagged(QByteArray::number(m_view.size()) + " EXISTS");
    }
}

void ImapSession::loginFinished(const std::optional<QString> &mailbox)
{
    if (m_waiting != Waiting::Login) {
        return;
    }
    m_waiting = Waiting::None;
    if (mailbox) {
        m_inbox = *mailbox;
        m_state = State::Authenticated;
        // RFC 3501 §6.2.3 and §7.2.1: the capabilities change with the login, so they come with its OK.
        tagged(m_tag, "OK", "[CAPABILITY " + capabilities() + "] " + m_command + " completed");
    } else {
        tagged(m_tag, "NO", "[AUTHENTICATIONFAILED] authentication failed");
    }
    resume();
}

void ImapSession::listFinished(const QStringList &mailboxes)
{
    if (m_waiting != Waiting::List) {
        return;
    }
    m_waiting = Waiting::None;
    // RFC 3501 §6.3.8: the reference and the pattern are read together; INBOX is the login's mailbox, every other
    // one a folder of its name with no children (the CONTRACT), "/" the delimiter.
    const QString pattern = QString::fromUtf8(m_listReference + m_listPattern);
    QStringList names { QStringLiteral("INBOX") };
    for (const QString &mailbox : mailboxes) {
        if (!isInbox(mailbox) && mailbox.compare(m_inbox, Qt::CaseInsensitive) != 0 && !names.contains(mailbox)) {
            names << mailbox;
        }
    }
    for (const QString &name : std::as_const(names)) {
        const bool match = name == u"INBOX" ? wildcardMatch(pattern.toUpper(), name) : wildcardMatch(pattern, name);
        if (match) {
            untagged(m_command + " (\\HasNoChildren) \"/\" " + ImapFormat::string(name.toUtf8()));
        }
    }
    tagged(m_tag, "OK", m_command + " completed");
    resume();
}

void ImapSession::mailboxFinished(const std::optional<ImapMailboxSnapshot> &snapshot)
{
    if (m_waiting != Waiting::Mailbox && m_waiting != Waiting::Refresh) {
        return;
    }
    const Waiting waiting = std::exchange(m_waiting, Waiting::None);
    if (waiting == Waiting::Refresh) {
        if (!snapshot) {
            // The selected mailbox was deleted (in the app or by the configuration): nothing is left to show.
            bye("the selected mailbox no longer exists");
            close();
            return;
        }
        // RFC 3501 §7.4.1: no EXPUNGE while FETCH, STORE or SEARCH runs (their UID forms allow it).
        static const QByteArrayList withoutExpunge { "FETCH", "STORE", "SEARCH" };
        announce(*snapshot, !withoutExpunge.contains(m_command));
        ImapParser parser(m_pendingText);
        parser.seek(m_pendingPosition);
        m_pendingText.clear();
        run(m_tag, m_command, parser);
        resume();
        return;
    }
    if (m_command == "STATUS") {
        if (!snapshot) {
            tagged(m_tag, "NO", "[NONEXISTENT] no such mailbox");
            resume();
            return;
        }
        const auto unseen = std::count_if(snapshot->messages.cbegin(), snapshot->messages.cend(),
            [](const ImapMessageEntry &entry) { return !entry.seen; });
        QByteArrayList values;
        for (const QByteArray &item : std::as_const(m_statusItems)) {
            const qint64 value = item == "MESSAGES" ? snapshot->messages.size()
                : item == "RECENT"                  ? 0
                : item == "UIDNEXT"                 ? snapshot->uidNext
                : item == "UIDVALIDITY"             ? snapshot->uidValidity
                                                    : unseen;
            values << item + ' ' + QByteArray::number(value);
        }
        untagged("STATUS " + ImapFormat::string(m_statusName) + " (" + values.join(' ') + ')');
        tagged(m_tag, "OK", "STATUS completed");
        resume();
        return;
    }
    if (!snapshot) {
        tagged(m_tag, "NO", "[NONEXISTENT] no such mailbox");
        resume();
        return;
    }
    // RFC 3501 §6.3.1: the untagged data SELECT and EXAMINE owe, in the order of its example.
    m_state = State::Selected;
    m_selected = snapshot->name;
    m_readOnly = m_command == "EXAMINE";
    m_view.clear();
    m_deleted.clear();
    m_announcedGeneration = snapshot->generation;
    m_expungeWithheld = false;
    m_gone.clear();
    m_viewHasHeaderTexts = snapshot->headerTexts;
    quint32 highest = 0;
    for (const ImapMessageEntry &entry : snapshot->messages) {
        if (entry.uid > highest) {
            m_view.append(entry);
            highest = entry.uid;
        }
    }
    untagged("FLAGS " + FlagList);
    if (!m_readOnly) {
        untagged("OK [PERMANENTFLAGS " + FlagList + "] flags permitted");
    }
    untagged(QByteArray::number(m_view.size()) + " EXISTS");
    untagged("0 RECENT");
    const auto firstUnseen
        = std::find_if(m_view.cbegin(), m_view.cend(), [](const ImapMessageEntry &entry) { return !entry.seen; });
    if (firstUnseen != m_view.cend()) {
        untagged("OK [UNSEEN " + QByteArray::number(firstUnseen - m_view.cbegin() + 1) + "] first unseen");
    }
    untagged("OK [UIDVALIDITY " + QByteArray::number(snapshot->uidValidity) + "] UIDs valid");
    // UIDNEXT is above every UID shown, whatever the snapshot says (RFC 3501 §2.3.1.1).
    untagged("OK [UIDNEXT " + QByteArray::number(std::max(snapshot->uidNext, highest + 1)) + "] predicted next UID");
    tagged(m_tag, "OK", (m_readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + m_command + " completed");
    resume();
}

void ImapSession::fetchData(QByteArrayView bytes)
{
    if (m_waiting != Waiting::Fetch) {
        return;
    }
    m_fetchStarted = true;
    m_out.append(bytes.data(), bytes.size());
}

void ImapSession::fetchFinished(bool ok)
{
    if (m_waiting != Waiting::Fetch) {
        return;
    }
    m_waiting = Waiting::None;
    if (ok && m_fetchMarksSeen) {
        // The owner marked them read in the store: the view follows, so the next refresh sees no change to announce.
        for (ImapMessageEntry &entry : m_view) {
            if (m_fetchUids.contains(entry.uid)) {
                entry.seen = true;
            }
        }
    }
    m_fetchUids.clear();
    if (ok) {
        tagged(m_tag, "OK", m_command + " completed");
    } else {
        // RFC 3501 §7.4.1: a message deleted elsewhere while its EXPUNGE is held back cannot be fetched.
        tagged(m_tag, "NO", "some messages could not be fetched");
    }
    resume();
}

void ImapSession::storeFinished(bool ok)
{
    if (m_waiting != Waiting::Store) {
        return;
    }
    m_waiting = Waiting::None;
    if (ok) {
        finishStore();
    } else {
        m_storeChanges.clear();
        tagged(m_tag, "NO", "the flags could not be stored");
    }
    resume();
}

void ImapSession::expungeFinished(bool ok)
{
    if (m_waiting != Waiting::Expunge) {
        return;
    }
    m_waiting = Waiting::None;
    const QSet<quint32> uids = std::exchange(m_expungeUids, {});
    if (!ok) {
        tagged(m_tag, "NO", m_command + " failed: the messages could not be deleted");
        resume();
        return;
    }
    if (m_command == "CLOSE") {
        // RFC 3501 §6.4.2: CLOSE expunges without EXPUNGE responses.
        deselect();
    } else {
        for (qsizetype i = m_view.size() - 1; i >= 0; --i) {
            if (uids.contains(m_view.at(i).uid)) {
                untagged(QByteArray::number(i + 1) + " EXPUNGE");
                m_deleted.remove(m_view.at(i).uid);
                m_view.removeAt(i);
            }
        }
    }
    tagged(m_tag, "OK", m_command + " completed");
    resume();
}

void ImapSession::searchTextFinished(const QList<QSet<QByteArray>> &matchingIdsPerQuery)
{
    if (m_waiting != Waiting::SearchText) {
        return;
    }
    m_waiting = Waiting::None;
    finishSearch(matchingIdsPerQuery);
    resume();
}

void ImapSession::mailboxChanged(const ImapMailboxSnapshot &snapshot)
{
    // RFC 2177 §3: while idling, changes go out as they happen. Otherwise the refresh before the next command
    // reads the mailbox anew (RFC 3501 §5.3: untagged data only while a command runs).
    if (m_state == State::Selected && isIdling() && m_waiting == Waiting::None) {
        announce(snapshot, true);
    }
}

void ImapSession::tlsStarted()
{
    if (m_waiting != Waiting::Tls) {
        return;
    }
    m_waiting = Waiting::None;
    m_tls = true;
    resume();
}

void ImapSession::timeout()
{
    if (m_state == State::Closed) {
        return;
    }
    // A FETCH response cut off cannot be followed by anything a client could read.
    if (!(m_waiting == Waiting::Fetch && m_fetchStarted)) {
        bye("Autologout; idle for too long");
    }
    close();
}

void ImapSession::shutdown()
{
    if (m_state == State::Closed) {
        return;
    }
    if (!(m_waiting == Waiting::Fetch && m_fetchStarted)) {
        bye("server shutting down");
    }
    close();
}

QByteArray ImapSession::takeOutput()
{
    return std::exchange(m_out, QByteArray());
}

std::vector<ImapEvent> ImapSession::takeEvents()
{
    return std::exchange(m_events, {});
}

void ImapSession::tagged(const QByteArray &tag, const QByteArray &status, const QByteArray &text)
{
    const QByteArray line = tag + ' ' + status + ' ' + text;
    m_out += line + "\r\n";
    m_events.push_back(ImapEvents::SentReply { line });
}

void ImapSession::untagged(const QByteArray &text)
{
    m_out += "* " + text + "\r\n";
}

void ImapSession::bye(const QByteArray &text)
{
    const QByteArray line = "* BYE " + text;
    m_out += line + "\r\n";
    m_events.push_back(ImapEvents::SentReply { line });
}

void ImapSession::pause(Waiting waiting)
{
    m_waiting = waiting;
}

void ImapSession::resume()
{
    process();
}

void ImapSession::close()
{
    if (isIdling() && m_state == State::Selected) {
        m_events.push_back(ImapEvents::IdleEnded {});
    }
    m_idleTag.clear();
    m_authTag.clear();
    m_state = State::Closed;
    m_waiting = Waiting::None;
    m_reader.clear();
    m_events.push_back(ImapEvents::Close {});
}

void ImapSession::deselect()
{
    if (m_state == State::Selected) {
        m_state = State::Authenticated;
    }
    m_selected.clear();
    m_view.clear();
    m_deleted.clear();
    m_announcedGeneration = 0;
    m_expungeWithheld = false;
    m_gone.clear();
    m_viewHasHeaderTexts = false;
    m_readOnly = false;
}
