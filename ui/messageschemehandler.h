#pragma once

#include "messagecontent.h"

#include <QWebEngineUrlSchemeHandler>

// Serves the message being shown to its HTML view: the body at letterbox-message:body.html and its parts at
// cid:CONTENT-ID (RFC 2392), from the message's own bytes. Nothing else is served.
class MessageSchemeHandler : public QWebEngineUrlSchemeHandler
{
    Q_OBJECT
public:
    static constexpr const char *BodyScheme = "letterbox-message";
    static constexpr const char *CidScheme = "cid";
    // Must run before the QApplication is created (Qt WebEngine's rule for custom schemes).
    static void registerSchemes();
    static QUrl bodyUrl(const QString &messageId);

    explicit MessageSchemeHandler(QObject *parent = nullptr);
    void setContent(const MessageContent &content);
    void requestStarted(QWebEngineUrlRequestJob *job) override;
    // Requests answered with content, by URL scheme (for tests and diagnostics).
    int servedCount(const QString &scheme) const;

private:
    MessageContent m_content;
    QHash<QString, int> m_served;
};
