#include "sourceview.h"

#include <QAction>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QTextBlock>
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
        connect(this, &QPlainTextEdit::blockCountChanged, this, [this] { updateMargins(); });
        connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect &rect, int dy) {
            if (dy) {
                m_gutter->scroll(0, dy);
            } else {
                m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
            }
        });
        updateMargins();
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
        const QRect r = contentsRect();
        m_gutter->setGeometry(QRect(r.left(), r.top(), gutterWidth(), r.height()));
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

    void updateMargins() { setViewportMargins(gutterWidth(), 0, 0, 0); }

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

    auto *findAction = new QAction(tr("Find in Source"), this);
    findAction->setShortcut(QKeySequence::Find);
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findAction, &QAction::triggered, this, &SourceView::showFindBar);
    addAction(findAction);
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

void SourceView::setSource(const QByteArray &raw)
{
    // Mail is bytes: UTF-8 where it is valid, each other byte as Latin-1, so nothing is hidden.
    const QString text = QUtf8StringView(raw).isValidUtf8() ? QString::fromUtf8(raw) : QString::fromLatin1(raw);
    m_editor->setPlainText(text);
    // The header block: up to the first empty line. Only its names are formatted (a 10 MB body costs nothing).
    QTextCharFormat nameFormat;
    nameFormat.setFontWeight(QFont::Bold);
    nameFormat.setForeground(palette().color(QPalette::Link));
    QTextCharFormat headerFormat;
    headerFormat.setBackground(palette().color(QPalette::AlternateBase));
    QTextBlock block = m_editor->document()->firstBlock();
    int lines = 0;
    QTextCursor cursor(m_editor->document());
    cursor.beginEditBlock();
    while (block.isValid() && lines < 10000) {
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
        ++lines;
    }
    cursor.endEditBlock();
    m_editor->moveCursor(QTextCursor::Start);
}

void SourceView::clear()
{
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
