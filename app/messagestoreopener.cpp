#include "messagestoreopener.h"

#include <store/sqlitemessagestore.h>
#ifdef LETTERBOX_HAVE_POSTGRESQL
#include <pgstore/pgmessagestore.h>
#endif

std::unique_ptr<MessageStore> MessageStoreOpener::open(
    const QString &store, const QString &dataDir, qint64 maxMessages, QString *error, int *exitCode)
{
    *exitCode = 1;
#ifdef LETTERBOX_HAVE_POSTGRESQL
    if (store != QLatin1String("sqlite")) {
        auto postgresql = std::make_unique<PgMessageStore>();
        postgresql->setMaxMessages(maxMessages);
        if (!postgresql->open(store)) {
            // The URL as given may hold a password: the store names itself without one.
            *error = QStringLiteral("cannot open the message store %1: %2")
                         .arg(postgresql->location(), postgresql->errorString());
            if (postgresql->schemaIsNewer()) {
                *exitCode = 2;
            }
            return nullptr;
        }
        return postgresql;
    }
#else
    Q_UNUSED(store)
#endif
    auto sqlite = std::make_unique<SqliteMessageStore>();
    sqlite->setMaxMessages(maxMessages);
    if (!sqlite->open(dataDir)) {
        *error = QStringLiteral("cannot open the message store in %1: %2").arg(dataDir, sqlite->errorString());
        return nullptr;
    }
    return sqlite;
}
