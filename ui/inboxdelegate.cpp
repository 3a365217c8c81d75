#include "inboxdelegate.h"

#include "icons.h"
#include "inboxmodel.h"
#include "tagchips.h"

#include <QApplication>
#include <QPainter>

int InboxDelegate::rowHeight(const QFont &font)
{
    return QFontMetrics(font).height() * 2 + 12;
}

QSize InboxDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    Q_UNUSED(index)
    return { 200, rowHeight(option.font) };
}

void InboxDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, opt.widget);

    const bool unread = !index.data(InboxModel::ReadRole).toBool();
    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = opt.state & QStyle::State_Active ? QPalette::Active : QPalette::Inactive;
    const QColor text = opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.65);

    const QRect r = opt.rect.adjusted(6, 4, -6, -4);
    const int lineHeight = opt.fontMetrics.height();
    const int dot = 14;
    QRect line1(r.left() + dot, r.top(), r.width() - dot, lineHeight);
    QRect line2(r.left() + dot, r.top() + lineHeight + 2, r.width() - dot, lineHeight);

    painter->save();
    if (unread) {
        Icons::icon(Icons::Unread).paint(painter, QRect(r.left() - 2, line1.top() + (lineHeight - 12) / 2, 12, 12));
    }
    QFont bold = opt.font;
    bold.setBold(unread);
    painter->setFont(bold);

    // Line 1: sender, time on the right.
    const QModelIndex received = index.siblingAtColumn(InboxModel::ReceivedColumn);
    const QString time = received.data().toString();
    int timeWidth = QFontMetrics(bold).horizontalAdvance(time) + 8;
    painter->setPen(unread ? text : dim);
    painter->drawText(line1.adjusted(line1.width() - timeWidth, 0, 0, 0), Qt::AlignRight | Qt::AlignVCenter, time);
    // The pin mark goes before the time, which it never pushes out; the sender gives way.
    if (index.data(InboxModel::PinnedRole).toBool()) {
        const int pin = qMin(14, lineHeight);
        Icons::icon(Icons::Pin)
            .paint(painter, QRect(line1.right() - timeWidth - pin, line1.top() + (lineHeight - pin) / 2, pin, pin));
        timeWidth += pin + 4;
    }
    // In All mail, the mailbox of a row outside Inbox, dimmed before the time: a message routed to two mailboxes is
    // two rows, and this tells them apart.
    const QString mailbox = index.data(InboxModel::MailboxLabelRole).toString();
    if (!mailbox.isEmpty()) {
        const QFontMetrics small(opt.font);
        const QString label = small.elidedText(mailbox, Qt::ElideRight, line1.width() / 3);
        const int width = small.horizontalAdvance(label) + 8;
        painter->setFont(opt.font);
        painter->setPen(dim);
        painter->drawText(line1.adjusted(line1.width() - timeWidth - width, 0, -timeWidth, 0),
            Qt::AlignRight | Qt::AlignVCenter, label);
        painter->setFont(bold);
        timeWidth += width;
    }
    painter->setPen(text);
    const QString sender = index.data(InboxModel::SenderRole).toString();
    painter->drawText(line1.adjusted(0, 0, -timeWidth, 0), Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetrics(bold).elidedText(sender, Qt::ElideRight, line1.width() - timeWidth));

    // Line 2: subject, then the snippet dimmed; the attachment glyph on the right.
    int right = line2.right();
    if (index.data(InboxModel::HasAttachmentsRole).toBool()) {
        Icons::icon(Icons::Attachment).paint(painter, QRect(right - 14, line2.top() + (lineHeight - 14) / 2, 14, 14));
        right -= 18;
    }
    // Tags as chips at the line's end, on at most half of it: the subject keeps the rest, and too many tags end in
    // "+N" (their names are in the row's accessible text and the header card).
    const QStringList tags = index.data(InboxModel::TagsRole).toStringList();
    if (!tags.isEmpty()) {
        QPalette chipPalette = opt.palette;
        chipPalette.setColor(QPalette::Text, text);
        const QRect chipArea(
            line2.left() + line2.width() / 2, line2.top(), right - line2.left() - line2.width() / 2, lineHeight);
        const int used = TagChips::paint(painter, chipArea, tags, chipPalette, opt.font);
        if (used > 0) {
            right -= used + 6;
        }
    }
    QRect textRect = line2;
    textRect.setRight(right);
    const QString subject = index.data(InboxModel::SubjectRole).toString();
    const QFontMetrics fm(bold);
    const QString shownSubject = fm.elidedText(subject, Qt::ElideRight, textRect.width());
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, shownSubject);
    const int used = fm.horizontalAdvance(shownSubject);
    const QString snippet = index.data(InboxModel::SnippetRole).toString();
    // A snippet cut to a letter or two says nothing: it needs room for a few characters.
    if (used + 10 + 8 * opt.fontMetrics.averageCharWidth() < textRect.width() && !snippet.isEmpty()) {
        painter->setFont(opt.font);
        painter->setPen(dim);
        QRect snippetRect = textRect.adjusted(used + 10, 0, 0, 0);
        painter->drawText(snippetRect, Qt::AlignLeft | Qt::AlignVCenter,
            opt.fontMetrics.elidedText(snippet, Qt::ElideRight, snippetRect.width()));
    }
    painter->restore();
}
