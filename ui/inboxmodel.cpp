#include "inboxmodel.h"

#include "icons.h"
#include "messagedragdata.h"
#include "plural.h"

#include <message/mailboxname.h>
#include <store/messagestore.h>
#include <store/searchquery.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFont>
#include <QHash>
#include <QLocale>
#include <QMimeData>
#include <QPointer>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>

namespace {
QString senderOf(const MessageSummary &s)
{
    if (!s.fromList.isEmpty()) {
        const MailAddress &a = s.fromList.first();
        return a.name.isEmpty() ? a.address : a.name;
    }
    return s.mailFrom.isEmpty() ? QStringLiteral("<>") : s.mailFrom;
}

QString recipients(const MessageSummary &s)
{
    QStringList names;
    for (const MailAddressList *list : { &s.toList, &s.ccList }) {
        for (const MailAddress &a : *list) {
            names << (a.name.isEmpty() ? a.address : a.name);
        }
    }
    return names.join(QStringLiteral(", "));
}

QString subject(const MessageSummary &s)
{
    return s.subject.isEmpty() ? InboxModel::tr("(no subject)") : s.subject;
}

enum class Age { Today, ThisYear, Older };

QString receivedText(const QDateTime &time, Age age)
{
    const QLocale locale;
    switch (age) {
    case Age::Today:
        return locale.toString(time.time(), QLocale::ShortFormat);
    case Age::ThisYear:
        return locale.toString(time, QStringLiteral("d MMM ")) + locale.toString(time.time(), QLocale::ShortFormat);
    case Age::Older:
        break;
    }
    return locale.toString(time.date(), QLocale::ShortFormat);
}

QString receivedText(qint64 ms)
{
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    const QDate today = QDate::currentDate();
    const Age age = time.date() == today ? Age::Today : time.date().year() == today.year() ? Age::ThisYear : Age::Older;
    return receivedText(time, age);
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}
} // namespace

InboxModel::InboxModel(MessageStore *store, QObject *parent)
    : QAbstractTableModel(parent), m_store(store), m_arrivalTimer(new QTimer(this))
{
    m_arrivalTimer->setSingleShot(true);
    m_arrivalTimer->setInterval(150);
    connect(m_arrivalTimer, &QTimer::timeout, this, &InboxModel::lookUpArrivals);
    connect(store, &MessageStore::messageStored, this, &InboxModel::onStored);
    connect(store, &MessageStore::messagesRemoved, this, &InboxModel::onRemoved);
    connect(store, &MessageStore::messagesPruned, this, &InboxModel::onRemoved);
    connect(store, &MessageStore::messagesCleared, this, &InboxModel::onCleared);
    connect(store, &MessageStore::readChanged, this, &InboxModel::onReadChanged);
    connect(store, &MessageStore::tagsChanged, this, &InboxModel::onTagsChanged);
    connect(store, &MessageStore::pinnedChanged, this, &InboxModel::onPinnedChanged);
    // Emitted on the store's writer thread: queued to this one.
    connect(store, &MessageStore::indexingCaughtUp, this, &InboxModel::onIndexingCaughtUp, Qt::QueuedConnection);
    reload();
}

InboxModel::~InboxModel() = default;

QStringList InboxModel::widestTexts(Column column)
{
    QStringList texts;
    switch (column) {
    case ReceivedColumn:
        // Two-digit days and hours, every month's abbreviation, each age's format.
        for (int month = 1; month <= 12; ++month) {
            const QDateTime time(QDate(2025, month, 28), QTime(23, 58));
            for (Age age : { Age::Today, Age::ThisYear, Age::Older }) {
                texts << receivedText(time, age);
            }
        }
        break;
    case SizeColumn:
        // Just below each unit's next step: "1023 bytes", "1,024.0 KB", … up to the 2 GB a message may have.
        for (qint64 bytes : { qint64(1023), qint64(1048575), qint64(1073741823), qint64(2147483647) }) {
            texts << sizeText(bytes);
        }
        break;
    default:
        break;
    }
    return texts;
}

void InboxModel::setQuery(const QString &query)
{
    m_query = query.trimmed();
    reload();
}

QString InboxModel::query() const
{
    return m_query;
}

void InboxModel::setMailbox(const QString &mailbox)
{
    if (mailbox == m_mailbox) {
        return;
    }
    m_mailbox = mailbox;
    reload();
}

QString InboxModel::mailbox() const
{
    return m_mailbox;
}

QString InboxModel::scopedQuery() const
{
    // Mailbox names are letters, digits, '.', '_' and '-' (MailboxName): the term needs no quotes.
    const QString query = listedQuery();
    if (m_mailbox.isEmpty()) {
        return query;
    }
    const QString term = QStringLiteral("mailbox:") + m_mailbox;
    return query.isEmpty() ? term : query + u' ' + term;
}

QString InboxModel::errorString() const
{
    return m_error;
}

bool InboxModel::isLoading() const
{
    return m_loading;
}

MessageSort InboxModel::sortOrder() const
{
    return m_sort;
}

qint64 InboxModel::matchCount() const
{
    return m_matches;
}

bool InboxModel::isComplete() const
{
    return m_unindexed == 0;
}

qint64 InboxModel::unindexedCount() const
{
    return m_unindexed;
}

QString InboxModel::listedQuery() const
{
    return SearchQuery::parseTerms(m_query).isEmpty() ? QString() : m_query;
}

void InboxModel::setUnindexed(qint64 unindexed)
{
    if (unindexed != m_unindexed) {
        m_unindexed = unindexed;
        Q_EMIT completenessChanged();
    }
}

void InboxModel::onIndexingCaughtUp()
{
    // Only a list made before the index caught up can be missing anything.
    if (m_unindexed > 0) {
        reload();
    }
}

void InboxModel::setCoalesceInterval(int milliseconds)
{
    m_arrivalTimer->setInterval(milliseconds);
}

ListRequest InboxModel::request(qint64 start, qint64 limit) const
{
    // What is indexed: never waits for the writer to index a backlog.
    return ListRequest { listedQuery(), m_sort, start, limit, QTimeZone::systemTimeZone(),
        SearchCompleteness::IndexedOnly, m_mailbox };
}

void InboxModel::reload()
{
    const quint64 generation = ++m_generation;
    m_loading = true;
    m_fetching = false;
    // Stored before this read starts: it lists them.
    m_arrivals.clear();
    m_store->list(request(0, PageSize), this, [this, generation](const ListReply &reply) {
        if (generation == m_generation) {
            applyReload(reply);
        }
    });
}

void InboxModel::applyReload(const ListReply &reply)
{
    m_loading = false;
    m_changing = true;
    beginResetModel();
    m_rows = reply.result ? reply.result->messages : QList<MessageSummary>();
    m_matches = reply.result ? reply.result->matches : 0;
    m_error = reply.result ? QString() : reply.error;
    m_loaded.clear();
    for (const MessageSummary &s : std::as_const(m_rows)) {
        m_loaded.insert(s.id);
    }
    // Known to whoever the reset tells (is a message missing from the list, or only not indexed yet?); said after.
    const qint64 unindexed = reply.result ? reply.result->unindexed : 0;
    const bool completenessChanged = unindexed != m_unindexed;
    m_unindexed = unindexed;
    // Views (and QAbstractItemModelTester) fetch more when told of the reset: the rows and counts are whole by then
    // (and the page comes later).
    m_changing = false;
    endResetModel();
    if (completenessChanged) {
        Q_EMIT this->completenessChanged();
    }
    Q_EMIT matchCountChanged(m_matches);
    if (!m_error.isEmpty()) {
        Q_EMIT queryFailed(m_error);
    }
    Q_EMIT loaded();
    // The read saw messages not yet indexed, and the index caught up while it ran: indexingCaughtUp() came before
    // this answer and found nothing to redo, so this list would stay short of what is indexed now. Read it again.
    if (m_unindexed > 0 && m_store->unindexedCount() == 0) {
        QTimer::singleShot(0, this, [this, generation = m_generation] {
            if (generation == m_generation) {
                reload();
            }
        });
    }
    // Arrivals wait while a reload is under way (its reset would drop them).
    if (!m_arrivals.isEmpty() && !m_arrivalTimer->isActive()) {
        m_arrivalTimer->start();
    }
}

QString InboxModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : QString();
}

int InboxModel::rowOf(const QString &id) const
{
    if (!m_loaded.contains(id)) {
        return -1;
    }
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).id == id) {
            return row;
        }
    }
    return -1;
}

MessageSummary InboxModel::summaryAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : MessageSummary();
}

int InboxModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int InboxModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InboxModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const MessageSummary &s = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case FromColumn:
            return senderOf(s);
        case ToColumn:
            return recipients(s);
        case SubjectColumn:
            return subject(s);
        case ReceivedColumn:
            return receivedText(s.receivedMs);
        case SizeColumn:
            return sizeText(s.size);
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case FromColumn:
            return s.from.isEmpty() ? s.mailFrom : s.from;
        case ToColumn:
            return QStringList { s.to, s.cc }.join(u'\n').trimmed();
        case SubjectColumn: {
            QStringList lines { subject(s) };
            if (s.hasAttachments) {
                lines << counted(s.attachmentCount, tr("attachment"), tr("attachments"));
            }
            if (!s.tags.isEmpty()) {
                lines << tr("Tags: %1").arg(s.tags.join(QStringLiteral(", ")));
            }
            if (s.pinned) {
                lines << tr("Pinned");
            }
            return lines.join(u'\n');
        }
        case ReceivedColumn:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.receivedMs).toLocalTime(), QLocale::LongFormat);
        case SizeColumn:
            return tr("%1 bytes").arg(QLocale().toString(s.size));
        }
        break;
    case Qt::AccessibleTextRole:
        return tr("%1 from %2, %3%4%5%6%7")
            .arg(subject(s), senderOf(s), receivedText(s.receivedMs), s.read ? QString() : tr(", unread"),
                s.pinned ? tr(", pinned") : QString(),
                s.tags.isEmpty() ? QString() : tr(", tagged %1").arg(s.tags.join(QStringLiteral(", "))),
                data(index, MailboxLabelRole).toString().isEmpty()
                    ? QString()
                    : tr(", in %1").arg(data(index, MailboxLabelRole).toString()));
    case Qt::FontRole:
        if (!s.read) {
            QFont font;
            font.setBold(true);
            return font;
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == SubjectColumn && s.hasAttachments) {
            return Icons::icon(Icons::Attachment);
        }
        if (index.column() == FromColumn && !s.read) {
            return Icons::icon(Icons::Unread);
        }
        // Compact rows have no chips: the pin mark goes by the time, the tags into the subject's tooltip.
        if (index.column() == ReceivedColumn && s.pinned) {
            return Icons::icon(Icons::Pin);
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn || index.column() == ReceivedColumn) {
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        break;
    case IdRole:
        return s.id;
    case ReadRole:
        return s.read;
    case HasAttachmentsRole:
        return s.hasAttachments;
    case SubjectRole:
        return subject(s);
    case SnippetRole:
        return s.snippet;
    case SenderRole:
        return senderOf(s);
    case ReceivedRole:
        return QDateTime::fromMSecsSinceEpoch(s.receivedMs).toLocalTime();
    case TagsRole:
        return s.tags;
    case PinnedRole:
        return s.pinned;
    case MailboxLabelRole:
        return m_mailbox.isEmpty() && !MailboxName::same(s.mailbox, MailboxName::inbox()) ? s.mailbox : QString();
    }
    return {};
}

QVariant InboxModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case FromColumn:
        return tr("From");
    case ToColumn:
        return tr("To");
    case SubjectColumn:
        return tr("Subject");
    case ReceivedColumn:
        return tr("Received");
    case SizeColumn:
        return tr("Size");
    }
    return {};
}

Qt::ItemFlags InboxModel::flags(const QModelIndex &index) const
{
    const Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    return index.isValid() ? flags | Qt::ItemIsDragEnabled : flags;
}

bool InboxModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_rows.size() < m_matches;
}

void InboxModel::fetchMore(const QModelIndex &parent)
{
    // Views (and QAbstractItemModelTester) may ask in the middle of a change, when the rows and the count disagree:
    // not then. One page at a time, and none while a reload is under way.
    if (!canFetchMore(parent) || m_changing || m_loading || m_fetching) {
        return;
    }
    m_fetching = true;
    const quint64 generation = m_generation;
    m_store->list(request(m_rows.size(), PageSize), this, [this, generation](const ListReply &reply) {
        if (generation == m_generation) {
            m_fetching = false;
            appendPage(reply);
        }
    });
}

void InboxModel::appendPage(const ListReply &reply)
{
    if (!reply.result) {
        return;
    }
    // Arrivals not inserted yet shift the store's offsets: skip what is already here.
    QList<MessageSummary> fresh;
    for (const MessageSummary &s : reply.result->messages) {
        if (!m_loaded.contains(s.id)) {
            fresh << s;
        }
    }
    if (reply.result->messages.isEmpty()) {
        m_matches = m_rows.size(); // fewer than counted: stop asking
        Q_EMIT matchCountChanged(m_matches);
        return;
    }
    if (fresh.isEmpty()) {
        return;
    }
    m_changing = true;
    beginInsertRows(QModelIndex(), int(m_rows.size()), int(m_rows.size() + fresh.size() - 1));
    for (const MessageSummary &s : std::as_const(fresh)) {
        m_rows << s;
        m_loaded.insert(s.id);
    }
    m_changing = false; // whole again: the next page may be asked for when the views hear of these rows
    endInsertRows();
}

void InboxModel::sort(int column, Qt::SortOrder order)
{
    MessageSort sort;
    sort.order = order;
    switch (column) {
    case FromColumn:
        sort.key = MessageSort::Key::From;
        break;
    case ToColumn:
        sort.key = MessageSort::Key::To;
        break;
    case SubjectColumn:
        sort.key = MessageSort::Key::Subject;
        break;
    case SizeColumn:
        sort.key = MessageSort::Key::Size;
        break;
    default:
        sort.key = MessageSort::Key::Received;
        break;
    }
    if (sort == m_sort) {
        return;
    }
    m_sort = sort;
    reload();
}

bool InboxModel::lessThan(const MessageSummary &a, const MessageSummary &b) const
{
    // The store's order: the key (case-insensitive for text), then arrival.
    int c = 0;
    switch (m_sort.key) {
    case MessageSort::Key::Received:
        c = 0;
        break;
    case MessageSort::Key::From:
        c = a.from.compare(b.from, Qt::CaseInsensitive);
        break;
    case MessageSort::Key::To:
        c = a.to.compare(b.to, Qt::CaseInsensitive);
        break;
    case MessageSort::Key::Subject:
        c = a.subject.compare(b.subject, Qt::CaseInsensitive);
        break;
    case MessageSort::Key::Size:
        c = a.size < b.size ? -1 : (a.size > b.size ? 1 : 0);
        break;
    }
    if (c == 0) {
        c = a.receivedMs < b.receivedMs ? -1 : (a.receivedMs > b.receivedMs ? 1 : a.id.compare(b.id));
    }
    return m_sort.order == Qt::AscendingOrder ? c < 0 : c > 0;
}

int InboxModel::insertPosition(const MessageSummary &summary) const
{
    const auto it = std::lower_bound(m_rows.cbegin(), m_rows.cend(), summary,
        [this](const MessageSummary &row, const MessageSummary &s) { return lessThan(row, s); });
    return int(it - m_rows.cbegin());
}

void InboxModel::onStored(const MessageSummary &summary)
{
    // Another mailbox's message is never listed here: no look-up for it.
    if (!m_mailbox.isEmpty() && !MailboxName::same(summary.mailbox, m_mailbox)) {
        return;
    }
    if (m_arrivals.isEmpty()) {
        m_oldestArrivalMs = summary.receivedMs;
    }
    m_arrivals << summary.id;
    m_oldestArrivalMs = qMin(m_oldestArrivalMs, summary.receivedMs);
    if (!m_arrivalTimer->isActive()) {
        m_arrivalTimer->start(); // not restarted by later arrivals: a steady flood still shows every interval
    }
}

namespace {
// The arrived messages that match query, newest first. Newer messages may have been stored since they arrived,
// so the newest matches are read a page at a time until every arrival is found or the pages are older than the
// oldest arrival. Complete: the store indexes the arrivals first (in slices between deliveries), so this runs on
// a worker thread.
QList<MessageSummary> findArrivals(
    const MessageStore *store, const QString &query, const QString &mailbox, QSet<QString> remaining, qint64 oldestMs)
{
    QList<MessageSummary> found;
    const qint64 page = qMax<qint64>(100, remaining.size() * 2);
    // Commit order and receive times of concurrent sessions differ by moments, not seconds.
    constexpr qint64 ClockSlackMs = 5000;
    for (qint64 start = 0; !remaining.isEmpty() && start < 1000000; start += page) {
        const std::optional<SearchResult> newest = store->list(query, MessageSort(), start, page,
            QTimeZone::systemTimeZone(), nullptr, SearchCompleteness::Complete, mailbox);
        if (!newest || newest->messages.isEmpty()) {
            break;
        }
        for (const MessageSummary &s : newest->messages) {
            if (remaining.remove(s.id)) {
                found << s;
            }
        }
        if (newest->messages.last().receivedMs < oldestMs - ClockSlackMs) {
            break;
        }
    }
    return found;
}
} // namespace

void InboxModel::flushArrivals()
{
    m_arrivalTimer->stop();
    lookUpArrivals();
}

void InboxModel::lookUpArrivals()
{
    // One look-up at a time; arrivals meanwhile wait for the next, and for a reload under way (which may have
    // started reading before they were stored).
    if (m_arrivals.isEmpty() || m_lookingUp || m_loading) {
        return;
    }
    m_lookingUp = true;
    const QSet<QString> arrived(m_arrivals.cbegin(), m_arrivals.cend());
    const qint64 oldest = m_oldestArrivalMs;
    m_arrivals.clear();
    // Reading (and, for a search, indexing) the new summaries happens on a worker thread: a flood of arrivals
    // never makes the GUI wait for the store.
    QPointer<InboxModel> self(this);
    const MessageStore *store = m_store;
    const QString query = listedQuery();
    const QString mailbox = m_mailbox;
    const quint64 generation = m_generation;
    QThreadPool::globalInstance()->start([self, store, query, mailbox, oldest, arrived, generation] {
        QList<MessageSummary> messages = findArrivals(store, query, mailbox, arrived, oldest);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, arrived, generation, messages = std::move(messages)] {
                if (!self) {
                    return;
                }
                self->m_lookingUp = false;
                // A reload since then listed whatever matched.
                if (self->m_generation == generation) {
                    self->insertArrivals(arrived, messages);
                }
                if (!self->m_arrivals.isEmpty() && !self->m_arrivalTimer->isActive()) {
                    self->m_arrivalTimer->start();
                }
            },
            Qt::QueuedConnection);
    });
}

void InboxModel::insertArrivals(const QSet<QString> &arrived, const QList<MessageSummary> &newest)
{
    QList<MessageSummary> matching;
    for (const MessageSummary &s : newest) {
        if (arrived.contains(s.id) && !m_loaded.contains(s.id)) {
            matching << s;
        }
    }
    QStringList inserted;
    m_changing = true;
    const bool allLoaded = m_rows.size() >= m_matches;
    m_matches += matching.size();
    if (m_sort.isDefault()) {
        if (!matching.isEmpty()) {
            beginInsertRows(QModelIndex(), 0, int(matching.size() - 1));
            m_rows = matching + m_rows;
            for (const MessageSummary &s : std::as_const(matching)) {
                m_loaded.insert(s.id);
                inserted << s.id;
            }
            endInsertRows();
        }
    } else {
        for (const MessageSummary &s : std::as_const(matching)) {
            const int row = insertPosition(s);
            if (row == m_rows.size() && !allLoaded) {
                continue; // beyond what is loaded: a later page brings it
            }
            beginInsertRows(QModelIndex(), row, row);
            m_rows.insert(row, s);
            m_loaded.insert(s.id);
            endInsertRows();
            inserted << s.id;
        }
    }
    m_changing = false;
    Q_EMIT matchCountChanged(m_matches);
    if (!inserted.isEmpty()) {
        Q_EMIT messagesArrived(inserted);
    }
}

void InboxModel::onRemoved(const QStringList &ids)
{
    QSet<QString> gone(ids.cbegin(), ids.cend());
    m_arrivals.removeIf([&](const QString &id) { return gone.contains(id); });
    gone.intersect(m_loaded);
    bool recount = gone.size() < ids.size();
    // From the bottom up, a contiguous run at a time.
    int row = int(m_rows.size()) - 1;
    while (row >= 0 && !gone.isEmpty()) {
        if (!gone.contains(m_rows.at(row).id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && gone.contains(m_rows.at(first - 1).id)) {
            --first;
        }
        m_changing = true;
        beginRemoveRows(QModelIndex(), first, row);
        for (int r = row; r >= first; --r) {
            gone.remove(m_rows.at(r).id);
            m_loaded.remove(m_rows.at(r).id);
            m_rows.removeAt(r);
            --m_matches;
        }
        endRemoveRows();
        m_changing = false;
        row = first - 1;
    }
    Q_EMIT matchCountChanged(m_matches);
    if (recount) {
        // Some were never loaded: whether they matched is the store's to say.
        const quint64 generation = m_generation;
        m_store->list(request(0, 0), this, [this, generation](const ListReply &reply) {
            if (generation == m_generation && reply.result) {
                m_matches = qMax<qint64>(reply.result->matches, m_rows.size());
                Q_EMIT matchCountChanged(m_matches);
            }
        });
    }
}

void InboxModel::refresh()
{
    reload();
}

void InboxModel::onCleared()
{
    reload();
}

void InboxModel::onReadChanged(const QStringList &ids, bool read)
{
    const QSet<QString> changed(ids.cbegin(), ids.cend());
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        MessageSummary &s = m_rows[row];
        if (s.read != read && changed.contains(s.id)) {
            s.read = read;
            first = first < 0 ? row : first;
            last = row;
        }
    }
    rowsChanged(first, last);
    // With an is:read/is:unread query the listed rows stay until the query runs again, as mail clients do: a
    // message that becomes read while selected does not vanish under the reader.
}

void InboxModel::onTagsChanged(const QStringList &ids)
{
    QStringList listed;
    for (const QString &id : ids) {
        if (m_loaded.contains(id)) {
            listed << id;
        }
    }
    if (listed.isEmpty()) {
        return;
    }
    // A rename may touch every loaded row: their new tags are read on a worker thread, never this one. As with read
    // flags, a tag: or is:tagged query keeps its rows until it runs again.
    QPointer<InboxModel> self(this);
    const MessageStore *store = m_store;
    QThreadPool::globalInstance()->start([self, store, listed] {
        QList<MessageSummary> changed;
        for (const QString &id : listed) {
            if (const std::optional<MessageSummary> s = store->summary(id)) {
                changed << *s;
            }
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, changed] {
                if (self) {
                    self->applyTags(changed);
                }
            },
            Qt::QueuedConnection);
    });
}

void InboxModel::applyTags(const QList<MessageSummary> &changed)
{
    QHash<QString, QStringList> tags;
    for (const MessageSummary &s : changed) {
        tags.insert(s.id, s.tags);
    }
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        MessageSummary &s = m_rows[row];
        const auto found = tags.constFind(s.id);
        if (found != tags.constEnd() && s.tags != *found) {
            s.tags = *found;
            first = first < 0 ? row : first;
            last = row;
        }
    }
    rowsChanged(first, last);
}

void InboxModel::onPinnedChanged(const QStringList &ids, bool pinned)
{
    const QSet<QString> changed(ids.cbegin(), ids.cend());
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        MessageSummary &s = m_rows[row];
        if (s.pinned != pinned && changed.contains(s.id)) {
            s.pinned = pinned;
            first = first < 0 ? row : first;
            last = row;
        }
    }
    rowsChanged(first, last);
}

void InboxModel::rowsChanged(int first, int last)
{
    if (first >= 0) {
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
}

QStringList InboxModel::mimeTypes() const
{
    return { QStringLiteral("text/uri-list"), QStringLiteral("application/x-letterbox-ids") };
}

QMimeData *InboxModel::mimeData(const QModelIndexList &indexes) const
{
    QStringList ids;
    for (const QModelIndex &index : indexes) {
        const QString id = index.data(IdRole).toString();
        if (!id.isEmpty() && !ids.contains(id)) {
            ids << id;
        }
    }
    if (ids.isEmpty()) {
        return nullptr;
    }
    if (!m_dragDir) {
        m_dragDir = std::make_unique<QTemporaryDir>();
    }
    return new MessageDragData(m_store, ids, m_dragDir->path());
}

Qt::DropActions InboxModel::supportedDragActions() const
{
    return Qt::CopyAction;
}
