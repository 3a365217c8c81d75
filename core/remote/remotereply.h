#pragma once

#include <QByteArray>
#include <QString>

// One HTTP answer from the remote catcher: its status and body, or why there was none (status 0).
struct RemoteReply
{
    int status = 0; // 0: no answer (connection refused, timed out, TLS failed)
    QByteArray body;
    QString error; // the network error when status is 0, else the body's text for a status other than 2xx

    bool isOk() const { return status >= 200 && status < 300; }
    // What a user reads: the server's own words for a refusal, the network's for no answer.
    QString errorString() const
    {
        if (status == 0) {
            return error;
        }
        if (status == 401) {
            return QStringLiteral("the catcher asks for a user name and password (401)");
        }
        const QString text = QString::fromUtf8(body).trimmed();
        return text.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                              : QStringLiteral("%1 (HTTP %2)").arg(text).arg(status);
    }
};
