#pragma once

#include "smtpclientoptions.h"
#include "smtpoutgoing.h"
#include "smtpsendresult.h"

#include <QObject>

#include <memory>

// Sends mail to an SMTP server, tcllib smtp::sendmessage's way: servers tried in turn, STARTTLS by policy or TLS
// from the start, AUTH, one transaction then QUIT. Asynchronous; lives in the thread that creates it and owns its
// socket. The protocol itself is SmtpClientSession (pure); this class only moves its bytes and keeps the timers.
class SmtpClient : public QObject
{
    Q_OBJECT
public:
    explicit SmtpClient(const SmtpClientOptions &options, QObject *parent = nullptr);
    ~SmtpClient() override;

    // Sends one message (one transaction, then QUIT). One send at a time; finished() comes exactly once per send,
    // always asynchronously (never from inside send()).
    void send(const SmtpOutgoing &outgoing);
    // finished() with errorString "aborted" if a send runs.
    void abort();

Q_SIGNALS:
    void progressed(const QString &step); // "Connecting to host:port", "STARTTLS", "MAIL FROM", …
    void finished(const SmtpSendResult &result);
    // After finished(): the connection of that send is closed, its QUIT written (RFC 5321 §4.1.1.10), or it was
    // given up after a short while; at once when there was none. Only while the client lives: a process that
    // exits after one send (sendmail mode) waits for it. The connection closes by itself when the client is
    // deleted, from the finished() slot too.
    void connectionClosed();

private:
    class Private;
    std::unique_ptr<Private> d;
};
