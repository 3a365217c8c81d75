#include "pgconnection.h"

#include "pgparameter.h"

#include "pglibrary.h"

#include <QUrl>

#include <utility>
#include <vector>

namespace {
QString trimmed(const char *message)
{
    return QString::fromUtf8(message).trimmed();
}

// Notices and warnings the server sends (a NOTICE that a table already exists, …) are not errors, and libpq's
// default prints them to standard error, which belongs to the program's own messages.
void ignoreNotice(void *, const char *)
{
}
} // namespace

PgConnection::~PgConnection()
{
    close();
}

PgConnection::PgConnection(PgConnection &&other) noexcept
    : m_conn(std::exchange(other.m_conn, nullptr))
    , m_error(std::move(other.m_error))
    , m_prepared(std::exchange(other.m_prepared, {}))
{
}

PgConnection &PgConnection::operator=(PgConnection &&other) noexcept
{
    if (this != &other) {
        close();
        m_conn = std::exchange(other.m_conn, nullptr);
        m_error = std::move(other.m_error);
        m_prepared = std::exchange(other.m_prepared, {});
    }
    return *this;
}

bool PgConnection::open(const QString &url)
{
    close();
    m_error.clear();
    if (!url.startsWith(QLatin1String("postgresql://")) && !url.startsWith(QLatin1String("postgres://"))) {
        m_error = QStringLiteral("not a postgresql:// URL");
        return false;
    }
    const QByteArray conninfo = url.toUtf8();
    // libpq reads the keywords in order and keeps the last value of each: the URL (expanded from dbname) may change
    // the timeout, nothing may change the encoding, which every QString conversion here relies on.
    // TCP keepalives and a user timeout, so that a server that vanished from the network (no FIN, no RST) is noticed
    // within about half a minute instead of the kernel's quarter of an hour: a delivery then gets its 451 and a
    // stop does not hang on the writer. The URL may set others.
    const char *const keywords[] = { "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "dbname", "fallback_application_name", "client_encoding", nullptr };
    const char *const values[]
        = { "10", "1", "10", "5", "3", "30000", conninfo.constData(), "letterbox", "UTF8", nullptr };
    if (!PgLibrary::load(&m_error)) {
        return false;
    }
    m_conn = PgLibrary::get().PQconnectdbParams(keywords, values, 1);
    if (!m_conn) {
        m_error = QStringLiteral("out of memory");
        return false;
    }
    if (PgLibrary::get().PQstatus(m_conn) != CONNECTION_OK) {
        m_error = trimmed(PgLibrary::get().PQerrorMessage(m_conn));
        close();
        return false;
    }
    PgLibrary::get().PQsetNoticeProcessor(m_conn, ignoreNotice, nullptr);
    return true;
}

void PgConnection::close()
{
    if (m_conn) {
        PgLibrary::get().PQfinish(m_conn);
        m_conn = nullptr;
    }
    // Prepared statements live and die with their session.
    m_prepared.clear();
}

bool PgConnection::isOpen() const
{
    return m_conn && PgLibrary::get().PQstatus(m_conn) == CONNECTION_OK;
}

QString PgConnection::errorString() const
{
    return m_error;
}

QString PgConnection::location() const
{
    if (!m_conn) {
        return QString();
    }
    // A Unix-socket directory is the host of such a URL, percent-encoded (libpq reads it back so).
    const QString host = QString::fromUtf8(PgLibrary::get().PQhost(m_conn));
    const QString hostPart = host.startsWith(u'/') ? QString::fromLatin1(QUrl::toPercentEncoding(host)) : host;
    const QString hostPort = hostPart.contains(u':') && !host.startsWith(u'/')
        ? QStringLiteral("[%1]:%2").arg(hostPart, QString::fromUtf8(PgLibrary::get().PQport(m_conn)))
        : QStringLiteral("%1:%2").arg(hostPart, QString::fromUtf8(PgLibrary::get().PQport(m_conn)));
    return QStringLiteral("postgresql://%1@%2/%3")
        .arg(QString::fromUtf8(PgLibrary::get().PQuser(m_conn)), hostPort,
            QString::fromUtf8(PgLibrary::get().PQdb(m_conn)));
}

int PgConnection::serverVersion() const
{
    return m_conn ? PgLibrary::get().PQserverVersion(m_conn) : 0;
}

int PgConnection::backendProcessId() const
{
    return m_conn ? PgLibrary::get().PQbackendPID(m_conn) : 0;
}

PgResult PgConnection::record(PgResult result)
{
    m_error = result.errorString();
    return result;
}

PgResult PgConnection::exec(const QByteArray &sql)
{
    if (!m_conn) {
        return record(PgResult(nullptr, QStringLiteral("not connected")));
    }
    PGresult *result = PgLibrary::get().PQexec(m_conn, sql.constData());
    return record(PgResult(result, result ? QString() : trimmed(PgLibrary::get().PQerrorMessage(m_conn))));
}

PgResult PgConnection::exec(const QByteArray &sql, const QList<PgParameter> &parameters, PgResult::Format format)
{
    if (!m_conn) {
        return record(PgResult(nullptr, QStringLiteral("not connected")));
    }
    const auto count = std::size_t(parameters.size());
    std::vector<Oid> types(count);
    std::vector<const char *> values(count);
    std::vector<int> lengths(count);
    std::vector<int> formats(count);
    for (std::size_t i = 0; i < count; ++i) {
        const PgParameter &parameter = parameters.at(qsizetype(i));
        types[i] = parameter.type();
        // A null parameter is a null pointer; an empty value is a valid pointer to no bytes.
        values[i] = parameter.isNull() ? nullptr : parameter.value().constData();
        lengths[i] = int(parameter.value().size());
        formats[i] = parameter.isBinary() ? 1 : 0;
    }
    const int resultFormat = format == PgResult::Format::Binary ? 1 : 0;
    // The same text with parameters of other types is another statement (a NULL has none, for one).
    QByteArray key = sql;
    key.append('\0');
    key.append(reinterpret_cast<const char *>(types.data()), qsizetype(count * sizeof(Oid)));
    QByteArray name = m_prepared.value(key);
    if (name.isEmpty() && m_prepared.size() < MaxPreparedStatements) {
        // Preparing is not transactional: a statement prepared in a transaction that rolls back stays prepared.
        // In a failed transaction it fails like any other statement, and is prepared at a later use.
        const QByteArray candidate = "lb" + QByteArray::number(m_prepared.size() + 1);
        PGresult *prepared
            = PgLibrary::get().PQprepare(m_conn, candidate.constData(), sql.constData(), int(count), types.data());
        PgResult outcome(prepared, prepared ? QString() : trimmed(PgLibrary::get().PQerrorMessage(m_conn)));
        if (!outcome.isOk()) {
            return record(std::move(outcome));
        }
        m_prepared.insert(key, candidate);
        name = candidate;
    }
    PGresult *result = name.isEmpty() ? PgLibrary::get().PQexecParams(m_conn, sql.constData(), int(count), types.data(),
                           values.data(), lengths.data(), formats.data(), resultFormat)
                                      : PgLibrary::get().PQexecPrepared(m_conn, name.constData(), int(count),
                                          values.data(), lengths.data(), formats.data(), resultFormat);
    return record(PgResult(result, result ? QString() : trimmed(PgLibrary::get().PQerrorMessage(m_conn))));
}

bool PgConnection::inTransaction() const
{
    if (!m_conn) {
        return false;
    }
    const PGTransactionStatusType status = PgLibrary::get().PQtransactionStatus(m_conn);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool PgConnection::listen(const QString &channel)
{
    if (!m_conn) {
        m_error = QStringLiteral("not connected");
        return false;
    }
    const QByteArray name = channel.toUtf8();
    char *quoted = PgLibrary::get().PQescapeIdentifier(m_conn, name.constData(), std::size_t(name.size()));
    if (!quoted) {
        m_error = trimmed(PgLibrary::get().PQerrorMessage(m_conn));
        return false;
    }
    const QByteArray sql = "LISTEN " + QByteArray(quoted);
    PgLibrary::get().PQfreemem(quoted);
    return exec(sql).isOk();
}

bool PgConnection::notify(const QString &channel, const QByteArray &payload)
{
    return exec("SELECT pg_notify($1, $2)", { PgParameter::text(channel), PgParameter::utf8(payload) }).isOk();
}

qintptr PgConnection::socketDescriptor() const
{
    return m_conn ? PgLibrary::get().PQsocket(m_conn) : -1;
}

bool PgConnection::consumeInput()
{
    if (!m_conn) {
        m_error = QStringLiteral("not connected");
        return false;
    }
    if (!PgLibrary::get().PQconsumeInput(m_conn) || PgLibrary::get().PQstatus(m_conn) != CONNECTION_OK) {
        m_error = trimmed(PgLibrary::get().PQerrorMessage(m_conn));
        return false;
    }
    return true;
}

QList<PgNotification> PgConnection::takeNotifications()
{
    QList<PgNotification> notifications;
    if (!m_conn) {
        return notifications;
    }
    while (PGnotify *notify = PgLibrary::get().PQnotifies(m_conn)) {
        notifications.append({ QString::fromUtf8(notify->relname), QByteArray(notify->extra), notify->be_pid });
        PgLibrary::get().PQfreemem(notify);
    }
    return notifications;
}
