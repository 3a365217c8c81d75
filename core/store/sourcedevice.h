#pragma once

#include <QIODevice>

#include <memory>

// A message's stored source read straight from the database in chunks (SQLite incremental blob I/O), so that
// a large message is sent without being copied whole into memory. Random access, read-only; it has its own
// connection. If the message is deleted while it is being read, reads fail.
class SourceDevice : public QIODevice
{
    Q_OBJECT
public:
    SourceDevice(const QString &databasePath, const QString &id, QObject *parent = nullptr);
    ~SourceDevice() override;

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
