#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

class NetConnection;

// Why a listener turns a client away before any protocol runs.
enum class NetRefusal {
    TooManyConnections, // the server's connection limit is reached
    OutOfDescriptors, // the process has no file descriptor left for the connection
};

// The protocol side of one connection (SMTP's SmtpConnection; POP3's and IMAP's likewise): NetConnection reads the
// socket in bounded slices and hands the bytes over; the handler answers through NetConnection. Lives and is called
// on the network thread only; owned by its NetConnection, which outlives it.
class NetHandler
{
public:
    virtual ~NetHandler() = default;

    // The connection is ready (on an implicit-TLS listener: the handshake is done). early is what a client sent
    // before this, read without waiting (empty with implicit TLS): a server that speaks first (SMTP, POP3, IMAP) can
    // tell a client that does not wait for its greeting.
    virtual void start(QByteArrayView early) = 0;
    // How many octets the handler takes now (larger blocks for message data than for command lines); 0 while it
    // reads nothing (a message being stored, a delayed reply, a closing session). The unread rest waits in the
    // socket, so the kernel holds a fast sender back. When this becomes non-zero outside receive(), call
    // NetConnection::readMore().
    virtual qsizetype readSize() const = 0;
    virtual void receive(QByteArrayView bytes) = 0;
    // The handshake NetConnection::startServerTls() began is done; the protocol starts over (RFC 3207 §4.2,
    // RFC 2595 §3.1, RFC 3501 §6.2.1).
    virtual void tlsStarted() { }
    // Whether the idle sweep may time the connection out now (false while the server itself keeps the client
    // waiting: a commit, a delay).
    virtual bool canTimeOut() const = 0;
    // Silent for longer than the idle timeout: say so in the protocol's words and close.
    virtual void timeout() = 0;
    // The server stops: say so (after any answer the client is owed) and close.
    virtual void shutdown() = 0;
    // What was written has mostly gone out (less than half of NetConnection's output limit is left): a handler that
    // sends something large (a POP3 or IMAP message) writes its next piece now.
    virtual void outputDrained() { }
    // The socket is gone; the handler is deleted soon after.
    virtual void disconnected() { }
};

// What a listener serves: makes the handler of each connection it accepts and words its refusals. Called on the
// network thread; must outlive the listeners it was given to.
class NetProtocol
{
public:
    virtual ~NetProtocol() = default;
    virtual std::unique_ptr<NetHandler> createHandler(NetConnection *connection) = 0;
    // What a client the server cannot take reads before the close (RFC 5321 §3.8's 421, POP3's -ERR, IMAP's BYE).
    // Asked before any descriptor runs out, so it may allocate.
    virtual QByteArray refusal(NetRefusal reason) const = 0;
};
