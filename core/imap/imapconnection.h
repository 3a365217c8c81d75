#pragma once

#include "../net/netprotocol.h"
#include "../store/mailboxindex.h"
#include "imapserverconfig.h"
#include "imapsession.h"

#include <QByteArrayList>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class ImapWorker;
class MessageStore;
class NetConnection;

// One IMAP client on the network thread: its ImapSession, answered from the store through its asynchronous calls
// (answered on this thread). The selected mailbox is read again only after the store changed (ImapWorker tells),
// so a client sending many commands costs one read per change, not one per command; while the client idles, a
// change is read and announced at once, and changes that come during a read are taken by one more read.
// A FETCH of sources reads one message at a time, each when the client has taken most of the previous one.
class ImapConnection : public NetHandler
{
public:
    ImapConnection(NetConnection *connection, const ImapServerConfig &config, MessageStore *store, ImapWorker *worker);

    void start(QByteArrayView early) override;
    qsizetype readSize() const override;
    void receive(QByteArrayView bytes) override;
    void tlsStarted() override;
    bool canTimeOut() const override;
    void timeout() override;
    void shutdown() override;
    void outputDrained() override;

private:
    void drain();
    void handle(const ImapEvent &event);
    // Reads more input once the session takes it again (after an answer from the store).
    void resume();
    void login(const QByteArray &user, const QByteArray &password);
    void finishLogin(const std::optional<QString> &mailbox);
    // Every mailbox name a client may see: Inbox, the configured ones, then the store's.
    void knownMailboxes(std::function<void(const QStringList &)> done);
    void openMailbox(const ImapEvents::MailboxRequested &request);
    // Whether the store committed anything since m_cache was read.
    bool isStale() const;
    void storeChanged();
    void readSelected(MailboxIndex::Texts texts);
    void fetch(const ImapEvents::FetchRequested &request);
    void fetchNext();
    void prefetch();
    void searchText(const ImapEvents::SearchTextRequested &request);
    void store(const ImapEvents::StoreRequested &request);

    NetConnection *m_connection;
    // The context of the store's answers and of the worker's signal: dropped when the handler goes.
    QObject m_context;
    ImapServerConfig m_config;
    MessageStore *m_store;
    ImapSession m_session;
    QString m_selected; // the selected mailbox's store name ("" when none)
    std::optional<ImapMailboxSnapshot> m_cache; // the selected mailbox as last read
    bool m_idling = false;
    bool m_reading = false; // a read of the selected mailbox is under way
    MailboxIndex::Texts m_cacheTexts = MailboxIndex::Texts::AsStored; // what m_cache has of the header texts
    bool m_refreshWaiting = false; // the session waits for a refresh (answered when the read is back)
    MailboxIndex::Texts m_refreshTexts = MailboxIndex::Texts::AsStored; // what that refresh needs
    QElapsedTimer m_lastRead; // since the last read of the selected mailbox began
    bool m_idleReadScheduled = false; // a read for the client in IDLE waits for its turn
    int m_refreshReads = 0; // reads made again for the waiting refresh
    // The FETCH being answered.
    std::optional<ImapEvents::FetchRequested> m_fetch;
    enum class SourceNeed { None, Header, Whole };
    SourceNeed m_sourceNeed = SourceNeed::None; // what of each target's source its items need
    qsizetype m_fetchNext = 0; // the next target to render
    QList<std::optional<QByteArray>> m_prefetched; // the sources of the targets after it, read together
    QByteArray m_source; // its source, while its response goes out
    QList<QByteArray> m_pieces; // what of its response is still to go out (literals: slices of m_source)
    qsizetype m_piecePos = 0;
    bool m_fetchOk = true;
    bool m_fetching = false; // inside fetchNext()
    int m_writesPending = 0; // read marks or other writes the FETCH waits for
};
