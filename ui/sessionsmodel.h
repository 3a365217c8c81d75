#pragma once

#include <message/refusedsession.h>
#include <message/transcriptentry.h>

#include <QAbstractTableModel>
#include <QHostAddress>
#include <QSet>

class QTimer;

// The Sessions dock: every SMTP session, newest first (as the inbox is), open or closed, including the ones that
// delivered nothing because they were refused: a refused session names the rule that refused it. Each has its
// transcript as it happens. Keeps the last maxSessions() sessions (open ones always). Updates from a flood of
// sessions are coalesced: rows and transcripts change at most every interval. The refused sessions the store kept
// from earlier runs are listed below the live ones (addStoredSessions()).
class SessionsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { PeerColumn, HeloColumn, StateColumn, MessagesColumn, BytesColumn, DurationColumn, ColumnCount };
    // RefusedRole: a rule refused something in the session (the dock's "Refused" filter); StoredRole: it was read
    // from the store, kept by an earlier run.
    enum Role { SessionIdRole = Qt::UserRole + 1, OpenRole, RefusedRole, StoredRole };
    // Entries kept per session; beyond, the oldest go (the stored transcripts of messages keep theirs).
    static constexpr int MaxEntries = 2000;

    explicit SessionsModel(QObject *parent = nullptr);

    void setMaxSessions(int max);
    int maxSessions() const;
    void setUpdateInterval(int milliseconds);
    int openCount() const;
    Transcript transcript(quint64 sessionId) const;
    // Applies the changes gathered so far now.
    void flush();

    void addSession(quint64 id, const QHostAddress &peer, quint16 port);
    void closeSession(quint64 id);
    void addEntry(quint64 id, const TranscriptEntry &entry);
    // A rule decided a command of session id (SmtpServer::ruleApplied): a transcript line saying which, and, when
    // it refused, what the session's state shows.
    void addRuleDecision(quint64 id, qint64 timeMs, const QByteArray &rule, bool refused);
    void addDelivery(quint64 id);
    // Refused sessions kept by the store (newest first), closed, below every session seen live; their IDs are
    // their session keys, which no live session's connection ID reaches.
    void addStoredSessions(const QList<RefusedSession> &sessions);
    // The store's refused sessions were cleared (DELETE /api/v1/sessions): the rows read from it go; this run's
    // sessions stay, as the session log they are.
    void removeStoredSessions();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // New transcript entries of a session since the last update.
    void entriesAppended(quint64 sessionId, const Transcript &entries);
    void openCountChanged(int count);

private:
    struct Session
    {
        quint64 id = 0;
        QString peer;
        qint64 openedMs = 0;
        qint64 closedMs = 0;
        QString helo;
        qint64 bytes = 0;
        int messages = 0;
        QByteArray lastReply; // its first line
        QByteArray lastError; // the last 4xx or 5xx reply's first line
        QByteArray refusedBy; // the last rule that refused a command ("recipient rule 2: exact bogus@x.test")
        Transcript entries;
        qsizetype dropped = 0; // entries no longer kept
        qsizetype published = 0; // entries already announced by entriesAppended
        bool stored = false; // read from the store
    };
    Session *find(quint64 id);
    const Session *find(quint64 id) const;
    void scheduleUpdate();
    void prune();
    static QString stateText(const Session &s);

    QList<Session> m_sessions; // newest first
    QList<Session> m_pending; // opened, not yet inserted; oldest first
    QSet<quint64> m_dirty;
    int m_maxSessions = 200;
    int m_open = 0;
    QTimer *m_timer;
    QTimer *m_clock; // durations of open sessions
};
