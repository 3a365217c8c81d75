#pragma once

#include <message/messagesummary.h>
#include <store/listrequest.h>
#include <store/messagesort.h>

#include <QAbstractTableModel>
#include <QSet>
#include <QStringList>

#include <memory>

class MessageStore;
class QTemporaryDir;
class QTimer;

// The inbox: the store's messages matching a query (Mailpit's search syntax; empty for all) in a sort order,
// loaded a page at a time (fetchMore) so that 100,000 stored messages open at once. New messages are inserted at
// the top live, coalesced (at most one insertion per interval), so that a burst never floods the view; removals,
// read flags, tags and pins follow the store's signals.
//
// Nothing here waits for the store: every read is asynchronous (MessageStore's reader threads answer on this
// thread), and an answer to a request that a newer one replaced (a generation counter) is dropped. Right after a
// flood a search covers the messages indexed so far (isComplete() is false) and runs again by itself once the store
// has caught up.
class InboxModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { FromColumn, ToColumn, SubjectColumn, ReceivedColumn, SizeColumn, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1,
        ReadRole,
        HasAttachmentsRole,
        SubjectRole, // the subject, "(no subject)" when empty
        SnippetRole,
        SenderRole, // the From name, else its address, else the envelope sender
        ReceivedRole, // QDateTime (local)
        TagsRole, // QStringList, in Mailpit's order
        PinnedRole, // bool
        // The mailbox a row lives in, when the list shows every mailbox and it is not Inbox ("" otherwise): copies of
        // one message in several mailboxes are then told apart.
        MailboxLabelRole,
    };
    static constexpr int PageSize = 200;

    explicit InboxModel(MessageStore *store, QObject *parent = nullptr);
    ~InboxModel() override;

    // Texts as wide as the widest a column shows in this locale (every format of it), to size the column by.
    // Empty for the columns of free text.
    static QStringList widestTexts(Column column);

    // Reloads from the first page: the rows listed so far stay until the store answers (loaded()). When the query
    // cannot run the list is emptied and queryFailed() says why. A query without terms (a lone quote while a phrase
    // is being typed) lists every message, as an empty one does.
    void setQuery(const QString &query);
    QString query() const;
    // Lists only this mailbox's messages (CONTRACT "Mailboxes", names without regard to case), the query searching
    // within it; "" lists every mailbox's. Reloads from the first page as setQuery() does.
    void setMailbox(const QString &mailbox);
    QString mailbox() const;
    // listedQuery() limited to the mailbox as one search (the term mailbox:NAME), for whatever runs the same search
    // elsewhere (an export of every message listed).
    QString scopedQuery() const;
    // What the store is asked: the query, or "" for one without terms (a lone quote lists every message).
    QString listedQuery() const;
    // Why the last query could not run; "" when it ran.
    QString errorString() const;
    // A reload (construction, setQuery(), sort(), the index catching up) waits for the store.
    bool isLoading() const;
    MessageSort sortOrder() const;
    // Every message matching the query, loaded or not.
    qint64 matchCount() const;
    // False while the list may miss messages the store has not indexed yet; unindexedCount() says how many.
    bool isComplete() const;
    qint64 unindexedCount() const;
    // How long arrivals are gathered before they are inserted (default 150 ms).
    void setCoalesceInterval(int milliseconds);
    // Loads the list again from the first page, keeping query, mailbox and order: for a store that cannot say
    // what changed (an attached catcher after a lost connection or a retention pass it names no IDs for).
    void refresh();
    // Looks up the arrivals gathered so far now instead of after the interval (on a worker thread, as always).
    void flushArrivals();

    QString idAt(int row) const;
    int rowOf(const QString &id) const;
    MessageSummary summaryAt(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    void sort(int column, Qt::SortOrder order) override;
    // Dragging messages out gives .eml files (text/uri-list of temporary copies).
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;

Q_SIGNALS:
    // Rows inserted at the top by live arrivals (their IDs, newest first).
    void messagesArrived(const QStringList &ids);
    void matchCountChanged(qint64 count);
    // isComplete() or unindexedCount() changed.
    void completenessChanged();
    // A reload's rows are in (after the model's reset).
    void loaded();
    // The query could not run (errorString()).
    void queryFailed(const QString &error);

private:
    void reload();
    void applyReload(const ListReply &reply);
    void appendPage(const ListReply &reply);
    ListRequest request(qint64 start, qint64 limit) const;
    void setUnindexed(qint64 unindexed);
    void onIndexingCaughtUp();
    void onStored(const MessageSummary &summary);
    void lookUpArrivals();
    void insertArrivals(const QSet<QString> &arrived, const QList<MessageSummary> &newest);
    void onRemoved(const QStringList &ids);
    void onCleared();
    void onReadChanged(const QStringList &ids, bool read);
    void onTagsChanged(const QStringList &ids);
    void applyTags(const QList<MessageSummary> &changed);
    void onPinnedChanged(const QStringList &ids, bool pinned);
    // Rows first..last changed in every column.
    void rowsChanged(int first, int last);
    int insertPosition(const MessageSummary &summary) const;
    bool lessThan(const MessageSummary &a, const MessageSummary &b) const;

    MessageStore *m_store;
    QString m_query;
    QString m_mailbox; // "" for every mailbox
    QString m_error;
    MessageSort m_sort;
    QList<MessageSummary> m_rows;
    QSet<QString> m_loaded;
    qint64 m_matches = 0;
    qint64 m_unindexed = 0; // of the last reload: what it may have missed
    bool m_lookingUp = false;
    bool m_loading = false; // a reload waits for the store
    bool m_fetching = false; // a page of fetchMore() does
    quint64 m_generation = 0; // bumped by every reload: answers to older requests are stale
    bool m_changing = false; // rows and counts disagree inside our own change: fetchMore() waits
    QStringList m_arrivals; // stored, not yet inserted, oldest first
    qint64 m_oldestArrivalMs = 0;
    QTimer *m_arrivalTimer;
    mutable std::unique_ptr<QTemporaryDir> m_dragDir;
};
