#pragma once

#include <QStringList>
#include <QWidget>

class QCompleter;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QStringListModel;
class QToolButton;

// The header card's row of a message's tags and pin: the pin mark when it is pinned, a chip per tag (click: list
// the messages with it; ×: take it off; context menu: filter, rename, delete everywhere), and a field that adds tags
// (Enter; commas separate several; completion from the tags in use). It edits nothing itself: it says what the user
// asked for, and the window asks the store (asynchronously) and shows the answer through setTags().
class TagBar : public QWidget
{
    Q_OBJECT
public:
    explicit TagBar(QWidget *parent = nullptr);

    void setTags(const QStringList &tags);
    QStringList tags() const;
    void setPinned(bool pinned);
    bool isPinned() const;
    // The tags the field completes (every tag in use).
    void setCompletions(const QStringList &tags);
    QStringList completions() const;
    QLineEdit *editor() const;
    // The chip showing tag (its filter button), or nullptr.
    QToolButton *chip(const QString &tag) const;
    // Its remove button, or nullptr.
    QToolButton *removeButton(const QString &tag) const;
    QLabel *pinMark() const;

Q_SIGNALS:
    // Typed into the field and confirmed with Enter: cleaned (MessageTags::clean), never empty.
    void addRequested(const QStringList &tags);
    void removeRequested(const QString &tag);
    void filterRequested(const QString &tag);
    void renameRequested(const QString &tag);
    void deleteRequested(const QString &tag);

private:
    void rebuild();
    void confirmEditor();
    void showChipMenu(const QString &tag, const QPoint &globalPos);

    QStringList m_tags;
    bool m_pinned = false;
    QHBoxLayout *m_layout;
    QLabel *m_pinMark;
    QWidget *m_chips;
    QHBoxLayout *m_chipLayout;
    QLineEdit *m_editor;
    QStringListModel *m_completions;
    QCompleter *m_completer;
};
