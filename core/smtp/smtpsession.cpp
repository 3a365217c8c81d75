#include "smtpsession.h"

#include "smtpvalidator.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cstring>
#include <utility>

namespace {
// Command lines 512 octets including CRLF (RFC 5321 §4.5.3.1.4), AUTH lines 12,288 (RFC 4954 §4); text lines are
// SmtpDotUnstuffer's.
constexpr qsizetype CommandLineLimit = 512;
constexpr qsizetype AuthLineLimit = 12288;

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

SmtpSession::SmtpSession(const SmtpSessionConfig &config, const ClientAddress &clientAddress, quint16 clientPort)
    : m_config(config)
{
    // README "What the SMTP server does": IPv4-mapped IPv6 peers are treated as IPv4.
    m_envelope.clientAddress = clientAddress.unmapped();
    m_envelope.clientPort = clientPort;
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
        reply(SmtpReplyId::EarlyTalker);
        close();
        return;
    }
    if (m_config.validator) {
        SmtpVerdict verdict = m_config.validator->checkHost(m_envelope.clientAddress);
        if (verdict.bytesPerSecond > 0 && !verdict.disconnect) {
            // A slow server (CONTRACT "Failure scenarios (rules)"): the owner reads the rest of the session's input
            // at the rule's rate; the session log says why it is slow.
            if (!verdict.rule.isEmpty()) {
                verdict.rule += " (input read at " + QByteArray::number(verdict.bytesPerSecond) + " bytes/s)";
            }
            m_events.push_back(SmtpEvents::PaceInput { verdict.bytesPerSecond });
        }
        noteVerdict(verdict);
        if (disconnectFor(verdict)) {
            return;
        }
        if (!verdict.accepted) {
            const bool drop = verdict.hostReply == SmtpVerdict::HostReply::Drop;
            // README "Testing failure handling": unless dropped, the connection stays open and every command but
            // QUIT gets 503 (SmtpSequence).
            m_hostRejected = !drop;
            reply(SmtpReplies::hostRefusal(verdict, m_config.hostname));
            if (drop) {
                close();
            }
            return;
        }
    }
    reply(SmtpReplyId::Greeting);
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
        reply(SmtpReplyId::LineTooLong);
        return len;
    }
    const QByteArray line = stripEol(QByteArray(p, len));
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
    const qsizetype used = m_dataReader.read(p, n);
    if (m_dataReader.isFinished()) {
        finishData();
    }
    return used;
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

SmtpSequence::Facts SmtpSession::facts(const QByteArray &arg) const
{
    SmtpSequence::Facts f;
    f.hostRejected = m_hostRejected;
    f.greeted = m_greeted;
    f.extended = m_envelope.esmtp;
    f.sender = m_hasSender;
    f.recipients = !m_envelope.rcptTo.isEmpty();
    f.bdat = m_bdatUsed;
    f.authenticated = !m_envelope.authUser.isEmpty();
    f.authOffered = m_config.auth.isOffered();
    f.authRequired = m_config.auth.isRequired();
    f.tls = m_envelope.tls;
    f.tlsOffered = m_config.tlsAvailable;
    // Anything but the blanks QByteArray::trimmed() removes.
    f.argument = std::any_of(arg.cbegin(), arg.cend(), [](char c) { return c != ' ' && (c < '\t' || c > '\r'); });
    return f;
}

void SmtpSession::handleCommand(const QByteArray &line)
{
    const qsizetype space = line.indexOf(' ');
    const QByteArrayView verb = space < 0 ? QByteArrayView(line) : QByteArrayView(line).first(space);
    const QByteArray arg = space < 0 ? QByteArray() : line.mid(space + 1);
    const SmtpCommand command = SmtpSequence::command(verb);

    if (command == SmtpCommand::Auth) {
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
        reply(SmtpReplyId::HttpRequest);
        close();
        return;
    }

    const std::optional<SmtpReplyId> refusal = SmtpSequence::refusal(command, facts(arg));
    if (command == SmtpCommand::Bdat && refusal != SmtpReplyId::AccessDenied) {
        // RFC 3030 §2: a chunk is read whatever its reply will be, so its refusal comes after it.
        handleBdat(arg, refusal);
        return;
    }
    if (refusal) {
        reply(*refusal, SmtpSequence::syntax(command));
        return;
    }
    switch (command) {
    case SmtpCommand::Helo:
    case SmtpCommand::Ehlo:
        handleHelo(arg, command);
        break;
    case SmtpCommand::Mail:
        handleMail(arg);
        break;
    case SmtpCommand::Rcpt:
        handleRcpt(arg);
        break;
    case SmtpCommand::Data:
        handleData();
        break;
    case SmtpCommand::Bdat:
        break;
    case SmtpCommand::Rset:
        resetTransaction();
        reply(SmtpReplyId::Ok);
        break;
    case SmtpCommand::Noop:
        reply(SmtpReplyId::Ok);
        break;
    case SmtpCommand::Quit:
        reply(SmtpReplyId::Bye);
        close();
        break;
    case SmtpCommand::Vrfy:
        reply(SmtpReplyId::CannotVerify);
        break;
    case SmtpCommand::Help:
        reply(SmtpReplyId::Help);
        break;
    case SmtpCommand::Auth:
        handleAuth(arg);
        break;
    case SmtpCommand::StartTls:
        handleStartTls();
        break;
    case SmtpCommand::Expn:
    case SmtpCommand::Turn:
    case SmtpCommand::Etrn:
        reply(SmtpReplyId::NotImplemented);
        break;
    case SmtpCommand::Unknown:
        reply(SmtpReplyId::NotRecognized);
        break;
    }
}

void SmtpSession::handleHelo(const QByteArray &arg, SmtpCommand command)
{
    const bool extended = command == SmtpCommand::Ehlo;
    const QByteArray name = arg.trimmed();
    if (name.isEmpty() || name.contains(' ')) {
        reply(SmtpReplyId::Syntax, SmtpSequence::syntax(command));
        return;
    }
    // RFC 5321 §4.1.4: EHLO/HELO resets any transaction in progress.
    resetTransaction();
    m_greeted = true;
    m_enhanced = extended;
    m_envelope.helo = name;
    m_envelope.esmtp = extended;
    m_events.push_back(SmtpEvents::EnvelopeChanged {});
    if (!extended) {
        reply(SmtpReplyId::Helo);
        return;
    }
    // RFC 5321 §4.1.1.1: the greeting line, then one extension keyword per line.
    SmtpReply r = SmtpReplies::reply(SmtpReplyId::Ehlo, m_config.hostname, name);
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
    if (!arg.startsWith("FROM:") && !arg.toUpper().startsWith("FROM:")) {
        reply(SmtpReplyId::Syntax, SmtpSequence::syntax(SmtpCommand::Mail));
        return;
    }
    QByteArray address;
    QByteArray params;
    if (!parsePath(arg.mid(5), PathKind::Sender, &address, &params)) {
        reply(SmtpReplyId::BadSender);
        return;
    }
    bool smtpUtf8 = false;
    if (!params.isEmpty()) {
        if (!m_envelope.esmtp) {
            // RFC 5321 §4.1.1.11: parameters need EHLO.
            reply(SmtpReplyId::ParametersNeedEhlo);
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
                    reply(SmtpReplyId::BadSize);
                    return;
                }
                // RFC 1870 §6.1: refuse what cannot fit. The declared size is the client's word: buffers grow
                // with the data actually received, never from it.
                if (size > m_config.maxMessageSize) {
                    reply(SmtpReplyId::TooBig);
                    return;
                }
            } else if (key == "BODY") {
                const QByteArray body = value.toUpper();
                if (body != "7BIT" && body != "8BITMIME") {
                    reply(SmtpReplyId::BadBody);
                    return;
                }
            } else if (key == "SMTPUTF8" && eq < 0) {
                smtpUtf8 = true;
            } else if (key == "AUTH") {
                // RFC 4954 §5: accepted; the submitter's identity is not used by a catcher.
            } else {
                reply(SmtpReplyId::UnsupportedParameter, key);
                return;
            }
        }
    }
    if (hasNonAscii(address) && !smtpUtf8) {
        // RFC 6531 §3.5
        reply(SmtpReplyId::NeedSmtpUtf8);
        return;
    }
    SmtpEnvelope candidate = m_envelope;
    candidate.mailFrom = address;
    candidate.smtpUtf8 = smtpUtf8;
    if (m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkSender(address, candidate);
        noteVerdict(verdict);
        if (disconnectFor(verdict)) {
            return;
        }
        if (!verdict.accepted) {
            reply(SmtpReplies::refusal(verdict));
            return;
        }
    }
    m_envelope = candidate;
    m_hasSender = true;
    m_events.push_back(SmtpEvents::EnvelopeChanged {});
    reply(SmtpReplyId::SenderOk);
}

void SmtpSession::handleRcpt(const QByteArray &arg)
{
    if (!arg.startsWith("TO:") && !arg.toUpper().startsWith("TO:")) {
        reply(SmtpReplyId::Syntax, SmtpSequence::syntax(SmtpCommand::Rcpt));
        return;
    }
    QByteArray address;
    QByteArray params;
    if (!parsePath(arg.mid(3), PathKind::Recipient, &address, &params)) {
        reply(SmtpReplyId::BadRecipient);
        return;
    }
    if (!params.isEmpty()) {
        reply(SmtpReplyId::UnsupportedRecipientParameter);
        return;
    }
    if (hasNonAscii(address) && !m_envelope.smtpUtf8) {
        reply(SmtpReplyId::NeedSmtpUtf8);
        return;
    }
    if (m_envelope.rcptTo.size() >= m_config.maxRecipients) {
        // RFC 5321 §4.5.3.1.10: past the limit each RCPT gets 452 4.5.3; the transaction goes on.
        reply(SmtpReplyId::TooManyRecipients);
        return;
    }
    std::optional<SmtpBounce> bounce;
    if (m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkRecipient(address, m_envelope);
        noteVerdict(verdict);
        if (disconnectFor(verdict)) {
            return;
        }
        if (!verdict.accepted) {
            reply(SmtpReplies::refusal(verdict));
            return;
        }
        if (verdict.bounce) {
            bounce = SmtpBounce { address, verdict.code, verdict.enhanced, verdict.text, verdict.rule,
                verdict.bounceAfterMs };
        }
    }
    m_envelope.rcptTo.append(address);
    if (bounce) {
        // CONTRACT "Failure scenarios (rules)": the recipient gets the usual 250; its bounce comes after the commit.
        m_envelope.bounces.append(*bounce);
    }
    m_events.push_back(SmtpEvents::EnvelopeChanged {});
    reply(SmtpReplyId::RecipientOk);
}

void SmtpSession::handleData()
{
    startDataReader();
    m_state = State::Data;
    reply(SmtpReplyId::StartData);
}

void SmtpSession::handleBdat(const QByteArray &arg, std::optional<SmtpReplyId> refusal)
{
    const QByteArrayList parts = arg.simplified().split(' ');
    bool ok = false;
    const qint64 size = parts.isEmpty() ? -1 : parts.first().toLongLong(&ok);
    const bool last = parts.size() == 2 && parts.at(1).toUpper() == "LAST";
    if (!ok || size < 0 || parts.first().size() > 18 || parts.size() > 2 || (parts.size() == 2 && !last)) {
        reply(SmtpReplyId::Syntax, SmtpSequence::syntax(SmtpCommand::Bdat));
        return;
    }
    m_bdatRefusal = refusal;
    m_bdatDiscard = refusal.has_value() || m_dataTooBig;
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
    if (const std::optional<SmtpReplyId> refusal = std::exchange(m_bdatRefusal, std::nullopt)) {
        reply(*refusal);
        return;
    }
    if (m_dataTooBig) {
        reply(SmtpReplyId::TooBig);
        resetTransaction();
        return;
    }
    if (m_bdatLast) {
        if (checkData()) {
            completeMessage();
        }
        return;
    }
    reply(SmtpReplyId::ChunkReceived, QByteArray::number(m_bdatChunkSize));
}

void SmtpSession::handleAuth(const QByteArray &arg)
{
    const QByteArrayList parts = arg.simplified().split(' ');
    const QByteArray mechanism = parts.value(0).toUpper();
    if (parts.size() > 2 || mechanism.isEmpty()) {
        reply(SmtpReplyId::Syntax, SmtpSequence::syntax(SmtpCommand::Auth));
        return;
    }
    if (mechanism == "PLAIN") {
        m_authMechanism = AuthMechanism::Plain;
    } else if (mechanism == "LOGIN") {
        m_authMechanism = AuthMechanism::Login;
    } else if (mechanism == "CRAM-MD5") {
        m_authMechanism = AuthMechanism::CramMd5;
    } else {
        reply(SmtpReplyId::UnknownMechanism);
        return;
    }
    m_authStep = 0;
    m_authUser.clear();
    if (parts.size() == 2) {
        if (m_authMechanism == AuthMechanism::CramMd5) {
            m_authMechanism = AuthMechanism::None;
            reply(SmtpReplyId::CramMd5InitialResponse);
            return;
        }
        // RFC 4954 §4: "=" stands for an empty initial response.
        handleAuthResponse(parts.at(1));
        return;
    }
    m_state = State::AuthResponse;
    switch (m_authMechanism) {
    case AuthMechanism::Plain:
        reply(SmtpReplyId::AuthChallenge);
        break;
    case AuthMechanism::Login:
        reply(SmtpReplyId::AuthChallenge, QByteArray("Username:").toBase64());
        break;
    case AuthMechanism::CramMd5:
        m_authChallenge = makeChallenge(m_config.hostname);
        reply(SmtpReplyId::AuthChallenge, m_authChallenge.toBase64());
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
        reply(SmtpReplyId::AuthCancelled);
        return;
    }
    QByteArray decoded;
    if (response != "=") {
        const auto result = QByteArray::fromBase64Encoding(response, QByteArray::AbortOnBase64DecodingErrors);
        if (!result) {
            m_authMechanism = AuthMechanism::None;
            reply(SmtpReplyId::BadBase64);
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
            reply(SmtpReplyId::BadPlainResponse);
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
            reply(SmtpReplyId::AuthChallenge, QByteArray("Password:").toBase64());
            return;
        }
        finishAuth(!m_authUser.isEmpty() && m_config.auth.check(m_authUser, decoded), m_authUser);
        return;
    case AuthMechanism::CramMd5: {
        const qsizetype space = decoded.lastIndexOf(' ');
        if (space <= 0) {
            m_authMechanism = AuthMechanism::None;
            reply(SmtpReplyId::BadCramMd5Response);
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
    const QByteArray mechanism = mechanismName(std::exchange(m_authMechanism, AuthMechanism::None));
    if (success && m_config.validator) {
        const SmtpVerdict verdict = m_config.validator->checkAuth(user, m_envelope);
        noteVerdict(verdict);
        if (disconnectFor(verdict)) {
            m_events.push_back(SmtpEvents::AuthAttempted { mechanism, user, false });
            return;
        }
        if (!verdict.accepted) {
            m_events.push_back(SmtpEvents::AuthAttempted { mechanism, user, false });
            reply(SmtpReplies::refusal(verdict));
            return;
        }
    }
    m_events.push_back(SmtpEvents::AuthAttempted { mechanism, user, success });
    if (!success) {
        reply(SmtpReplyId::AuthFailed);
        return;
    }
    m_envelope.authUser = user;
    m_events.push_back(SmtpEvents::EnvelopeChanged {});
    reply(SmtpReplyId::AuthSucceeded);
}

const char *SmtpSession::mechanismName(AuthMechanism mechanism)
{
    switch (mechanism) {
    case AuthMechanism::Plain:
        return "PLAIN";
    case AuthMechanism::Login:
        return "LOGIN";
    case AuthMechanism::CramMd5:
        return "CRAM-MD5";
    case AuthMechanism::None:
        break;
    }
    return "";
}

void SmtpSession::handleStartTls()
{
    reply(SmtpReplyId::ReadyForTls);
    m_events.push_back(SmtpEvents::StartTls {});
    // RFC 3207 §4.2 / CVE-2011-0411: nothing pipelined after STARTTLS may be taken as a command;
    // receive() and resume() drop what follows while the handshake is pending.
    m_state = State::Paused;
    m_awaitingTls = true;
}

void SmtpSession::setTlsActive(const QByteArray &protocol, const QByteArray &cipher)
{
    m_envelope.tls = true;
    m_envelope.tlsProtocol = protocol;
    m_envelope.tlsCipher = cipher;
}

void SmtpSession::tlsStarted(const QByteArray &protocol, const QByteArray &cipher)
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
    setTlsActive(protocol, cipher);
    m_in = QByteArray();
    m_state = State::Command;
}

void SmtpSession::startDataReader()
{
    m_data = QByteArray();
    m_dataSize = 0;
    m_dataTooBig = false;
    m_dataReader.start(m_config.maxMessageSize);
}

void SmtpSession::finishData()
{
    m_state = State::Command;
    m_dataSize = m_dataReader.size();
    m_dataTooBig = m_dataReader.isTooBig();
    m_data = m_dataReader.takeData();
    logIn("[" + QByteArray::number(m_dataSize) + " octets of message data]");
    if (m_dataReader.hasLongLine()) {
        // README "What the SMTP server does" (RFC 5321 §4.5.3.1.6): an over-long text line refuses the whole message
        // after the end-of-data mark.
        reply(SmtpReplyId::LineTooLong);
        resetTransaction();
        return;
    }
    if (m_dataTooBig) {
        reply(SmtpReplyId::TooBig);
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
        m_events.push_back(
            SmtpEvents::RuleApplied { verdict.rule, !verdict.accepted, verdict.accepted ? QByteArray() : m_data });
    }
    if (disconnectFor(verdict)) {
        resetTransaction();
        return false;
    }
    if (!verdict.accepted) {
        m_delayNextMs = verdict.delayMs;
        reply(SmtpReplies::refusal(verdict));
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
    m_events.push_back(SmtpEvents::MessageComplete {});
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
        reply(SmtpReplyId::Queued, messageId);
    } else {
        reply(SmtpReplyId::NotStored);
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
    reply(SmtpReplyId::Timeout);
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
    reply(SmtpReplyId::ShuttingDown);
    close();
}

void SmtpSession::resetTransaction()
{
    const bool changed = m_hasSender || !m_envelope.rcptTo.isEmpty();
    m_hasSender = false;
    m_bdatUsed = false;
    m_envelope.mailFrom.clear();
    m_envelope.rcptTo.clear();
    m_envelope.bounces.clear();
    m_envelope.smtpUtf8 = false;
    m_data = QByteArray();
    m_dataSize = 0;
    m_dataTooBig = false;
    if (changed) {
        m_events.push_back(SmtpEvents::EnvelopeChanged {});
    }
}

QByteArray SmtpSession::queuedReplyTranscript(const QByteArray &messageId) const
{
    const SmtpReply r = SmtpReplies::reply(SmtpReplyId::Queued, m_config.hostname, messageId);
    return r.toTranscript(withEnhanced(r));
}

bool SmtpSession::withEnhanced(const SmtpReply &r) const
{
    // RFC 2034: enhanced codes in every reply after EHLO; README "Testing failure handling": a host rejection's 503
    // always carries 5.7.1.
    return m_enhanced || (m_hostRejected && r.code == 503);
}

void SmtpSession::reply(SmtpReplyId id, QByteArrayView argument)
{
    reply(SmtpReplies::reply(id, m_config.hostname, argument));
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
        m_events.push_back(SmtpEvents::Delay { std::chrono::milliseconds(m_delayNextMs) });
        m_delayNextMs = 0;
        return;
    }
    m_out += r.toWire(enhanced);
    m_events.push_back(SmtpEvents::SentReply { r.toTranscript(enhanced) });
}

void SmtpSession::noteVerdict(const SmtpVerdict &verdict)
{
    m_delayNextMs = verdict.delayMs;
    if (!verdict.rule.isEmpty()) {
        m_events.push_back(SmtpEvents::RuleApplied { verdict.rule, !verdict.accepted, {} });
    }
}

bool SmtpSession::disconnectFor(const SmtpVerdict &verdict)
{
    if (!verdict.disconnect) {
        return false;
    }
    // CONTRACT "Failure scenarios": the connection is closed at that point, without a reply (and without the
    // rule's delay, which holds a reply).
    m_delayNextMs = 0;
    logIn("[connection closed by a rule, without a reply]");
    close();
    return true;
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
    m_events.push_back(SmtpEvents::SentReply { m_delayedTranscript });
    m_delayedOut.clear();
    m_delayedTranscript.clear();
    m_state = m_stateAfterDelay;
    if (std::exchange(m_closeAfterDelay, false)) {
        close();
    }
}

void SmtpSession::logIn(const QByteArray &text)
{
    m_events.push_back(SmtpEvents::ReceivedLine { text });
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
    m_events.push_back(SmtpEvents::Close {});
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
