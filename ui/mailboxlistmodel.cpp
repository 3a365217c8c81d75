#include "mailboxlistmodel.h"

#include <mailbox/mailboxsettings.h>
#include <message/mailboxname.h>
#include <store/messagestore.h>

#include <QFont>
#include <QLocale>
#include <QTimer>

MailboxListModel::MailboxListModel(MessageStore *store, MailboxSettings *settings, QObject *parent)
    : QAbstractTableModel(parent), m_store(store), m_settings(settings), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(250);
    connect(m_timer, &QTimer::timeout, this, &MailboxListModel::refresh);
    // Every change of a count or of the mailboxes: a delivery, a removal, a read flag, a mailbox made.
    connect(store, &MessageStore::messageStored, this, &MailboxListModel::scheduleRefresh);
    connect(store, &MessageStore::messagesRemoved, this, &MailboxListModel::scheduleRefresh);
    connect(store, &MessageStore::messagesPruned, this, &MailboxListModel::scheduleRefresh);
    connect(store, &MessageStore::messagesCleared, this, &MailboxListModel::scheduleRefresh);
    connect(store, &MessageStore::readChanged, this, &MailboxListModel::scheduleRefresh);
    connect(store, &MessageStore::mailboxesChanged, this, &MailboxListModel::scheduleRefresh);
    if (settings) {
        // Emitted on the thread that replaced it (the API's): queued to this one.
        connect(settings, &MailboxSettings::changed, this, &MailboxListModel::scheduleRefresh, Qt::QueuedConnection);
    }
    refresh();
}

MailboxListModel::~MailboxListModel() = default;

void MailboxListModel::setRefreshInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void MailboxListModel::scheduleRefresh()
{
    if (m_reading) {
        m_dirty = true;
        return;
    }
    // Not restarted by later changes: a steady flood still shows new counts every interval.
    if (!m_timer->isActive()) {
        m_timer->start();
    }
}

bool MailboxListModel::isLoaded() const
{
    return m_loaded;
}

void MailboxListModel::refresh()
{
    m_timer->stop();
    m_reading = true;
    m_dirty = false;
    m_store->mailboxes(this, [this](const QList<MailboxCount> &stored) {
        m_reading = false;
        apply(stored);
        if (m_dirty) {
            m_dirty = false;
            scheduleRefresh();
        }
    });
}

void MailboxListModel::apply(const QList<MailboxCount> &stored)
{
    // Inbox first, then the configured mailboxes in the file's order, then the rest in the store's order (made).
    QList<MailboxCount> rows;
    const auto add = [&rows](const QString &name) {
        for (const MailboxCount &row : std::as_const(rows)) {
            if (MailboxName::same(row.name, name)) {
                return;
            }
        }
        rows << MailboxCount { name, 0, 0 };
    };
    add(MailboxName::inbox());
    if (m_settings) {
        for (const MailboxDefinition &definition : m_settings->config().mailboxes) {
            add(definition.name);
        }
    }
    for (const MailboxCount &count : stored) {
        add(count.name);
    }
    for (MailboxCount &row : rows) {
        for (const MailboxCount &count : stored) {
            if (MailboxName::same(row.name, count.name)) {
                row.total = count.total;
                row.unread = count.unread;
                break;
            }
        }
    }
    m_loaded = true;
    if (rows == m_rows) {
        Q_EMIT refreshed();
        return;
    }
    bool sameNames = rows.size() >= m_rows.size();
    for (qsizetype i = 0; sameNames && i < m_rows.size(); ++i) {
        sameNames = rows.at(i).name == m_rows.at(i).name;
    }
    if (!sameNames) {
        // The configuration changed (renamed, reordered, removed): the view's selection is the window's to restore.
        beginResetModel();
        m_rows = rows;
        endResetModel();
        Q_EMIT refreshed();
        return;
    }
    // Mailboxes made since are appended (the selection stays); counts change in place.
    const qsizetype before = m_rows.size();
    for (qsizetype i = 0; i < before; ++i) {
        m_rows[i] = rows.at(i);
    }
    // All mail's counts are the sum: its row changes with every other.
    Q_EMIT dataChanged(index(0, 0), index(int(before), ColumnCount - 1));
    if (rows.size() > before) {
        beginInsertRows(QModelIndex(), int(before) + 1, int(rows.size()));
        m_rows = rows;
        endInsertRows();
    }
    Q_EMIT refreshed();
}

QList<MailboxCount> MailboxListModel::mailboxes() const
{
    return m_rows;
}

int MailboxListModel::rowOf(const QString &mailbox) const
{
    if (mailbox.isEmpty()) {
        return 0;
    }
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (MailboxName::same(m_rows.at(i).name, mailbox)) {
            return int(i) + 1;
        }
    }
    return -1;
}

QString MailboxListModel::mailboxAt(int row) const
{
    return row >= 1 && row <= m_rows.size() ? m_rows.at(row - 1).name : QString();
}

int MailboxListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size()) + 1;
}

int MailboxListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MailboxListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const bool all = index.row() == 0;
    MailboxCount count;
    if (all) {
        for (const MailboxCount &row : m_rows) {
            count.total += row.total;
            count.unread += row.unread;
        }
    } else {
        count = m_rows.at(index.row() - 1);
    }
    const QString name = all ? tr("All mail") : count.name;
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn) {
            return name;
        }
        return count.unread > 0 ? QLocale().toString(count.unread) : QString();
    case Qt::FontRole:
        if (count.unread > 0) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == UnreadColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case Qt::ToolTipRole:
    case Qt::AccessibleTextRole:
        return tr("%1: %2 unread of %3").arg(name, QLocale().toString(count.unread), QLocale().toString(count.total));
    case MailboxRole:
        return all ? QString() : count.name;
    case UnreadRole:
        return count.unread;
    case TotalRole:
        return count.total;
    default:
        return {};
    }
}
