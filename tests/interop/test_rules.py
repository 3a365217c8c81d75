"""Rules end to end (CONTRACT.md "Rules file", issue 6): python3 smtplib against the real headless binary. Each
stage's refusal reaches the client as smtplib's exception with the configured code and text; a refused recipient
beside an accepted one; probabilities repeatable with --rules-seed; a delay the client observes; rules and chaos
changed over the API take effect at once; a broken rules file is exit 2 naming FILE:LINE and the field."""
import json
import os
import smtplib
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from harness import BINARY, Letterbox, stored_messages

MESSAGE = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n\r\nHi\r\n"


def write_rules(directory, rules):
    path = os.path.join(directory, "rules.json")
    with open(path, "w") as f:
        json.dump(rules, f)
    return path


def api(server, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.api_url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class RulesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="letterbox-rules-")
        self.addCleanup(self.tmp.cleanup)

    def start(self, rules, *extra):
        path = write_rules(self.tmp.name, rules)
        server = Letterbox("--rules", path, *extra, data_dir=os.path.join(self.tmp.name, "data"))
        self.addCleanup(server.cleanup)
        return server, path

    def test_each_stage_refuses_with_the_configured_reply(self):
        server, _ = self.start({
            "version": 1,
            "sender": [{"match": "glob", "pattern": "denied@*", "code": 553, "enhanced": "5.7.1",
                        "text": "sender not allowed"}],
            "recipient": [{"match": "regex", "pattern": "^bogus", "code": 550, "enhanced": "5.1.1",
                           "text": "mailbox unavailable"}],
            "auth": [{"match": "exact", "pattern": "mallory", "code": 535, "enhanced": "5.7.8",
                      "text": "authentication failed"}],
            "data": [{"match": "glob", "header": "Subject", "pattern": "*reject me*", "code": 554,
                      "enhanced": "5.6.0", "text": "content rejected"}],
        })
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            with self.assertRaises(smtplib.SMTPSenderRefused) as sender:
                client.sendmail("denied@example.test", ["b@example.test"], MESSAGE)
            self.assertEqual(sender.exception.smtp_code, 553)
            self.assertEqual(sender.exception.smtp_error, b"5.7.1 sender not allowed")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as recipient:
                client.sendmail("a@example.test", ["bogus@example.test"], MESSAGE)
            self.assertEqual(recipient.exception.recipients["bogus@example.test"],
                             (550, b"5.1.1 mailbox unavailable"))
            with self.assertRaises(smtplib.SMTPDataError) as data:
                client.sendmail("a@example.test", ["b@example.test"],
                                b"Subject: please reject me now\r\n\r\nbody\r\n")
            self.assertEqual(data.exception.smtp_code, 554)
            self.assertEqual(data.exception.smtp_error, b"5.6.0 content rejected")
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as auth:
                client.login("mallory", "secret")
            self.assertEqual(auth.exception.smtp_code, 535)
            self.assertEqual(auth.exception.smtp_error, b"5.7.8 authentication failed")
            client.login("alice", "secret")  # any other user: --auth any
        self.assertEqual(stored_messages(server.data_dir), [])

    def test_one_refused_recipient_beside_an_accepted_one(self):
        server, _ = self.start({"version": 1, "recipient": [{"match": "exact", "pattern": "gone@example.test"}]})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            refused = client.sendmail("a@example.test", ["gone@example.test", "here@example.test"], MESSAGE)
        self.assertEqual(refused, {"gone@example.test": (550, b"5.7.1 Rejected by rule")})
        rows = stored_messages(server.data_dir)
        self.assertEqual(len(rows), 1)
        self.assertEqual(json.loads(rows[0]["rcpt_to"]), ["here@example.test"])

    def test_an_empty_exact_sender_pattern_refuses_the_null_sender(self):
        # CONTRACT "Rules": the null sender <> is matched as the empty string; refusing bounces is written so.
        server, _ = self.start({"version": 1, "sender": [{"match": "exact", "pattern": "", "code": 553,
                                                           "enhanced": "5.7.1", "text": "no bounces here"}]})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo()
            self.assertEqual(client.mail(""), (553, b"5.7.1 no bounces here"))
            self.assertEqual(client.mail("a@b"), (250, b"2.1.0 Ok"))
            self.assertEqual(client.rcpt("c@example.test")[0], 250)
            self.assertEqual(client.data(MESSAGE)[0], 250)
        self.assertEqual(len(stored_messages(server.data_dir)), 1)

    def test_host_rules_refuse_at_connect(self):
        server, _ = self.start({"version": 1, "host": [{"match": "cidr", "pattern": "127.0.0.0/8",
                                                         "text": "Access denied"}]})
        with self.assertRaises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", server.port, timeout=20)
        self.assertEqual(refused.exception.smtp_code, 550)
        self.assertEqual(refused.exception.smtp_error, b"Access denied")

    def test_a_dropped_host_gets_421_and_is_closed(self):
        server, _ = self.start({"version": 1, "host": [{"match": "cidr", "pattern": "127.0.0.1/32",
                                                         "hostReply": "drop", "text": "try another day"}]})
        with self.assertRaises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", server.port, timeout=20)
        self.assertEqual(refused.exception.smtp_code, 421)
        self.assertIn(b"try another day", refused.exception.smtp_error)

    def test_a_delay_is_observed_by_the_client(self):
        server, _ = self.start({"version": 1, "recipient": [{"match": "glob", "pattern": "slow@*",
                                                              "action": "accept", "delayMs": 1500}]})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo()
            client.mail("a@example.test")
            started = time.monotonic()
            code, _ = client.rcpt("slow@example.test")
            slow = time.monotonic() - started
            started = time.monotonic()
            client.rcpt("quick@example.test")
            quick = time.monotonic() - started
        self.assertEqual(code, 250)
        self.assertGreaterEqual(slow, 1.4)
        self.assertLess(quick, 1.0)

    def test_probability_is_repeatable_with_a_seed(self):
        rules = {"version": 1, "recipient": [{"match": "glob", "pattern": "*", "probability": 50,
                                              "code": 451, "enhanced": "4.3.0", "text": "flaky"}]}

        def outcomes():
            server, _ = self.start(rules, "--rules-seed", "20261130")
            codes = []
            with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
                client.ehlo()
                client.mail("a@example.test")
                for n in range(40):
                    codes.append(client.rcpt("r%d@example.test" % n)[0])
            server.stop()
            return codes

        first, second = outcomes(), outcomes()
        self.assertEqual(first, second)
        self.assertEqual(set(first), {250, 451})
        self.assertTrue(8 <= first.count(451) <= 32, first)

    def test_rules_changed_over_the_api_apply_at_once_and_are_saved(self):
        server, path = self.start({"version": 1})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.ehlo()
            client.mail("a@example.test")
            self.assertEqual(client.rcpt("blocked@example.test")[0], 250)
            status, body = api(server, "PUT", "/api/v1/rules",
                               {"version": 1, "recipient": [{"match": "exact", "pattern": "blocked@example.test",
                                                             "code": 550, "enhanced": "5.1.1", "text": "no such user"}]})
            self.assertEqual(status, 200)
            # The same session, its next command: the new rule answers.
            self.assertEqual(client.rcpt("blocked@example.test"), (550, b"5.1.1 no such user"))
        # Every default filled in, in the response, from GET and in the file.
        returned = json.loads(body)
        self.assertEqual(returned["recipient"][0]["probability"], 100)
        self.assertEqual(returned["recipient"][0]["delayMs"], 0)
        self.assertEqual(returned["recipient"][0]["enabled"], True)
        status, body = api(server, "GET", "/api/v1/rules")
        self.assertEqual((status, json.loads(body)), (200, returned))
        with open(path) as f:
            self.assertEqual(json.load(f), returned)
        # An invalid PUT is 400 naming the list, index and field, and changes nothing.
        status, body = api(server, "PUT", "/api/v1/rules",
                           {"version": 1, "recipient": [{"match": "regex", "pattern": "(unclosed"}]})
        self.assertEqual(status, 400)
        self.assertIn(b"recipient[0].pattern", body)
        self.assertEqual(json.loads(api(server, "GET", "/api/v1/rules")[1]), returned)
        with open(path) as f:
            self.assertEqual(json.load(f), returned)

    def test_mailpit_chaos(self):
        server, _ = self.start({"version": 1})
        status, body = api(server, "GET", "/api/v1/chaos")
        self.assertEqual((status, json.loads(body)), (200, {
            "Sender": {"ErrorCode": 451, "Probability": 0},
            "Recipient": {"ErrorCode": 451, "Probability": 0},
            "Authentication": {"ErrorCode": 535, "Probability": 0}}))
        status, body = api(server, "PUT", "/api/v1/chaos", {"Recipient": {"ErrorCode": 452, "Probability": 100}})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["Recipient"], {"ErrorCode": 452, "Probability": 100})
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.helo("client.test")  # HELO: no enhanced codes, Mailpit's text as it sends it
            client.mail("a@example.test")
            self.assertEqual(client.rcpt("b@example.test"), (452, b"Chaos recipient error"))
        # A trigger left out is reset; {} resets all; out-of-range values are 400.
        self.assertEqual(json.loads(api(server, "PUT", "/api/v1/chaos", {})[1])["Recipient"],
                         {"ErrorCode": 451, "Probability": 0})
        self.assertEqual(api(server, "PUT", "/api/v1/chaos", {"Sender": {"ErrorCode": 200, "Probability": 5}})[0], 400)
        self.assertEqual(api(server, "PUT", "/api/v1/chaos", {"Sender": {"ErrorCode": 451, "Probability": 101}})[0],
                         400)
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.sendmail("a@example.test", ["b@example.test"], MESSAGE)

    def test_a_broken_rules_file_is_exit_2_naming_file_line_and_field(self):
        path = os.path.join(self.tmp.name, "broken.json")
        with open(path, "w") as f:
            f.write('{\n  "version": 1,\n  "host": [\n    {"match": "cidr", "pattern": "10.0.0.0/99"}\n  ]\n}\n')
        result = subprocess.run([BINARY, "--headless", "--data", os.path.join(self.tmp.name, "data"),
                                 "--smtp", "127.0.0.1:0", "--api", "off", "--rules", path],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 2)
        self.assertTrue(result.stderr.startswith("letterbox: %s:4: host[0].pattern: " % path), result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
