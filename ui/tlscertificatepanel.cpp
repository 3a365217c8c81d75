#include "tlscertificatepanel.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QSslCertificateExtension>
#include <QThreadPool>
#include <QVBoxLayout>

namespace {
QLabel *selectableLabel(QWidget *parent, const QString &accessibleName)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    // Keyboard users select and copy it too (Tab reaches it).
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    label->setAccessibleName(accessibleName);
    return label;
}

QString joined(const QStringList &values)
{
    return values.join(QStringLiteral(", "));
}
} // namespace

TlsCertificatePanel::TlsCertificatePanel(Source source, QWidget *parent) : QWidget(parent), m_source(std::move(source))
{
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_details = new QWidget(this);
    m_subject = selectableLabel(m_details, tr("Certificate subject"));
    m_names = selectableLabel(m_details, tr("Certificate names"));
    m_validity = selectableLabel(m_details, tr("Certificate validity"));
    m_fingerprint = selectableLabel(m_details, tr("SHA-256 fingerprint"));
    m_fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_copy = new QPushButton(tr("C&opy Fingerprint"), m_details);
    m_copy->setToolTip(tr("Copy the SHA-256 fingerprint to the clipboard"));
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(fingerprintText()); });
    m_export = new QPushButton(tr("E&xport Certificate…"), m_details);
    m_export->setToolTip(tr("Save the certificate (PEM, without its key) to trust it in your application"));
    connect(m_export, &QPushButton::clicked, this, &TlsCertificatePanel::exportInteractively);
    m_exportResult = new QLabel(m_details);
    m_exportResult->setWordWrap(true);
    m_exportResult->setTextFormat(Qt::PlainText);
    m_exportResult->hide();
    auto *hint = new QLabel(
        tr("Add this certificate to your app's trusted CAs to use STARTTLS or SMTPS with verification."), m_details);
    hint->setWordWrap(true);

    auto *form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Subject"), m_subject);
    form->addRow(tr("Names"), m_names);
    form->addRow(tr("Valid"), m_validity);
    form->addRow(tr("SHA-256"), m_fingerprint);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_copy);
    buttons->addWidget(m_export);
    buttons->addStretch();
    auto *detailsLayout = new QVBoxLayout(m_details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addLayout(form);
    detailsLayout->addLayout(buttons);
    detailsLayout->addWidget(m_exportResult);
    detailsLayout->addWidget(hint);
    m_details->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status);
    layout->addWidget(m_details);
    m_status->setText(m_source ? tr("Reading the certificate…") : tr("This catcher has no TLS certificate."));
}

void TlsCertificatePanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Shown, not merely built: opening Settings on another page makes no key pair.
    load();
}

void TlsCertificatePanel::load()
{
    if (m_asked || !m_source) {
        return;
    }
    m_asked = true;
    // Reading (or, the first time, generating an RSA key and writing it) happens on a worker thread.
    QPointer<TlsCertificatePanel> self(this);
    QThreadPool::globalInstance()->start([self, source = m_source] {
        std::optional<QSslConfiguration> configuration = source();
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, configuration] {
            if (self) {
                self->showCertificate(configuration);
            }
        });
    });
}

bool TlsCertificatePanel::isLoaded() const
{
    return m_loaded;
}

QSslCertificate TlsCertificatePanel::certificate() const
{
    return m_certificate;
}

QString TlsCertificatePanel::fingerprintText() const
{
    return sha256Fingerprint(m_certificate);
}

QString TlsCertificatePanel::sha256Fingerprint(const QSslCertificate &certificate)
{
    if (certificate.isNull()) {
        return QString();
    }
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

void TlsCertificatePanel::showCertificate(const std::optional<QSslConfiguration> &configuration)
{
    m_loaded = true;
    const QList<QSslCertificate> chain
        = configuration ? configuration->localCertificateChain() : QList<QSslCertificate>();
    m_certificate = chain.value(0);
    if (m_certificate.isNull()) {
        m_status->setText(tr("The certificate could not be read or made; the reason is in Letterbox's log (stderr)."));
        m_details->hide();
        Q_EMIT certificateLoaded();
        return;
    }
    const bool generated = m_certificate.issuerDisplayName() == m_certificate.subjectDisplayName()
        && m_certificate.subjectInfo(QSslCertificate::Organization).contains(QStringLiteral("Letterbox"));
    // README "TLS": the generated pair lives in the data directory; a user's own comes from --tls-cert.
    m_status->setText(generated ? tr("Self-signed certificate made by Letterbox (tls-cert.pem in the data directory):")
                                : tr("Certificate given with --tls-cert:"));
    QStringList subject;
    for (const QByteArray &attribute : m_certificate.subjectInfoAttributes()) {
        subject << QStringLiteral("%1=%2").arg(
            QString::fromLatin1(attribute), joined(m_certificate.subjectInfo(attribute)));
    }
    m_subject->setText(subject.join(QStringLiteral(", ")));
    QStringList names;
    const QMultiMap<QSsl::AlternativeNameEntryType, QString> alternatives = m_certificate.subjectAlternativeNames();
    for (auto it = alternatives.cbegin(); it != alternatives.cend(); ++it) {
        names << it.value();
    }
    m_names->setText(names.isEmpty() ? tr("(no subjectAltName)") : joined(names));
    const QLocale locale;
    m_validity->setText(tr("%1 to %2")
                            .arg(locale.toString(m_certificate.effectiveDate().toLocalTime(), QLocale::ShortFormat),
                                locale.toString(m_certificate.expiryDate().toLocalTime(), QLocale::ShortFormat)));
    m_fingerprint->setText(fingerprintText());
    m_details->show();
    Q_EMIT certificateLoaded();
}

bool TlsCertificatePanel::exportCertificate(const QString &fileName)
{
    if (m_certificate.isNull()) {
        return false;
    }
    m_export->setEnabled(false);
    QPointer<TlsCertificatePanel> self(this);
    // The certificate only: PEM of the public part, never the key (issue 13).
    QThreadPool::globalInstance()->start([self, fileName, pem = m_certificate.toPem()] {
        QSaveFile file(fileName);
        const bool ok = file.open(QIODevice::WriteOnly) && file.write(pem) == pem.size() && file.commit();
        const QString error = ok ? QString() : file.errorString();
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, fileName, ok, error] {
            if (!self) {
                return;
            }
            self->m_export->setEnabled(true);
            self->m_exportResult->setText(ok ? tr("Saved %1.").arg(QDir::toNativeSeparators(fileName))
                                             : tr("Cannot save %1: %2").arg(QDir::toNativeSeparators(fileName), error));
            self->m_exportResult->show();
            Q_EMIT self->exported(fileName, ok, error);
        });
    });
    return true;
}

void TlsCertificatePanel::exportInteractively()
{
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Export Certificate"),
        QDir::home().filePath(QStringLiteral("letterbox-certificate.pem")), tr("PEM certificate (*.pem *.crt)"));
    if (!fileName.isEmpty()) {
        exportCertificate(fileName);
    }
}
