#pragma once

#include "authconfig.h"
#include "smtpdotunstuffer.h"
#include "smtpenvelope.h"
#include "smtpevent.h"
#include "smtpreplies.h"
#include "smtpsequence.h"

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

class SmtpValidator;
struct SmtpVerdict;

struct SmtpSessionConfig
{
    QByteArray hostname = "localhost";
    qint64 maxMessageSize = 64 * 1024 * 1024;
    int maxRecipients = 1000;
    AuthConfig auth;
    bool tlsAvailable = false; // STARTTLS offered; SmtpWorker sets it where the listener has a certificate
    const SmtpValidator *validator = nullptr; // not owned; null accepts everything
};

// A message handed over at the end of DATA or the last BDAT chunk.
struct SmtpMessage
{
    SmtpEnvelope envelope;
    QByteArray data; // as received, after dot-unstuffing
};

// The SMTP server protocol (RFC 5321 and the extensions README "What the SMTP server does" lists) as a pure state
// machine: bytes in, reply bytes and events out. It owns no socket, timer, clock or thread (sans-IO). Which command
// may come when is SmtpSequence's table; every reply text is SmtpReplies'.
class SmtpSession
{
public:
    enum class State {
        Idle, // start() not yet called; what arrives now is only counted (a client that talks first is refused)
        Command,
        AuthResponse, // waiting for an AUTH continuation line
        Data,
        BdatChunk,
        Paused, // a message is being stored, or a TLS handshake runs; input is buffered, not processed
        Delaying, // a reply is held for a rule's delay; input is buffered, not processed
        Closed,
    };

    SmtpSession(const SmtpSessionConfig &config, const ClientAddress &clientAddress, quint16 clientPort);

    // Consults the host hook and queues the greeting (or the 550 that replaces it); a client that sent anything
    // before this gets 554 and the session closes.
    void start();
    // Feeds received bytes. Processes as far as possible; stops at a pause or close. Before start(), bytes are only
    // counted.
    void receive(QByteArrayView bytes);
    // The result of storing the message from the last MessageComplete: ok yields 250, otherwise 451.
    void deliveryFinished(bool ok, const QByteArray &messageId);
    // The owner finished the TLS handshake after a StartTls event (RFC 3207: the session starts over); protocol
    // and cipher are recorded with the messages that follow ("TLSv1.3", "TLS_AES_256_GCM_SHA384").
    void tlsStarted(const QByteArray &protocol = {}, const QByteArray &cipher = {});
    // The connection speaks TLS from its first byte (implicit TLS, RFC 8314 §3.3); call before start().
    void setTlsActive(const QByteArray &protocol, const QByteArray &cipher);
    // The delay of the last Delay event is over: the held reply goes out and input is processed again.
    void delayElapsed();
    // The idle timeout expired: 421 and close.
    void timeout();
    // The server is shutting down: 421 and close; while a message is being stored, right after its reply.
    void shutdown();

    QByteArray takeOutput();
    std::vector<SmtpEvent> takeEvents();
    SmtpMessage takeMessage();

    State state() const { return m_state; }
    bool isClosed() const { return m_state == State::Closed; }
    bool isPaused() const { return m_state == State::Paused; }
    bool isDelaying() const { return m_state == State::Delaying; }
    // Whether the session reads commands (short lines) rather than message data now.
    bool readsCommands() const { return m_state == State::Command || m_state == State::AuthResponse; }
    // A transaction is open: MAIL was accepted and its message not yet handed over or abandoned.
    bool hasTransaction() const { return m_hasSender && m_state != State::Paused; }
    bool enhancedCodes() const { return m_enhanced; }
    const SmtpEnvelope &envelope() const { return m_envelope; }
    // Bytes received but not yet processed (bounded: the owner stops reading while paused).
    qsizetype bufferedBytes() const { return m_in.size() - m_pos; }

    // The final reply to a message stored as messageId as this session sends it, as a transcript entry: the store
    // keeps it with the message before it is sent (deliveryFinished() sends the very same).
    QByteArray queuedReplyTranscript(const QByteArray &messageId) const;

private:
    enum class AuthMechanism { None, Plain, Login, CramMd5 };

    void resume();
    qsizetype consume(const char *p, qsizetype n);
    qsizetype processLine(const char *p, qsizetype n);
    qsizetype processData(const char *p, qsizetype n);
    qsizetype processBdat(const char *p, qsizetype n);
    void handleCommand(const QByteArray &line);
    SmtpSequence::Facts facts(const QByteArray &arg) const;
    void handleHelo(const QByteArray &arg, SmtpCommand command);
    void handleMail(const QByteArray &arg);
    void handleRcpt(const QByteArray &arg);
    void handleData();
    void handleBdat(const QByteArray &arg, std::optional<SmtpReplyId> refusal);
    void handleAuth(const QByteArray &arg);
    void handleAuthResponse(const QByteArray &response);
    void handleStartTls();
    void finishAuth(bool success, const QByteArray &user);
    static const char *mechanismName(AuthMechanism mechanism);
    void startDataReader();
    void finishData();
    void finishBdatChunk();
    void completeMessage();
    // The data hook (a data rule); false when it refused the message (the reply is given).
    bool checkData();
    void resetTransaction();

    void reply(SmtpReplyId id, QByteArrayView argument = {});
    void reply(const SmtpReply &r);
    // Whether r goes out with its enhanced status code.
    bool withEnhanced(const SmtpReply &r) const;
    // Applies a verdict's delay to the next reply and logs the rule that decided.
    void noteVerdict(const SmtpVerdict &verdict);
    // A rule's "disconnect": closes the session at once, without a reply; false for any other verdict.
    bool disconnectFor(const SmtpVerdict &verdict);
    void releaseDelayedReply();
    void logIn(const QByteArray &text);
    void close();

    SmtpSessionConfig m_config;
    State m_state = State::Idle;
    QByteArray m_in;
    qsizetype m_pos = 0;
    QByteArray m_out;
    std::vector<SmtpEvent> m_events;

    // Session
    bool m_hostRejected = false;
    bool m_greeted = false;
    bool m_enhanced = false;
    bool m_awaitingTls = false;
    bool m_shutdownPending = false;
    bool m_discardingLine = false; // a command line over the limit is being skipped up to its LF
    qint64 m_earlyOctets = 0; // received before start(): the client did not wait for the greeting
    SmtpEnvelope m_envelope;

    // Transaction
    bool m_hasSender = false;
    bool m_bdatUsed = false;
    QByteArray m_data;
    qint64 m_dataSize = 0; // octets after unstuffing, counted even when not kept
    bool m_dataTooBig = false;
    SmtpDotUnstuffer m_dataReader; // DATA
    // BDAT reader
    qint64 m_bdatRemaining = 0;
    qint64 m_bdatChunkSize = 0;
    bool m_bdatLast = false;
    bool m_bdatDiscard = false; // the chunk is read and dropped (a sequence error already decided its reply)
    std::optional<SmtpReplyId> m_bdatRefusal; // the chunk ends in this reply (RFC 3030 §2: read, then refused)
    // A rule's delay: the next reply waits (m_delayNextMs), then is held here until delayElapsed().
    int m_delayNextMs = 0;
    int m_dataDelayMs = 0; // a data rule's delay for the final reply after the commit
    QByteArray m_delayedOut;
    QByteArray m_delayedTranscript;
    State m_stateAfterDelay = State::Command;
    bool m_closeAfterDelay = false;
    // AUTH exchange
    AuthMechanism m_authMechanism = AuthMechanism::None;
    int m_authStep = 0;
    QByteArray m_authUser;
    QByteArray m_authChallenge;
};
