#include "sourcedevice.h"

#include "sqlitedatabase.h"

#include <sqlite3.h>

struct SourceDevice::Private
{
    QString path;
    QString id;
    SqliteDatabase db;
    sqlite3_blob *blob = nullptr;
    qint64 size = 0;
};

SourceDevice::SourceDevice(const QString &databasePath, const QString &id, QObject *parent)
    : QIODevice(parent), d(std::make_unique<Private>())
{
    d->path = databasePath;
    d->id = id;
}

SourceDevice::~SourceDevice()
{
    SourceDevice::close();
}

bool SourceDevice::open(OpenMode mode)
{
    if (mode != ReadOnly || !d->db.open(d->path, SqliteDatabase::Mode::ReadOnly)) {
        setErrorString(d->db.errorString());
        return false;
    }
    sqlite3_busy_timeout(d->db.handle(), 5000);
    SqliteStatement st = d->db.prepare("SELECT id FROM messages WHERE uid = ?1");
    st.bind(1, d->id);
    if (!st.step()) {
        setErrorString(QStringLiteral("no such message"));
        d->db.close();
        return false;
    }
    const qint64 rowId = st.columnInt(0);
    st = {};
    // The blob handle keeps one read transaction: the source stays as it was when opened.
    if (sqlite3_blob_open(d->db.handle(), "main", "message_data", "raw", rowId, 0, &d->blob) != SQLITE_OK) {
        setErrorString(d->db.errorString());
        d->blob = nullptr;
        d->db.close();
        return false;
    }
    d->size = sqlite3_blob_bytes(d->blob);
    return QIODevice::open(mode | Unbuffered);
}

void SourceDevice::close()
{
    if (d->blob) {
        sqlite3_blob_close(d->blob);
        d->blob = nullptr;
    }
    d->db.close();
    if (isOpen()) {
        QIODevice::close();
    }
}

qint64 SourceDevice::size() const
{
    return d->size;
}

qint64 SourceDevice::readData(char *data, qint64 maxSize)
{
    if (!d->blob) {
        return -1;
    }
    const qint64 at = pos();
    const qint64 n = qMin(maxSize, d->size - at);
    if (n <= 0) {
        return 0;
    }
    if (sqlite3_blob_read(d->blob, data, int(n), int(at)) != SQLITE_OK) {
        setErrorString(QStringLiteral("the message was deleted while it was read"));
        return -1;
    }
    return n;
}

qint64 SourceDevice::writeData(const char *, qint64)
{
    return -1;
}
