"""Failure scenarios (CONTRACT "Failure scenarios (rules)") over real sockets against the real headless binary, seen
by python3 smtplib and swaks as an application would see them: a greylisted recipient refused with 451 4.7.1 and
accepted on the retry (RFC 6647), a rule's disconnect closing the connection without a reply at each stage, and a
rate limit letting the first N messages of a client through; GET /api/v1/rules shows the new fields with their
defaults."""
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox, stored_messages  # noqa: E402

MESSAGE = b"From: app@example.test\r\nTo: bob@grey.test\r\nSubject: hello\r\n\r\nHi\r\n"


class FailureScenariosTest(unittest.TestCase):
    def start(self, rules):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-failures-")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "rules.json")
        with open(path, "w") as f:
            json.dump(rules, f)
        server = Letterbox("--rules", path, data_dir=os.path.join(tmp.name, "data"))
        self.addCleanup(server.cleanup)
        return server

    def test_greylisting_refuses_once_and_accepts_the_retry(self):
        server = self.start({"version": 1, "recipient": [{"match": "glob", "pattern": "*@grey.test",
                                                          "action": "greylist"}]})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("app@example.test", ["bob@grey.test"], MESSAGE)
            code, text = refused.exception.recipients["bob@grey.test"]
            self.assertEqual(code, 451)
            self.assertEqual(text, b"4.7.1 Greylisted, please try again later")
        # The retry (a new connection, as a queue would make it) is accepted and stored; another recipient is
        # greylisted on its own.
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            self.assertEqual(client.sendmail("app@example.test", ["bob@grey.test"], MESSAGE), {})
            refused = client.sendmail("app@example.test", ["bob@grey.test", "carol@grey.test"], MESSAGE)
            self.assertEqual(refused, {"carol@grey.test": (451, b"4.7.1 Greylisted, please try again later")})
        self.assertEqual(len(stored_messages(server.data_dir)), 2)
        with urllib.request.urlopen(server.api_url + "/api/v1/rules", timeout=20) as r:
            rule = json.load(r)["recipient"][0]
        self.assertEqual((rule["action"], rule["code"], rule["enhanced"], rule["attempts"], rule["windowSec"],
                          rule["limit"]), ("greylist", 451, "4.7.1", 1, 3600, None))

    def test_disconnect_closes_without_a_reply(self):
        server = self.start({"version": 1,
                             "recipient": [{"match": "glob", "pattern": "drop@*", "action": "disconnect"}],
                             "data": [{"match": "glob", "header": "Subject", "pattern": "*drop me*",
                                       "action": "disconnect"}]})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo("client.test")
            client.mail("app@example.test")
            with self.assertRaises(smtplib.SMTPServerDisconnected):
                client.rcpt("drop@example.test")
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            with self.assertRaises(smtplib.SMTPServerDisconnected):
                client.sendmail("app@example.test", ["bob@example.test"],
                                b"Subject: please drop me\r\n\r\nbody\r\n")
        self.assertEqual(len(stored_messages(server.data_dir)), 0)
        # swaks sees the connection go after RCPT: no reply line after its command.
        result = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % server.port, "--to", "drop@example.test",
                                 "--from", "app@example.test"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        lines = result.stdout.splitlines()
        rcpt = [i for i, line in enumerate(lines) if "RCPT TO:<drop@example.test>" in line]
        self.assertEqual(len(rcpt), 1, result.stdout)
        self.assertFalse(any(line.startswith("<") for line in lines[rcpt[0] + 1:]), result.stdout)

    def test_a_rate_limit_lets_the_first_messages_through(self):
        server = self.start({"version": 1, "sender": [{"match": "glob", "pattern": "*", "code": 421,
                                                       "enhanced": "4.7.0", "text": "Too many messages",
                                                       "limit": {"count": 3, "perSeconds": 60}}]})
        outcomes = []
        # A connection per message: the count is the client address's, across connections (smtplib also closes
        # after a 421, RFC 5321 §3.8).
        for _ in range(5):
            with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
                try:
                    client.sendmail("app@example.test", ["bob@example.test"], MESSAGE)
                    outcomes.append(250)
                except smtplib.SMTPSenderRefused as refused:
                    outcomes.append(refused.smtp_code)
        self.assertEqual(outcomes, [250, 250, 250, 421, 421])
        self.assertEqual(len(stored_messages(server.data_dir)), 3)


if __name__ == "__main__":
    unittest.main()
