#pragma once

#include <store/mailboxcount.h>

#include <QAbstractTableModel>
#include <QList>

class MailboxSettings;
class MessageStore;
class QTimer;

// The mailbox sidebar (CONTRACT "Mailboxes"): "All mail", then Inbox, then each configured mailbox in the file's
// order (shown while still empty), then the mailboxes only the store knows (per-user ones, or ones a former
// configuration routed to) in the order they were made; each with its unread count.
//
// Live without ever waiting for the store: the store's signals only schedule a refresh, refreshes are coalesced (at
// most one read under way, at most one every interval), and the counts come from the store's asynchronous
// mailboxes() on a reader thread. A burst of thousands of deliveries costs a handful of reads.
class MailboxListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, UnreadColumn, ColumnCount };
    enum Role {
        MailboxRole = Qt::UserRole + 1, // the mailbox's name; "" for All mail
        UnreadRole,
        TotalRole,
    };

    // settings: the configuration in use (its mailboxes are listed even before their first message); may be null.
    explicit MailboxListModel(MessageStore *store, MailboxSettings *settings = nullptr, QObject *parent = nullptr);
    ~MailboxListModel() override;

    // How long changes are gathered before the counts are read again (default 250 ms).
    void setRefreshInterval(int milliseconds);
    // Schedules a refresh (the store's and the settings' signals do).
    void scheduleRefresh();
    // False until the first read answered.
    bool isLoaded() const;

    // The listed mailboxes, All mail not included, in the order shown.
    QList<MailboxCount> mailboxes() const;
    // The row of a mailbox (without regard to case); 0 (All mail) for ""; -1 when not listed.
    int rowOf(const QString &mailbox) const;
    QString mailboxAt(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // A read's counts are in (the rows may or may not have changed).
    void refreshed();

private:
    void refresh();
    void apply(const QList<MailboxCount> &stored);

    MessageStore *m_store;
    MailboxSettings *m_settings;
    QList<MailboxCount> m_rows; // without All mail
    QTimer *m_timer;
    bool m_reading = false;
    bool m_dirty = false; // something changed while a read was under way
    bool m_loaded = false;
};
