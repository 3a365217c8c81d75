"""Letterbox's SMTP client (CONTRACT "Relay, auto-relay and the SMTP client", issue 13 "SMTP client (core)") against
third-party servers from Debian on loopback: python3-aiosmtpd (plain, STARTTLS, implicit TLS, AUTH PLAIN and LOGIN,
SMTPUTF8, a recipient refused among accepted ones) and Postfix's smtp-sink (PIPELINING, refusing chosen commands with
-f (5xx) and -r (4xx), 421 with -Q, a dropped connection with -q, no ESMTP with -e). SmtpClient is driven through the
test-only front end tests/core/client/smtpclient-probe, which prints the SmtpSendResult as JSON."""
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

PROBE = os.environ.get("SMTPCLIENT_PROBE", "smtpclient-probe")
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # the test then says which package is missing
    Controller = None

# aiosmtpd logs a failed handshake (the untrusted-certificate case) as a session exception: expected here.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

MESSAGE = (b"From: Ann <a@example.test>\r\nTo: b@example.test\r\nSubject: client test\r\n\r\n"
           b"Hello\r\n.a line starting with a dot\r\n..two dots\r\nlast\r\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def probe(message, *args, timeout=60):
    """Runs the probe on a message file; returns (exit code, result dict)."""
    with tempfile.NamedTemporaryFile(suffix=".eml") as f:
        f.write(message)
        f.flush()
        proc = subprocess.run([PROBE, *args, f.name], capture_output=True, timeout=timeout)
    out = proc.stdout.decode()
    if proc.returncode == 2 or not out.strip():
        raise AssertionError("probe failed: %r %r" % (out, proc.stderr.decode()))
    return proc.returncode, json.loads(out)


def make_certificate(directory):
    """A self-signed certificate for localhost and 127.0.0.1, made with the openssl command."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Recorder:
    """An aiosmtpd handler keeping each transaction; recipients starting with "bogus" are refused."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bogus"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.original_content,
            "tls": session.ssl is not None,
            "mail_options": list(envelope.mail_options)})
        return "250 2.0.0 OK queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"tim" and auth_data.password == b"secret"
    return AuthResult(success=ok, handled=False)


@unittest.skipIf(Controller is None, "python3-aiosmtpd not installed")
class AiosmtpdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-client-")
        cls.cert, cls.key = make_certificate(cls.tmp.name)
        cls.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cls.server_context.load_cert_chain(cls.cert, cls.key)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.controllers = []

    def tearDown(self):
        for controller in self.controllers:
            controller.stop()

    def start(self, **kwargs):
        handler = Recorder()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mx.test", **kwargs)
        controller.start()
        self.controllers.append(controller)
        return handler, port

    def test_plain_delivery_unstuffs_to_the_same_bytes(self):
        handler, port = self.start()
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "off", "--from", "a@example.test",
                             "--to", "b@example.test", "--to", "c@example.test")
        self.assertEqual(code, 0, result)
        self.assertTrue(result["ok"])
        self.assertEqual(result["stage"], "Done")
        self.assertEqual(result["code"], 250)
        self.assertEqual(result["reply"], "250 2.0.0 OK queued")
        self.assertEqual(result["accepted"], ["b@example.test", "c@example.test"])
        self.assertEqual(len(handler.messages), 1)
        message = handler.messages[0]
        self.assertEqual(message["from"], "a@example.test")
        self.assertEqual(message["to"], ["b@example.test", "c@example.test"])
        self.assertEqual(message["data"], MESSAGE)
        # aiosmtpd offers SIZE: RFC 1870 §3, the size in octets with CRLF line ends.
        self.assertIn("SIZE=%d" % len(MESSAGE), message["mail_options"])

    def test_a_refused_recipient_is_listed_and_the_others_get_the_message(self):
        handler, port = self.start()
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "off", "--from", "a@example.test",
                             "--to", "bogus@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(result["accepted"], ["b@example.test"])
        self.assertEqual(result["refused"], [{"address": "bogus@example.test", "code": 550, "enhanced": "5.1.1",
                                              "text": "No such user here"}])
        self.assertEqual(handler.messages[0]["to"], ["b@example.test"])

    def test_recipients_and_sender_from_the_header_and_bcc_removed(self):
        handler, port = self.start()
        message = b"From: Ann <a@example.test>\r\nTo: b@example.test\r\nBcc: hidden@example.test\r\n\r\nx\r\n"
        code, result = probe(message, "--server", "127.0.0.1:%d" % port, "--tls", "off", "--headers")
        self.assertEqual(code, 0, result)
        self.assertEqual(handler.messages[0]["from"], "a@example.test")
        self.assertEqual(handler.messages[0]["to"], ["b@example.test", "hidden@example.test"])
        self.assertEqual(handler.messages[0]["data"], b"From: Ann <a@example.test>\r\nTo: b@example.test\r\n\r\nx\r\n")

    def test_starttls_verifies_the_certificate(self):
        handler, port = self.start(tls_context=self.server_context, require_starttls=True)
        server = "127.0.0.1:%d" % port
        code, result = probe(MESSAGE, "--server", server, "--tls", "starttls", "--ca", self.cert,
                             "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertIn("STARTTLS", result["steps"])
        self.assertTrue(handler.messages[0]["tls"])
        # Not trusted: the handshake fails and nothing is sent.
        code, result = probe(MESSAGE, "--server", server, "--tls", "starttls", "--from", "a@example.test",
                             "--to", "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "StartTls")
        self.assertIn("certificate", result["error"].lower())
        self.assertEqual(len(handler.messages), 1)
        # --relay-insecure's way: not verified, sent.
        code, result = probe(MESSAGE, "--server", server, "--tls", "starttls", "--insecure",
                             "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(len(handler.messages), 2)

    def test_starttls_required_by_the_server_and_used_opportunistically(self):
        handler, port = self.start(tls_context=self.server_context, require_starttls=True)
        code, result = probe(MESSAGE, "--server", "localhost:%d" % port, "--ca", self.cert,
                             "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertTrue(handler.messages[0]["tls"])

    def test_starttls_required_but_not_offered_sends_nothing(self):
        handler, port = self.start()
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "starttls",
                             "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "StartTls")
        self.assertEqual(handler.messages, [])

    def test_implicit_tls(self):
        handler = Recorder()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mx.test",
                                ssl_context=self.server_context)
        controller.start()
        self.controllers.append(controller)
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "implicit", "--ca", self.cert,
                             "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(handler.messages[0]["data"], MESSAGE)

    def test_auth_plain_and_login_over_starttls(self):
        for excluded, used in (([], "AUTH PLAIN"), (["PLAIN"], "AUTH LOGIN")):
            with self.subTest(used=used):
                handler, port = self.start(tls_context=self.server_context, authenticator=authenticator,
                                           auth_require_tls=True, auth_exclude_mechanism=excluded)
                server = "127.0.0.1:%d" % port
                code, result = probe(MESSAGE, "--server", server, "--tls", "starttls", "--ca", self.cert,
                                     "--user", "tim", "--password", "secret",
                                     "--from", "a@example.test", "--to", "b@example.test")
                self.assertEqual(code, 0, result)
                self.assertIn(used, result["steps"])
                self.assertEqual(len(handler.messages), 1)
                code, result = probe(MESSAGE, "--server", server, "--tls", "starttls", "--ca", self.cert,
                                     "--user", "tim", "--password", "wrong",
                                     "--from", "a@example.test", "--to", "b@example.test")
                self.assertEqual(code, 1, result)
                self.assertEqual(result["stage"], "Auth")
                self.assertEqual(result["code"], 535)
                self.assertFalse(result["temporary"])
                self.assertEqual(len(handler.messages), 1)

    def test_smtputf8_address(self):
        handler, port = self.start(enable_SMTPUTF8=True)
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "off",
                             "--from", "a@example.test", "--to", "jörg@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(handler.messages[0]["to"], ["jörg@example.test"])
        self.assertIn("SMTPUTF8", handler.messages[0]["mail_options"])

    def test_servers_are_tried_in_turn(self):
        handler, port = self.start()
        closed = free_port()
        code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % closed, "--server", "127.0.0.1:%d" % port,
                             "--tls", "off", "--from", "a@example.test", "--to", "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(result["server"], "127.0.0.1:%d" % port)
        self.assertEqual(len(handler.messages), 1)


@unittest.skipUnless(os.path.exists(SMTP_SINK), "postfix (smtp-sink) not installed")
class SmtpSinkTest(unittest.TestCase):
    def setUp(self):
        self.procs = []

    def tearDown(self):
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)

    def sink(self, *flags):
        port = free_port()
        # smtp-sink refuses to run as root without a user to switch to.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        proc = subprocess.Popen([SMTP_SINK, "-h", "sink.test", *user, *flags, "127.0.0.1:%d" % port, "10"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        wait_listening(port)
        return "127.0.0.1:%d" % port

    def send(self, server, *recipients):
        return probe(MESSAGE, "--server", server, "--tls", "off", "--from", "a@example.test",
                     *[arg for r in recipients for arg in ("--to", r)])

    def test_pipelined_delivery(self):
        code, result = self.send(self.sink(), "b@example.test", "c@example.test")
        self.assertEqual(code, 0, result)
        self.assertEqual(result["accepted"], ["b@example.test", "c@example.test"])
        self.assertEqual(result["code"], 250)

    def test_every_recipient_refused_hard(self):
        code, result = self.send(self.sink("-f", "rcpt"), "b@example.test", "c@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "RcptTo")
        self.assertEqual(result["accepted"], [])
        self.assertEqual([r["address"] for r in result["refused"]], ["b@example.test", "c@example.test"])
        # smtp-sink's default hard reject (its manual, -B).
        self.assertEqual(result["refused"][0]["code"], 500)
        self.assertEqual(result["refused"][0]["enhanced"], "5.3.0")
        self.assertEqual(result["refused"][0]["text"], "Error: command failed")
        self.assertFalse(result["temporary"])

    def test_every_recipient_refused_for_now(self):
        code, result = self.send(self.sink("-r", "rcpt"), "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "RcptTo")
        self.assertEqual(result["code"], 450)
        self.assertTrue(result["temporary"])

    def test_sender_refused(self):
        code, result = self.send(self.sink("-f", "mail"), "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "MailFrom")
        self.assertEqual(result["reply"], "500 5.3.0 Error: command failed")

    def test_message_refused_after_the_end_of_data(self):
        code, result = self.send(self.sink("-f", "."), "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "Data")
        self.assertEqual(result["code"], 500)
        self.assertEqual(result["accepted"], ["b@example.test"])

    def test_421_at_data_is_temporary(self):
        code, result = self.send(self.sink("-Q", "data"), "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "Data")
        self.assertEqual(result["code"], 421)
        self.assertTrue(result["temporary"])

    def test_a_dropped_connection_is_a_connection_error(self):
        code, result = self.send(self.sink("-q", "rcpt"), "b@example.test")
        self.assertEqual(code, 1, result)
        self.assertEqual(result["code"], 0)
        self.assertTrue(result["error"])
        self.assertTrue(result["temporary"])

    def test_a_server_without_esmtp_gets_helo(self):
        code, result = self.send(self.sink("-e"), "b@example.test")
        self.assertEqual(code, 0, result)
        self.assertIn("HELO", result["steps"])


class SilentServerTest(unittest.TestCase):
    def test_a_server_that_never_answers_times_out(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            started = time.monotonic()
            code, result = probe(MESSAGE, "--server", "127.0.0.1:%d" % port, "--tls", "off", "--timeout", "500",
                                 "--from", "a@example.test", "--to", "b@example.test")
            elapsed = time.monotonic() - started
        self.assertEqual(code, 1, result)
        self.assertEqual(result["stage"], "Greeting")
        self.assertIn("timed out", result["error"])
        self.assertTrue(result["temporary"])
        self.assertLess(elapsed, 10)


if __name__ == "__main__":
    unittest.main()
