#pragma once

#include <QString>
#include <QUrl>
#include <QUrlQuery>

class QNetworkRequest;

// Where a remote catcher is and how to log in: the API's base URL (http or https, with any path prefix a reverse
// proxy or Mailpit's --webroot puts before /api) and HTTP basic credentials (CONTRACT "--api-auth"); no user: none.
struct RemoteEndpoint
{
    QUrl base;
    QString user;
    QString password;

    // http://host:port[/prefix] as given, checked: an http or https URL with a host, no query or fragment. *error
    // says what is wrong otherwise.
    static bool parse(const QString &text, RemoteEndpoint *endpoint, QString *error);
    // The URL of path ("/api/v1/messages") under the base; with a mailbox, under Letterbox's /mailbox/NAME prefix
    // (CONTRACT "Mailboxes").
    QUrl url(const QString &path, const QUrlQuery &query = QUrlQuery(), const QString &mailbox = QString()) const;
    // ws:// or wss:// …/api/events.
    QUrl eventsUrl() const;
    // A request for url carrying the credentials (and nothing cached: every answer is the catcher's current one).
    QNetworkRequest request(const QUrl &url) const;
    // The base as the user typed it, without credentials (the window's title and status).
    QString displayText() const;
};
