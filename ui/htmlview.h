#pragma once

#include "messagecontent.h"

#include <QWidget>

class HtmlPage;
class MessageSchemeHandler;
class QComboBox;
class QLabel;
class QPushButton;
class QWebEngineProfile;
class QWebEngineView;
class RemoteContentBlocker;

// The HTML tab: the message rendered as its recipient would see it, locked down. JavaScript is off; nothing
// remote is fetched until the user clicks "Load remote content" for this message; cid: images come from the
// message's own parts; clicked links open in the system browser. A width selector previews responsive mail.
class HtmlView : public QWidget
{
    Q_OBJECT
public:
    enum class Width { Desktop, Tablet, Phone };

    explicit HtmlView(QWidget *parent = nullptr);
    ~HtmlView() override;

    void setContent(const MessageContent &content);
    void clear();
    bool isRemoteContentAllowed() const;
    void loadRemoteContent();
    // Remote requests blocked for the message shown.
    int blockedCount() const;
    Width previewWidth() const;
    void setPreviewWidth(Width width);
    void setZoomFactor(qreal factor);
    qreal zoomFactor() const;
    // Starts the web engine if it has not started yet.
    QWebEngineView *webView();
    MessageSchemeHandler *schemeHandler() const;

Q_SIGNALS:
    // After a message's body (or its reload with remote content) finished loading.
    void loadFinished(bool ok);
    void previewWidthChanged(Width width);
    void externalLinkRequested(const QUrl &url);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateRemoteBar();
    void applyWidth();
    void ensureEngine();

    RemoteContentBlocker *m_blocker;
    MessageSchemeHandler *m_handler;
    QWebEngineProfile *m_profile = nullptr;
    HtmlPage *m_page = nullptr;
    QWebEngineView *m_view = nullptr;
    qreal m_zoom = 1.0;
    QWidget *m_frame = nullptr;
    QWidget *m_remoteBar;
    QLabel *m_remoteLabel;
    QPushButton *m_remoteButton;
    QComboBox *m_widthBox;
    QString m_messageId;
    Width m_width = Width::Desktop;
};
