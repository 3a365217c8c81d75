#include "remotehttp.h"

#include "remoteendpoint.h"

#include <QBuffer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

RemoteReply RemoteHttp::send(const RemoteEndpoint &endpoint, const QByteArray &method, const QUrl &url,
    const QByteArray &body, int timeoutMs, const std::atomic<bool> *keepGoing)
{
    QNetworkAccessManager manager;
    QNetworkRequest request = endpoint.request(url);
    if (!body.isEmpty()) {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    QBuffer data;
    data.setData(body);
    data.open(QIODevice::ReadOnly);
    QNetworkReply *reply = manager.sendCustomRequest(request, method, body.isEmpty() ? nullptr : &data);
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timeout.start(timeoutMs);
    QTimer poll;
    if (keepGoing) {
        QObject::connect(&poll, &QTimer::timeout, &loop, [keepGoing, &loop] {
            if (!keepGoing->load()) {
                loop.quit();
            }
        });
        poll.start(100);
    }
    if (!reply->isFinished()) {
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    RemoteReply answer;
    if (!reply->isFinished()) {
        reply->abort();
        answer.error = keepGoing && !keepGoing->load()
            ? QStringLiteral("detached from %1").arg(endpoint.displayText())
            : QStringLiteral("no answer from %1 within %2 s").arg(endpoint.displayText()).arg(timeoutMs / 1000);
    } else {
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        if (answer.status == 0) {
            answer.error = reply->errorString();
        }
    }
    delete reply;
    return answer;
}
