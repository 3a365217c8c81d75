#pragma once

#include "messagecontent.h"

#include <QObject>

class MessageStore;

// Loads messages for the message pane on a worker thread (reading a 10 MB source and parsing it never blocks the
// GUI). Only the newest request is answered: selecting quickly through the inbox loads what stays selected.
class MessageLoader : public QObject
{
    Q_OBJECT
public:
    explicit MessageLoader(const MessageStore *store, QObject *parent = nullptr);
    ~MessageLoader() override;

    void load(const QString &id);
    // Forgets the pending request, if any.
    void cancel();
    bool isLoading() const;

Q_SIGNALS:
    // content is invalid when the message no longer exists.
    void loaded(const QString &id, const MessageContent &content);

private:
    const MessageStore *m_store;
    quint64 m_generation = 0;
    bool m_loading = false;
};
