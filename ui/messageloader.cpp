#include "messageloader.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

MessageLoader::MessageLoader(const MessageStore *store, QObject *parent) : QObject(parent), m_store(store)
{
    qRegisterMetaType<MessageContent>();
}

MessageLoader::~MessageLoader() = default;

void MessageLoader::load(const QString &id)
{
    const quint64 generation = ++m_generation;
    m_loading = true;
    QPointer<MessageLoader> self(this);
    const MessageStore *store = m_store;
    QThreadPool::globalInstance()->start([self, store, id, generation] {
        MessageContent content = MessageContent::load(store, id);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, id, generation, content = std::move(content)] {
                // The loader may be gone, or a newer request made, by the time the parse is done.
                if (!self || self->m_generation != generation) {
                    return;
                }
                self->m_loading = false;
                Q_EMIT self->loaded(id, content);
            },
            Qt::QueuedConnection);
    });
}

void MessageLoader::cancel()
{
    ++m_generation;
    m_loading = false;
}

bool MessageLoader::isLoading() const
{
    return m_loading;
}
