#include "sourceview.h"

#include <QAction>
#include <QApplication>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QPlainTextDocumentLayout>
#include <QPointer>
#include <QTextBlock>
#include <QThread>
#include <QThreadPool>
#include <QToolButton>
#include <QVBoxLayout>

// QPlainTextEdit lays out only what is shown, so a 10 MB source opens quickly; the gutter paints line numbers
// of the visible blocks only.
class SourceView::Editor : public QPlainTextEdit
{
public:
    explicit Editor(QWidget *parent) : QPlainTextEdit(parent), m_gutter(new Gutter(this))
    {
        setReadOnly(true);
        setLineWrapMode(QPlainTextEdit::NoWrap);
        setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        setAccessibleName(tr("Message source"));
        connect(this, &QPlainTextEdit::blockCountChanged, this, &Editor::updateGutter);
        connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect &rect, int dy) {
            if (dy) {
                m_gutter->scroll(0, dy);
            } else {
                m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
            }
        });
        updateGutter();
    }

    // The text starts right of the gutter: the viewport's left margin and the gutter's width are one number,
    // set together whenever it may change (more lines, a new document, a resize, another font).
    void updateGutter()
    {
        const int width = gutterWidth();
        setViewportMargins(width, 0, 0, 0);
        const QRect r = contentsRect();
        m_gutter->setGeometry(QRect(r.left(), r.top(), width, r.height()));
    }

    int gutterWidth() const
    {
        const int digits = QString::number(qMax(1, blockCount())).size();
        return 10 + fontMetrics().horizontalAdvance(u'9') * digits;
    }

    void paintGutter(QPaintEvent *event)
    {
        QPainter painter(m_gutter);
        painter.fillRect(event->rect(), palette().alternateBase());
        painter.setPen(palette().color(QPalette::PlaceholderText));
        QTextBlock block = firstVisibleBlock();
        int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
        while (block.isValid() && top <= event->rect().bottom()) {
            const int height = qRound(blockBoundingRect(block).height());
            if (block.isVisible() && top + height >= event->rect().top()) {
                painter.drawText(0, top, m_gutter->width() - 5, fontMetrics().height(), Qt::AlignRight,
                    QString::number(block.blockNumber() + 1));
            }
            block = block.next();
            top += height;
        }
    }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QPlainTextEdit::resizeEvent(event);
        updateGutter();
    }

    void changeEvent(QEvent *event) override
    {
        QPlainTextEdit::changeEvent(event);
        if (event->type() == QEvent::FontChange) {
            updateGutter();
        }
    }

private:
    class Gutter : public QWidget
    {
    public:
        explicit Gutter(Editor *editor) : QWidget(editor), m_editor(editor) { }
        QSize sizeHint() const override { return { m_editor->gutterWidth(), 0 }; }

    protected:
        void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }

    private:
        Editor *m_editor;
    };

    Gutter *m_gutter;
};

SourceView::SourceView(QWidget *parent) : QWidget(parent), m_editor(new Editor(this))
{
    m_findBar = new QWidget(this);
    auto *findLayout = new QHBoxLayout(m_findBar);
    findLayout->setContentsMargins(4, 2, 4, 2);
    m_findField = new QLineEdit(m_findBar);
    m_findField->setPlaceholderText(tr("Find in source"));
    m_findField->setClearButtonEnabled(true);
    m_findField->setAccessibleName(tr("Find in source"));
    m_findStatus = new QLabel(m_findBar);
    auto *previous = new QToolButton(m_findBar);
    previous->setText(tr("Previous"));
    auto *next = new QToolButton(m_findBar);
    next->setText(tr("Next"));
    auto *close = new QToolButton(m_findBar);
    close->setText(tr("Close"));
    findLayout->addWidget(m_findField, 1);
    findLayout->addWidget(previous);
    findLayout->addWidget(next);
    findLayout->addWidget(m_findStatus);
    findLayout->addWidget(close);
    m_findBar->hide();
    connect(m_findField, &QLineEdit::returnPressed, this,
        [this] { find(m_findField->text(), QGuiApplication::keyboardModifiers() & Qt::ShiftModifier); });
    connect(next, &QToolButton::clicked, this, [this] { find(m_findField->text()); });
    connect(previous, &QToolButton::clicked, this, [this] { find(m_findField->text(), true); });
    connect(close, &QToolButton::clicked, m_findBar, &QWidget::hide);

    // Ctrl+F is the window's Find: it opens this bar when the Source tab has the focus (one shortcut, never an
    // ambiguous pair).
    auto *escape = new QAction(this);
    escape->setShortcut(Qt::Key_Escape);
    escape->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(escape, &QAction::triggered, m_findBar, &QWidget::hide);
    addAction(escape);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_findBar);
}

namespace {
// The source as a document, made on a worker thread: the text (UTF-8 where it is valid, each other byte as Latin-1,
// so nothing is hidden) and the header block's formats (up to the first empty line; a 10 MB body costs nothing).
QTextDocument *sourceDocument(const QByteArray &raw, const QFont &font, const QColor &name, const QColor &header)
{
    auto *document = new QTextDocument;
    document->setDefaultFont(font);
    document->setUndoRedoEnabled(false);
    document->setPlainText(QUtf8StringView(raw).isValidUtf8() ? QString::fromUtf8(raw) : QString::fromLatin1(raw));
    QTextCharFormat nameFormat;
    nameFormat.setFontWeight(QFont::Bold);
    nameFormat.setForeground(name);
    QTextCharFormat headerFormat;
    headerFormat.setBackground(header);
    QTextBlock block = document->firstBlock();
    QTextCursor cursor(document);
    cursor.beginEditBlock();
    for (int lines = 0; block.isValid() && lines < 10000; ++lines) {
        const QString line = block.text();
        if (line.isEmpty() || line == u"\r") {
            break;
        }
        cursor.setPosition(block.position());
        cursor.setPosition(block.position() + block.length() - 1, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(headerFormat);
        const qsizetype colon = line.indexOf(u':');
        if (colon > 0 && !line.at(0).isSpace()) {
            cursor.setPosition(block.position());
            cursor.setPosition(block.position() + int(colon) + 1, QTextCursor::KeepAnchor);
            cursor.mergeCharFormat(nameFormat);
        }
        block = block.next();
    }
    cursor.endEditBlock();
    return document;
}
} // namespace

void SourceView::setSource(const QByteArray &raw)
{
    // Converting and formatting a big source takes a while (10 MB: about a third of a second): a worker makes
    // the document, the GUI thread only attaches it.
    const quint64 generation = ++m_generation;
    m_loading = true;
    m_editor->setPlainText(tr("Loading the source (%1 bytes)…").arg(QLocale().toString(raw.size())));
    QPointer<SourceView> self(this);
    const QFont font = m_editor->font();
    const QColor name = palette().color(QPalette::Link);
    const QColor header = palette().color(QPalette::AlternateBase);
    QThread *gui = thread();
    QThreadPool::globalInstance()->start([self, raw, font, name, header, gui, generation] {
        QTextDocument *document = sourceDocument(raw, font, name, header);
        document->moveToThread(gui);
        QMetaObject::invokeMethod(
            qApp,
            [self, document, generation] {
                if (!self || self->m_generation != generation) {
                    delete document;
                    return;
                }
                self->attach(document);
            },
            Qt::QueuedConnection);
    });
}

void SourceView::attach(QTextDocument *document)
{
    document->setParent(this);
    document->setDocumentLayout(new QPlainTextDocumentLayout(document));
    QTextDocument *previous = m_document;
    m_editor->setDocument(document);
    // Setting a document announces no change of block count: the gutter is fitted to the new one here.
    m_editor->updateGutter();
    m_document = document;
    delete previous;
    m_editor->moveCursor(QTextCursor::Start);
    m_loading = false;
    Q_EMIT sourceShown();
}

bool SourceView::isLoading() const
{
    return m_loading;
}

void SourceView::clear()
{
    ++m_generation;
    m_loading = false;
    m_editor->clear();
}

QPlainTextEdit *SourceView::editor() const
{
    return m_editor;
}

bool SourceView::find(const QString &text, bool backwards)
{
    if (text.isEmpty()) {
        m_findStatus->clear();
        return false;
    }
    const QTextDocument::FindFlags flags = backwards ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    if (m_editor->find(text, flags)) {
        m_findStatus->clear();
        return true;
    }
    // Wrap around once.
    const QTextCursor saved = m_editor->textCursor();
    m_editor->moveCursor(backwards ? QTextCursor::End : QTextCursor::Start);
    if (m_editor->find(text, flags)) {
        m_findStatus->setText(tr("wrapped"));
        return true;
    }
    m_editor->setTextCursor(saved);
    m_findStatus->setText(tr("not found"));
    return false;
}

void SourceView::showFindBar()
{
    m_findBar->show();
    m_findField->setFocus();
    m_findField->selectAll();
}
