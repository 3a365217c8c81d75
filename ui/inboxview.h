#pragma once

#include <QTableView>

class InboxDelegate;

// The inbox list: two-line rows (default) or a compact table with one column per field. New messages inserted
// at the top never move what the user is looking at: when the list is scrolled down, it stays on the same rows.
class InboxView : public QTableView
{
    Q_OBJECT
public:
    enum class Layout { TwoLine, Compact };

    explicit InboxView(QWidget *parent = nullptr);
    void setModel(QAbstractItemModel *model) override;
    void setRowLayout(Layout layout);
    Layout rowLayout() const;
    // How wide the compact table would like to be: its columns, with room for a subject of 30 characters.
    int compactWidth() const;

Q_SIGNALS:
    // The first paint of a non-empty list (for the start-up benchmark).
    void firstRowsPainted();

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void paintEvent(QPaintEvent *event) override;
    void startDrag(Qt::DropActions supportedActions) override;

private:
    // Wide enough for each of texts in an item (bold, as unread rows are).
    int textColumnWidth(const QStringList &texts) const;

    Layout m_layout = Layout::TwoLine;
    InboxDelegate *m_delegate;
    QAbstractItemDelegate *m_plain;
    bool m_painted = false;
};
