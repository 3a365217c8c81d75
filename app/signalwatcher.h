#pragma once

#include <QObject>

class QSocketNotifier;

// Turns SIGINT/SIGTERM into a Qt signal on the main thread (self-pipe; the handler only writes a byte).
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;
    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    void terminationRequested(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};
