#pragma once

#include "../message/messagesummary.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>

// A message as read back from the store: its summary, envelope, source and session transcript.
struct StoredMessage
{
    MessageSummary summary;
    QString mailFrom;
    QStringList rcptTo;
    QString clientAddress;
    int clientPort = 0;
    QString helo;
    QString authUser;
    bool tls = false;
    QByteArray raw; // the stored source: trace header + data as received
    // {"Transcript": [{"Time": RFC 3339 UTC ms, "Direction": "in"|"out", "Text": …}, …]}
    QByteArray transcriptJson;
};
Q_DECLARE_METATYPE(StoredMessage)
