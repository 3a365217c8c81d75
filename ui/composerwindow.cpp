#include "composerwindow.h"

#include "attachmentsmodel.h"

#include <client/smtpoutgoing.h>
#include <mailbox/routeddelivery.h>
#include <message/clientaddress.h>
#include <message/messageid.h>
#include <mime/messagebuilder.h>
#include <relay/relayservice.h>
#include <store/messagestore.h>
#include <store/messagesubmission.h>

#include <QCloseEvent>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QShortcut>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QVBoxLayout>

namespace {
// What sending produced, handed back to the GUI thread.
struct Outcome
{
    bool ok = false;
    QString id;
    QString error;
};
} // namespace

ComposerWindow::ComposerWindow(MessageStore *store, const QByteArray &hostname, qint64 maxMessageSize, QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_delivery(std::make_shared<RoutedDelivery>(store))
    , m_hostname(hostname)
    , m_maxMessageSize(maxMessageSize)
{
    setObjectName(QStringLiteral("composerWindow"));
    setWindowTitle(tr("New Message — Letterbox"));
    setAcceptDrops(true);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    const auto field = [this, form](const char *name, const QString &label, const QString &placeholder) {
        auto *edit = new QLineEdit(this);
        edit->setObjectName(QLatin1String(name));
        edit->setPlaceholderText(placeholder);
        edit->setAccessibleName(QString(label).remove(u'&').remove(u':'));
        form->addRow(label, edit);
        return edit;
    };
    m_from = field("from", tr("&From:"), tr("Name <sender@example.com>"));
    m_from->setText(QStringLiteral("Letterbox <letterbox@%1>").arg(QString::fromUtf8(m_hostname)));
    m_to = field("to", tr("&To:"), tr("Recipients, separated by commas"));
    m_cc = field("cc", tr("&Cc:"), QString());
    m_bcc = field("bcc", tr("&Bcc:"), tr("In the envelope only, never in a header"));
    m_subject = field("subject", tr("&Subject:"), QString());

    m_bodies = new QTabWidget(this);
    m_bodies->setObjectName(QStringLiteral("bodies"));
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("textBody"));
    m_text->setAccessibleName(tr("Text body"));
    m_text->setTabChangesFocus(true);
    m_html = new QPlainTextEdit(this);
    m_html->setObjectName(QStringLiteral("htmlBody"));
    m_html->setAccessibleName(tr("HTML source"));
    m_html->setPlaceholderText(tr("HTML source, e.g. <p>Hello <b>world</b></p>; sent as the text/html alternative"));
    m_html->setTabChangesFocus(true);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_html->setFont(mono);
    m_bodies->addTab(m_text, tr("Te&xt"));
    m_bodies->addTab(m_html, tr("&HTML Source"));

    m_attachments = new AttachmentsModel(this);
    m_attachmentsView = new QTableView(this);
    m_attachmentsView->setObjectName(QStringLiteral("attachments"));
    m_attachmentsView->setAccessibleName(tr("Attachments"));
    m_attachmentsView->setModel(m_attachments);
    m_attachmentsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_attachmentsView->setTabKeyNavigation(false);
    m_attachmentsView->verticalHeader()->hide();
    m_attachmentsView->horizontalHeader()->setSectionResizeMode(AttachmentsModel::NameColumn, QHeaderView::Stretch);
    m_attachmentsView->horizontalHeader()->setSectionResizeMode(
        AttachmentsModel::SizeColumn, QHeaderView::ResizeToContents);
    m_attachmentsView->setMaximumHeight(110);
    m_attachmentsView->setToolTip(tr("Drop files on the window to attach them"));
    m_attach = new QPushButton(tr("&Attach…"), this);
    m_attach->setObjectName(QStringLiteral("attach"));
    m_attach->setToolTip(tr("Attach files (or drop them on this window)"));
    m_remove = new QPushButton(tr("&Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeAttachment"));
    m_remove->setToolTip(tr("Remove the selected attachments"));
    m_remove->setEnabled(false);
    connect(m_attach, &QPushButton::clicked, this, &ComposerWindow::attachInteractively);
    connect(m_remove, &QPushButton::clicked, this, &ComposerWindow::removeSelectedAttachments);
    connect(m_attachmentsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        [this] { m_remove->setEnabled(m_attachmentsView->selectionModel()->hasSelection()); });
    auto *attachButtons = new QVBoxLayout;
    attachButtons->addWidget(m_attach);
    attachButtons->addWidget(m_remove);
    attachButtons->addStretch();
    auto *attachRow = new QHBoxLayout;
    attachRow->addWidget(m_attachmentsView, 1);
    attachRow->addLayout(attachButtons);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();

    m_send = new QPushButton(tr("Send to &Letterbox"), this);
    m_send->setObjectName(QStringLiteral("sendToLetterbox"));
    m_send->setToolTip(tr("Store the message in this Letterbox's inbox (Ctrl+Return)"));
    m_send->setDefault(true);
    m_discard = new QPushButton(tr("Discard"), this);
    m_discard->setObjectName(QStringLiteral("discard"));
    m_discard->setToolTip(tr("Close without sending (Esc)"));
    m_sendViaRelay = new QPushButton(tr("Send via &Relay"), this);
    m_sendViaRelay->setObjectName(QStringLiteral("sendViaRelay"));
    m_sendViaRelay->setEnabled(false);
    connect(m_send, &QPushButton::clicked, this, &ComposerWindow::sendToLetterbox);
    connect(m_sendViaRelay, &QPushButton::clicked, this, &ComposerWindow::sendViaRelay);
    connect(m_discard, &QPushButton::clicked, this, &QWidget::close);
    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(m_send, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_sendViaRelay, QDialogButtonBox::ActionRole);
    buttons->addButton(m_discard, QDialogButtonBox::RejectRole);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_bodies, 1);
    layout->addWidget(new QLabel(tr("Attachments:"), this));
    layout->addLayout(attachRow);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    // Keyboard-complete: Ctrl+Return sends from any field, Esc closes (asking when something was written).
    auto *send = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    connect(send, &QShortcut::activated, this, &ComposerWindow::sendToLetterbox);
    auto *sendEnter = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), this);
    connect(sendEnter, &QShortcut::activated, this, &ComposerWindow::sendToLetterbox);
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(escape, &QShortcut::activated, this, &QWidget::close);

    // Reading order; the focus starts in To (From is filled in already).
    setTabOrder(m_from, m_to);
    setTabOrder(m_to, m_cc);
    setTabOrder(m_cc, m_bcc);
    setTabOrder(m_bcc, m_subject);
    // From the subject straight into the text, as in every mail client; the Text/HTML Source tabs come after it
    // (or Ctrl+Page Down).
    setTabOrder(m_subject, m_text);
    setTabOrder(m_text, m_bodies->tabBar());
    setTabOrder(m_bodies->tabBar(), m_html);
    setTabOrder(m_html, m_attachmentsView);
    setTabOrder(m_attachmentsView, m_attach);
    setTabOrder(m_attach, m_remove);
    setTabOrder(m_remove, m_send);
    setTabOrder(m_send, m_sendViaRelay);
    setTabOrder(m_sendViaRelay, m_discard);
    m_to->setFocus();
    updateRelayButton();
    resize(760, 620);
}

ComposerWindow::~ComposerWindow() = default;

AttachmentsModel *ComposerWindow::attachments() const
{
    return m_attachments;
}

QString ComposerWindow::statusText() const
{
    return m_status->isHidden() ? QString() : m_status->text();
}

bool ComposerWindow::isDraftEmpty() const
{
    return m_to->text().trimmed().isEmpty() && m_cc->text().trimmed().isEmpty() && m_bcc->text().trimmed().isEmpty()
        && m_subject->text().trimmed().isEmpty() && m_text->toPlainText().trimmed().isEmpty()
        && m_html->toPlainText().trimmed().isEmpty() && m_attachments->rowCount() == 0;
}

void ComposerWindow::addAttachments(const QStringList &paths)
{
    const QStringList refused = m_attachments->addFiles(paths);
    if (!refused.isEmpty()) {
        showError(m_attach, tr("Cannot attach %1: not a readable file.").arg(QFileInfo(refused.first()).fileName()));
    }
}

void ComposerWindow::attachInteractively()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Attach Files"));
    if (!files.isEmpty()) {
        addAttachments(files);
    }
}

void ComposerWindow::removeSelectedAttachments()
{
    QList<int> rows;
    for (const QModelIndex &index : m_attachmentsView->selectionModel()->selectedRows()) {
        rows << index.row();
    }
    m_attachments->removeRows(rows);
}

void ComposerWindow::showError(QWidget *field, const QString &text)
{
    m_status->setStyleSheet(QStringLiteral("color: palette(bright-text); background: #b3261e; padding: 4px 8px; "
                                           "border-radius: 3px;"));
    m_status->setText(text);
    m_status->show();
    if (field) {
        field->setFocus();
        if (auto *edit = qobject_cast<QLineEdit *>(field)) {
            edit->selectAll();
        }
    }
}

void ComposerWindow::showStatus(const QString &text)
{
    m_status->setStyleSheet(QString());
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void ComposerWindow::setBusy(bool busy)
{
    m_busy = busy;
    m_send->setEnabled(!busy);
    updateRelayButton();
}

void ComposerWindow::setMailboxes(MailboxSettings *mailboxes)
{
    m_delivery->setSettings(mailboxes);
}

void ComposerWindow::setRelay(RelayService *relay)
{
    m_relay = relay;
    updateRelayButton();
}

void ComposerWindow::updateRelayButton()
{
    const RelayConfig config = m_relay ? m_relay->config() : RelayConfig();
    const bool configured = config.isConfigured();
    m_sendViaRelay->setEnabled(configured && !m_busy);
    if (!configured) {
        m_sendViaRelay->setToolTip(tr("No relay server is configured (Settings, or --relay HOST:PORT)"));
        return;
    }
    const SmtpServerAddress &server = config.client.servers.first();
    m_sendViaRelay->setToolTip(
        tr("Send the message to its recipients through %1:%2").arg(server.host).arg(server.port));
}

void ComposerWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange && isActiveWindow()) {
        updateRelayButton();
    }
    QWidget::changeEvent(event);
}

std::optional<MessageBuilder> ComposerWindow::draft()
{
    MessageBuilder b;
    QString invalid;
    const std::optional<MailAddressList> from = MessageBuilder::parseAddresses(m_from->text(), &invalid);
    if (!from || from->size() != 1) {
        showError(
            m_from, from ? tr("From needs one address.") : tr("From: “%1” is not an email address.").arg(invalid));
        return std::nullopt;
    }
    b.from = from->first();
    const struct
    {
        QLineEdit *edit;
        MailAddressList *list;
        QString name;
    } lists[] = { { m_to, &b.to, tr("To") }, { m_cc, &b.cc, tr("Cc") }, { m_bcc, &b.bcc, tr("Bcc") } };
    for (const auto &l : lists) {
        const std::optional<MailAddressList> parsed = MessageBuilder::parseAddresses(l.edit->text(), &invalid);
        if (!parsed) {
            showError(l.edit, tr("%1: “%2” is not an email address.").arg(l.name, invalid));
            return std::nullopt;
        }
        *l.list = *parsed;
    }
    if (b.to.isEmpty() && b.cc.isEmpty() && b.bcc.isEmpty()) {
        showError(m_to, tr("Add at least one recipient in To, Cc or Bcc."));
        return std::nullopt;
    }
    b.subject = m_subject->text();
    b.text = m_text->toPlainText();
    b.html = m_html->toPlainText();
    return b;
}

void ComposerWindow::sendToLetterbox()
{
    if (m_busy) {
        return;
    }
    std::optional<MessageBuilder> builder = draft();
    if (!builder) {
        return;
    }
    setBusy(true);
    showStatus(tr("Storing the message…"));
    // Reading the attachments, building the message and the commit all happen off the GUI thread; the answer comes
    // back queued, and not at all once the window is gone.
    QPointer<ComposerWindow> self(this);
    const auto answer = [self](const Outcome &outcome) {
        QMetaObject::invokeMethod(
            self,
            [self, outcome] {
                if (!self) {
                    return;
                }
                self->setBusy(false);
                if (!outcome.ok) {
                    self->showError(nullptr, tr("Not stored: %1").arg(outcome.error));
                    return;
                }
                self->m_sent = true;
                self->showStatus(tr("Stored in Letterbox."));
                Q_EMIT self->messageStored(outcome.id);
                self->close();
            },
            Qt::QueuedConnection);
    };
    QThreadPool::globalInstance()->start([store = m_delivery, hostname = m_hostname, maxSize = m_maxMessageSize,
                                             paths = m_attachments->paths(), builder = std::move(*builder), answer] {
        MessageBuilder b = builder;
        for (const QString &path : paths) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly)) {
                answer(Outcome { false, QString(), QStringLiteral("%1: %2").arg(path, file.errorString()) });
                return;
            }
            b.attachments << MessageBuilder::Attachment { QFileInfo(path).fileName(), QString(), QString(),
                file.readAll() };
        }
        QString error;
        std::optional<IncomingMessage> incoming = MessageSubmission::incoming(b, MessageSubmission::Source::Composer,
            ClientAddress(), 0, hostname, maxSize, QDateTime::currentMSecsSinceEpoch(), &error);
        if (!incoming) {
            answer(Outcome { false, QString(), error });
            return;
        }
        const QString id = QString::fromLatin1(incoming->id);
        store->deliver(std::move(*incoming), [answer, id](const DeliveryResult &result) {
            answer(Outcome { result.ok, id, result.errorString });
        });
    });
}

void ComposerWindow::sendViaRelay()
{
    if (m_busy || !m_relay || !m_relay->config().isConfigured()) {
        return;
    }
    std::optional<MessageBuilder> builder = draft();
    if (!builder) {
        return;
    }
    setBusy(true);
    showStatus(tr("Sending via the relay…"));
    // The message is built off the GUI thread (attachments are read there); the relay is asked from the GUI thread
    // with this window as the context its answer comes back to.
    QPointer<ComposerWindow> self(this);
    QThreadPool::globalInstance()->start(
        [self, hostname = m_hostname, paths = m_attachments->paths(), builder = std::move(*builder)] {
            MessageBuilder b = builder;
            QString error;
            for (const QString &path : paths) {
                QFile file(path);
                if (!file.open(QIODevice::ReadOnly)) {
                    error = QStringLiteral("%1: %2").arg(path, file.errorString());
                    break;
                }
                b.attachments << MessageBuilder::Attachment { QFileInfo(path).fileName(), QString(), QString(),
                    file.readAll() };
            }
            std::optional<SmtpOutgoing> outgoing;
            if (error.isEmpty()) {
                const qint64 now = QDateTime::currentMSecsSinceEpoch();
                // RFC 5322 §3.6.4: a unique id at this host. A relayed message has no trace header of ours: Letterbox
                // is its author here, and the relay adds its own Received: (RFC 5321 §4.4).
                const std::optional<QByteArray> data = b.build(
                    QDateTime::fromMSecsSinceEpoch(now, Qt::UTC), MessageId::generate(now) + '@' + hostname, &error);
                if (data) {
                    outgoing = SmtpOutgoing { b.from.address.toUtf8(), b.envelopeRecipients(), *data };
                }
            }
            QMetaObject::invokeMethod(
                self,
                [self, outgoing, error] {
                    if (!self) {
                        return;
                    }
                    if (!outgoing || !self->m_relay) {
                        self->setBusy(false);
                        self->showError(nullptr, tr("Not sent: %1").arg(error));
                        return;
                    }
                    self->m_relay->send(*outgoing, self, [self](bool ok, const QString &text) {
                        if (!self) {
                            return;
                        }
                        self->setBusy(false);
                        if (ok) {
                            self->m_sent = true;
                            self->showStatus(tr("Sent via the relay: %1").arg(text));
                        } else {
                            self->showError(nullptr, tr("The relay did not take the message: %1").arg(text));
                        }
                        Q_EMIT self->relayFinished(ok, text);
                    });
                },
                Qt::QueuedConnection);
        });
}

void ComposerWindow::closeEvent(QCloseEvent *event)
{
    if (m_busy) {
        // The message is being stored: closing now would leave its answer nowhere to show.
        event->ignore();
        return;
    }
    if (!m_sent && !isDraftEmpty()) {
        const auto choice
            = QMessageBox::question(this, tr("Discard Message?"), tr("This message has not been sent. Discard it?"),
                QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (choice != QMessageBox::Discard) {
            event->ignore();
            return;
        }
    }
    event->accept();
}

void ComposerWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls()) {
        event->acceptProposedAction();
    }
}

void ComposerWindow::dropEvent(QDropEvent *event)
{
    QStringList paths;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile()) {
            paths << url.toLocalFile();
        }
    }
    if (!paths.isEmpty()) {
        addAttachments(paths);
        event->acceptProposedAction();
    }
}
