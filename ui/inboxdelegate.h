#pragma once

#include <QStyledItemDelegate>

// The inbox's two-line rows, like a mail client: sender and time, then subject and snippet; unread bold with a
// dot, a pin mark before the time, tags as chips and an attachment glyph at the second line's end. Paints a whole row
// into its one visible column.
class InboxDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    static int rowHeight(const QFont &font);
};
