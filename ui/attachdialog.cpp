#include "attachdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace {
bool isApiUrl(const QString &text)
{
    const QUrl url = QUrl::fromUserInput(text.trimmed());
    const QString scheme = url.scheme().toLower();
    return url.isValid() && (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        && !url.host().isEmpty() && !url.hasQuery() && !url.hasFragment();
}
} // namespace

AttachDialog::AttachDialog(QWidget *parent)
    : QDialog(parent)
    , m_url(new QLineEdit(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_remember(new QCheckBox(tr("Remember the password in the system keychain"), this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Attach to Catcher"));
    setObjectName(QStringLiteral("attachDialog"));
    auto *intro = new QLabel(tr("Show a Letterbox or Mailpit running elsewhere (a team's catcher on a server, CI's) in "
                                "a window of its own. This Letterbox keeps catching here."),
        this);
    intro->setWordWrap(true);
    m_url->setPlaceholderText(QStringLiteral("http://catcher.example:8025"));
    m_url->setAccessibleName(tr("Catcher URL"));
    m_url->setToolTip(tr("The API's base URL: what you would open in a browser for Mailpit's web UI"));
    m_user->setPlaceholderText(tr("none"));
    m_user->setAccessibleName(tr("User name"));
    m_user->setToolTip(tr("For a catcher started with --api-auth (HTTP basic auth); empty when it asks for none"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Password"));
    m_password->setToolTip(tr("Empty: the one the system keychain remembers for this user and URL"));
    m_remember->setChecked(true);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(QString(), m_remember);
    QPushButton *attach = m_buttons->addButton(tr("&Attach"), QDialogButtonBox::AcceptRole);
    attach->setObjectName(QStringLiteral("attachButton"));
    attach->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    connect(m_url, &QLineEdit::textChanged, this, &AttachDialog::updateButtons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (isApiUrl(url())) {
            Q_EMIT attachRequested();
        }
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
    resize(480, sizeHint().height());
}

QString AttachDialog::url() const
{
    return m_url->text().trimmed();
}

QString AttachDialog::user() const
{
    return m_user->text();
}

QString AttachDialog::password() const
{
    return m_password->text();
}

bool AttachDialog::rememberPassword() const
{
    return m_remember->isChecked();
}

void AttachDialog::setUrl(const QString &url)
{
    m_url->setText(url);
}

void AttachDialog::setUser(const QString &user)
{
    m_user->setText(user);
}

void AttachDialog::setError(const QString &error)
{
    setBusy(false);
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void AttachDialog::setBusy(bool busy)
{
    for (QWidget *w : std::initializer_list<QWidget *> { m_url, m_user, m_password, m_remember }) {
        w->setEnabled(!busy);
    }
    if (busy) {
        m_error->setStyleSheet(QString());
        m_error->setText(tr("Connecting…"));
        m_error->show();
    } else {
        m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    }
    m_buttons->button(QDialogButtonBox::Cancel)->setEnabled(true);
    for (QAbstractButton *b : m_buttons->buttons()) {
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole) {
            b->setEnabled(!busy && isApiUrl(url()));
        }
    }
}

void AttachDialog::updateButtons()
{
    setBusy(false);
    m_error->hide();
}

QLineEdit *AttachDialog::urlField() const
{
    return m_url;
}

QLineEdit *AttachDialog::userField() const
{
    return m_user;
}

QLineEdit *AttachDialog::passwordField() const
{
    return m_password;
}
