#include "inboxview.h"

#include "inboxdelegate.h"
#include "inboxmodel.h"

#include <QDrag>
#include <QHeaderView>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStyle>

InboxView::InboxView(QWidget *parent) : QTableView(parent), m_delegate(new InboxDelegate(this)), m_plain(itemDelegate())
{
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setShowGrid(false);
    setWordWrap(false);
    setAlternatingRowColors(false);
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setSortingEnabled(true);
    // Tab leaves the list; arrows, J and K move in it.
    setTabKeyNavigation(false);
    setAccessibleName(tr("Inbox"));
    verticalHeader()->hide();
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setSortIndicator(InboxModel::ReceivedColumn, Qt::DescendingOrder);
    horizontalHeader()->setSectionsMovable(true);
}

void InboxView::setModel(QAbstractItemModel *model)
{
    QTableView::setModel(model);
    setRowLayout(m_layout);
}

void InboxView::setRowLayout(Layout layout)
{
    m_layout = layout;
    if (!model()) {
        return;
    }
    const bool twoLine = layout == Layout::TwoLine;
    for (int c = 0; c < InboxModel::ColumnCount; ++c) {
        setColumnHidden(c, twoLine && c != InboxModel::FromColumn);
    }
    setItemDelegateForColumn(InboxModel::FromColumn, twoLine ? m_delegate : nullptr);
    QHeaderView *header = horizontalHeader();
    header->setVisible(!twoLine);
    header->setStretchLastSection(false);
    if (twoLine) {
        header->setSectionResizeMode(InboxModel::FromColumn, QHeaderView::Stretch);
        verticalHeader()->setDefaultSectionSize(InboxDelegate::rowHeight(font()));
    } else {
        for (int c = 0; c < InboxModel::ColumnCount; ++c) {
            header->setSectionResizeMode(c, QHeaderView::Interactive);
        }
        // The subject takes the room left; no column starts narrower than its title or (for the time and the
        // size) its widest text.
        header->setSectionResizeMode(InboxModel::SubjectColumn, QHeaderView::Stretch);
        int widestTitle = 0;
        for (int c = 0; c < InboxModel::ColumnCount; ++c) {
            widestTitle = qMax(widestTitle, header->sectionSizeHint(c));
        }
        header->setMinimumSectionSize(widestTitle);
        for (int c = 0; c < InboxModel::ColumnCount; ++c) {
            const int needed
                = qMax(header->sectionSizeHint(c), textColumnWidth(InboxModel::widestTexts(InboxModel::Column(c))));
            if (header->sectionSize(c) < needed) {
                header->resizeSection(c, needed);
            }
        }
        verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    }
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
}

int InboxView::compactWidth() const
{
    const QHeaderView *header = horizontalHeader();
    int width = 0;
    for (int c = 0; c < InboxModel::ColumnCount; ++c) {
        if (c != InboxModel::SubjectColumn) {
            width += header->sectionSize(c);
        }
    }
    width += qMax(header->sectionSizeHint(InboxModel::SubjectColumn), fontMetrics().averageCharWidth() * 30);
    return width + verticalScrollBar()->sizeHint().width() + 2 * frameWidth();
}

int InboxView::textColumnWidth(const QStringList &texts) const
{
    if (texts.isEmpty()) {
        return 0;
    }
    // Unread rows are bold.
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    int widest = 0;
    for (const QString &text : texts) {
        widest = qMax(widest, metrics.horizontalAdvance(text));
    }
    // As the style lays out an item's text (a focus-frame margin and a pixel each side), and as much again.
    const int margin = style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, this) + 1;
    return widest + 4 * margin;
}

InboxView::Layout InboxView::rowLayout() const
{
    return m_layout;
}

void InboxView::keyPressEvent(QKeyEvent *event)
{
    // Getting the focus makes a row current without selecting it; the first Up or Down selects that row rather
    // than skipping it.
    const QModelIndex current = currentIndex();
    if ((event->key() == Qt::Key_Up || event->key() == Qt::Key_Down) && event->modifiers() == Qt::NoModifier
        && current.isValid() && !selectionModel()->isSelected(current)) {
        selectionModel()->setCurrentIndex(current, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        event->accept();
        return;
    }
    QTableView::keyPressEvent(event);
}

void InboxView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    QScrollBar *bar = verticalScrollBar();
    const int before = bar->value();
    QTableView::rowsInserted(parent, start, end);
    // Rows above what is shown: keep showing the same messages. At the very top, show the new ones.
    if (before > 0 && rowViewportPosition(start) + verticalOffset() <= before) {
        const int added = (end - start + 1) * verticalHeader()->defaultSectionSize();
        bar->setMaximum(bar->maximum() + added);
        bar->setValue(before + added);
    }
}

void InboxView::paintEvent(QPaintEvent *event)
{
    QTableView::paintEvent(event);
    if (!m_painted && model() && model()->rowCount() > 0) {
        m_painted = true;
        Q_EMIT firstRowsPainted();
    }
}

void InboxView::startDrag(Qt::DropActions supportedActions)
{
    Q_UNUSED(supportedActions)
    QMimeData *data = model()->mimeData(selectionModel()->selectedRows());
    if (!data) {
        return;
    }
    auto *drag = new QDrag(this);
    drag->setMimeData(data);
    drag->exec(Qt::CopyAction);
}
