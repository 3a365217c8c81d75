#pragma once

#include "remotereply.h"

#include <QByteArray>

#include <atomic>

class QUrl;
struct RemoteEndpoint;

// A request that waits for its answer, for threads that may wait (workers, the remote store's own pool): its own
// QNetworkAccessManager and event loop on the calling thread, bounded by a timeout. Never for the GUI thread.
namespace RemoteHttp {
// keepGoing: when given and it turns false, the request is abandoned within 100 ms (a store being closed).
RemoteReply send(const RemoteEndpoint &endpoint, const QByteArray &method, const QUrl &url,
    const QByteArray &body = QByteArray(), int timeoutMs = 15000, const std::atomic<bool> *keepGoing = nullptr);
} // namespace RemoteHttp
