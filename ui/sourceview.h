#pragma once

#include <QPlainTextEdit>

class QLineEdit;
class QLabel;

// The Source tab: the stored source, monospace, with line numbers; the header block is set apart from the body
// (header names in bold). A find bar (showFindBar(); Enter: next, Shift+Enter: previous, Esc: close).
class SourceView : public QWidget
{
    Q_OBJECT
public:
    explicit SourceView(QWidget *parent = nullptr);
    // Shows raw once a worker has made its document (sourceShown()); meanwhile a line says it is loading.
    void setSource(const QByteArray &raw);
    bool isLoading() const;
    void clear();
    QPlainTextEdit *editor() const;
    // Finds text from the cursor; false when there is no (further) match.
    bool find(const QString &text, bool backwards = false);
    void showFindBar();

Q_SIGNALS:
    void sourceShown();

private:
    void attach(class QTextDocument *document);

    class Editor;
    Editor *m_editor;
    QWidget *m_findBar;
    QLineEdit *m_findField;
    QLabel *m_findStatus;
    QTextDocument *m_document = nullptr; // the source shown, when it is ours
    quint64 m_generation = 0;
    bool m_loading = false;
};
