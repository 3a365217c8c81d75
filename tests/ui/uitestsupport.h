#pragma once

// Helpers shared by the GUI tests: filling a store the way deliveries do, waiting for it, and a quiet catcher.
#include <service/catcherservice.h>
#include <smtp/messagedelivery.h>
#include <store/messageimporter.h>
#include <store/sqlitemessagestore.h>
#include <ui/appsettings.h>

#include <QHash>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <atomic>
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

// Delivers one message into a mailbox, as routing would (CONTRACT "Mailboxes"), and waits for the commit.
inline QString deliverTo(MessageStore &store, const QByteArray &data, const QString &mailbox, qint64 timeMs = 0)
{
    std::promise<QString> done;
    IncomingMessage in = MessageImporter::incoming(data, timeMs ? timeMs : QDateTime::currentMSecsSinceEpoch());
    in.mailbox = mailbox;
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

// Stores count messages "needle N" as fast as the store takes them (a flood), and waits until all are committed.
inline void deliverFlood(MessageStore &store, int count)
{
    std::atomic<int> left { count };
    std::promise<void> stored;
    for (int i = 0; i < count; ++i) {
        store.deliver(MessageImporter::incoming(simpleMessage(QStringLiteral("needle %1").arg(i)), 1764000000000 + i),
            [&](const DeliveryResult &) {
                if (--left == 0) {
                    stored.set_value();
                }
            });
    }
    stored.get_future().wait();
}

// Counts the requests it gets over a real loopback socket, by path, and answers each with an empty 200.
class HitCounter : public QTcpServer
{
public:
    HitCounter()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    const QByteArray request = socket->readAll();
                    const QList<QByteArray> words = request.left(request.indexOf("\r\n")).split(' ');
                    if (words.size() >= 2) {
                        ++hits[QString::fromLatin1(words.at(1))];
                    }
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n");
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    int total() const
    {
        int n = 0;
        for (int count : hits) {
            n += count;
        }
        return n;
    }
    QHash<QString, int> hits;
};
// SMTP on a free loopback port, as "mx.test"; no API.
inline CatcherConfig loopbackConfig()
{
    CatcherConfig config;
    ListenAddress smtp;
    ListenAddress::parse(QStringLiteral("127.0.0.1:0"), &smtp);
    config.smtp = { smtp };
    config.session.hostname = "mx.test";
    return config;
}

// No tray icon and no notifications: nothing outside the window under test.
inline AppSettings quietSettings()
{
    AppSettings s;
    s.trayIcon = false;
    s.notifications = false;
    return s;
}
} // namespace UiTest
