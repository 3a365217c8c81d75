#include "notifier.h"
#include "plural.h"

#include "icons.h"

#include <QLocale>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QTimer>
#include <utility>

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
    const auto show = [this, count = pending.size(), named](const MessageSummary &found) {
        const MessageSummary &s = found.id.isEmpty() ? named : found;
        if (count == 1) {
            notifyOne(s);
        } else {
            notifyBurst(count, s);
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
    notify(tr("New mail from %1").arg(sender), s.subject.isEmpty() ? tr("(no subject)") : s.subject);
}

void Notifier::notifyBurst(qsizetype count, const MessageSummary &latest)
{
    m_lastNotifiedId.clear();
    notify(counted(count, tr("new message"), tr("new messages")),
        tr("Latest: %1").arg(latest.subject.isEmpty() ? tr("(no subject)") : latest.subject));
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
