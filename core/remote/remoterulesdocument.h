#pragma once

#include "remoteendpoint.h"

#include <settings/settingsdocument.h>

#include <QMutex>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;
class QTimer;

// The rules of an attached Letterbox (README "REST API": GET|PUT /api/v1/rules) as a settings document, so that the
// Rules window edits them as it edits a local catcher's: read() is GET, save() is PUT (the server validates the whole
// set and keeps it where its rules are kept; a 400's text is the error). Both wait for their answer on the calling
// thread with a bounded timeout (RemoteHttp): never call them on the GUI thread (the Rules window saves on a worker).
//
// Others' changes (the API, another window, another instance on the server's database) are noticed by polling: while
// polling is on, GET /api/v1/rules runs on this object's own thread pool every interval and a body that differs from
// the last one known is applied (SettingsDocument's applier) and emitted as changedElsewhere() on this object's thread;
// poll() reads once (after a reconnect). This object's own saves are not told back: the server's answer to a PUT is the
// text known from then on, and a read that raced a save is dropped. A save that failed is followed by a read, so that
// the rules shown become the server's again.
class RemoteRulesDocument : public SettingsDocument
{
    Q_OBJECT
public:
    explicit RemoteRulesDocument(const RemoteEndpoint &endpoint, QObject *parent = nullptr);
    ~RemoteRulesDocument() override;

    // The rules' URL ("http://host:port/api/v1/rules").
    QString location() const override;
    std::optional<Contents> read(QString *error) override;
    // read() on this object's pool, for the GUI thread: done runs on context's thread with the body, or nullopt and
    // why not (not at all once context is gone).
    void fetch(QObject *context, std::function<void(const std::optional<QByteArray> &body, const QString &error)> done);

    // Bound on each request's wait (default 15 s).
    void setRequestTimeout(int milliseconds);
    // Polls every intervalMs while on (default 2 s); turning it on reads at once.
    void setPolling(bool on);
    bool isPolling() const;
    void setPollInterval(int milliseconds);
    // Reads the rules off this thread now; changedElsewhere() when they differ from those known.
    void poll();
    // Stops polling and waits for a read under way (the destructor does it too).
    void close();

protected:
    // PUT; the revision is this object's count of the texts it wrote or read (the server keeps none).
    bool write(const QByteArray &body, qint64 *revision, QString *error) override;

private:
    void pollFinished(const QByteArray &body, quint64 savesBefore);

    const RemoteEndpoint m_endpoint;
    std::unique_ptr<QThreadPool> m_pool;
    QTimer *m_timer;
    std::atomic<int> m_timeout { 15000 };
    std::atomic<bool> m_open { true };
    std::atomic<bool> m_reading { false };
    mutable QMutex m_mutex; // guards what follows
    QByteArray m_known; // the body as last read or saved; empty before the first
    quint64 m_saves = 0; // saves begun: a read that started before one is stale
    int m_savesUnderWay = 0;
    qint64 m_revision = 0; // rises with each text written or newly read
};
