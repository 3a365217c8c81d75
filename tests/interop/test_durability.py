"""Nothing acknowledged is lost: concurrent senders, SIGKILL mid-run, restart, every 250 still stored."""
import os
import smtplib
import tempfile
import threading
import time
import unittest

from harness import Letterbox, QUEUED, open_store, stored_messages

SLOW_SYNC_MS = 1500

SENDERS = 8
RUN_SECONDS = 1.5


class DurabilityTest(unittest.TestCase):
    def test_sigkill_loses_no_acknowledged_message(self):
        with tempfile.TemporaryDirectory() as tmp:
            for round_number in range(3):
                acknowledged = self.load_and_kill(tmp, round_number)
                self.assertGreater(len(acknowledged), 10, "the load did not get going")
                print("round %d: %d messages acknowledged before SIGKILL" % (round_number, len(acknowledged)))
                # Restart on the same directory: the store opens and recovers its WAL.
                with Letterbox(data_dir=tmp) as server:
                    stored = {row["uid"]: row for row in stored_messages(tmp)}
                    missing = [i for i in acknowledged if i not in stored]
                    self.assertEqual(missing, [], "acknowledged but lost after SIGKILL")
                    for message_id, subject in acknowledged.items():
                        self.assertEqual(stored[message_id]["subject"], subject)
                        self.assertTrue(stored[message_id]["raw"].endswith(b"body of " + subject.encode() + b"\r\n"))
                    self.assertEqual(server.stop(), 0)

    def test_sigterm_under_load_finishes_in_flight_messages(self):
        with tempfile.TemporaryDirectory() as tmp:
            acknowledged, code = self.load_and_kill(tmp, 9, terminate=True)
            self.assertEqual(code, 0, "a clean stop exits 0")
            self.assertGreater(len(acknowledged), 10)
            stored = {row["uid"] for row in stored_messages(tmp)}
            self.assertEqual([i for i in acknowledged if i not in stored], [])

    def load_and_kill(self, data_dir, round_number, terminate=False):
        server = Letterbox("--max-messages", "0", data_dir=data_dir)
        acknowledged = {}
        lock = threading.Lock()
        stop = threading.Event()

        def sender(n):
            count = 0
            try:
                with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                    client.ehlo("durability.test")
                    while not stop.is_set() and count < 100000:
                        subject = "r%d-s%d-m%d" % (round_number, n, count)
                        count += 1
                        client.mail("load@x.test")
                        client.rcpt("sink@y.test")
                        code, reply = client.data(("Subject: %s\r\n\r\nbody of %s\r\n" % (subject, subject)).encode())
                        if code == 250:
                            with lock:
                                acknowledged[QUEUED.search(reply).group(1).decode()] = subject
            except (smtplib.SMTPException, OSError):
                pass  # the server was killed under us: expected

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
        for t in threads:
            t.start()
        time.sleep(RUN_SECONDS)
        code = server.stop() if terminate else server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.cleanup()
        with lock:
            return (dict(acknowledged), code) if terminate else dict(acknowledged)


@unittest.skipUnless(os.environ.get("FSYNC_SHIM"), "needs the LD_PRELOAD library tests/interop/fsync_shim.cpp")
@unittest.skipIf(os.environ.get("LETTERBOX_SANITIZED") == "1",
                 "the sanitizer runtime must come first among the loaded libraries, before an LD_PRELOAD one")
class WalSyncTest(unittest.TestCase):
    """The 250 after DATA waits for the fsync of the store's WAL and follows its outcome; concurrent deliveries share
    one (group commit)."""

    def start(self, tmp):
        env = dict(os.environ)
        env["LD_PRELOAD"] = " ".join(filter(None, [os.environ["FSYNC_SHIM"], env.get("LD_PRELOAD")]))
        env["FSYNC_SHIM_FAIL"] = os.path.join(tmp, "fail-fsync")
        env["FSYNC_SHIM_DELAY"] = os.path.join(tmp, "slow-fsync")
        env["FSYNC_SHIM_DELAY_MS"] = str(SLOW_SYNC_MS)
        return Letterbox(data_dir=os.path.join(tmp, "data"), env=env)

    @staticmethod
    def send(client, subject):
        client.mail("sync@x.test")
        client.rcpt("sink@y.test")
        return client.data(("Subject: %s\r\n\r\nbody of %s\r\n" % (subject, subject)).encode())

    def test_a_failed_wal_sync_refuses_the_message(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = self.start(tmp)
            try:
                with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
                    client.ehlo("sync.test")
                    self.assertEqual(self.send(client, "before")[0], 250)
                    open(os.path.join(tmp, "fail-fsync"), "w").close()
                    code, reply = self.send(client, "while the disk fails")
                    self.assertEqual(code, 451, reply)
                    self.assertIn(b"4.3.0", reply)
                    os.unlink(os.path.join(tmp, "fail-fsync"))
                    self.assertEqual(self.send(client, "after")[0], 250, "the store recovers once fsync works")
                self.assertEqual(server.stop(), 0)
            finally:
                server.cleanup()
            # Stopped at once, the messages are not parsed yet: their subjects are read from the stored sources.
            with open_store(os.path.join(tmp, "data")) as db:
                sources = [row[0] for row in db.execute("SELECT raw FROM message_data ORDER BY id")]
            self.assertEqual(len(sources), 2, "the refused message was rolled back")
            self.assertIn(b"Subject: before\r\n", sources[0])
            self.assertIn(b"Subject: after\r\n", sources[1])

    def test_the_250_waits_for_the_wal_sync_and_senders_share_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = self.start(tmp)
            try:
                with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
                    client.ehlo("sync.test")
                    self.assertEqual(self.send(client, "warm")[0], 250)
                    open(os.path.join(tmp, "slow-fsync"), "w").close()
                    started = time.monotonic()
                    self.assertEqual(self.send(client, "slow")[0], 250)
                    self.assertGreaterEqual(time.monotonic() - started, SLOW_SYNC_MS / 1000 * 0.95,
                                            "the 250 came before the WAL's fsync returned")
                # Four senders at once while every fsync is slow: a commit takes in every message that arrived while
                # the last one's fsync ran, so they need about two syncs, not four.
                codes = []
                lock = threading.Lock()

                def sender(n):
                    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as other:
                        other.ehlo("sync.test")
                        code = self.send(other, "together %d" % n)[0]
                        with lock:
                            codes.append(code)

                started = time.monotonic()
                threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=60)
                elapsed = time.monotonic() - started
                self.assertEqual(codes, [250] * 4)
                self.assertLess(elapsed, 3.5 * SLOW_SYNC_MS / 1000, "the senders did not share fsyncs")
                os.unlink(os.path.join(tmp, "slow-fsync"))
                self.assertEqual(server.stop(), 0)
            finally:
                server.cleanup()
            subjects = {row["subject"] for row in stored_messages(os.path.join(tmp, "data"))}
            self.assertTrue({"warm", "slow"} | {"together %d" % n for n in range(4)} <= subjects, subjects)


if __name__ == "__main__":
    unittest.main(verbosity=2)
