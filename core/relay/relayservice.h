#pragma once

#include "../client/smtpoutgoing.h"
#include "relayattempt.h"
#include "relayconfig.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>

class MessageStore;

// Relays caught mail to a real SMTP server (CONTRACT "Relay, auto-relay and the SMTP client", "Release",
// "Auto-relay (details)"): release on request, auto-relay after a message is stored (never delaying its 250), retries
// of temporary failures at 1, 5 and 15 minutes kept in the store so that they survive a restart, and each message's
// relay log. The sending runs on a thread of its own (RelayWorker); every call here returns at once and may come from
// any thread. Owned by CatcherService (CatcherService::relay()); docs/architecture.md "Relay" says why a relay
// interrupted by a crash is not sent again.
class RelayService : public QObject
{
    Q_OBJECT
public:
    // store must outlive the service.
    explicit RelayService(MessageStore *store, QObject *parent = nullptr);
    ~RelayService() override;

    // Thread-safe; the desktop app's Settings and the command line call it. Applies to the next attempt.
    void setConfig(const RelayConfig &config);
    RelayConfig config() const;

    // Auto-relay (CONTRACT "Auto-relay (details)"): a message that came over SMTP is stored and its 250 is on its way;
    // relayed, when configured, to its chosen recipients. CatcherService calls it from its SMTP server's
    // messageDelivered; imported messages and those made through the API are not auto-relayed (nobody sent them to
    // Letterbox over SMTP, and an imported mailbox must not go out to its recipients). From any thread.
    void messageReceived(const QString &messageId);

    // Takes up the pending auto-relays kept in the store (one found in flight is logged as interrupted, not sent)
    // and starts auto-relaying newly stored messages. Once; later calls do nothing.
    void start();

    // Release (CONTRACT "Release"): the stored source unchanged, MAIL FROM = the envelope sender, RCPT TO = to.
    // done(ok, text) runs in context's thread (not at all when context is destroyed first): ok with the relay's
    // reply, or the relay's reply / connection error / "no relay configured". The attempt goes to the relay log.
    // A null context runs done on the relay's own thread (for a thread that waits for it, such as the API's).
    void release(const QString &messageId, const QStringList &to, QObject *context,
        std::function<void(bool ok, const QString &text)> done);
    // Sends an arbitrary message through the configured relay (the composer's "Send via relay"); same done() rule;
    // no relay log (the message is not a stored one).
    void send(const SmtpOutgoing &outgoing, QObject *context, std::function<void(bool ok, const QString &text)> done);
    // The relay log of a message, oldest first (release attempts included), read off the caller's thread; done runs
    // in context's thread.
    void relayLog(const QString &messageId, QObject *context, std::function<void(const QList<RelayAttempt> &)> done);

    // Tests only (the command line has no option for them): the waits before each retry after a temporary failure
    // (default 1, 5 and 15 minutes; past the last, auto-relay gives up), and the clock of due times and the log.
    // Before start().
    void setRetrySchedule(const QList<std::chrono::milliseconds> &schedule);
    void setClock(std::function<QDateTime()> clock);

Q_SIGNALS:
    // An attempt was recorded in the message's relay log (auto-relay, retry or release). Emitted on the relay's
    // thread.
    void relayLogChanged(const QString &messageId);

private:
    struct Private;
    std::unique_ptr<Private> d;
};
