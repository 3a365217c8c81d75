"""A slow server (CONTRACT "Failure scenarios (rules)": a host rule's "bytesPerSecond": B reads matching sessions'
input at most B bytes a second) over real sockets against the real headless binary: python3 smtplib sends the same
message from a paced and from an unpaced client address in the same run, in the clear, after STARTTLS and over
implicit TLS. The paced send takes at least the time B allows (a lower bound a noisy box cannot break), far longer
than the unpaced one (a ratio in the same run), its greeting is not held, and the message arrives intact. Prints the
achieved throughput against B for docs/benchmarks.md."""
import json
import os
import random
import smtplib
import ssl
import string
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox, split_trace, stored_messages  # noqa: E402

SLOW = "127.0.0.1"  # 10 KB/s
FAST = "127.0.0.2"  # no rule: unpaced
FASTER = "127.0.0.3"  # 100 KB/s
RULES = {"version": 1, "host": [
    {"match": "cidr", "pattern": "127.0.0.1/32", "action": "accept", "bytesPerSecond": 10240},
    {"match": "cidr", "pattern": "127.0.0.3/32", "action": "accept", "bytesPerSecond": 102400}]}
# What a paced reader may read at once beyond the rate: a tenth of a second's worth (core/net/readpacer.h).
BURST_SECONDS = 0.1


def message(size, tag):
    """A text message of about size bytes with 76-character lines, different each time (nothing to compress)."""
    rng = random.Random(tag)
    lines = ["From: app@example.test", "To: bob@example.test", "Subject: slow server " + tag, ""]
    body = 0
    while body < size:
        line = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(76))
        lines.append(line)
        body += len(line) + 2
    return ("\r\n".join(lines) + "\r\n").encode()


def no_verification():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class SlowServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-slow-")
        path = os.path.join(cls.tmp.name, "rules.json")
        with open(path, "w") as f:
            json.dump(RULES, f)
        cls.server = Letterbox("--rules", path, data_dir=os.path.join(cls.tmp.name, "data"), smtps=("127.0.0.1:0",))

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.tmp.cleanup()

    def send(self, source, data, tls=None):
        """Sends data from the source address; returns (seconds from connect to the final 250, seconds to the
        greeting)."""
        start = time.monotonic()
        if tls == "implicit":
            client = smtplib.SMTP_SSL("127.0.0.1", self.server.smtps_port, source_address=(source, 0),
                                      context=no_verification(), timeout=60)
        else:
            client = smtplib.SMTP("127.0.0.1", self.server.port, source_address=(source, 0), timeout=60)
        greeted = time.monotonic() - start
        with client:
            if tls == "starttls":
                client.starttls(context=no_verification())
            self.assertEqual(client.sendmail("app@example.test", ["bob@example.test"], data), {})
            elapsed = time.monotonic() - start
        return elapsed, greeted

    def assert_stored(self, data):
        sources = [split_trace(bytes(row["raw"]))[1] for row in stored_messages(self.server.data_dir)]
        self.assertIn(data, sources)

    def paced(self, source, rate, size, tls=None):
        """Sends size bytes paced and unpaced; checks the pace and returns (achieved bytes/s, paced/unpaced)."""
        data = message(size, "%s-%s-%d" % (source, tls, size))
        unpaced, _ = self.send(FAST, message(size, "unpaced-%s-%d" % (tls, size)), tls)
        elapsed, greeted = self.send(source, data, tls)
        self.assert_stored(data)
        # The server may not have read faster than the rate (plus one burst): the data alone needs this long.
        self.assertGreaterEqual(elapsed, len(data) / rate - BURST_SECONDS, (elapsed, rate))
        # Far slower than the same send unpaced, in the same run (here: 40 to 400 times; 3 leaves room for a loaded
        # or sanitized build, whose TLS handshakes are slow).
        self.assertGreater(elapsed / unpaced, 3, (elapsed, unpaced))
        # Very generous: the pace is the rate, not a crawl (a third of it would take three times as long).
        self.assertLess(elapsed, 3 * len(data) / rate + 10, (elapsed, rate))
        # The greeting is not held: only the input is paced.
        self.assertLess(greeted, 5, greeted)
        achieved = len(data) / elapsed
        print("%-9s B=%7d: %d bytes in %.2f s = %.0f bytes/s (%.2f of B); unpaced %.3f s" % (
            tls or "plain", rate, len(data), elapsed, achieved, achieved / rate, unpaced), file=sys.stderr)
        return achieved, elapsed / unpaced

    def test_a_host_rule_reads_at_10_kb_per_second(self):
        self.paced(SLOW, 10240, 40 * 1024)

    def test_a_host_rule_reads_at_100_kb_per_second(self):
        self.paced(FASTER, 102400, 400 * 1024)

    def test_the_pace_holds_after_starttls(self):
        self.paced(SLOW, 10240, 40 * 1024, tls="starttls")

    def test_the_pace_holds_over_implicit_tls(self):
        self.paced(SLOW, 10240, 40 * 1024, tls="implicit")

    def test_an_unpaced_client_is_not_held(self):
        # The rule matches its address only: 127.0.0.2 sends 400 KB in well under what 10 KB/s would take (40 s).
        data = message(400 * 1024, "unpaced-only")
        elapsed, _ = self.send(FAST, data)
        self.assertLess(elapsed, 20, elapsed)
        self.assert_stored(data)


if __name__ == "__main__":
    unittest.main()
