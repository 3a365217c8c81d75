#include "messagestore.h"

MessageStore::MessageStore(QObject *parent) : QObject(parent)
{
    // Carried by the change signals to receivers on other threads.
    qRegisterMetaType<MessageSummary>();
    qRegisterMetaType<StoredMessage>();
    qRegisterMetaType<MessageStore::Write>();
    qRegisterMetaType<MailboxCount>();
    qRegisterMetaType<TagCount>();
    qRegisterMetaType<RefusedSession>();
}

MessageStore::~MessageStore() = default;
