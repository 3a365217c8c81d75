#include "pgshareddocument.h"

#include "pglistener.h"
#include "pgnotification.h"
#include "pgparameter.h"

#include <QTimer>

namespace {
constexpr int FirstRetryMs = 250;
constexpr int LongestRetryMs = 5000;
} // namespace

QString PgSharedDocument::channel()
{
    return QStringLiteral("letterbox_documents");
}

PgSharedDocument::PgSharedDocument(const QString &url, const QString &name, QObject *parent)
    : QObject(parent), m_url(url), m_name(name), m_retry(new QTimer(this))
{
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &PgSharedDocument::retryListener);
}

PgSharedDocument::~PgSharedDocument() = default;

bool PgSharedDocument::open()
{
    {
        QMutexLocker lock(&m_mutex);
        if (!m_connection.open(m_url)) {
            m_error = m_connection.errorString();
            return false;
        }
    }
    // Listening first, then reading: a change committed in between is both read and notified (and the notification
    // then found not newer), never missed.
    if (!connectListener()) {
        return false;
    }
    QMutexLocker lock(&m_mutex);
    const std::optional<Revision> stored = readLocked();
    if (!stored) {
        return false;
    }
    m_current = *stored;
    return true;
}

QString PgSharedDocument::errorString() const
{
    QMutexLocker lock(&m_mutex);
    return m_error;
}

void PgSharedDocument::setError(const QString &error)
{
    QMutexLocker lock(&m_mutex);
    m_error = error;
}

PgSharedDocument::Revision PgSharedDocument::current() const
{
    QMutexLocker lock(&m_mutex);
    return m_current;
}

bool PgSharedDocument::ensureConnection()
{
    // A connection found broken (the server restarted since) is opened again; the statement that found it broken
    // has failed already, and is not repeated: a write whose commit is in doubt is the caller's to retry.
    if (m_connection.isOpen()) {
        return true;
    }
    if (!m_connection.open(m_url)) {
        m_error = m_connection.errorString();
        return false;
    }
    return true;
}

std::optional<PgSharedDocument::Revision> PgSharedDocument::read()
{
    QMutexLocker lock(&m_mutex);
    return readLocked();
}

std::optional<PgSharedDocument::Revision> PgSharedDocument::readLocked()
{
    if (!ensureConnection()) {
        return std::nullopt;
    }
    const QByteArray sql = "SELECT body, revision FROM documents WHERE name = $1";
    PgResult result = m_connection.exec(sql, { PgParameter::text(m_name) });
    if (!result.isOk() && !m_connection.isOpen()) {
        // The server restarted since the last statement: a read is safe to repeat on a new connection.
        if (!ensureConnection()) {
            return std::nullopt;
        }
        result = m_connection.exec(sql, { PgParameter::text(m_name) });
    }
    if (!result.isOk()) {
        m_error = result.errorString();
        return std::nullopt;
    }
    Revision stored;
    if (result.rows() == 1) {
        stored.body = result.bytea(0, 0);
        stored.revision = result.int64(0, 1);
    }
    return stored;
}

PgSharedDocument::WriteResult PgSharedDocument::write(const QByteArray &body, qint64 expectedRevision, qint64 *revision)
{
    QMutexLocker lock(&m_mutex);
    if (!ensureConnection()) {
        return WriteResult::Failed;
    }
    // One statement, so one transaction: it changes the row only when the revision is still the one expected (a
    // concurrent writer's UPDATE waits for the row lock and then finds the revision moved on: READ COMMITTED
    // re-checks the condition on the newest row version), and the trigger's NOTIFY goes out at its commit.
    const QList<PgParameter> parameters { PgParameter::text(m_name), PgParameter::utf8(body) };
    const PgResult result = expectedRevision == 0
        ? m_connection.exec("INSERT INTO documents (name, body, revision) VALUES ($1, $2, 1) ON CONFLICT (name) DO "
                            "NOTHING RETURNING revision",
            parameters)
        : m_connection.exec(
            "UPDATE documents SET body = $2, revision = revision + 1 WHERE name = $1 AND revision = $3 RETURNING "
            "revision",
            parameters + QList<PgParameter> { PgParameter::int64(expectedRevision) });
    if (!result.isOk()) {
        m_error = result.errorString();
        return WriteResult::Failed;
    }
    if (result.rows() == 0) {
        return WriteResult::Conflict;
    }
    const qint64 written = result.int64(0, 0);
    if (written > m_current.revision) {
        m_current = Revision { body, written };
    }
    if (revision) {
        *revision = written;
    }
    return WriteResult::Written;
}

bool PgSharedDocument::replace(const QByteArray &body, qint64 *revision)
{
    QMutexLocker lock(&m_mutex);
    if (!ensureConnection()) {
        return false;
    }
    const PgResult result = m_connection.exec(
        "INSERT INTO documents (name, body, revision) VALUES ($1, $2, 1) ON CONFLICT (name) DO UPDATE SET body = "
        "excluded.body, revision = documents.revision + 1 RETURNING revision",
        { PgParameter::text(m_name), PgParameter::utf8(body) });
    if (!result.isOk()) {
        m_error = result.errorString();
        return false;
    }
    const qint64 written = result.int64(0, 0);
    if (written > m_current.revision) {
        m_current = Revision { body, written };
    }
    if (revision) {
        *revision = written;
    }
    return true;
}

bool PgSharedDocument::connectListener()
{
    PgConnection listening;
    if (!listening.open(m_url)) {
        setError(listening.errorString());
        return false;
    }
    auto *listener = new PgListener(std::move(listening), this);
    if (!listener->listen(channel())) {
        setError(listener->errorString());
        delete listener;
        return false;
    }
    connect(listener, &PgListener::notified, this, &PgSharedDocument::notified);
    connect(listener, &PgListener::connectionLost, this, &PgSharedDocument::listenerLost);
    m_listener = listener;
    return true;
}

void PgSharedDocument::notified(const PgNotification &notification)
{
    // "REVISION NAME" (migration 0004's trigger): only this document's revisions newer than the one held matter;
    // this object's own writes are held already.
    const qsizetype space = notification.payload.indexOf(' ');
    if (space < 0 || QString::fromUtf8(notification.payload.mid(space + 1)) != m_name) {
        return;
    }
    bool number = false;
    const qint64 revision = notification.payload.left(space).toLongLong(&number);
    if (number && revision > current().revision) {
        refresh();
    }
}

void PgSharedDocument::refresh()
{
    // The row as it is now (perhaps some revisions later than the notification: those notifications then find it
    // current).
    Revision newer;
    {
        QMutexLocker lock(&m_mutex);
        const std::optional<Revision> stored = readLocked();
        if (!stored || stored->revision <= m_current.revision) {
            return;
        }
        m_current = *stored;
        newer = m_current;
    }
    Q_EMIT changedElsewhere(newer.body, newer.revision);
}

void PgSharedDocument::listenerLost(const QString &error)
{
    // Called from the listener's own signal: it goes once control is back in the event loop.
    if (m_listener) {
        m_listener->deleteLater();
        m_listener = nullptr;
    }
    setError(error);
    m_retryMs = FirstRetryMs;
    m_retry->start(m_retryMs);
    Q_EMIT connectionLost(error);
}

void PgSharedDocument::retryListener()
{
    if (!connectListener()) {
        m_retryMs = qMin(m_retryMs * 2, LongestRetryMs);
        m_retry->start(m_retryMs);
        return;
    }
    refresh();
    Q_EMIT reconnected();
}
