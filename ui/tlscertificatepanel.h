#pragma once

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QPushButton;

// The certificate Letterbox's STARTTLS and SMTPS listeners present (README "TLS"): subject, names, validity and
// SHA-256 fingerprint, with Copy and "Export certificate…", so that a user can trust it in their application
// (issue 13). The generated pair may not exist yet (it is made at the first use of TLS): the panel asks for it
// when first shown, on a worker thread, so the GUI never waits on the key generation or the disk. Only the
// certificate is ever shown or exported, never the key.
class TlsCertificatePanel : public QWidget
{
    Q_OBJECT
public:
    using Source = std::function<std::optional<QSslConfiguration>()>;

    // source: CatcherConfig::tlsCertificate (the listeners' own); empty means the catcher has no TLS.
    explicit TlsCertificatePanel(Source source, QWidget *parent = nullptr);

    // Asks the source now (once), unless done already; certificateLoaded() follows.
    void load();
    bool isLoaded() const;
    // The server certificate, null until loaded or when there is none.
    QSslCertificate certificate() const;
    QString fingerprintText() const;
    // Writes the certificate as PEM to fileName on a worker thread; exported() follows. False now when there is no
    // certificate.
    bool exportCertificate(const QString &fileName);

    // "AB:CD:…": the SHA-256 of the DER certificate in upper-case hex pairs, as `openssl x509 -fingerprint -sha256`
    // and browsers show it.
    static QString sha256Fingerprint(const QSslCertificate &certificate);

Q_SIGNALS:
    void certificateLoaded();
    void exported(const QString &fileName, bool ok, const QString &error);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showCertificate(const std::optional<QSslConfiguration> &configuration);
    void exportInteractively();

    Source m_source;
    bool m_asked = false;
    bool m_loaded = false;
    QSslCertificate m_certificate;
    QLabel *m_status;
    QWidget *m_details;
    QLabel *m_subject;
    QLabel *m_names;
    QLabel *m_validity;
    QLabel *m_fingerprint;
    QPushButton *m_copy;
    QPushButton *m_export;
    QLabel *m_exportResult;
};
