#pragma once

#include "../smtp/smtpdotstuffer.h"
#include "../smtp/smtpreply.h"
#include "../smtp/smtpreplyparser.h"
#include "smtpclientevent.h"
#include "smtpclientoptions.h"
#include "smtpoutgoing.h"
#include "smtpsendresult.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QSet>

#include <deque>
#include <vector>

// The SMTP client protocol for one transaction (RFC 5321 §3, tcllib smtp::sendmessage) as a pure state machine:
// the server's bytes in, the client's bytes and events out. It owns no socket, timer or thread (sans-IO, h11's way);
// SmtpClient moves its bytes, does the TLS handshake when told and turns time into timedOut().
//
// greeting → EHLO (HELO when EHLO gets 5xx) → STARTTLS by policy (RFC 3207) and EHLO again → AUTH (RFC 4954:
// CRAM-MD5, PLAIN or LOGIN) → MAIL FROM (SIZE, BODY=8BITMIME, SMTPUTF8 when offered and useful) → RCPT TO for each
// recipient → DATA (dot-stuffed), or BDAT when the server offers CHUNKING (RFC 3030: the data unchanged) → QUIT.
// With PIPELINING (RFC 2920) MAIL, every RCPT and DATA go in one batch.
class SmtpClientSession
{
public:
    // serverEncrypted: the connection speaks TLS already (implicit TLS, RFC 8314).
    SmtpClientSession(const SmtpClientOptions &options, const SmtpOutgoing &outgoing, bool serverEncrypted = false);

    // Feeds what the server sent. Processes every complete reply; stops at a StartTls or Finished event.
    void receive(QByteArrayView bytes);
    // The owner finished the TLS handshake after a StartTls event: the session starts over with EHLO (RFC 3207 §4.2).
    void tlsStarted();
    // The connection failed (closed by the server, a socket or TLS error, a timeout): the send fails with error,
    // at the current stage, and nothing more is sent.
    void connectionFailed(const QString &error);

    QByteArray takeOutput();
    std::vector<SmtpClientEvent> takeEvents();

    bool isFinished() const { return m_state == State::Finished; }
    // Whether a StartTls event is waiting for tlsStarted().
    bool awaitsTls() const { return m_state == State::AwaitingTls; }
    SmtpSendResult::Stage stage() const { return m_result.stage; }
    // How the send ended (meaningful once isFinished()); server is left to the owner.
    const SmtpSendResult &result() const { return m_result; }
    // Whether the reply to the end of the message data is due: RFC 5321 §4.5.3.2.6 gives it 10 minutes.
    bool awaitsFinalReply() const { return m_state == State::DataEnd; }
    // How many complete replies were handled so far: a step's deadline starts over with each one.
    qint64 repliesHandled() const { return m_repliesHandled; }
    // The extensions of the last EHLO reply, upper-case keywords ("PIPELINING", "SIZE", "AUTH", …).
    QSet<QByteArray> extensions() const;

    // Enough recipients for any real message; a longer list is refused before anything is sent.
    static constexpr qsizetype MaxRecipients = 10000;
    // RFC 4954 §4: a command line, the initial response included, is at most 512 octets with its CRLF.
    static constexpr qsizetype MaxAuthLine = 512;

    // Whether an envelope address may go inside <> on a command line: no CR, LF or NUL (they would end or cut the
    // line, RFC 5321 §2.3.8), no '<' or '>' (they would end the path) and no space (RFC 5321 §4.1.2: a path has
    // none outside a quoted local part, which is refused too, for simplicity).
    static bool isValidEnvelopeAddress(QByteArrayView address);
    // Checks the envelope before anything is sent: false and *refusal (stage MailFrom or RcptTo, errorString
    // naming the address) when an address is not valid.
    static bool checkEnvelope(const SmtpOutgoing &outgoing, SmtpSendResult *refusal);

private:
    enum class State {
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        AwaitingTls,
        Auth,
        Transaction, // MAIL, RCPT and DATA replies expected in m_expected
        DataEnd, // the message and its end mark sent; the final reply expected
        EmptyDataEnd, // RFC 2920 §3.1: a lone "." answered a 354 that came with no valid recipient
        Finished,
    };
    // A command whose reply is due, in order (RFC 2920 §3.1: replies come in the order of the commands).
    enum class Pending { Mail, Rcpt, Data };

    void handle(const SmtpReply &reply);
    void handleEhlo(const SmtpReply &reply);
    void afterHello();
    void startAuth();
    void handleAuth(const SmtpReply &reply);
    void startTransaction();
    void handleTransaction(const SmtpReply &reply);
    // The reply that decides a transaction whose recipients were all refused.
    SmtpReply decisiveRefusal() const;
    bool hasExtension(const QByteArray &keyword) const;
    // The parameters of an EHLO keyword ("AUTH" → "PLAIN", "LOGIN"), as sent.
    QByteArrayList extensionParameters(const QByteArray &keyword) const;

    void sendMessageData();
    void progress(const QString &step);
    void send(const QByteArray &line);
    // The send ends; the result says how. QUIT is queued when the connection is still sound.
    void succeed(const SmtpReply &reply);
    void failWithReply(const SmtpReply &reply);
    void failWithError(const QString &error, bool quit);
    void finish(bool quit);

    SmtpClientOptions m_options;
    SmtpOutgoing m_outgoing;
    SmtpReplyParser m_parser;
    State m_state = State::Greeting;
    bool m_encrypted = false;
    bool m_startTlsTried = false; // STARTTLS is asked once: after TLS it is not offered again (RFC 3207 §4.2)
    QList<QByteArray> m_extensions; // the keyword lines of the last EHLO reply, as sent
    QByteArray m_authMechanism;
    int m_authStep = 0;
    bool m_pipelining = false;
    bool m_chunking = false; // BDAT instead of DATA (RFC 3030)
    bool m_plainAfterChallenge = false; // AUTH PLAIN without its initial response (RFC 4954 §4)
    qint64 m_repliesHandled = 0;
    std::deque<Pending> m_expected;
    qsizetype m_rcptReplies = 0; // RCPT replies read so far
    bool m_mailAccepted = false;
    SmtpReply m_mailReply;
    SmtpReply m_lastRefused;
    SmtpReply m_firstTemporaryRefused;
    QByteArray m_output;
    std::vector<SmtpClientEvent> m_events;
    SmtpSendResult m_result;
};
