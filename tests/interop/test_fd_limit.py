"""File descriptors: the headless binary raises its soft RLIMIT_NOFILE to the hard limit at start, and when it runs
out of descriptors anyway, clients past the limit get 421 (never silence) and the listener accepts again once they
leave. Started under util-linux prlimit with a low hard limit, so that raising cannot help."""
import os
import resource
import selectors
import shutil
import smtplib
import socket
import stat
import tempfile
import time
import unittest

import harness
from harness import Letterbox, QUEUED, stored_messages

PRLIMIT = shutil.which("prlimit")
CLIENTS = 200
FIRST_LINE_TIMEOUT = 30
REFUSALS = (b"421 mx.test Too many open files, try again later",
            b"421 mx.test Too many connections, try again later")


class LimitedLetterbox(Letterbox):
    """letterbox --headless started as `prlimit --nofile=SOFT:HARD letterbox …` (prlimit execs it: same PID)."""

    def __init__(self, soft, hard, *extra):
        self._wrapper_dir = tempfile.TemporaryDirectory(prefix="letterbox-prlimit-")
        wrapper = os.path.join(self._wrapper_dir.name, "letterbox")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec %s --nofile=%d:%d -- %s "$@"\n' % (PRLIMIT, soft, hard, harness.BINARY))
        os.chmod(wrapper, stat.S_IRWXU)
        real, harness.BINARY = harness.BINARY, wrapper
        try:
            super().__init__(*extra)
        finally:
            harness.BINARY = real

    def stop_and_read_stderr(self, timeout=20):
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=timeout)
        return err

    def cleanup(self):
        super().cleanup()
        self._wrapper_dir.cleanup()


def open_limits(pid):
    """(soft, hard) of "Max open files" in /proc/PID/limits."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                fields = line.split()
                return int(fields[3]), int(fields[4])
    raise AssertionError("no Max open files line")


def first_lines(port, count, timeout):
    """Opens count connections at once and returns, for each, its first line (b"" if the server closed without
    one, None if nothing came within timeout). Closes them all before returning."""
    selector = selectors.DefaultSelector()
    sockets, buffers, result = [], {}, {}
    try:
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            sockets.append(s)
            buffers[i] = b""
            selector.register(s, selectors.EVENT_READ, i)
        deadline = time.monotonic() + timeout
        while len(result) < count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.2):
                i = key.data
                try:
                    chunk = key.fileobj.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except ConnectionError:
                    chunk = b""
                buffers[i] += chunk
                if b"\r\n" in buffers[i] or not chunk:
                    result[i] = buffers[i].split(b"\r\n", 1)[0]
                    selector.unregister(key.fileobj)
        return [result.get(i) for i in range(count)]
    finally:
        selector.close()
        for s in sockets:
            s.close()


def wait_for_greeting(port, timeout=20):
    """Connects until a client is greeted with 220 (the server frees descriptors as the old clients go)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                last = s.recv(200)
                if last.startswith(b"220 "):
                    return True
        except OSError as e:
            last = repr(e)
        time.sleep(0.1)
    raise AssertionError("no 220 greeting again; last answer: %r" % (last,))


@unittest.skipUnless(PRLIMIT, "util-linux prlimit is not installed")
class FileDescriptorLimitTest(unittest.TestCase):
    def test_soft_limit_is_raised_to_the_hard_limit(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        target = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
        if target <= 64:
            self.skipTest("this process's hard limit (%d) is too low" % hard)
        server = LimitedLetterbox(64, target)
        try:
            self.assertEqual(os.path.realpath("/proc/%d/exe" % server.proc.pid),
                             os.path.realpath(harness.BINARY))
            self.assertEqual(open_limits(server.proc.pid), (target, target))
        finally:
            server.cleanup()

    def test_clients_past_the_limit_get_421_and_the_listener_recovers(self):
        # 96 descriptors in all: a few dozen connections fit, most of the 200 do not.
        server = LimitedLetterbox(64, 96)
        try:
            self.assertEqual(open_limits(server.proc.pid), (96, 96))
            lines = first_lines(server.port, CLIENTS, FIRST_LINE_TIMEOUT)
            silent = [i for i, line in enumerate(lines) if line is None]
            self.assertEqual(silent, [], "%d of %d clients heard nothing" % (len(silent), CLIENTS))
            greeted = [line for line in lines if line == b"220 mx.test ESMTP Letterbox"]
            refused = [line for line in lines if line in REFUSALS]
            others = [line for line in lines if line not in REFUSALS and line != b"220 mx.test ESMTP Letterbox"]
            self.assertEqual(others, [])
            self.assertGreater(len(greeted), 0)
            self.assertGreater(len(refused), 0, "the limit was never reached: the test proves nothing")

            # All gone: new clients are greeted again, and mail goes through.
            wait_for_greeting(server.port)
            again = first_lines(server.port, 20, FIRST_LINE_TIMEOUT)
            self.assertEqual(again, [b"220 mx.test ESMTP Letterbox"] * 20)
            with smtplib.SMTP("127.0.0.1", server.port, local_hostname="client.test", timeout=10) as client:
                client.ehlo("client.test")
                client.mail("sender@example.test")
                client.rcpt("rcpt@example.test")
                code, reply = client.data(b"Subject: after the storm\r\n\r\nstill here\r\n")
                self.assertEqual(code, 250, reply)
                message_id = QUEUED.search(reply).group(1).decode()
            rows = stored_messages(server.data_dir)
            self.assertEqual([row["uid"] for row in rows], [message_id])

            # Logged once per episode, not once per refused client.
            err = server.stop_and_read_stderr()
            warnings = err.count("out of file descriptors")
            self.assertGreaterEqual(warnings, 1, err)
            self.assertLessEqual(warnings, 2, err)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
