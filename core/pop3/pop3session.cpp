#include "pop3session.h"

#include <algorithm>

namespace {
QByteArray stripEol(QByteArray line)
{
    if (line.endsWith('\n')) {
        line.chop(1);
    }
    if (line.endsWith('\r')) {
        line.chop(1);
    }
    return line;
}
} // namespace

Pop3Session::Pop3Session(const Pop3SessionConfig &config) : m_config(config)
{
}

void Pop3Session::start()
{
    if (m_state != State::Idle) {
        return;
    }
    m_state = State::Authorization;
    ok(m_config.hostname + " Letterbox POP3 server ready");
    process();
}

void Pop3Session::receive(QByteArrayView bytes)
{
    if (m_state == State::Closed) {
        return;
    }
    if (m_pos > 0 && m_pos == m_in.size()) {
        m_in.clear();
        m_pos = 0;
    }
    m_in.append(bytes.data(), bytes.size());
    process();
}

void Pop3Session::process()
{
    while (m_state == State::Authorization || m_state == State::Transaction) {
        const bool auth = m_auth != Auth::None;
        const qsizetype newline = m_in.indexOf('\n', m_pos);
        if (newline < 0) {
            // An unfinished line: wait for its end, unless it is already too long for any command.
            if (m_in.size() - m_pos > AuthLineLimit) {
                if (!m_discardingLine) {
                    err("line too long");
                    m_auth = Auth::None;
                }
                m_discardingLine = true;
                m_in.clear();
                m_pos = 0;
            }
            break;
        }
        QByteArray line = m_in.mid(m_pos, newline + 1 - m_pos);
        m_pos = newline + 1;
        if (m_discardingLine) {
            m_discardingLine = false;
            continue;
        }
        // A command line is at most 255 octets (RFC 2449 §4), an AUTH command or response up to AuthLineLimit.
        const bool authLine = auth || (line.size() >= 5 && qstrnicmp(line.constData(), "AUTH ", 5) == 0);
        if (line.size() > (authLine ? AuthLineLimit : CommandLineLimit)) {
            m_events.push_back(Pop3Events::ReceivedLine { "[over-long line]" });
            m_auth = Auth::None;
            err("line too long");
            continue;
        }
        handleLine(stripEol(line));
    }
    if (m_pos == m_in.size()) {
        m_in.clear();
        m_pos = 0;
    }
}

void Pop3Session::handleLine(const QByteArray &line)
{
    if (m_auth != Auth::None) {
        m_events.push_back(Pop3Events::ReceivedLine { "[AUTH response]" });
        handleAuthResponse(line);
        return;
    }
    const qsizetype space = line.indexOf(' ');
    const QByteArray command = (space < 0 ? line : line.left(space)).toUpper();
    const QByteArray arg = space < 0 ? QByteArray() : line.mid(space + 1);
    if (command == "PASS") {
        m_events.push_back(Pop3Events::ReceivedLine { "PASS ****" });
    } else if (command == "AUTH" && arg.contains(' ')) {
        m_events.push_back(Pop3Events::ReceivedLine { line.left(line.indexOf(' ', space + 1)) + " ****" });
    } else {
        m_events.push_back(Pop3Events::ReceivedLine { line });
    }
    if (command == "CAPA") {
        handleCapa();
    } else if (m_state == State::Authorization) {
        handleAuthorization(command, arg);
    } else {
        handleTransaction(command, arg);
    }
}

void Pop3Session::handleAuthorization(const QByteArray &command, const QByteArray &arg)
{
    if (command == "USER") {
        if (arg.isEmpty()) {
            err("USER needs a name");
            return;
        }
        m_user = arg;
        ok("send PASS");
    } else if (command == "PASS") {
        if (m_user.isEmpty()) {
            err("USER first");
            return;
        }
        // RFC 1939 §7: the password is the rest of the line, spaces included.
        m_events.push_back(Pop3Events::LoginRequested { m_user, arg, "USER" });
        m_user.clear();
        pause(Waiting::Login);
    } else if (command == "AUTH") {
        const qsizetype space = arg.indexOf(' ');
        const QByteArray mechanism = (space < 0 ? arg : arg.left(space)).toUpper();
        if (mechanism.isEmpty()) {
            // The mechanisms, as clients ask for them before RFC 5034's CAPA SASL.
            m_out += "+OK\r\nPLAIN\r\n.\r\n";
            m_events.push_back(Pop3Events::SentReply { "+OK" });
        } else if (mechanism != "PLAIN") {
            err("unsupported authentication mechanism");
        } else if (space < 0) {
            // RFC 5034 §4: an empty challenge.
            m_out += "+ \r\n";
            m_events.push_back(Pop3Events::SentReply { "+ " });
            m_auth = Auth::PlainResponse;
        } else {
            handlePlain(arg.mid(space + 1));
        }
    } else if (command == "STLS") {
        if (m_tls) {
            err("already using TLS");
        } else if (!m_config.tlsAvailable) {
            err("STLS not available");
        } else {
            ok("Begin TLS negotiation");
            // Nothing sent before the handshake may count after it (RFC 2595 §4, the STARTTLS command injection):
            // what the client pipelined after STLS is dropped.
            m_in.clear();
            m_pos = 0;
            m_events.push_back(Pop3Events::StartTls {});
            pause(Waiting::Tls);
        }
    } else if (command == "QUIT") {
        handleQuit();
    } else if (command == "STAT" || command == "LIST" || command == "UIDL" || command == "RETR" || command == "TOP"
        || command == "DELE" || command == "NOOP" || command == "RSET") {
        err("log in first");
    } else {
        err("unknown command");
    }
}

void Pop3Session::handleAuthResponse(const QByteArray &line)
{
    m_auth = Auth::None;
    if (line == "*") {
        // RFC 5034 §4: the client cancelled.
        err("authentication cancelled");
        return;
    }
    handlePlain(line);
}

void Pop3Session::handlePlain(const QByteArray &base64)
{
    // RFC 4616: [authzid] NUL authcid NUL passwd; "=" is an empty initial response (RFC 5034 §4).
    const auto decoded = QByteArray::fromBase64Encoding(
        base64 == "=" ? QByteArray() : base64, QByteArray::AbortOnBase64DecodingErrors);
    const QByteArrayList parts = decoded.decoded.split('\0');
    if (!decoded || parts.size() != 3 || parts.at(1).isEmpty()) {
        err("[AUTH] malformed PLAIN response");
        return;
    }
    if (!parts.at(0).isEmpty() && parts.at(0) != parts.at(1)) {
        // Acting as another user is not offered.
        err("[AUTH] authentication failed");
        return;
    }
    m_events.push_back(Pop3Events::LoginRequested { parts.at(1), parts.at(2), "PLAIN" });
    pause(Waiting::Login);
}

void Pop3Session::handleCapa()
{
    // RFC 2449 §5: what is offered in AUTHORIZATION is announced in both states; STLS only where it may be used.
    QByteArrayList lines { "TOP", "USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "SASL PLAIN" };
    if (m_state == State::Authorization && m_config.tlsAvailable && !m_tls) {
        lines << "STLS";
    }
    lines << "IMPLEMENTATION Letterbox";
    ok("Capability list follows");
    listing(lines);
}

void Pop3Session::handleTransaction(const QByteArray &command, const QByteArray &arg)
{
    if (command == "STAT") {
        ok(QByteArray::number(liveCount()) + ' ' + QByteArray::number(liveSize()));
    } else if (command == "LIST") {
        handleList(arg, false);
    } else if (command == "UIDL") {
        handleList(arg, true);
    } else if (command == "RETR") {
        handleRetrieve(arg, false);
    } else if (command == "TOP") {
        handleRetrieve(arg, true);
    } else if (command == "DELE") {
        const int index = messageIndex(arg);
        if (index >= 0) {
            m_deleted[index] = true;
            ok("message " + QByteArray::number(index + 1) + " deleted");
        }
    } else if (command == "NOOP") {
        ok(QByteArray());
    } else if (command == "RSET") {
        std::fill(m_deleted.begin(), m_deleted.end(), false);
        ok("maildrop has " + QByteArray::number(liveCount()) + " messages (" + QByteArray::number(liveSize())
            + " octets)");
    } else if (command == "QUIT") {
        handleQuit();
    } else if (command == "USER" || command == "PASS" || command == "AUTH" || command == "STLS") {
        err("already logged in");
    } else {
        err("unknown command");
    }
}

void Pop3Session::handleList(const QByteArray &arg, bool uidl)
{
    auto item = [&](int index) {
        return QByteArray::number(index + 1) + ' '
            + (uidl ? m_maildrop.at(index).id : QByteArray::number(m_maildrop.at(index).size));
    };
    if (!arg.isEmpty()) {
        const int index = messageIndex(arg);
        if (index >= 0) {
            ok(item(index));
        }
        return;
    }
    QByteArrayList lines;
    for (int i = 0; i < m_maildrop.size(); ++i) {
        if (!m_deleted.at(i)) {
            lines << item(i);
        }
    }
    ok(uidl ? QByteArray("unique-id listing follows")
            : QByteArray::number(liveCount()) + " messages (" + QByteArray::number(liveSize()) + " octets)");
    listing(lines);
}

void Pop3Session::handleRetrieve(const QByteArray &arg, bool top)
{
    const qsizetype space = arg.indexOf(' ');
    if (top != (space >= 0)) {
        err(top ? "TOP needs a message and a number of lines" : "RETR needs a message number");
        return;
    }
    int bodyLines = -1;
    if (top) {
        const QByteArray lines = arg.mid(space + 1);
        bool valid = !lines.isEmpty() && lines.size() <= 9;
        for (char c : lines) {
            valid = valid && c >= '0' && c <= '9';
        }
        if (!valid) {
            err("the number of lines must be a non-negative number");
            return;
        }
        bodyLines = lines.toInt();
    }
    const int index = messageIndex(top ? arg.left(space) : arg);
    if (index < 0) {
        return;
    }
    m_retrieving = true;
    m_retrieveDone = false;
    m_retrieveStarted = false;
    m_retrieveSize = m_maildrop.at(index).size;
    m_bodyLines = bodyLines;
    m_inHeader = true;
    m_atLineStart = true;
    m_lastWasCr = false;
    m_lineEmpty = true;
    m_events.push_back(Pop3Events::RetrieveRequested { index + 1, m_maildrop.at(index).id, bodyLines, !top });
    pause(Waiting::Retrieve);
}

void Pop3Session::handleQuit()
{
    if (m_state == State::Transaction) {
        QByteArrayList deleted;
        for (int i = 0; i < m_maildrop.size(); ++i) {
            if (m_deleted.at(i)) {
                deleted << m_maildrop.at(i).id;
            }
        }
        if (!deleted.isEmpty()) {
            // RFC 1939 §6: the UPDATE state removes the messages marked deleted.
            m_events.push_back(Pop3Events::Update { deleted });
            pause(Waiting::Update);
            return;
        }
    }
    ok(m_config.hostname + " Letterbox POP3 server signing off");
    close();
}

int Pop3Session::messageIndex(const QByteArray &arg)
{
    bool valid = !arg.isEmpty() && arg.size() <= 9;
    for (char c : arg) {
        valid = valid && c >= '0' && c <= '9';
    }
    const int number = valid ? arg.toInt() : 0;
    if (number < 1 || number > m_maildrop.size()) {
        err("no such message");
        return -1;
    }
    if (m_deleted.at(number - 1)) {
        err("message " + QByteArray::number(number) + " already deleted");
        return -1;
    }
    return number - 1;
}

void Pop3Session::loginFinished(bool success, const QList<Pop3MaildropEntry> &maildrop)
{
    if (m_waiting != Waiting::Login) {
        return;
    }
    if (success) {
        m_maildrop = maildrop;
        m_deleted = QList<bool>(maildrop.size(), false);
        m_resumeState = State::Transaction;
        ok("maildrop has " + QByteArray::number(liveCount()) + " messages (" + QByteArray::number(liveSize())
            + " octets)");
    } else {
        // RFC 3206 §4: [AUTH] says the credentials, not the server, are at fault.
        err("[AUTH] authentication failed");
    }
    resume();
}

void Pop3Session::messageData(QByteArrayView bytes)
{
    if (m_waiting != Waiting::Retrieve || m_retrieveDone) {
        return;
    }
    if (!m_retrieveStarted) {
        m_retrieveStarted = true;
        ok(m_bodyLines < 0 ? QByteArray::number(m_retrieveSize) + " octets" : QByteArray("top of message follows"));
    }
    m_out.reserve(m_out.size() + bytes.size() + bytes.size() / 64 + 2);
    for (const char c : bytes) {
        if (c == '\n') {
            // Every line ends in CRLF on the wire (RFC 1939 §3), whatever the stored source has.
            m_out += "\r\n";
            m_lastWasCr = false;
            bool done = false;
            if (m_inHeader) {
                if (m_lineEmpty) {
                    m_inHeader = false;
                    done = m_bodyLines == 0;
                }
            } else if (m_bodyLines > 0) {
                done = --m_bodyLines == 0;
            }
            m_atLineStart = true;
            m_lineEmpty = true;
            if (done) {
                m_retrieveDone = true;
                return;
            }
            continue;
        }
        if (m_lastWasCr) {
            // A CR not before LF is a character of the line.
            m_out += '\r';
            m_atLineStart = false;
            m_lineEmpty = false;
            m_lastWasCr = false;
        }
        if (c == '\r') {
            m_lastWasCr = true;
            continue;
        }
        if (m_atLineStart && c == '.') {
            // Byte-stuffing (RFC 1939 §3): a line starting with the termination octet gets another.
            m_out += '.';
        }
        m_out += c;
        m_atLineStart = false;
        m_lineEmpty = false;
    }
}

void Pop3Session::messageDataFinished(bool success)
{
    if (m_waiting != Waiting::Retrieve) {
        return;
    }
    m_retrieving = false;
    if (!success) {
        if (m_retrieveStarted) {
            // Part of the message is out and a POP3 reply cannot be taken back: the client sees the connection end
            // without the termination line, and keeps nothing (RFC 1939 §3).
            close();
            return;
        }
        err("[SYS/TEMP] the message could not be read");
        resume();
        return;
    }
    if (!m_retrieveStarted) {
        messageData({});
    }
    if (m_lastWasCr || !m_atLineStart) {
        m_out += "\r\n";
    }
    m_out += ".\r\n";
    resume();
}

void Pop3Session::tlsStarted()
{
    if (m_waiting != Waiting::Tls) {
        return;
    }
    m_tls = true;
    m_user.clear();
    resume();
}

void Pop3Session::updateFinished(bool success)
{
    if (m_waiting != Waiting::Update) {
        return;
    }
    m_waiting = Waiting::None;
    int deleted = 0;
    for (bool d : std::as_const(m_deleted)) {
        deleted += d ? 1 : 0;
    }
    if (success) {
        ok(m_config.hostname + " Letterbox POP3 server signing off (" + QByteArray::number(deleted)
            + " messages deleted)");
    } else {
        err("[SYS/TEMP] some deleted messages not removed");
    }
    close();
}

void Pop3Session::timeout()
{
    if (m_state == State::Closed) {
        return;
    }
    if (m_waiting != Waiting::Retrieve) {
        err("autologout: idle for too long");
    }
    close();
}

void Pop3Session::shutdown()
{
    if (m_state == State::Closed || m_waiting == Waiting::Update) {
        return; // an update under way ends the session with its own reply
    }
    if (m_waiting != Waiting::Retrieve) {
        err("[SYS/TEMP] server shutting down");
    }
    close();
}

QByteArray Pop3Session::takeOutput()
{
    return std::exchange(m_out, QByteArray());
}

std::vector<Pop3Event> Pop3Session::takeEvents()
{
    return std::exchange(m_events, {});
}

void Pop3Session::ok(const QByteArray &text)
{
    const QByteArray line = text.isEmpty() ? QByteArray("+OK") : "+OK " + text;
    m_out += line + "\r\n";
    m_events.push_back(Pop3Events::SentReply { line });
}

void Pop3Session::err(const QByteArray &text)
{
    const QByteArray line = "-ERR " + text;
    m_out += line + "\r\n";
    m_events.push_back(Pop3Events::SentReply { line });
}

void Pop3Session::listing(const QByteArrayList &lines)
{
    for (const QByteArray &line : lines) {
        if (line.startsWith('.')) {
            m_out += '.';
        }
        m_out += line + "\r\n";
    }
    m_out += ".\r\n";
}

void Pop3Session::pause(Waiting waiting)
{
    m_resumeState = m_state;
    m_state = State::Paused;
    m_waiting = waiting;
}

void Pop3Session::resume()
{
    m_waiting = Waiting::None;
    m_state = m_resumeState;
    process();
}

void Pop3Session::close()
{
    m_state = State::Closed;
    m_waiting = Waiting::None;
    m_in.clear();
    m_pos = 0;
    m_events.push_back(Pop3Events::Close {});
}

int Pop3Session::liveCount() const
{
    return int(std::count(m_deleted.cbegin(), m_deleted.cend(), false));
}

qint64 Pop3Session::liveSize() const
{
    qint64 size = 0;
    for (int i = 0; i < m_maildrop.size(); ++i) {
        size += m_deleted.at(i) ? 0 : m_maildrop.at(i).size;
    }
    return size;
}
