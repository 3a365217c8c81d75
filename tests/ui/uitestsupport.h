#pragma once

// Helpers shared by the GUI tests: filling a store the way deliveries do, and waiting for it.
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/messagestore.h>

#include <QTest>

#include <future>

namespace UiTest {
// Delivers one message (as an import: envelope from its headers) and waits for the commit.
inline QString deliver(MessageStore &store, const QByteArray &data, qint64 timeMs = 0)
{
    std::promise<QString> done;
    IncomingMessage in = MessageImporter::incoming(data, timeMs ? timeMs : QDateTime::currentMSecsSinceEpoch());
    const QString id = QString::fromLatin1(in.id);
    store.deliver(std::move(in), [&done, id](const DeliveryResult &r) { done.set_value(r.ok ? id : QString()); });
    return done.get_future().get();
}

inline QByteArray simpleMessage(const QString &subject, const QString &from = QStringLiteral("ann@example.test"))
{
    return QStringLiteral("From: %1\r\nTo: bob@example.test\r\nSubject: %2\r\n\r\nBody of %2\r\n")
        .arg(from, subject)
        .toUtf8();
}
} // namespace UiTest
