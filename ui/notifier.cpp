#include "notifier.h"
#include "plural.h"

#include "icons.h"

#include <QLocale>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QTimer>

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

void Notifier::setLookup(std::function<MessageSummary(const QString &)> lookup)
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
    QString title;
    QString body;
    if (m_pending.size() == 1) {
        MessageSummary s = m_pending.first();
        if (m_lookup && s.subject.isEmpty() && s.fromList.isEmpty()) {
            s = m_lookup(s.id);
        }
        const QString sender = s.fromList.isEmpty()
            ? s.mailFrom
            : (s.fromList.first().name.isEmpty() ? s.fromList.first().address : s.fromList.first().name);
        title = tr("New mail from %1").arg(sender);
        body = s.subject.isEmpty() ? tr("(no subject)") : s.subject;
        m_lastNotifiedId = s.id;
    } else {
        title = counted(m_pending.size(), tr("new message"), tr("new messages"));
        const MessageSummary latest = m_lookup ? m_lookup(m_pending.last().id) : m_pending.last();
        body = tr("Latest: %1").arg(latest.subject.isEmpty() ? tr("(no subject)") : latest.subject);
        m_lastNotifiedId.clear();
    }
    m_pending.clear();
    m_sinceLast.start();
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
    m_tray->setToolTip(
        m_unread > 0 ? tr("Letterbox: %1 unread").arg(QLocale().toString(m_unread)) : tr("Letterbox: no unread mail"));
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
