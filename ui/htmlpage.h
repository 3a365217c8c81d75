#pragma once

#include <QWebEnginePage>

// A message's HTML page: it never navigates away from the message. A clicked link opens in the system browser
// (http, https, mailto only); redirects, refreshes and form posts go nowhere. Windows it asks for (target=_blank)
// are caught the same way.
class HtmlPage : public QWebEnginePage
{
    Q_OBJECT
public:
    explicit HtmlPage(QWebEngineProfile *profile, QObject *parent = nullptr);

Q_SIGNALS:
    void externalLinkRequested(const QUrl &url);

protected:
    bool acceptNavigationRequest(const QUrl &url, NavigationType type, bool isMainFrame) override;
    QWebEnginePage *createWindow(WebWindowType type) override;

private:
    bool m_popup = false;
};
