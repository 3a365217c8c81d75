#include "demosender.h"

#include <QTcpSocket>

namespace {
bool expect(QTcpSocket &socket, char code, QString *error)
{
    QByteArray reply;
    while (true) {
        if (!socket.canReadLine() && !socket.waitForReadyRead(10000)) {
            *error = QStringLiteral("no reply: %1").arg(socket.errorString());
            return false;
        }
        while (socket.canReadLine()) {
            const QByteArray line = socket.readLine();
            reply += line;
            if (line.size() >= 4 && line.at(3) == ' ') {
                if (line.at(0) != code) {
                    *error = QString::fromUtf8(reply.trimmed());
                    return false;
                }
                return true;
            }
        }
    }
}

bool command(QTcpSocket &socket, const QByteArray &line, char code, QString *error)
{
    socket.write(line + "\r\n");
    return expect(socket, code, error);
}

QByteArray stuffed(const QByteArray &data)
{
    QByteArray out = data.startsWith('.') ? "." + data : data;
    out.replace("\r\n.", "\r\n..");
    if (!out.endsWith("\r\n")) {
        out += "\r\n";
    }
    return out + ".\r\n";
}

QByteArray crlf(QByteArray text)
{
    text.replace("\r\n", "\n");
    text.replace("\n", "\r\n");
    return text;
}
} // namespace

bool DemoSender::send(const QString &host, quint16 port, const QList<Message> &messages, QString *error,
    const QList<QByteArray> &extraCommands)
{
    QTcpSocket socket;
    socket.connectToHost(host, port);
    if (!socket.waitForConnected(10000)) {
        *error = socket.errorString();
        return false;
    }
    if (!expect(socket, '2', error) || !command(socket, "EHLO demo.example.test", '2', error)) {
        return false;
    }
    for (const QByteArray &extra : extraCommands) {
        socket.write(extra + "\r\n");
        QString ignored;
        expect(socket, '2', &ignored);
    }
    for (const Message &m : messages) {
        if (!command(socket, "MAIL FROM:<" + m.from + ">", '2', error)) {
            return false;
        }
        for (const QByteArray &to : m.to) {
            if (!command(socket, "RCPT TO:<" + to + ">", '2', error)) {
                return false;
            }
        }
        if (!command(socket, "DATA", '3', error)) {
            return false;
        }
        socket.write(stuffed(m.data));
        if (!expect(socket, '2', error)) {
            return false;
        }
    }
    command(socket, "QUIT", '2', error);
    socket.disconnectFromHost();
    return true;
}

QList<DemoSender::Message> DemoSender::demoMessages()
{
    QList<Message> list;
    list << Message { "no-reply@shop.example", { "bob@example.com" }, crlf(R"(From: Shop <no-reply@shop.example>
To: Bob Example <bob@example.com>
Subject: Your order #1042 has shipped
Date: Wed, 25 Nov 2026 09:15:00 +0000
Message-ID: <order-1042@shop.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Hi Bob, your order #1042 is on its way. Track it at https://shop.example/track/1042
--alt
Content-Type: text/html; charset=utf-8

<html><body style="font-family:sans-serif;background:#f4f4f7;margin:0;padding:24px">
<table width="100%" style="max-width:560px;margin:auto;background:#fff;border-radius:8px;padding:24px">
<tr><td><h2 style="color:#2f6fde">Your order is on its way</h2>
<p>Hi Bob, order <b>#1042</b> left our warehouse today.</p>
<p><img src="https://cdn.shop.example/banner.png" alt="[remote banner]" width="480"></p>
<p><a href="https://shop.example/track/1042" style="background:#2f6fde;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none">Track your parcel</a></p>
</td></tr></table></body></html>
--alt--
)") };
    list << Message { "ada@example.com", { "bob@example.com", "carol@example.com", "audit@example.com" },
        crlf(R"(From: Ada Lovelace <ada@example.com>
To: Bob Example <bob@example.com>
Cc: Carol <carol@example.com>
Subject: Quarterly report ready
Date: Wed, 25 Nov 2026 10:42:00 +0000
Message-ID: <q3-report@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Hello Bob, the report is attached. Revenue grew 12% this quarter.
--alt
Content-Type: text/html; charset=utf-8

<html><body style="font-family:sans-serif">
<p><img src="cid:logo@example.com" width="48" height="48" style="vertical-align:middle"> <b style="font-size:20px">Analytical Engines Ltd</b></p>
<p>Hello Bob,</p><p>the quarterly report is attached. Revenue grew <b>12%</b> this quarter.</p>
<p>— Ada</p></body></html>
--alt--
--rel
Content-Type: image/svg+xml
Content-ID: <logo@example.com>
Content-Disposition: inline; filename="logo.svg"

<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><circle cx="24" cy="24" r="22" fill="#f5a623"/><path d="M14 30l10-14 10 14z" fill="#fff"/></svg>
--rel--
--mixed
Content-Type: text/csv; name="report.csv"
Content-Disposition: attachment; filename*=utf-8''Q3%20report%20%E2%80%93%20final.csv
Content-Transfer-Encoding: base64

cXVhcnRlcixyZXZlbnVlCjEsMTAwCjIsMTEyCjMsMTI1Cg==
--mixed
Content-Type: application/pdf; name="summary.pdf"
Content-Disposition: attachment; filename="summary.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK
--mixed--
)") };
    list << Message { "security@app.example", { "dave@example.com" }, crlf(R"(From: App Security <security@app.example>
To: dave@example.com
Subject: Reset your password
Date: Wed, 25 Nov 2026 11:03:00 +0000
Message-ID: <reset-77@app.example>
Content-Type: text/plain; charset=utf-8

Hi Dave,

someone asked to reset your password. If it was you, open
https://app.example/reset?token=4f9c2a

The link is valid for 30 minutes.
)") };
    list << Message { "rene@exemple.fr", { "bob@example.com" },
        crlf("From: =?iso-8859-1?Q?Ren=E9_Fran=E7ois?= <rene@exemple.fr>\n"
             "To: bob@example.com\n"
             "Subject: =?iso-8859-1?Q?Caf=E9_demain_=E0_10h=3F?=\n"
             "Date: Wed, 25 Nov 2026 12:30:00 +0100\n"
             "Content-Type: text/plain; charset=iso-8859-1\n"
             "Content-Transfer-Encoding: quoted-printable\n\n"
             "Bonjour Bob, un caf=E9 demain =E0 10h ? =C0 bient=F4t.\n") };
    list << Message { "calendar@example.com", { "bob@example.com" }, crlf(R"(From: Calendar <calendar@example.com>
To: bob@example.com
Subject: Invitation: Launch review @ Thu 26 Nov 15:00
Date: Wed, 25 Nov 2026 14:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="c"

--c
Content-Type: text/plain; charset=utf-8

You are invited to the launch review on Thursday at 15:00.
--c
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
SUMMARY:Launch review
DTSTART:20261126T150000Z
END:VEVENT
END:VCALENDAR
--c--
)") };
    return list;
}
