"""Relay (CONTRACT "Relay, auto-relay and the SMTP client", Settled details "Release" and "Auto-relay (details)"):
the headless binary relays to third-party SMTP servers from Debian on loopback — python3-aiosmtpd (a handler that
records each envelope, with STARTTLS from a certificate made by `openssl req`, and with AUTH) and postfix's
smtp-sink (which refuses chosen commands) — through release (POST /api/v1/message/{ID}/release, as Mailpit's),
--relay-all and --relay-matching, and the relay log (GET /api/v1/message/{ID}/relay)."""
import json
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from harness import Letterbox, QUEUED

SMTP_SINK = "/usr/sbin/smtp-sink"
MESSAGE = (b"From: Sender <sender@example.test>\r\nTo: first@example.test\r\nSubject: relayed\r\n"
           b"Message-ID: <relay-test@example.test>\r\n\r\nline one\r\n.leading dot\r\nline three\r\n")
# RFC 3339 in UTC with milliseconds, as the API words every time.
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that keeps every envelope it accepted, and refuses the recipients it is told to."""

    def __init__(self, refuse=()):
        self.envelopes = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected by the test relay" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                               "data": envelope.original_content, "tls": session.ssl is not None})
        return "250 2.0.0 Ok: relayed by the test relay"


class AiosmtpdRelay:
    def __init__(self, **kwargs):
        self.handler = Recorder(kwargs.pop("refuse", ()))
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        self.address = "127.0.0.1:%d" % self.port

    def wait_for(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.handler.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.handler.envelopes

    def stop(self):
        self.controller.stop()


class SmtpSink:
    """postfix's smtp-sink on loopback; extra arguments such as -f rcpt (refuse RCPT with a 5xx)."""

    def __init__(self, *options):
        self.port = free_port()
        self.address = "127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen([SMTP_SINK, "-u", "nobody", *options, self.address, "10"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("smtp-sink did not listen")

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def catch(server, recipients, sender="sender@example.test", message=MESSAGE):
    """Sends message to Letterbox; its ID."""
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail(sender)
        for rcpt in recipients:
            client.rcpt(rcpt)
        code, text = client.data(message)
    assert code == 250, (code, text)
    return QUEUED.search(text).group(1).decode()


def api(server, method, path, body=None):
    """(status, body bytes) of an API request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def raw(server, message_id):
    return api(server, "GET", "/api/v1/message/%s/raw" % message_id)[1]


def wait_log(server, message_id, count, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        status, body = api(server, "GET", "/api/v1/message/%s/relay" % message_id)
        log = json.loads(body) if status == 200 else []
        if len(log) >= count or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


class ReleaseTest(unittest.TestCase):
    def setUp(self):
        self.relay = AiosmtpdRelay()
        self.addCleanup(self.relay.stop)

    def test_release_sends_the_stored_source_unchanged(self):
        # Without --relay-tls: STARTTLS when offered; this relay offers none, so plain text.
        with Letterbox("--relay", self.relay.address) as server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id,
                               {"To": ["one@example.org", "two@example.org"]})
            self.assertEqual((status, body), (200, b"ok"))
            [envelope] = self.relay.wait_for(1)
            self.assertEqual(envelope["from"], "sender@example.test")
            self.assertEqual(envelope["to"], ["one@example.org", "two@example.org"])
            # The stored source byte for byte (trace header included; the dot-stuffed line unstuffed again).
            self.assertEqual(envelope["data"], raw(server, message_id))
            self.assertFalse(envelope["tls"])

            log = wait_log(server, message_id, 1)
            self.assertEqual(len(log), 1)
            self.assertEqual(set(log[0]), {"Time", "To", "Ok", "Reply"})
            self.assertRegex(log[0]["Time"], TIME)
            self.assertEqual(log[0]["To"], ["one@example.org", "two@example.org"])
            self.assertIs(log[0]["Ok"], True)
            self.assertEqual(log[0]["Reply"], "250 2.0.0 Ok: relayed by the test relay")

    def test_release_with_a_null_sender_keeps_it(self):
        with Letterbox("--relay", self.relay.address) as server:
            message_id = catch(server, ["first@example.test"], sender="")
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]}), (200, b"ok"))
            # aiosmtpd words the null sender as "<>".
            self.assertEqual(self.relay.wait_for(1)[0]["from"], "<>")

    def test_bad_requests(self):
        with Letterbox("--relay", self.relay.address) as server:
            message_id = catch(server, ["first@example.test"])
            path = "/api/v1/message/%s/release" % message_id
            self.assertEqual(api(server, "POST", path, {"To": []})[0], 400)
            self.assertEqual(api(server, "POST", path, {})[0], 400)
            self.assertEqual(api(server, "POST", path, {"To": "one@example.org"})[0], 400)
            self.assertEqual(api(server, "POST", path, {"To": ["not an address"]})[0], 400)
            request = urllib.request.Request(server.api_url + path, data=b"{not json", method="POST")
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=10)
            self.assertEqual(caught.exception.code, 400)
            self.assertEqual(api(server, "POST", "/api/v1/message/NoSuchMessage/release", {"To": ["a@b.test"]})[0],
                             404)
            self.assertEqual(api(server, "GET", "/api/v1/message/NoSuchMessage/relay")[0], 404)
            self.assertEqual(api(server, "GET", path)[0], 405)
            self.assertEqual(self.relay.handler.envelopes, [])
            self.assertEqual(json.loads(api(server, "GET", "/api/v1/message/%s/relay" % message_id)[1]), [])

    def test_relay_refusing_the_recipient(self):
        relay = AiosmtpdRelay(refuse={"refused@example.org"})
        self.addCleanup(relay.stop)
        with Letterbox("--relay", relay.address) as server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id,
                               {"To": ["refused@example.org"]})
            self.assertEqual(status, 400)
            self.assertIn(b"550 5.1.1 <refused@example.org>: Recipient address rejected by the test relay", body)
            log = wait_log(server, message_id, 1)
            self.assertIs(log[0]["Ok"], False)
            self.assertIn("550 5.1.1", log[0]["Reply"])


@unittest.skipUnless(os.access(SMTP_SINK, os.X_OK), "postfix's smtp-sink is not installed")
class SmtpSinkTest(unittest.TestCase):
    def test_release_to_smtp_sink(self):
        sink = SmtpSink()
        self.addCleanup(sink.stop)
        with Letterbox("--relay", sink.address) as server:
            message_id = catch(server, ["first@example.test"])
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]}), (200, b"ok"))
            self.assertTrue(wait_log(server, message_id, 1)[0]["Reply"].startswith("250"))

    def test_refused_commands_are_a_400_with_the_relay_reply(self):
        for command in ("rcpt", "data", "mail"):
            with self.subTest(command=command):
                sink = SmtpSink("-f", command)
                self.addCleanup(sink.stop)
                with Letterbox("--relay", sink.address) as server:
                    message_id = catch(server, ["first@example.test"])
                    status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                       {"To": ["one@example.org"]})
                    self.assertEqual(status, 400)
                    # smtp-sink's hard refusal (-f): "500 5.3.0 Error: command failed".
                    self.assertIn(b"Error: command failed", body)
                    self.assertIs(wait_log(server, message_id, 1)[0]["Ok"], False)


class NoRelayTest(unittest.TestCase):
    def test_release_without_a_relay_is_400(self):
        with Letterbox() as server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id, {"To": ["a@example.org"]})
            self.assertEqual(status, 400)
            self.assertIn(b"no relay", body)

    def test_unreachable_relay_is_400_with_the_error(self):
        port = free_port()  # nothing listens there
        with Letterbox("--relay", "127.0.0.1:%d" % port) as server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id, {"To": ["a@example.org"]})
            self.assertEqual(status, 400)
            self.assertTrue(body.strip())
            log = wait_log(server, message_id, 1)
            self.assertIs(log[0]["Ok"], False)
            self.assertEqual(log[0]["Reply"].encode(), body)


class AutoRelayTest(unittest.TestCase):
    def setUp(self):
        self.relay = AiosmtpdRelay()
        self.addCleanup(self.relay.stop)

    def test_relay_all(self):
        with Letterbox("--relay", self.relay.address, "--relay-all") as server:
            message_id = catch(server, ["first@example.test", "second@example.test", "first@example.test"])
            [envelope] = self.relay.wait_for(1)
            self.assertEqual(envelope["from"], "sender@example.test")
            self.assertEqual(envelope["to"], ["first@example.test", "second@example.test"])
            self.assertEqual(envelope["data"], raw(server, message_id))
            log = wait_log(server, message_id, 1)
            self.assertEqual(log[0]["To"], ["first@example.test", "second@example.test"])
            self.assertIs(log[0]["Ok"], True)
            time.sleep(0.5)
            self.assertEqual(len(self.relay.handler.envelopes), 1)  # once

    def test_relay_matching(self):
        with Letterbox("--relay", self.relay.address, "--relay-matching", r"^keep") as server:
            message_id = catch(server, ["keep@example.test", "drop@example.test", "KEEP.too@example.test"])
            [envelope] = self.relay.wait_for(1)
            self.assertEqual(envelope["to"], ["keep@example.test", "KEEP.too@example.test"])
            catch(server, ["drop@example.test"])
            time.sleep(1)
            self.assertEqual(len(self.relay.handler.envelopes), 1)
            self.assertEqual(wait_log(server, message_id, 1)[0]["To"], ["keep@example.test", "KEEP.too@example.test"])


class TlsAndAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="letterbox-relay-cert-")
        cls.cert = os.path.join(cls.dir.name, "cert.pem")
        cls.key = os.path.join(cls.dir.name, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cls.key, "-out",
                        cls.cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def tls_relay(self):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        relay = AiosmtpdRelay(tls_context=context)
        self.addCleanup(relay.stop)
        return relay

    def test_starttls_insecure(self):
        relay = self.tls_relay()
        with Letterbox("--relay", relay.address, "--relay-tls", "starttls", "--relay-insecure") as server:
            message_id = catch(server, ["first@example.test"])
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]}), (200, b"ok"))
            [envelope] = relay.wait_for(1)
            self.assertTrue(envelope["tls"])
            self.assertEqual(envelope["data"], raw(server, message_id))

    def test_starttls_verifies_the_certificate(self):
        # A self-signed certificate nobody trusts: nothing is sent.
        relay = self.tls_relay()
        with Letterbox("--relay", relay.address, "--relay-tls", "starttls") as server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id, {"To": ["one@example.org"]})
            self.assertEqual(status, 400)
            self.assertTrue(body.strip())
            self.assertEqual(relay.handler.envelopes, [])

    def test_starttls_required_but_not_offered(self):
        relay = AiosmtpdRelay()
        self.addCleanup(relay.stop)
        with Letterbox("--relay", relay.address, "--relay-tls", "starttls") as server:
            message_id = catch(server, ["first@example.test"])
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]})[0], 400)
            self.assertEqual(relay.handler.envelopes, [])

    def test_implicit_tls_insecure(self):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        relay = AiosmtpdRelay(ssl_context=context, server_hostname="localhost")
        self.addCleanup(relay.stop)
        with Letterbox("--relay", relay.address, "--relay-tls", "tls", "--relay-insecure") as server:
            message_id = catch(server, ["first@example.test"])
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]}), (200, b"ok"))
            [envelope] = relay.wait_for(1)
            self.assertEqual(envelope["data"], raw(server, message_id))

    def test_no_auth_over_plain_text_unless_tls_off(self):
        # CONTRACT "Release": AUTH is sent over plain text only with --relay-tls off. This relay offers no STARTTLS.
        logins = []

        def authenticator(server, session, envelope, mechanism, auth_data):
            logins.append(auth_data.login)
            return AuthResult(success=True)

        relay = AiosmtpdRelay(authenticator=authenticator, auth_require_tls=False)
        self.addCleanup(relay.stop)
        os.environ["LETTERBOX_RELAY_PASSWORD"] = "s3cret pass"
        try:
            server = Letterbox("--relay", relay.address, "--relay-user", "relayuser")
        finally:
            del os.environ["LETTERBOX_RELAY_PASSWORD"]
        with server:
            message_id = catch(server, ["first@example.test"])
            status, body = api(server, "POST", "/api/v1/message/%s/release" % message_id, {"To": ["one@example.org"]})
            self.assertEqual(status, 400)
            self.assertTrue(body.strip())
            self.assertEqual(logins, [])
            self.assertEqual(relay.handler.envelopes, [])

    def test_auth_over_plain_text_with_tls_off(self):
        logins = []

        def authenticator(server, session, envelope, mechanism, auth_data):
            logins.append((mechanism, auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == b"s3cret pass")

        relay = AiosmtpdRelay(authenticator=authenticator, auth_require_tls=False)
        self.addCleanup(relay.stop)
        os.environ["LETTERBOX_RELAY_PASSWORD"] = "s3cret pass"
        try:
            server = Letterbox("--relay", relay.address, "--relay-tls", "off", "--relay-user", "relayuser")
        finally:
            del os.environ["LETTERBOX_RELAY_PASSWORD"]
        with server:
            message_id = catch(server, ["first@example.test"])
            self.assertEqual(api(server, "POST", "/api/v1/message/%s/release" % message_id,
                                 {"To": ["one@example.org"]}), (200, b"ok"))
            [envelope] = relay.wait_for(1)
            self.assertEqual([(login, password) for _, login, password in logins], [(b"relayuser", b"s3cret pass")])
            self.assertIn(logins[0][0], ("PLAIN", "LOGIN"))


class CommandLineTest(unittest.TestCase):
    def run_letterbox(self, *args):
        with tempfile.TemporaryDirectory(prefix="letterbox-test-") as data:
            return subprocess.run([os.environ.get("LETTERBOX_BIN", "letterbox"), "--headless", "--data", data,
                                   "--smtp", "127.0.0.1:0", "--api", "127.0.0.1:0", *args],
                                  capture_output=True, text=True, timeout=30)

    def test_usage_errors_are_exit_2_naming_the_option(self):
        cases = [
            (["--relay", "127.0.0.1:2525", "--relay-matching", "(unclosed"], "--relay-matching"),
            (["--relay-all"], "--relay-all"),
            (["--relay-matching", "x"], "--relay-matching"),
            (["--relay", "127.0.0.1"], "--relay"),
            (["--relay", "127.0.0.1:99999"], "--relay"),
            (["--relay", "::1:25"], "--relay"),
            (["--relay", "127.0.0.1:2525", "--relay-tls", "ssl"], "--relay-tls"),
        ]
        for args, option in cases:
            with self.subTest(args=args):
                result = self.run_letterbox(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                lines = result.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(option + ":", lines[0])

    def test_ipv6_relay_in_brackets(self):
        relay_port = free_port()
        with Letterbox("--relay", "[::1]:%d" % relay_port) as server:
            message_id = catch(server, ["first@example.test"])
            # Nothing listens there: the error names no parse problem, only the connection.
            status, _ = api(server, "POST", "/api/v1/message/%s/release" % message_id, {"To": ["a@example.org"]})
            self.assertEqual(status, 400)

    def test_help_lists_the_relay_options(self):
        result = subprocess.run([os.environ.get("LETTERBOX_BIN", "letterbox"), "--help"], capture_output=True,
                                text=True, timeout=30)
        for option in ("--relay <HOST:PORT>", "--relay-tls <MODE>", "--relay-user <USER>", "--relay-insecure",
                       "--relay-all", "--relay-matching <REGEX>"):
            self.assertIn(option, result.stdout)


if __name__ == "__main__":
    unittest.main()
