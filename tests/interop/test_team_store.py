"""A team catcher (CONTRACT "Team store, API access and remote attach"): several headless instances started with the
same PostgreSQL --store are one catcher. Against a real PostgreSQL (pgserver.py: initdb into a temporary directory,
a private port and socket directory, stopped at the end) and real clients (python's smtplib, urllib and a raw
WebSocket on /api/events):
- a message accepted by any instance is listed by every instance's API within 1 s and announced on every instance's
  /api/events; read flags, tags, pins and deletions made through one instance are seen by the others;
- three instances with concurrent senders through each end with the same messages, none twice;
- kill -9 of one instance under load loses nothing it acknowledged, and the others keep serving;
- a PostgreSQL restart makes an instance answer 451 4.3.0 meanwhile and recover by itself;
- instances starting together on an empty database migrate it once; a schema newer than the binary is exit 2
  naming the store (without its password);
- search gives the same answers on every instance, and the same as the SQLite store for the same messages;
- retention (--max-messages) keeps the limit with two instances pruning; POP3 reads the shared inbox;
- rules and mailboxes are kept in the database: the first instance brings its --rules and --mailboxes files, the
  others take what the database holds (and say that a file given to them is not read), a PUT through one instance
  applies to every instance's API and SMTP within 1 s, an invalid file is exit 2 and seeds nothing, and an invalid
  document written behind their back leaves the rules in force alone;
- the README's system unit ("Running a team catcher") passes systemd-analyze verify, and its command line, with this
  machine's paths, starts an instance on the test's database that answers over HTTPS with basic auth."""
import base64
import json
import os
import re
import shlex
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, Letterbox  # noqa: E402
from pgserver import PgServer  # noqa: E402

PG = None
DATABASES = 0


def setUpModule():
    global PG
    PG = PgServer().start()


def tearDownModule():
    if PG is not None:
        PG.stop()


def new_database():
    """A fresh database for one test: its instances share it, no other test's messages are in it."""
    global DATABASES
    DATABASES += 1
    name = "team%d" % DATABASES
    PG.psql("CREATE DATABASE %s" % name)
    return PG.url_of(name)


def instance(url, *extra):
    return Letterbox("--store", url, *extra, env=dict(os.environ, PGPASSWORD=PG.password))


def api(server, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        raw = response.read()
        return json.loads(raw) if raw and response.headers.get_content_type() == "application/json" else raw


def messages(server, limit=1000):
    return api(server, "/api/v1/messages?limit=%d" % limit)


def subjects(server):
    return {m["Subject"] for m in messages(server)["messages"]}


def send(server, subject, body="hello\r\n", sender="a@example.test", recipients=("b@example.test",)):
    message = "Subject: %s\r\nFrom: %s\r\nTo: %s\r\n\r\n%s" % (subject, sender, ", ".join(recipients), body)
    with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
        smtp.sendmail(sender, list(recipients), message.encode())


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not within %.1f s: %s" % (timeout, what))
        time.sleep(0.02)


class Events:
    """A WebSocket on /api/events (RFC 6455): the server's text frames, as parsed JSON, read by a thread."""

    def __init__(self, server):
        host, port = server.api_url.split("//", 1)[1].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /api/events HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (host, port, key)).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError("the WebSocket upgrade was not answered")
            data += chunk
        head, _, self.buffer = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101 "):
            raise AssertionError(head.decode("latin-1"))
        self.frames = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                while True:
                    frame = self._frame()
                    if frame is None:
                        break
                    with self.lock:
                        self.frames.append(frame)
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                self.buffer += chunk
        except OSError:
            return

    def _frame(self):
        b = self.buffer
        if len(b) < 2:
            return None
        opcode = b[0] & 0x0F
        length = b[1] & 0x7F
        offset = 2
        if length == 126:
            if len(b) < 4:
                return None
            length = int.from_bytes(b[2:4], "big")
            offset = 4
        elif length == 127:
            if len(b) < 10:
                return None
            length = int.from_bytes(b[2:10], "big")
            offset = 10
        if len(b) < offset + length:
            return None
        payload = b[offset:offset + length]
        self.buffer = b[offset + length:]
        if opcode != 1:
            return {"Type": "(opcode %d)" % opcode}
        return json.loads(payload)

    def wait(self, predicate, timeout, what):
        def found():
            with self.lock:
                return next((f for f in self.frames if predicate(f)), None)
        return wait_for(found, timeout, what)

    def close(self):
        self.sock.close()


class TeamStoreTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.cleanup()

    def start(self, url, *extra):
        server = instance(url, *extra)
        self.servers.append(server)
        return server

    def test_two_instances_are_one_catcher(self):
        url = new_database()
        a = self.start(url)
        b = self.start(url)
        events_a = Events(a)
        events_b = Events(b)
        try:
            send(a, "through a")
            # Listed by the other instance's API within 1 s of the 250, and announced on both /api/events.
            started = time.monotonic()
            wait_for(lambda: "through a" in subjects(b), 1.0, "b lists a's message")
            self.assertLess(time.monotonic() - started, 1.0)
            for events in (events_a, events_b):
                events.wait(lambda f: f.get("Type") == "new" and f["Data"].get("Subject") == "through a", 1.0,
                            "a 'new' event for the message")
            send(b, "through b")
            wait_for(lambda: "through b" in subjects(a), 1.0, "a lists b's message")
            events_a.wait(lambda f: f.get("Type") == "new" and f["Data"].get("Subject") == "through b", 1.0,
                          "a announces b's message")

            ids = {m["Subject"]: m["ID"] for m in messages(a)["messages"]}
            self.assertEqual(ids, {m["Subject"]: m["ID"] for m in messages(b)["messages"]})
            first = ids["through a"]
            # Read flag through b, seen by a.
            api(b, "/api/v1/messages", "PUT", {"IDs": [first], "Read": True})
            # (GET /api/v1/message/ID would mark it read, as in Mailpit: the list says what the flag is.)
            wait_for(lambda: next(m["Read"] for m in messages(a)["messages"] if m["ID"] == first), 1.0,
                     "a sees the read flag")
            # The counts follow the other instance's commit within the same second (they are kept per instance and
            # refreshed by its notification, so they may come a moment after the list).
            wait_for(lambda: messages(a)["unread"] == 1, 1.0, "a counts one unread message")
            # Tags through a, seen by b.
            api(a, "/api/v1/tags", "PUT", {"IDs": [first], "Tags": ["Team"]})
            wait_for(lambda: api(b, "/api/v1/message/%s" % first).get("Tags") == ["Team"], 1.0, "b sees the tag")
            self.assertEqual(api(b, "/api/v1/tags"), ["Team"])
            # Deletion through b, gone from a (and told on a's /api/events).
            api(b, "/api/v1/messages", "DELETE", {"IDs": [first]})
            wait_for(lambda: "through a" not in subjects(a), 1.0, "a no longer lists the deleted message")
            events_a.wait(lambda f: f.get("Type") == "delete" and f["Data"].get("ID") == first, 1.0,
                          "a announces the deletion")
            wait_for(lambda: messages(a)["total"] == 1, 1.0, "a counts one message")
            # Search means the same on both.
            self.assertEqual(api(a, "/api/v1/search?query=through")["messages_count"], 1)
            self.assertEqual(api(b, "/api/v1/search?query=subject%3A%22through%20b%22")["messages_count"], 1)
        finally:
            events_a.close()
            events_b.close()

    def test_three_instances_with_concurrent_senders(self):
        url = new_database()
        servers = [self.start(url) for _ in range(3)]
        per_thread = 40
        errors = []

        def sender(server, tag):
            try:
                with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as smtp:
                    for n in range(per_thread):
                        smtp.sendmail("a@example.test", ["b@example.test"],
                                      ("Subject: %s-%d\r\n\r\nbody %d\r\n" % (tag, n, n)).encode())
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=sender, args=(s, "s%d-t%d" % (i, t)))
                   for i, s in enumerate(servers) for t in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        expected = {"s%d-t%d-%d" % (i, t, n) for i in range(3) for t in range(2) for n in range(per_thread)}
        for server in servers:
            wait_for(lambda: messages(server)["total"] == len(expected), 5.0, "every instance counts every message")
            listed = messages(server)["messages"]
            self.assertEqual({m["Subject"] for m in listed}, expected)
            self.assertEqual(len({m["ID"] for m in listed}), len(expected))

    def test_kill_9_under_load_loses_nothing_acknowledged(self):
        url = new_database()
        victim = self.start(url)
        survivor = self.start(url)
        acknowledged = []
        failures = []
        stop = threading.Event()

        def sender(tag):
            n = 0
            while not stop.is_set():
                try:
                    with smtplib.SMTP("127.0.0.1", victim.port, timeout=20) as smtp:
                        while not stop.is_set():
                            subject = "%s-%d" % (tag, n)
                            smtp.sendmail("a@example.test", ["b@example.test"],
                                          ("Subject: %s\r\n\r\n%s" % (subject, ("x" * 76 + "\r\n") * 26)).encode())
                            acknowledged.append(subject)
                            n += 1
                except (OSError, smtplib.SMTPException) as e:
                    failures.append(repr(e))
                    return

        threads = [threading.Thread(target=sender, args=("k%d" % t,)) for t in range(4)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acknowledged) >= 60 or failures, 30, "the load is under way")
        self.assertEqual(failures, [])
        victim.kill()
        stop.set()
        for t in threads:
            t.join(30)
        acked = set(acknowledged)
        self.assertGreaterEqual(len(acked), 60)
        wait_for(lambda: acked <= subjects(survivor), 5.0, "the survivor lists every acknowledged message")
        # The survivor keeps serving.
        send(survivor, "after the kill")
        wait_for(lambda: "after the kill" in subjects(survivor), 2.0, "the survivor stores new mail")

    def test_database_restart_answers_451_then_recovers(self):
        url = new_database()
        server = self.start(url)
        send(server, "before")
        PG.pause()
        try:
            with self.assertRaises(smtplib.SMTPDataError) as refused:
                send(server, "during")
            self.assertEqual(refused.exception.smtp_code, 451)
            self.assertTrue(refused.exception.smtp_error.startswith(b"4.3.0"), refused.exception.smtp_error)
        finally:
            PG.resume()

        def delivered():
            try:
                send(server, "after")
                return True
            except smtplib.SMTPDataError as e:
                self.assertEqual(e.smtp_code, 451)
                time.sleep(0.2)
                return False
        wait_for(delivered, 30, "deliveries work again after PostgreSQL came back")
        wait_for(lambda: {"before", "after"} <= subjects(server), 5.0, "the API lists what was stored")
        self.assertNotIn("during", subjects(server))

    def test_instances_starting_together_migrate_once(self):
        url = new_database()
        procs = []
        for _ in range(3):
            data = tempfile.TemporaryDirectory(prefix="letterbox-test-")
            procs.append((data, subprocess.Popen(
                [BINARY, "--headless", "--data", data.name, "--store", url, "--smtp", "127.0.0.1:0", "--api",
                 "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=dict(os.environ, PGPASSWORD=PG.password))))
        try:
            for _, proc in procs:
                self.assertIn("listening on", proc.stdout.readline())
        finally:
            for data, proc in procs:
                proc.terminate()
                proc.communicate(timeout=20)
                data.cleanup()
        database = url.rsplit("/", 1)[1]
        versions = PG.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", database)
        self.assertEqual(versions, ",".join(str(v) for v in range(1, len(versions.split(",")) + 1)))
        self.assertGreaterEqual(len(versions.split(",")), 2)

    def test_newer_schema_is_exit_2_naming_the_store(self):
        url = new_database()
        with self.start(url):
            pass
        database = url.rsplit("/", 1)[1]
        PG.psql("INSERT INTO schema_version (version) VALUES (9999)", database)
        with tempfile.TemporaryDirectory() as data:
            password_url = url.replace("letterbox@", "letterbox:%s@" % PG.password)
            result = subprocess.run([BINARY, "--headless", "--data", data, "--store", password_url, "--smtp",
                                     "127.0.0.1:0", "--api", "127.0.0.1:0"], capture_output=True, text=True,
                                    timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertIn("127.0.0.1:%d/%s" % (PG.port, database), result.stderr)
        self.assertIn("newer", result.stderr)
        self.assertNotIn(PG.password, result.stderr)

    def test_pop3_reads_the_shared_inbox(self):
        # A mail client lists the whole mailbox (every message, oldest first) from whichever instance it asks.
        import poplib
        url = new_database()
        a = self.start(url)
        b = Letterbox("--store", url, pop3=("127.0.0.1:0",), env=dict(os.environ, PGPASSWORD=PG.password))
        self.servers.append(b)
        send(a, "first")
        send(a, "second")
        wait_for(lambda: len(subjects(b)) == 2, 1.0, "b lists both")
        pop = poplib.POP3("127.0.0.1", b.pop3_port, timeout=20)
        try:
            pop.user("Inbox")
            pop.pass_("any")
            self.assertEqual(pop.stat()[0], 2)
            first = b"\r\n".join(pop.retr(1)[1])
            self.assertIn(b"Subject: first", first)
        finally:
            pop.quit()

    def test_bad_store_is_exit_2(self):
        with tempfile.TemporaryDirectory() as data:
            result = subprocess.run([BINARY, "--headless", "--data", data, "--store", "mysql://x", "--smtp",
                                     "127.0.0.1:0", "--api", "127.0.0.1:0"], capture_output=True, text=True,
                                    timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--store", result.stderr)
        # A URL may hold a password: the error does not repeat it.
        with tempfile.TemporaryDirectory() as data:
            result = subprocess.run([BINARY, "--headless", "--data", data, "--store", "mysql://u:hunter2@x/db",
                                     "--smtp", "127.0.0.1:0", "--api", "127.0.0.1:0"], capture_output=True, text=True,
                                    timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertNotIn("hunter2", result.stderr)

    def test_search_answers_as_the_sqlite_store(self):
        url = new_database()
        postgresql = self.start(url)
        sqlite = self.start("sqlite")
        corpus = [
            ("Invoice 1042 for ACME", "alice@example.test", ("bob@example.test",), "Total: 12 EUR\r\n"),
            ("Réunion de l'équipe", "Élodie <elodie@example.test>", ("team@example.test",), "À demain\r\n"),
            ("100% off_sale", "shop@example.test", ("carol@example.test", "dave@example.test"), "c:\\path\r\n"),
            ("Password reset", "noreply@example.test", ("bob@example.test",), "Use code 4711 within 1h\r\n"),
        ]
        for server in (postgresql, sqlite):
            for subject, sender, recipients, body in corpus:
                send(server, subject, body, sender.split("<")[-1].rstrip(">"), recipients)
        queries = ["invoice", "acme", "from:alice", "to:bob", "-to:bob", "équipe", "RÉUNION", "100%", "off_sale",
                   "_", "c:\\path", "subject:\"password reset\"", "4711", "is:unread", "larger:100", "smaller:1",
                   "to:carol to:dave", "!invoice", "addressed:elodie", "zz"]
        for server in (postgresql, sqlite):
            wait_for(lambda: messages(server)["total"] == len(corpus), 5.0, "all stored")
        for query in queries:
            with self.subTest(query=query):
                path = "/api/v1/search?query=" + urllib.parse.quote(query)
                pg_result = sorted(m["Subject"] for m in api(postgresql, path)["messages"])
                sqlite_result = sorted(m["Subject"] for m in api(sqlite, path)["messages"])
                self.assertEqual(pg_result, sqlite_result)

    def test_retention_with_two_instances(self):
        url = new_database()
        a = self.start(url, "--max-messages", "5")
        b = self.start(url, "--max-messages", "5")
        for n in range(12):
            send(a if n % 2 else b, "r%02d" % n)
        for server in (a, b):
            wait_for(lambda: messages(server)["total"] == 5, 5.0, "retention keeps five")
            self.assertEqual(subjects(server), {"r%02d" % n for n in range(7, 12)})



BLOCK_SENDER = {"version": 1, "sender": [{"match": "exact", "pattern": "blocked@example.test", "code": 553,
                                          "enhanced": "5.7.1", "text": "sender blocked"}]}
BLOCK_RECIPIENT = {"version": 1, "recipient": [{"match": "glob", "pattern": "nobody@*", "code": 550,
                                                "enhanced": "5.1.1", "text": "no such user"}]}
SHOP = {"version": 1, "perUser": False, "mailboxes": [{"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]}
BILLING = {"version": 1, "perUser": False,
           "mailboxes": [{"name": "billing", "routes": [{"recipient": "*@billing.test"}]}]}


def sender_reply(server, sender):
    """The reply to MAIL FROM:<sender>, as (code, text)."""
    with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
        smtp.ehlo("client.test")
        return smtp.mail(sender)


def recipient_reply(server, recipient):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("a@example.test")
        return smtp.rcpt(recipient)


def call(server, path, method, body):
    """(status, body bytes) without raising on 4xx."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class StderrLines:
    """A running instance's stderr lines, read by a thread as they come."""

    def __init__(self, server):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(server.proc.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        try:
            for line in stream:
                self.lines.append(line)
        except (ValueError, OSError):
            pass  # closed when the instance stops

    def wait(self, text, timeout):
        return wait_for(lambda: next((line for line in list(self.lines) if text in line), None), timeout,
                        "a line saying %r on stderr" % text)


class SharedSettingsTest(unittest.TestCase):
    """Rules and mailboxes are shared (kept in the database)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, document):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(document if isinstance(document, str) else json.dumps(document))
        return path

    def start(self, url, *extra):
        server = instance(url, *extra)
        self.addCleanup(server.cleanup)
        return server

    def test_rules_are_shared(self):
        url = new_database()
        # The first instance brings its rules file; the second has none and takes the database's.
        a = self.start(url, "--rules", self.write("a-rules.json", BLOCK_SENDER))
        b = self.start(url)
        self.assertEqual(api(b, "/api/v1/rules"), api(a, "/api/v1/rules"))
        self.assertEqual(sender_reply(b, "blocked@example.test"), (553, b"5.7.1 sender blocked"))
        self.assertEqual(recipient_reply(a, "nobody@example.test")[0], 250)

        # A PUT through b applies to a's API and SMTP within 1 s, without a restart.
        status, _ = call(b, "/api/v1/rules", "PUT", BLOCK_RECIPIENT)
        self.assertEqual(status, 200)
        started = time.monotonic()
        wait_for(lambda: api(a, "/api/v1/rules")["recipient"] and not api(a, "/api/v1/rules")["sender"], 1.0,
                 "a has b's rules")
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(api(a, "/api/v1/rules"), api(b, "/api/v1/rules"))
        self.assertEqual(recipient_reply(a, "nobody@example.test"), (550, b"5.1.1 no such user"))
        self.assertEqual(sender_reply(a, "blocked@example.test")[0], 250)
        # The file a started with is not where the shared rules are saved.
        with open(os.path.join(self.tmp.name, "a-rules.json")) as f:
            self.assertEqual(json.load(f), BLOCK_SENDER)

        # An invalid PUT changes nothing anywhere.
        status, body = call(a, "/api/v1/rules", "PUT", b'{"version": 1, "sender": [{"match": "nonsense"}]}')
        self.assertEqual(status, 400, body)
        time.sleep(0.3)
        self.assertEqual(recipient_reply(b, "nobody@example.test")[0], 550)

        # A third instance given a rules file of its own takes the database's, and says its file is not read.
        c = self.start(url, "--rules", self.write("c-rules.json", BLOCK_SENDER))
        self.assertEqual(api(c, "/api/v1/rules"), api(a, "/api/v1/rules"))
        note = StderrLines(c).wait("--rules %s not read" % os.path.join(self.tmp.name, "c-rules.json"), 5.0)
        self.assertIn("#rules", note)
        self.assertNotIn(PG.password, note)
        errors_a = StderrLines(a)

        # A document written behind the instances' backs that is not valid rules leaves the rules in force alone;
        # a valid one written the same way applies.
        database = url.rsplit("/", 1)[1]
        PG.psql("UPDATE documents SET body = '{\"version\": 1, \"sender\": 5}', revision = revision + 1 "
                "WHERE name = 'rules'", database)
        refused = errors_a.wait("changed elsewhere to something not valid", 2.0)
        self.assertIn("#rules:1: sender", refused)
        self.assertEqual(recipient_reply(a, "nobody@example.test")[0], 550)
        self.assertEqual(api(b, "/api/v1/rules")["sender"], [])
        PG.psql("UPDATE documents SET body = '%s', revision = revision + 1 WHERE name = 'rules'"
                % json.dumps(BLOCK_SENDER), database)
        for server in (a, b, c):
            wait_for(lambda: api(server, "/api/v1/rules")["sender"], 1.0, "the rules written in psql apply")
        self.assertEqual(sender_reply(b, "blocked@example.test")[0], 553)

    def test_mailboxes_are_shared(self):
        url = new_database()
        a = self.start(url, "--mailboxes", self.write("mailboxes.json", SHOP))
        b = self.start(url)
        self.assertEqual(api(b, "/api/v1/mailboxes/config"), SHOP)
        send(b, "to the shop", recipients=("orders@shop.test",))
        wait_for(lambda: [m["Subject"] for m in api(a, "/mailbox/shop/api/v1/messages")["messages"]]
                 == ["to the shop"], 1.0, "b routes by a's mailboxes")

        status, _ = call(a, "/api/v1/mailboxes/config", "PUT", BILLING)
        self.assertEqual(status, 200)
        wait_for(lambda: api(b, "/api/v1/mailboxes/config") == BILLING, 1.0, "b has a's new mailboxes")
        send(b, "an invoice", recipients=("x@billing.test",))
        wait_for(lambda: [m["Subject"] for m in api(a, "/mailbox/billing/api/v1/messages")["messages"]]
                 == ["an invoice"], 1.0, "b routes by the new mailboxes")
        self.assertIn("billing", [m["Name"] for m in api(b, "/api/v1/mailboxes")])

    def test_an_invalid_file_is_exit_2_and_seeds_nothing(self):
        url = new_database()
        rules = self.write("rules.json", BLOCK_SENDER)
        bad = self.write("bad-mailboxes.json", '{"version": 1,\n "mailboxes": [{"name": ""}]}')
        with tempfile.TemporaryDirectory() as data:
            result = subprocess.run([BINARY, "--headless", "--data", data, "--store", url, "--rules", rules,
                                     "--mailboxes", bad, "--smtp", "127.0.0.1:0", "--api", "127.0.0.1:0"],
                                    capture_output=True, text=True, timeout=60,
                                    env=dict(os.environ, PGPASSWORD=PG.password))
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("%s:2: mailboxes[0].name" % bad, result.stderr)
        # Nothing was seeded, not even the valid rules file: the next instance starts with no rules.
        server = self.start(url)
        self.assertEqual(api(server, "/api/v1/rules")["sender"], [])
        self.assertEqual(api(server, "/api/v1/mailboxes/config")["mailboxes"], [])


README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def readme_unit():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## Running a team catcher"):]
    section = section[:section.index("\n## ", 1)]
    return re.search(r"```ini\n(.*?)```", section, re.S).group(1)


class ReadmeUnitTest(unittest.TestCase):
    def test_unit_verifies(self):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            self.skipTest("systemd-analyze is not installed (Debian: systemd)")
        with tempfile.TemporaryDirectory() as tmp:
            man = os.path.join(tmp, "man", "man1")
            os.makedirs(man)
            shutil.copy(os.path.join(os.path.dirname(README), "docs", "letterbox.1"), man)
            unit = os.path.join(tmp, "letterbox.service")
            with open(unit, "w", encoding="utf-8") as f:
                f.write(readme_unit().replace("/usr/bin/letterbox", BINARY))
            run = subprocess.run([tool, "verify", unit], capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, MANPATH=os.path.join(tmp, "man")))
            # verify reports a bad setting on stderr and still exits 0: any output fails.
            self.assertEqual((run.returncode, run.stdout + run.stderr), (0, ""))

    def test_command_line_runs(self):
        unit = readme_unit()
        command = re.search(r"^ExecStart=(.*?)(?<!\\)$", unit, re.S | re.M).group(1)
        args = shlex.split(command.replace("\\\n", " "))
        self.assertEqual(args[:2], ["/usr/bin/letterbox", "--headless"])
        with tempfile.TemporaryDirectory() as tmp:
            etc = os.path.join(tmp, "etc")
            os.mkdir(etc)
            subprocess.run(["htpasswd", "-cbB", os.path.join(etc, "api-users"), "qa", "team secret"], check=True,
                           capture_output=True)
            with open(os.path.join(etc, "smtp-users"), "w") as f:
                f.write("app:app-password\n")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                            os.path.join(etc, "api.key"), "-out", os.path.join(etc, "api.crt")], check=True,
                           capture_output=True)
            url = new_database()
            mine = []
            for arg in args:
                if arg == "/usr/bin/letterbox":
                    arg = BINARY
                elif arg == "/var/lib/letterbox":
                    arg = os.path.join(tmp, "data")
                elif arg.startswith("/etc/letterbox/"):
                    arg = os.path.join(etc, arg[len("/etc/letterbox/"):])
                elif arg.startswith("postgresql://"):
                    # The test's server has no TLS: the README's sslmode=verify-full becomes disable.
                    self.assertIn("sslmode=verify-full", arg)
                    arg = url + "?sslmode=disable"
                elif arg.startswith("*:"):
                    arg = "127.0.0.1:0"
                mine.append(arg)
            proc = subprocess.Popen(mine, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=dict(os.environ, PGPASSWORD=PG.password))
            try:
                smtp_line = proc.stdout.readline()
                api_line = proc.stdout.readline()
                self.assertRegex(smtp_line, r"^SMTP listening on 127\.0\.0\.1:\d+$")
                self.assertRegex(api_line, r"^API listening on https://127\.0\.0\.1:\d+$")
                port = int(smtp_line.strip().rsplit(":", 1)[1])
                with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
                    smtp.login("app", "app-password")
                    smtp.sendmail("a@example.test", ["b@example.test"], b"Subject: from the unit\r\n\r\nhi\r\n")
                api_url = api_line.split()[-1]
                curl = ["curl", "-sS", "--cacert", os.path.join(etc, "api.crt"), api_url + "/api/v1/messages"]
                refused = subprocess.run(curl + ["-o", "/dev/null", "-w", "%{http_code}"], capture_output=True,
                                         text=True, timeout=60)
                self.assertEqual(refused.stdout, "401")
                listed = subprocess.run(curl + ["-u", "qa:team secret"], capture_output=True, text=True, timeout=60)
                self.assertEqual([m["Subject"] for m in json.loads(listed.stdout)["messages"]], ["from the unit"])
            finally:
                proc.terminate()
                proc.communicate(timeout=20)


if __name__ == "__main__":
    unittest.main()
