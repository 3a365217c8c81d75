#pragma once

// The servers a remote store is tested against: the real headless letterbox (LETTERBOX_BIN) and the Mailpit-shaped
// double (MAILPIT_DOUBLE), each a child process on loopback, with an SMTP client to send them mail.

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

#include <memory>

class RemoteTestServer
{
public:
    ~RemoteTestServer() { stop(); }

    // letterbox --headless on loopback: SMTP on a free port, the API on apiPort (0: a free one).
    bool startLetterbox(const QString &dataDir, quint16 apiPort = 0, const QStringList &extra = {})
    {
        QStringList arguments { QStringLiteral("--headless"), QStringLiteral("--smtp"), QStringLiteral("127.0.0.1:0"),
            QStringLiteral("--api"), QStringLiteral("127.0.0.1:%1").arg(apiPort), QStringLiteral("--data"), dataDir };
        arguments << extra;
        return start(QStringLiteral(LETTERBOX_BIN), arguments, true);
    }
    // The Mailpit double on port (0: a free one); relay: its message relaying (release) enabled.
    enum class Relay { Off, On };
    bool startMailpitDouble(quint16 port = 0, Relay relay = Relay::Off)
    {
        QStringList arguments { QStringLiteral(MAILPIT_DOUBLE), QStringLiteral("--port"), QString::number(port) };
        if (relay == Relay::On) {
            arguments << QStringLiteral("--relay");
        }
        return start(QStringLiteral("python3"), arguments, false);
    }
    void stop()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->terminate();
            if (!m_process->waitForFinished(10000)) {
                m_process->kill();
                m_process->waitForFinished(5000);
            }
        }
        m_process.reset();
    }
    QString apiUrl() const { return m_apiUrl; }
    quint16 apiPort() const { return quint16(QUrl(m_apiUrl).port()); }
    quint16 smtpPort() const { return m_smtpPort; }

private:
    bool start(const QString &program, const QStringList &arguments, bool letterbox)
    {
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process->start(program, arguments);
        if (!m_process->waitForStarted(10000)) {
            return false;
        }
        static const QRegularExpression api(QStringLiteral("^(?:API )?listening on (https?://\\S+)"));
        static const QRegularExpression smtp(QStringLiteral("^SMTP listening on \\S+:(\\d+)"));
        m_apiUrl.clear();
        m_smtpPort = 0;
        QElapsedTimer timer;
        timer.start();
        while ((m_apiUrl.isEmpty() || (letterbox && m_smtpPort == 0)) && timer.elapsed() < 20000) {
            if (!m_process->canReadLine() && !m_process->waitForReadyRead(500)) {
                if (m_process->state() == QProcess::NotRunning) {
                    return false;
                }
                continue;
            }
            while (m_process->canReadLine()) {
                const QString line = QString::fromUtf8(m_process->readLine()).trimmed();
                if (const QRegularExpressionMatch m = api.match(line); m.hasMatch()) {
                    m_apiUrl = m.captured(1);
                } else if (const QRegularExpressionMatch s = smtp.match(line); s.hasMatch()) {
                    m_smtpPort = quint16(s.captured(1).toUInt());
                }
            }
        }
        return !m_apiUrl.isEmpty();
    }

    std::unique_ptr<QProcess> m_process;
    QString m_apiUrl;
    quint16 m_smtpPort = 0;
};

// One message over SMTP (RFC 5321), waiting for each reply: true when the server said 250 after the data.
inline bool sendMail(quint16 port, const QString &from, const QString &to, const QString &subject,
    const QByteArray &text = QByteArrayLiteral("Hello from the test."))
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(5000)) {
        return false;
    }
    const auto reply = [&socket]() -> int {
        QByteArray line;
        while (true) {
            if (!socket.canReadLine() && !socket.waitForReadyRead(10000)) {
                return 0;
            }
            line = socket.readLine();
            if (line.size() >= 4 && line.at(3) == ' ') {
                return line.left(3).toInt();
            }
        }
    };
    const auto command = [&socket, &reply](const QByteArray &line) {
        socket.write(line + "\r\n");
        return reply();
    };
    if (reply() != 220 || command("EHLO test.example") != 250 || command("MAIL FROM:<" + from.toUtf8() + ">") != 250
        || command("RCPT TO:<" + to.toUtf8() + ">") != 250 || command("DATA") != 354) {
        return false;
    }
    const QByteArray data = "From: " + from.toUtf8() + "\r\nTo: " + to.toUtf8() + "\r\nSubject: " + subject.toUtf8()
        + "\r\nMessage-ID: <" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "." + subject.toUtf8().toHex()
        + "@test.example>\r\n\r\n" + text + "\r\n.\r\n";
    socket.write(data);
    const bool stored = reply() == 250;
    command("QUIT");
    return stored;
}
