#include "emptystate.h"

#include <QTextBrowser>
#include <QVBoxLayout>

EmptyState::EmptyState(QWidget *parent) : QWidget(parent), m_browser(new QTextBrowser(this))
{
    m_browser->setOpenLinks(false);
    m_browser->setFrameShape(QFrame::NoFrame);
    m_browser->setAccessibleName(tr("Empty inbox"));
    connect(m_browser, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.toString() == QLatin1String("letterbox:clear-search")) {
            Q_EMIT clearSearchRequested();
        } else if (url.toString() == QLatin1String("letterbox:choose-port")) {
            Q_EMIT chooseAnotherPortRequested();
        }
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser);
    render();
}

void EmptyState::setListening(const QString &host, quint16 port, bool authOffered, const QString &error)
{
    m_host = host;
    m_port = port;
    m_auth = authOffered;
    m_error = error;
    render();
}

void EmptyState::showWaiting()
{
    m_search = false;
    render();
}

void EmptyState::showNoMatches(const QString &query)
{
    m_search = true;
    m_query = query;
    render();
}

QString EmptyState::text() const
{
    return m_browser->toPlainText();
}

void EmptyState::render()
{
    QString html;
    if (m_search) {
        html = tr("<h3>No messages match <code>%1</code></h3><p><a href=\"letterbox:clear-search\">Clear the "
                  "search</a> to see every message.</p>")
                   .arg(m_query.toHtmlEscaped());
        m_browser->setHtml(html);
        return;
    }
    if (m_port == 0) {
        html = tr("<h3 style=\"color:#c62828\">Not catching mail</h3><p>%1</p><p><a href=\"letterbox:choose-port\">"
                  "Choose another port…</a></p>")
                   .arg(m_error.toHtmlEscaped());
        m_browser->setHtml(html);
        return;
    }
    const QString host = m_host.contains(u':') ? QStringLiteral("[%1]").arg(m_host) : m_host;
    const QString hp = QStringLiteral("%1:%2").arg(host).arg(m_port);
    const QString port = QString::number(m_port);
    const QString h = m_host.toHtmlEscaped();
    auto code = [](const QString &text) {
        return QStringLiteral("<pre>%1</pre>").arg(text.toHtmlEscaped());
    };
    html += tr("<h3>Waiting for mail on %1</h3>").arg(hp.toHtmlEscaped());
    html += tr("<table cellpadding=\"3\"><tr><td><b>SMTP host</b></td><td><code>%1</code></td></tr>"
               "<tr><td><b>Port</b></td><td><code>%2</code></td></tr>"
               "<tr><td><b>Encryption</b></td><td>none (STARTTLS is not offered by this build)</td></tr>"
               "<tr><td><b>Authentication</b></td><td>%3</td></tr></table>")
                .arg(h, port,
                    m_auth ? tr("optional: any user name and password are accepted") : tr("off (not offered)"));
    html += tr("<p>Point your application at it, for example:</p>");
    html += tr("<p><b>Shell</b></p>")
        + code(QStringLiteral("swaks --server %1 --to someone@example.test\n"
                              "curl smtp://%1 --mail-from me@example.test --mail-rcpt you@example.test -T mail.eml")
                   .arg(hp));
    html += tr("<p><b>Python</b></p>")
        + code(QStringLiteral("import smtplib\nsmtplib.SMTP(\"%1\", %2).sendmail(\"me@example.test\", "
                              "[\"you@example.test\"], \"Subject: hi\\r\\n\\r\\nHello\")")
                   .arg(m_host, port));
    html += tr("<p><b>Node.js (nodemailer)</b></p>")
        + code(
            QStringLiteral("nodemailer.createTransport({ host: \"%1\", port: %2, secure: false })").arg(m_host, port));
    html += tr("<p><b>PHP</b> (php.ini; the sendmail command arrives with a later release, until then use SMTP)</p>")
        + code(QStringLiteral("SMTP = %1\nsmtp_port = %2").arg(m_host, port));
    html += tr("<p><b>Django</b> (settings.py)</p>")
        + code(QStringLiteral("EMAIL_HOST = \"%1\"\nEMAIL_PORT = %2").arg(m_host, port));
    html += tr("<p><b>Rails</b> (config/environments/development.rb)</p>")
        + code(QStringLiteral("config.action_mailer.delivery_method = :smtp\n"
                              "config.action_mailer.smtp_settings = { address: \"%1\", port: %2 }")
                   .arg(m_host, port));
    html += tr("<p><b>Spring</b> (application.properties)</p>")
        + code(QStringLiteral("spring.mail.host=%1\nspring.mail.port=%2").arg(m_host, port));
    m_browser->setHtml(html);
}
