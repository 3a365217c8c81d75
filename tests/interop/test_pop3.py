"""POP3 (CONTRACT "POP3 and IMAP") against the real headless binary over 127.0.0.1, with real clients: Python's poplib
(every command: CAPA, USER/PASS, AUTH PLAIN, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT, STLS, and the
implicit-TLS listener), curl's pop3:// and Debian's mpop fetching into a Maildir — the bytes RETR gives are the API's /raw, UIDL is the API ID, RETR
marks read, DELE deletes at QUIT and only then, a login is a mailbox name (any case), --auth FILE checks passwords."""
import base64
import email
import json
import os
import poplib
import re
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402


def message(subject, body="Hello\r\n.leading dot\r\n", extra=b""):
    return (("From: app@example.test\r\nTo: bob@example.test\r\nSubject: %s\r\n\r\n" % subject).encode()
            + body.encode() + extra)


def api(server, path, method="GET"):
    request = urllib.request.Request(server.api_url + path, method=method)
    with urllib.request.urlopen(request, timeout=20) as r:
        return r.read()


def messages(server, mailbox=None):
    prefix = "/mailbox/%s" % mailbox if mailbox else ""
    return json.loads(api(server, prefix + "/api/v1/messages?limit=1000"))["messages"]


class Pop3Test(unittest.TestCase):
    def start(self, *extra, **listeners):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-pop3-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        server = Letterbox(*extra, data_dir=os.path.join(tmp.name, "data"), **listeners)
        self.addCleanup(server.cleanup)
        return server

    def send(self, server, *subjects, to="bob@example.test", login=None):
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            if login:
                client.login(*login)
            for subject in subjects:
                client.sendmail("app@example.test", [to], message(subject))

    def login(self, server, user="Inbox", password="any"):
        pop = poplib.POP3("127.0.0.1", server.pop3_port, timeout=20)
        self.addCleanup(pop.close)
        pop.user(user)
        pop.pass_(password)
        return pop

    def test_listening_lines_come_after_smtps_and_before_the_api(self):
        server = self.start(pop3=("127.0.0.1:0", "[::1]:0"), pop3s=("127.0.0.1:0",), smtps=("127.0.0.1:0",))
        self.assertEqual(server.listening_lines, ["SMTP", "SMTPS", "POP3", "POP3", "POP3S", "API"])
        self.assertTrue(server.pop3_listening[1].startswith("[::1]:"))

    def test_every_command_with_poplib(self):
        server = self.start(pop3=("127.0.0.1:0",))
        self.send(server, "first", "second", "third")
        stored = list(reversed(messages(server)))  # the API lists newest first; POP3 numbers oldest first
        pop = self.login(server, "inbox")  # a mailbox name, any case
        self.assertEqual(pop.getwelcome()[:3], b"+OK")
        capa = pop.capa()
        for name in ("TOP", "USER", "UIDL", "RESP-CODES", "PIPELINING", "SASL"):
            self.assertIn(name, capa)
        self.assertEqual(capa["SASL"], ["PLAIN"])
        count, size = pop.stat()
        self.assertEqual(count, 3)
        self.assertEqual(size, sum(m["Size"] for m in stored))
        _, listing, _ = pop.list()
        self.assertEqual(listing, [b"%d %d" % (i + 1, m["Size"]) for i, m in enumerate(stored)])
        _, uids, _ = pop.uidl()
        self.assertEqual(uids, [b"%d %s" % (i + 1, m["ID"].encode()) for i, m in enumerate(stored)])
        self.assertEqual(pop.uidl(2).split()[2], stored[1]["ID"].encode())
        # RETR: the stored source exactly (poplib undoes the byte-stuffing), and the message is read now.
        self.assertFalse(stored[0]["Read"])
        _, lines, octets = pop.retr(1)
        raw = api(server, "/api/v1/message/%s/raw" % stored[0]["ID"])
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", raw)
        self.assertIn(b".leading dot", lines)
        self.assertEqual(octets, len(raw))  # poplib counts the octets without the stuffed dots
        self.assertEqual([m["Read"] for m in reversed(messages(server))], [True, False, False])
        # TOP: the header, the blank line and n body lines; no read mark.
        _, top, _ = pop.top(2, 1)
        self.assertEqual(top[-2:], [b"", b"Hello"])
        self.assertIn(b"Subject: second", top)
        self.assertEqual([m["Read"] for m in reversed(messages(server))], [True, False, False])
        self.assertEqual(pop.noop()[:3], b"+OK")
        # DELE marks, RSET unmarks, QUIT deletes what is marked.
        pop.dele(1)
        with self.assertRaises(poplib.error_proto):
            pop.retr(1)
        self.assertEqual(pop.stat()[0], 2)
        pop.rset()
        self.assertEqual(pop.stat()[0], 3)
        pop.dele(2)
        pop.dele(3)
        self.assertEqual(len(messages(server)), 3)  # not before QUIT
        self.assertIn(b"2 messages deleted", pop.quit())
        self.assertEqual([m["ID"] for m in messages(server)], [stored[0]["ID"]])

    def test_a_maildrop_is_as_of_login(self):
        server = self.start(pop3=("127.0.0.1:0",))
        self.send(server, "before")
        pop = self.login(server)
        self.send(server, "after")
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        pop = self.login(server)
        self.assertEqual(pop.stat()[0], 2)

    def test_a_message_deleted_elsewhere_since_login(self):
        server = self.start(pop3=("127.0.0.1:0",))
        self.send(server, "gone")
        pop = self.login(server)
        api(server, "/api/v1/messages", method="DELETE")
        with self.assertRaises(poplib.error_proto) as refused:
            pop.retr(1)
        self.assertIn(b"[SYS/TEMP]", refused.exception.args[0])
        self.assertEqual(pop.noop()[:3], b"+OK")

    def test_logins(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        mailboxes = os.path.join(tmp.name, "mailboxes.json")
        with open(mailboxes, "w") as f:
            json.dump({"version": 1, "mailboxes": [{"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
                                                   {"name": "empty", "routes": []}]}, f)
        auth = os.path.join(tmp.name, "users")
        with open(auth, "w") as f:
            f.write("shop:s3cret\nInbox:inboxpw\nempty:emptypw\n")
        server = self.start("--mailboxes", mailboxes, "--auth", auth, pop3=("127.0.0.1:0",))
        self.send(server, "to the shop", to="orders@shop.test", login=("shop", "s3cret"))
        pop = self.login(server, "SHOP", "s3cret")
        self.assertEqual(pop.stat()[0], 1)
        _, lines, _ = pop.retr(1)
        self.assertIn(b"Subject: to the shop", lines)
        pop.quit()
        # A configured mailbox that has no message yet is a mailbox all the same.
        pop = self.login(server, "Empty", "emptypw")
        self.assertEqual(pop.stat(), (0, 0))
        pop.quit()
        pop = poplib.POP3("127.0.0.1", server.pop3_port, timeout=20)
        self.addCleanup(pop.close)
        pop.user("empty")
        with self.assertRaises(poplib.error_proto) as refused:
            pop.pass_("s3cret")  # another user's password
        self.assertEqual(refused.exception.args[0], b"-ERR [AUTH] authentication failed")
        pop.user("shop")
        with self.assertRaises(poplib.error_proto):
            pop.pass_("wrong")
        # AUTH PLAIN (RFC 5034), as a client sends it with an initial response.
        response = base64.b64encode(b"\0shop\0s3cret").decode()
        self.assertEqual(pop._shortcmd("AUTH PLAIN " + response)[:3], b"+OK")
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        # Without --auth FILE any password is accepted, but the user must be a mailbox.
        open_server = self.start(pop3=("127.0.0.1:0",))
        pop = poplib.POP3("127.0.0.1", open_server.pop3_port, timeout=20)
        self.addCleanup(pop.close)
        pop.user("nobody")
        with self.assertRaises(poplib.error_proto):
            pop.pass_("x")
        pop.user("Inbox")
        self.assertEqual(pop.pass_("anything")[:3], b"+OK")

    def test_stls_and_implicit_tls(self):
        server = self.start(pop3=("127.0.0.1:0",), pop3s=("127.0.0.1:0",))
        self.send(server, "secret")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the catcher's own self-signed certificate
        pop = poplib.POP3("127.0.0.1", server.pop3_port, timeout=20)
        self.addCleanup(pop.close)
        self.assertIn("STLS", pop.capa())
        pop.stls(context)
        self.assertNotIn("STLS", pop.capa())
        pop.user("Inbox")
        pop.pass_("x")
        self.assertIn(b"Subject: secret", pop.retr(1)[1])
        pop.quit()
        pops = poplib.POP3_SSL("127.0.0.1", server.pop3s_port, context=context, timeout=20)
        self.addCleanup(pops.close)
        pops.user("Inbox")
        pops.pass_("x")
        self.assertEqual(pops.stat()[0], 1)
        pops.quit()

    def test_a_large_message_streams_whole(self):
        server = self.start(pop3=("127.0.0.1:0",))
        body = "".join("line %06d .with text to make it long enough to matter\r\n" % i for i in range(120000))
        with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
            client.sendmail("app@example.test", ["bob@example.test"], message("big", body))
        stored = messages(server)[0]
        self.assertGreater(stored["Size"], 6_000_000)
        raw = api(server, "/api/v1/message/%s/raw" % stored["ID"])
        pop = self.login(server)
        _, lines, _ = pop.retr(1)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", raw)

    def test_a_bounce_processor_reads_its_bounces_over_pop3(self):
        # Issue 17's bounce story: a bounce rule's DSN, routed by the sender's address to a mailbox of its own,
        # fetched over POP3 and read with Python's email as a bounce processor would.
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        rules = os.path.join(tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump({"version": 1, "recipient": [{"match": "glob", "pattern": "*@bounce.test", "action": "bounce",
                                                    "code": 550, "enhanced": "5.1.1", "text": "User unknown"}]}, f)
        mailboxes = os.path.join(tmp.name, "mailboxes.json")
        with open(mailboxes, "w") as f:
            json.dump({"version": 1, "mailboxes": [{"name": "bounces",
                                                    "routes": [{"recipient": "bounces@app.test"}]}]}, f)
        server = self.start("--rules", rules, "--mailboxes", mailboxes, pop3=("127.0.0.1:0",))
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.sendmail("bounces@app.test", ["bob@bounce.test"], message("Invoice 7"))
        pop = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pop = self.login(server, "bounces")
            if pop.stat()[0]:
                break
            pop.quit()
            time.sleep(0.2)
        self.assertEqual(pop.stat()[0], 1)
        _, lines, _ = pop.retr(1)
        pop.quit()
        report = email.message_from_bytes(b"\r\n".join(lines) + b"\r\n")
        self.assertEqual(report.get_content_type(), "multipart/report")
        self.assertEqual(report.get_param("report-type"), "delivery-status")
        self.assertEqual(report["To"], "bounces@app.test")
        status = report.get_payload(1)
        self.assertEqual(status.get_content_type(), "message/delivery-status")
        group = status.get_payload()[1]
        self.assertEqual((group["Final-Recipient"], group["Action"], group["Status"]),
                         ("rfc822; bob@bounce.test", "failed", "5.1.1"))
        self.assertEqual(group["Diagnostic-Code"], "smtp; 550 User unknown")
        self.assertIn("Subject: Invoice 7", report.get_payload(2).get_payload())

    def test_the_readme_bounce_processor(self):
        # README "Read with a mail client": its mailboxes file, example 6's rule, and its processor as written (the
        # port substituted), printing what the README says and deleting what it handled.
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8") as f:
            text = f.read()
        section = text[text.index("## Read with a mail client"):text.index("## Security")]
        mailboxes_json = re.search(r"\(`(\{\"version\": 1, \"mailboxes\".*?)`\)", section, re.S).group(1)
        processor = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        expected = re.search(r"# (rfc822; .*)$", processor, re.M).group(1)
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        mailboxes = os.path.join(tmp.name, "mailboxes.json")
        with open(mailboxes, "w") as f:
            f.write(mailboxes_json.replace("\n", " "))
        rules = os.path.join(tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump({"version": 1, "recipient": [{"match": "glob", "pattern": "*@bounce.test", "action": "bounce",
                                                    "code": 550, "enhanced": "5.1.1", "text": "User unknown"}]}, f)
        server = self.start("--rules", rules, "--mailboxes", mailboxes, pop3=("127.0.0.1:0",))
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.sendmail("bounces@app.test", ["bob@bounce.test"], message("Invoice 8"))
        deadline = time.monotonic() + 20
        while not messages(server, "bounces") and time.monotonic() < deadline:
            time.sleep(0.2)
        result = subprocess.run([sys.executable, "-c", processor.replace("1110", str(server.pop3_port))],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, expected + "\n")
        self.assertEqual(messages(server, "bounces"), [])  # handled and deleted at QUIT

    def test_mpop_fetches_into_a_maildir_once(self):
        # Debian's mpop (a POP3 fetcher): every message into a Maildir as stored, UIDL remembered so that a second run
        # fetches nothing, and with --keep=off the fetched messages are deleted from Letterbox.
        server = self.start(pop3=("127.0.0.1:0",))
        self.send(server, "fetch one", "fetch two")
        stored = {m["ID"]: api(server, "/api/v1/message/%s/raw" % m["ID"]) for m in messages(server)}
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        maildir = os.path.join(tmp.name, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub))

        def mpop(keep):
            return subprocess.run(["mpop", "--host=127.0.0.1", "--port=%d" % server.pop3_port, "--tls=off",
                                   "--auth=user", "--user=Inbox", "--passwordeval=echo x",
                                   "--delivery=maildir," + maildir, "--received-header=off", "--keep=" + keep,
                                   "--uidls-file=" + os.path.join(tmp.name, "uidls")],
                                  capture_output=True, text=True, timeout=60)

        first = mpop("on")
        self.assertEqual(first.returncode, 0, first.stderr)
        fetched = []
        for name in os.listdir(os.path.join(maildir, "new")):
            with open(os.path.join(maildir, "new", name), "rb") as f:
                fetched.append(f.read())
        fetched.sort()
        # A Maildir keeps lines ending in LF (mpop writes them so); otherwise the bytes are the stored source's.
        self.assertEqual(fetched, sorted(raw.replace(b"\r\n", b"\n") for raw in stored.values()))
        second = mpop("on")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(len(os.listdir(os.path.join(maildir, "new"))), 2)  # UIDL: nothing fetched twice
        third = mpop("off")
        self.assertEqual(third.returncode, 0, third.stderr)
        self.assertEqual(messages(server), [])  # deleted at QUIT, as the app's Delete would

    def test_curl(self):
        server = self.start(pop3=("127.0.0.1:0",))
        self.send(server, "curl one", "curl two")
        stored = list(reversed(messages(server)))
        url = "pop3://127.0.0.1:%d/" % server.pop3_port
        listing = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "Inbox:x", url], capture_output=True,
                                 check=True, timeout=30).stdout
        self.assertEqual(listing, b"".join(b"%d %d\r\n" % (i + 1, m["Size"]) for i, m in enumerate(stored)))
        retr = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "Inbox:x", url + "2"], capture_output=True,
                              check=True, timeout=30).stdout
        self.assertEqual(retr, api(server, "/api/v1/message/%s/raw" % stored[1]["ID"]))
        refused = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "nobody:x", url], capture_output=True,
                                 timeout=30)
        self.assertEqual(refused.returncode, 67)  # curl: login denied


if __name__ == "__main__":
    unittest.main()
