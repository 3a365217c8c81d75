#pragma once

#include <QString>
#include <QtGlobal>

// One server an SmtpClient may send through: a host name or address and a port (tcllib smtp::sendmessage's
// -servers and -ports, paired).
struct SmtpServerAddress
{
    QString host;
    quint16 port = 25;
};
