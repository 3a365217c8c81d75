#include "messageview.h"
#include "plural.h"

#include "displaytext.h"
#include "headersmodel.h"
#include "htmlview.h"
#include "icons.h"
#include "messageloader.h"
#include "partsmodel.h"
#include "relaylogmodel.h"
#include "sourceview.h"
#include "tagbar.h"
#include "transcriptmodel.h"

#include <message/safefilename.h>
#include <relay/relayservice.h>
#include <store/messagestore.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMimeDatabase>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QResizeEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QThreadPool>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <functional>

namespace {

QString notReceivedText()
{
    return MessageView::tr("This message was imported, not received over SMTP: there is no session.");
}
// Addresses a field shows before "and N more" (a fourth is shown rather than "and 1 more").
constexpr int CollapsedAddresses = 3;
// Lines the header card gives the subject and the addresses before they scroll.
constexpr int SubjectLines = 3;
constexpr int AddressLines = 8;
// Lines the Envelope & session tab gives the RCPT TO list before it scrolls.
constexpr int RecipientLines = 6;
// Characters of an attachment's name on its chip (the whole name is in its tooltip and the Parts tab).
constexpr int ChipNameCharacters = 32;
// Characters of the AUTH user in the card (the whole name is in the Envelope & session tab).
constexpr int CardUserCharacters = 48;

QString addressHtml(const MailAddress &a)
{
    const QString address = withLineFeeds(a.address).toHtmlEscaped();
    return a.name.isEmpty() ? address
                            : QStringLiteral("%1 &lt;%2&gt;").arg(withLineFeeds(a.name).toHtmlEscaped(), address);
}

// A field's addresses; past a few, collapsed behind a link that shows them all ("letterbox:expand/to").
QString addressHtml(const MailAddressList &list, const QString &field, bool expanded)
{
    const bool collapse = list.size() > CollapsedAddresses + 1;
    const qsizetype shown = collapse && !expanded ? CollapsedAddresses : list.size();
    QStringList parts;
    for (qsizetype i = 0; i < shown; ++i) {
        parts << addressHtml(list.at(i));
    }
    QString html = parts.join(QStringLiteral(", "));
    if (collapse && !expanded) {
        html += MessageView::tr(" <a href=\"letterbox:expand/%1\">and %2 more</a>")
                    .arg(field, QLocale().toString(list.size() - shown));
    } else if (collapse) {
        html += MessageView::tr(" <a href=\"letterbox:collapse/%1\">show fewer</a>").arg(field);
    }
    return html;
}

QString shortened(const QString &text, int characters)
{
    return text.size() <= characters ? text : text.left(characters - 1) + u'…';
}

// A scroll area as tall as its content up to a limit, then scrolling, so that no content sets the pane's minimum
// size. Fixed: its height follows the content (the header card's parts). Hint: the content's height is only its
// size hint, and the area may be made smaller (in a splitter).
class FittedScrollArea : public QScrollArea
{
public:
    enum class Height { Fixed, Hint };

    FittedScrollArea(QWidget *content, Height mode, QWidget *parent) : QScrollArea(parent), m_mode(mode)
    {
        setWidget(content);
        setWidgetResizable(true);
        setFrameShape(QFrame::NoFrame);
        setBackgroundRole(QPalette::Window);
        viewport()->setAutoFillBackground(false);
        content->setAutoFillBackground(false);
        setSizePolicy(QSizePolicy::Preferred, mode == Height::Fixed ? QSizePolicy::Fixed : QSizePolicy::Preferred);
    }

    void setMaximumContentHeight(int pixels)
    {
        m_maximum = pixels;
        refit();
    }

    // Called after each refit (a splitter sharing the space may share it anew).
    void setRefitted(std::function<void()> refitted) { m_refitted = std::move(refitted); }

    // The content changed: fit the area to it again. Also done when the content's layout changes (widgets added
    // to it are shown, and count, only once the event loop has run).
    void refit()
    {
        updateGeometry();
        if (m_mode == Height::Fixed) {
            const int height = fittedHeight(width());
            if (height != minimumHeight() || height != maximumHeight()) {
                setFixedHeight(height);
            }
        }
        if (m_refitted) {
            m_refitted();
        }
    }

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        const bool handled = QScrollArea::eventFilter(watched, event);
        if (watched == widget() && event->type() == QEvent::LayoutRequest) {
            refit();
        }
        return handled;
    }

    QSize sizeHint() const override
    {
        const int width = QScrollArea::sizeHint().width();
        return { width, fittedHeight(isVisible() ? this->width() : width) };
    }

    QSize minimumSizeHint() const override
    {
        const int line = fontMetrics().lineSpacing();
        const int height = m_mode == Height::Fixed ? fittedHeight(width())
                                                   : qMin(fittedHeight(width()), 3 * line + 2 * frameWidth());
        return { fontMetrics().averageCharWidth() * 12, height };
    }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QScrollArea::resizeEvent(event);
        if (event->oldSize().width() != event->size().width()) {
            refit();
        }
    }

private:
    int fittedHeight(int width) const
    {
        const QWidget *content = widget();
        const int frame = 2 * frameWidth();
        const int available = width - frame;
        const int least = content->minimumSizeHint().width();
        int height = content->hasHeightForWidth() ? content->heightForWidth(qMax(available, least))
                                                  : content->sizeHint().height();
        height = qMin(height, m_maximum);
        if (least > available && horizontalScrollBarPolicy() != Qt::ScrollBarAlwaysOff) {
            height += horizontalScrollBar()->sizeHint().height();
        }
        return height + frame;
    }

    Height m_mode;
    int m_maximum = QWIDGETSIZE_MAX;
    std::function<void()> m_refitted;
};

// The Envelope & session tab's split: until the user moves the handle, the envelope gets what it needs up to two
// fifths of the height and the transcript, the dig's main matter, the rest.
class EnvelopeSplitter : public QSplitter
{
public:
    explicit EnvelopeSplitter(QWidget *parent) : QSplitter(Qt::Vertical, parent)
    {
        setChildrenCollapsible(false);
        connect(this, &QSplitter::splitterMoved, this, [this] { m_moved = true; });
    }

    void balance()
    {
        if (m_moved || count() != 2 || height() <= 0) {
            return;
        }
        const int total = height() - handleWidth();
        const int top
            = qMax(qMin(widget(0)->sizeHint().height(), total * 2 / 5), widget(0)->minimumSizeHint().height());
        setSizes({ top, total - top });
    }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QSplitter::resizeEvent(event);
        balance();
    }

private:
    bool m_moved = false;
};

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

// The text body as HTML with its URLs clickable; everything else escaped; each line end one break.
QString linkified(const QString &body)
{
    const QString text = withLineFeeds(body);
    static const QRegularExpression url(QStringLiteral(R"((https?://|mailto:|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])"));
    QString html;
    html.reserve(text.size() + text.size() / 8);
    qsizetype last = 0;
    QRegularExpressionMatchIterator it = url.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        html += text.mid(last, m.capturedStart() - last).toHtmlEscaped();
        QString target = m.captured();
        if (target.startsWith(QLatin1String("www."))) {
            target.prepend(QLatin1String("http://"));
        }
        html += QStringLiteral("<a href=\"%1\">%2</a>").arg(target.toHtmlEscaped(), m.captured().toHtmlEscaped());
        last = m.capturedEnd();
    }
    html += text.mid(last).toHtmlEscaped();
    return QStringLiteral("<pre style=\"white-space: pre-wrap; font-family: inherit\">%1</pre>").arg(html);
}

QIcon iconFor(const QString &contentType)
{
    const QMimeType type = QMimeDatabase().mimeTypeForName(contentType);
    if (type.isValid()) {
        const QIcon icon = QIcon::fromTheme(type.iconName(), QIcon::fromTheme(type.genericIconName()));
        if (!icon.isNull()) {
            return icon;
        }
    }
    return Icons::icon(Icons::Attachment);
}
} // namespace

MessageView::MessageView(MessageStore *store, QWidget *parent)
    : QWidget(parent), m_store(store), m_loader(new MessageLoader(store, this))
{
    connect(m_loader, &MessageLoader::loaded, this, &MessageView::onLoaded);
    // The store's signals come from its threads: queued here.
    connect(store, &MessageStore::tagsChanged, this, &MessageView::onTagsChanged);
    connect(store, &MessageStore::pinnedChanged, this, &MessageView::onPinnedChanged);
    // Answered from the event loop, once the card below is built.
    loadTagCompletions();

    m_stack = new QStackedWidget(this);
    m_placeholder = new QLabel(tr("Select a message to see it here."), m_stack);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setEnabled(false);
    m_stack->addWidget(m_placeholder);

    m_page = new QWidget(m_stack);
    m_stack->addWidget(m_page);

    // Header card: it never scrolls away, so nothing in it may grow without bound. The subject and the addresses
    // scroll within a few lines; a long address list is collapsed; attachment chips scroll sideways.
    m_card = new QWidget(m_page);
    m_card->setObjectName(QStringLiteral("headerCard"));
    auto *cardLayout = new QVBoxLayout(m_card);
    cardLayout->setContentsMargins(8, 6, 8, 4);
    cardLayout->setSpacing(3);
    m_subject = new QLabel;
    QFont subjectFont = m_subject->font();
    subjectFont.setPointSizeF(subjectFont.pointSizeF() * 1.35);
    subjectFont.setBold(true);
    m_subject->setFont(subjectFont);
    m_subject->setWordWrap(true);
    // As sent: a subject such as "<b>Sale</b>" is text, never markup.
    m_subject->setTextFormat(Qt::PlainText);
    m_subject->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_subject->setAccessibleName(tr("Subject"));
    auto *subjectArea = new FittedScrollArea(m_subject, FittedScrollArea::Height::Fixed, m_card);
    subjectArea->setMaximumContentHeight(SubjectLines * QFontMetrics(subjectFont).lineSpacing());
    m_subjectArea = subjectArea;
    m_addresses = new QLabel;
    m_addresses->setWordWrap(true);
    m_addresses->setTextFormat(Qt::RichText);
    m_addresses->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_addresses->setAccessibleName(tr("Addresses"));
    connect(m_addresses, &QLabel::linkActivated, this, [this](const QString &link) {
        // "letterbox:expand/to" shows the field whole, "letterbox:collapse/to" a few again.
        const QString field = link.section(u'/', 1);
        if (link.startsWith(QLatin1String("letterbox:expand/"))) {
            m_expandedFields << field;
        } else {
            m_expandedFields.removeAll(field);
        }
        fillAddresses();
    });
    auto *addressArea = new FittedScrollArea(m_addresses, FittedScrollArea::Height::Fixed, m_card);
    addressArea->setMaximumContentHeight(AddressLines * m_addresses->fontMetrics().lineSpacing());
    m_addressArea = addressArea;
    m_meta = new QLabel(m_card);
    m_meta->setTextFormat(Qt::PlainText);
    m_meta->setWordWrap(true);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_bounceLinks = new QLabel(m_card);
    m_bounceLinks->setObjectName(QStringLiteral("bounceLinks"));
    m_bounceLinks->setTextFormat(Qt::RichText);
    m_bounceLinks->setWordWrap(true);
    m_bounceLinks->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    m_bounceLinks->setAccessibleName(tr("Bounce"));
    m_bounceLinks->hide();
    connect(m_bounceLinks, &QLabel::linkActivated, this, [this](const QString &link) {
        // "letterbox:message/ID"
        Q_EMIT messageLinkActivated(link.section(u'/', 1));
    });
    m_tagBar = new TagBar;
    m_tagBar->setObjectName(QStringLiteral("tagBar"));
    m_attachmentBar = new QWidget;
    m_attachmentLayout = new QHBoxLayout(m_attachmentBar);
    m_attachmentLayout->setContentsMargins(0, 2, 0, 0);
    auto *attachmentArea = new FittedScrollArea(m_attachmentBar, FittedScrollArea::Height::Fixed, m_card);
    attachmentArea->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_attachmentArea = attachmentArea;
    cardLayout->addWidget(m_subjectArea);
    cardLayout->addWidget(m_addressArea);
    cardLayout->addWidget(m_meta);
    cardLayout->addWidget(m_bounceLinks);
    // Many tags scroll sideways, as attachments do: they never widen the pane.
    auto *tagArea = new FittedScrollArea(m_tagBar, FittedScrollArea::Height::Fixed, m_card);
    tagArea->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    cardLayout->addWidget(tagArea);
    cardLayout->addWidget(m_attachmentArea);

    m_tabs = new QTabWidget(m_page);
    m_tabs->setDocumentMode(true);

    // HTML
    m_htmlStack = new QStackedWidget(m_tabs);
    m_html = new HtmlView(m_htmlStack);
    m_noHtml = new QLabel(tr("This message has no HTML body."), m_htmlStack);
    m_noHtml->setAlignment(Qt::AlignCenter);
    m_noHtml->setEnabled(false);
    m_htmlStack->addWidget(m_html);
    m_htmlStack->addWidget(m_noHtml);
    m_tabs->addTab(m_htmlStack, tr("HTML"));

    // Text
    auto *textPage = new QWidget(m_tabs);
    auto *textLayout = new QVBoxLayout(textPage);
    textLayout->setContentsMargins(0, 0, 0, 0);
    m_text = new QTextBrowser(textPage);
    m_text->setOpenLinks(false);
    m_text->setAccessibleName(tr("Text body"));
    connect(m_text, &QTextBrowser::anchorClicked, this, [](const QUrl &url) { QDesktopServices::openUrl(url); });
    m_monospace = new QCheckBox(tr("Monospace"), textPage);
    connect(m_monospace, &QCheckBox::toggled, this, &MessageView::setMonospaceText);
    textLayout->addWidget(m_text, 1);
    textLayout->addWidget(m_monospace);
    m_tabs->addTab(textPage, tr("Text"));

    // Headers
    m_headers = new HeadersModel(this);
    m_headersView = new QTableView(m_tabs);
    m_headersView->setModel(m_headers);
    m_headersView->horizontalHeader()->setStretchLastSection(true);
    m_headersView->verticalHeader()->hide();
    m_headersView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_headersView->setWordWrap(false);
    m_headersView->setAccessibleName(tr("Headers"));
    m_headersView->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyHeaders = new QAction(tr("Copy"), m_headersView);
    copyHeaders->setShortcut(QKeySequence::Copy);
    copyHeaders->setShortcutContext(Qt::WidgetShortcut);
    connect(copyHeaders, &QAction::triggered, this, [this] {
        QList<int> rows;
        for (const QModelIndex &index : m_headersView->selectionModel()->selectedRows()) {
            rows << index.row();
        }
        std::sort(rows.begin(), rows.end());
        QApplication::clipboard()->setText(m_headers->copyText(rows));
    });
    m_headersView->addAction(copyHeaders);
    m_tabs->addTab(m_headersView, tr("Headers"));

    // Source
    m_source = new SourceView(m_tabs);
    m_tabs->addTab(m_source, tr("Source"));

    // Parts
    m_parts = new PartsModel(this);
    m_partsView = new QTreeView(m_tabs);
    m_partsView->setModel(m_parts);
    m_partsView->setAccessibleName(tr("MIME parts"));
    m_partsView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_partsView, &QTreeView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_partsView->indexAt(pos);
        if (!index.isValid() || !index.data(PartsModel::IsLeafRole).toBool()) {
            return;
        }
        const QString partId = index.data(PartsModel::PartIdRole).toString();
        QMenu menu;
        menu.addAction(tr("Open"), this, [this, partId] { openPart(partId); });
        menu.addAction(tr("Save As…"), this, [this, partId] { savePartInteractively(partId); });
        menu.exec(m_partsView->viewport()->mapToGlobal(pos));
    });
    connect(m_partsView, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.data(PartsModel::IsLeafRole).toBool()) {
            openPart(index.data(PartsModel::PartIdRole).toString());
        }
    });
    m_tabs->addTab(m_partsView, tr("Parts"));

    // Envelope & session: the envelope (its recipients scroll) above the transcript; the split is the user's.
    m_envelope = new QWidget(m_tabs);
    auto *envelopeLayout = new QVBoxLayout(m_envelope);
    envelopeLayout->setContentsMargins(0, 0, 0, 0);
    m_envelopeSplit = new EnvelopeSplitter(m_envelope);
    m_envelopeFields = new QWidget;
    m_envelopeForm = new QFormLayout(m_envelopeFields);
    auto *envelopeArea = new FittedScrollArea(m_envelopeFields, FittedScrollArea::Height::Hint, m_envelopeSplit);
    envelopeArea->setMaximumContentHeight(14 * fontMetrics().lineSpacing());
    envelopeArea->setAccessibleName(tr("Envelope"));
    m_envelopeArea = envelopeArea;
    envelopeArea->setRefitted([this] { static_cast<EnvelopeSplitter *>(m_envelopeSplit)->balance(); });
    auto *session = new QWidget(m_envelopeSplit);
    auto *sessionLayout = new QVBoxLayout(session);
    sessionLayout->setContentsMargins(9, 4, 9, 9);
    m_transcriptTitle = new QLabel(session);
    m_transcriptTitle->setWordWrap(true);
    m_transcript = new TranscriptModel(this);
    m_transcriptView = new QTableView(session);
    m_transcriptView->setModel(m_transcript);
    m_transcriptView->verticalHeader()->hide();
    m_transcriptView->horizontalHeader()->setStretchLastSection(true);
    m_transcriptView->setWordWrap(false);
    m_transcriptView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_transcriptView->setAccessibleName(tr("SMTP session transcript"));
    // One line per row, as a log reads.
    m_transcriptView->verticalHeader()->setDefaultSectionSize(
        QFontMetrics(QFontDatabase::systemFont(QFontDatabase::FixedFont)).lineSpacing() + 6);
    m_noSession = new QLabel(notReceivedText(), session);
    m_noSession->setWordWrap(true);
    m_noSession->setAlignment(Qt::AlignCenter);
    m_noSession->setEnabled(false);
    m_noSession->hide();
    m_copyTranscript = new QPushButton(tr("Copy transcript"), session);
    m_copyTranscript->setToolTip(tr("Copy the whole session as C: and S: lines"));
    connect(m_copyTranscript, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_transcript->toText()); });
    // The relay log: a few rows, above the session that brought the message in.
    m_relaySection = new QWidget(session);
    auto *relayLayout = new QVBoxLayout(m_relaySection);
    relayLayout->setContentsMargins(0, 0, 0, 4);
    auto *relayTitle = new QLabel(tr("<b>Relay</b>"), m_relaySection);
    m_relayLog = new RelayLogModel(this);
    m_relayView = new QTableView(m_relaySection);
    m_relayView->setModel(m_relayLog);
    m_relayView->verticalHeader()->hide();
    m_relayView->horizontalHeader()->setStretchLastSection(true);
    m_relayView->setWordWrap(false);
    m_relayView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_relayView->setAccessibleName(tr("Relay log"));
    m_relayView->verticalHeader()->setDefaultSectionSize(fontMetrics().lineSpacing() + 6);
    // Four attempts in sight; more scroll.
    m_relayView->setMaximumHeight(m_relayView->horizontalHeader()->sizeHint().height()
        + 4 * m_relayView->verticalHeader()->defaultSectionSize() + 2 * m_relayView->frameWidth());
    relayLayout->addWidget(relayTitle);
    relayLayout->addWidget(m_relayView);
    m_relaySection->hide();
    sessionLayout->addWidget(m_relaySection);
    sessionLayout->addWidget(m_transcriptTitle);
    sessionLayout->addWidget(m_transcriptView, 1);
    sessionLayout->addWidget(m_noSession, 1);
    sessionLayout->addWidget(m_copyTranscript, 0, Qt::AlignRight);
    m_envelopeSplit->addWidget(m_envelopeArea);
    m_envelopeSplit->addWidget(session);
    envelopeLayout->addWidget(m_envelopeSplit);
    m_tabs->addTab(m_envelope, tr("Envelope && session"));

    // Which tab a message opens on: the user's choice (a click, the keyboard), not the pane's fallback.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (!m_switchingTab && index >= 0) {
            m_chosenTab = Tab(index);
        }
    });
    connect(m_tabs->tabBar(), &QTabBar::tabBarClicked, this, [this](int index) {
        if (index >= 0) {
            m_chosenTab = Tab(index);
        }
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, &MessageView::scrollTranscriptIfShown);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MessageView::loadSourceIfShown);

    auto *pageLayout = new QVBoxLayout(m_page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->setSpacing(0);
    pageLayout->addWidget(m_card);
    pageLayout->addWidget(m_tabs, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
}

MessageView::~MessageView()
{
    if (!m_tempDir.isEmpty()) {
        QDir(m_tempDir).removeRecursively();
    }
}

void MessageView::showMessage(const QString &id)
{
    if (id.isEmpty()) {
        clear();
        return;
    }
    if (id == m_requestedId && (m_loader->isLoading() || m_content.stored.summary.id == id)) {
        return;
    }
    m_requestedId = id;
    m_loader->load(id);
}

void MessageView::clear()
{
    m_loader->cancel();
    m_requestedId.clear();
    m_content = MessageContent();
    m_html->clear();
    m_source->clear();
    m_sourceLoaded = false;
    m_text->clear();
    m_headers->setHeaders({});
    m_parts->setParts({});
    m_transcript->setTranscript({});
    m_relayLog->setAttempts({});
    m_relayLogFor.clear();
    m_relaySection->hide();
    m_transcriptScrollPending = false;
    m_tagBar->setTags({});
    m_tagBar->setPinned(false);
    m_stack->setCurrentWidget(m_placeholder);
}

QString MessageView::messageId() const
{
    return m_content.stored.summary.id;
}

const MessageContent &MessageView::content() const
{
    return m_content;
}

bool MessageView::isLoading() const
{
    return m_loader->isLoading();
}

MessageView::Tab MessageView::currentTab() const
{
    return Tab(m_tabs->currentIndex());
}

void MessageView::setCurrentTab(Tab tab)
{
    m_chosenTab = tab;
    m_tabs->setCurrentIndex(int(tab));
}

MessageView::Tab MessageView::chosenTab() const
{
    return m_chosenTab;
}

void MessageView::showTab(Tab tab)
{
    m_switchingTab = true;
    m_tabs->setCurrentIndex(int(tab));
    m_switchingTab = false;
}

HtmlView *MessageView::htmlView() const
{
    return m_html;
}

QTabWidget *MessageView::tabs() const
{
    return m_tabs;
}

SourceView *MessageView::sourceView() const
{
    return m_source;
}

QTextBrowser *MessageView::textView() const
{
    return m_text;
}

HeadersModel *MessageView::headersModel() const
{
    return m_headers;
}

PartsModel *MessageView::partsModel() const
{
    return m_parts;
}

TranscriptModel *MessageView::transcriptModel() const
{
    return m_transcript;
}

void MessageView::setRelayService(RelayService *relay)
{
    m_relay = relay;
    if (m_relay) {
        // Emitted on the relay's thread; queued here. Only the message shown is read again.
        connect(m_relay, &RelayService::relayLogChanged, this, [this](const QString &id) {
            if (id == messageId()) {
                loadRelayLog();
            }
        });
    }
}

RelayLogModel *MessageView::relayLogModel() const
{
    return m_relayLog;
}

QWidget *MessageView::relaySection() const
{
    return m_relaySection;
}

void MessageView::loadRelayLog()
{
    const QString id = messageId();
    if (!m_relay || id.isEmpty()) {
        return;
    }
    m_relay->relayLog(id, this, [this, id](const QList<RelayAttempt> &attempts) {
        // A later message may be shown by now.
        if (id != messageId()) {
            return;
        }
        m_relayLogFor = id;
        m_relayLog->setAttempts(attempts);
        m_relayView->resizeColumnToContents(RelayLogModel::TimeColumn);
        m_relayView->resizeColumnToContents(RelayLogModel::ResultColumn);
        // The recipients whole when they fit in a third of the table; the reply takes the rest.
        m_relayView->resizeColumnToContents(RelayLogModel::ToColumn);
        m_relayView->setColumnWidth(RelayLogModel::ToColumn,
            qMin(m_relayView->columnWidth(RelayLogModel::ToColumn),
                // The pane's width, not the table's: the tab may be hidden, its table not laid out yet.
                qMax(width() / 3, fontMetrics().averageCharWidth() * 24)));
        m_relaySection->setVisible(!attempts.isEmpty());
    });
}

QWidget *MessageView::envelopeWidget() const
{
    return m_envelope;
}

QWidget *MessageView::headerCard() const
{
    return m_card;
}

TagBar *MessageView::tagBar() const
{
    return m_tagBar;
}

void MessageView::onTagsChanged(const QStringList &ids)
{
    // The tags in use may have changed with them (a rename, the last message losing one).
    loadTagCompletions();
    const QString id = messageId();
    if (id.isEmpty() || !ids.contains(id)) {
        return;
    }
    m_store->summary(id, this, [this, id](const std::optional<MessageSummary> &summary) {
        if (summary && id == messageId() && m_content.isValid()) {
            m_content.stored.summary.tags = summary->tags;
            m_tagBar->setTags(summary->tags);
        }
    });
}

void MessageView::onPinnedChanged(const QStringList &ids, bool pinned)
{
    if (m_content.isValid() && ids.contains(messageId())) {
        m_content.stored.summary.pinned = pinned;
        m_tagBar->setPinned(pinned);
    }
}

void MessageView::loadTagCompletions()
{
    m_store->tags(this, [this](const QStringList &tags) { m_tagBar->setCompletions(tags); });
}

void MessageView::setMonospaceText(bool monospace)
{
    m_monospace->setChecked(monospace);
    m_text->setFont(monospace ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : font());
}

void MessageView::onLoaded(const QString &id, const MessageContent &content)
{
    if (!content.isValid()) {
        clear();
        Q_EMIT messageLoaded(id);
        return;
    }
    m_content = content;
    const ParsedMessage &p = m_content.parsed;
    m_expandedFields.clear();
    fillHeaderCard();
    m_tagBar->setTags(m_content.stored.summary.tags);
    m_tagBar->setPinned(m_content.stored.summary.pinned);
    fillAttachmentBar();
    if (p.html.isEmpty()) {
        m_html->clear();
        m_htmlStack->setCurrentWidget(m_noHtml);
    } else {
        m_htmlStack->setCurrentWidget(m_html);
        m_html->setContent(m_content);
    }
    m_text->setHtml(p.text.isEmpty() ? tr("<i>This message has no text body.</i>") : linkified(p.text));
    m_headers->setHeaders(p.headers);
    m_headersView->resizeColumnToContents(HeadersModel::NameColumn);
    m_parts->setParts(p.parts);
    m_partsView->expandAll();
    for (int c = 0; c < PartsModel::ColumnCount; ++c) {
        m_partsView->resizeColumnToContents(c);
    }
    fillEnvelope();
    fillTranscript();
    // Another message's log never shows under this one while this one's is read.
    if (m_relayLogFor != messageId()) {
        m_relayLog->setAttempts({});
        m_relaySection->hide();
    }
    loadRelayLog();
    m_sourceLoaded = false;
    m_source->clear();
    // The user's tab, unless this message lacks it (Mailpit opens a message without HTML on its text).
    Tab tab = m_chosenTab;
    if (tab == HtmlTab && p.html.isEmpty() && !p.text.isEmpty()) {
        tab = TextTab;
    } else if (tab == TextTab && p.text.isEmpty() && !p.html.isEmpty()) {
        tab = HtmlTab;
    }
    showTab(tab);
    loadSourceIfShown();
    m_stack->setCurrentWidget(m_page);
    scrollTranscriptIfShown();
    Q_EMIT messageLoaded(id);
}

void MessageView::loadSourceIfShown()
{
    // The source of a big message is laid out only when someone looks at it.
    if (!m_sourceLoaded && m_content.isValid() && m_tabs->currentWidget() == m_source) {
        m_source->setSource(m_content.stored.raw);
        m_sourceLoaded = true;
    }
}

void MessageView::fillHeaderCard()
{
    const ParsedMessage &p = m_content.parsed;
    const StoredMessage &s = m_content.stored;
    m_subject->setText(p.subject.isEmpty() ? tr("(no subject)") : withLineFeeds(p.subject));
    static_cast<FittedScrollArea *>(m_subjectArea)->refit();
    fillAddresses();
    QStringList meta;
    const QDateTime date = p.date.isValid() ? p.date : QDateTime::fromMSecsSinceEpoch(s.summary.receivedMs);
    meta << QLocale().toString(date.toLocalTime(), QLocale::LongFormat) << sizeText(s.summary.size);
    if (s.tls) {
        meta << tr("TLS");
    }
    if (!s.authUser.isEmpty()) {
        meta << tr("AUTH %1").arg(shortened(withLineFeeds(s.authUser), CardUserCharacters));
    }
    if (!p.warnings.isEmpty()) {
        meta << counted(p.warnings.size(), tr("parse warning"), tr("parse warnings"));
    }
    m_meta->setText(meta.join(QStringLiteral(" · ")));
    QStringList tip;
    if (!s.authUser.isEmpty()) {
        tip << tr("AUTH user: %1").arg(s.authUser);
    }
    tip << p.warnings;
    m_meta->setToolTip(tip.isEmpty() ? QString() : plainToolTip(tip.join(u'\n')));
    fillBounceLinks();
}

void MessageView::fillBounceLinks()
{
    const StoredMessage &s = m_content.stored;
    auto link = [](const QString &id) {
        return QStringLiteral("<a href=\"letterbox:message/%1\">%1</a>").arg(id.toHtmlEscaped());
    };
    QStringList lines;
    if (!s.bounceOf.isEmpty()) {
        lines << tr("Bounce of message %1, made by %2").arg(link(s.bounceOf), s.bounceRule.toHtmlEscaped());
    }
    if (!s.bounces.isEmpty()) {
        QStringList links;
        for (const QString &id : s.bounces) {
            links << link(id);
        }
        lines << tr("Bounced by a rule: %1").arg(links.join(QStringLiteral(", ")));
    }
    m_bounceLinks->setText(lines.join(QStringLiteral("<br>")));
    m_bounceLinks->setVisible(!lines.isEmpty());
}

void MessageView::fillAddresses()
{
    const ParsedMessage &p = m_content.parsed;
    auto field = [this](const QString &label, const MailAddressList &list, const QString &key) {
        return QStringLiteral("<b>%1</b> %2").arg(label, addressHtml(list, key, m_expandedFields.contains(key)));
    };
    QStringList lines;
    const MailAddressList from
        = p.from.isEmpty() ? MailAddressList { { QString(), m_content.stored.mailFrom } } : p.from;
    QString line = field(tr("From"), from, QStringLiteral("from"));
    if (!p.to.isEmpty()) {
        line += QStringLiteral("&nbsp;&nbsp; ") + field(tr("To"), p.to, QStringLiteral("to"));
    }
    lines << line;
    if (!p.cc.isEmpty()) {
        lines << field(tr("Cc"), p.cc, QStringLiteral("cc"));
    }
    if (!p.bcc.isEmpty()) {
        lines << field(tr("Bcc"), p.bcc, QStringLiteral("bcc"));
    }
    if (!p.replyTo.isEmpty()) {
        lines << field(tr("Reply-To"), p.replyTo, QStringLiteral("reply-to"));
    }
    m_addresses->setText(lines.join(QStringLiteral("<br>")));
    static_cast<FittedScrollArea *>(m_addressArea)->refit();
}

void MessageView::fillAttachmentBar()
{
    while (QLayoutItem *item = m_attachmentLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const QList<MimePart> attachments = m_content.parsed.attachments();
    m_attachmentArea->setVisible(!attachments.isEmpty());
    const int nameWidth = fontMetrics().averageCharWidth() * ChipNameCharacters;
    for (const MimePart &part : attachments) {
        auto *chip = new QToolButton(m_attachmentBar);
        const QString name = part.fileName.isEmpty() ? tr("part %1").arg(part.partId) : withLineFeeds(part.fileName);
        chip->setText(QStringLiteral("%1  %2").arg(
            fontMetrics().elidedText(name, Qt::ElideMiddle, nameWidth).replace(u'&', QLatin1String("&&")),
            sizeText(part.size)));
        chip->setIcon(iconFor(part.contentType));
        chip->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        chip->setPopupMode(QToolButton::MenuButtonPopup);
        chip->setAutoRaise(true);
        chip->setToolTip(plainToolTip(tr("%1 (%2): click to open").arg(name, part.contentType)));
        chip->setAccessibleName(tr("Attachment %1").arg(name));
        auto *menu = new QMenu(chip);
        const QString partId = part.partId;
        menu->addAction(tr("Open"), this, [this, partId] { openPart(partId); });
        menu->addAction(tr("Save As…"), this, [this, partId] { savePartInteractively(partId); });
        chip->setMenu(menu);
        connect(chip, &QToolButton::clicked, this, [this, partId] { openPart(partId); });
        m_attachmentLayout->addWidget(chip);
    }
    if (attachments.size() > 1) {
        auto *all = new QPushButton(tr("Save all…"), m_attachmentBar);
        connect(all, &QPushButton::clicked, this, &MessageView::saveAllInteractively);
        m_attachmentLayout->addWidget(all);
    }
    m_attachmentLayout->addStretch();
    static_cast<FittedScrollArea *>(m_attachmentArea)->refit();
}

void MessageView::fillEnvelope()
{
    while (m_envelopeForm->rowCount() > 0) {
        m_envelopeForm->removeRow(0);
    }
    const StoredMessage &s = m_content.stored;
    auto add = [this](const QString &label, const QString &value) {
        auto *field = new QLabel(value, m_envelopeFields);
        field->setTextInteractionFlags(Qt::TextSelectableByMouse);
        field->setTextFormat(Qt::PlainText);
        field->setWordWrap(true);
        m_envelopeForm->addRow(label, field);
        return field;
    };
    add(tr("MAIL FROM"), s.mailFrom.isEmpty() ? QStringLiteral("<>") : QStringLiteral("<%1>").arg(s.mailFrom));
    QStringList bcc;
    for (const MailAddress &a : m_content.parsed.bcc) {
        bcc << a.address.toLower();
    }
    QStringList rcpts;
    for (const QString &r : s.rcptTo) {
        rcpts << (bcc.contains(r.toLower()) ? tr("<%1>  (Bcc: in neither To nor Cc)").arg(r)
                                            : QStringLiteral("<%1>").arg(r));
    }
    // One per line; a long list scrolls within a few lines, so the session facts below stay in view.
    auto *rcptTo = new QLabel(rcpts.isEmpty() ? tr("(none: imported)") : rcpts.join(u'\n'));
    rcptTo->setObjectName(QStringLiteral("rcptTo"));
    rcptTo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rcptTo->setTextFormat(Qt::PlainText);
    rcptTo->setWordWrap(true);
    auto *rcptArea = new FittedScrollArea(rcptTo, FittedScrollArea::Height::Fixed, m_envelopeFields);
    rcptArea->setMaximumContentHeight(RecipientLines * rcptTo->fontMetrics().lineSpacing());
    m_envelopeForm->addRow(
        rcpts.size() > 1 ? tr("RCPT TO (%1)").arg(QLocale().toString(rcpts.size())) : tr("RCPT TO"), rcptArea);
    // Messages made here have no SMTP client (README "Composing and the send API"): the composer records none,
    // the send API the caller's address (Qt's HTTP server does not tell its port).
    const bool sessionless = m_content.transcript.isEmpty();
    QString client;
    if (sessionless && s.helo == QLatin1String("composer")) {
        client = tr("(written in the composer)");
    } else if (sessionless && s.helo == QLatin1String("api")) {
        client = tr("%1 (through the send API)").arg(s.clientAddress);
    } else if (!s.bounceOf.isEmpty()) {
        client = tr("(made here: a rule's bounce)");
    } else if (s.clientAddress.isEmpty()) {
        client = tr("(imported from a file)");
    } else {
        client = QStringLiteral("%1 port %2").arg(s.clientAddress).arg(s.clientPort);
    }
    add(tr("Client"), client);
    add(tr("HELO"), s.helo);
    add(tr("TLS"), s.tls ? tr("yes") : tr("no"));
    add(tr("AUTH user"), s.authUser.isEmpty() ? tr("(none)") : s.authUser);
    add(tr("Received"),
        QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.summary.receivedMs).toLocalTime(), QLocale::LongFormat));
    add(tr("ID"), s.summary.id);
    static_cast<FittedScrollArea *>(m_envelopeArea)->refit();
}

void MessageView::fillTranscript()
{
    const StoredMessage &s = m_content.stored;
    m_transcript->setMessageTranscript(m_content.transcript);
    m_transcriptView->resizeColumnToContents(TranscriptModel::TimeColumn);
    m_transcriptView->resizeColumnToContents(TranscriptModel::DirectionColumn);
    // A message that did not come over SMTP (no client, no HELO) has no session: with nothing recorded, say so
    // rather than show an empty table; what the store recorded of its import is shown as it is.
    const bool madeHere
        = m_content.transcript.isEmpty() && (s.helo == QLatin1String("composer") || s.helo == QLatin1String("api"));
    const bool notSmtp = (s.clientAddress.isEmpty() && s.helo.isEmpty()) || madeHere;
    const bool imported = notSmtp && m_content.transcript.isEmpty();
    if (madeHere && s.helo == QLatin1String("composer")) {
        m_noSession->setText(tr("This message was written in the composer, not received over SMTP: there is no "
                                "session."));
    } else if (madeHere) {
        m_noSession->setText(tr("This message was made by the send API (POST /api/v1/send), not received over SMTP: "
                                "there is no session."));
    } else {
        m_noSession->setText(notReceivedText());
    }
    m_transcriptView->setVisible(!imported);
    m_copyTranscript->setVisible(!m_content.transcript.isEmpty());
    m_noSession->setVisible(imported);
    const int start = m_transcript->messageStart();
    m_transcriptTitle->setToolTip(QString());
    if (imported) {
        m_transcriptTitle->setText(tr("<b>SMTP session</b>"));
    } else if (notSmtp) {
        m_transcriptTitle->setText(tr("<b>Not received over SMTP</b> · what was recorded of its import"));
    } else if (start > 0) {
        m_transcriptTitle->setText(tr("<b>SMTP session</b> · this message's part is highlighted, from line %1 "
                                      "(above it, the session's earlier messages)")
                                       .arg(QLocale().toString(start + 1)));
        m_transcriptTitle->setToolTip(tr("The whole session up to this message's final reply"));
    } else {
        m_transcriptTitle->setText(tr("<b>SMTP session</b> · up to this message's final reply"));
    }
    m_transcriptScrollPending = !imported;
}

void MessageView::scrollTranscriptIfShown()
{
    // Once per message, when the tab is first shown: at this message's part of a long session.
    if (!m_transcriptScrollPending || m_tabs->currentWidget() != m_envelope || m_stack->currentWidget() != m_page) {
        return;
    }
    m_transcriptScrollPending = false;
    QPointer<QTableView> view(m_transcriptView);
    const int start = m_transcript->messageStart();
    // After the tab's layout has given the view its size.
    QMetaObject::invokeMethod(
        this,
        [view, start] {
            if (!view) {
                return;
            }
            view->doItemsLayout();
            if (start > 0) {
                view->scrollTo(
                    view->model()->index(start, TranscriptModel::TextColumn), QAbstractItemView::PositionAtTop);
            } else {
                view->scrollToTop();
            }
        },
        Qt::QueuedConnection);
}

bool MessageView::savePart(const QString &partId, const QString &fileName)
{
    if (!m_content.parsed.part(partId)) {
        return false;
    }
    QPointer<MessageView> self(this);
    const QByteArray raw = m_content.stored.raw;
    QThreadPool::globalInstance()->start([self, raw, partId, fileName] {
        const std::optional<QByteArray> bytes = ParsedMessage::partContent(raw, partId);
        QFile file(fileName);
        bool ok = bytes && file.open(QIODevice::WriteOnly) && file.write(*bytes) == bytes->size();
        QString error = !bytes ? QStringLiteral("part %1 has no content").arg(partId) : file.errorString();
        ok = ok && file.flush();
        file.close();
        QMetaObject::invokeMethod(
            qApp,
            [self, fileName, ok, error] {
                if (self) {
                    Q_EMIT self->partSaved(fileName, ok, ok ? QString() : error);
                }
            },
            Qt::QueuedConnection);
    });
    return true;
}

bool MessageView::openPart(const QString &partId)
{
    const std::optional<MimePart> part = m_content.parsed.part(partId);
    if (!part) {
        return false;
    }
    if (m_tempDir.isEmpty()) {
        QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/letterbox-XXXXXX"));
        dir.setAutoRemove(false);
        m_tempDir = dir.path();
    }
    // Each part in a folder of its own: two attachments with one name never overwrite each other.
    const QString folder = QStringLiteral("%1/%2-%3").arg(m_tempDir, m_content.stored.summary.id, partId);
    QDir().mkpath(folder);
    const QString fileName
        = folder + u'/' + SafeFileName::sanitized(part->fileName, QStringLiteral("part-%1").arg(partId));
    auto *context = new QObject(this);
    connect(this, &MessageView::partSaved, context, [context, fileName](const QString &saved, bool ok) {
        if (saved != fileName) {
            return;
        }
        if (ok) {
            QDesktopServices::openUrl(QUrl::fromLocalFile(saved));
        }
        context->deleteLater();
    });
    return savePart(partId, fileName);
}

void MessageView::saveAllAttachments(const QString &directory)
{
    QSet<QString> used;
    for (const MimePart &part : m_content.parsed.attachments()) {
        QString name = SafeFileName::sanitized(part.fileName, QStringLiteral("attachment-%1").arg(part.partId));
        // Same names get a number: "report.csv", "report (2).csv".
        const QString base = QFileInfo(name).completeBaseName();
        const QString suffix = QFileInfo(name).suffix().isEmpty() ? QString() : u'.' + QFileInfo(name).suffix();
        for (int n = 2; used.contains(name.toLower()) || QFile::exists(QDir(directory).filePath(name)); ++n) {
            name = QStringLiteral("%1 (%2)%3").arg(base).arg(n).arg(suffix);
        }
        used.insert(name.toLower());
        savePart(part.partId, QDir(directory).filePath(name));
    }
}

void MessageView::savePartInteractively(const QString &partId)
{
    const std::optional<MimePart> part = m_content.parsed.part(partId);
    if (!part) {
        return;
    }
    const QString suggested
        = QDir(QStandardPaths::writableLocation(QStandardPaths::DownloadLocation))
              .filePath(SafeFileName::sanitized(part->fileName, QStringLiteral("part-%1").arg(partId)));
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Save Attachment"), suggested);
    if (!fileName.isEmpty()) {
        savePart(partId, fileName);
    }
}

void MessageView::saveAllInteractively()
{
    const QString directory = QFileDialog::getExistingDirectory(
        this, tr("Save All Attachments To"), QStandardPaths::writableLocation(QStandardPaths::DownloadLocation));
    if (!directory.isEmpty()) {
        saveAllAttachments(directory);
    }
}
