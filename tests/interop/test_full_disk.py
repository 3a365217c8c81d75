"""A full disk, with the real binary on a small tmpfs of its own: deliveries get 451 and nothing acknowledged is lost;
deleting (by ID and all at once) still works there and makes room, so mail is caught again; the store's files are
private to the user running Letterbox.

The tmpfs is mounted in a private mount namespace (unshare --mount --map-root-user): as root, and as a normal user
where user namespaces are allowed. The test process reaches the files through /proc/PID/root of letterbox."""
import json
import os
import smtplib
import stat
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import Letterbox, QUEUED  # noqa: E402

# Room for a few dozen of the messages below next to the store's 8 MB reserve of free space.
DISK_SIZE = "32m"
ATTACHMENT_BYTES = 256 * 1024


def namespaces_work(directory):
    probe = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c",
                            'mount -t tmpfs -o size=1m tmpfs "$0"', directory], capture_output=True, text=True)
    return probe.returncode == 0, probe.stderr.strip()


def message(number):
    """About 350 KB, almost all of it a base64 attachment: the disk fills with sources, not with index."""
    m = EmailMessage()
    m["From"] = "load@x.test"
    m["To"] = "sink@y.test"
    m["Subject"] = "filler %d" % number
    m.set_content("filler message %d\n" % number)
    m.add_attachment(os.urandom(ATTACHMENT_BYTES), maintype="application", subtype="octet-stream",
                     filename="filler-%d.bin" % number)
    return m.as_bytes()


class FullDiskTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="letterbox-full-disk-")
        self.disk = os.path.join(self.tmp.name, "disk")
        os.mkdir(self.disk)
        works, why = namespaces_work(self.disk)
        if not works:
            self.skipTest("cannot mount a tmpfs in a private mount namespace: " + why)
        # letterbox runs as the same process (exec all the way down), so its PID is the one harness started.
        self.launcher = os.path.join(self.tmp.name, "letterbox-on-small-disk")
        with open(self.launcher, "w") as f:
            f.write("#!/bin/sh\nexec unshare --mount --map-root-user sh -c "
                    "'mount -t tmpfs -o size=%s tmpfs \"$0\" && exec \"$@\"' \"%s\" \"%s\" \"$@\"\n"
                    % (DISK_SIZE, self.disk, harness.BINARY))
        os.chmod(self.launcher, 0o755)

    def tearDown(self):
        self.tmp.cleanup()

    def start(self):
        binary = harness.BINARY
        harness.BINARY = self.launcher
        try:
            # The data directory does not exist yet: letterbox creates it.
            return Letterbox("--max-messages", "0", data_dir=os.path.join(self.disk, "store"))
        finally:
            harness.BINARY = binary

    def api(self, server, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def listed_ids(self, server):
        status, body = self.api(server, "GET", "/api/v1/messages?limit=100000")
        self.assertEqual(status, 200, body)
        return [m["ID"] for m in json.loads(body)["messages"]]

    def fill(self, client):
        """Delivers until the disk is full: returns the IDs acknowledged with 250 and the refusing reply."""
        acknowledged = []
        for number in range(1000):
            code, reply = self.send(client, message(number))
            if code == 250:
                acknowledged.append(QUEUED.search(reply).group(1).decode())
                continue
            return acknowledged, code, reply
        self.fail("the disk never filled up")

    @staticmethod
    def send(client, data):
        client.mail("load@x.test")
        client.rcpt("sink@y.test")
        return client.data(data)

    def test_deleting_works_on_a_full_disk(self):
        with self.start() as server:
            files = "/proc/%d/root%s" % (server.proc.pid, os.path.join(self.disk, "store"))
            with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as client:
                client.ehlo("full.test")
                acknowledged, code, reply = self.fill(client)
                print("%d messages acknowledged, then %d %s" % (len(acknowledged), code, reply.decode()[:60]))
                self.assertGreater(len(acknowledged), 10)
                self.assertEqual(code, 451)
                self.assertTrue(reply.startswith(b"4.3.0 "), reply)
                # Nothing acknowledged is missing.
                listed = self.listed_ids(server)
                self.assertEqual([i for i in acknowledged if i not in listed], [])
                disk = os.statvfs(files)
                print("free on the disk: %d bytes" % (disk.f_bavail * disk.f_frsize))

                # Deleting by ID works at 0 bytes free, and makes room for about as much mail.
                status, body = self.api(server, "DELETE", "/api/v1/messages", {"IDs": acknowledged[:3]})
                self.assertEqual((status, body), (200, b"ok"))
                listed = self.listed_ids(server)
                self.assertEqual([i for i in acknowledged[:3] if i in listed], [])
                self.assertEqual([i for i in acknowledged[3:] if i not in listed], [])
                code, reply = self.send(client, message(1000))
                self.assertEqual(code, 250, reply)
                acknowledged.append(QUEUED.search(reply).group(1).decode())
                self.assertEqual([i for i in acknowledged[3:] if i not in self.listed_ids(server)], [])

                # Deleting everything works, and mail is caught again.
                status, body = self.api(server, "DELETE", "/api/v1/messages")
                self.assertEqual((status, body), (200, b"ok"))
                self.assertEqual(self.listed_ids(server), [])
                code, reply = self.send(client, message(1001))
                self.assertEqual(code, 250, reply)
                self.assertEqual(self.listed_ids(server), [QUEUED.search(reply).group(1).decode()])

            # The files are the user's alone: a directory letterbox made is 0700, the database files (and the
            # reserve, made again once there was room) 0600.
            self.assertEqual(stat.S_IMODE(os.stat(files).st_mode), 0o700)
            names = sorted(os.listdir(files))
            for name in ("letterbox.db", "letterbox.db-wal", "letterbox.db-shm", "letterbox.reserve"):
                self.assertIn(name, names)
            for name in names:
                if name.startswith("letterbox."):
                    self.assertEqual(stat.S_IMODE(os.stat(os.path.join(files, name)).st_mode), 0o600, name)
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
