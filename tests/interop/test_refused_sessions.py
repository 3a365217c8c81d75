"""Refused sessions are kept (issue 16; docs/architecture.md "Refused sessions"), seen over real sockets against the
real headless binary: python3 smtplib has a recipient refused by a rule and a message refused by a data rule at the
end of DATA; GET /api/v1/sessions lists both sessions (and not a session nothing refused), newest first, pages with
start/limit like the message list, filters with ?refused=, shows each transcript in /api/v1/message/{ID}/session's
shape with the refused RCPT and its reply, serves the refused data at /api/v1/session/{ID}/raw, keeps them across
a restart and through "delete all" of the messages, and clears them with DELETE /api/v1/sessions."""
import json
import os
import re
import smtplib
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

RULES = {"version": 1,
         "recipient": [{"match": "regex", "pattern": "^bogus", "action": "reject", "code": 550, "enhanced": "5.1.1",
                        "text": "mailbox unavailable"}],
         "data": [{"match": "glob", "header": "Subject", "pattern": "*refuse me*", "action": "reject", "code": 554,
                   "enhanced": "5.7.1", "text": "Message refused"}]}
REFUSED_DATA = (b"From: app@example.test\r\nTo: bob@example.test\r\nSubject: please refuse me\r\n\r\n"
                b"The body of a refused message.\r\n")
ACCEPTED = b"From: app@example.test\r\nTo: bob@example.test\r\nSubject: fine\r\n\r\nHello\r\n"
# RFC 3339 in UTC with milliseconds, as every time of the API.
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def call(server, method, path, headers=None):
    """(status, body bytes); errors are answers too."""
    request = urllib.request.Request(server.api_url + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(server, path):
    status, body = call(server, "GET", path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def wait_sessions(server, total, timeout=15):
    """The session list once it holds total sessions (they are written after the session ends)."""
    deadline = time.monotonic() + timeout
    while True:
        listed = get_json(server, "/api/v1/sessions")
        if listed["total"] >= total or time.monotonic() > deadline:
            return listed
        time.sleep(0.05)


class RefusedSessionsTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-refused-")
        self.addCleanup(tmp.cleanup)
        self.data_dir = os.path.join(tmp.name, "data")
        self.rules = os.path.join(tmp.name, "rules.json")
        with open(self.rules, "w") as f:
            json.dump(RULES, f)

    def start(self):
        server = Letterbox("--rules", self.rules, data_dir=self.data_dir)
        self.addCleanup(server.cleanup)
        return server

    def send_sessions(self, server):
        # 1: one recipient refused at RCPT, the other accepted and the message stored.
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo("first.test")
            refused = client.sendmail("app@example.test", ["bogus@example.test", "bob@example.test"], ACCEPTED)
            self.assertEqual(refused, {"bogus@example.test": (550, b"5.1.1 mailbox unavailable")})
        wait_sessions(server, 1)
        # 2: a clean session, nothing refused: not kept as a session.
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo("clean.test")
            self.assertEqual(client.sendmail("app@example.test", ["bob@example.test"], ACCEPTED), {})
        # 3: the message refused by a data rule at the end of DATA.
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo("third.test")
            with self.assertRaises(smtplib.SMTPDataError) as error:
                client.sendmail("app@example.test", ["bob@example.test"], REFUSED_DATA)
            self.assertEqual((error.exception.smtp_code, error.exception.smtp_error), (554, b"5.7.1 Message refused"))

    def test_refused_sessions_are_listed_paged_filtered_and_kept(self):
        server = self.start()
        self.send_sessions(server)
        listed = wait_sessions(server, 2)
        self.assertEqual((listed["total"], listed["count"], listed["start"]), (2, 2, 0))
        newest, oldest = listed["sessions"]
        # Newest first; the clean session is not among them.
        self.assertEqual((newest["Helo"], oldest["Helo"]), ("third.test", "first.test"))
        self.assertLessEqual(oldest["Created"], newest["Created"])
        for session in (newest, oldest):
            self.assertTrue(session["Refused"])
            self.assertEqual(session["ClientAddress"], "127.0.0.1")
            self.assertRegex(session["Created"], TIME)
            self.assertRegex(session["Ended"], TIME)
            self.assertLessEqual(session["Created"], session["Ended"])
            for entry in session["Transcript"]:
                self.assertEqual(sorted(entry), ["Direction", "Text", "Time"])
                self.assertIn(entry["Direction"], ("in", "out"))
                self.assertRegex(entry["Time"], TIME)

        # The recipient refusal: the rule, the refused RCPT and its reply, and the message the session stored.
        self.assertTrue(oldest["Rule"].startswith("recipient rule 1"), oldest["Rule"])
        self.assertEqual(oldest["Rules"], [oldest["Rule"]])
        self.assertEqual(oldest["Size"], 0)
        texts = [(e["Direction"], e["Text"]) for e in oldest["Transcript"]]
        # As smtplib writes it (the transcript keeps the command as received).
        rcpt = texts.index(("in", "rcpt TO:<bogus@example.test>"))
        self.assertEqual(texts[rcpt + 1], ("out", "550 5.1.1 mailbox unavailable"))
        self.assertEqual(texts[-1][0], "out")
        self.assertTrue(texts[-1][1].startswith("221"), texts[-1])
        self.assertEqual(len(oldest["Messages"]), 1)
        message_id = oldest["Messages"][0]
        # The message's own transcript (its session up to its 250) is where the session's begins.
        message_session = get_json(server, "/api/v1/message/%s/session" % message_id)["Transcript"]
        self.assertEqual(oldest["Transcript"][:len(message_session)], message_session)
        self.assertEqual(call(server, "GET", "/api/v1/session/%s/raw" % oldest["ID"])[0], 404)

        # The data refusal: its rule and the data as sent (dot-unstuffed), fetchable.
        self.assertTrue(newest["Rule"].startswith("data rule 1"), newest["Rule"])
        self.assertEqual(newest["Messages"], [])
        self.assertEqual(newest["Size"], len(REFUSED_DATA))
        texts = [(e["Direction"], e["Text"]) for e in newest["Transcript"]]
        self.assertIn(("out", "554 5.7.1 Message refused"), texts)
        self.assertEqual(call(server, "GET", "/api/v1/session/%s/raw" % newest["ID"]), (200, REFUSED_DATA))
        self.assertEqual(get_json(server, "/api/v1/session/" + newest["ID"]), newest)
        self.assertEqual(call(server, "GET", "/api/v1/session/nosuchsession")[0], 404)

        # Paging as for messages; ?refused=true is the same list, ?refused=false none (only refused ones are kept).
        page = get_json(server, "/api/v1/sessions?limit=1")
        self.assertEqual((page["total"], page["count"], [s["ID"] for s in page["sessions"]]), (2, 1, [newest["ID"]]))
        page = get_json(server, "/api/v1/sessions?start=1&limit=1")
        self.assertEqual((page["start"], [s["ID"] for s in page["sessions"]]), (1, [oldest["ID"]]))
        self.assertEqual(get_json(server, "/api/v1/sessions?refused=true"), listed)
        self.assertEqual(get_json(server, "/api/v1/sessions?refused=false")["total"], 0)
        self.assertEqual(call(server, "GET", "/api/v1/sessions?refused=maybe")[0], 400)
        self.assertEqual(call(server, "GET", "/api/v1/sessions?limit=-1")[0], 400)
        # Sessions are in no mailbox: the same under a mailbox prefix.
        self.assertEqual(get_json(server, "/mailbox/Inbox/api/v1/sessions"), listed)

        # A restart keeps them.
        self.assertEqual(server.stop(), 0)
        server = self.start()
        self.assertEqual(get_json(server, "/api/v1/sessions"), listed)
        self.assertEqual(call(server, "GET", "/api/v1/session/%s/raw" % newest["ID"]), (200, REFUSED_DATA))

        # Deleting every message leaves them (whole); a cross-site request cannot clear them; DELETE does.
        self.assertEqual(call(server, "DELETE", "/api/v1/messages", {"Content-Type": "application/json"}),
                         (200, b"ok"))
        after = get_json(server, "/api/v1/sessions")
        self.assertEqual(after["total"], 2)
        self.assertEqual(after["sessions"][1]["Transcript"], oldest["Transcript"])
        self.assertEqual(after["sessions"][1]["Messages"], [])
        self.assertEqual(call(server, "DELETE", "/api/v1/sessions", {"Origin": "http://evil.example"})[0], 403)
        self.assertEqual(get_json(server, "/api/v1/sessions")["total"], 2)
        self.assertEqual(call(server, "DELETE", "/api/v1/sessions"), (200, b"ok"))
        self.assertEqual(get_json(server, "/api/v1/sessions"),
                         {"total": 0, "count": 0, "start": 0, "sessions": []})

    def test_retention_bounds_them_like_messages(self):
        server = Letterbox("--rules", self.rules, "--max-messages", "2", data_dir=self.data_dir)
        self.addCleanup(server.cleanup)
        for i in range(4):
            with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
                client.ehlo("client%d.test" % i)
                with self.assertRaises(smtplib.SMTPRecipientsRefused):
                    client.sendmail("app@example.test", ["bogus@example.test"], ACCEPTED)
            wait_sessions(server, min(i + 1, 2))
        # Each session is written after it ends: wait for the last one to be the newest.
        deadline = time.monotonic() + 15
        while get_json(server, "/api/v1/sessions")["sessions"][0]["Helo"] != "client3.test":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        listed = get_json(server, "/api/v1/sessions")
        self.assertEqual(listed["total"], 2)
        self.assertEqual([s["Helo"] for s in listed["sessions"]], ["client3.test", "client2.test"])


if __name__ == "__main__":
    unittest.main()
