#pragma once

#include <QWidget>

#include <memory>
#include <optional>

class AttachmentsModel;
class MailboxSettings;
class MessageStore;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class RelayService;
class RoutedDelivery;
struct MessageBuilder;

// A new message written by hand (issue "Compose"): From, To, Cc, Bcc, Subject, a text body and/or HTML source (a plain
// text editor: the HTML is written as source, not edited as rich text), attachments (Attach… or dropped files), and
// "Send to Letterbox", which stores it through the same builder and delivery path as POST /api/v1/send
// (MessageBuilder, MessageSubmission), off the GUI thread; or "Send via relay" through the configured relay server
// (RelayService::send(), enabled only when a relay is configured, its answer shown in the window). Ctrl+Return sends;
// Esc closes, asking first when something was written. A field that is wrong (no recipient, an entry that is no
// address) is named in the window and focused.
class ComposerWindow : public QWidget
{
    Q_OBJECT
public:
    ComposerWindow(MessageStore *store, const QByteArray &hostname, qint64 maxMessageSize, QWidget *parent = nullptr);
    ~ComposerWindow() override;

    // The relay "Send via relay" uses (CatcherService::relay()); none: the button stays disabled.
    void setRelay(RelayService *relay);
    // The mailboxes' routes "Send to Letterbox" follows, as the API's send does (CONTRACT "Mailboxes": recipient
    // routes; no listener, user or client); none: the message goes to Inbox. Must outlive the window.
    void setMailboxes(MailboxSettings *mailboxes);
    // Files to attach (the Attach… dialog and drops come here); files that cannot be read are named in the window.
    void addAttachments(const QStringList &paths);
    AttachmentsModel *attachments() const;
    // Nothing was written: no recipient, subject, body or attachment (From is filled in from the start).
    bool isDraftEmpty() const;
    // What the window says under the fields: a validation message or how sending went; empty when nothing.
    QString statusText() const;

public Q_SLOTS:
    void sendToLetterbox();
    void sendViaRelay();

Q_SIGNALS:
    // The message is committed to the store (its API ID); the window closes next.
    void messageStored(const QString &id);
    // The relay answered a "Send via relay": accepted (ok) or not, with its reply or the connection error.
    void relayFinished(bool ok, const QString &text);

protected:
    void changeEvent(QEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    // The message the fields describe, without the attachments' bytes (read when sending); nullopt when a field is
    // wrong, which is then named and focused.
    std::optional<MessageBuilder> draft();
    void showError(QWidget *field, const QString &text);
    void showStatus(const QString &text);
    void setBusy(bool busy);
    // The relay button follows the relay settings (they may change in Settings while the window is open).
    void updateRelayButton();
    void attachInteractively();
    void removeSelectedAttachments();

    // Into the store through the routes; shared with a send still running when the window closes.
    std::shared_ptr<RoutedDelivery> m_delivery;
    QByteArray m_hostname;
    qint64 m_maxMessageSize;
    QLineEdit *m_from;
    QLineEdit *m_to;
    QLineEdit *m_cc;
    QLineEdit *m_bcc;
    QLineEdit *m_subject;
    QTabWidget *m_bodies;
    QPlainTextEdit *m_text;
    QPlainTextEdit *m_html;
    AttachmentsModel *m_attachments;
    QTableView *m_attachmentsView;
    QPushButton *m_attach;
    QPushButton *m_remove;
    QLabel *m_status;
    QPushButton *m_send;
    QPushButton *m_sendViaRelay;
    RelayService *m_relay = nullptr;
    QPushButton *m_discard;
    bool m_busy = false;
    bool m_sent = false;
};
