#include "inboxview.h"

#include "inboxdelegate.h"
#include "inboxmodel.h"

#include <QDrag>
#include <QHeaderView>
#include <QScrollBar>

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
    horizontalHeader()->setVisible(!twoLine);
    horizontalHeader()->setStretchLastSection(!twoLine);
    if (twoLine) {
        horizontalHeader()->setSectionResizeMode(InboxModel::FromColumn, QHeaderView::Stretch);
        verticalHeader()->setDefaultSectionSize(InboxDelegate::rowHeight(font()));
    } else {
        horizontalHeader()->setSectionResizeMode(InboxModel::FromColumn, QHeaderView::Interactive);
        verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    }
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
}

InboxView::Layout InboxView::rowLayout() const
{
    return m_layout;
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
