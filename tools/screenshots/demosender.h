#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

// A minimal blocking SMTP client for the screenshot tool and the GUI benchmark: runs on a thread of its own and
// sends prepared messages to a Letterbox on loopback (so that the transcripts are real).
class DemoSender
{
public:
    struct Message
    {
        QByteArray from;
        QList<QByteArray> to;
        QByteArray data; // CRLF lines, not dot-stuffed
    };
    // One session per call; returns false with *error on any unexpected reply. Extra commands (e.g. a
    // deliberately wrong one) go after EHLO.
    static bool send(const QString &host, quint16 port, const QList<Message> &messages, QString *error,
        const QList<QByteArray> &extraCommands = {});
    // The demo mailbox: a newsletter with a cid: image and remote images, a receipt with a PDF, a password
    // reset in plain text, an ISO-8859-1 message, a calendar invite…
    static QList<Message> demoMessages();
};
