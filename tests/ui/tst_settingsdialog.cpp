// Settings' TLS and Relay pages. The fingerprint shown is the one `openssl x509 -fingerprint -sha256` computes from
// the exported file (an independent tool, not our code), for the generated pair and for a user's own certificate;
// the export holds the certificate and never the key; the generated pair is made only once the TLS page is shown,
// off the GUI thread; the SMTPS field is validated like the SMTP one; the Relay page's fields become the settings
// (and the relay's configuration) they say, its expression is checked as it is typed, and the password never
// reaches the settings file.
#include "uitestsupport.h"

#include <tls/tlsidentity.h>
#include <ui/appsettings.h>
#include <ui/relaysettingspage.h>
#include <ui/settingsdialog.h>
#include <ui/tlscertificatepanel.h>

#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <atomic>

Q_DECLARE_METATYPE(RelaySettings)

namespace {
using UiTest::loopbackConfig;
using UiTest::quietSettings;

std::optional<QSslConfiguration> configurationOf(const std::optional<TlsIdentity> &identity)
{
    if (!identity) {
        return std::nullopt;
    }
    QSslConfiguration configuration;
    configuration.setLocalCertificateChain(identity->certificates());
    configuration.setPrivateKey(identity->privateKey());
    return configuration;
}

// What `openssl x509 -noout -fingerprint -sha256` says of file: "AB:CD:…".
QString opensslFingerprint(const QString &file)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
        { QStringLiteral("x509"), QStringLiteral("-noout"), QStringLiteral("-fingerprint"), QStringLiteral("-sha256"),
            QStringLiteral("-in"), file });
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        return QStringLiteral("openssl failed: %1").arg(QString::fromLocal8Bit(openssl.readAllStandardError()));
    }
    // "sha256 Fingerprint=AB:CD:…" (OpenSSL 3; "SHA256 Fingerprint=" before).
    const QString out = QString::fromLatin1(openssl.readAllStandardOutput()).trimmed();
    return out.section(u'=', 1);
}

QLineEdit *fieldNamed(QWidget *root, const QString &accessibleName)
{
    for (QLineEdit *edit : root->findChildren<QLineEdit *>()) {
        if (edit->accessibleName() == accessibleName) {
            return edit;
        }
    }
    return nullptr;
}

// The visible labels and fields of root that do not get the room they need: a word-wrapped label shorter than its
// height for its width, another label narrower than its text, a field shorter than its minimum.
QStringList squeezed(QWidget *root)
{
    QStringList out;
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (!label->isVisible() || label->text().isEmpty()) {
            continue;
        }
        if (label->wordWrap() ? label->height() < label->heightForWidth(label->width())
                              : label->width() < label->sizeHint().width()) {
            out << label->text();
        }
    }
    for (QWidget *field : root->findChildren<QWidget *>()) {
        // A spin box's own line edit is inside its frame by design.
        const bool inner = qobject_cast<QAbstractSpinBox *>(field->parentWidget());
        if (field->isVisible() && !inner && (qobject_cast<QLineEdit *>(field) || qobject_cast<QComboBox *>(field))
            && field->height() < field->minimumSizeHint().height()) {
            out << field->accessibleName();
        }
    }
    return out;
}

template<typename T>
T *widgetNamed(QWidget *root, const QString &accessibleName)
{
    for (T *widget : root->findChildren<T *>()) {
        if (widget->accessibleName() == accessibleName) {
            return widget;
        }
    }
    return nullptr;
}
} // namespace

class TestSettingsDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void theFingerprintShownIsOpenSslsOfTheExportedFile_data();
    void theFingerprintShownIsOpenSslsOfTheExportedFile();
    void theGeneratedPairIsMadeOnlyWhenTheTlsPageIsShownAndOffTheGuiThread();
    void withoutACertificateTheTlsPageSaysSo();
    void theSmtpsAddressIsCheckedLikeTheSmtpOne_data();
    void theSmtpsAddressIsCheckedLikeTheSmtpOne();
    void thePop3AndImapAddressesAreCheckedLikeTheSmtpOne_data();
    void thePop3AndImapAddressesAreCheckedLikeTheSmtpOne();
    void theRelayPageBecomesTheRelaySettings_data();
    void theRelayPageBecomesTheRelaySettings();
    void aBadMatchingExpressionIsShownAsItIsTypedAndKeepsTheDialogOpen();
    void theRelaySettingsBecomeTheRelayConfiguration_data();
    void theRelaySettingsBecomeTheRelayConfiguration();
    void theRelaySettingsRoundTripThroughTheSettingsFile();
    void aCommandLineRelayDisablesThePageAndKeepsTheSavedSettings();
    void theRelayPasswordNeverReachesTheSettingsFile();
    void theApiUsersFileAndCertificateBecomeTheConfiguration_data();
    void theApiUsersFileAndCertificateBecomeTheConfiguration();
    void theApiAccessFieldsAreReachedFromTheKeyboard();
    void everyPageFitsA1280x720ScreenWithNothingCutOff_data();
    void everyPageFitsA1280x720ScreenWithNothingCutOff();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSettingsDialog::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toLocal8Bit());
    QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).clear();
}

void TestSettingsDialog::cleanup()
{
    QThreadPool::globalInstance()->waitForDone();
    m_dir.reset();
}

void TestSettingsDialog::theFingerprintShownIsOpenSslsOfTheExportedFile_data()
{
    QTest::addColumn<bool>("generated");
    QTest::newRow("the pair Letterbox generates in the data directory") << true;
    QTest::newRow("a user's own certificate given with --tls-cert") << false;
}

void TestSettingsDialog::theFingerprintShownIsOpenSslsOfTheExportedFile()
{
    QFETCH(bool, generated);
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QString certFile;
    QString keyFile;
    if (!generated) {
        // The user's pair, made by openssl itself.
        certFile = m_dir->filePath(QStringLiteral("user-cert.pem"));
        keyFile = m_dir->filePath(QStringLiteral("user-key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"),
                QStringLiteral("/CN=mail.user.test"), QStringLiteral("-addext"),
                QStringLiteral("subjectAltName=DNS:mail.user.test"), QStringLiteral("-keyout"), keyFile,
                QStringLiteral("-out"), certFile });
        QVERIFY(openssl.waitForFinished(60000));
        QCOMPARE(openssl.exitCode(), 0);
    }
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [=] {
        QString error;
        return configurationOf(generated ? TlsIdentity::loadOrGenerate(data, QStringLiteral("mx.test"), &error)
                                         : TlsIdentity::load(certFile, keyFile, &error));
    };
    SettingsDialog dialog(quietSettings(), base);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    TlsCertificatePanel *panel = dialog.tlsPanel();
    QSignalSpy loaded(panel, &TlsCertificatePanel::certificateLoaded);
    dialog.showPage(SettingsDialog::Page::Tls);
    QVERIFY(loaded.wait(60000));
    QVERIFY(!panel->certificate().isNull());
    const QLabel *shown = widgetNamed<QLabel>(&dialog, QStringLiteral("SHA-256 fingerprint"));
    QVERIFY(shown && shown->isVisible());
    QVERIFY(shown->textInteractionFlags() & Qt::TextSelectableByKeyboard);

    const QString exported = m_dir->filePath(QStringLiteral("exported.pem"));
    QSignalSpy written(panel, &TlsCertificatePanel::exported);
    QVERIFY(panel->exportCertificate(exported));
    QVERIFY(written.wait(10000));
    QCOMPARE(written.first().at(1).toBool(), true);
    QCOMPARE(shown->text(), opensslFingerprint(exported));
    // And it is the certificate the listeners present, not another one.
    QCOMPARE(opensslFingerprint(exported),
        opensslFingerprint(generated ? QDir(data).filePath(TlsIdentity::certificateFileName()) : certFile));

    // PEM, one certificate, and no key of any kind.
    QFile file(exported);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray pem = file.readAll();
    QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
    QCOMPARE(pem.count("-----BEGIN "), 1);
    QVERIFY(pem.trimmed().endsWith("-----END CERTIFICATE-----"));
    // (A key's PEM label, not the letters "KEY", which base64 text may hold by chance.)
    QVERIFY(!pem.contains("KEY-----"));

    // Copy puts exactly the fingerprint on the clipboard.
    for (QPushButton *button : panel->findChildren<QPushButton *>()) {
        if (button->text().contains(QStringLiteral("Fingerprint"))) {
            button->click();
        }
    }
    QCOMPARE(QGuiApplication::clipboard()->text(), opensslFingerprint(exported));
}

void TestSettingsDialog::theGeneratedPairIsMadeOnlyWhenTheTlsPageIsShownAndOffTheGuiThread()
{
    const QString data = m_dir->filePath(QStringLiteral("data"));
    const QString certFile = QDir(data).filePath(TlsIdentity::certificateFileName());
    std::atomic<int> calls { 0 };
    std::atomic<bool> onGuiThread { false };
    QThread *gui = QThread::currentThread();
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [&, data] {
        ++calls;
        onGuiThread = QThread::currentThread() == gui;
        QString error;
        return configurationOf(TlsIdentity::loadOrGenerate(data, QStringLiteral("mx.test"), &error));
    };
    SettingsDialog dialog(quietSettings(), base);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::qWait(200);
    QCOMPARE(calls.load(), 0);
    QVERIFY(!QFile::exists(certFile));

    QSignalSpy loaded(dialog.tlsPanel(), &TlsCertificatePanel::certificateLoaded);
    dialog.showPage(SettingsDialog::Page::Tls);
    QVERIFY(loaded.wait(60000));
    QCOMPARE(calls.load(), 1);
    QVERIFY(!onGuiThread.load());
    QVERIFY(QFile::exists(certFile));
    // Back and forth: asked once.
    dialog.showPage(SettingsDialog::Page::Catching);
    dialog.showPage(SettingsDialog::Page::Tls);
    QTest::qWait(100);
    QCOMPARE(calls.load(), 1);
}

void TestSettingsDialog::withoutACertificateTheTlsPageSaysSo()
{
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [] {
        return std::optional<QSslConfiguration>();
    };
    SettingsDialog dialog(quietSettings(), base);
    dialog.show();
    QSignalSpy loaded(dialog.tlsPanel(), &TlsCertificatePanel::certificateLoaded);
    dialog.showPage(SettingsDialog::Page::Tls);
    QVERIFY(loaded.wait(10000));
    QVERIFY(dialog.tlsPanel()->certificate().isNull());
    bool said = false;
    for (QLabel *label : dialog.tlsPanel()->findChildren<QLabel *>()) {
        said = said || (label->isVisible() && label->text().contains(QStringLiteral("could not be read or made")));
    }
    QVERIFY(said);
    for (QPushButton *button : dialog.tlsPanel()->findChildren<QPushButton *>()) {
        QVERIFY(!button->isVisible());
    }
}

void TestSettingsDialog::theSmtpsAddressIsCheckedLikeTheSmtpOne_data()
{
    QTest::addColumn<QString>("smtps");
    QTest::addColumn<bool>("off");
    QTest::addColumn<QString>("expected"); // the saved value, or the error shown
    QTest::newRow("off by default, as --smtps") << QStringLiteral("127.0.0.1:1465") << true << QString();
    QTest::newRow("an address") << QStringLiteral("127.0.0.1:0") << false << QStringLiteral("127.0.0.1:0");
    QTest::newRow("two addresses, one IPv6")
        << QStringLiteral("127.0.0.1:0, [::1]:0") << false << QStringLiteral("127.0.0.1:0, [::1]:0");
    QTest::newRow("a port out of range is named")
        << QStringLiteral("127.0.0.1:99999") << false << QStringLiteral("!SMTPS address '127.0.0.1:99999'");
}

void TestSettingsDialog::theSmtpsAddressIsCheckedLikeTheSmtpOne()
{
    QFETCH(QString, smtps);
    QFETCH(bool, off);
    QFETCH(QString, expected);
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [] {
        return std::optional<QSslConfiguration>();
    };
    SettingsDialog dialog(quietSettings(), base);
    bool applied = false;
    dialog.setApplier([&](const AppSettings &, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = true;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QLineEdit *field = fieldNamed(&dialog, QStringLiteral("SMTPS addresses"));
    QVERIFY(field);
    QCOMPARE(field->isEnabled(), false); // off until chosen
    QCheckBox *offBox = nullptr;
    for (QCheckBox *box : dialog.findChildren<QCheckBox *>()) {
        if (box->text() == QStringLiteral("Of&f")) {
            offBox = box;
        }
    }
    QVERIFY(offBox);
    offBox->setChecked(off);
    field->setText(smtps);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    if (expected.startsWith(u'!')) {
        QVERIFY(!applied);
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.currentPage(), SettingsDialog::Page::Tls);
        bool named = false;
        for (QLabel *label : dialog.findChildren<QLabel *>()) {
            named = named || (label->isVisible() && label->text().contains(expected.mid(1)));
        }
        QVERIFY(named);
        return;
    }
    QVERIFY(applied);
    QCOMPARE(dialog.settings().smtps, expected);
    QCOMPARE(dialog.config().smtps.size(), expected.isEmpty() ? 0 : expected.count(u',') + 1);
}

void TestSettingsDialog::thePop3AndImapAddressesAreCheckedLikeTheSmtpOne_data()
{
    QTest::addColumn<QString>("field"); // the accessible name
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("off");
    QTest::addColumn<QString>("expected"); // the saved value, or the error shown
    for (const char *name : { "POP3", "POP3S", "IMAP", "IMAPS" }) {
        const QString field = QStringLiteral("%1 addresses").arg(QLatin1String(name));
        QTest::addRow("%s off by default, as on the command line", name)
            << field << QStringLiteral("127.0.0.1:0") << true << QString();
        QTest::addRow("%s on two addresses", name)
            << field << QStringLiteral("127.0.0.1:0, [::1]:0") << false << QStringLiteral("127.0.0.1:0, [::1]:0");
        QTest::addRow("%s with a port out of range", name)
            << field << QStringLiteral("127.0.0.1:99999") << false
            << QStringLiteral("!%1 address '127.0.0.1:99999'").arg(QLatin1String(name));
    }
}

void TestSettingsDialog::thePop3AndImapAddressesAreCheckedLikeTheSmtpOne()
{
    QFETCH(QString, field);
    QFETCH(QString, text);
    QFETCH(bool, off);
    QFETCH(QString, expected);
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [] {
        return std::optional<QSslConfiguration>();
    };
    SettingsDialog dialog(quietSettings(), base);
    bool applied = false;
    dialog.setApplier([&](const AppSettings &, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = true;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QLineEdit *edit = fieldNamed(&dialog, field);
    QVERIFY(edit);
    QCOMPARE(edit->isEnabled(), false); // off until chosen
    QCheckBox *offBox = nullptr;
    for (QCheckBox *box : dialog.findChildren<QCheckBox *>()) {
        if (box->accessibleName() == field + QStringLiteral(" off")) {
            offBox = box;
        }
    }
    QVERIFY(offBox);
    offBox->setChecked(off);
    QCOMPARE(edit->isEnabled(), !off);
    edit->setText(text);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    if (expected.startsWith(u'!')) {
        QVERIFY(!applied);
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.focusWidget(), edit); // the field the error names
        bool named = false;
        for (QLabel *label : dialog.findChildren<QLabel *>()) {
            named = named || (label->isVisible() && label->text().contains(expected.mid(1)));
        }
        QVERIFY(named);
        return;
    }
    QVERIFY(applied);
    const QString protocol = field.section(u' ', 0, 0);
    const AppSettings saved = dialog.settings();
    const CatcherConfig config = dialog.config();
    const QString savedValue = protocol == u"POP3" ? saved.pop3
        : protocol == u"POP3S"                     ? saved.pop3s
        : protocol == u"IMAP"                      ? saved.imap
                                                   : saved.imaps;
    const qsizetype listeners = protocol == u"POP3" ? config.pop3.size()
        : protocol == u"POP3S"                      ? config.pop3s.size()
        : protocol == u"IMAP"                       ? config.imap.size()
                                                    : config.imaps.size();
    QCOMPARE(savedValue, expected);
    QCOMPARE(listeners, expected.isEmpty() ? 0 : expected.count(u',') + 1);
}

void TestSettingsDialog::theRelayPageBecomesTheRelaySettings_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("tlsIndex");
    QTest::addColumn<bool>("insecure");
    QTest::addColumn<QString>("user");
    QTest::addColumn<int>("autoIndex");
    QTest::addColumn<QString>("matching");
    QTest::addColumn<RelaySettings>("expected");

    RelaySettings none;
    QTest::newRow("nothing filled in: no relay, STARTTLS if offered, no auto-relay")
        << QString() << 25 << 0 << false << QString() << 0 << QString() << none;
    RelaySettings submission;
    submission.host = QStringLiteral("smtp.example.com");
    submission.port = 587;
    submission.tls = RelaySettings::Tls::Required;
    submission.user = QStringLiteral("ann");
    QTest::newRow("submission with STARTTLS required and a user")
        << QStringLiteral(" smtp.example.com ") << 587 << 1 << false << QStringLiteral("ann") << 0 << QString()
        << submission;
    RelaySettings smtps;
    smtps.host = QStringLiteral("127.0.0.1");
    smtps.port = 465;
    smtps.tls = RelaySettings::Tls::Implicit;
    smtps.insecure = true;
    smtps.autoRelay = RelaySettings::AutoRelay::All;
    QTest::newRow("implicit TLS without verification, relaying everything")
        << QStringLiteral("127.0.0.1") << 465 << 2 << true << QString() << 1 << QString() << smtps;
    RelaySettings plain;
    plain.host = QStringLiteral("relay.test");
    plain.port = 2525;
    plain.tls = RelaySettings::Tls::Off;
    plain.autoRelay = RelaySettings::AutoRelay::Matching;
    plain.matching = QStringLiteral("@example\\.com$");
    QTest::newRow("plain text, relaying recipients that match")
        << QStringLiteral("relay.test") << 2525 << 3 << false << QString() << 2 << QStringLiteral("@example\\.com$")
        << plain;
}

void TestSettingsDialog::theRelayPageBecomesTheRelaySettings()
{
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, tlsIndex);
    QFETCH(bool, insecure);
    QFETCH(QString, user);
    QFETCH(int, autoIndex);
    QFETCH(QString, matching);
    QFETCH(RelaySettings, expected);
    SettingsDialog dialog(quietSettings(), loopbackConfig());
    AppSettings applied;
    dialog.setApplier([&](const AppSettings &s, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = s;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.showPage(SettingsDialog::Page::Relay);
    RelaySettingsPage *page = dialog.relayPage();
    fieldNamed(page, QStringLiteral("Relay host"))->setText(host);
    widgetNamed<QSpinBox>(page, QStringLiteral("Relay port"))->setValue(port);
    widgetNamed<QComboBox>(page, QStringLiteral("Relay TLS"))->setCurrentIndex(tlsIndex);
    for (QCheckBox *box : page->findChildren<QCheckBox *>()) {
        box->setChecked(insecure);
    }
    fieldNamed(page, QStringLiteral("Relay user"))->setText(user);
    widgetNamed<QComboBox>(page, QStringLiteral("Auto-relay"))->setCurrentIndex(autoIndex);
    QLineEdit *matchingField = fieldNamed(page, QStringLiteral("Auto-relay matching expression"));
    QCOMPARE(matchingField->isEnabled(), autoIndex == 2);
    matchingField->setText(matching);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(!dialog.isVisible());
    QCOMPARE(applied.relay, expected);
}

void TestSettingsDialog::aBadMatchingExpressionIsShownAsItIsTypedAndKeepsTheDialogOpen()
{
    SettingsDialog dialog(quietSettings(), loopbackConfig());
    bool applied = false;
    dialog.setApplier([&](const AppSettings &, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = true;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.showPage(SettingsDialog::Page::Relay);
    RelaySettingsPage *page = dialog.relayPage();
    fieldNamed(page, QStringLiteral("Relay host"))->setText(QStringLiteral("relay.test"));
    widgetNamed<QComboBox>(page, QStringLiteral("Auto-relay"))->setCurrentIndex(2);
    QLineEdit *matching = fieldNamed(page, QStringLiteral("Auto-relay matching expression"));
    auto problemShown = [&] {
        for (QLabel *label : page->findChildren<QLabel *>()) {
            if (label->isVisible() && label->text().startsWith(QStringLiteral("Not a valid expression"))) {
                return true;
            }
        }
        return false;
    };
    QTest::keyClicks(matching, QStringLiteral("@example("));
    QVERIFY(problemShown());
    QTest::keyClicks(matching, QStringLiteral(")"));
    QVERIFY(!problemShown());
    QTest::keyClicks(matching, QStringLiteral("["));
    dialog.showPage(SettingsDialog::Page::Catching);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(!applied);
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.currentPage(), SettingsDialog::Page::Relay);
    QCOMPARE(dialog.focusWidget(), matching);

    // Auto-relay without a server is refused too.
    matching->setText(QStringLiteral("@example"));
    fieldNamed(page, QStringLiteral("Relay host"))->clear();
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(!applied);
    bool named = false;
    for (QLabel *label : dialog.findChildren<QLabel *>()) {
        named = named || (label->isVisible() && label->text().contains(QStringLiteral("auto-relay needs a relay")));
    }
    QVERIFY(named);
}

void TestSettingsDialog::theRelaySettingsBecomeTheRelayConfiguration_data()
{
    QTest::addColumn<RelaySettings>("settings");
    QTest::addColumn<bool>("configured");
    QTest::addColumn<int>("tls"); // SmtpTlsMode
    QTest::addColumn<bool>("verify");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("password");
    QTest::addColumn<int>("autoRelay"); // RelayConfig::AutoRelay
    QTest::addColumn<QString>("recipient");
    QTest::addColumn<bool>("relaysTo");

    RelaySettings none;
    QTest::newRow("no host: no relay") << none << false << int(SmtpTlsMode::Opportunistic) << true << QString()
                                       << QString() << int(RelayConfig::AutoRelay::Off) << QString() << false;
    // CONTRACT "Auto-relay (details)": without --relay-tls, STARTTLS when offered, certificate verified.
    RelaySettings opportunistic;
    opportunistic.host = QStringLiteral("relay.test");
    opportunistic.user = QStringLiteral("ann");
    QTest::newRow("STARTTLS if offered, verified, with a user and the keychain's password")
        << opportunistic << true << int(SmtpTlsMode::Opportunistic) << true << QStringLiteral("ann")
        << QStringLiteral("pw") << int(RelayConfig::AutoRelay::Off) << QString() << false;
    RelaySettings required = opportunistic;
    required.tls = RelaySettings::Tls::Required;
    required.insecure = true;
    required.autoRelay = RelaySettings::AutoRelay::All;
    QTest::newRow("--relay-tls starttls --relay-insecure --relay-all")
        << required << true << int(SmtpTlsMode::StartTls) << false << QStringLiteral("ann") << QStringLiteral("pw")
        << int(RelayConfig::AutoRelay::All) << QStringLiteral("anyone@anywhere.test") << true;
    RelaySettings implicit;
    implicit.host = QStringLiteral("relay.test");
    implicit.tls = RelaySettings::Tls::Implicit;
    implicit.autoRelay = RelaySettings::AutoRelay::Matching;
    implicit.matching = QStringLiteral("@example\\.com$");
    // The password belongs to a user: none without one.
    QTest::newRow("--relay-tls tls, matching is a case-insensitive search: a match")
        << implicit << true << int(SmtpTlsMode::Implicit) << true << QString() << QString()
        << int(RelayConfig::AutoRelay::Matching) << QStringLiteral("Carol@EXAMPLE.com") << true;
    QTest::newRow("--relay-tls tls, matching is a case-insensitive search: no match")
        << implicit << true << int(SmtpTlsMode::Implicit) << true << QString() << QString()
        << int(RelayConfig::AutoRelay::Matching) << QStringLiteral("carol@example.com.evil") << false;
    RelaySettings off = opportunistic;
    off.tls = RelaySettings::Tls::Off;
    QTest::newRow("--relay-tls off") << off << true << int(SmtpTlsMode::Off) << true << QStringLiteral("ann")
                                     << QStringLiteral("pw") << int(RelayConfig::AutoRelay::Off) << QString() << false;
}

void TestSettingsDialog::theRelaySettingsBecomeTheRelayConfiguration()
{
    QFETCH(RelaySettings, settings);
    QFETCH(bool, configured);
    QFETCH(int, tls);
    QFETCH(bool, verify);
    QFETCH(QString, username);
    QFETCH(QString, password);
    QFETCH(int, autoRelay);
    QFETCH(QString, recipient);
    QFETCH(bool, relaysTo);
    QString error;
    QVERIFY2(settings.validate(&error), qPrintable(error));
    const RelayConfig config = settings.toConfig(QStringLiteral("pw"), QStringLiteral("mx.test"));
    QCOMPARE(config.isConfigured(), configured);
    if (!configured) {
        return;
    }
    QCOMPARE(config.client.servers.size(), 1);
    QCOMPARE(config.client.servers.first().host, settings.host);
    QCOMPARE(int(config.client.servers.first().port), settings.port);
    QCOMPARE(int(config.client.tls), tls);
    QCOMPARE(config.client.verifyCertificate, verify);
    QCOMPARE(config.client.username, username);
    QCOMPARE(config.client.password, password);
    QCOMPARE(config.client.heloName, QStringLiteral("mx.test"));
    QCOMPARE(int(config.autoRelay), autoRelay);
    if (!recipient.isEmpty()) {
        QCOMPARE(config.relaysTo(recipient), relaysTo);
    }
}

void TestSettingsDialog::theRelaySettingsRoundTripThroughTheSettingsFile()
{
    AppSettings s = quietSettings();
    s.smtps = QStringLiteral("127.0.0.1:1465");
    s.relay.host = QStringLiteral("smtp.example.com");
    s.relay.port = 465;
    s.relay.tls = RelaySettings::Tls::Implicit;
    s.relay.insecure = true;
    s.relay.user = QStringLiteral("ann");
    s.relay.autoRelay = RelaySettings::AutoRelay::Matching;
    s.relay.matching = QStringLiteral("@example\\.com$");
    {
        QSettings file(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
        file.beginGroup(QStringLiteral("settings"));
        s.save(file);
    }
    QSettings file(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
    file.beginGroup(QStringLiteral("settings"));
    QCOMPARE(AppSettings::load(file), s);
    // Spelled as the command line spells them (--relay-tls tls, --relay-matching).
    QCOMPARE(file.value(QStringLiteral("relay/tls")).toString(), QStringLiteral("tls"));
    QCOMPARE(file.value(QStringLiteral("relay/autoRelay")).toString(), QStringLiteral("matching"));
}

void TestSettingsDialog::aCommandLineRelayDisablesThePageAndKeepsTheSavedSettings()
{
    AppSettings saved = quietSettings();
    saved.relay.host = QStringLiteral("saved.example.com");
    SettingsDialog dialog(saved, loopbackConfig());
    dialog.relayPage()->setCommandLineNote(QStringLiteral("The command line's --relay relay.test:25 rules this run."));
    AppSettings applied;
    dialog.setApplier([&](const AppSettings &s, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = s;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.showPage(SettingsDialog::Page::Relay);
    QLineEdit *host = fieldNamed(dialog.relayPage(), QStringLiteral("Relay host"));
    QVERIFY(!host->isEnabled());
    bool noted = false;
    for (QLabel *label : dialog.relayPage()->findChildren<QLabel *>()) {
        noted = noted || (label->isVisible() && label->text().contains(QStringLiteral("--relay relay.test:25")));
    }
    QVERIFY(noted);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QCOMPARE(applied.relay, saved.relay);
}

void TestSettingsDialog::theRelayPasswordNeverReachesTheSettingsFile()
{
    const QString password = QStringLiteral("pw-7f3a9c-never-in-a-file");
    SettingsDialog dialog(quietSettings(), loopbackConfig());
    dialog.relayPage()->setPassword(QString(), RelayPasswordStore::Status::NoKeychain);
    dialog.setApplier([&](const AppSettings &s, const CatcherConfig &, CatcherService::Listener *, QString *) {
        QSettings file(QStringLiteral("letterbox"), QStringLiteral("letterbox"));
        file.beginGroup(QStringLiteral("settings"));
        s.save(file);
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.showPage(SettingsDialog::Page::Relay);
    fieldNamed(dialog.relayPage(), QStringLiteral("Relay host"))->setText(QStringLiteral("relay.test"));
    fieldNamed(dialog.relayPage(), QStringLiteral("Relay user"))->setText(QStringLiteral("ann"));
    QTest::keyClicks(fieldNamed(dialog.relayPage(), QStringLiteral("Relay password")), password);
    bool said = false;
    for (QLabel *label : dialog.relayPage()->findChildren<QLabel *>()) {
        said = said || (label->isVisible() && label->text().contains(QStringLiteral("kept for this run only")));
    }
    QVERIFY(said);
    QCOMPARE(dialog.relayPage()->password(), password);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QVERIFY(!dialog.isVisible());
    const QString fileName = QSettings(QStringLiteral("letterbox"), QStringLiteral("letterbox")).fileName();
    QFile file(fileName);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(fileName));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains("relay.test"));
    QVERIFY(!bytes.contains(password.toUtf8()));
}

void TestSettingsDialog::theApiUsersFileAndCertificateBecomeTheConfiguration_data()
{
    QTest::addColumn<QByteArray>("users"); // the users file's content; empty: no file
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("expected"); // "auth", "tls", "auth+tls", "" (neither) or "!error shown"
    const QString crt = QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.crt");
    const QString key = QStringLiteral(LETTERBOX_TEST_DATA "/tls/localhost.key");
    // A line of apache2-utils' `htpasswd -nbB -C 5 alice 'wonder land'`.
    const QByteArray alice = "alice:$2y$05$7bq.OjoQq9YrnGRALc/FaOUKHcfCWSF18PtggatIq6w6sLMpKd4mS\n";
    QTest::newRow("neither, as by default") << QByteArray() << QString() << QString() << QString();
    QTest::newRow("a users file asks for passwords") << alice << QString() << QString() << QStringLiteral("auth");
    QTest::newRow("a certificate and its key serve HTTPS") << QByteArray() << crt << key << QStringLiteral("tls");
    QTest::newRow("both") << alice << crt << key << QStringLiteral("auth+tls");
    QTest::newRow("a plain-text password line is named with its line")
        << QByteArray("alice:secret\n") << QString() << QString()
        << QStringLiteral("!API users file: %1:1: the password of 'alice' is not a bcrypt hash");
    QTest::newRow("a certificate without its key")
        << QByteArray() << crt << QString() << QStringLiteral("!API certificate: HTTPS needs both");
    QTest::newRow("a key file that holds no key is named")
        << QByteArray() << crt << crt << (QStringLiteral("!API certificate: ") + crt);
}

void TestSettingsDialog::theApiUsersFileAndCertificateBecomeTheConfiguration()
{
    QFETCH(QByteArray, users);
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, expected);
    const QString usersFile = m_dir->filePath(QStringLiteral("api-users"));
    if (!users.isEmpty()) {
        QFile file(usersFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(users);
    }
    expected.replace(QStringLiteral("%1"), usersFile);
    CatcherConfig base = loopbackConfig();
    // The app loads the pair with the checks of --tls-cert (its TLS module); TlsIdentity::load is what that runs.
    base.loadCertificatePair
        = [](const QString &crt, const QString &pem, QString *error) -> std::optional<QSslConfiguration> {
        return configurationOf(TlsIdentity::load(crt, pem, error));
    };
    SettingsDialog dialog(quietSettings(), base);
    bool applied = false;
    dialog.setApplier([&](const AppSettings &, const CatcherConfig &, CatcherService::Listener *, QString *) {
        applied = true;
        return true;
    });
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QLineEdit *usersField = fieldNamed(&dialog, QStringLiteral("API users file"));
    QLineEdit *certificateField = fieldNamed(&dialog, QStringLiteral("API certificate file"));
    QLineEdit *keyField = fieldNamed(&dialog, QStringLiteral("API private key file"));
    QVERIFY(usersField && certificateField && keyField);
    usersField->setText(users.isEmpty() ? QString() : usersFile);
    certificateField->setText(certificate);
    keyField->setText(key);
    dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    if (expected.startsWith(u'!')) {
        QVERIFY(!applied);
        QVERIFY(dialog.isVisible());
        bool named = false;
        for (QLabel *label : dialog.findChildren<QLabel *>()) {
            named = named || (label->isVisible() && label->text().contains(expected.mid(1)));
        }
        QVERIFY2(named, qPrintable(expected));
        // The field at fault has the focus, on its own page.
        QVERIFY(dialog.focusWidget() == (expected.contains(u"users") ? usersField : certificateField));
        return;
    }
    QVERIFY(applied);
    QCOMPARE(dialog.config().apiAuth.isEmpty(), !expected.contains(u"auth"));
    QCOMPARE(dialog.config().apiTls.has_value(), expected.contains(u"tls"));
    QCOMPARE(dialog.settings().apiAuth, users.isEmpty() ? QString() : usersFile);
    QCOMPARE(dialog.settings().apiTlsCert, certificate);
    QCOMPARE(dialog.settings().apiTlsKey, key);
}

void TestSettingsDialog::theApiAccessFieldsAreReachedFromTheKeyboard()
{
    SettingsDialog dialog(quietSettings(), loopbackConfig());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    // Each label's mnemonic takes the cursor to its field, on that field's page.
    QTest::keyClick(&dialog, Qt::Key_E, Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), fieldNamed(&dialog, QStringLiteral("API users file")));
    QTest::keyClick(&dialog, Qt::Key_T, Qt::AltModifier);
    QCOMPARE(dialog.currentPage(), SettingsDialog::Page::Tls);
    QTest::keyClick(&dialog, Qt::Key_E, Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), fieldNamed(&dialog, QStringLiteral("API certificate file")));
    QTest::keyClick(&dialog, Qt::Key_K, Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), fieldNamed(&dialog, QStringLiteral("API private key file")));
    // Tab goes from the certificate field to its Browse… button, then to the key field.
    QTest::keyClick(&dialog, Qt::Key_E, Qt::AltModifier);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget()->accessibleName(), QStringLiteral("Browse for the API certificate file"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), fieldNamed(&dialog, QStringLiteral("API private key file")));
}

void TestSettingsDialog::everyPageFitsA1280x720ScreenWithNothingCutOff_data()
{
    QTest::addColumn<int>("page");
    QTest::addColumn<bool>("notes"); // every note a page can show is shown
    QTest::newRow("Catching") << int(SettingsDialog::Page::Catching) << false;
    QTest::newRow("TLS, with the certificate") << int(SettingsDialog::Page::Tls) << false;
    QTest::newRow("Relay") << int(SettingsDialog::Page::Relay) << false;
    QTest::newRow("Relay, with the command line's note, the keychain's and a bad expression")
        << int(SettingsDialog::Page::Relay) << true;
}

void TestSettingsDialog::everyPageFitsA1280x720ScreenWithNothingCutOff()
{
    QFETCH(int, page);
    QFETCH(bool, notes);
    const QString data = m_dir->filePath(QStringLiteral("data"));
    CatcherConfig base = loopbackConfig();
    base.tlsCertificate = [data] {
        QString error;
        return configurationOf(TlsIdentity::loadOrGenerate(data, QStringLiteral("mx.test"), &error));
    };
    AppSettings settings = quietSettings();
    if (notes) {
        settings.relay.host = QStringLiteral("relay.test");
        settings.relay.autoRelay = RelaySettings::AutoRelay::Matching;
        settings.relay.matching = QStringLiteral("@example(");
    }
    SettingsDialog dialog(settings, base);
    if (notes) {
        dialog.relayPage()->setCommandLineNote(
            QStringLiteral("This run relays to relay.example.com:587 as the command line says (--relay…); these "
                           "settings apply when Letterbox starts without it."));
    }
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy loaded(dialog.tlsPanel(), &TlsCertificatePanel::certificateLoaded);
    dialog.showPage(SettingsDialog::Page(page));
    if (page == int(SettingsDialog::Page::Tls)) {
        QVERIFY(loaded.wait(60000));
    }
    if (notes) {
        // The keychain answers after the dialog is up.
        dialog.relayPage()->setPassword(QString(), RelayPasswordStore::Status::NoKeychain);
    }
    QTest::qWait(200);
    const QRect screen = dialog.screen()->availableGeometry();
    QVERIFY2(screen.width() <= 1280 && screen.height() <= 720, "the test runs on a 1280x720 screen");
    QVERIFY2(dialog.frameGeometry().height() <= screen.height(), qPrintable(QString::number(dialog.height())));
    QVERIFY(dialog.frameGeometry().width() <= screen.width());
    const QStringList cut = squeezed(&dialog);
    QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(" | "))));
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
