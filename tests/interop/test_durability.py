"""Nothing acknowledged is lost: concurrent senders, SIGKILL mid-run, restart, every 250 still stored."""
import smtplib
import tempfile
import threading
import time
import unittest

from harness import Letterbox, QUEUED, stored_messages

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
