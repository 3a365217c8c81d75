#pragma once

#include "../message/clientaddress.h"
#include "netlistenoptions.h"
#include "readpacer.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

#include <memory>

class NetHandler;
class NetWorker;
class QTcpSocket;
class QTimer;

// One accepted client on the network thread: its socket (born on this thread from the listener's descriptor), the
// protocol's NetHandler, and what every protocol needs around them. Reads are bounded (a slice of the thread's time,
// the handler's block size, and none while the replies waiting to go out pass a limit); output is sent at once; the
// connection can start TLS when its listener has a certificate.
class NetConnection : public QObject
{
    Q_OBJECT
public:
    NetConnection(quint64 id, QTcpSocket *socket, const NetListenOptions &listener, NetWorker *worker);
    ~NetConnection() override;

    quint64 id() const { return m_id; }
    QHostAddress peerAddress() const { return m_peerAddress; }
    quint16 peerPort() const { return m_peerPort; }
    // The peer as the protocol layer takes it (Qt Core only).
    ClientAddress clientAddress() const { return m_clientAddress; }
    // The listener that accepted the client, as configured (NetListenOptions::name).
    QString listenerName() const { return m_listenerName; }

    // Queues bytes for the client and sends what the socket takes now.
    void write(const QByteArray &bytes);
    // Bytes written and not yet taken by the socket; NetHandler::outputDrained() says when they fell below half the
    // output limit.
    qint64 pendingOutput() const;
    static constexpr qint64 OutputLimit = 1024 * 1024;
    // Sends what is queued, then closes. Nothing more is read.
    void close();
    // The handler takes input again (its readSize() became non-zero outside receive()).
    void readMore();
    // Reads the client's input at most this many bytes a second from now on (a host rule's bytesPerSecond, CONTRACT
    // "Failure scenarios (rules)"); 0: as fast as it comes. While paced, the socket buffers little, so the kernel's
    // flow control holds the client back; a timer, never a wait, resumes reading when the budget refills.
    void setReadRate(qint64 bytesPerSecond);
    // Counts as activity for the idle sweep (a timer of the handler fired, a result it waited for arrived).
    void touch();

    // Whether startServerTls() can work: the listener has a certificate and TLS is not running yet.
    bool canStartTls() const;
    bool isEncrypted() const;
    // The listener's kind of TLS.
    NetListenOptions::Tls tlsMode() const { return m_tls; }
    // Once encrypted: the TLS version ("TLSv1.3") and the cipher suite as OpenSSL names it
    // ("TLS_AES_256_GCM_SHA384"); empty otherwise.
    QString tlsProtocol() const;
    QString tlsCipher() const;
    // Starts the server side of the TLS handshake, after the protocol's go-ahead was written. Input that came after
    // the command is dropped unread (RFC 3207 §4.2, CVE-2011-0411). NetHandler::tlsStarted() follows, or the
    // connection closes if the handshake fails. False when canStartTls() is.
    bool startServerTls();

    // Network-thread plumbing (NetWorker).
    void setHandler(std::unique_ptr<NetHandler> handler);
    void start();
    bool isIdleSince(qint64 now, qint64 timeoutMs) const;
    void timeout();
    void shutdown();

private:
    void connectSocket();
    // The listener's certificate, made now if the listener makes it on demand.
    bool ensureSslConfiguration();
    void readFromSocket();
    // The socket's read buffer for the current pacing.
    qint64 readBufferSize() const;
    // Paced and out of budget with input waiting: read again when the bucket has refilled.
    void schedulePacedRead();
    void handshakeDone();
    void finish();

    quint64 m_id;
    QTcpSocket *m_socket;
    NetWorker *m_worker;
    std::unique_ptr<NetHandler> m_handler;
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    ClientAddress m_clientAddress;
    QString m_listenerName;
    NetListenOptions::Tls m_tls = NetListenOptions::Tls::None;
    std::optional<QSslConfiguration> m_sslConfiguration;
    std::function<std::optional<QSslConfiguration>()> m_sslConfigurationSource;
    qint64 m_lastActivity = 0;
    ReadPacer m_pacer;
    QTimer *m_pacedRead = nullptr; // made when first needed: unpaced connections have none
    bool m_started = false; // the handler's start() ran
    bool m_handshaking = false;
    bool m_closing = false;
    bool m_readScheduled = false; // a read slice is queued (the previous one used up its time)
    bool m_reading = false; // inside readFromSocket()'s loop
    bool m_finished = false;
};
