#pragma once

#include <QWidget>

class QTextBrowser;

// What the inbox shows when it has nothing to list. An empty mailbox teaches: where Letterbox is listening
// (the real bound port) and how to point common stacks at it, all copyable. An empty search says what was
// searched and offers to clear it.
class EmptyState : public QWidget
{
    Q_OBJECT
public:
    explicit EmptyState(QWidget *parent = nullptr);
    // host:port of the first SMTP listener; empty when not listening (error says why).
    void setListening(const QString &host, quint16 port, bool authOffered, const QString &error = QString());
    void showWaiting();
    void showNoMatches(const QString &query);
    QString text() const;

Q_SIGNALS:
    void clearSearchRequested();
    void chooseAnotherPortRequested();

private:
    void render();

    QTextBrowser *m_browser;
    QString m_host;
    quint16 m_port = 0;
    bool m_auth = true;
    QString m_error;
    QString m_query;
    bool m_search = false;
};
