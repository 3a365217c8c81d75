#pragma once

#include "pgnotification.h"
#include "pgresult.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

class PgParameter;
struct pg_conn;

// One libpq connection, closed on destruction. Failure is a bool plus errorString() (Qt style); a statement's
// failure is its PgResult's, and errorString() repeats it. A connection belongs to one thread at a time: libpq is
// thread-safe per connection, not within one.
class PgConnection
{
public:
    PgConnection() = default;
    ~PgConnection();
    PgConnection(PgConnection &&other) noexcept;
    PgConnection &operator=(PgConnection &&other) noexcept;
    PgConnection(const PgConnection &) = delete;
    PgConnection &operator=(const PgConnection &) = delete;

    // Connects to a postgresql:// (or postgres://) URL with libpq's conventions: the password from the URL,
    // PGPASSWORD or ~/.pgpass (PGPASSFILE), sslmode and the other parameters from the query string or PG*
    // variables. Waits at most connect_timeout (10 s unless the URL says otherwise). client_encoding is always UTF8.
    bool open(const QString &url);
    void close();
    // Connected, and the connection not found broken.
    bool isOpen() const;
    QString errorString() const;
    // The database as a URL without a password (postgresql://USER@HOST:PORT/DB): what messages name the store by.
    QString location() const;
    // The server's version as a number (150004 for 15.4), 0 when not connected.
    int serverVersion() const;
    // The server process serving this connection (pg_backend_pid()).
    int backendProcessId() const;

    // One or more statements separated by semicolons, without parameters (the simple query protocol; a migration
    // file is run so). Text results.
    PgResult exec(const QByteArray &sql);
    // One statement with $1, $2, … parameters (the extended protocol: values never pass through the SQL text). The
    // statement is prepared on the server at its first use and run prepared after that (per connection, for the
    // first MaxPreparedStatements texts with their parameters' types): a group commit's inserts are parsed and
    // planned once, not once a message.
    PgResult exec(
        const QByteArray &sql, const QList<PgParameter> &parameters, PgResult::Format format = PgResult::Format::Text);
    // Inside a transaction block (also a failed one, until it is rolled back).
    bool inTransaction() const;

    // LISTEN channel (the name is quoted as an identifier: any text is one channel). Notifications then arrive on
    // socketDescriptor(): watch it (PgListener does, with a QSocketNotifier), call consumeInput() when it is
    // readable and takeNotifications() after it and after every exec().
    bool listen(const QString &channel);
    // NOTIFY channel, payload (pg_notify()): delivered to the listeners when this connection's transaction commits.
    bool notify(const QString &channel, const QByteArray &payload);
    qintptr socketDescriptor() const;
    // Reads what the server has sent, without waiting. False when the connection is lost.
    bool consumeInput();
    // The notifications read so far, oldest first; does no I/O.
    QList<PgNotification> takeNotifications();

    static constexpr int MaxPreparedStatements = 128;

private:
    PgResult record(PgResult result);

    pg_conn *m_conn = nullptr;
    QString m_error;
    // The statements prepared on this connection: the SQL text and its parameters' types, to the statement's name.
    QHash<QByteArray, QByteArray> m_prepared;
};
