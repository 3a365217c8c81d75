#include "htmlpage.h"

#include "messageschemehandler.h"

#include <QTimer>

HtmlPage::HtmlPage(QWebEngineProfile *profile, QObject *parent) : QWebEnginePage(profile, parent)
{
}

bool HtmlPage::acceptNavigationRequest(const QUrl &url, NavigationType type, bool isMainFrame)
{
    if (!m_popup && url.scheme() == QLatin1String(MessageSchemeHandler::BodyScheme) && type == NavigationTypeTyped) {
        return true; // the view itself loading the message's body
    }
    if (!isMainFrame && url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) {
        return true; // sub-frames of the message's own content (about:blank, data:); remote ones are gated
    }
    if (type == NavigationTypeLinkClicked || m_popup) {
        const QString scheme = url.scheme();
        if (scheme == QLatin1String("http") || scheme == QLatin1String("https") || scheme == QLatin1String("mailto")) {
            Q_EMIT externalLinkRequested(url);
        }
    }
    if (m_popup) {
        // A page made only to catch a new window's URL.
        QTimer::singleShot(0, this, &QObject::deleteLater);
    }
    return false;
}

QWebEnginePage *HtmlPage::createWindow(WebWindowType type)
{
    Q_UNUSED(type)
    auto *popup = new HtmlPage(profile(), this);
    popup->m_popup = true;
    connect(popup, &HtmlPage::externalLinkRequested, this, &HtmlPage::externalLinkRequested);
    return popup;
}
