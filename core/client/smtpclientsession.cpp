#include "smtpclientsession.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QSysInfo>

namespace {
bool isPositive(const SmtpReply &reply)
{
    return reply.code >= 200 && reply.code < 300;
}

bool isTemporary(const SmtpReply &reply)
{
    return reply.code >= 400 && reply.code < 500;
}

// The reply as one line for results and logs: "250 2.0.0 Ok: queued", the lines of a multi-line reply joined with
// spaces.
QByteArray oneLine(const SmtpReply &reply)
{
    QByteArray line = QByteArray::number(reply.code);
    if (!reply.enhanced.isEmpty()) {
        line += ' ' + reply.enhanced;
    }
    for (const QByteArray &text : reply.lines) {
        if (!text.isEmpty()) {
            line += ' ' + text;
        }
    }
    return line;
}

bool isAscii(QByteArrayView bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) > 127) {
            return false;
        }
    }
    return true;
}

// RFC 1870 §3: the message's size in octets as sent, CRLF line ends counted as two, without the dots that
// stuffing adds or the end mark. SmtpDotStuffer makes every bare CR or LF a CRLF, so each counts two here.
qint64 wireSize(QByteArrayView data)
{
    qint64 size = 0;
    for (qsizetype i = 0; i < data.size(); ++i) {
        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
            size += 2;
            ++i;
        } else if (data[i] == '\r' || data[i] == '\n') {
            size += 2;
        } else {
            ++size;
        }
    }
    return size;
}

// The header section: everything up to the first empty line (RFC 5322 §2.1).
QByteArrayView headerSection(QByteArrayView data)
{
    qsizetype pos = 0;
    while (pos < data.size()) {
        const qsizetype lf = data.indexOf('\n', pos);
        if (lf < 0) {
            return data;
        }
        const qsizetype length = lf - pos;
        if (length == 0 || (length == 1 && data[pos] == '\r')) {
            return data.first(pos);
        }
        pos = lf + 1;
    }
    return data;
}

QByteArray helloName(const QString &configured)
{
    if (!configured.isEmpty()) {
        return configured.toUtf8();
    }
    const QString host = QSysInfo::machineHostName();
    return host.isEmpty() ? QByteArray("localhost") : host.toUtf8();
}
} // namespace

SmtpClientSession::SmtpClientSession(
    const SmtpClientOptions &options, const SmtpOutgoing &outgoing, bool serverEncrypted)
    : m_options(options), m_outgoing(outgoing), m_encrypted(serverEncrypted)
{
    m_result.stage = SmtpSendResult::Stage::Greeting;
    // A bad address ends the send before anything is written: it would corrupt the command line it goes on.
    SmtpSendResult refusal;
    if (!checkEnvelope(m_outgoing, &refusal)) {
        m_result = refusal;
        m_state = State::Finished;
        m_events.emplace_back(SmtpClientEvents::Finished {});
    }
}

bool SmtpClientSession::isValidEnvelopeAddress(QByteArrayView address)
{
    for (const char c : address) {
        if (c == '\r' || c == '\n' || c == '\0' || c == '<' || c == '>' || c == ' ' || c == '\t') {
            return false;
        }
    }
    return true;
}

bool SmtpClientSession::checkEnvelope(const SmtpOutgoing &outgoing, SmtpSendResult *refusal)
{
    const auto refuse = [refusal](SmtpSendResult::Stage stage, const QByteArray &address) {
        *refusal = SmtpSendResult();
        refusal->stage = stage;
        refusal->errorString = QStringLiteral("not a valid envelope address: \"%1\"")
                                   .arg(QString::fromUtf8(address)
                                            .replace(u'\r', QStringLiteral("\\r"))
                                            .replace(u'\n', QStringLiteral("\\n"))
                                            .replace(QChar(u'\0'), QStringLiteral("\\0")));
        return false;
    };
    if (!isValidEnvelopeAddress(outgoing.mailFrom)) {
        return refuse(SmtpSendResult::Stage::MailFrom, outgoing.mailFrom);
    }
    for (const QByteArray &recipient : outgoing.rcptTo) {
        if (!isValidEnvelopeAddress(recipient)) {
            return refuse(SmtpSendResult::Stage::RcptTo, recipient);
        }
    }
    return true;
}

void SmtpClientSession::receive(QByteArrayView bytes)
{
    // RFC 3207 §4.2: what the server sent after its 220 to STARTTLS and before the handshake is not to be trusted
    // (it may have been injected in the clear); it is dropped, as is anything after the send was decided.
    if (m_state == State::AwaitingTls || m_state == State::Finished) {
        return;
    }
    m_parser.feed(bytes);
    while (m_state != State::AwaitingTls && m_state != State::Finished) {
        SmtpReply reply;
        const SmtpReplyParser::Status status = m_parser.next(&reply);
        if (status == SmtpReplyParser::Status::NeedData) {
            break;
        }
        if (status == SmtpReplyParser::Status::Error) {
            failWithError(QStringLiteral("protocol error: %1").arg(m_parser.errorString()), false);
            break;
        }
        ++m_repliesHandled;
        handle(reply);
    }
    if (m_state == State::AwaitingTls) {
        m_parser = SmtpReplyParser();
    }
}

void SmtpClientSession::tlsStarted()
{
    if (m_state != State::AwaitingTls) {
        return;
    }
    // RFC 3207 §4.2: the client forgets what it knew of the server and says EHLO again.
    m_encrypted = true;
    m_extensions.clear();
    m_state = State::Ehlo;
    m_result.stage = SmtpSendResult::Stage::Ehlo;
    progress(QStringLiteral("EHLO"));
    send("EHLO " + helloName(m_options.heloName));
}

void SmtpClientSession::connectionFailed(const QString &error)
{
    if (m_state != State::Finished) {
        failWithError(error, false);
    }
}

QByteArray SmtpClientSession::takeOutput()
{
    return std::exchange(m_output, {});
}

std::vector<SmtpClientEvent> SmtpClientSession::takeEvents()
{
    return std::exchange(m_events, {});
}

QSet<QByteArray> SmtpClientSession::extensions() const
{
    QSet<QByteArray> keywords;
    for (const QByteArray &line : m_extensions) {
        keywords.insert(line.split(' ').first().split('=').first().toUpper());
    }
    return keywords;
}

void SmtpClientSession::handle(const SmtpReply &reply)
{
    switch (m_state) {
    case State::Greeting:
        if (reply.code == 220) {
            m_state = State::Ehlo;
            m_result.stage = SmtpSendResult::Stage::Ehlo;
            progress(QStringLiteral("EHLO"));
            send("EHLO " + helloName(m_options.heloName));
        } else {
            // RFC 5321 §3.1: a server that will not serve says 554 (or 421) instead of 220; the client says QUIT.
            failWithReply(reply);
        }
        return;
    case State::Ehlo:
        handleEhlo(reply);
        return;
    case State::Helo:
        if (isPositive(reply)) {
            m_extensions.clear();
            afterHello();
        } else {
            failWithReply(reply);
        }
        return;
    case State::StartTls:
        if (reply.code == 220) {
            m_state = State::AwaitingTls;
            m_startTlsTried = true;
            m_events.emplace_back(SmtpClientEvents::StartTls {});
        } else if (m_options.tls == SmtpTlsMode::StartTls) {
            failWithReply(reply);
        } else {
            // Opportunistic: a server that cannot start TLS now (RFC 3207 §4: 454) is used in the clear.
            m_startTlsTried = true;
            afterHello();
        }
        return;
    case State::Auth:
        handleAuth(reply);
        return;
    case State::Transaction:
        handleTransaction(reply);
        return;
    case State::DataEnd:
        if (isPositive(reply)) {
            succeed(reply);
        } else {
            failWithReply(reply);
        }
        return;
    case State::EmptyDataEnd:
        // The empty message's fate does not matter: the transaction failed before it (RFC 2920 §3.1).
        failWithReply(m_mailAccepted ? decisiveRefusal() : m_mailReply);
        return;
    case State::AwaitingTls:
    case State::Finished:
        return;
    }
}

void SmtpClientSession::handleEhlo(const SmtpReply &reply)
{
    if (isPositive(reply)) {
        // RFC 5321 §4.1.1.1: the first line greets, each further line names an extension and its parameters.
        m_extensions = reply.lines.mid(1);
        afterHello();
    } else if (reply.code >= 500 && reply.code < 600) {
        // RFC 5321 §3.2: a server that does not know EHLO refuses it with a 5xx; the client falls back to HELO.
        m_state = State::Helo;
        progress(QStringLiteral("HELO"));
        send("HELO " + helloName(m_options.heloName));
    } else {
        failWithReply(reply);
    }
}

QByteArrayList SmtpClientSession::extensionParameters(const QByteArray &keyword) const
{
    for (const QByteArray &line : m_extensions) {
        // "AUTH PLAIN LOGIN", and the "AUTH=PLAIN LOGIN" that old servers send for old clients.
        QByteArray normalised = line;
        const qsizetype space = normalised.indexOf(' ');
        const qsizetype equals = normalised.indexOf('=');
        if (equals >= 0 && (space < 0 || equals < space)) {
            normalised[equals] = ' ';
        }
        QByteArrayList words = normalised.simplified().split(' ');
        if (words.first().toUpper() == keyword) {
            words.removeFirst();
            return words;
        }
    }
    return {};
}

bool SmtpClientSession::hasExtension(const QByteArray &keyword) const
{
    return extensions().contains(keyword);
}

void SmtpClientSession::afterHello()
{
    const bool wantsTls = m_options.tls == SmtpTlsMode::Opportunistic || m_options.tls == SmtpTlsMode::StartTls;
    if (!m_encrypted && !m_startTlsTried && wantsTls) {
        if (hasExtension("STARTTLS")) {
            m_state = State::StartTls;
            m_result.stage = SmtpSendResult::Stage::StartTls;
            progress(QStringLiteral("STARTTLS"));
            send("STARTTLS");
            return;
        }
        if (m_options.tls == SmtpTlsMode::StartTls) {
            m_result.stage = SmtpSendResult::Stage::StartTls;
            failWithError(QStringLiteral("the server does not offer STARTTLS, and TLS is required"), true);
            return;
        }
    }
    if (!m_options.username.isEmpty()) {
        startAuth();
    } else {
        startTransaction();
    }
}

void SmtpClientSession::startAuth()
{
    m_result.stage = SmtpSendResult::Stage::Auth;
    // CONTRACT "Release": a password goes over plain text only when TLS is off on purpose.
    if (!m_encrypted && m_options.tls != SmtpTlsMode::Off) {
        failWithError(QStringLiteral("refusing to send the password over a connection that is not encrypted"), true);
        return;
    }
    QByteArrayList offered = extensionParameters("AUTH");
    for (QByteArray &mechanism : offered) {
        mechanism = mechanism.toUpper();
    }
    if (offered.isEmpty()) {
        failWithError(QStringLiteral("the server does not offer AUTH"), true);
        return;
    }
    // RFC 2195's CRAM-MD5 keeps the password off the wire; PLAIN (RFC 4616) takes one round trip, LOGIN two.
    for (const char *mechanism : { "CRAM-MD5", "PLAIN", "LOGIN" }) {
        if (offered.contains(mechanism)) {
            m_authMechanism = mechanism;
            break;
        }
    }
    if (m_authMechanism.isEmpty()) {
        failWithError(QStringLiteral("the server offers no AUTH mechanism Letterbox knows (%1); CRAM-MD5, PLAIN and "
                                     "LOGIN are known")
                          .arg(QString::fromLatin1(offered.join(' '))),
            true);
        return;
    }
    m_state = State::Auth;
    m_authStep = 0;
    progress(QStringLiteral("AUTH %1").arg(QString::fromLatin1(m_authMechanism)));
    if (m_authMechanism == "PLAIN") {
        // RFC 4616 §2: authzid NUL authcid NUL passwd, sent as the initial response (RFC 4954 §4).
        const QByteArray message = '\0' + m_options.username.toUtf8() + '\0' + m_options.password.toUtf8();
        const QByteArray line = "AUTH PLAIN " + message.toBase64();
        // RFC 4954 §4: an initial response that would make the line longer than 512 octets waits for the 334.
        m_plainAfterChallenge = line.size() + 2 > MaxAuthLine;
        send(m_plainAfterChallenge ? QByteArray("AUTH PLAIN") : line);
    } else {
        send("AUTH " + m_authMechanism);
    }
}

void SmtpClientSession::handleAuth(const SmtpReply &reply)
{
    if (reply.code == 235) {
        startTransaction();
        return;
    }
    if (reply.code != 334) {
        failWithReply(reply);
        return;
    }
    const QByteArray challenge = QByteArray::fromBase64(reply.lines.value(0));
    ++m_authStep;
    if (m_authMechanism == "CRAM-MD5" && m_authStep == 1) {
        // RFC 2195 §2: the user name, a space and the lower-case hex HMAC-MD5 of the challenge keyed with the
        // password.
        const QByteArray digest
            = QMessageAuthenticationCode::hash(challenge, m_options.password.toUtf8(), QCryptographicHash::Md5).toHex();
        send((m_options.username.toUtf8() + ' ' + digest).toBase64());
    } else if (m_authMechanism == "PLAIN" && m_plainAfterChallenge && m_authStep == 1) {
        // RFC 4954 §4: the empty challenge is answered with what the initial response would have been.
        send(('\0' + m_options.username.toUtf8() + '\0' + m_options.password.toUtf8()).toBase64());
    } else if (m_authMechanism == "LOGIN" && m_authStep == 1) {
        send(m_options.username.toUtf8().toBase64());
    } else if (m_authMechanism == "LOGIN" && m_authStep == 2) {
        send(m_options.password.toUtf8().toBase64());
    } else {
        // RFC 4954 §4: a client cancels an exchange it cannot continue with "*".
        send("*");
        failWithError(QStringLiteral("unexpected AUTH challenge: %1").arg(QString::fromUtf8(oneLine(reply))), true);
    }
}

void SmtpClientSession::startTransaction()
{
    m_result.stage = SmtpSendResult::Stage::MailFrom;
    if (m_outgoing.rcptTo.isEmpty()) {
        failWithError(QStringLiteral("no recipient"), true);
        return;
    }
    if (m_outgoing.rcptTo.size() > MaxRecipients) {
        failWithError(QStringLiteral("more than %1 recipients").arg(MaxRecipients), true);
        return;
    }
    bool needsUtf8 = !isAscii(m_outgoing.mailFrom);
    for (const QByteArray &recipient : std::as_const(m_outgoing.rcptTo)) {
        needsUtf8 = needsUtf8 || !isAscii(recipient);
    }
    // RFC 6531 §3.2: an address beyond ASCII may only be sent to a server that offers SMTPUTF8.
    if (needsUtf8 && !hasExtension("SMTPUTF8")) {
        failWithError(
            QStringLiteral("an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)"), true);
        return;
    }
    QByteArray mail = "MAIL FROM:<" + m_outgoing.mailFrom + '>';
    m_chunking = hasExtension("CHUNKING");
    if (hasExtension("SIZE")) {
        // RFC 1870 §6: the size declared up front lets a server refuse a message too large before it is sent.
        // BDAT sends the data as it is (RFC 3030 §2), so its size is that of the data.
        mail += " SIZE=" + QByteArray::number(m_chunking ? m_outgoing.data.size() : wireSize(m_outgoing.data));
    }
    if (hasExtension("8BITMIME") && !isAscii(m_outgoing.data)) {
        // RFC 6152 §3: 8-bit data is declared. Without the extension it is sent as it is: a mail catcher's relay
        // forwards what it caught unchanged, and servers take 8-bit data in practice.
        mail += " BODY=8BITMIME";
    }
    // RFC 6531 §3.4: SMTPUTF8 also announces a header in UTF-8 (RFC 6532); a server without it gets such a header
    // as 8-bit data, which is what it would get from any other relay.
    if (needsUtf8 || (hasExtension("SMTPUTF8") && !isAscii(headerSection(m_outgoing.data)))) {
        mail += " SMTPUTF8";
    }
    m_state = State::Transaction;
    m_pipelining = hasExtension("PIPELINING");
    progress(QStringLiteral("MAIL FROM"));
    send(mail);
    m_expected.push_back(Pending::Mail);
    if (m_pipelining) {
        // RFC 2920 §3.1: MAIL, the RCPTs and DATA go in one group; DATA is the last command of a group.
        progress(QStringLiteral("RCPT TO"));
        for (qsizetype i = 0; i < m_outgoing.rcptTo.size(); ++i) {
            send("RCPT TO:<" + m_outgoing.rcptTo[i] + '>');
            m_expected.push_back(Pending::Rcpt);
        }
        if (!m_chunking) {
            progress(QStringLiteral("DATA"));
            send("DATA");
            m_expected.push_back(Pending::Data);
        }
        // With CHUNKING, BDAT waits for the RCPT replies: the data goes only when a recipient was accepted, and
        // a BDAT refused would still have had its data sent (RFC 3030 §2, §4.2).
    }
}

void SmtpClientSession::handleTransaction(const SmtpReply &reply)
{
    if (m_expected.empty()) {
        failWithError(
            QStringLiteral("protocol error: a reply to no command: %1").arg(QString::fromUtf8(oneLine(reply))), false);
        return;
    }
    const Pending pending = m_expected.front();
    m_expected.pop_front();
    switch (pending) {
    case Pending::Mail:
        m_mailReply = reply;
        m_mailAccepted = isPositive(reply);
        m_result.stage = SmtpSendResult::Stage::RcptTo;
        if (!m_pipelining) {
            if (!m_mailAccepted) {
                m_result.stage = SmtpSendResult::Stage::MailFrom;
                failWithReply(reply);
                return;
            }
            progress(QStringLiteral("RCPT TO"));
            send("RCPT TO:<" + m_outgoing.rcptTo.first() + '>');
            m_expected.push_back(Pending::Rcpt);
        }
        return;
    case Pending::Rcpt: {
        const QByteArray address = m_outgoing.rcptTo.value(m_rcptReplies++);
        // With MAIL refused, what the server says to RCPT ("503 need MAIL") judges no recipient.
        if (m_mailAccepted) {
            if (isPositive(reply)) {
                m_result.accepted << address;
            } else {
                m_result.refused << SmtpRecipientResult { address, reply.code, reply.enhanced, reply.lines.join(' ') };
                if (isTemporary(reply) && m_firstTemporaryRefused.code == 0) {
                    m_firstTemporaryRefused = reply;
                }
                m_lastRefused = reply;
            }
        }
        if (m_rcptReplies < m_outgoing.rcptTo.size()) {
            if (!m_pipelining) {
                send("RCPT TO:<" + m_outgoing.rcptTo[m_rcptReplies] + '>');
                m_expected.push_back(Pending::Rcpt);
            }
            return;
        }
        if (m_pipelining && !m_chunking) {
            m_result.stage = m_mailAccepted ? SmtpSendResult::Stage::Data : SmtpSendResult::Stage::MailFrom;
            return;
        }
        if (m_pipelining && !m_mailAccepted) {
            m_result.stage = SmtpSendResult::Stage::MailFrom;
            failWithReply(m_mailReply);
            return;
        }
        // tcllib -atleastone: the message goes only if some recipient was accepted.
        if (m_result.accepted.isEmpty()) {
            failWithReply(decisiveRefusal());
            return;
        }
        m_result.stage = SmtpSendResult::Stage::Data;
        if (m_chunking) {
            sendMessageData();
            return;
        }
        progress(QStringLiteral("DATA"));
        send("DATA");
        m_expected.push_back(Pending::Data);
        return;
    }
    case Pending::Data:
        if (!m_mailAccepted || m_result.accepted.isEmpty()) {
            m_result.stage = m_mailAccepted ? SmtpSendResult::Stage::RcptTo : SmtpSendResult::Stage::MailFrom;
            if (reply.code == 354) {
                // RFC 2920 §3.1: a client whose recipients all failed cannot assume DATA fails too; when it was
                // accepted, the client sends a single dot, so that no message is delivered.
                m_state = State::EmptyDataEnd;
                send(".");
                return;
            }
            failWithReply(m_mailAccepted ? decisiveRefusal() : m_mailReply);
            return;
        }
        if (reply.code != 354) {
            failWithReply(reply);
            return;
        }
        sendMessageData();
        return;
    }
}

void SmtpClientSession::sendMessageData()
{
    m_state = State::DataEnd;
    progress(QStringLiteral("message data"));
    if (m_chunking) {
        // RFC 3030 §2: one chunk of exactly the data's octets, the last. Nothing is rewritten: a relay forwards the
        // stored source unchanged (CONTRACT "Release"), bare CR or LF and long lines included.
        send("BDAT " + QByteArray::number(m_outgoing.data.size()) + " LAST");
        m_output += m_outgoing.data;
        return;
    }
    // RFC 5321 §4.5.2: every line starting with a dot gets another; the end mark follows.
    m_output += SmtpDotStuffer::stuff(m_outgoing.data);
}

SmtpReply SmtpClientSession::decisiveRefusal() const
{
    // When every recipient was refused, a temporary refusal decides: trying again later may get the message through
    // to that recipient (CONTRACT "Auto-relay (details)": any failure but a 5xx is temporary).
    return m_firstTemporaryRefused.code != 0 ? m_firstTemporaryRefused : m_lastRefused;
}

void SmtpClientSession::progress(const QString &step)
{
    m_events.emplace_back(SmtpClientEvents::Progress { step });
}

void SmtpClientSession::send(const QByteArray &line)
{
    m_output += line + "\r\n";
}

void SmtpClientSession::succeed(const SmtpReply &reply)
{
    m_result.ok = true;
    m_result.stage = SmtpSendResult::Stage::Done;
    m_result.code = reply.code;
    m_result.reply = oneLine(reply);
    m_result.errorString.clear();
    finish(true);
}

void SmtpClientSession::failWithReply(const SmtpReply &reply)
{
    m_result.ok = false;
    m_result.code = reply.code;
    m_result.reply = oneLine(reply);
    m_result.errorString.clear();
    finish(true);
}

void SmtpClientSession::failWithError(const QString &error, bool quit)
{
    m_result.ok = false;
    m_result.code = 0;
    m_result.reply.clear();
    m_result.errorString = error;
    finish(quit);
}

void SmtpClientSession::finish(bool quit)
{
    m_state = State::Finished;
    m_expected.clear();
    if (quit) {
        // RFC 5321 §4.1.1.10: the client ends the session with QUIT (its 221 is not waited for).
        send("QUIT");
    }
    m_events.emplace_back(SmtpClientEvents::Finished {});
}
