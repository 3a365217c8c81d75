#include "remotecontentblocker.h"

#include "messageschemehandler.h"

RemoteContentBlocker::RemoteContentBlocker(QObject *parent) : QWebEngineUrlRequestInterceptor(parent)
{
}

void RemoteContentBlocker::setRemoteAllowed(bool allowed)
{
    m_remoteAllowed = allowed;
}

bool RemoteContentBlocker::isRemoteAllowed() const
{
    return m_remoteAllowed;
}

int RemoteContentBlocker::blockedCount() const
{
    return m_blocked;
}

void RemoteContentBlocker::resetBlockedCount()
{
    m_blocked = 0;
}

void RemoteContentBlocker::interceptRequest(QWebEngineUrlRequestInfo &info)
{
    const QString scheme = info.requestUrl().scheme();
    if (scheme == QLatin1String(MessageSchemeHandler::BodyScheme)
        || scheme == QLatin1String(MessageSchemeHandler::CidScheme) || scheme == QLatin1String("data")
        || scheme == QLatin1String("about")) {
        return;
    }
    const bool web = scheme == QLatin1String("http") || scheme == QLatin1String("https");
    if (web && m_remoteAllowed) {
        return;
    }
    info.block(true);
    ++m_blocked;
    // The interceptor may run on the IO thread in some Qt versions: the signal is queued to the view.
    Q_EMIT blocked(info.requestUrl());
}
