#include "htmlview.h"
#include "plural.h"

#include "htmlpage.h"
#include "icons.h"
#include "messageschemehandler.h"
#include "remotecontentblocker.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWebEngineProfile>
#include <QWebEngineSettings>
#include <QWebEngineView>

namespace {
int widthPixels(HtmlView::Width width)
{
    switch (width) {
    case HtmlView::Width::Tablet:
        return 768;
    case HtmlView::Width::Phone:
        return 375;
    case HtmlView::Width::Desktop:
        break;
    }
    return 0;
}
} // namespace

HtmlView::HtmlView(QWidget *parent)
    : QWidget(parent), m_blocker(new RemoteContentBlocker(this)), m_handler(new MessageSchemeHandler(this))
{
    connect(m_blocker, &RemoteContentBlocker::blocked, this, &HtmlView::updateRemoteBar, Qt::QueuedConnection);

    m_remoteBar = new QWidget(this);
    auto *remoteLayout = new QHBoxLayout(m_remoteBar);
    remoteLayout->setContentsMargins(6, 2, 6, 2);
    auto *remoteIcon = new QLabel(m_remoteBar);
    remoteIcon->setPixmap(Icons::icon(Icons::RemoteContent).pixmap(16, 16));
    m_remoteLabel = new QLabel(m_remoteBar);
    m_remoteButton = new QPushButton(tr("Load remote content"), m_remoteBar);
    m_remoteButton->setToolTip(tr("Fetch the images and styles this message loads from the network (this tells "
                                  "their servers that the message was opened)"));
    connect(m_remoteButton, &QPushButton::clicked, this, &HtmlView::loadRemoteContent);
    remoteLayout->addWidget(remoteIcon);
    remoteLayout->addWidget(m_remoteLabel, 1);
    remoteLayout->addWidget(m_remoteButton);
    m_remoteBar->hide();

    m_widthBox = new QComboBox(this);
    m_widthBox->addItem(tr("Desktop"), int(Width::Desktop));
    m_widthBox->addItem(tr("Tablet (768 px)"), int(Width::Tablet));
    m_widthBox->addItem(tr("Phone (375 px)"), int(Width::Phone));
    m_widthBox->setToolTip(tr("Preview width"));
    m_widthBox->setAccessibleName(tr("Preview width"));
    connect(m_widthBox, &QComboBox::activated, this,
        [this](int index) { setPreviewWidth(Width(m_widthBox->itemData(index).toInt())); });

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_remoteBar, 1);
    top->addStretch();
    top->addWidget(m_widthBox);

    // The view sits centred in a neutral frame when a narrower width is chosen.
    m_frame = new QWidget(this);
    m_frame->setBackgroundRole(QPalette::Mid);
    m_frame->setAutoFillBackground(true);
    auto *frameLayout = new QHBoxLayout(m_frame);
    frameLayout->setContentsMargins(0, 0, 0, 0);
    frameLayout->addStretch();
    frameLayout->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(m_frame, 1);
}

HtmlView::~HtmlView()
{
    // The page must go before its profile.
    delete m_view;
    delete m_page;
}

void HtmlView::ensureEngine()
{
    if (m_view) {
        return;
    }
    // Chromium starts with the first message that has an HTML body, not with the window: the inbox shows at once.
    // Off the record: no cookies, cache or history of mail content survive on disk.
    m_profile = new QWebEngineProfile(this);
    m_profile->setUrlRequestInterceptor(m_blocker);
    m_profile->installUrlSchemeHandler(MessageSchemeHandler::BodyScheme, m_handler);
    m_profile->installUrlSchemeHandler(MessageSchemeHandler::CidScheme, m_handler);
    m_profile->setHttpCacheType(QWebEngineProfile::MemoryHttpCache);
    m_profile->setPersistentCookiesPolicy(QWebEngineProfile::NoPersistentCookies);
    QWebEngineSettings *settings = m_profile->settings();
    settings->setAttribute(QWebEngineSettings::JavascriptEnabled, false);
    settings->setAttribute(QWebEngineSettings::JavascriptCanOpenWindows, false);
    settings->setAttribute(QWebEngineSettings::JavascriptCanAccessClipboard, false);
    settings->setAttribute(QWebEngineSettings::LocalStorageEnabled, false);
    settings->setAttribute(QWebEngineSettings::LocalContentCanAccessRemoteUrls, false);
    settings->setAttribute(QWebEngineSettings::LocalContentCanAccessFileUrls, false);
    settings->setAttribute(QWebEngineSettings::PluginsEnabled, false);
    settings->setAttribute(QWebEngineSettings::PdfViewerEnabled, false);
    settings->setAttribute(QWebEngineSettings::DnsPrefetchEnabled, false);
    settings->setAttribute(QWebEngineSettings::AutoLoadIconsForPage, false);
    settings->setAttribute(QWebEngineSettings::HyperlinkAuditingEnabled, false);
    settings->setAttribute(QWebEngineSettings::WebGLEnabled, false);
    settings->setAttribute(QWebEngineSettings::NavigateOnDropEnabled, false);

    m_page = new HtmlPage(m_profile, this);
    m_view = new QWebEngineView(m_frame);
    m_view->setPage(m_page);
    m_view->setContextMenuPolicy(Qt::NoContextMenu);
    m_view->setAccessibleName(tr("Rendered message"));
    m_view->setZoomFactor(m_zoom);
    connect(m_page, &HtmlPage::externalLinkRequested, this, [this](const QUrl &url) {
        Q_EMIT externalLinkRequested(url);
        QDesktopServices::openUrl(url);
    });
    connect(m_view, &QWebEngineView::loadFinished, this, [this](bool ok) {
        updateRemoteBar();
        Q_EMIT loadFinished(ok);
    });
    static_cast<QHBoxLayout *>(m_frame->layout())->insertWidget(1, m_view, 100);
    applyWidth();
}

void HtmlView::setContent(const MessageContent &content)
{
    m_messageId = content.stored.summary.id;
    m_blocker->setRemoteAllowed(false);
    m_blocker->resetBlockedCount();
    m_handler->setContent(content);
    m_remoteBar->hide();
    if (content.parsed.html.isEmpty()) {
        if (m_view) {
            m_view->setHtml(QString());
        }
        return;
    }
    ensureEngine();
    m_view->load(MessageSchemeHandler::bodyUrl(m_messageId));
}

void HtmlView::clear()
{
    m_messageId.clear();
    m_handler->setContent(MessageContent());
    m_blocker->setRemoteAllowed(false);
    m_blocker->resetBlockedCount();
    m_remoteBar->hide();
    if (m_view) {
        m_view->setHtml(QString());
    }
}

bool HtmlView::isRemoteContentAllowed() const
{
    return m_blocker->isRemoteAllowed();
}

void HtmlView::loadRemoteContent()
{
    if (m_messageId.isEmpty()) {
        return;
    }
    m_blocker->setRemoteAllowed(true);
    m_blocker->resetBlockedCount();
    m_remoteBar->hide();
    ensureEngine();
    m_view->load(MessageSchemeHandler::bodyUrl(m_messageId));
}

int HtmlView::blockedCount() const
{
    return m_blocker->blockedCount();
}

HtmlView::Width HtmlView::previewWidth() const
{
    return m_width;
}

void HtmlView::setPreviewWidth(Width width)
{
    m_width = width;
    m_widthBox->setCurrentIndex(m_widthBox->findData(int(width)));
    applyWidth();
    Q_EMIT previewWidthChanged(width);
}

void HtmlView::setZoomFactor(qreal factor)
{
    m_zoom = qBound(0.25, factor, 5.0);
    if (m_view) {
        m_view->setZoomFactor(m_zoom);
    }
}

qreal HtmlView::zoomFactor() const
{
    return m_zoom;
}

QWebEngineView *HtmlView::webView()
{
    ensureEngine();
    return m_view;
}

MessageSchemeHandler *HtmlView::schemeHandler() const
{
    return m_handler;
}

void HtmlView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    applyWidth();
}

void HtmlView::applyWidth()
{
    const int pixels = widthPixels(m_width);
    if (!m_view) {
        return;
    }
    if (pixels == 0) {
        m_view->setMinimumWidth(0);
        m_view->setMaximumWidth(QWIDGETSIZE_MAX);
    } else {
        const int width = qMin(pixels, qMax(100, m_frame->width()));
        m_view->setMinimumWidth(width);
        m_view->setMaximumWidth(width);
    }
}

void HtmlView::updateRemoteBar()
{
    const int blocked = m_blocker->blockedCount();
    if (blocked == 0 || m_blocker->isRemoteAllowed() || m_messageId.isEmpty()) {
        m_remoteBar->hide();
        return;
    }
    m_remoteLabel->setText(
        tr("%1 blocked to protect your privacy.").arg(counted(blocked, tr("remote resource"), tr("remote resources"))));
    m_remoteBar->show();
}
