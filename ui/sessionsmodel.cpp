#include "sessionsmodel.h"

#include "displaytext.h"

#include <QApplication>
#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QStyle>
#include <QStyleOptionHeader>
#include <QTimer>

namespace {
QString peerText(const QHostAddress &peer, quint16 port)
{
    bool mapped = false;
    const QHostAddress v4(peer.toIPv4Address(&mapped));
    if (mapped) {
        return QStringLiteral("%1:%2").arg(v4.toString()).arg(port);
    }
    if (peer.protocol() == QAbstractSocket::IPv6Protocol) {
        return QStringLiteral("[%1]:%2").arg(peer.toString()).arg(port);
    }
    return QStringLiteral("%1:%2").arg(peer.toString()).arg(port);
}

// "[N octets of message data]" counts the data; other lines count themselves and their CRLF.
qint64 bytesOf(const TranscriptEntry &entry)
{
    if (entry.text.startsWith('[') && entry.text.endsWith(" octets of message data]")) {
        return entry.text.mid(1, entry.text.indexOf(' ') - 1).toLongLong();
    }
    return entry.text.size() + 2;
}

// The first line of a (multi-line) reply.
QByteArray firstLine(const QByteArray &text)
{
    const qsizetype end = text.indexOf('\n');
    return end < 0 ? text : text.left(end);
}

// A header wide enough for its title and for a typical value of its column, so that a view sized to contents
// fits the sessions still to come: the style's header section around the title (as QHeaderView measures it),
// or the value with an item's margins.
QSize headerSize(const QString &title, const QString &typical)
{
    QStyle *style = QApplication::style();
    QStyleOptionHeader option;
    option.text = title;
    option.fontMetrics = QFontMetrics(QApplication::font("QHeaderView"));
    QSize size = style->sizeFromContents(
        QStyle::CT_HeaderSection, &option, option.fontMetrics.size(Qt::TextSingleLine, title), nullptr);
    size.rwidth() += style->pixelMetric(QStyle::PM_HeaderMarkSize) + style->pixelMetric(QStyle::PM_HeaderMargin);
    const int itemMargins = 2 * (style->pixelMetric(QStyle::PM_FocusFrameHMargin) + 1) + 4;
    const QFontMetrics cell(QApplication::font("QTableView"));
    size.setWidth(qMax(size.width(), cell.horizontalAdvance(typical) + itemMargins));
    return size;
}
} // namespace

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent), m_timer(new QTimer(this)), m_clock(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(250);
    connect(m_timer, &QTimer::timeout, this, &SessionsModel::flush);
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, [this] {
        if (!m_sessions.isEmpty()) {
            Q_EMIT dataChanged(index(0, DurationColumn), index(int(m_sessions.size()) - 1, DurationColumn));
        }
    });
}

void SessionsModel::setMaxSessions(int max)
{
    m_maxSessions = qMax(1, max);
    prune();
}

int SessionsModel::maxSessions() const
{
    return m_maxSessions;
}

void SessionsModel::setUpdateInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

int SessionsModel::openCount() const
{
    return m_open;
}

SessionsModel::Session *SessionsModel::find(quint64 id)
{
    // Recent sessions are at the end of the pending ones and at the top of the list: search from there.
    for (qsizetype i = m_pending.size() - 1; i >= 0; --i) {
        if (m_pending[i].id == id) {
            return &m_pending[i];
        }
    }
    for (Session &s : m_sessions) {
        if (s.id == id) {
            return &s;
        }
    }
    return nullptr;
}

const SessionsModel::Session *SessionsModel::find(quint64 id) const
{
    return const_cast<SessionsModel *>(this)->find(id);
}

Transcript SessionsModel::transcript(quint64 sessionId) const
{
    const Session *s = find(sessionId);
    return s ? s->entries : Transcript();
}

void SessionsModel::addSession(quint64 id, const QHostAddress &peer, quint16 port)
{
    Session s;
    s.id = id;
    s.peer = peerText(peer, port);
    s.openedMs = QDateTime::currentMSecsSinceEpoch();
    m_pending << s;
    ++m_open;
    scheduleUpdate();
}

void SessionsModel::closeSession(quint64 id)
{
    if (Session *s = find(id); s && s->closedMs == 0) {
        s->closedMs = QDateTime::currentMSecsSinceEpoch();
        --m_open;
        m_dirty.insert(id);
        scheduleUpdate();
    }
}

void SessionsModel::addEntry(quint64 id, const TranscriptEntry &entry)
{
    Session *s = find(id);
    if (!s) {
        return;
    }
    if (entry.direction == TranscriptEntry::Direction::In) {
        s->bytes += bytesOf(entry);
        const QByteArray upper = entry.text.left(5).toUpper();
        if (upper.startsWith("EHLO ") || upper.startsWith("HELO ")) {
            s->helo = QString::fromUtf8(entry.text.mid(5).trimmed());
        }
    } else if (entry.direction == TranscriptEntry::Direction::Out) {
        s->lastReply = firstLine(entry.text);
        if (s->lastReply.startsWith('4') || s->lastReply.startsWith('5')) {
            s->lastError = s->lastReply;
        }
    }
    s->entries << entry;
    if (s->entries.size() > MaxEntries) {
        const qsizetype drop = s->entries.size() - MaxEntries;
        s->entries.remove(0, drop);
        s->dropped += drop;
        s->published = qMax<qsizetype>(0, s->published - drop);
    }
    m_dirty.insert(id);
    scheduleUpdate();
}

void SessionsModel::addRuleDecision(quint64 id, qint64 timeMs, const QByteArray &rule, bool refused)
{
    if (Session *s = find(id); s && refused) {
        s->refusedBy = rule;
    }
    addEntry(id, { timeMs, TranscriptEntry::Direction::Rule, (refused ? "refused by " : "decided by ") + rule });
}

void SessionsModel::addDelivery(quint64 id)
{
    if (Session *s = find(id)) {
        ++s->messages;
        m_dirty.insert(id);
        scheduleUpdate();
    }
}

void SessionsModel::removeStoredSessions()
{
    for (int row = int(m_sessions.size()) - 1; row >= 0; --row) {
        if (m_sessions.at(row).stored) {
            beginRemoveRows(QModelIndex(), row, row);
            m_sessions.removeAt(row);
            endRemoveRows();
        }
    }
}

void SessionsModel::addStoredSessions(const QList<RefusedSession> &sessions)
{
    QList<Session> rows;
    for (const RefusedSession &stored : sessions) {
        if (find(stored.sessionKey)) {
            continue;
        }
        Session s;
        s.id = stored.sessionKey;
        s.peer = peerText(QHostAddress(stored.clientAddress), stored.clientPort);
        s.openedMs = stored.startMs;
        s.closedMs = qMax(stored.endMs, stored.startMs);
        s.helo = QString::fromUtf8(stored.helo);
        s.messages = int(stored.messages.size());
        s.refusedBy = stored.rules.isEmpty() ? QByteArray() : stored.rules.last();
        s.stored = true;
        for (const TranscriptEntry &entry : stored.transcript) {
            if (entry.direction == TranscriptEntry::Direction::In) {
                s.bytes += bytesOf(entry);
            } else if (entry.direction == TranscriptEntry::Direction::Out) {
                s.lastReply = firstLine(entry.text);
                if (s.lastReply.startsWith('4') || s.lastReply.startsWith('5')) {
                    s.lastError = s.lastReply;
                }
            }
        }
        s.entries = stored.transcript.size() > MaxEntries ? stored.transcript.last(MaxEntries) : stored.transcript;
        s.dropped = stored.transcript.size() - s.entries.size();
        s.published = s.entries.size();
        rows << s;
    }
    if (rows.isEmpty()) {
        return;
    }
    // Older than any session of this run: at the bottom, newest first as given.
    const int first = int(m_sessions.size());
    beginInsertRows(QModelIndex(), first, first + int(rows.size()) - 1);
    m_sessions += rows;
    endInsertRows();
    prune();
}

void SessionsModel::scheduleUpdate()
{
    if (!m_timer->isActive()) {
        m_timer->start();
    }
}

void SessionsModel::flush()
{
    m_timer->stop();
    if (!m_pending.isEmpty()) {
        beginInsertRows(QModelIndex(), 0, int(m_pending.size() - 1));
        std::reverse(m_pending.begin(), m_pending.end());
        m_pending += m_sessions;
        m_sessions = std::move(m_pending);
        m_pending = QList<Session>();
        endInsertRows();
    }
    prune();
    if (!m_sessions.isEmpty()) {
        Q_EMIT dataChanged(index(0, 0), index(int(m_sessions.size()) - 1, ColumnCount - 1));
    }
    for (Session &s : m_sessions) {
        if (m_dirty.contains(s.id) && s.published < s.entries.size()) {
            const Transcript fresh = s.entries.mid(s.published);
            s.published = s.entries.size();
            Q_EMIT entriesAppended(s.id, fresh);
        }
    }
    m_dirty.clear();
    if (m_open > 0 && !m_clock->isActive()) {
        m_clock->start();
    } else if (m_open == 0) {
        m_clock->stop();
    }
    Q_EMIT openCountChanged(m_open);
}

void SessionsModel::prune()
{
    // The oldest closed sessions (at the bottom) go first; open ones stay whatever the limit.
    qsizetype excess = m_sessions.size() - m_maxSessions;
    while (excess > 0) {
        qsizetype last = -1;
        for (qsizetype i = m_sessions.size() - 1; i >= 0; --i) {
            if (m_sessions.at(i).closedMs != 0) {
                last = i;
                break;
            }
        }
        if (last < 0) {
            return;
        }
        qsizetype first = last;
        while (first > 0 && m_sessions.at(first - 1).closedMs != 0 && last - first + 1 < excess) {
            --first;
        }
        beginRemoveRows(QModelIndex(), int(first), int(last));
        m_sessions.remove(first, last - first + 1);
        endRemoveRows();
        excess -= last - first + 1;
    }
}

QString SessionsModel::stateText(const Session &s)
{
    if (s.closedMs == 0) {
        return s.lastReply.isEmpty() ? tr("open") : tr("open · %1").arg(QString::fromUtf8(s.lastReply));
    }
    // What someone testing error handling looks for: which rule refused the client, or else the last refusal of a
    // session that delivered nothing; the last reply otherwise (usually QUIT's 221).
    if (!s.refusedBy.isEmpty()) {
        const QString refused = tr("refused by %1").arg(QString::fromUtf8(s.refusedBy));
        return s.messages == 0 ? refused : tr("closed · %1").arg(refused);
    }
    if (s.messages == 0 && !s.lastError.isEmpty()) {
        return tr("closed · %1").arg(QString::fromUtf8(s.lastError));
    }
    return s.lastReply.isEmpty() ? tr("closed") : tr("closed · %1").arg(QString::fromUtf8(s.lastReply));
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_sessions.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Session &s = m_sessions.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PeerColumn:
            return s.peer;
        case HeloColumn:
            return s.helo;
        case StateColumn:
            return stateText(s);
        case MessagesColumn:
            return s.messages;
        case BytesColumn:
            return QLocale().formattedDataSize(s.bytes, 1, QLocale::DataSizeTraditionalFormat);
        case DurationColumn: {
            const qint64 end = s.closedMs ? s.closedMs : QDateTime::currentMSecsSinceEpoch();
            return QStringLiteral("%1 s").arg(QLocale().toString((end - s.openedMs) / 1000.0, 'f', 1));
        }
        }
        break;
    case Qt::ToolTipRole: {
        QStringList lines { tr("Session %1 from %2, opened %3")
                                .arg(s.id)
                                .arg(s.peer,
                                    QDateTime::fromMSecsSinceEpoch(s.openedMs).toLocalTime().toString(Qt::ISODate)) };
        if (s.stored) {
            lines << tr("Kept by the store from an earlier run");
        }
        if (index.column() == StateColumn) {
            lines << tr("State: %1").arg(stateText(s));
            if (!s.lastError.isEmpty()) {
                lines << tr("Last refusal: %1").arg(QString::fromUtf8(s.lastError));
            }
            if (!s.lastReply.isEmpty()) {
                lines << tr("Last reply: %1").arg(QString::fromUtf8(s.lastReply));
            }
        }
        return plainToolTip(lines.join(u'\n'));
    }
    case Qt::ForegroundRole:
        if (index.column() == StateColumn) {
            // Coloured by the class of the reply the state names (RFC 5321 §4.2.1).
            const QByteArray &reply
                = s.closedMs != 0 && (!s.refusedBy.isEmpty() || s.messages == 0) && !s.lastError.isEmpty()
                ? s.lastError
                : s.lastReply;
            if (reply.startsWith('5')) {
                return QColor(0xc6, 0x28, 0x28);
            }
            if (reply.startsWith('4')) {
                return QColor(0xb2, 0x6a, 0x00);
            }
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() >= MessagesColumn) {
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        break;
    case SessionIdRole:
        return s.id;
    case OpenRole:
        return s.closedMs == 0;
    case RefusedRole:
        return !s.refusedBy.isEmpty();
    case StoredRole:
        return s.stored;
    }
    return {};
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
        break;
    case Qt::ToolTipRole:
        switch (section) {
        case PeerColumn:
            return tr("The client's address and port");
        case HeloColumn:
            return tr("The name the client gave in EHLO or HELO");
        case StateColumn:
            return tr("Open or closed, with the last reply; a refused session names the rule that refused it");
        case MessagesColumn:
            return tr("Messages delivered in the session");
        case BytesColumn:
            return tr("What the client sent: commands and message data");
        case DurationColumn:
            return tr("How long the session was (or has been) open");
        }
        return {};
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((section >= MessagesColumn ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    case Qt::SizeHintRole: {
        static const char *const typical[] = { "127.0.0.1:65535", "client.example.test", "refused by recipient rule 12",
            "9,999", "1,023.9 KB", "1,234.5 s" };
        if (section < 0 || section >= ColumnCount) {
            return {};
        }
        return headerSize(headerData(section, orientation).toString(), QString::fromLatin1(typical[section]));
    }
    default:
        return {};
    }
    switch (section) {
    case PeerColumn:
        return tr("Client");
    case HeloColumn:
        return tr("HELO");
    case StateColumn:
        return tr("State");
    case MessagesColumn:
        return tr("Messages");
    case BytesColumn:
        return tr("Bytes in");
    case DurationColumn:
        return tr("Duration");
    }
    return {};
}
