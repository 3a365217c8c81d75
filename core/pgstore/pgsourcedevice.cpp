#include "pgsourcedevice.h"

#include "pgconnection.h"
#include "pgparameter.h"

#include <cstring>

namespace {
// One read from the server: large enough that a 10 MB source takes 40 round trips, small enough to stay cheap.
constexpr qint64 ChunkSize = 256 * 1024;
} // namespace

struct PgSourceDevice::Private
{
    QString url;
    QString id;
    PgConnection db;
    qint64 row = 0;
    qint64 size = 0;
    // The chunk read last and where it starts in the source.
    QByteArray chunk;
    qint64 chunkStart = -1;
};

PgSourceDevice::PgSourceDevice(const QString &url, const QString &id, QObject *parent)
    : QIODevice(parent), d(std::make_unique<Private>())
{
    d->url = url;
    d->id = id;
}

PgSourceDevice::~PgSourceDevice()
{
    PgSourceDevice::close();
}

bool PgSourceDevice::open(OpenMode mode)
{
    if (mode != ReadOnly || !d->db.open(d->url)) {
        setErrorString(mode != ReadOnly ? QStringLiteral("read-only") : d->db.errorString());
        return false;
    }
    const PgResult found = d->db.exec("SELECT d.id, octet_length(d.raw) FROM messages m JOIN message_data d "
                                      "ON d.id = m.id WHERE m.uid = $1",
        { PgParameter::text(d->id) });
    if (!found.isOk() || found.rows() != 1) {
        setErrorString(found.isOk() ? QStringLiteral("no such message") : found.errorString());
        d->db.close();
        return false;
    }
    d->row = found.int64(0, 0);
    d->size = found.int64(0, 1);
    return QIODevice::open(mode | Unbuffered);
}

void PgSourceDevice::close()
{
    d->db.close();
    d->chunk.clear();
    d->chunkStart = -1;
    QIODevice::close();
}

qint64 PgSourceDevice::size() const
{
    return d->size;
}

qint64 PgSourceDevice::readData(char *data, qint64 maxSize)
{
    const qint64 at = pos();
    if (at >= d->size) {
        return 0;
    }
    if (d->chunkStart < 0 || at < d->chunkStart || at >= d->chunkStart + d->chunk.size()) {
        // substring() counts from 1.
        const PgResult part
            = d->db.exec("SELECT substring(raw FROM $2::integer FOR $3::integer) FROM message_data WHERE id = $1",
                { PgParameter::int64(d->row), PgParameter::int64(at + 1), PgParameter::int64(ChunkSize) },
                PgResult::Format::Binary);
        if (!part.isOk() || part.rows() != 1 || part.view(0, 0).isEmpty()) {
            setErrorString(part.isOk() ? QStringLiteral("the message was deleted") : part.errorString());
            return -1;
        }
        d->chunk = part.bytea(0, 0);
        d->chunkStart = at;
    }
    const qint64 offset = at - d->chunkStart;
    const qint64 n = qMin(maxSize, d->chunk.size() - offset);
    std::memcpy(data, d->chunk.constData() + offset, size_t(n));
    return n;
}

qint64 PgSourceDevice::writeData(const char *, qint64)
{
    return -1;
}
