#include "releasedialog.h"

#include <relay/relayservice.h>

#include <QAbstractItemView>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QStringListModel>
#include <QVBoxLayout>

namespace {
QSettings settingsFile()
{
    return QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
}

const QString recentKey = QStringLiteral("release/recentAddresses");

ReleaseDialog::Sender relaySender(RelayService *relay, const QString &messageId)
{
    if (!relay) {
        return {};
    }
    return [relay = QPointer<RelayService>(relay), messageId](
               const QStringList &to, QObject *context, std::function<void(bool ok, const QString &text)> done) {
        if (!relay) {
            done(false, ReleaseDialog::tr("the relay service has stopped"));
            return;
        }
        relay->release(messageId, to, context, std::move(done));
    };
}
} // namespace

ReleaseDialog::ReleaseDialog(RelayService *relay, const QString &messageId, const QString &subject, QWidget *parent)
    : ReleaseDialog(relaySender(relay, messageId), QString(), subject, parent)
{
}

ReleaseDialog::ReleaseDialog(Sender send, const QString &relayName, const QString &subject, QWidget *parent)
    : QDialog(parent), m_send(std::move(send))
{
    setWindowTitle(tr("Release Message"));
    // Not word-wrapped: a dialog's size ignores height-for-width, and a wrapped label would squeeze the field.
    const QString shown = subject.isEmpty() ? tr("(no subject)") : subject;
    const QString elided = fontMetrics().elidedText(shown, Qt::ElideRight, fontMetrics().averageCharWidth() * 48);
    auto *intro = new QLabel(relayName.isEmpty()
            ? tr("Send “%1”\nthrough the relay server, exactly as it was received, to:").arg(elided)
            : tr("Send “%1”\nthrough %2, exactly as it was received, to:").arg(elided, relayName),
        this);
    intro->setTextFormat(Qt::PlainText);
    m_to = new QLineEdit(this);
    m_to->setAccessibleName(tr("Release to"));
    m_to->setPlaceholderText(tr("ann@example.com, bob@example.com"));
    m_to->setMinimumWidth(fontMetrics().averageCharWidth() * 50);
    m_recent = new QStringListModel(recentAddresses(), this);
    m_completer = new QCompleter(m_recent, this);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setWidget(m_to);
    // The completer works on the address being typed, the one after the last comma.
    connect(m_to, &QLineEdit::textEdited, this, [this](const QString &text) {
        const QString last = text.section(u',', -1).trimmed();
        if (last.isEmpty()) {
            m_completer->popup()->hide();
            return;
        }
        m_completer->setCompletionPrefix(last);
        m_completer->complete();
    });
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, &ReleaseDialog::completeLastAddress);
    auto *toLabel = new QLabel(tr("&To"), this);
    toLabel->setBuddy(m_to);
    // A little air: at its exact width the last glyph's edge is cut (QLabel clips to its contents) on some font
    // renderings.
    toLabel->setMinimumWidth(toLabel->sizeHint().width() + fontMetrics().averageCharWidth());
    auto *toRow = new QHBoxLayout;
    toRow->addWidget(toLabel);
    toRow->addWidget(m_to, 1);

    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::PlainText);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_result->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_release = buttons->addButton(tr("&Release"), QDialogButtonBox::AcceptRole);
    m_release->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &ReleaseDialog::release);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(toRow);
    layout->addWidget(m_result);
    layout->addWidget(buttons);
}

QStringList ReleaseDialog::addressesIn(const QString &text)
{
    QStringList addresses;
    for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString address = part.trimmed();
        if (!address.isEmpty() && !addresses.contains(address, Qt::CaseInsensitive)) {
            addresses << address;
        }
    }
    return addresses;
}

QStringList ReleaseDialog::recentAddresses()
{
    return settingsFile().value(recentKey).toStringList().mid(0, RecentCount);
}

QLineEdit *ReleaseDialog::toField() const
{
    return m_to;
}

QString ReleaseDialog::resultText() const
{
    return m_result->isHidden() ? QString() : m_result->text();
}

bool ReleaseDialog::isReleasing() const
{
    return m_releasing;
}

void ReleaseDialog::release()
{
    if (m_releasing) {
        return;
    }
    const QStringList to = addressesIn(m_to->text());
    if (to.isEmpty()) {
        showResult(false, tr("Give at least one address to release to."));
        m_to->setFocus();
        return;
    }
    for (const QString &address : to) {
        // An envelope address (RFC 5321 §4.1.2: a local part, "@", a domain), without the angle brackets or a name.
        if (!address.contains(u'@') || address.contains(u' ') || address.contains(u'<') || address.contains(u'>')) {
            showResult(false, tr("“%1” is not an address like ann@example.com.").arg(address));
            m_to->setFocus();
            return;
        }
    }
    if (!m_send) {
        showResult(false, tr("No relay configured."));
        return;
    }
    remember(to);
    m_releasing = true;
    m_release->setEnabled(false);
    m_result->setPalette(palette());
    m_result->setText(tr("Releasing…"));
    m_result->show();
    m_send(to, this, [this](bool ok, const QString &text) {
        m_releasing = false;
        m_release->setEnabled(true);
        showResult(ok, ok ? tr("Released: %1").arg(text) : tr("Not released: %1").arg(text));
        Q_EMIT released(ok, text);
    });
}

void ReleaseDialog::remember(const QStringList &addresses)
{
    QStringList recent = recentAddresses();
    for (auto it = addresses.crbegin(); it != addresses.crend(); ++it) {
        recent.removeIf([&](const QString &a) { return a.compare(*it, Qt::CaseInsensitive) == 0; });
        recent.prepend(*it);
    }
    recent = recent.mid(0, RecentCount);
    QSettings s = settingsFile();
    s.setValue(recentKey, recent);
    m_recent->setStringList(recent);
}

void ReleaseDialog::showResult(bool ok, const QString &text)
{
    QPalette p = palette();
    p.setColor(QPalette::WindowText, ok ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
    m_result->setPalette(p);
    m_result->setText(text);
    m_result->show();
    // A window's minimum size ignores height-for-width: the wrapped reply gets the height it needs at this width.
    layout()->activate();
    const int wanted = layout()->totalHeightForWidth(width());
    if (wanted > height()) {
        resize(width(), wanted);
    }
}

void ReleaseDialog::completeLastAddress(const QString &completion)
{
    QStringList parts = m_to->text().split(u',');
    parts.removeLast();
    for (QString &part : parts) {
        part = part.trimmed();
    }
    parts << completion;
    m_to->setText(parts.join(QStringLiteral(", ")));
}
