#include "relaysettingspage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
void setErrorColour(QLabel *label)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
    label->setPalette(palette);
}
} // namespace

RelaySettingsPage::RelaySettingsPage(const RelaySettings &settings, QWidget *parent) : QWidget(parent)
{
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->hide();

    m_fields = new QWidget(this);
    m_host = new QLineEdit(settings.host, m_fields);
    m_host->setPlaceholderText(tr("e.g. smtp.example.com (empty: no relay)"));
    m_host->setAccessibleName(tr("Relay host"));
    m_port = new QSpinBox(m_fields);
    m_port->setRange(1, 65535);
    m_port->setValue(qBound(1, settings.port, 65535));
    m_port->setAccessibleName(tr("Relay port"));
    m_port->setToolTip(tr("25 or 587 for STARTTLS, 465 for TLS (RFC 8314)"));
    m_tls = new QComboBox(m_fields);
    m_tls->setAccessibleName(tr("Relay TLS"));
    m_tls->addItem(tr("STARTTLS if offered"), int(RelaySettings::Tls::IfOffered));
    m_tls->addItem(tr("STARTTLS required"), int(RelaySettings::Tls::Required));
    m_tls->addItem(tr("TLS (SMTPS, from the first byte)"), int(RelaySettings::Tls::Implicit));
    m_tls->addItem(tr("Off (plain text)"), int(RelaySettings::Tls::Off));
    m_tls->setCurrentIndex(m_tls->findData(int(settings.tls)));
    m_insecure = new QCheckBox(tr("Don't &verify the certificate"), m_fields);
    m_insecure->setToolTip(tr("Accept any certificate from the relay (--relay-insecure), e.g. a test server's own"));
    m_insecure->setChecked(settings.insecure);
    m_user = new QLineEdit(settings.user, m_fields);
    m_user->setPlaceholderText(tr("empty: no AUTH"));
    m_user->setAccessibleName(tr("Relay user"));
    m_password = new QLineEdit(m_fields);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Relay password"));
    m_keychain = new QLabel(m_fields);
    m_keychain->setWordWrap(true);
    m_keychain->setTextFormat(Qt::PlainText);
    m_keychain->hide();
    auto *authNote
        = new QLabel(tr("The password is sent over an encrypted connection only, unless Encryption is Off."), m_fields);
    authNote->setWordWrap(true);
    authNote->setEnabled(false);

    m_autoRelay = new QComboBox(m_fields);
    m_autoRelay->setAccessibleName(tr("Auto-relay"));
    m_autoRelay->addItem(tr("Off"), int(RelaySettings::AutoRelay::Off));
    m_autoRelay->addItem(tr("Every message, to all its recipients"), int(RelaySettings::AutoRelay::All));
    m_autoRelay->addItem(tr("Recipients matching an expression"), int(RelaySettings::AutoRelay::Matching));
    m_autoRelay->setCurrentIndex(m_autoRelay->findData(int(settings.autoRelay)));
    m_matching = new QLineEdit(settings.matching, m_fields);
    m_matching->setPlaceholderText(tr("e.g. @example\\.com$"));
    m_matching->setToolTip(tr("A regular expression searched case-insensitively in each envelope recipient"));
    m_matching->setAccessibleName(tr("Auto-relay matching expression"));
    m_matchingProblem = new QLabel(m_fields);
    m_matchingProblem->setWordWrap(true);
    m_matchingProblem->setTextFormat(Qt::PlainText);
    setErrorColour(m_matchingProblem);
    m_matchingProblem->hide();
    connect(m_matching, &QLineEdit::textChanged, this, &RelaySettingsPage::checkMatching);
    connect(m_autoRelay, &QComboBox::currentIndexChanged, this, [this] {
        updateEnabled();
        checkMatching();
    });
    connect(m_tls, &QComboBox::currentIndexChanged, this, &RelaySettingsPage::updateEnabled);

    // The notes go under the forms, not in them: a word-wrapped label in a form row does not get its height.
    auto *server = new QGroupBox(tr("Relay server (Release and auto-relay send here)"), m_fields);
    auto *serverLayout = new QVBoxLayout(server);
    auto *serverForm = new QFormLayout;
    serverLayout->addLayout(serverForm);
    serverForm->addRow(tr("&Host"), m_host);
    serverForm->addRow(tr("&Port"), m_port);
    serverForm->addRow(tr("E&ncryption"), m_tls);
    serverForm->addRow(QString(), m_insecure);
    serverForm->addRow(tr("&User"), m_user);
    serverForm->addRow(tr("Pass&word"), m_password);
    serverLayout->addWidget(m_keychain);
    serverLayout->addWidget(authNote);
    auto *automatic = new QGroupBox(tr("Auto-relay (after each message is stored)"), m_fields);
    auto *automaticLayout = new QVBoxLayout(automatic);
    auto *automaticForm = new QFormLayout;
    automaticLayout->addLayout(automaticForm);
    automaticForm->addRow(tr("&Relay"), m_autoRelay);
    automaticForm->addRow(tr("&Matching"), m_matching);
    automaticLayout->addWidget(m_matchingProblem);
    auto *fieldsLayout = new QVBoxLayout(m_fields);
    fieldsLayout->setContentsMargins(0, 0, 0, 0);
    fieldsLayout->addWidget(server);
    fieldsLayout->addWidget(automatic);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_note);
    layout->addWidget(m_fields);
    layout->addStretch();
    updateEnabled();
    checkMatching();
}

RelaySettings RelaySettingsPage::settings() const
{
    RelaySettings s;
    s.host = m_host->text().trimmed();
    s.port = m_port->value();
    s.tls = RelaySettings::Tls(m_tls->currentData().toInt());
    s.insecure = m_insecure->isChecked();
    s.user = m_user->text().trimmed();
    s.autoRelay = RelaySettings::AutoRelay(m_autoRelay->currentData().toInt());
    s.matching = m_matching->text();
    return s;
}

void RelaySettingsPage::setPassword(const QString &password, RelayPasswordStore::Status keychainStatus)
{
    // What the user typed before the keychain answered stands.
    if (!isPasswordChanged()) {
        m_password->setText(password);
    }
    m_initialPassword = password;
    switch (keychainStatus) {
    case RelayPasswordStore::Status::NoKeychain:
        // An honest half-feature: said plainly, not hidden.
        m_keychain->setText(tr("No system keychain is available: the password is kept for this run only, not saved."));
        m_keychain->show();
        break;
    case RelayPasswordStore::Status::Failed:
        m_keychain->setText(tr("The system keychain could not be read: the password is kept for this run only."));
        m_keychain->show();
        break;
    case RelayPasswordStore::Status::Ok:
    case RelayPasswordStore::Status::NotFound:
        m_keychain->setText(tr("Kept in the system keychain, never in the settings file."));
        m_keychain->show();
        break;
    }
    Q_EMIT contentsChanged();
}

QString RelaySettingsPage::password() const
{
    return m_password->text();
}

bool RelaySettingsPage::isPasswordChanged() const
{
    return m_password->text() != m_initialPassword;
}

void RelaySettingsPage::setCommandLineNote(const QString &note)
{
    m_commandLine = !note.isEmpty();
    m_note->setText(note);
    m_note->setVisible(m_commandLine);
    m_fields->setEnabled(!m_commandLine);
}

bool RelaySettingsPage::isCommandLineRelay() const
{
    return m_commandLine;
}

void RelaySettingsPage::focusProblem()
{
    const RelaySettings s = settings();
    QWidget *field = s.autoRelay == RelaySettings::AutoRelay::Matching && s.isConfigured() ? m_matching : m_host;
    field->setFocus();
}

void RelaySettingsPage::updateEnabled()
{
    const auto tls = RelaySettings::Tls(m_tls->currentData().toInt());
    m_insecure->setEnabled(tls != RelaySettings::Tls::Off);
    m_matching->setEnabled(
        RelaySettings::AutoRelay(m_autoRelay->currentData().toInt()) == RelaySettings::AutoRelay::Matching);
}

void RelaySettingsPage::checkMatching()
{
    // Inline, as the user types: the same check as --relay-matching at start (CONTRACT "Auto-relay (details)").
    const bool matching
        = RelaySettings::AutoRelay(m_autoRelay->currentData().toInt()) == RelaySettings::AutoRelay::Matching;
    const QRegularExpression expression(m_matching->text(), QRegularExpression::CaseInsensitiveOption);
    if (!matching || m_matching->text().isEmpty() || expression.isValid()) {
        m_matchingProblem->hide();
        return;
    }
    m_matchingProblem->setText(tr("Not a valid expression: %1 at offset %2")
                                   .arg(expression.errorString())
                                   .arg(expression.patternErrorOffset()));
    m_matchingProblem->show();
    Q_EMIT contentsChanged();
}
