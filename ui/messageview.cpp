#include "messageview.h"
#include "plural.h"

#include "headersmodel.h"
#include "htmlview.h"
#include "icons.h"
#include "messageloader.h"
#include "partsmodel.h"
#include "sourceview.h"
#include "transcriptmodel.h"

#include <message/safefilename.h>

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

namespace {
QString addressHtml(const MailAddressList &list)
{
    QStringList parts;
    for (const MailAddress &a : list) {
        parts << (a.name.isEmpty()
                ? a.address.toHtmlEscaped()
                : QStringLiteral("%1 &lt;%2&gt;").arg(a.name.toHtmlEscaped(), a.address.toHtmlEscaped()));
    }
    return parts.join(QStringLiteral(", "));
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

// The text body as HTML with its URLs clickable; everything else escaped.
QString linkified(const QString &text)
{
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

    m_stack = new QStackedWidget(this);
    m_placeholder = new QLabel(tr("Select a message to see it here."), m_stack);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setEnabled(false);
    m_stack->addWidget(m_placeholder);

    m_page = new QWidget(m_stack);
    m_stack->addWidget(m_page);

    // Header card.
    m_card = new QWidget(m_page);
    m_card->setObjectName(QStringLiteral("headerCard"));
    auto *cardLayout = new QVBoxLayout(m_card);
    cardLayout->setContentsMargins(8, 6, 8, 4);
    cardLayout->setSpacing(3);
    m_subject = new QLabel(m_card);
    QFont subjectFont = m_subject->font();
    subjectFont.setPointSizeF(subjectFont.pointSizeF() * 1.35);
    subjectFont.setBold(true);
    m_subject->setFont(subjectFont);
    m_subject->setWordWrap(true);
    m_subject->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_subject->setAccessibleName(tr("Subject"));
    m_addresses = new QLabel(m_card);
    m_addresses->setWordWrap(true);
    m_addresses->setTextFormat(Qt::RichText);
    m_addresses->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta = new QLabel(m_card);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_attachmentBar = new QWidget(m_card);
    m_attachmentLayout = new QHBoxLayout(m_attachmentBar);
    m_attachmentLayout->setContentsMargins(0, 2, 0, 0);
    cardLayout->addWidget(m_subject);
    cardLayout->addWidget(m_addresses);
    cardLayout->addWidget(m_meta);
    cardLayout->addWidget(m_attachmentBar);

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

    // Envelope & session
    m_envelope = new QWidget(m_tabs);
    auto *envelopeLayout = new QVBoxLayout(m_envelope);
    m_envelopeForm = new QFormLayout;
    envelopeLayout->addLayout(m_envelopeForm);
    m_transcript = new TranscriptModel(this);
    m_transcriptView = new QTableView(m_envelope);
    m_transcriptView->setModel(m_transcript);
    m_transcriptView->verticalHeader()->hide();
    m_transcriptView->horizontalHeader()->setStretchLastSection(true);
    m_transcriptView->setWordWrap(false);
    m_transcriptView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_transcriptView->setAccessibleName(tr("SMTP session transcript"));
    auto *copyTranscript = new QPushButton(tr("Copy transcript"), m_envelope);
    connect(copyTranscript, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_transcript->toText()); });
    envelopeLayout->addWidget(new QLabel(tr("<b>SMTP session</b> (up to this message's final reply)"), m_envelope));
    envelopeLayout->addWidget(m_transcriptView, 1);
    envelopeLayout->addWidget(copyTranscript, 0, Qt::AlignRight);
    m_tabs->addTab(m_envelope, tr("Envelope && session"));

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
    m_tabs->setCurrentIndex(int(tab));
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

QWidget *MessageView::envelopeWidget() const
{
    return m_envelope;
}

QWidget *MessageView::headerCard() const
{
    return m_card;
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
    fillHeaderCard();
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
    m_transcript->setTranscript(m_content.transcript);
    m_transcriptView->resizeColumnToContents(TranscriptModel::TimeColumn);
    m_transcriptView->resizeColumnToContents(TranscriptModel::DirectionColumn);
    m_sourceLoaded = false;
    m_source->clear();
    loadSourceIfShown();
    m_stack->setCurrentWidget(m_page);
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
    m_subject->setText(p.subject.isEmpty() ? tr("(no subject)") : p.subject);
    QStringList lines;
    const MailAddressList from = p.from.isEmpty() ? MailAddressList { { QString(), s.mailFrom } } : p.from;
    QString line = tr("<b>From</b> %1").arg(addressHtml(from));
    if (!p.to.isEmpty()) {
        line += tr("&nbsp;&nbsp; <b>To</b> %1").arg(addressHtml(p.to));
    }
    lines << line;
    if (!p.cc.isEmpty()) {
        lines << tr("<b>Cc</b> %1").arg(addressHtml(p.cc));
    }
    if (!p.bcc.isEmpty()) {
        lines << tr("<b>Bcc</b> %1").arg(addressHtml(p.bcc));
    }
    if (!p.replyTo.isEmpty()) {
        lines << tr("<b>Reply-To</b> %1").arg(addressHtml(p.replyTo));
    }
    m_addresses->setText(lines.join(QStringLiteral("<br>")));
    QStringList meta;
    const QDateTime date = p.date.isValid() ? p.date : QDateTime::fromMSecsSinceEpoch(s.summary.receivedMs);
    meta << QLocale().toString(date.toLocalTime(), QLocale::LongFormat) << sizeText(s.summary.size);
    if (s.tls) {
        meta << tr("TLS");
    }
    if (!s.authUser.isEmpty()) {
        meta << tr("AUTH %1").arg(s.authUser);
    }
    if (!p.warnings.isEmpty()) {
        meta << counted(p.warnings.size(), tr("parse warning"), tr("parse warnings"));
    }
    m_meta->setText(meta.join(QStringLiteral(" · ")));
    m_meta->setToolTip(p.warnings.join(u'\n'));
}

void MessageView::fillAttachmentBar()
{
    while (QLayoutItem *item = m_attachmentLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const QList<MimePart> attachments = m_content.parsed.attachments();
    m_attachmentBar->setVisible(!attachments.isEmpty());
    for (const MimePart &part : attachments) {
        auto *chip = new QToolButton(m_attachmentBar);
        const QString name = part.fileName.isEmpty() ? tr("part %1").arg(part.partId) : part.fileName;
        chip->setText(QStringLiteral("%1  %2").arg(name, sizeText(part.size)));
        chip->setIcon(iconFor(part.contentType));
        chip->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        chip->setPopupMode(QToolButton::MenuButtonPopup);
        chip->setAutoRaise(true);
        chip->setToolTip(tr("%1 (%2): click to open").arg(name, part.contentType));
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
}

void MessageView::fillEnvelope()
{
    while (m_envelopeForm->rowCount() > 0) {
        m_envelopeForm->removeRow(0);
    }
    const StoredMessage &s = m_content.stored;
    auto add = [this](const QString &label, const QString &value) {
        auto *field = new QLabel(value, m_envelope);
        field->setTextInteractionFlags(Qt::TextSelectableByMouse);
        field->setTextFormat(Qt::PlainText);
        field->setWordWrap(true);
        m_envelopeForm->addRow(label, field);
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
    add(tr("RCPT TO"), rcpts.isEmpty() ? tr("(none: imported)") : rcpts.join(u'\n'));
    add(tr("Client"),
        s.clientAddress.isEmpty() ? tr("(imported from a file)")
                                  : QStringLiteral("%1 port %2").arg(s.clientAddress).arg(s.clientPort));
    add(tr("HELO"), s.helo);
    add(tr("TLS"), s.tls ? tr("yes") : tr("no"));
    add(tr("AUTH user"), s.authUser.isEmpty() ? tr("(none)") : s.authUser);
    add(tr("Received"),
        QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.summary.receivedMs).toLocalTime(), QLocale::LongFormat));
    add(tr("ID"), s.summary.id);
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
