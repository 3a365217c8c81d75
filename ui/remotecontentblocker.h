#pragma once

#include <QWebEngineUrlRequestInterceptor>

#include <atomic>

// The HTML view's gate to the network: only the message's own content (its body and cid: parts, data: URLs) is
// loaded; remote content (http, https, ftp, …) only once the user asked for it for this message. Counts what it
// blocked, so the view can say so.
class RemoteContentBlocker : public QWebEngineUrlRequestInterceptor
{
    Q_OBJECT
public:
    explicit RemoteContentBlocker(QObject *parent = nullptr);
    void setRemoteAllowed(bool allowed);
    bool isRemoteAllowed() const;
    int blockedCount() const;
    void resetBlockedCount();
    void interceptRequest(QWebEngineUrlRequestInfo &info) override;

Q_SIGNALS:
    void blocked(const QUrl &url);

private:
    std::atomic<bool> m_remoteAllowed { false };
    std::atomic<int> m_blocked { 0 };
};
