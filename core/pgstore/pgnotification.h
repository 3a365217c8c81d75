#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

// One NOTIFY received on a channel this connection LISTENs to: the channel, the payload (at most 8000 bytes, as the
// server limits it) and the process id of the server backend that sent it.
struct PgNotification
{
    QString channel;
    QByteArray payload;
    int processId = 0;
};
Q_DECLARE_METATYPE(PgNotification)
