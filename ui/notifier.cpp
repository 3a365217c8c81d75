#include "notifier.h"
#include "plural.h"

#include "icons.h"

#include <message/mailboxname.h>

#include <QLocale>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QTimer>
#include <algorithm>
#include <utility>

namespace {
// "3 in shop, 2 in Inbox": the mailboxes with most first, ties in the order given.
QString perMailbox(QList<MailboxCount> counts)
{
    std::stable_sort(
        counts.begin(), counts.end(), [](const MailboxCount &a, const MailboxCount &b) { return a.unread > b.unread; });
    QStringList parts;
    for (const MailboxCount &c : std::as_const(counts)) {
        if (c.unread > 0) {
            parts << Notifier::tr("%1 in %2").arg(QLocale().toString(c.unread), c.name);
        }
    }
    return parts.join(QStringLiteral(", "));
}

bool onlyInbox(const QList<MailboxCount> &counts)
{
    for (const MailboxCount &c : counts) {
        if (c.unread > 0 && !MailboxName::same(c.name, MailboxName::inbox())) {
            return false;
        }
    }
    return true;
}
} // namespace

Notifier::Notifier(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setInterval(2000);
    connect(m_timer, &QTimer::timeout, this, &Notifier::showPending);
}

Notifier::~Notifier() = default;

void Notifier::setTrayEnabled(bool enabled)
{
    m_trayEnabled = enabled;
    if (enabled && !m_tray) {
        m_tray = new QSystemTrayIcon(this);
        m_tray->setContextMenu(m_menu);
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] { Q_EMIT activated(m_lastNotifiedId); });
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick) {
                Q_EMIT trayActivated();
            }
        });
        updateIcon();
    }
    if (m_tray) {
        m_tray->setVisible(enabled);
    }
}

bool Notifier::isTrayEnabled() const
{
    return m_trayEnabled;
}

bool Notifier::isTrayAvailable() const
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void Notifier::setNotificationsEnabled(bool enabled)
{
    m_notifications = enabled;
    if (!enabled) {
        m_pending.clear();
        m_timer->stop();
    }
}

bool Notifier::areNotificationsEnabled() const
{
    return m_notifications;
}

void Notifier::setInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void Notifier::setTrayMenu(QMenu *menu)
{
    m_menu = menu;
    if (m_tray) {
        m_tray->setContextMenu(menu);
    }
}

void Notifier::setUnreadCount(qint64 unread)
{
    if (unread == m_unread) {
        return;
    }
    m_unread = unread;
    updateIcon();
}

void Notifier::setMailboxUnread(const QList<MailboxCount> &mailboxes)
{
    if (mailboxes == m_mailboxUnread) {
        return;
    }
    m_mailboxUnread = mailboxes;
    updateIcon();
}

QString Notifier::trayToolTip() const
{
    if (m_unread <= 0) {
        return tr("Letterbox: no unread mail");
    }
    const QString unread = tr("Letterbox: %1 unread").arg(QLocale().toString(m_unread));
    return onlyInbox(m_mailboxUnread) ? unread : tr("%1 (%2)").arg(unread, perMailbox(m_mailboxUnread));
}

void Notifier::setLookup(Lookup lookup)
{
    m_lookup = std::move(lookup);
}

void Notifier::messageArrived(const MessageSummary &summary)
{
    if (!m_notifications) {
        return;
    }
    m_pending << summary;
    // The first message after a quiet spell shows at once; the rest of a burst waits for the interval.
    if (!m_timer->isActive()) {
        if (!m_sinceLast.isValid() || m_sinceLast.elapsed() >= m_timer->interval()) {
            showPending();
        }
        m_timer->start();
    }
}

void Notifier::showPending()
{
    if (m_pending.isEmpty()) {
        return;
    }
    const QList<MessageSummary> pending = std::exchange(m_pending, {});
    m_sinceLast.start();
    const MessageSummary &named = pending.last();
    // A summary without the parsed facts is looked up; one the store no longer has shows what the delivery said.
    const bool needsLookup = m_lookup && (pending.size() > 1 || (named.subject.isEmpty() && named.fromList.isEmpty()));
    const auto show = [this, pending, named](const MessageSummary &found) {
        const MessageSummary &s = found.id.isEmpty() ? named : found;
        if (pending.size() == 1) {
            notifyOne(s);
        } else {
            notifyBurst(pending, s);
        }
    };
    if (needsLookup) {
        m_lookup(named.id, show);
    } else {
        show(named);
    }
}

void Notifier::notifyOne(const MessageSummary &s)
{
    const QString sender = s.fromList.isEmpty()
        ? s.mailFrom
        : (s.fromList.first().name.isEmpty() ? s.fromList.first().address : s.fromList.first().name);
    m_lastNotifiedId = s.id;
    const QString subject = s.subject.isEmpty() ? tr("(no subject)") : s.subject;
    if (s.mailbox.isEmpty() || MailboxName::same(s.mailbox, MailboxName::inbox())) {
        notify(tr("New mail from %1").arg(sender), subject);
    } else {
        notify(tr("New mail in %1 from %2").arg(s.mailbox, sender), subject);
    }
}

void Notifier::notifyBurst(const QList<MessageSummary> &pending, const MessageSummary &latest)
{
    m_lastNotifiedId.clear();
    // Per mailbox, in the order they first arrived.
    QList<MailboxCount> counts;
    for (const MessageSummary &s : pending) {
        const QString name = s.mailbox.isEmpty() ? MailboxName::inbox() : s.mailbox;
        auto it = std::find_if(
            counts.begin(), counts.end(), [&](const MailboxCount &c) { return MailboxName::same(c.name, name); });
        if (it == counts.end()) {
            counts << MailboxCount { name, 0, 1 };
        } else {
            ++it->unread;
        }
    }
    const QString count = QLocale().toString(pending.size());
    const QString body = tr("Latest: %1").arg(latest.subject.isEmpty() ? tr("(no subject)") : latest.subject);
    if (onlyInbox(counts)) {
        notify(counted(pending.size(), tr("new message"), tr("new messages")), body);
    } else if (counts.size() == 1) {
        notify(tr("%1 new in %2").arg(count, counts.first().name), body);
    } else {
        notify(tr("%1 new: %2").arg(count, perMailbox(counts)), body);
    }
}

void Notifier::notify(const QString &title, const QString &body)
{
    if (m_tray && m_tray->isVisible() && QSystemTrayIcon::supportsMessages()) {
        m_tray->showMessage(title, body, Icons::icon(Icons::App), 5000);
    }
    Q_EMIT notified(title, body);
}

void Notifier::updateIcon()
{
    if (!m_tray) {
        return;
    }
    m_tray->setToolTip(trayToolTip());
    QIcon base = Icons::icon(Icons::Tray);
    if (m_unread == 0) {
        m_tray->setIcon(base);
        return;
    }
    // A badge with the count.
    QPixmap pixmap = base.pixmap(64, 64);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(QColor(0xd3, 0x2f, 0x2f));
    painter.setPen(Qt::NoPen);
    painter.drawEllipse(QRect(28, 0, 36, 36));
    QFont font = painter.font();
    font.setPixelSize(m_unread > 99 ? 15 : 22);
    font.setBold(true);
    painter.setFont(font);
    painter.setPen(Qt::white);
    painter.drawText(
        QRect(28, 0, 36, 36), Qt::AlignCenter, m_unread > 99 ? QStringLiteral("99+") : QString::number(m_unread));
    painter.end();
    m_tray->setIcon(QIcon(pixmap));
}
