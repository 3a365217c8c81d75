"""What a web page in the user's browser, or a careless HTTP client, can make the API do (README "Security"): the
real headless binary on loopback, driven by real HTTP clients (python's http.client, curl) and mail sent with
smtplib. A page must not reach the API through DNS rebinding or a cross-origin request; message content is never
served so that it could run with the API's authority; response headers are never built from message text; bodies
are refused before they are read past a limit; invalid chaos values and queries that parse to nothing are 400."""
import http.client
import json
import os
import re
import smtplib
import socket
import stat
import subprocess
import time
import unittest
import urllib.parse

from harness import Letterbox

SCRIPTED = (b"From: mallory@example.test\r\nTo: victim@example.test\r\nSubject: scripted\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            b"<p>hi</p><script>fetch('/api/v1/messages')</script>\r\n"
            b"--b\r\nContent-Type: text/html; name=page.html\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n"
            b"<script>alert(1)</script>\r\n"
            b"--b\r\nContent-Type: image/svg+xml; name=x.svg\r\n\r\n<svg xmlns='http://www.w3.org/2000/svg'>"
            b"<script>alert(1)</script></svg>\r\n"
            b"--b\r\nContent-Type: image/png; name=dot.png\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=dot.png\r\n\r\n"
            b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\r\n"
            b"--b\r\nContent-Type: text/plain; charset*=us-ascii''x%0D%0Arefresh:%200; name*=utf-8''a%0D%0AX-Evil:%201\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''evil%0D%0ASet-Cookie:%20a=b.txt\r\n\r\n"
            b"injected?\r\n"
            b"--b--\r\n")


def raw_request(port, request, read_limit=1 << 20, timeout=10):
    """Sends request bytes as they are and returns (status, header lines, body) of the first response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < read_limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1]) if lines and lines[0].startswith(b"HTTP/1.") else 0
        return status, lines[1:], body


def header(lines, name):
    values = [l.split(b":", 1)[1].strip() for l in lines if l.split(b":", 1)[0].strip().lower() == name.lower().encode()]
    return values[0].decode() if values else None


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class ApiSecurityTest(unittest.TestCase):
    def setUp(self):
        self.server = Letterbox("--api-host", "letterbox.test")
        self.addCleanup(self.server.cleanup)
        self.api_port = int(self.server.api_url.rsplit(":", 1)[1])

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def send(self, message=SCRIPTED):
        with smtplib.SMTP("127.0.0.1", self.server.port, timeout=20) as client:
            client.sendmail("mallory@example.test", ["victim@example.test"], message)
        status, _, body = self.request("GET", "/api/v1/messages")
        self.assertEqual(status, 200)
        return json.loads(body)["messages"][0]["ID"]

    def test_dns_rebinding_host_is_refused(self):
        status, headers, body = self.request("GET", "/api/v1/messages", headers={"Host": "evil.example"})
        self.assertEqual(status, 403)
        self.assertIn(b"evil.example", body)
        self.assertIn(b"--api-host", body)
        for host in ("evil.example:%d" % self.api_port, "127.0.0.1.nip.io", "localhost.evil.example", "[::2]",
                     "10.0.0.1:%d" % self.api_port):
            self.assertEqual(self.request("GET", "/api/v1/info", headers={"Host": host})[0], 403, host)
        # What a user or tool sends: the listening address, localhost (any case, any port), the configured name.
        for host in ("127.0.0.1:%d" % self.api_port, "localhost:%d" % self.api_port, "LOCALHOST", "localhost.",
                     "letterbox.test", "Letterbox.Test:%d" % self.api_port, "[::1]:%d" % self.api_port):
            self.assertEqual(self.request("GET", "/api/v1/info", headers={"Host": host})[0], 200, host)
        # curl, a real client, with its own Host.
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example",
                              self.server.api_url + "/livez"], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout, "403")
        # An HTTP/1.0 client without Host is no browser.
        status, _, _ = raw_request(self.api_port, b"GET /livez HTTP/1.0\r\n\r\n")
        self.assertEqual(status, 200)

    def test_websocket_from_a_rebinding_host_is_refused(self):
        handshake = (b"GET /api/events HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.assertEqual(raw_request(self.api_port, handshake)[0], 403)
        status, _, _ = raw_request(self.api_port, handshake.replace(b"evil.example", b"127.0.0.1"))
        self.assertEqual(status, 101)

    def test_cross_origin_requests_are_refused(self):
        message_id = self.send()
        rules = json.dumps({"version": 1, "recipient": [{"match": "glob", "pattern": "*"}]})
        # What a foreign page can make the browser send without a preflight: a form post, fetch(no-cors).
        for origin in ("http://evil.example", "null", "http://127.0.0.1.evil.example:8025"):
            status, _, _ = self.request("PUT", "/api/v1/rules", rules, {"Origin": origin})
            self.assertEqual(status, 403, origin)
            status, _, _ = self.request("DELETE", "/api/v1/messages", "{}", {"Origin": origin,
                                                                            "Content-Type": "text/plain"})
            self.assertEqual(status, 403, origin)
        self.assertEqual(json.loads(self.request("GET", "/api/v1/rules")[2])["recipient"], [])
        self.assertEqual(self.request("GET", "/api/v1/message/" + message_id + "/raw")[0], 200)
        # An <img> or <script> on another site pointing here: Fetch Metadata names it.
        status, _, _ = self.request("GET", "/api/v1/message/latest",
                                    headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
        self.assertEqual(status, 403)
        summary = json.loads(self.request("GET", "/api/v1/messages")[2])["messages"][0]
        self.assertFalse(summary["Read"], "a refused cross-site request must not mark the message read")
        # Following a link from elsewhere still opens the page; this machine's own pages may call the API.
        status, _, _ = self.request("GET", "/view/%s.txt" % message_id,
                                    headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
        self.assertEqual(status, 200)
        status, _, _ = self.request("GET", "/api/v1/messages", headers={"Origin": "http://localhost:3000"})
        self.assertEqual(status, 200)

    def test_message_content_cannot_run_on_the_api_origin(self):
        message_id = self.send()
        status, headers, body = self.request("GET", "/view/%s.html" % message_id)
        self.assertEqual(status, 200)
        self.assertIn(b"<script>", body)  # served as sent, but inert:
        csp = headers["Content-Security-Policy"]
        self.assertIn("sandbox", [d.strip().split(" ")[0] for d in csp.split(";")])
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script-src", csp)
        self.assertNotIn("allow-scripts", csp)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertNotIn("*", csp, "no remote loads unless asked for")
        self.assertIn("img-src *", self.request("GET", "/view/%s.html?remote=1" % message_id)[1]
                      ["Content-Security-Policy"])
        message = json.loads(self.request("GET", "/api/v1/message/" + message_id)[2])
        parts = {a["FileName"]: a["PartID"] for a in message["Attachments"]}
        # An HTML or SVG attachment is a download, never a page of the API's origin.
        for name in ("page.html", "x.svg"):
            status, headers, _ = self.request("GET", "/api/v1/message/%s/part/%s" % (message_id, parts[name]))
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Disposition"].startswith("attachment;"), headers)
            self.assertIn("sandbox", headers["Content-Security-Policy"])
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        status, headers, body = self.request("GET", "/api/v1/message/%s/part/%s" % (message_id, parts["dot.png"]))
        self.assertEqual(headers["Content-Type"], "image/png")
        self.assertNotIn("Content-Disposition", headers)
        self.assertTrue(body.startswith(b"\x89PNG"))
        for path in ("/api/v1/message/%s/raw" % message_id, "/api/v1/messages", "/view/%s.txt" % message_id):
            headers = self.request("GET", path)[1]
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff", path)
            self.assertIn("sandbox", headers["Content-Security-Policy"], path)

    def test_response_headers_are_never_built_from_message_text(self):
        message_id = self.send()
        message = json.loads(self.request("GET", "/api/v1/message/" + message_id)[2])
        part = [a for a in message["Attachments"] if a["FileName"].startswith("evil")][0]["PartID"]
        status, lines, body = raw_request(
            self.api_port, b"GET /api/v1/message/%s/part/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            % (message_id.encode(), part.encode()))
        self.assertEqual(status, 200)
        names = [l.split(b":", 1)[0].lower() for l in lines]
        self.assertNotIn(b"refresh", names)
        self.assertNotIn(b"set-cookie", names)
        self.assertNotIn(b"x-evil", names)
        self.assertEqual(len(names), len(set(names)), lines)
        for line in lines:
            self.assertNotIn(b"\r", line)
            self.assertNotIn(b"\n", line)
        self.assertEqual(header(lines, "Content-Type"), "text/plain")
        self.assertTrue(header(lines, "Content-Disposition").startswith('attachment; filename="evil'))
        self.assertEqual(body, b"injected?")

    def test_bodies_are_refused_before_they_are_read(self):
        pid = self.server.proc.pid
        before = rss_kb(pid)
        # A declared ten-gigabyte body: refused at the head.
        status, lines, body = raw_request(self.api_port, b"POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          b"Content-Length: 10737418240\r\n\r\n")
        self.assertEqual(status, 413)
        self.assertIn(b"too large", body)
        # One gigabyte streamed at a path that answers 405: the server answers 413 and stops reading long before.
        with socket.create_connection(("127.0.0.1", self.api_port), timeout=20) as s:
            s.sendall(b"PUT /api/v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1073741824\r\n\r\n")
            sent = 0
            block = b"x" * (1 << 20)
            try:
                while sent < (1 << 30):
                    s.sendall(block)
                    sent += len(block)
            except OSError:
                pass
            response = s.recv(4096)
        self.assertTrue(response.startswith(b"HTTP/1.1 413"), response[:100])
        self.assertLess(sent, 200 << 20, "the server kept reading")
        # A chunked body (no length up front) is cut off at the limit as well.
        with socket.create_connection(("127.0.0.1", self.api_port), timeout=20) as s:
            s.sendall(b"PUT /api/v1/rules HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
            try:
                for _ in range(200):
                    s.sendall(chunk)
            except OSError:
                pass
            self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 413"))
        self.assertLess(rss_kb(pid) - before, 64 * 1024, "memory grew with refused bodies")
        # The API still answers, and a body under the limit is read.
        self.assertEqual(self.request("GET", "/api/v1/info")[0], 200)
        status, _, _ = self.request("PUT", "/api/v1/messages", json.dumps({"IDs": ["x" * 22] * 10000}))
        self.assertEqual(status, 200)

    def test_invalid_chaos_values_are_400(self):
        good = {"Sender": {"ErrorCode": 451, "Probability": 5}}
        self.assertEqual(self.request("PUT", "/api/v1/chaos", json.dumps(good))[0], 200)
        for trigger in ({"Probability": 1e99}, {"Probability": 50.5}, {"Probability": "100"}, {"Probability": -1},
                        {"Probability": 101}, {"Probability": True}, {"ErrorCode": "451"}, {"ErrorCode": 700},
                        {"ErrorCode": 250}, {"ErrorCode": 451.5}):
            status, _, body = self.request("PUT", "/api/v1/chaos", json.dumps({"Recipient": trigger}))
            self.assertEqual(status, 400, (trigger, body))
            self.assertIn(b"Recipient.", body)
        self.assertEqual(self.request("PUT", "/api/v1/chaos", json.dumps({"Sender": 5}))[0], 400)
        chaos = json.loads(self.request("GET", "/api/v1/chaos")[2])
        self.assertEqual(chaos["Sender"], {"ErrorCode": 451, "Probability": 5}, "a refused PUT changed nothing")

    def test_queries_that_parse_to_nothing_are_400(self):
        self.send()
        self.send(b"From: a@example.test\r\nTo: b@example.test\r\nSubject: second\r\n\r\nHi\r\n")
        for query in ('"', '""', '-', '!', '" "', "- !"):
            for method, path in (("DELETE", "/api/v1/search"), ("GET", "/api/v1/search"),
                                 ("GET", "/api/v1/message/latest"), ("GET", "/view/latest.txt")):
                status, _, body = self.request(method, path + "?query=" + urllib.parse.quote(query))
                self.assertEqual(status, 400, (method, path, query, body))
            status, _, _ = self.request("PUT", "/api/v1/messages", json.dumps({"Search": query, "Read": True}))
            self.assertEqual(status, 400, query)
        self.assertEqual(self.request("PUT", "/api/v1/messages", json.dumps({"Search": 5, "Read": True}))[0], 400)
        messages = json.loads(self.request("GET", "/api/v1/messages")[2])
        self.assertEqual(messages["total"], 2, "a refused query deleted messages")
        self.assertEqual(messages["unread"], 2, "a refused query marked messages read")

    def test_rules_file_is_private(self):
        status, _, _ = self.request("PUT", "/api/v1/rules", json.dumps({"version": 1}))
        self.assertEqual(status, 200)
        mode = stat.S_IMODE(os.stat(os.path.join(self.server.data_dir, "rules.json")).st_mode)
        self.assertEqual(mode, 0o600)


if __name__ == "__main__":
    unittest.main()
