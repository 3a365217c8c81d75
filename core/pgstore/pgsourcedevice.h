#pragma once

#include <QIODevice>

#include <memory>

// A message's stored source read from PostgreSQL in chunks (substring() of message_data.raw, which is stored
// EXTERNAL: uncompressed, so the server reads only the chunks asked for), so that a large message is sent without
// being held whole in memory. Random access, read-only; it has its own connection, so it may outlive the store.
// If the message is deleted while it is being read, reads fail.
class PgSourceDevice : public QIODevice
{
    Q_OBJECT
public:
    PgSourceDevice(const QString &url, const QString &id, QObject *parent = nullptr);
    ~PgSourceDevice() override;

    bool open(OpenMode mode) override;
    void close() override;
    bool isSequential() const override { return false; }
    qint64 size() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 maxSize) override;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
