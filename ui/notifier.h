#pragma once

#include <message/messagesummary.h>
#include <store/mailboxcount.h>

#include <QElapsedTimer>
#include <QObject>

#include <functional>

class QSystemTrayIcon;
class QTimer;
class QMenu;

// The tray icon (unread count in its tooltip and badge) and desktop notifications: one per message, coalesced in
// bursts — at most one notification every interval (2 s), "12 new messages" for a burst — so a load test never
// floods the desktop. Clicking one asks to show that message (or the inbox for a burst). Once mail goes to a mailbox
// other than Inbox (CONTRACT "Mailboxes"), both say which: "3 new in shop", "5 new: 3 in shop, 2 in Inbox"; mail
// that is all in Inbox is told as before, as a single-inbox (Mailpit) user knows it.
class Notifier : public QObject
{
    Q_OBJECT
public:
    explicit Notifier(QObject *parent = nullptr);
    ~Notifier() override;

    void setTrayEnabled(bool enabled);
    bool isTrayEnabled() const;
    // Whether the desktop has a tray to put the icon in.
    bool isTrayAvailable() const;
    void setNotificationsEnabled(bool enabled);
    bool areNotificationsEnabled() const;
    void setInterval(int milliseconds);
    void setTrayMenu(QMenu *menu);
    void setUnreadCount(qint64 unread);
    // The unread count of each mailbox, for the tray's tooltip ("3 in shop, 2 in Inbox").
    void setMailboxUnread(const QList<MailboxCount> &mailboxes);
    // What the tray's tooltip says.
    QString trayToolTip() const;

    // How to get a message's parsed summary (subject, From) when a notification names one message; the store's
    // signal carries only the delivery's facts. The lookup answers through found, on this object's thread, at once
    // or later (the store's asynchronous summary()); the notification waits for it.
    using Lookup = std::function<void(const QString &id, std::function<void(const MessageSummary &)> found)>;
    void setLookup(Lookup lookup);
    void messageArrived(const MessageSummary &summary);

Q_SIGNALS:
    // What a notification said (emitted whether or not the desktop could show it).
    void notified(const QString &title, const QString &body);
    // The user clicked a notification: the message's ID, or empty for a burst.
    void activated(const QString &messageId);
    // The tray icon was clicked.
    void trayActivated();

private:
    void showPending();
    void notifyOne(const MessageSummary &summary);
    void notifyBurst(const QList<MessageSummary> &pending, const MessageSummary &latest);
    void notify(const QString &title, const QString &body);
    void updateIcon();

    QSystemTrayIcon *m_tray = nullptr;
    QTimer *m_timer;
    QElapsedTimer m_sinceLast;
    bool m_trayEnabled = false;
    bool m_notifications = true;
    QList<MessageSummary> m_pending;
    QString m_lastNotifiedId;
    qint64 m_unread = 0;
    QList<MailboxCount> m_mailboxUnread;
    QMenu *m_menu = nullptr;
    Lookup m_lookup;
};
