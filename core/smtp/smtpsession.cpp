#include "smtpsession.h"

#include "smtpvalidator.h"

#include <QRandomGenerator>

#include <cstring>
#include <utility>

namespace {
// CONTRACT "SMTP limits": command lines 512 octets including CRLF, AUTH lines 12,288, text lines 1,000.
constexpr qsizetype CommandLineLimit = 512;
constexpr qsizetype AuthLineLimit = 12288;
constexpr qint64 TextLineLimit = 1000;

bool startsWithNoCase(const char *p, qsizetype n, const char *prefix)
{
    const qsizetype len = qsizetype(std::strlen(prefix));
    if (n < len) {
        return false;
    }
    return qstrnicmp(p, prefix, len) == 0;
}

// Cross-protocol requests, refused as Postfix's smtpd_forbidden_commands does: a web page can make a browser send
// an HTTP request to the SMTP port whose body is an SMTP session. Its request line (RFC 9112 §3: method SP
// request-target …; methods of RFC 9110 §9 and RFC 5789) and its Host and User-Agent header lines (RFC 9110 §7.2,
// §10.1.5) are no SMTP command.
bool isHttpLine(const QByteArray &line)
{
    static constexpr const char *Prefixes[] = { "GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "CONNECT ", "DELETE ",
        "PATCH ", "TRACE ", "Host:", "User-Agent:" };
    for (const char *prefix : Prefixes) {
        if (startsWithNoCase(line.constData(), line.size(), prefix)) {
            return true;
        }
    }
    return false;
}

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

bool hasNonAscii(const QByteArray &s)
{
    for (char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return true;
        }
    }
    return false;
}

enum class PathKind { Sender, Recipient };

// Parses "<path> params" (RFC 5321 §4.1.2, leniently also a bare address). Returns false on bad syntax.
bool parsePath(const QByteArray &text, PathKind kind, QByteArray *address, QByteArray *params)
{
    qsizetype i = 0;
    while (i < text.size() && text[i] == ' ') {
        ++i;
    }
    QByteArray inner;
    qsizetype rest;
    if (i < text.size() && text[i] == '<') {
        bool quoted = false;
        qsizetype j = i + 1;
        for (; j < text.size(); ++j) {
            const char c = text[j];
            if (quoted && c == '\\' && j + 1 < text.size()) {
                ++j;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '>') {
                break;
            }
        }
        if (j >= text.size()) {
            return false;
        }
        inner = text.mid(i + 1, j - i - 1);
        rest = j + 1;
        // RFC 5321 §4.1.2: an obsolete source route "@a,@b:" before the mailbox is ignored.
        if (inner.startsWith('@')) {
            const qsizetype colon = inner.indexOf(':');
            if (colon < 0) {
                return false;
            }
            inner = inner.mid(colon + 1);
        }
    } else {
        qsizetype j = text.indexOf(' ', i);
        if (j < 0) {
            j = text.size();
        }
        inner = text.mid(i, j - i);
        rest = j;
        if (inner.isEmpty()) {
            return false;
        }
    }
    bool quoted = false;
    for (qsizetype k = 0; k < inner.size(); ++k) {
        const auto c = static_cast<unsigned char>(inner[k]);
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ' ' && !quoted) {
            return false;
        } else if (c == '\\' && quoted) {
            ++k;
        }
    }
    if (quoted) {
        return false;
    }
    if (inner.isEmpty()) {
        if (kind == PathKind::Recipient) {
            return false;
        }
    } else {
        const qsizetype at = inner.lastIndexOf('@');
        const bool postmaster = kind == PathKind::Recipient && inner.compare("postmaster", Qt::CaseInsensitive) == 0;
        if (!postmaster && (at <= 0 || at == inner.size() - 1)) {
            return false;
        }
    }
    *address = inner;
    *params = text.mid(rest).trimmed();
    return true;
}

QByteArray makeChallenge(const QByteArray &hostname)
{
    // RFC 2195 §2: a unique "msg-id"-like challenge.
    const quint64 random = QRandomGenerator::global()->generate64();
    return '<' + QByteArray::number(random) + '@' + hostname + '>';
}
} // namespace

SmtpSession::SmtpSession(const SmtpSessionConfig &config, const QHostAddress &clientAddress, quint16 clientPort)
    : m_config(config)
{
    // CONTRACT: IPv4-mapped IPv6 peers are treated as IPv4.
    bool isV4 = false;
    const quint32 v4 = clientAddress.toIPv4Address(&isV4);
    m_envelope.clientAddress = isV4 ? QHostAddress(v4) : clientAddress;
    m_envelope.clientPort = clientPort;
}

QByteArray SmtpSession::tooManyConnectionsReply(const QByteArray &hostname)
{
    return SmtpReply { 421, {}, { hostname + " Too many connections, try again later" } }.toWire(false);
}

QByteArray SmtpSession::outOfDescriptorsReply(const QByteArray &hostname)
{
    // RFC 5321 §3.8: 421 and close when the service cannot take the connection now.
    return SmtpReply { 421, {}, { hostname + " Too many open files, try again later" } }.toWire(false);
}

void SmtpSession::start()
{
    if (m_state != State::Idle) {
        return;
    }
    m_state = State::Command;
    if (m_earlyOctets > 0) {
        // RFC 5321 §3.1, §4.3.1: a client waits for the greeting. One that talks first (Postfix postscreen's
        // pregreet test) is no SMTP client or does not care about replies: refused, and nothing it sent is run.
        logIn("[" + QByteArray::number(m_earlyOctets) + " octets before the greeting]");
        reply(554, nullptr, m_config.hostname + " Error: client sent data before the greeting");
        close();
        return;
    }
    if (m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkHost(m_envelope.clientAddress);
        noteVerdict(verdict);
        if (!verdict.accepted) {
            const QByteArray text = verdict.text.isEmpty() ? QByteArray("Access denied") : verdict.text;
            switch (verdict.hostReply) {
            case SmtpVerdict::HostReply::Commands:
                // CONTRACT: 550 TEXT instead of the greeting; the connection stays open.
                m_hostRejected = true;
                reply(SmtpReply { verdict.code, {}, { text } });
                return;
            case SmtpVerdict::HostReply::Greeting:
                // RFC 5321 §3.1: 554 instead of 220, then 503 to everything but QUIT.
                m_hostRejected = true;
                reply(SmtpReply { 554, {}, { m_config.hostname + " " + text } });
                return;
            case SmtpVerdict::HostReply::Drop:
                reply(SmtpReply { 421, {}, { m_config.hostname + " " + text } });
                close();
                return;
            }
        }
    }
    reply(220, nullptr, m_config.hostname + " ESMTP Letterbox");
}

void SmtpSession::receive(QByteArrayView bytes)
{
    if (bytes.isEmpty() || m_state == State::Closed) {
        return;
    }
    if (m_state == State::Idle) {
        // Before the greeting: counted for start(), never kept or processed.
        m_earlyOctets += bytes.size();
        return;
    }
    const bool canConsume = m_state != State::Paused && m_state != State::Delaying;
    if (m_in.isEmpty() && canConsume) {
        // Fast path: nothing buffered, so work on the caller's bytes and keep only the unconsumed tail.
        const qsizetype used = consume(bytes.data(), bytes.size());
        if (used < bytes.size() && m_state != State::Closed && !m_awaitingTls) {
            m_in.append(bytes.data() + used, bytes.size() - used);
        }
        return;
    }
    if (m_awaitingTls) {
        return;
    }
    m_in.append(bytes.data(), bytes.size());
    if (canConsume) {
        resume();
    }
}

void SmtpSession::resume()
{
    const qsizetype used = consume(m_in.constData(), m_in.size());
    if (m_state == State::Closed || m_awaitingTls) {
        m_in = QByteArray();
    } else if (used > 0) {
        m_in.remove(0, used);
    }
}

qsizetype SmtpSession::consume(const char *p, qsizetype n)
{
    qsizetype used = 0;
    while (used < n) {
        qsizetype step = 0;
        switch (m_state) {
        case State::Command:
        case State::AuthResponse:
            step = processLine(p + used, n - used);
            break;
        case State::Data:
            step = processData(p + used, n - used);
            break;
        case State::BdatChunk:
            step = processBdat(p + used, n - used);
            break;
        case State::Idle:
        case State::Paused:
        case State::Delaying:
        case State::Closed:
            return used;
        }
        if (step == 0) {
            break;
        }
        used += step;
    }
    return used;
}

qsizetype SmtpSession::processLine(const char *p, qsizetype n)
{
    const bool authLine = m_state == State::AuthResponse || startsWithNoCase(p, n, "AUTH ");
    const qsizetype limit = authLine ? AuthLineLimit : CommandLineLimit;
    const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(n)));
    if (!lf) {
        // No complete line yet. Bound what we keep: an over-long line is skipped up to its LF.
        if (m_discardingLine || n > limit) {
            m_discardingLine = true;
            return n;
        }
        return 0;
    }
    const qsizetype len = lf - p + 1;
    if (m_discardingLine || len > limit) {
        m_discardingLine = false;
        logIn("[line of more than " + QByteArray::number(limit) + " octets]");
        if (m_state == State::AuthResponse) {
            m_state = State::Command;
            m_authMechanism = AuthMechanism::None;
        }
        reply(500, "5.5.2", "Error: line too long");
        return len;
    }
    QByteArray line = stripEol(QByteArray(p, len));
    if (m_state == State::AuthResponse) {
        logIn("****");
        handleAuthResponse(line);
    } else {
        handleCommand(line);
    }
    return len;
}

qsizetype SmtpSession::processData(const char *p, qsizetype n)
{
    qsizetype pos = 0;
    qsizetype runStart = 0;
    const auto flush = [&](qsizetype end) {
        if (end > runStart && !m_lineTooLong && !m_dataTooBig) {
            m_data.append(p + runStart, end - runStart);
        }
    };
    while (pos < n) {
        if (m_atLineStart && p[pos] == '.') {
            // RFC 5321 §4.1.1.4: only CRLF "." CRLF ends the data; a bare LF or CR never does (smuggling).
            if (n - pos < 2 || (p[pos + 1] == '\r' && n - pos < 3)) {
                flush(pos);
                return pos;
            }
            if (p[pos + 1] == '\r' && p[pos + 2] == '\n') {
                flush(pos);
                finishData();
                return pos + 3;
            }
            // RFC 5321 §4.5.2: remove the stuffed leading dot.
            flush(pos);
            ++pos;
            runStart = pos;
            ++m_lineLength;
            m_lastWasCr = false;
        }
        m_atLineStart = false;
        const auto *lf = static_cast<const char *>(std::memchr(p + pos, '\n', size_t(n - pos)));
        const qsizetype end = lf ? (lf - p) + 1 : n;
        const qsizetype segment = end - pos;
        m_lineLength += segment;
        m_dataSize += segment;
        if (m_lineLength > TextLineLimit && !m_lineTooLong) {
            m_lineTooLong = true;
            m_data = QByteArray();
        }
        if (m_dataSize > m_config.maxMessageSize && !m_dataTooBig) {
            m_dataTooBig = true;
            m_data = QByteArray();
        }
        if (lf) {
            m_atLineStart = segment >= 2 ? p[end - 2] == '\r' : m_lastWasCr;
            m_lineLength = 0;
        }
        m_lastWasCr = p[end - 1] == '\r';
        pos = end;
    }
    flush(pos);
    return pos;
}

qsizetype SmtpSession::processBdat(const char *p, qsizetype n)
{
    const qsizetype take = qsizetype(qMin<qint64>(n, m_bdatRemaining));
    m_bdatRemaining -= take;
    if (!m_bdatDiscard) {
        m_dataSize += take;
        if (m_dataSize > m_config.maxMessageSize) {
            m_dataTooBig = true;
            m_data = QByteArray();
        }
        if (!m_dataTooBig) {
            m_data.append(p, take);
        }
    }
    if (m_bdatRemaining == 0) {
        finishBdatChunk();
    }
    return take;
}

void SmtpSession::handleCommand(QByteArray line)
{
    const qsizetype space = line.indexOf(' ');
    const QByteArray verb = (space < 0 ? line : line.left(space)).toUpper();
    const QByteArray arg = space < 0 ? QByteArray() : line.mid(space + 1);

    if (verb == "AUTH") {
        // Mask the initial response: AUTH secrets never reach the transcript.
        const QByteArrayList parts = arg.split(' ');
        logIn(parts.size() > 1 ? "AUTH " + parts.first() + " ****" : line);
    } else {
        logIn(line);
    }

    if (isHttpLine(line)) {
        // Whatever came before (a host rejection, an open transaction): this client is a browser tricked into
        // talking to us. Nothing of its transaction is kept and nothing after this line is read.
        resetTransaction();
        reply(554, "5.5.1", "Error: HTTP request on the SMTP port, closing connection");
        close();
        return;
    }

    if (m_hostRejected) {
        // CONTRACT: after a host rejection every command but QUIT gets 503 5.7.1.
        if (verb == "QUIT") {
            reply(221, "2.0.0", "Bye");
            close();
        } else {
            reply(SmtpReply { 503, "5.7.1", { "Error: access denied" } });
        }
        return;
    }

    if (verb == "EHLO" || verb == "HELO") {
        handleHelo(arg, verb == "EHLO");
    } else if (verb == "MAIL") {
        handleMail(arg);
    } else if (verb == "RCPT") {
        handleRcpt(arg);
    } else if (verb == "DATA") {
        handleData(arg);
    } else if (verb == "BDAT") {
        handleBdat(arg);
    } else if (verb == "RSET") {
        if (!arg.trimmed().isEmpty()) {
            reply(501, "5.5.4", "Syntax: RSET");
            return;
        }
        resetTransaction();
        reply(250, "2.0.0", "Ok");
    } else if (verb == "NOOP") {
        reply(250, "2.0.0", "Ok");
    } else if (verb == "QUIT") {
        reply(221, "2.0.0", "Bye");
        close();
    } else if (verb == "VRFY") {
        if (arg.trimmed().isEmpty()) {
            reply(501, "5.5.4", "Syntax: VRFY address");
            return;
        }
        // RFC 5321 §3.5.3: 252 when the server will not verify but will accept mail.
        reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    } else if (verb == "HELP") {
        reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP AUTH STARTTLS");
    } else if (verb == "AUTH") {
        handleAuth(arg);
    } else if (verb == "STARTTLS") {
        handleStartTls(arg);
    } else if (verb == "EXPN" || verb == "TURN" || verb == "ETRN") {
        reply(502, "5.5.1", "Error: command not supported");
    } else {
        reply(500, "5.5.2", "Error: command not recognized");
    }
}

void SmtpSession::handleHelo(const QByteArray &arg, bool extended)
{
    const QByteArray name = arg.trimmed();
    if (name.isEmpty() || name.contains(' ')) {
        reply(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
        return;
    }
    // RFC 5321 §4.1.4: EHLO/HELO resets any transaction in progress.
    resetTransaction();
    m_greeted = true;
    m_enhanced = extended;
    m_envelope.helo = name;
    m_envelope.esmtp = extended;
    m_events.push_back({ SmtpEvent::Type::EnvelopeChanged, {}, {}, false });
    if (!extended) {
        reply(250, nullptr, m_config.hostname);
        return;
    }
    SmtpReply r { 250, {}, {} };
    r.lines << m_config.hostname + " Hello " + name;
    r.lines << "PIPELINING";
    r.lines << "SIZE " + QByteArray::number(m_config.maxMessageSize);
    r.lines << "8BITMIME";
    r.lines << "SMTPUTF8";
    r.lines << "ENHANCEDSTATUSCODES";
    r.lines << "CHUNKING";
    if (m_config.tlsAvailable && !m_envelope.tls) {
        r.lines << "STARTTLS";
    }
    if (m_config.auth.isOffered()) {
        r.lines << "AUTH PLAIN LOGIN CRAM-MD5";
    }
    reply(r);
}

void SmtpSession::handleMail(const QByteArray &arg)
{
    if (!m_greeted) {
        reply(503, "5.5.1", "Error: send HELO/EHLO first");
        return;
    }
    if (m_hasSender) {
        reply(503, "5.5.1", "Error: nested MAIL command");
        return;
    }
    if (m_config.auth.isRequired() && m_envelope.authUser.isEmpty()) {
        reply(530, "5.7.0", "Authentication required");
        return;
    }
    if (!arg.startsWith("FROM:") && !arg.toUpper().startsWith("FROM:")) {
        reply(501, "5.5.4", "Syntax: MAIL FROM:<address>");
        return;
    }
    QByteArray address;
    QByteArray params;
    if (!parsePath(arg.mid(5), PathKind::Sender, &address, &params)) {
        reply(501, "5.1.7", "Bad sender address syntax");
        return;
    }
    bool smtpUtf8 = false;
    if (!params.isEmpty()) {
        if (!m_envelope.esmtp) {
            // RFC 5321 §4.1.1.11: parameters need EHLO.
            reply(555, "5.5.4", "MAIL parameters need EHLO");
            return;
        }
        for (const QByteArray &param : params.split(' ')) {
            if (param.isEmpty()) {
                continue;
            }
            const qsizetype eq = param.indexOf('=');
            const QByteArray key = (eq < 0 ? param : param.left(eq)).toUpper();
            const QByteArray value = eq < 0 ? QByteArray() : param.mid(eq + 1);
            if (key == "SIZE") {
                bool ok = false;
                const qint64 size = value.toLongLong(&ok);
                if (!ok || size < 0) {
                    reply(501, "5.5.4", "Bad SIZE parameter");
                    return;
                }
                // RFC 1870 §6.1: refuse what cannot fit. The declared size is the client's word: buffers grow
                // with the data actually received, never from it.
                if (size > m_config.maxMessageSize) {
                    reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
                    return;
                }
            } else if (key == "BODY") {
                const QByteArray body = value.toUpper();
                if (body != "7BIT" && body != "8BITMIME") {
                    reply(501, "5.5.4", "Unsupported BODY parameter");
                    return;
                }
            } else if (key == "SMTPUTF8" && eq < 0) {
                smtpUtf8 = true;
            } else if (key == "AUTH") {
                // RFC 4954 §5: accepted; the submitter's identity is not used by a catcher.
            } else {
                reply(555, "5.5.4", "Unsupported parameter " + key);
                return;
            }
        }
    }
    if (hasNonAscii(address) && !smtpUtf8) {
        // RFC 6531 §3.5
        reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
        return;
    }
    SmtpEnvelope candidate = m_envelope;
    candidate.mailFrom = address;
    candidate.smtpUtf8 = smtpUtf8;
    if (m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkSender(address, candidate);
        noteVerdict(verdict);
        if (!verdict.accepted) {
            replyVerdict(verdict);
            return;
        }
    }
    m_envelope = candidate;
    m_hasSender = true;
    m_events.push_back({ SmtpEvent::Type::EnvelopeChanged, {}, {}, false });
    reply(250, "2.1.0", "Ok");
}

void SmtpSession::handleRcpt(const QByteArray &arg)
{
    if (!m_greeted) {
        reply(503, "5.5.1", "Error: send HELO/EHLO first");
        return;
    }
    if (!m_hasSender) {
        reply(503, "5.5.1", "Error: need MAIL command");
        return;
    }
    if (!arg.startsWith("TO:") && !arg.toUpper().startsWith("TO:")) {
        reply(501, "5.5.4", "Syntax: RCPT TO:<address>");
        return;
    }
    QByteArray address;
    QByteArray params;
    if (!parsePath(arg.mid(3), PathKind::Recipient, &address, &params)) {
        reply(501, "5.1.3", "Bad recipient address syntax");
        return;
    }
    if (!params.isEmpty()) {
        reply(555, "5.5.4", "Unsupported RCPT parameter");
        return;
    }
    if (hasNonAscii(address) && !m_envelope.smtpUtf8) {
        reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
        return;
    }
    if (m_envelope.rcptTo.size() >= m_config.maxRecipients) {
        // CONTRACT: past the limit each RCPT gets 452 4.5.3; the transaction goes on.
        reply(452, "4.5.3", "Error: too many recipients");
        return;
    }
    if (m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkRecipient(address, m_envelope);
        noteVerdict(verdict);
        if (!verdict.accepted) {
            replyVerdict(verdict);
            return;
        }
    }
    m_envelope.rcptTo.append(address);
    m_events.push_back({ SmtpEvent::Type::EnvelopeChanged, {}, {}, false });
    reply(250, "2.1.5", "Ok");
}

void SmtpSession::handleData(const QByteArray &arg)
{
    if (!arg.trimmed().isEmpty()) {
        reply(501, "5.5.4", "Syntax: DATA");
        return;
    }
    if (!m_greeted) {
        reply(503, "5.5.1", "Error: send HELO/EHLO first");
        return;
    }
    if (!m_hasSender) {
        reply(503, "5.5.1", "Error: need MAIL command");
        return;
    }
    if (m_envelope.rcptTo.isEmpty()) {
        reply(503, "5.5.1", "Error: need RCPT command");
        return;
    }
    if (m_bdatUsed) {
        // RFC 3030 §2: DATA may not follow BDAT in one transaction.
        reply(503, "5.5.1", "Error: DATA after BDAT");
        return;
    }
    startDataReader();
    m_state = State::Data;
    reply(354, nullptr, "End data with <CR><LF>.<CR><LF>");
}

void SmtpSession::handleBdat(const QByteArray &arg)
{
    const QByteArrayList parts = arg.simplified().split(' ');
    bool ok = false;
    const qint64 size = parts.isEmpty() ? -1 : parts.first().toLongLong(&ok);
    const bool last = parts.size() == 2 && parts.at(1).toUpper() == "LAST";
    if (!ok || size < 0 || parts.first().size() > 18 || parts.size() > 2 || (parts.size() == 2 && !last)) {
        reply(501, "5.5.4", "Syntax: BDAT size [LAST]");
        return;
    }
    // RFC 3030 §2: the chunk is read whatever the reply will be.
    if (!m_greeted) {
        m_bdatErrorText = "Error: send HELO/EHLO first";
    } else if (!m_hasSender) {
        m_bdatErrorText = "Error: need MAIL command";
    } else if (m_envelope.rcptTo.isEmpty()) {
        m_bdatErrorText = "Error: need RCPT command";
    } else {
        m_bdatErrorText.clear();
    }
    m_bdatDiscard = !m_bdatErrorText.isEmpty() || m_dataTooBig;
    if (!m_bdatDiscard && !m_bdatUsed) {
        startDataReader();
        m_bdatUsed = true;
    }
    m_bdatChunkSize = size;
    m_bdatRemaining = size;
    m_bdatLast = last;
    if (size == 0) {
        finishBdatChunk();
    } else {
        m_state = State::BdatChunk;
    }
}

void SmtpSession::finishBdatChunk()
{
    m_state = State::Command;
    if (!m_bdatErrorText.isEmpty()) {
        reply(503, "5.5.1", m_bdatErrorText);
        return;
    }
    if (m_dataTooBig) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
        resetTransaction();
        return;
    }
    if (m_bdatLast) {
        if (checkData()) {
            completeMessage();
        }
        return;
    }
    reply(250, "2.0.0", QByteArray::number(m_bdatChunkSize) + " octets received");
}

void SmtpSession::handleAuth(const QByteArray &arg)
{
    if (!m_config.auth.isOffered()) {
        reply(502, "5.5.1", "Error: authentication not enabled");
        return;
    }
    if (!m_greeted || !m_envelope.esmtp) {
        reply(503, "5.5.1", "Error: send EHLO first");
        return;
    }
    if (!m_envelope.authUser.isEmpty()) {
        reply(503, "5.5.1", "Error: already authenticated");
        return;
    }
    if (m_hasSender) {
        // RFC 4954 §4: AUTH is not permitted during a mail transaction.
        reply(503, "5.5.1", "Error: AUTH not permitted during a mail transaction");
        return;
    }
    const QByteArrayList parts = arg.simplified().split(' ');
    const QByteArray mechanism = parts.value(0).toUpper();
    if (parts.size() > 2 || mechanism.isEmpty()) {
        reply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        return;
    }
    if (mechanism == "PLAIN") {
        m_authMechanism = AuthMechanism::Plain;
    } else if (mechanism == "LOGIN") {
        m_authMechanism = AuthMechanism::Login;
    } else if (mechanism == "CRAM-MD5") {
        m_authMechanism = AuthMechanism::CramMd5;
    } else {
        reply(504, "5.5.4", "Error: unsupported authentication mechanism");
        return;
    }
    m_authStep = 0;
    m_authUser.clear();
    if (parts.size() == 2) {
        if (m_authMechanism == AuthMechanism::CramMd5) {
            m_authMechanism = AuthMechanism::None;
            reply(501, "5.5.2", "Error: CRAM-MD5 takes no initial response");
            return;
        }
        // RFC 4954 §4: "=" stands for an empty initial response.
        handleAuthResponse(parts.at(1));
        return;
    }
    m_state = State::AuthResponse;
    switch (m_authMechanism) {
    case AuthMechanism::Plain:
        reply(334, nullptr, QByteArray());
        break;
    case AuthMechanism::Login:
        reply(334, nullptr, QByteArray("Username:").toBase64());
        break;
    case AuthMechanism::CramMd5:
        m_authChallenge = makeChallenge(m_config.hostname);
        reply(334, nullptr, m_authChallenge.toBase64());
        break;
    case AuthMechanism::None:
        break;
    }
}

void SmtpSession::handleAuthResponse(const QByteArray &response)
{
    m_state = State::Command;
    if (response == "*") {
        m_authMechanism = AuthMechanism::None;
        reply(501, "5.7.0", "Authentication cancelled");
        return;
    }
    QByteArray decoded;
    if (response != "=") {
        const auto result = QByteArray::fromBase64Encoding(response, QByteArray::AbortOnBase64DecodingErrors);
        if (!result) {
            m_authMechanism = AuthMechanism::None;
            reply(501, "5.5.2", "Error: invalid base64 data");
            return;
        }
        decoded = *result;
    }
    switch (m_authMechanism) {
    case AuthMechanism::Plain: {
        // RFC 4616 §2: [authzid] NUL authcid NUL passwd
        const QByteArrayList fields = decoded.split('\0');
        if (fields.size() != 3) {
            m_authMechanism = AuthMechanism::None;
            reply(501, "5.5.2", "Error: malformed PLAIN response");
            return;
        }
        const QByteArray &user = fields.at(1);
        finishAuth(!user.isEmpty() && m_config.auth.check(user, fields.at(2)), user);
        return;
    }
    case AuthMechanism::Login:
        if (m_authStep == 0) {
            m_authUser = decoded;
            m_authStep = 1;
            m_state = State::AuthResponse;
            reply(334, nullptr, QByteArray("Password:").toBase64());
            return;
        }
        finishAuth(!m_authUser.isEmpty() && m_config.auth.check(m_authUser, decoded), m_authUser);
        return;
    case AuthMechanism::CramMd5: {
        const qsizetype space = decoded.lastIndexOf(' ');
        if (space <= 0) {
            m_authMechanism = AuthMechanism::None;
            reply(501, "5.5.2", "Error: malformed CRAM-MD5 response");
            return;
        }
        const QByteArray user = decoded.left(space);
        finishAuth(m_config.auth.checkCramMd5(user, m_authChallenge, decoded.mid(space + 1)), user);
        return;
    }
    case AuthMechanism::None:
        break;
    }
}

void SmtpSession::finishAuth(bool success, const QByteArray &user)
{
    m_authMechanism = AuthMechanism::None;
    if (success && m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkAuth(user, m_envelope);
        noteVerdict(verdict);
        if (!verdict.accepted) {
            m_events.push_back({ SmtpEvent::Type::AuthAttempted, {}, user, false });
            replyVerdict(verdict);
            return;
        }
    }
    m_events.push_back({ SmtpEvent::Type::AuthAttempted, {}, user, success });
    if (!success) {
        reply(535, "5.7.8", "Error: authentication credentials invalid");
        return;
    }
    m_envelope.authUser = user;
    m_events.push_back({ SmtpEvent::Type::EnvelopeChanged, {}, {}, false });
    reply(235, "2.7.0", "Authentication successful");
}

void SmtpSession::handleStartTls(const QByteArray &arg)
{
    if (!m_config.tlsAvailable) {
        reply(454, "4.7.0", "TLS not available");
        return;
    }
    if (!arg.trimmed().isEmpty()) {
        reply(501, "5.5.4", "Syntax: STARTTLS");
        return;
    }
    if (m_envelope.tls) {
        reply(503, "5.5.1", "Error: TLS already active");
        return;
    }
    reply(220, "2.0.0", "Ready to start TLS");
    m_events.push_back({ SmtpEvent::Type::StartTls, {}, {}, false });
    // RFC 3207 §4.2 / CVE-2011-0411: nothing pipelined after STARTTLS may be taken as a command;
    // receive() and resume() drop what follows while the handshake is pending.
    m_state = State::Paused;
    m_awaitingTls = true;
}

void SmtpSession::tlsStarted()
{
    if (!m_awaitingTls) {
        return;
    }
    m_awaitingTls = false;
    // RFC 3207 §4.2: the session starts over as if newly connected, but without a greeting.
    resetTransaction();
    m_greeted = false;
    m_enhanced = false;
    m_envelope.helo.clear();
    m_envelope.esmtp = false;
    m_envelope.authUser.clear();
    m_envelope.tls = true;
    m_in = QByteArray();
    m_state = State::Command;
}

void SmtpSession::startDataReader()
{
    m_data = QByteArray();
    m_dataSize = 0;
    m_dataTooBig = false;
    m_lineTooLong = false;
    m_atLineStart = true;
    m_lastWasCr = false;
    m_lineLength = 0;
}

void SmtpSession::finishData()
{
    m_state = State::Command;
    logIn("[" + QByteArray::number(m_dataSize) + " octets of message data]");
    if (m_lineTooLong) {
        // CONTRACT: an over-long text line refuses the whole message after the end-of-data mark.
        reply(500, "5.5.2", "Error: line too long");
        resetTransaction();
        return;
    }
    if (m_dataTooBig) {
        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
        resetTransaction();
        return;
    }
    if (checkData()) {
        completeMessage();
    }
}

bool SmtpSession::checkData()
{
    if (!m_config.validator) {
        return true;
    }
    const SmtpVerdict verdict = m_config.validator->checkData(m_envelope, m_data);
    if (!verdict.rule.isEmpty()) {
        m_events.push_back({ SmtpEvent::Type::RuleApplied, verdict.rule, {}, !verdict.accepted });
    }
    if (!verdict.accepted) {
        m_delayNextMs = verdict.delayMs;
        replyVerdict(verdict);
        resetTransaction();
        return false;
    }
    // An accepting rule's delay holds the final reply, which comes after the commit.
    m_dataDelayMs = verdict.delayMs;
    return true;
}

void SmtpSession::completeMessage()
{
    m_state = State::Paused;
    m_events.push_back({ SmtpEvent::Type::MessageComplete, {}, {}, false });
}

SmtpMessage SmtpSession::takeMessage()
{
    SmtpMessage message { m_envelope, std::move(m_data) };
    m_data = QByteArray();
    return message;
}

void SmtpSession::deliveryFinished(bool ok, const QByteArray &messageId)
{
    if (m_state != State::Paused || m_awaitingTls) {
        return;
    }
    m_state = State::Command;
    m_delayNextMs = std::exchange(m_dataDelayMs, 0);
    if (ok) {
        reply(queuedReply(messageId));
    } else {
        reply(451, "4.3.0", "Error: message could not be stored, try again later");
    }
    resetTransaction();
    if (m_shutdownPending) {
        // The server is stopping: the message got its answer, nothing more is read.
        shutdown();
        return;
    }
    resume();
}

void SmtpSession::timeout()
{
    if (m_state == State::Closed) {
        return;
    }
    releaseDelayedReply();
    reply(421, "4.4.2", m_config.hostname + " Error: timeout exceeded");
    close();
}

void SmtpSession::shutdown()
{
    if (m_state == State::Closed) {
        return;
    }
    if (m_state == State::Paused && !m_awaitingTls) {
        // A message is being stored: its 250 (or 451) goes out first, then the 421.
        m_shutdownPending = true;
        return;
    }
    // A reply held for a delay goes out at once.
    releaseDelayedReply();
    if (m_state == State::Closed) {
        return;
    }
    reply(421, "4.3.2", m_config.hostname + " Service shutting down");
    close();
}

void SmtpSession::resetTransaction()
{
    const bool changed = m_hasSender || !m_envelope.rcptTo.isEmpty();
    m_hasSender = false;
    m_bdatUsed = false;
    m_envelope.mailFrom.clear();
    m_envelope.rcptTo.clear();
    m_envelope.smtpUtf8 = false;
    m_data = QByteArray();
    m_dataSize = 0;
    m_dataTooBig = false;
    m_lineTooLong = false;
    if (changed) {
        m_events.push_back({ SmtpEvent::Type::EnvelopeChanged, {}, {}, false });
    }
}

void SmtpSession::reply(int code, const char *enhanced, const QByteArray &text)
{
    reply(SmtpReply { code, enhanced ? QByteArray(enhanced) : QByteArray(), { text } });
}

SmtpReply SmtpSession::queuedReply(const QByteArray &messageId)
{
    return SmtpReply { 250, "2.0.0", { "Ok: queued as " + messageId } };
}

QByteArray SmtpSession::queuedReplyTranscript(const QByteArray &messageId) const
{
    const SmtpReply r = queuedReply(messageId);
    return r.toTranscript(withEnhanced(r));
}

bool SmtpSession::withEnhanced(const SmtpReply &r) const
{
    // CONTRACT: enhanced codes in every reply after EHLO; a host rejection's 503 always carries 5.7.1.
    return m_enhanced || (m_hostRejected && r.code == 503);
}

void SmtpSession::reply(const SmtpReply &r)
{
    const bool enhanced = withEnhanced(r);
    if (m_delayNextMs > 0 && m_state != State::Delaying) {
        // A rule's delay: hold this reply, and everything after it, until delayElapsed().
        m_delayedOut = r.toWire(enhanced);
        m_delayedTranscript = r.toTranscript(enhanced);
        m_stateAfterDelay = m_state;
        m_state = State::Delaying;
        m_events.push_back({ SmtpEvent::Type::Delay, QByteArray::number(m_delayNextMs), {}, false });
        m_delayNextMs = 0;
        return;
    }
    m_out += r.toWire(enhanced);
    m_events.push_back({ SmtpEvent::Type::SentReply, r.toTranscript(enhanced), {}, false });
}

void SmtpSession::noteVerdict(const SmtpVerdict &verdict)
{
    m_delayNextMs = verdict.delayMs;
    if (!verdict.rule.isEmpty()) {
        m_events.push_back({ SmtpEvent::Type::RuleApplied, verdict.rule, {}, !verdict.accepted });
    }
}

void SmtpSession::delayElapsed()
{
    if (m_state != State::Delaying) {
        return;
    }
    releaseDelayedReply();
    if (m_state != State::Closed && !m_awaitingTls) {
        resume();
    }
}

void SmtpSession::releaseDelayedReply()
{
    if (m_state != State::Delaying) {
        return;
    }
    m_out += m_delayedOut;
    m_events.push_back({ SmtpEvent::Type::SentReply, m_delayedTranscript, {}, false });
    m_delayedOut.clear();
    m_delayedTranscript.clear();
    m_state = m_stateAfterDelay;
    if (std::exchange(m_closeAfterDelay, false)) {
        close();
    }
}

void SmtpSession::replyVerdict(const SmtpVerdict &verdict)
{
    reply(SmtpReply { verdict.code, verdict.enhanced, { verdict.text.isEmpty() ? "Rejected" : verdict.text } });
}

void SmtpSession::logIn(const QByteArray &text)
{
    m_events.push_back({ SmtpEvent::Type::ReceivedLine, text, {}, false });
}

void SmtpSession::close()
{
    if (m_state == State::Delaying) {
        // The held reply goes out first (a dropped host's 421 after its delay).
        m_closeAfterDelay = true;
        return;
    }
    m_state = State::Closed;
    m_in = QByteArray();
    m_events.push_back({ SmtpEvent::Type::Close, {}, {}, false });
}

QByteArray SmtpSession::takeOutput()
{
    QByteArray out;
    out.swap(m_out);
    return out;
}

std::vector<SmtpEvent> SmtpSession::takeEvents()
{
    std::vector<SmtpEvent> events;
    events.swap(m_events);
    return events;
}
