"""Bounces (CONTRACT "Failure scenarios (rules)", the `bounce` action) over real sockets against the real headless
binary. python3 smtplib sends and sees the usual 250 for a bounced recipient; then a bounce processor, as an
application would write one, polls the API (bounded) for the delivery status notification addressed to the sender,
fetches its source and reads it with Python's email package: multipart/report; report-type=delivery-status (RFC
6522), the message/delivery-status fields of RFC 3464 §2, the original's header section as text/rfc822-headers. The
bounce's session names the rule and the original; the original's session is its own. A null sender causes no
bounce, a mailboxes route for the sender's address puts the bounce in that mailbox, and a bounce still waiting when
Letterbox quits is made after the next start, once."""
import email
import email.policy
import json
import os
import smtplib
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

SENDER = "app@example.test"
RULES = {"version": 1, "recipient": [
    {"match": "glob", "pattern": "*@elsewhere.test", "action": "accept"},
    {"match": "glob", "pattern": "*@bounce.test", "action": "bounce", "code": 550, "enhanced": "5.1.1",
     "text": "User unknown", "bounceAfterMs": 300},
    {"match": "glob", "pattern": "*@later.test", "action": "bounce", "code": 552, "enhanced": "5.2.2",
     "text": "Mailbox full", "bounceAfterMs": 2000}]}


def get(server, path):
    with urllib.request.urlopen(server.api_url + path, timeout=20) as r:
        return r.read()


def get_json(server, path):
    return json.loads(get(server, path))


def messages(server):
    return get_json(server, "/api/v1/messages?limit=1000")["messages"]


def wait_for_bounces(server, recipient, count=1, timeout=20):
    """The bounce processor: the messages to recipient from MAILER-DAEMON, polled until count arrive (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in messages(server)
                 if m["From"] and m["From"]["Address"].startswith("MAILER-DAEMON@")
                 and any(a["Address"] == recipient for a in m["To"])]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def session_text(server, message_id):
    transcript = get_json(server, "/api/v1/message/%s/session" % message_id)["Transcript"]
    return "\n".join(entry["Text"] for entry in transcript)


def per_recipient_groups(report):
    """The message/delivery-status part's groups (email parses them as a list of header blocks, RFC 3464 §2.1)."""
    groups = report.get_payload()
    return groups[0], groups[1:]


class BouncesTest(unittest.TestCase):
    def start(self, mailboxes=None, tmp=None):
        if tmp is None:
            tmp = tempfile.TemporaryDirectory(prefix="letterbox-bounces-")
            self.addCleanup(tmp.cleanup)
        rules = os.path.join(tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump(RULES, f)
        data = os.path.join(tmp.name, "data")
        os.makedirs(data, exist_ok=True)
        if mailboxes is not None:
            with open(os.path.join(data, "mailboxes.json"), "w") as f:
                json.dump(mailboxes, f)
        server = Letterbox("--rules", rules, data_dir=data)
        self.addCleanup(server.cleanup)
        return server

    def send(self, server, sender, recipients, subject):
        body = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\nHello\r\n"
                % (sender or "nobody@example.test", ", ".join(recipients), subject, subject.replace(" ", "-")))
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo("client.test")
            code, _ = client.mail(sender)
            self.assertEqual(code, 250)
            for rcpt in recipients:
                # The bounced recipient is accepted like any other: the failure comes later, as a DSN.
                self.assertEqual(client.rcpt(rcpt), (250, b"2.1.5 Ok"))
            code, reply = client.data(body.encode())
            self.assertEqual(code, 250, reply)
        return reply.decode().rsplit(" ", 1)[1]

    def test_a_bounce_processor_reads_the_dsn(self):
        server = self.start()
        started = time.monotonic()
        original = self.send(server, SENDER, ["bob@bounce.test", "carol@bounce.test", "dave@elsewhere.test"],
                             "Invoice 42")
        bounces = wait_for_bounces(server, SENDER)
        self.assertEqual(len(bounces), 1, "no bounce within 20 s")
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        bounce = bounces[0]
        self.assertNotEqual(bounce["ID"], original)

        message = email.message_from_bytes(get(server, "/api/v1/message/%s/raw" % bounce["ID"]),
                                           policy=email.policy.default)
        self.assertEqual(message.get_content_type(), "multipart/report")
        self.assertEqual(message.get_param("report-type"), "delivery-status")
        self.assertEqual(message["From"].addresses[0].addr_spec, "MAILER-DAEMON@mx.test")
        self.assertEqual(message["To"].addresses[0].addr_spec, SENDER)
        self.assertEqual(str(message["Auto-Submitted"]), "auto-replied")
        self.assertIsNotNone(message["Date"])
        self.assertIsNotNone(message["Message-ID"])
        self.assertEqual(str(message["MIME-Version"]), "1.0")
        parts = message.get_payload()
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "message/delivery-status", "text/rfc822-headers"])

        per_message, recipients = per_recipient_groups(parts[1])
        self.assertEqual(per_message["Reporting-MTA"], "dns; mx.test")
        self.assertIsNotNone(per_message["Arrival-Date"])
        # CONTRACT "Failure rules (details)": one DSN per message, a group per bounced recipient (not dave).
        self.assertEqual([g["Final-Recipient"] for g in recipients],
                         ["rfc822; bob@bounce.test", "rfc822; carol@bounce.test"])
        for group in recipients:
            self.assertEqual(group["Action"], "failed")
            self.assertEqual(group["Status"], "5.1.1")
            self.assertEqual(group["Diagnostic-Code"], "smtp; 550 User unknown")
        headers = email.message_from_bytes(parts[2].get_payload(decode=True))
        self.assertEqual(headers["Subject"], "Invoice 42")

        # The envelope: from the null sender to the original sender.
        stored = get_json(server, "/api/v1/message/%s" % bounce["ID"])
        self.assertEqual(stored["ReturnPath"], "")
        # The bounce's session view names the rule and the original; the original's stays its session's own (the
        # contract: up to its final reply, the 250 after the data).
        bounce_session = session_text(server, bounce["ID"])
        self.assertIn("recipient rule 2: glob *@bounce.test", bounce_session)
        self.assertIn(original, bounce_session)
        original_session = get_json(server, "/api/v1/message/%s/session" % original)["Transcript"]
        self.assertNotIn(bounce["ID"], session_text(server, original))
        self.assertTrue(original_session[-1]["Text"].startswith("250 2.0.0 Ok"), original_session[-1])

    def test_a_null_sender_causes_no_bounce(self):
        server = self.start()
        self.send(server, "", ["bob@bounce.test"], "from the null sender")
        # A bounce with a sender, sent afterwards, comes through: by then a bounce of the first would be there too.
        self.send(server, SENDER, ["bob@bounce.test"], "with a sender")
        bounces = wait_for_bounces(server, SENDER)
        self.assertEqual(len(bounces), 1)
        time.sleep(0.6)
        daemon = [m for m in messages(server) if m["From"] and m["From"]["Address"].startswith("MAILER-DAEMON@")]
        self.assertEqual(len(daemon), 1)
        headers = email.message_from_bytes(get(server, "/api/v1/message/%s/raw" % daemon[0]["ID"]),
                                           policy=email.policy.default).get_payload()[2]
        self.assertIn(b"Subject: with a sender", headers.get_payload(decode=True))

    def test_mailbox_routes_apply_to_the_bounce(self):
        server = self.start({"version": 1, "mailboxes": [
            {"name": "bounces", "routes": [{"recipient": SENDER}]}]})
        self.send(server, SENDER, ["bob@bounce.test"], "routed")
        bounces = wait_for_bounces(server, SENDER)
        self.assertEqual(len(bounces), 1)
        self.assertEqual(bounces[0]["Mailbox"], "bounces")
        listed = get_json(server, "/mailbox/bounces/api/v1/messages?limit=100")
        self.assertIn(bounces[0]["ID"], [m["ID"] for m in listed["messages"]])

    def test_a_bounce_waiting_at_quit_is_made_after_the_next_start(self):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-bounces-")
        self.addCleanup(tmp.cleanup)
        server = self.start(tmp=tmp)
        original = self.send(server, SENDER, ["zoe@later.test"], "before the quit")
        self.assertEqual(server.stop(), 0)
        server = self.start(tmp=tmp)
        bounces = wait_for_bounces(server, SENDER)
        self.assertEqual(len(bounces), 1, "the bounce was not made after the restart")
        self.assertIn(original, session_text(server, bounces[0]["ID"]))
        message = email.message_from_bytes(get(server, "/api/v1/message/%s/raw" % bounces[0]["ID"]),
                                           policy=email.policy.default)
        _, recipients = per_recipient_groups(message.get_payload()[1])
        self.assertEqual([(g["Final-Recipient"], g["Status"]) for g in recipients],
                         [("rfc822; zoe@later.test", "5.2.2")])
        # Made once: a further restart finds nothing left to do.
        self.assertEqual(server.stop(), 0)
        server = self.start(tmp=tmp)
        time.sleep(0.5)
        self.assertEqual(len(wait_for_bounces(server, SENDER, count=2, timeout=1)), 1)


if __name__ == "__main__":
    unittest.main()
