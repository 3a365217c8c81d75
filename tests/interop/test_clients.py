"""Real SMTP clients from Debian packages deliver through the headless binary; the store is checked."""
import email.message
import email.policy
import os
import shutil
import smtplib
import subprocess
import tempfile
import unittest

from harness import Letterbox, QUEUED, split_trace, stored_message, stored_messages


class SmtplibTest(unittest.TestCase):
    def setUp(self):
        self.server = Letterbox()

    def tearDown(self):
        self.server.cleanup()

    def send_raw(self, client, sender, recipients, data, options=()):
        """MAIL/RCPT/DATA by hand so that the 250 reply's message ID can be read."""
        code, _ = client.mail(sender, list(options))
        self.assertEqual(code, 250)
        for rcpt in recipients:
            code, _ = client.rcpt(rcpt)
            self.assertEqual(code, 250)
        code, reply = client.data(data)
        self.assertEqual(code, 250, reply)
        return QUEUED.search(reply).group(1).decode()

    def test_plain_message_is_stored_byte_for_byte(self):
        data = (b"From: Sender <sender@example.test>\r\nTo: rcpt@example.test\r\nSubject: smtplib plain\r\n"
                b"Message-ID: <plain-1@example.test>\r\n\r\nFirst line\r\n.leading dot\r\nlast line\r\n")
        with smtplib.SMTP("127.0.0.1", self.server.port, local_hostname="client.test", timeout=10) as client:
            client.ehlo("client.test")
            self.assertIn("pipelining", client.esmtp_features)
            self.assertEqual(client.esmtp_features["size"], "67108864")
            message_id = self.send_raw(client, "sender@example.test", ["rcpt@example.test", "other@example.test"], data)
        row = stored_message(self.server.data_dir, message_id)
        trace, body = split_trace(row["raw"])
        self.assertEqual(body, data)  # smtplib dot-stuffs; the store holds it unstuffed
        self.assertTrue(trace.startswith(b"Received: from client.test ([127.0.0.1]) by mx.test (Letterbox) with ESMTP id "
                                         + message_id.encode() + b"; "))
        self.assertRegex(trace, rb"; (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r\n$")
        self.assertEqual(row["mail_from"], "sender@example.test")
        self.assertEqual(row["rcpt_to"], '["rcpt@example.test","other@example.test"]')
        self.assertEqual(row["subject"], "smtplib plain")
        self.assertEqual(row["message_id"], "plain-1@example.test")
        self.assertEqual(row["size"], len(row["raw"]))

    def test_smtputf8_message(self):
        msg = email.message.EmailMessage(policy=email.policy.SMTPUTF8)
        msg["From"] = "Jörg <jörg@exämple.test>"
        msg["To"] = "用户@例子.test"
        msg["Subject"] = "Grüße aus Köln"
        msg.set_content("Unicode body: ünïcödé\n")
        with smtplib.SMTP("127.0.0.1", self.server.port, timeout=10) as client:
            refused = client.send_message(msg)
        self.assertEqual(refused, {})
        rows = stored_messages(self.server.data_dir)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["mail_from"], "jörg@exämple.test")
        self.assertEqual(rows[0]["rcpt_to"], '["用户@例子.test"]')
        self.assertEqual(rows[0]["subject"], "Grüße aus Köln")
        self.assertIn("ünïcödé".encode(), rows[0]["raw"])

    def test_auth_any_records_the_user(self):
        with smtplib.SMTP("127.0.0.1", self.server.port, timeout=10) as client:
            client.login("some-user", "any password")
            message_id = self.send_raw(client, "a@example.test", ["b@example.test"], b"Subject: auth\r\n\r\nx\r\n")
        row = stored_message(self.server.data_dir, message_id)
        self.assertEqual(row["auth_user"], "some-user")
        self.assertIn(b" with ESMTPA id ", row["raw"])
        self.assertNotIn("any password", row["transcript"])


def write_users(directory, text):
    """An --auth file in directory; returns its path."""
    path = os.path.join(directory, "users")
    with open(path, "w") as f:
        f.write(text)
    return path


class AuthFileTest(unittest.TestCase):
    def test_only_listed_users_may_send(self):
        with tempfile.TemporaryDirectory() as tmp:
            with Letterbox("--auth", write_users(tmp, "# test users\n\nalice:pass:with:colons\n")) as server:
                for mechanism in ("PLAIN", "LOGIN", "CRAM-MD5"):
                    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                        authobject = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
                        client.ehlo()
                        code, reply = client.mail("a@example.test")
                        self.assertEqual((code, reply), (530, b"5.7.0 Authentication required"))
                        client.rset()
                        with self.assertRaises(smtplib.SMTPAuthenticationError) as failure:
                            client.user, client.password = "alice", "wrong"
                            client.auth(mechanism, authobject)
                        self.assertEqual(failure.exception.smtp_code, 535)
                        client.user, client.password = "alice", "pass:with:colons"
                        code, _ = client.auth(mechanism, authobject)
                        self.assertEqual(code, 235)
                        client.sendmail("a@example.test", ["b@example.test"], b"Subject: " + mechanism.encode() + b"\r\n\r\nx\r\n")
                rows = stored_messages(server.data_dir)
                self.assertEqual([r["subject"] for r in rows], ["PLAIN", "LOGIN", "CRAM-MD5"])
                self.assertEqual({r["auth_user"] for r in rows}, {"alice"})


class SwaksTest(unittest.TestCase):
    def test_pipelined_delivery(self):
        with Letterbox() as server:
            result = subprocess.run(
                ["swaks", "--server", "127.0.0.1", "--port", str(server.port), "--pipeline", "--helo", "swaks.test",
                 "--from", "swaks@example.test", "--to", "one@example.test,two@example.test",
                 "--header", "Subject: swaks pipelined", "--body", "Body from swaks\n.\nstill body"],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("PIPELINING", result.stdout)
            rows = stored_messages(server.data_dir)
            self.assertEqual(len(rows), 1)
            self.assertEqual(rows[0]["subject"], "swaks pipelined")
            self.assertEqual(rows[0]["rcpt_to"], '["one@example.test","two@example.test"]')
            self.assertEqual(rows[0]["helo"], "swaks.test")
            _, body = split_trace(rows[0]["raw"])
            self.assertIn(b"\r\n\r\nBody from swaks\r\n.\r\nstill body\r\n", body)

    def test_cram_md5_with_auth_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            with Letterbox("--auth", write_users(tmp, "bob:b0b\n")) as server:
                ok = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(server.port), "--auth", "CRAM-MD5",
                                     "--auth-user", "bob", "--auth-password", "b0b", "--to", "x@example.test"],
                                    capture_output=True, text=True, timeout=30)
                self.assertEqual(ok.returncode, 0, ok.stdout)
                bad = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(server.port), "--auth", "CRAM-MD5",
                                      "--auth-user", "bob", "--auth-password", "nope", "--to", "x@example.test"],
                                     capture_output=True, text=True, timeout=30)
                self.assertNotEqual(bad.returncode, 0)
                self.assertIn("535 5.7.8", bad.stdout)
                rows = stored_messages(server.data_dir)
                self.assertEqual(len(rows), 1)
                self.assertEqual(rows[0]["auth_user"], "bob")


class CurlTest(unittest.TestCase):
    def test_upload_is_stored_exactly(self):
        data = b"From: curl@example.test\r\nTo: r@example.test\r\nSubject: via curl\r\n\r\nHello from curl.\r\n"
        with Letterbox() as server, tempfile.NamedTemporaryFile(suffix=".eml") as eml:
            eml.write(data)
            eml.flush()
            result = subprocess.run(
                ["curl", "--silent", "--show-error", "--max-time", "30", "smtp://127.0.0.1:%d/curl.test" % server.port,
                 "--mail-from", "curl@example.test", "--mail-rcpt", "r@example.test", "--upload-file", eml.name],
                capture_output=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            rows = stored_messages(server.data_dir)
            self.assertEqual(len(rows), 1)
            _, body = split_trace(rows[0]["raw"])
            self.assertEqual(body, data)
            self.assertEqual(rows[0]["helo"], "curl.test")


@unittest.skipUnless(shutil.which("msmtp"), "msmtp not installed")
class MsmtpTest(unittest.TestCase):
    def test_msmtp_delivers(self):
        with Letterbox() as server:
            data = b"Subject: via msmtp\n\nmsmtp body\n"
            result = subprocess.run(
                ["msmtp", "--host=127.0.0.1", "--port=%d" % server.port, "--auth=off", "--tls=off",
                 "--from=m@example.test", "--domain=msmtp.test", "r@example.test"],
                input=data, capture_output=True, timeout=30)
            self.assertEqual(result.returncode, 0, result.stderr)
            rows = stored_messages(server.data_dir)
            self.assertEqual(len(rows), 1)
            self.assertEqual(rows[0]["subject"], "via msmtp")


if __name__ == "__main__":
    unittest.main(verbosity=2)
