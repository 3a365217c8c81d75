#pragma once

#include <QWidget>

class QGridLayout;
class QLabel;
class QScrollArea;
class QVBoxLayout;

// What the inbox shows when it has nothing to list. An empty mailbox teaches: where Letterbox is listening (the
// real bound port), what it accepts, and how to point common stacks at it, each snippet with a Copy button. Laid
// out for a large pane (two columns of snippets) and still whole at 600 px wide (one column, text wrapped). An
// empty search says what was searched and offers to clear it; a listener that failed says why and offers another
// port.
class EmptyState : public QWidget
{
    Q_OBJECT
public:
    // What AUTH does (CONTRACT --auth): any credentials accepted, not offered, or required from a credentials file.
    enum class Auth { Any, Off, Required };

    explicit EmptyState(QWidget *parent = nullptr);
    // host:port of the first SMTP listener; port 0 when not listening (error says why).
    void setListening(const QString &host, quint16 port, Auth auth, const QString &error = QString());
    // As above; authOffered true is Auth::Any, false Auth::Off.
    void setListening(const QString &host, quint16 port, bool authOffered, const QString &error = QString());
    // Attached to a remote catcher (--attach): an empty inbox says whose it is; its SMTP port is the server's.
    void setAttached(const QString &where);
    void showWaiting();
    void showNoMatches(const QString &query);
    // Everything shown, as plain text.
    QString text() const;

Q_SIGNALS:
    void clearSearchRequested();
    void chooseAnotherPortRequested();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void render();
    void renderWaiting(QVBoxLayout *layout);
    QLabel *addLabel(QVBoxLayout *layout, const QString &text, Qt::TextFormat format = Qt::PlainText);
    QWidget *snippetCard(const QString &title, const QString &note, const QString &code);
    void arrangeCards();

    QScrollArea *m_scroll;
    QWidget *m_page = nullptr;
    QGridLayout *m_cardGrid = nullptr;
    QList<QWidget *> m_cards;
    int m_columns = 0;
    QString m_host;
    quint16 m_port = 0;
    Auth m_auth = Auth::Any;
    QString m_error;
    QString m_query;
    bool m_search = false;
    QString m_attached; // the remote catcher shown; "" for this one
};
