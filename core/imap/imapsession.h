#pragma once

#include "imapcommandreader.h"
#include "imapevent.h"
#include "imapmailboxsnapshot.h"
#include "imapsearchkey.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

class ImapParser;

struct ImapSessionConfig
{
    QByteArray hostname = "localhost";
    bool tlsAvailable = false; // STARTTLS offered (RFC 3501 §6.2.1): the listener has a certificate
    qint64 maxLiteral = 0; // the largest literal a command may carry (the max message size); 0: CommandLimit
};

// The IMAP4rev1 server protocol (RFC 3501; IDLE RFC 2177, SASL-IR RFC 4959, AUTHENTICATE PLAIN RFC 4616, LITERAL+
// RFC 7888, UNSELECT RFC 3691) as a pure state machine: bytes in, response bytes and events out, as Pop3Session. It
// owns no socket, timer, store or thread: what needs the store is a *Requested event that pauses the session until
// the owner answers with the matching *Finished() call. Commands may be pipelined; while paused, input is buffered in
// order. The session keeps the selected mailbox's view (RFC 3501 §2.3.1.2: sequence numbers stay put until the
// client is told of an expunge) and \Deleted, which the store has no flag for.
class ImapSession
{
public:
    enum class State {
        Idle, // start() not yet called
        NotAuthenticated,
        Authenticated,
        Selected,
        Closed,
    };
    // One command's text, its literals' bytes not counted.
    static constexpr qsizetype CommandLimit = 64 * 1024;

    explicit ImapSession(const ImapSessionConfig &config);

    // Queues the greeting.
    void start();
    // The connection speaks TLS from its first byte (implicit TLS, RFC 8314); call before start().
    void setTlsActive() { m_tls = true; }
    void receive(QByteArrayView bytes);

    // The answer to LoginRequested: the login's mailbox (the client's INBOX), or nullopt: refused.
    void loginFinished(const std::optional<QString> &mailbox);
    // The answer to ListRequested: every mailbox name there is (Inbox included).
    void listFinished(const QStringList &mailboxes);
    // The answer to MailboxRequested: the mailbox, or nullopt: there is none of that name (for a Refresh: the
    // selected mailbox is gone, and the session ends with BYE, as it has nothing left to show).
    void mailboxFinished(const std::optional<ImapMailboxSnapshot> &snapshot);
    // Part of the untagged FETCH responses of the last FetchRequested, in order; passed to the output as it is.
    void fetchData(QByteArrayView bytes);
    // The end of the FETCH responses; ok false: some target could not be read (NO).
    void fetchFinished(bool ok);
    void storeFinished(bool ok);
    void expungeFinished(bool ok);
    // The answer to SearchTextRequested: for each query, in order, the IDs that match it.
    void searchTextFinished(const QList<QSet<QByteArray>> &matchingIdsPerQuery);
    // The selected mailbox changed: during IDLE announced at once (RFC 2177); otherwise the refresh before the next
    // command reads the mailbox anew and announces it there (RFC 3501 §7: untagged data only while a command runs).
    void mailboxChanged(const ImapMailboxSnapshot &snapshot);
    // The owner finished the TLS handshake after StartTls.
    void tlsStarted();
    // The autologout timer expired (RFC 3501 §5.4): BYE and close.
    void timeout();
    // The server is shutting down: BYE and close.
    void shutdown();

    QByteArray takeOutput();
    std::vector<ImapEvent> takeEvents();
    State state() const { return m_state; }
    // Waiting for one of the *Finished() calls or tlsStarted().
    bool isPaused() const { return m_waiting != Waiting::None; }
    bool isIdling() const { return !m_idleTag.isEmpty(); }
    bool isClosed() const { return m_state == State::Closed; }
    bool isTls() const { return m_tls; }
    // Bytes received but not yet processed (the owner stops reading while this grows and the session is paused).
    qsizetype bufferedBytes() const { return m_reader.bufferedBytes(); }

private:
    enum class Waiting { None, Login, List, Mailbox, Refresh, Fetch, Store, Expunge, SearchText, Tls };

    void process();
    void handleCommand(const QByteArray &text);
    void run(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void runAnyState(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void runNotAuthenticated(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void runAuthenticated(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void runSelected(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void handleAuthResponse(const QByteArray &line);
    void handlePlain(const QByteArray &tag, const QByteArray &base64);
    void handleIdleLine(const QByteArray &line);
    void handleList(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void handleStatus(const QByteArray &tag, ImapParser &parser);
    void handleSelect(const QByteArray &tag, const QByteArray &name, ImapParser &parser);
    void handleFetch(const QByteArray &tag, bool uid, ImapParser &parser);
    void handleStore(const QByteArray &tag, bool uid, ImapParser &parser);
    void handleSearch(const QByteArray &tag, bool uid, ImapParser &parser);
    void handleExpunge(const QByteArray &tag, bool close);
    void finishSearch(const QList<QSet<QByteArray>> &matches);
    void finishStore();
    // The view's indexes a set names, or nullopt after BAD (a sequence number out of range, RFC 3501 §9).
    std::optional<QList<int>> targets(const QByteArray &tag, const ImapSequenceSet &set, bool uid);
    // The view's index of a UID, or -1 (the view is in UID order).
    qsizetype indexOfUid(quint32 uid) const;
    bool matches(const ImapSearchKey &key, int index, const QList<QSet<QByteArray>> &textMatches) const;
    void collectTextQueries(ImapSearchKey &key);
    // Brings the view up to the snapshot with untagged EXPUNGE (when allowed), FETCH FLAGS and EXISTS. Nothing to
    // do when the snapshot's generation is the one announced last and no EXPUNGE was held back: a client sending
    // thousands of commands (mbsync) costs no comparison of every message per command.
    void announce(const ImapMailboxSnapshot &snapshot, bool allowExpunge);
    QString mailboxName(const QByteArray &clientName) const;
    QByteArray capabilities() const;
    QByteArray flagsResponse(int index, bool withUid) const;
    void tagged(const QByteArray &tag, const QByteArray &status, const QByteArray &text);
    void untagged(const QByteArray &text);
    void bye(const QByteArray &text);
    void pause(Waiting waiting);
    void resume();
    void close();
    void deselect();

    ImapSessionConfig m_config;
    ImapCommandReader m_reader;
    State m_state = State::Idle;
    Waiting m_waiting = Waiting::None;
    bool m_tls = false;
    QByteArray m_out;
    std::vector<ImapEvent> m_events;
    QString m_inbox; // the login's mailbox, the client's INBOX

    // The command waiting for the owner, and the one a Refresh runs once the view is up to date.
    QByteArray m_tag;
    QByteArray m_command; // its name ("UID FETCH")
    QByteArray m_pendingText;
    qsizetype m_pendingPosition = 0;
    QByteArray m_authTag; // AUTHENTICATE PLAIN waiting for the client's response line
    QByteArray m_idleTag;

    // The selected mailbox: the client's view of it.
    QString m_selected;
    bool m_readOnly = false;
    QList<ImapMessageEntry> m_view;
    QSet<quint32> m_deleted; // UIDs with \Deleted
    quint64 m_announcedGeneration = 0; // the generation of the snapshot the view was last brought up to
    bool m_expungeWithheld = false; // a message gone from the store is still in the view (RFC 3501 §7.4.1)
    QSet<quint32> m_gone; // the UIDs of those messages
    bool m_storeGone = false; // the STORE under way named one of them
    bool m_viewHasHeaderTexts = false; // the view's entries came with every header text (a search may use them)

    // LIST/LSUB and STATUS waiting for the owner.
    QByteArray m_listReference;
    QByteArray m_listPattern;
    QByteArray m_statusName;
    QByteArrayList m_statusItems;
    // FETCH waiting for the owner.
    QSet<quint32> m_fetchUids;
    bool m_fetchMarksSeen = false;
    bool m_fetchStarted = false;
    // STORE waiting for the owner: the targets whose flags change, and their new flags.
    struct FlagChange
    {
        quint32 uid = 0;
        bool seen = false;
        bool flagged = false;
        bool deleted = false;
    };
    QList<FlagChange> m_storeChanges;
    bool m_storeSilent = false;
    bool m_storeUid = false;
    // EXPUNGE or CLOSE waiting for the owner.
    QSet<quint32> m_expungeUids;
    // SEARCH waiting for the owner's text matches.
    ImapSearchKey m_searchKey;
    QList<ImapTextQuery> m_searchQueries;
    bool m_searchUid = false;
};
