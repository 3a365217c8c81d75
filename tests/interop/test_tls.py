"""Server TLS (CONTRACT "Command line" --smtps/--tls-cert/--tls-key, "SMTP" STARTTLS, "Extensions' JSON" Tls*,
"Stored message" ESMTPS/ESMTPSA): real clients (python3 smtplib, swaks, curl, openssl s_client) over loopback against
the headless binary, the certificate generated in --data and trusted by file, and the STARTTLS injection case
(CVE-2011-0411) with raw bytes."""
import json
import os
import shutil
import smtplib
import socket
import ssl
import stat
import subprocess
import tempfile
import unittest
import urllib.request


def swaks_has_tls():
    """swaks speaks TLS through Perl's Net::SSLeay (Debian libnet-ssleay-perl)."""
    if not shutil.which("swaks"):
        return False
    return subprocess.run(["perl", "-MNet::SSLeay", "-e", "1"], capture_output=True).returncode == 0

from harness import Letterbox, QUEUED, split_trace

MESSAGE = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: over TLS\r\n\r\nbody\r\n"


def api_json(server, path):
    with urllib.request.urlopen(server.api_url + path, timeout=10) as reply:
        return json.load(reply)


def api_raw(server, message_id):
    with urllib.request.urlopen(server.api_url + "/api/v1/message/%s/raw" % message_id, timeout=10) as reply:
        return reply.read()


def make_certificate(server_hostname="localhost"):
    """The generated pair is made at the first TLS connection (an idle catcher loads no TLS library): one STARTTLS
    handshake that trusts nothing makes it; the tests then trust the file as a user would."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def trusting(server):
    context = ssl.create_default_context(cafile=os.path.join(server.data_dir, "tls-cert.pem"))
    context.check_hostname = True
    return context


def recv_line(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def recv_reply(sock):
    """One SMTP reply, all its lines (RFC 5321 §4.2.1)."""
    lines = []
    while True:
        line = recv_line(sock)
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return b"".join(lines)


class StartTlsTest(unittest.TestCase):
    def setUp(self):
        self.server = Letterbox()
        # The first STARTTLS makes the pair in --data.
        with smtplib.SMTP("127.0.0.1", self.server.port, timeout=20) as client:
            client.starttls(context=make_certificate())
            client.ehlo()

    def tearDown(self):
        self.server.cleanup()

    def send(self, client, sender="a@example.test", recipients=("b@example.test",)):
        self.assertEqual(client.mail(sender)[0], 250)
        for rcpt in recipients:
            self.assertEqual(client.rcpt(rcpt)[0], 250)
        code, reply = client.data(MESSAGE)
        self.assertEqual(code, 250, reply)
        return QUEUED.search(reply).group(1).decode()

    def test_generated_certificate_is_kept_private_and_reused(self):
        for name in ("tls-cert.pem", "tls-key.pem"):
            mode = stat.S_IMODE(os.stat(os.path.join(self.server.data_dir, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        with open(os.path.join(self.server.data_dir, "tls-cert.pem"), "rb") as f:
            before = f.read()
        self.server.stop()
        data_dir = self.server.data_dir
        again = Letterbox(data_dir=data_dir, smtps=("127.0.0.1:0",))
        try:
            with smtplib.SMTP_SSL("localhost", again.smtps_port, context=trusting(again), timeout=20) as client:
                client.ehlo()
            with open(os.path.join(data_dir, "tls-cert.pem"), "rb") as f:
                self.assertEqual(f.read(), before)
        finally:
            again.kill()

    def test_smtplib_starttls_verifies_localhost_and_stores_the_tls_facts(self):
        with smtplib.SMTP("localhost", self.server.port, local_hostname="client.test", timeout=20) as client:
            client.ehlo()
            self.assertIn("starttls", client.esmtp_features)
            client.starttls(context=trusting(self.server))
            client.ehlo()
            # CONTRACT "SMTP": STARTTLS is advertised when not yet in TLS.
            self.assertNotIn("starttls", client.esmtp_features)
            self.assertEqual(client.docmd("STARTTLS")[0], 503)
            message_id = self.send(client)
        envelope = api_json(self.server, "/api/v1/message/%s/envelope" % message_id)
        self.assertIs(envelope["Tls"], True)
        # Python's ssl and Qt's OpenSSL both support TLS 1.3, so that is what they agree on.
        self.assertEqual(envelope["TlsProtocol"], "TLSv1.3")
        self.assertRegex(envelope["TlsCipher"], r"^TLS_[A-Z0-9_]+$")
        trace, body = split_trace(api_raw(self.server, message_id))
        self.assertEqual(body, MESSAGE)
        # RFC 3848: ESMTPS, ESMTP with STARTTLS.
        self.assertIn(b" with ESMTPS id " + message_id.encode() + b"; ", trace)

    def test_session_starts_over_after_starttls(self):
        with smtplib.SMTP("localhost", self.server.port, timeout=20) as client:
            client.ehlo()
            self.assertEqual(client.mail("before@example.test")[0], 250)
            client.starttls(context=trusting(self.server))
            # RFC 3207 §4.2: the HELO and the transaction before STARTTLS are forgotten.
            self.assertEqual(client.docmd("MAIL FROM:<a@example.test>")[0], 503)
            client.ehlo()
            self.assertEqual(client.docmd("RCPT TO:<b@example.test>")[0], 503)

    def test_auth_plain_and_login_over_starttls(self):
        for mechanism in ("PLAIN", "LOGIN"):
            with self.subTest(mechanism=mechanism):
                with smtplib.SMTP("localhost", self.server.port, timeout=20) as client:
                    client.starttls(context=trusting(self.server))
                    client.ehlo()
                    client.user, client.password = "user-" + mechanism.lower(), "secret"
                    code, _ = client.auth(mechanism, getattr(client, "auth_" + mechanism.lower()), initial_response_ok=True)
                    self.assertEqual(code, 235)
                    message_id = self.send(client)
                envelope = api_json(self.server, "/api/v1/message/%s/envelope" % message_id)
                self.assertEqual(envelope["Username"], "user-" + mechanism.lower())
                self.assertTrue(envelope["Tls"])
                trace, _ = split_trace(api_raw(self.server, message_id))
                self.assertIn(b" with ESMTPSA id ", trace)

    def test_commands_pipelined_after_starttls_are_never_executed(self):
        """CVE-2011-0411: STARTTLS and a command in one packet; the command must not survive into TLS."""
        for injected in (b"RSET\r\n", b"MAIL FROM:<injected@example.test>\r\n"):
            with self.subTest(injected=injected):
                plain = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
                try:
                    self.assertTrue(recv_reply(plain).startswith(b"220 "))
                    plain.sendall(b"EHLO client.test\r\n")
                    self.assertIn(b"STARTTLS", recv_reply(plain))
                    plain.sendall(b"STARTTLS\r\n" + injected)
                    self.assertTrue(recv_reply(plain).startswith(b"220 "))
                    tls = trusting(self.server).wrap_socket(plain, server_hostname="localhost")
                    # Nothing answers the injected command, in the clear or in TLS: the next reply is EHLO's.
                    tls.sendall(b"EHLO client.test\r\n")
                    self.assertTrue(recv_reply(tls).startswith(b"250-"))
                    tls.sendall(b"RCPT TO:<b@example.test>\r\n")
                    # A MAIL executed before the handshake would have made this 250.
                    self.assertTrue(recv_reply(tls).startswith(b"503 "))
                    tls.sendall(b"QUIT\r\n")
                    self.assertTrue(recv_reply(tls).startswith(b"221 "))
                    tls.close()
                finally:
                    plain.close()

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_openssl_s_client_starttls_smtp(self):
        result = subprocess.run(
            ["openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:%d" % self.server.port,
             "-CAfile", os.path.join(self.server.data_dir, "tls-cert.pem"), "-verify_hostname", "localhost",
             "-verify_return_error", "-quiet", "-name", "client.test"],
            input=b"EHLO client.test\r\nQUIT\r\n", capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"250-", result.stdout)
        self.assertNotIn(b"STARTTLS", result.stdout)
        self.assertIn(b"221 ", result.stdout)

    @unittest.skipUnless(swaks_has_tls(), "swaks or its TLS module (libnet-ssleay-perl) not installed")
    def test_swaks_tls(self):
        result = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(self.server.port), "--tls", "--to", "b@example.test",
             "--from", "a@example.test", "--auth", "LOGIN", "--auth-user", "swaks", "--auth-password", "pw"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("=== TLS started", result.stdout)
        messages = api_json(self.server, "/api/v1/messages")["messages"]
        raw = api_raw(self.server, messages[0]["ID"])
        self.assertIn(b" with ESMTPSA id ", split_trace(raw)[0])

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_curl_ssl_reqd(self):
        with tempfile.NamedTemporaryFile(suffix=".eml") as mail:
            mail.write(MESSAGE)
            mail.flush()
            result = subprocess.run(
                ["curl", "--silent", "--show-error", "--ssl-reqd", "--cacert",
                 os.path.join(self.server.data_dir, "tls-cert.pem"), "--resolve",
                 "localhost:%d:127.0.0.1" % self.server.port, "smtp://localhost:%d" % self.server.port,
                 "--mail-from", "a@example.test", "--mail-rcpt", "b@example.test", "--upload-file", mail.name],
                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        messages = api_json(self.server, "/api/v1/messages")["messages"]
        envelope = api_json(self.server, "/api/v1/message/%s/envelope" % messages[0]["ID"])
        self.assertTrue(envelope["Tls"])
        self.assertTrue(envelope["TlsProtocol"].startswith("TLSv1."))
        self.assertTrue(envelope["TlsCipher"])


class SmtpsTest(unittest.TestCase):
    def setUp(self):
        self.server = Letterbox(smtps=("127.0.0.1:0",))

    def tearDown(self):
        self.server.cleanup()

    def test_listening_lines_in_contract_order(self):
        self.assertEqual(len(self.server.smtps_listening), 1)
        self.assertTrue(self.server.smtps_listening[0].startswith("127.0.0.1:"))

    def test_smtplib_smtp_ssl(self):
        with smtplib.SMTP_SSL("localhost", self.server.smtps_port, context=trusting(self.server), timeout=20) as client:
            client.ehlo()
            # Implicit TLS (RFC 8314 §3.3): already in TLS, so no STARTTLS.
            self.assertNotIn("starttls", client.esmtp_features)
            self.assertEqual(client.docmd("STARTTLS")[0], 503)
            client.login("implicit", "secret")
            client.sendmail("a@example.test", ["b@example.test"], MESSAGE)
        message_id = api_json(self.server, "/api/v1/messages")["messages"][0]["ID"]
        envelope = api_json(self.server, "/api/v1/message/%s/envelope" % message_id)
        self.assertTrue(envelope["Tls"])
        self.assertEqual(envelope["TlsProtocol"], "TLSv1.3")
        self.assertRegex(envelope["TlsCipher"], r"^TLS_[A-Z0-9_]+$")
        self.assertEqual(envelope["Username"], "implicit")
        self.assertIn(b" with ESMTPSA id ", split_trace(api_raw(self.server, message_id))[0])

    @unittest.skipUnless(swaks_has_tls(), "swaks or its TLS module (libnet-ssleay-perl) not installed")
    def test_swaks_tls_on_connect(self):
        result = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(self.server.smtps_port), "--tls-on-connect",
             "--to", "b@example.test", "--from", "a@example.test"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        raw = api_raw(self.server, api_json(self.server, "/api/v1/messages")["messages"][0]["ID"])
        self.assertIn(b" with ESMTPS id ", split_trace(raw)[0])

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_curl_smtps(self):
        with tempfile.NamedTemporaryFile(suffix=".eml") as mail:
            mail.write(MESSAGE)
            mail.flush()
            result = subprocess.run(
                ["curl", "--silent", "--show-error", "--cacert", os.path.join(self.server.data_dir, "tls-cert.pem"),
                 "--resolve", "localhost:%d:127.0.0.1" % self.server.smtps_port,
                 "smtps://localhost:%d" % self.server.smtps_port, "--mail-from", "a@example.test",
                 "--mail-rcpt", "b@example.test", "--upload-file", mail.name],
                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(api_json(self.server, "/api/v1/messages")["messages"]), 1)


class CertificateOptionsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="letterbox-tls-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def pair(self, name):
        cert, key = os.path.join(self.dir, name + ".crt"), os.path.join(self.dir, name + ".key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True, timeout=60)
        return cert, key

    def run_letterbox(self, *args):
        return subprocess.run([os.environ.get("LETTERBOX_BIN", "letterbox"), "--headless", "--data",
                               os.path.join(self.dir, "data"), "--smtp", "127.0.0.1:0", "--api", "off"] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_unreadable_certificate_is_exit_2_naming_the_file(self):
        _, key = self.pair("a")
        missing = os.path.join(self.dir, "missing.crt")
        result = self.run_letterbox("--tls-cert", missing, "--tls-key", key)
        self.assertEqual(result.returncode, 2)
        self.assertIn(missing, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)

    @unittest.skipUnless(os.environ.get("LETTERBOX_GUI") == "1", "built without the desktop app")
    def test_the_desktop_app_exits_2_as_well(self):
        _, key = self.pair("a")
        missing = os.path.join(self.dir, "missing.crt")
        result = subprocess.run([os.environ.get("LETTERBOX_BIN", "letterbox"), "--data", os.path.join(self.dir, "data"),
                                 "--smtp", "127.0.0.1:0", "--api", "off", "--tls-cert", missing, "--tls-key", key],
                                capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        self.assertEqual(result.returncode, 2)
        self.assertIn(missing, result.stderr)

    def test_key_of_another_certificate_is_exit_2_naming_the_key(self):
        cert, _ = self.pair("a")
        _, other_key = self.pair("b")
        result = self.run_letterbox("--tls-cert", cert, "--tls-key", other_key)
        self.assertEqual(result.returncode, 2)
        self.assertIn(other_key, result.stderr)

    def test_given_pair_serves_starttls_and_smtps(self):
        cert, key = self.pair("a")
        server = Letterbox("--tls-cert", cert, "--tls-key", key, smtps=("127.0.0.1:0",))
        try:
            context = ssl.create_default_context(cafile=cert)
            with smtplib.SMTP("localhost", server.port, timeout=20) as client:
                client.starttls(context=context)
                client.ehlo()
                client.sendmail("a@example.test", ["b@example.test"], MESSAGE)
            with smtplib.SMTP_SSL("localhost", server.smtps_port, context=context, timeout=20) as client:
                client.sendmail("a@example.test", ["b@example.test"], MESSAGE)
            self.assertEqual(len(api_json(server, "/api/v1/messages")["messages"]), 2)
            self.assertFalse(os.path.exists(os.path.join(server.data_dir, "tls-cert.pem")))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
