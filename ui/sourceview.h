#pragma once

#include <QPlainTextEdit>

class QLineEdit;
class QLabel;

// The Source tab: the stored source, monospace, with line numbers; the header block is set apart from the body
// (header names in bold). Ctrl+F opens a find bar (Enter: next, Shift+Enter: previous, Esc: close).
class SourceView : public QWidget
{
    Q_OBJECT
public:
    explicit SourceView(QWidget *parent = nullptr);
    void setSource(const QByteArray &raw);
    void clear();
    QPlainTextEdit *editor() const;
    // Finds text from the cursor; false when there is no (further) match.
    bool find(const QString &text, bool backwards = false);
    void showFindBar();

private:
    class Editor;
    Editor *m_editor;
    QWidget *m_findBar;
    QLineEdit *m_findField;
    QLabel *m_findStatus;
};
