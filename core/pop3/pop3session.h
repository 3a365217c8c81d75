#pragma once

#include "pop3event.h"
#include "pop3maildropentry.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <vector>

struct Pop3SessionConfig
{
    QByteArray hostname = "localhost";
    bool tlsAvailable = false; // STLS offered (RFC 2595): the listener has a certificate
};

// The POP3 server protocol (RFC 1939, CAPA and response codes RFC 2449 and RFC 3206, STLS RFC 2595, AUTH PLAIN
// RFC 5034) as a pure state machine: bytes in, reply bytes and events out. It owns no socket, timer, store or thread
// (sans-IO, like SmtpSession): the owner checks credentials and reads the maildrop on LoginRequested, feeds message
// sources on RetrieveRequested and deletes on Update. Commands may be pipelined (RFC 2449 §6.6); while the owner is
// asked for something the session is paused and input is buffered, in order.
class Pop3Session
{
public:
    enum class State {
        Idle, // start() not yet called
        Authorization,
        Transaction,
        Paused, // waiting for loginFinished(), messageDataFinished(), tlsStarted() or updateFinished()
        Closed,
    };
    // Command lines: 255 octets including CRLF (RFC 2449 §4); AUTH lines may be longer (RFC 5034 §4), as SMTP's.
    static constexpr qsizetype CommandLineLimit = 255;
    static constexpr qsizetype AuthLineLimit = 12288;

    explicit Pop3Session(const Pop3SessionConfig &config);

    // Queues the greeting.
    void start();
    void receive(QByteArrayView bytes);
    // The answer to LoginRequested: the maildrop as of now (oldest first), or a refusal.
    void loginFinished(bool ok, const QList<Pop3MaildropEntry> &maildrop = {});
    // Part of the source of the message of the last RetrieveRequested, in order; the session byte-stuffs it
    // (RFC 1939 §3), makes its line ends CRLF and, for TOP, stops after the header and the asked body lines.
    void messageData(QByteArrayView bytes);
    // Whether messageData() still uses what it is fed (false once TOP has its lines: the owner may stop reading).
    bool wantsMessageData() const { return m_retrieving && !m_retrieveDone; }
    // The end of the source; ok false: it could not be read (before any data: -ERR; after some: the connection
    // closes, as the reply cannot be taken back).
    void messageDataFinished(bool ok);
    // The owner finished the TLS handshake after StartTls: the session starts over in AUTHORIZATION.
    void tlsStarted();
    // The connection speaks TLS from its first byte (implicit TLS, RFC 8314); call before start().
    void setTlsActive() { m_tls = true; }
    // The answer to Update: the deletions were made (or not: -ERR [SYS/TEMP], RFC 3206 §4).
    void updateFinished(bool ok);
    // The autologout timer expired (RFC 1939 §3): the session closes without entering UPDATE.
    void timeout();
    // The server is shutting down: -ERR and close, without entering UPDATE.
    void shutdown();

    QByteArray takeOutput();
    std::vector<Pop3Event> takeEvents();
    State state() const { return m_state; }
    bool isClosed() const { return m_state == State::Closed; }
    bool isTls() const { return m_tls; }
    // Bytes received but not yet processed (the owner stops reading while this grows and the session is paused).
    qsizetype bufferedBytes() const { return m_in.size() - m_pos; }

private:
    enum class Waiting { None, Login, Retrieve, Tls, Update };
    enum class Auth { None, PlainResponse };

    void process();
    void handleLine(const QByteArray &line);
    void handleAuthorization(const QByteArray &command, const QByteArray &arg);
    void handleTransaction(const QByteArray &command, const QByteArray &arg);
    void handleAuthResponse(const QByteArray &line);
    void handlePlain(const QByteArray &base64);
    void handleCapa();
    void handleList(const QByteArray &arg, bool uidl);
    void handleRetrieve(const QByteArray &arg, bool top);
    void handleQuit();
    // The message a client names (RFC 1939: a decimal number, not deleted), or -1 after an -ERR.
    int messageIndex(const QByteArray &arg);
    void ok(const QByteArray &text);
    void err(const QByteArray &text);
    void listing(const QByteArrayList &lines);
    void pause(Waiting waiting);
    void resume();
    void close();
    int liveCount() const;
    qint64 liveSize() const;

    Pop3SessionConfig m_config;
    State m_state = State::Idle;
    State m_resumeState = State::Authorization;
    Waiting m_waiting = Waiting::None;
    Auth m_auth = Auth::None;
    bool m_tls = false;
    QByteArray m_user;
    QList<Pop3MaildropEntry> m_maildrop;
    QList<bool> m_deleted;
    QByteArray m_in;
    qsizetype m_pos = 0;
    bool m_discardingLine = false; // the rest of an over-long line is skipped up to its CRLF
    QByteArray m_out;
    std::vector<Pop3Event> m_events;
    // The message being sent (RETR/TOP).
    bool m_retrieving = false;
    bool m_retrieveDone = false;
    bool m_retrieveStarted = false; // its +OK is out
    qint64 m_retrieveSize = 0;
    int m_bodyLines = -1;
    bool m_inHeader = true;
    bool m_atLineStart = true;
    bool m_lastWasCr = false;
    bool m_lineEmpty = true; // the current line has no character yet (the header ends at an empty line)
};
