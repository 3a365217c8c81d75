#include "remoteendpoint.h"

#include <QNetworkRequest>

bool RemoteEndpoint::parse(const QString &text, RemoteEndpoint *endpoint, QString *error)
{
    const QUrl url = QUrl::fromUserInput(text.trimmed());
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        *error = QStringLiteral("'%1' is not an http:// or https:// URL").arg(text);
        return false;
    }
    if (url.host().isEmpty()) {
        *error = QStringLiteral("'%1' names no host").arg(text);
        return false;
    }
    if (url.hasQuery() || url.hasFragment()) {
        *error = QStringLiteral("'%1': the API's base URL takes no query or fragment").arg(text);
        return false;
    }
    endpoint->base = url.adjusted(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
    // A user typed into the URL (http://ada@host:8025) is the login; a password there is taken too, but the
    // keychain or LETTERBOX_ATTACH_PASSWORD is where it should live.
    if (!url.userName().isEmpty()) {
        endpoint->user = url.userName();
    }
    if (!url.password().isEmpty()) {
        endpoint->password = url.password();
    }
    return true;
}

QUrl RemoteEndpoint::url(const QString &path, const QUrlQuery &query, const QString &mailbox) const
{
    QUrl url = base;
    QString prefix = base.path();
    while (prefix.endsWith(u'/')) {
        prefix.chop(1);
    }
    if (!mailbox.isEmpty()) {
        // A mailbox name is one path segment (MailboxName allows no '/'); encoded as such.
        prefix += QStringLiteral("/mailbox/") + QString::fromLatin1(QUrl::toPercentEncoding(mailbox));
    }
    url.setPath(prefix + path, QUrl::TolerantMode);
    if (!query.isEmpty()) {
        url.setQuery(query);
    }
    return url;
}

QUrl RemoteEndpoint::eventsUrl() const
{
    QUrl events = url(QStringLiteral("/api/events"));
    events.setScheme(base.scheme().toLower() == QLatin1String("https") ? QStringLiteral("wss") : QStringLiteral("ws"));
    return events;
}

QNetworkRequest RemoteEndpoint::request(const QUrl &url) const
{
    QNetworkRequest request(url);
    if (!user.isEmpty()) {
        // RFC 7617: basic credentials, sent with every request (the server never has to challenge first).
        request.setRawHeader("Authorization", "Basic " + (user + u':' + password).toUtf8().toBase64());
    }
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setTransferTimeout(0);
    return request;
}

QString RemoteEndpoint::displayText() const
{
    return base.toDisplayString(QUrl::RemoveUserInfo);
}
