#include "emptystate.h"

#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollArea>
#include <QTextDocumentFragment>
#include <QToolButton>
#include <QVBoxLayout>

namespace {
// Snippets side by side from this width of the pane; one column below it.
constexpr int TwoColumnWidth = 1100;

QFont titleFont(const QFont &base)
{
    QFont font = base;
    font.setPointSizeF(font.pointSizeF() * 1.4);
    font.setBold(true);
    return font;
}

// Where a client on this machine connects: a listener on every interface is reached on loopback.
QString connectHost(const QString &bound)
{
    if (bound.isEmpty() || bound == QLatin1String("0.0.0.0") || bound == QLatin1String("*")) {
        return QStringLiteral("127.0.0.1");
    }
    if (bound == QLatin1String("::")) {
        return QStringLiteral("::1");
    }
    return bound;
}

// A host in a URL or host:port: IPv6 in brackets (RFC 3986 §3.2.2).
QString urlHost(const QString &host)
{
    return host.contains(u':') ? QStringLiteral("[%1]").arg(host) : host;
}
} // namespace

EmptyState::EmptyState(QWidget *parent) : QWidget(parent), m_scroll(new QScrollArea(this))
{
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    // Text wraps to the pane's width; only the height scrolls.
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setAccessibleName(tr("Empty inbox"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);
    render();
}

void EmptyState::setListening(const QString &host, quint16 port, Auth auth, const QString &error)
{
    m_host = host;
    m_port = port;
    m_auth = auth;
    m_error = error;
    render();
}

void EmptyState::setListening(const QString &host, quint16 port, bool authOffered, const QString &error)
{
    setListening(host, port, authOffered ? Auth::Any : Auth::Off, error);
}

void EmptyState::setAttached(const QString &where)
{
    m_attached = where;
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
    QStringList texts;
    for (const QLabel *label : m_page->findChildren<QLabel *>()) {
        texts << (label->textFormat() == Qt::PlainText ? label->text()
                                                       : QTextDocumentFragment::fromHtml(label->text()).toPlainText());
    }
    return texts.join(u'\n');
}

QLabel *EmptyState::addLabel(QVBoxLayout *layout, const QString &text, Qt::TextFormat format)
{
    auto *label = new QLabel(text, m_page);
    label->setTextFormat(format);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(label);
    return label;
}

void EmptyState::render()
{
    // A fresh page each time (a few dozen widgets): the previous one goes with setWidget().
    m_page = new QWidget;
    m_cards.clear();
    m_cardGrid = nullptr;
    m_columns = 0;
    auto *layout = new QVBoxLayout(m_page);
    layout->setContentsMargins(24, 18, 24, 18);
    layout->setSpacing(10);
    if (m_search) {
        QLabel *title = addLabel(layout, tr("No messages match %1").arg(m_query));
        title->setFont(titleFont(font()));
        auto *clear = new QPushButton(tr("Clear the search"), m_page);
        clear->setToolTip(tr("Show every message again"));
        connect(clear, &QPushButton::clicked, this, &EmptyState::clearSearchRequested);
        layout->addWidget(clear, 0, Qt::AlignLeft);
    } else if (!m_attached.isEmpty()) {
        QLabel *title = addLabel(layout, tr("No messages on %1").arg(m_attached));
        title->setFont(titleFont(font()));
        addLabel(layout,
            tr("This window shows a catcher running elsewhere: mail sent to its SMTP port appears here as it "
               "arrives."));
    } else if (m_port == 0) {
        QLabel *title = addLabel(layout, tr("Not catching mail"));
        title->setFont(titleFont(font()));
        QPalette red = title->palette();
        red.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
        title->setPalette(red);
        addLabel(layout, m_error);
        auto *choose = new QPushButton(tr("Choose another port…"), m_page);
        choose->setToolTip(tr("Open the settings at the SMTP address"));
        connect(choose, &QPushButton::clicked, this, &EmptyState::chooseAnotherPortRequested);
        layout->addWidget(choose, 0, Qt::AlignLeft);
    } else {
        renderWaiting(layout);
    }
    layout->addStretch(1);
    m_scroll->setWidget(m_page);
    arrangeCards();
}

void EmptyState::renderWaiting(QVBoxLayout *layout)
{
    const QString host = connectHost(m_host);
    const QString port = QString::number(m_port);
    const QString hostPort = QStringLiteral("%1:%2").arg(urlHost(host), port);
    const QString bound = QStringLiteral("%1:%2").arg(urlHost(m_host.isEmpty() ? QStringLiteral("*") : m_host), port);
    QLabel *title = addLabel(layout, tr("Waiting for mail on %1").arg(bound));
    title->setFont(titleFont(font()));
    addLabel(layout,
        host == m_host ? tr("Point your application's SMTP settings here; what it sends appears in this window.")
                       : tr("Listening on every interface: from this machine, send to %1.").arg(hostPort));

    // The settings, each copyable.
    auto *settings = new QGridLayout;
    settings->setHorizontalSpacing(12);
    settings->setColumnStretch(3, 1);
    QString auth;
    switch (m_auth) {
    case Auth::Any:
        auth = tr("optional: any user name and password are accepted");
        break;
    case Auth::Off:
        auth = tr("not offered: clients must not log in");
        break;
    case Auth::Required:
        auth = tr("required: only the users in the credentials file");
        break;
    }
    const QList<std::pair<QString, QString>> rows { { tr("SMTP host"), host }, { tr("Port"), port },
        { tr("Authentication"), auth },
        { tr("Encryption"), tr("none: plain SMTP (STARTTLS is not offered yet), so clients must not require TLS") } };
    for (int row = 0; row < rows.size(); ++row) {
        auto *name = new QLabel(QStringLiteral("<b>%1</b>").arg(rows.at(row).first.toHtmlEscaped()), m_page);
        name->setTextFormat(Qt::RichText);
        auto *value = new QLabel(rows.at(row).second, m_page);
        value->setTextFormat(Qt::PlainText);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        settings->addWidget(name, row, 0);
        // Host and port with their Copy beside them; the longer answers take the row.
        settings->addWidget(value, row, 1, 1, row < 2 ? 1 : 3);
        if (row < 2) {
            auto *copy = new QToolButton(m_page);
            copy->setText(tr("Copy"));
            copy->setAccessibleName(tr("Copy the %1").arg(rows.at(row).first));
            copy->setToolTip(tr("Copy “%1”").arg(rows.at(row).second));
            const QString text = rows.at(row).second;
            connect(copy, &QToolButton::clicked, this, [text] { QApplication::clipboard()->setText(text); });
            settings->addWidget(copy, row, 2);
        }
    }
    layout->addLayout(settings);
    if (m_auth == Auth::Required) {
        addLabel(layout, tr("Add a user name and password from the credentials file to the settings below."));
    }

    QLabel *heading = addLabel(layout, tr("Settings for common stacks"));
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    m_cardGrid = new QGridLayout;
    m_cardGrid->setSpacing(12);
    layout->addLayout(m_cardGrid);

    const QString url = QStringLiteral("smtp://%1").arg(hostPort);
    m_cards << snippetCard(tr("Shell: swaks"), QString(),
        QStringLiteral("swaks --server %1 --port %2 --to you@example.test").arg(host, port));
    m_cards << snippetCard(tr("Shell: curl"), tr("mail.eml is the message to send, headers and body."),
        QStringLiteral("curl %1 --mail-from me@example.test --mail-rcpt you@example.test --upload-file mail.eml")
            .arg(url));
    m_cards << snippetCard(tr("Python: smtplib"), QString(),
        QStringLiteral("import smtplib\n"
                       "with smtplib.SMTP(\"%1\", %2) as smtp:\n"
                       "    smtp.sendmail(\"me@example.test\", [\"you@example.test\"],\n"
                       "                  \"Subject: Hello\\r\\n\\r\\nHello from Python\")")
            .arg(host, port));
    m_cards << snippetCard(tr("Node.js: nodemailer"), QString(),
        QStringLiteral("const transport = nodemailer.createTransport({\n"
                       "  host: \"%1\", port: %2, secure: false\n"
                       "});")
            .arg(host, port));
    m_cards << snippetCard(tr("PHP: PHPMailer"), QString(),
        QStringLiteral("$mail = new PHPMailer\\PHPMailer\\PHPMailer();\n"
                       "$mail->isSMTP();\n"
                       "$mail->Host = '%1';\n"
                       "$mail->Port = %2;")
            .arg(host, port));
    m_cards << snippetCard(tr("PHP: Symfony Mailer (.env)"), QString(), QStringLiteral("MAILER_DSN=%1").arg(url));
    m_cards << snippetCard(tr("PHP: Laravel (.env)"), QString(),
        QStringLiteral("MAIL_MAILER=smtp\nMAIL_HOST=%1\nMAIL_PORT=%2").arg(host, port));
    // php.ini's SMTP and smtp_port are read by mail() on Windows only; elsewhere mail() pipes to sendmail_path.
    m_cards << snippetCard(tr("PHP: mail() on Windows (php.ini)"),
        tr("Windows only: on Linux and macOS mail() runs the sendmail_path program and ignores these; use an SMTP "
           "library there (PHPMailer, Symfony Mailer or Laravel above)."),
        QStringLiteral("SMTP = %1\nsmtp_port = %2").arg(host, port));
    m_cards << snippetCard(
        tr("Django (settings.py)"), QString(), QStringLiteral("EMAIL_HOST = \"%1\"\nEMAIL_PORT = %2").arg(host, port));
    m_cards << snippetCard(tr("Rails (config/environments/development.rb)"), QString(),
        QStringLiteral("config.action_mailer.delivery_method = :smtp\n"
                       "config.action_mailer.smtp_settings = { address: \"%1\", port: %2 }")
            .arg(host, port));
    m_cards << snippetCard(tr("Spring (application.properties)"), QString(),
        QStringLiteral("spring.mail.host=%1\nspring.mail.port=%2").arg(host, port));
}

QWidget *EmptyState::snippetCard(const QString &title, const QString &note, const QString &code)
{
    auto *card = new QWidget(m_page);
    auto *layout = new QVBoxLayout(card);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    auto *top = new QHBoxLayout;
    auto *name = new QLabel(title, card);
    name->setTextFormat(Qt::PlainText);
    name->setWordWrap(true);
    QFont bold = name->font();
    bold.setBold(true);
    name->setFont(bold);
    auto *copy = new QToolButton(card);
    copy->setText(tr("Copy"));
    copy->setAccessibleName(tr("Copy the %1 snippet").arg(title));
    copy->setToolTip(tr("Copy this snippet to the clipboard"));
    top->addWidget(name, 1);
    top->addWidget(copy, 0, Qt::AlignTop);
    layout->addLayout(top);
    if (!note.isEmpty()) {
        auto *hint = new QLabel(note, card);
        hint->setTextFormat(Qt::PlainText);
        hint->setWordWrap(true);
        hint->setForegroundRole(QPalette::PlaceholderText);
        layout->addWidget(hint);
    }
    auto *snippet = new QLabel(code, card);
    snippet->setObjectName(QStringLiteral("snippet"));
    snippet->setTextFormat(Qt::PlainText);
    snippet->setWordWrap(true);
    snippet->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    snippet->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    snippet->setMargin(6);
    snippet->setAutoFillBackground(true);
    snippet->setBackgroundRole(QPalette::AlternateBase);
    snippet->setAccessibleName(tr("%1 snippet").arg(title));
    snippet->setProperty("copyButton", QVariant::fromValue<QAbstractButton *>(copy));
    connect(copy, &QToolButton::clicked, this, [code] { QApplication::clipboard()->setText(code); });
    layout->addWidget(snippet);
    layout->addStretch(1);
    return card;
}

void EmptyState::arrangeCards()
{
    if (!m_cardGrid) {
        return;
    }
    const int columns = width() >= TwoColumnWidth ? 2 : 1;
    if (columns == m_columns) {
        return;
    }
    m_columns = columns;
    for (QWidget *card : std::as_const(m_cards)) {
        m_cardGrid->removeWidget(card);
    }
    for (int i = 0; i < m_cards.size(); ++i) {
        m_cardGrid->addWidget(m_cards.at(i), i / columns, i % columns);
    }
    for (int c = 0; c < 2; ++c) {
        m_cardGrid->setColumnStretch(c, c < columns ? 1 : 0);
    }
}

void EmptyState::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    arrangeCards();
}
