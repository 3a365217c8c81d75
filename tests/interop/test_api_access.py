"""The API beyond loopback (CONTRACT "Team store, API access and remote attach"): --api-auth (HTTP basic auth with
bcrypt lines written by apache2-utils' htpasswd -B and by Python's crypt module, never by Letterbox) and
--api-tls-cert/--api-tls-key (HTTPS, and wss for /api/events, with a certificate openssl makes here), driven by real
clients: curl, python's urllib and http.client, a raw WebSocket upgrade over a TLS socket, and npm's mailpit-api
with its basic-auth option ({auth: {username, password}}). /livez and /readyz stay open; a bad option or file is
exit 2 naming it."""
import base64
import hashlib
import http.client
import json
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, Letterbox  # noqa: E402

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # deprecated since 3.11, gone in 3.13: the second source of hashes when there
except ImportError:
    crypt = None

ALICE = ("alice", "wonder land")  # htpasswd -B
BOB = ("bob", "b0b:with:colons")  # Python's crypt, $2b$


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


class ApiAccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-api-access-")
        d = cls.tmp.name
        line = run(["htpasswd", "-nbB", "-C", "5", *ALICE], check=True).stdout.strip()
        lines = ["# the team (htpasswd -B)", line]
        cls.bob = crypt is not None and hasattr(crypt, "METHOD_BLOWFISH")
        if cls.bob:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                hashed = crypt.crypt(BOB[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
            lines.append("%s:%s" % (BOB[0], hashed))
        cls.users = os.path.join(d, "api-users")
        with open(cls.users, "w") as f:
            f.write("\n".join(lines) + "\n")
        cls.cert = os.path.join(d, "api.crt")
        cls.key = os.path.join(d, "api.key")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", cls.key, "-out", cls.cert],
            check=True)
        cls.context = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def https_server(self, *extra):
        return Letterbox("--api-auth", self.users, "--api-tls-cert", self.cert, "--api-tls-key", self.key, *extra)

    def curl(self, url, *extra):
        """curl's status, headers (lower-case names) and body."""
        result = subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", self.cert, "-D", "-", url, *extra],
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        head, _, body = result.stdout.decode("utf-8").partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers = {}
        for header in lines[1:]:
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split(" ")[1]), headers, body

    def test_listening_line_says_https(self):
        with self.https_server() as server:
            self.assertRegex(server.api_url, r"^https://127\.0\.0\.1:\d+$")
        with Letterbox("--api-auth", self.users) as server:
            self.assertRegex(server.api_url, r"^http://127\.0\.0\.1:\d+$")

    def test_curl_with_and_without_credentials(self):
        with self.https_server() as server:
            url = server.api_url + "/api/v1/messages"
            status, headers, body = self.curl(url)
            # Mailpit's answer to a missing or wrong password.
            self.assertEqual(status, 401)
            self.assertEqual(headers.get("www-authenticate"), 'Basic realm="Login"')
            self.assertEqual(body, "Unauthorised.\n")
            status, headers, _ = self.curl(url, "-u", "alice:wonderland")
            self.assertEqual(status, 401)
            status, _, _ = self.curl(url, "-u", "mallory:" + ALICE[1])
            self.assertEqual(status, 401)
            status, headers, body = self.curl(url, "-u", "%s:%s" % ALICE)
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["total"], 0)
            if self.bob:
                status, _, _ = self.curl(url, "-u", "%s:%s" % BOB)
                self.assertEqual(status, 200)
            for probe in ("/livez", "/readyz"):
                status, _, body = self.curl(server.api_url + probe)
                self.assertEqual((status, body), (200, "ok"))
            # Without --cacert curl does not trust the certificate: it is a real TLS server.
            untrusted = run(["curl", "-sS", "--max-time", "20", "-o", "/dev/null", server.api_url + "/livez"])
            self.assertNotEqual(untrusted.returncode, 0)

    def test_curl_over_plain_http_with_auth(self):
        with Letterbox("--api-auth", self.users) as server:
            status, _, _ = self.curl(server.api_url + "/api/v1/info")
            self.assertEqual(status, 401)
            status, _, body = self.curl(server.api_url + "/api/v1/info", "-u", "%s:%s" % ALICE)
            self.assertEqual(status, 200, body)

    def test_urllib_answers_the_challenge(self):
        with self.https_server() as server:
            # urllib sends the password only after a 401 with a Basic challenge for its realm.
            users = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            users.add_password(None, server.api_url, *(BOB if self.bob else ALICE))
            opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(users),
                                                 urllib.request.HTTPSHandler(context=self.context))
            with opener.open(server.api_url + "/api/v1/info", timeout=20) as reply:
                self.assertEqual(reply.status, 200)
                self.assertIn("Version", json.loads(reply.read()))
            plain = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.context))
            with self.assertRaises(urllib.error.HTTPError) as refused:
                plain.open(server.api_url + "/api/v1/info", timeout=20)
            self.assertEqual(refused.exception.code, 401)

    def test_http_client_keeps_its_connection(self):
        with self.https_server() as server:
            port = int(server.api_url.rsplit(":", 1)[1])
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=self.context, timeout=20)
            try:
                for _ in range(10):
                    connection.request("GET", "/api/v1/messages", headers={"Authorization": basic(*ALICE)})
                    reply = connection.getresponse()
                    self.assertEqual(reply.status, 200)
                    reply.read()
                    self.assertFalse(reply.will_close)
            finally:
                connection.close()

    def test_host_guard_holds_over_https(self):
        with self.https_server("--api-host", "catcher.team.test") as server:
            port = server.api_url.rsplit(":", 1)[1]
            url = server.api_url + "/api/v1/info"
            status, _, body = self.curl(url, "-u", "%s:%s" % ALICE, "-H", "Host: evil.test")
            self.assertEqual(status, 403, body)
            # The name a reverse proxy or a team's DNS uses, given with --api-host.
            status, _, body = self.curl("https://catcher.team.test:%s/api/v1/info" % port, "-u", "%s:%s" % ALICE,
                                        "--resolve", "catcher.team.test:%s:127.0.0.1" % port, "-k")
            self.assertEqual(status, 200, body)

    def upgrade(self, port, authorization=None):
        """A WebSocket upgrade to /api/events over TLS (RFC 6455 §4.1); returns the socket and the response head."""
        key = base64.b64encode(os.urandom(16)).decode()
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        tls = self.context.wrap_socket(raw, server_hostname="127.0.0.1")
        request = ("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (port, key))
        if authorization:
            request += "Authorization: %s\r\n" % authorization
        tls.sendall((request + "\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        return tls, key, head.decode("latin-1"), rest

    def test_websocket_over_tls_asks_for_credentials(self):
        with self.https_server() as server:
            port = int(server.api_url.rsplit(":", 1)[1])
            for authorization in (None, basic("alice", "wonderland")):
                tls, _, head, _ = self.upgrade(port, authorization)
                tls.close()
                self.assertTrue(head.startswith("HTTP/1.1 401 "), head)
                self.assertIn('WWW-Authenticate: Basic realm="Login"', head)
            tls, key, head, rest = self.upgrade(port, basic(*ALICE))
            try:
                self.assertTrue(head.startswith("HTTP/1.1 101 "), head)
                # RFC 6455 §1.3: the key and the protocol's GUID, SHA-1, base64.
                accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                                          .digest()).decode()
                self.assertIn(accept, head)
                with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
                    smtp.sendmail("a@example.test", ["b@example.test"], b"Subject: over wss\r\n\r\nhello\r\n")
                # The first frames: unmasked text frames from the server (RFC 6455 §5.2), "new" among them.
                data = rest
                while b'"Type":"new"' not in data:
                    chunk = tls.recv(65536)
                    self.assertTrue(chunk, "the server closed the WebSocket")
                    data += chunk
                self.assertIn(b"over wss", data)
            finally:
                tls.close()

    def test_mailpit_api_client_with_basic_auth(self):
        from test_mailpit_api import PREFIX, install_client
        install_client()
        script = ("const {createRequire} = require('node:module');"
                  "const {MailpitClient} = createRequire(process.argv[1] + '/package.json')('mailpit-api');"
                  "(async () => {"
                  " const good = new MailpitClient(process.argv[2],"
                  "                                {auth: {username: 'alice', password: 'wonder land'}});"
                  " const info = await good.getInfo();"
                  " if (typeof info.Messages !== 'number') throw new Error('no info');"
                  " const bad = new MailpitClient(process.argv[2], {auth: {username: 'alice', password: 'nope'}});"
                  " let refused = false;"
                  " try { await bad.getInfo(); } catch (e) { refused = true; }"
                  " if (!refused) throw new Error('a wrong password was let in');"
                  " console.log('ok');"
                  "})().catch((e) => { console.error(e.message); process.exit(1); });")
        with self.https_server() as server:
            result = run(["node", "-e", script, PREFIX, server.api_url],
                         env=dict(os.environ, NODE_EXTRA_CA_CERTS=self.cert))
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertEqual(result.stdout.strip(), "ok")

    def exits_2(self, *args):
        with tempfile.TemporaryDirectory() as data:
            result = run([BINARY, "--headless", "--data", data, "--smtp", "127.0.0.1:0", "--api", "127.0.0.1:0",
                          *args])
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")
        return result.stderr.strip()

    def test_bad_options_and_files_are_exit_2(self):
        d = self.tmp.name
        self.assertEqual(self.exits_2("--api-tls-cert", self.cert),
                         "letterbox: --api-tls-cert: needs --api-tls-key as well")
        self.assertEqual(self.exits_2("--api-tls-key", self.key),
                         "letterbox: --api-tls-key: needs --api-tls-cert as well")
        missing = os.path.join(d, "missing-users")
        self.assertTrue(self.exits_2("--api-auth", missing).startswith("letterbox: --api-auth: %s: " % missing))
        malformed = os.path.join(d, "malformed-users")
        with open(malformed, "w") as f:
            f.write("# ok so far\nbob:plaintext\n")
        self.assertEqual(self.exits_2("--api-auth", malformed),
                         "letterbox: --api-auth: %s:2: the password of 'bob' is not a bcrypt hash (make the line with "
                         "htpasswd -B)" % malformed)
        garbage = os.path.join(d, "garbage.crt")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        message = self.exits_2("--api-tls-cert", garbage, "--api-tls-key", self.key)
        self.assertTrue(message.startswith("letterbox: --api-tls-cert/--api-tls-key: %s" % garbage), message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
