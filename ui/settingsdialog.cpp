#include "settingsdialog.h"

#include "relaysettingspage.h"
#include "tlscertificatepanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

SettingsDialog::SettingsDialog(const AppSettings &settings, const CatcherConfig &base, QWidget *parent)
    : QDialog(parent), m_base(base), m_savedRelay(settings.relay)
{
    setWindowTitle(tr("Letterbox Settings"));

    m_smtp = new QLineEdit(settings.smtp, this);
    m_smtp->setToolTip(tr("ADDR:PORT, [IPv6]:PORT, *:PORT (every address) or a port alone (127.0.0.1:PORT); "
                          "several separated by commas. Port 0 picks a free port."));
    m_smtp->setAccessibleName(tr("SMTP addresses"));
    m_api = new QLineEdit(settings.api == u"off" ? QStringLiteral("127.0.0.1:8025") : settings.api, this);
    m_api->setAccessibleName(tr("API address"));
    m_apiOff = new QCheckBox(tr("Off"), this);
    m_apiOff->setChecked(settings.api == u"off");
    connect(m_apiOff, &QCheckBox::toggled, m_api, &QWidget::setDisabled);
    m_api->setDisabled(m_apiOff->isChecked());
    m_apiHosts = new QLineEdit(settings.apiHosts, this);
    m_apiHosts->setPlaceholderText(tr("e.g. letterbox.test, mail.dev.internal"));
    m_apiHosts->setToolTip(tr("Host names the API also answers to (comma separated), for a proxy or a name in "
                              "/etc/hosts. localhost and the addresses it listens on always work; any other name a "
                              "browser sends is refused, so that a web page cannot reach the API through DNS "
                              "rebinding."));
    m_apiHosts->setAccessibleName(tr("Extra API host names"));
    connect(m_apiOff, &QCheckBox::toggled, m_apiHosts, &QWidget::setDisabled);
    m_apiHosts->setDisabled(m_apiOff->isChecked());
    // A file field with its Browse… button, for the API's users file and HTTPS pair.
    auto fileRow = [this](const QString &value, const QString &name, const QString &placeholder,
                       const QString &dialogTitle, QLineEdit **field) {
        *field = new QLineEdit(value, this);
        (*field)->setAccessibleName(name);
        (*field)->setPlaceholderText(placeholder);
        auto *browse = new QPushButton(tr("Browse…"), this);
        browse->setAccessibleName(tr("Browse for the %1").arg(name));
        QLineEdit *edit = *field;
        connect(browse, &QPushButton::clicked, this, [this, edit, dialogTitle] {
            const QString file = QFileDialog::getOpenFileName(this, dialogTitle, edit->text());
            if (!file.isEmpty()) {
                edit->setText(file);
            }
        });
        // Nothing of the API's applies while it is off.
        for (QWidget *widget : { static_cast<QWidget *>(edit), static_cast<QWidget *>(browse) }) {
            connect(m_apiOff, &QCheckBox::toggled, widget, &QWidget::setDisabled);
            widget->setDisabled(m_apiOff->isChecked());
        }
        auto *row = new QHBoxLayout;
        row->addWidget(*field, 1);
        row->addWidget(browse);
        return row;
    };
    QHBoxLayout *apiAuthRow = fileRow(
        settings.apiAuth, tr("API users file"), tr("none: no password asked"), tr("API Users File"), &m_apiAuth);
    m_apiAuth->setToolTip(tr("HTTP basic auth for the API and /api/events (/livez and /readyz stay open): "
                             "user:bcrypt-hash lines as htpasswd -B writes them, the format of Mailpit's auth file. "
                             "Read each time the settings are applied."));
    QHBoxLayout *apiTlsCertRow = fileRow(settings.apiTlsCert, tr("API certificate file"),
        tr("none: plain HTTP; PEM, a chain allowed"), tr("API Certificate"), &m_apiTlsCert);
    QHBoxLayout *apiTlsKeyRow = fileRow(
        settings.apiTlsKey, tr("API private key file"), tr("PEM, unencrypted"), tr("API Private Key"), &m_apiTlsKey);
    auto *apiRow = new QHBoxLayout;
    apiRow->addWidget(m_api, 1);
    apiRow->addWidget(m_apiOff);

    // CONTRACT "Command line": --smtps is off unless given; the same address forms as the SMTP field.
    m_smtps = new QLineEdit(settings.smtps.isEmpty() ? QStringLiteral("127.0.0.1:1465") : settings.smtps, this);
    m_smtps->setToolTip(m_smtp->toolTip());
    m_smtps->setAccessibleName(tr("SMTPS addresses"));
    m_smtpsOff = new QCheckBox(tr("Of&f"), this);
    m_smtpsOff->setChecked(settings.smtps.isEmpty());
    connect(m_smtpsOff, &QCheckBox::toggled, m_smtps, &QWidget::setDisabled);
    m_smtps->setDisabled(m_smtpsOff->isChecked());
    auto *smtpsRow = new QHBoxLayout;
    smtpsRow->addWidget(m_smtps, 1);
    smtpsRow->addWidget(m_smtpsOff);
    // CONTRACT "POP3 and IMAP": --pop3, --pop3s, --imap and --imaps are off unless given; the same address forms as
    // the SMTP field.
    auto listenerRow = [this](const QString &value, const QString &proposed, const QString &name, QLineEdit **field,
                           QCheckBox **off) {
        *field = new QLineEdit(value.isEmpty() ? proposed : value, this);
        (*field)->setToolTip(m_smtp->toolTip());
        (*field)->setAccessibleName(name);
        *off = new QCheckBox(tr("Off"), this);
        (*off)->setAccessibleName(tr("%1 off").arg(name));
        (*off)->setChecked(value.isEmpty());
        connect(*off, &QCheckBox::toggled, *field, &QWidget::setDisabled);
        (*field)->setDisabled((*off)->isChecked());
        auto *row = new QHBoxLayout;
        row->addWidget(*field, 1);
        row->addWidget(*off);
        return row;
    };
    QHBoxLayout *pop3Row
        = listenerRow(settings.pop3, QStringLiteral("127.0.0.1:1110"), tr("POP3 addresses"), &m_pop3, &m_pop3Off);
    QHBoxLayout *pop3sRow
        = listenerRow(settings.pop3s, QStringLiteral("127.0.0.1:1995"), tr("POP3S addresses"), &m_pop3s, &m_pop3sOff);
    QHBoxLayout *imapRow
        = listenerRow(settings.imap, QStringLiteral("127.0.0.1:1143"), tr("IMAP addresses"), &m_imap, &m_imapOff);
    QHBoxLayout *imapsRow
        = listenerRow(settings.imaps, QStringLiteral("127.0.0.1:1993"), tr("IMAPS addresses"), &m_imaps, &m_imapsOff);
    m_tlsPanel = new TlsCertificatePanel(base.tlsCertificate, this);
    m_relay = new RelaySettingsPage(settings.relay, this);
    connect(m_relay, &RelaySettingsPage::contentsChanged, this, &SettingsDialog::fitContents, Qt::QueuedConnection);
    connect(
        m_tlsPanel, &TlsCertificatePanel::certificateLoaded, this, &SettingsDialog::fitContents, Qt::QueuedConnection);

    m_maxSize = new QSpinBox(this);
    m_maxSize->setRange(1, 2047);
    m_maxSize->setSuffix(tr(" MB"));
    m_maxSize->setValue(int(qBound<qint64>(qint64(1), (settings.maxMessageSize + (1 << 20) - 1) >> 20, qint64(2047))));
    m_maxSize->setToolTip(tr("Advertised with SIZE; bigger messages get 552 5.3.4"));
    m_retention = new QSpinBox(this);
    m_retention->setRange(0, 100000000);
    m_retention->setSpecialValueText(tr("Keep all"));
    m_retention->setSuffix(tr(" messages"));
    m_retention->setValue(int(qMin<qint64>(settings.maxMessages, 100000000)));
    m_retention->setToolTip(tr("Past this many messages the oldest are deleted"));

    m_authMode = new QComboBox(this);
    m_authMode->addItem(tr("Any user name and password (recorded)"), QStringLiteral("any"));
    m_authMode->addItem(tr("Off (AUTH not offered)"), QStringLiteral("off"));
    m_authMode->addItem(tr("Only the users in a file (AUTH required)"), QStringLiteral("file"));
    m_authFile = new QLineEdit(this);
    m_authFile->setPlaceholderText(tr("user:password lines"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Credentials File"), m_authFile->text());
        if (!file.isEmpty()) {
            m_authFile->setText(file);
        }
    });
    auto *authFileRow = new QHBoxLayout;
    authFileRow->addWidget(m_authFile, 1);
    authFileRow->addWidget(browse);
    const bool isFile = settings.auth != u"any" && settings.auth != u"off";
    m_authMode->setCurrentIndex(m_authMode->findData(isFile ? QStringLiteral("file") : settings.auth));
    m_authFile->setText(isFile ? settings.auth : QString());
    auto updateAuth = [this, browse] {
        const bool file = m_authMode->currentData().toString() == u"file";
        m_authFile->setEnabled(file);
        browse->setEnabled(file);
    };
    connect(m_authMode, &QComboBox::currentIndexChanged, this, updateAuth);
    updateAuth();

    m_notifications = new QCheckBox(tr("Show a desktop notification for new mail"), this);
    m_notifications->setChecked(settings.notifications);
    m_tray = new QCheckBox(tr("Show an icon with the unread count in the system tray"), this);
    m_tray->setChecked(settings.trayIcon);
    m_closeToTray = new QCheckBox(tr("Closing the window keeps Letterbox catching in the tray"), this);
    m_closeToTray->setChecked(settings.closeToTray);
    connect(m_tray, &QCheckBox::toggled, m_closeToTray, &QWidget::setEnabled);
    m_closeToTray->setEnabled(m_tray->isChecked());

    auto *server = new QGroupBox(tr("Catching"), this);
    auto *serverForm = new QFormLayout(server);
    serverForm->addRow(tr("&SMTP listens on"), m_smtp);
    // A row given a layout gets a label without a buddy, which shows its "&" instead of a mnemonic.
    auto *apiLabel = new QLabel(tr("&API listens on"), server);
    apiLabel->setBuddy(m_api);
    serverForm->addRow(apiLabel, apiRow);
    serverForm->addRow(tr("API &host names"), m_apiHosts);
    auto *apiAuthLabel = new QLabel(tr("API us&ers file"), server);
    apiAuthLabel->setBuddy(m_apiAuth);
    serverForm->addRow(apiAuthLabel, apiAuthRow);
    // A mail client reads a mailbox by its name (the user name) over POP3; STLS is offered with the certificate.
    auto *pop3Label = new QLabel(tr("POP&3 listens on"), server);
    pop3Label->setBuddy(m_pop3);
    serverForm->addRow(pop3Label, pop3Row);
    serverForm->addRow(tr("POP3S (TLS) listens on"), pop3sRow);
    // Over IMAP the login's mailbox is the INBOX and every other mailbox a folder; STARTTLS with the certificate.
    auto *imapLabel = new QLabel(tr("&IMAP listens on"), server);
    imapLabel->setBuddy(m_imap);
    serverForm->addRow(imapLabel, imapRow);
    serverForm->addRow(tr("IMAPS (TLS) listens on"), imapsRow);
    serverForm->addRow(tr("&Largest message"), m_maxSize);
    serverForm->addRow(tr("&Retention"), m_retention);
    serverForm->addRow(tr("A&UTH"), m_authMode);
    serverForm->addRow(QString(), authFileRow);
    auto *desktop = new QGroupBox(tr("Desktop"), this);
    auto *desktopLayout = new QVBoxLayout(desktop);
    desktopLayout->addWidget(m_notifications);
    desktopLayout->addWidget(m_tray);
    desktopLayout->addWidget(m_closeToTray);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
    m_error->setPalette(errorPalette);
    m_error->hide();

    auto *catching = new QWidget(this);
    auto *catchingLayout = new QVBoxLayout(catching);
    catchingLayout->addWidget(server);
    catchingLayout->addWidget(desktop);
    catchingLayout->addStretch();
    auto *tls = new QWidget(this);
    auto *tlsLayout = new QVBoxLayout(tls);
    auto *listeners = new QGroupBox(tr("Implicit TLS (SMTPS, RFC 8314)"), tls);
    auto *listenersForm = new QFormLayout(listeners);
    auto *smtpsLabel = new QLabel(tr("SMTP&S listens on"), listeners);
    smtpsLabel->setBuddy(m_smtps);
    listenersForm->addRow(smtpsLabel, smtpsRow);
    auto *starttls = new QLabel(tr("STARTTLS (RFC 3207) is offered on every SMTP address with this certificate."), tls);
    starttls->setWordWrap(true);
    listenersForm->addRow(starttls);
    auto *certificate = new QGroupBox(tr("Certificate"), tls);
    auto *certificateLayout = new QVBoxLayout(certificate);
    certificateLayout->addWidget(m_tlsPanel);
    // CONTRACT "Team store, API access and remote attach": --api-tls-cert/--api-tls-key.
    auto *apiHttps = new QGroupBox(tr("API over HTTPS"), tls);
    auto *apiHttpsForm = new QFormLayout(apiHttps);
    auto *apiTlsCertLabel = new QLabel(tr("API c&ertificate"), apiHttps);
    apiTlsCertLabel->setBuddy(m_apiTlsCert);
    apiHttpsForm->addRow(apiTlsCertLabel, apiTlsCertRow);
    auto *apiTlsKeyLabel = new QLabel(tr("API private &key"), apiHttps);
    apiTlsKeyLabel->setBuddy(m_apiTlsKey);
    apiHttpsForm->addRow(apiTlsKeyLabel, apiTlsKeyRow);
    auto *apiHttpsNote = new QLabel(tr("With a certificate the API and /api/events are served over HTTPS and wss "
                                       "only; without one, passwords of the users file cross the network in clear "
                                       "text."),
        apiHttps);
    apiHttpsNote->setWordWrap(true);
    apiHttpsForm->addRow(apiHttpsNote);
    tlsLayout->addWidget(listeners);
    tlsLayout->addWidget(certificate);
    tlsLayout->addWidget(apiHttps);
    tlsLayout->addStretch();
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(catching, tr("&Catching"));
    m_tabs->addTab(tls, tr("&TLS"));
    m_tabs->addTab(m_relay, tr("Rela&y"));
    connect(m_tabs, &QTabWidget::currentChanged, this, &SettingsDialog::fitContents, Qt::QueuedConnection);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    layout->addWidget(new QLabel(tr("Applying restarts the listeners; stored messages are kept."), this));
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings s;
    s.smtp = m_smtp->text().trimmed();
    s.smtps = m_smtpsOff->isChecked() ? QString() : m_smtps->text().trimmed();
    s.pop3 = m_pop3Off->isChecked() ? QString() : m_pop3->text().trimmed();
    s.pop3s = m_pop3sOff->isChecked() ? QString() : m_pop3s->text().trimmed();
    s.imap = m_imapOff->isChecked() ? QString() : m_imap->text().trimmed();
    s.imaps = m_imapsOff->isChecked() ? QString() : m_imaps->text().trimmed();
    s.api = m_apiOff->isChecked() ? QStringLiteral("off") : m_api->text().trimmed();
    s.apiHosts = m_apiHosts->text().trimmed();
    s.apiAuth = m_apiAuth->text().trimmed();
    s.apiTlsCert = m_apiTlsCert->text().trimmed();
    s.apiTlsKey = m_apiTlsKey->text().trimmed();
    s.maxMessageSize = qint64(m_maxSize->value()) << 20;
    s.maxMessages = m_retention->value();
    const QString mode = m_authMode->currentData().toString();
    s.auth = mode == u"file" ? m_authFile->text().trimmed() : mode;
    s.notifications = m_notifications->isChecked();
    s.trayIcon = m_tray->isChecked();
    s.closeToTray = m_closeToTray->isChecked() && m_tray->isChecked();
    // The command line's relay rules this run; the saved one stays as it was.
    s.relay = m_relay->isCommandLineRelay() ? m_savedRelay : m_relay->settings();
    return s;
}

CatcherConfig SettingsDialog::config() const
{
    return m_config;
}

void SettingsDialog::showPage(Page page)
{
    m_tabs->setCurrentIndex(int(page));
}

SettingsDialog::Page SettingsDialog::currentPage() const
{
    return Page(m_tabs->currentIndex());
}

TlsCertificatePanel *SettingsDialog::tlsPanel() const
{
    return m_tlsPanel;
}

RelaySettingsPage *SettingsDialog::relayPage() const
{
    return m_relay;
}

void SettingsDialog::focusField(QWidget *field)
{
    // The field's own tab first: an error names a field the user may not be looking at.
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->widget(i)->isAncestorOf(field)) {
            m_tabs->setCurrentIndex(i);
        }
    }
    field->setFocus();
}

void SettingsDialog::fitContents()
{
    // A window's size ignores height-for-width, here lost in the tab widget: the page shown, laid out at its width
    // with its word-wrapped notes, says how much taller the window must be.
    QWidget *page = m_tabs->currentWidget();
    if (!page || !page->layout()) {
        return;
    }
    page->layout()->activate();
    const QLayout *layout = page->layout();
    const int wanted
        = layout->hasHeightForWidth() ? layout->totalHeightForWidth(page->width()) : layout->totalSizeHint().height();
    if (wanted > page->height()) {
        resize(width(), height() + wanted - page->height());
    }
}

void SettingsDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    QMetaObject::invokeMethod(this, &SettingsDialog::fitContents, Qt::QueuedConnection);
}

void SettingsDialog::focusSmtpAddress()
{
    showPage(Page::Catching);
    m_smtp->setFocus();
    const qsizetype colon = m_smtp->text().lastIndexOf(u':');
    m_smtp->setSelection(int(colon + 1), int(m_smtp->text().size() - colon - 1));
}

void SettingsDialog::setApplier(Applier applier)
{
    m_applier = std::move(applier);
}

void SettingsDialog::accept()
{
    const AppSettings s = settings();
    QString error;
    if (s.auth.isEmpty()) {
        showError(tr("choose a credentials file"));
        return;
    }
    QString relayError;
    if (!s.relay.validate(&relayError)) {
        showError(relayError);
        showPage(Page::Relay);
        m_relay->focusProblem();
        return;
    }
    if (!s.toConfig(m_base, &m_config, &error)) {
        showError(error);
        if (error.startsWith(QLatin1String("SMTPS"))) {
            focusField(m_smtps);
        } else if (error.startsWith(QLatin1String("POP3S"))) {
            focusField(m_pop3s);
        } else if (error.startsWith(QLatin1String("POP3"))) {
            focusField(m_pop3);
        } else if (error.startsWith(QLatin1String("IMAPS"))) {
            focusField(m_imaps);
        } else if (error.startsWith(QLatin1String("IMAP"))) {
            focusField(m_imap);
        } else if (error.startsWith(QLatin1String("API users file"))) {
            focusField(m_apiAuth);
        } else if (error.startsWith(QLatin1String("API certificate"))) {
            focusField(m_apiTlsCert);
        }
        return;
    }
    // The new addresses are tried before the dialog closes: a busy port is named here, where it can be changed.
    CatcherService::Listener failed = CatcherService::Listener::None;
    if (m_applier && !m_applier(s, m_config, &failed, &error)) {
        showError(error);
        QLineEdit *field = failed == CatcherService::Listener::Api ? m_api
            : failed == CatcherService::Listener::Smtps            ? m_smtps
            : failed == CatcherService::Listener::Pop3             ? m_pop3
            : failed == CatcherService::Listener::Pop3s            ? m_pop3s
            : failed == CatcherService::Listener::Imap             ? m_imap
            : failed == CatcherService::Listener::Imaps            ? m_imaps
                                                                   : m_smtp;
        focusField(field);
        field->selectAll();
        return;
    }
    QDialog::accept();
}

void SettingsDialog::showError(const QString &error)
{
    m_error->setText(tr("Cannot apply: %1.").arg(error));
    m_error->show();
}
