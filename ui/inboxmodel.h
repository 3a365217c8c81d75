#pragma once

#include <message/messagesummary.h>
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
// the top live, coalesced (at most one insertion per interval), so that a burst never floods the view; removals
// and read flags follow the store's signals.
//
// The model reads on the GUI thread, so it never waits for the store's writer: right after a flood a search covers
// the messages indexed so far (isComplete() is false) and runs again by itself once the store has caught up.
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
    };
    static constexpr int PageSize = 200;

    explicit InboxModel(MessageStore *store, QObject *parent = nullptr);
    ~InboxModel() override;

    // Texts as wide as the widest a column shows in this locale (every format of it), to size the column by.
    // Empty for the columns of free text.
    static QStringList widestTexts(Column column);

    // Reloads from the first page. Returns false (and keeps an empty list) when the query cannot run. A query
    // without terms (a lone quote while a phrase is being typed) lists every message, as an empty one does.
    bool setQuery(const QString &query);
    QString query() const;
    // What the store is asked: the query, or "" for one without terms (a lone quote lists every message).
    QString listedQuery() const;
    QString errorString() const;
    MessageSort sortOrder() const;
    // Every message matching the query, loaded or not.
    qint64 matchCount() const;
    // False while the list may miss messages the store has not indexed yet; unindexedCount() says how many.
    bool isComplete() const;
    qint64 unindexedCount() const;
    // How long arrivals are gathered before they are inserted (default 150 ms).
    void setCoalesceInterval(int milliseconds);
    // Inserts the arrivals gathered so far now, reading them on this thread (the live path reads them on a
    // worker thread).
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

private:
    void reload();
    void setUnindexed(qint64 unindexed);
    void onIndexingCaughtUp();
    void onStored(const MessageSummary &summary);
    void lookUpArrivals();
    void insertArrivals(const QSet<QString> &arrived, const QList<MessageSummary> &newest);
    void onRemoved(const QStringList &ids);
    void onCleared();
    void onReadChanged(const QStringList &ids, bool read);
    int insertPosition(const MessageSummary &summary) const;
    bool lessThan(const MessageSummary &a, const MessageSummary &b) const;

    MessageStore *m_store;
    QString m_query;
    QString m_error;
    MessageSort m_sort;
    QList<MessageSummary> m_rows;
    QSet<QString> m_loaded;
    qint64 m_matches = 0;
    qint64 m_unindexed = 0; // of the last reload: what it may have missed
    bool m_lookingUp = false;
    quint64 m_generation = 0; // bumped by every reload
    bool m_changing = false; // inside our own insert/remove/reset: fetchMore() waits
    QStringList m_arrivals; // stored, not yet inserted, oldest first
    qint64 m_oldestArrivalMs = 0;
    QTimer *m_arrivalTimer;
    mutable std::unique_ptr<QTemporaryDir> m_dragDir;
};
