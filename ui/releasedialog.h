#pragma once

#include <QDialog>

#include <functional>

class QCompleter;
class QLabel;
class QLineEdit;
class QPushButton;
class QStringListModel;
class RelayService;

// Release… (CONTRACT "Release"): sends a stored message, unchanged, through the relay to the addresses given, as
// Mailpit's release does: this catcher's relay (RelayService), or in a window attached to another catcher that
// catcher's (its POST /api/v1/message/{ID}/release). The To field completes from the ten addresses released to most
// recently (kept in QSettings); the relay's answer, ok or its error, is shown here. The sending is asynchronous: the
// dialog stays responsive and can be closed at any time.
class ReleaseDialog : public QDialog
{
    Q_OBJECT
public:
    // Sends the message to the addresses; done runs on context's thread (not at all once context is gone) with ok
    // and the relay's reply, or its error.
    using Sender = std::function<void(
        const QStringList &to, QObject *context, std::function<void(bool ok, const QString &text)> done)>;

    // Through this catcher's relay (none: "No relay configured." when Release is pressed).
    ReleaseDialog(RelayService *relay, const QString &messageId, const QString &subject, QWidget *parent = nullptr);
    // Through send; relayName says whose relay in the dialog's first line ("the relay of http://team:8025").
    ReleaseDialog(Sender send, const QString &relayName, const QString &subject, QWidget *parent = nullptr);

    // "a@x, b@y" split and trimmed; empty entries dropped.
    static QStringList addressesIn(const QString &text);
    // The ten most recently used addresses, newest first.
    static QStringList recentAddresses();
    static constexpr int RecentCount = 10;

    QLineEdit *toField() const;
    // The result shown (empty while none).
    QString resultText() const;
    bool isReleasing() const;
    void release();

Q_SIGNALS:
    // The relay answered: ok and its reply, or its error.
    void released(bool ok, const QString &text);

private:
    void remember(const QStringList &addresses);
    void showResult(bool ok, const QString &text);
    void completeLastAddress(const QString &text);

    Sender m_send;
    QLineEdit *m_to;
    QCompleter *m_completer;
    QStringListModel *m_recent;
    QPushButton *m_release;
    QLabel *m_result;
    bool m_releasing = false;
};
