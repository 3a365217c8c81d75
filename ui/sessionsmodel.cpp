#include "sessionsmodel.h"

#include <QColor>
#include <QDateTime>
#include <QLocale>
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
    // Recent sessions are at the end: search from there.
    for (qsizetype i = m_pending.size() - 1; i >= 0; --i) {
        if (m_pending[i].id == id) {
            return &m_pending[i];
        }
    }
    for (qsizetype i = m_sessions.size() - 1; i >= 0; --i) {
        if (m_sessions[i].id == id) {
            return &m_sessions[i];
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
        s->lastReply = entry.text.left(entry.text.indexOf('\n'));
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

void SessionsModel::addDelivery(quint64 id)
{
    if (Session *s = find(id)) {
        ++s->messages;
        m_dirty.insert(id);
        scheduleUpdate();
    }
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
        beginInsertRows(QModelIndex(), int(m_sessions.size()), int(m_sessions.size() + m_pending.size() - 1));
        m_sessions += m_pending;
        m_pending.clear();
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
    // The oldest closed sessions go first; open ones stay whatever the limit.
    qsizetype excess = m_sessions.size() - m_maxSessions;
    while (excess > 0) {
        qsizetype first = -1;
        for (qsizetype i = 0; i < m_sessions.size(); ++i) {
            if (m_sessions.at(i).closedMs != 0) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return;
        }
        qsizetype last = first;
        while (last + 1 < m_sessions.size() && m_sessions.at(last + 1).closedMs != 0 && last - first + 1 < excess) {
            ++last;
        }
        beginRemoveRows(QModelIndex(), int(first), int(last));
        m_sessions.remove(first, last - first + 1);
        endRemoveRows();
        excess -= last - first + 1;
    }
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
        case StateColumn: {
            const QString state = s.closedMs == 0 ? tr("open") : tr("closed");
            return s.lastReply.isEmpty() ? state : QStringLiteral("%1 · %2").arg(state, QString::fromUtf8(s.lastReply));
        }
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
    case Qt::ToolTipRole:
        return tr("Session %1 from %2, opened %3")
            .arg(s.id)
            .arg(s.peer, QDateTime::fromMSecsSinceEpoch(s.openedMs).toLocalTime().toString(Qt::ISODate));
    case Qt::ForegroundRole:
        if (index.column() == StateColumn && !s.lastReply.isEmpty()) {
            if (s.lastReply.startsWith('5')) {
                return QColor(0xc6, 0x28, 0x28);
            }
            if (s.lastReply.startsWith('4')) {
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
    }
    return {};
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
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
