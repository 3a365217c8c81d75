#include "tagbar.h"

#include "icons.h"
#include "tagchips.h"

#include <message/messagetags.h>

#include <QCompleter>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QStringListModel>
#include <QTimer>
#include <QToolButton>

namespace {
// A chip's text in the card: long tags are elided (the whole name is in its tooltip).
constexpr int CardTagCharacters = 24;
} // namespace

TagBar::TagBar(QWidget *parent)
    : QWidget(parent)
    , m_layout(new QHBoxLayout(this))
    , m_pinMark(new QLabel(this))
    , m_chips(new QWidget(this))
    , m_chipLayout(new QHBoxLayout(m_chips))
    , m_editor(new QLineEdit(this))
    , m_completions(new QStringListModel(this))
    , m_completer(new QCompleter(m_completions, this))
{
    m_layout->setContentsMargins(0, 2, 0, 0);
    m_layout->setSpacing(TagChips::Spacing);
    m_chipLayout->setContentsMargins(0, 0, 0, 0);
    m_chipLayout->setSpacing(TagChips::Spacing);

    const int iconSize = fontMetrics().height();
    m_pinMark->setPixmap(Icons::icon(Icons::Pin).pixmap(iconSize, iconSize));
    m_pinMark->setToolTip(tr("Pinned: kept by Delete All and by retention (Message ▸ Pin, Ctrl+P)"));
    m_pinMark->setAccessibleName(tr("Pinned"));
    m_pinMark->hide();

    m_editor->setPlaceholderText(tr("Add tag…"));
    m_editor->setAccessibleName(tr("Add a tag"));
    m_editor->setToolTip(tr("Type a tag and press Enter to add it to the selected messages (commas separate "
                            "several)"));
    m_editor->setClearButtonEnabled(false);
    m_editor->setFrame(false);
    m_editor->setMaximumWidth(fontMetrics().averageCharWidth() * 22);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_editor->setCompleter(m_completer);
    // Enter while the completion list is open picks the completion too, but the field hears Enter before the
    // completion is put in: the text is read once this key press is over.
    connect(m_editor, &QLineEdit::returnPressed, this, [this] { QTimer::singleShot(0, this, &TagBar::confirmEditor); });
    // Picking a completion (Enter or a click in the list) adds it: one step, not two.
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, [this](const QString &tag) {
        m_editor->setText(tag);
        QTimer::singleShot(0, this, &TagBar::confirmEditor);
    });

    m_layout->addWidget(m_pinMark);
    m_layout->addWidget(m_chips);
    m_layout->addWidget(m_editor);
    m_layout->addStretch();
}

void TagBar::setTags(const QStringList &tags)
{
    if (tags == m_tags && m_chipLayout->count() == tags.size()) {
        return;
    }
    m_tags = tags;
    rebuild();
}

QStringList TagBar::tags() const
{
    return m_tags;
}

void TagBar::setPinned(bool pinned)
{
    m_pinned = pinned;
    m_pinMark->setVisible(pinned);
}

bool TagBar::isPinned() const
{
    return m_pinned;
}

void TagBar::setCompletions(const QStringList &tags)
{
    m_completions->setStringList(tags);
}

QStringList TagBar::completions() const
{
    return m_completions->stringList();
}

QLineEdit *TagBar::editor() const
{
    return m_editor;
}

QToolButton *TagBar::chip(const QString &tag) const
{
    return m_chips->findChild<QToolButton *>(QStringLiteral("tag:") + tag);
}

QToolButton *TagBar::removeButton(const QString &tag) const
{
    return m_chips->findChild<QToolButton *>(QStringLiteral("remove:") + tag);
}

QLabel *TagBar::pinMark() const
{
    return m_pinMark;
}

void TagBar::rebuild()
{
    // Later, not now: a chip's own click or menu may have led here. Until then the old chips are hidden and
    // nameless (chip() finds only the new ones), and still children, so nothing outlives the bar.
    while (QLayoutItem *item = m_chipLayout->takeAt(0)) {
        QWidget *old = item->widget();
        old->hide();
        for (QToolButton *button : old->findChildren<QToolButton *>()) {
            button->setObjectName(QString());
        }
        old->deleteLater();
        delete item;
    }
    const QFont chipFont = TagChips::font(font());
    const QFontMetrics fm(chipFont);
    for (const QString &tag : std::as_const(m_tags)) {
        auto *frame = new QFrame(m_chips);
        const QColor back = TagChips::background(tag, palette());
        const QColor fore = TagChips::foreground(tag, palette());
        const int radius = (fm.height() + 4) / 2;
        // The same colours as the list's chips (TagChips), on a rounded frame: the buttons inside stay native
        // (focus, keyboard, accessibility) but flat.
        frame->setStyleSheet(QStringLiteral("QFrame { background: %1; border-radius: %3px; }"
                                            "QToolButton { color: %2; border: none; background: transparent; "
                                            "padding: 0px 2px; }"
                                            "QToolButton:focus { text-decoration: underline; }")
                                 .arg(back.name(), fore.name())
                                 .arg(radius));
        auto *layout = new QHBoxLayout(frame);
        layout->setContentsMargins(4, 0, 2, 0);
        layout->setSpacing(0);
        auto *name = new QToolButton(frame);
        name->setObjectName(QStringLiteral("tag:") + tag);
        name->setFont(chipFont);
        name->setText(QString(fm.elidedText(tag, Qt::ElideRight, fm.averageCharWidth() * CardTagCharacters))
                          .replace(u'&', QLatin1String("&&")));
        name->setToolTip(
            tr("%1: click to list the messages with this tag; right-click to rename or delete it").arg(tag));
        name->setAccessibleName(tr("Tag %1").arg(tag));
        name->setFocusPolicy(Qt::StrongFocus);
        name->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(name, &QToolButton::clicked, this, [this, tag] { Q_EMIT filterRequested(tag); });
        connect(name, &QWidget::customContextMenuRequested, this,
            [this, tag, name](const QPoint &pos) { showChipMenu(tag, name->mapToGlobal(pos)); });
        auto *remove = new QToolButton(frame);
        remove->setObjectName(QStringLiteral("remove:") + tag);
        remove->setFont(chipFont);
        remove->setText(QStringLiteral("×"));
        remove->setToolTip(tr("Remove the tag %1 from this message").arg(tag));
        remove->setAccessibleName(tr("Remove tag %1").arg(tag));
        remove->setFocusPolicy(Qt::StrongFocus);
        connect(remove, &QToolButton::clicked, this, [this, tag] { Q_EMIT removeRequested(tag); });
        layout->addWidget(name);
        layout->addWidget(remove);
        m_chipLayout->addWidget(frame);
    }
    m_chips->setVisible(!m_tags.isEmpty());
}

void TagBar::confirmEditor()
{
    QStringList tags;
    for (const QString &part : m_editor->text().split(u',')) {
        const QString tag = MessageTags::clean(part);
        if (!tag.isEmpty()) {
            tags << tag;
        }
    }
    m_editor->clear();
    if (!tags.isEmpty()) {
        Q_EMIT addRequested(tags);
    }
}

void TagBar::showChipMenu(const QString &tag, const QPoint &globalPos)
{
    QMenu menu;
    menu.addAction(tr("List Messages Tagged “%1”").arg(tag), this, [this, tag] { Q_EMIT filterRequested(tag); });
    menu.addAction(tr("Remove From This Message"), this, [this, tag] { Q_EMIT removeRequested(tag); });
    menu.addSeparator();
    menu.addAction(tr("Rename Tag…"), this, [this, tag] { Q_EMIT renameRequested(tag); });
    menu.addAction(tr("Delete Tag…"), this, [this, tag] { Q_EMIT deleteRequested(tag); });
    menu.exec(globalPos);
}
