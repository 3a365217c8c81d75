"""Starts the real headless letterbox binary for interoperability tests and reads its store."""
import datetime
import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time

BINARY = os.environ.get("LETTERBOX_BIN", "letterbox")


class Letterbox:
    """letterbox --headless on loopback port 0, in a fresh data directory (or a given one)."""

    def __init__(self, *extra, data_dir=None, smtp=("127.0.0.1:0",), api="127.0.0.1:0", smtps=(), pop3=(), pop3s=(),
                 imap=(), imaps=(), env=None):
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="letterbox-test-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        args = [BINARY, "--headless", "--data", data_dir, "--hostname", "mx.test"]
        for address in smtp:
            args += ["--smtp", address]
        for address in smtps:
            args += ["--smtps", address]
        for address in pop3:
            args += ["--pop3", address]
        for address in pop3s:
            args += ["--pop3s", address]
        for address in imap:
            args += ["--imap", address]
        for address in imaps:
            args += ["--imaps", address]
        args += ["--api", api]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.listening = []
        self.smtps_listening = []
        self.pop3_listening = []
        self.pop3s_listening = []
        self.imap_listening = []
        self.imaps_listening = []
        self.listening_lines = []  # as printed, in order
        deadline = time.monotonic() + 20
        self.api_url = None
        expected = (len(smtp) + len(smtps) + len(pop3) + len(pop3s) + len(imap) + len(imaps)
                    + (0 if api == "off" else 1))
        while (len(self.listening) + len(self.smtps_listening) + len(self.pop3_listening) + len(self.pop3s_listening)
               + len(self.imap_listening) + len(self.imaps_listening) + (1 if self.api_url else 0)) < expected:
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("letterbox did not print its listening lines")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("letterbox exited: " + self.proc.stderr.read())
            self.listening_lines.append(line.split(" listening on ")[0])
            api_match = re.fullmatch(r"API listening on (https?://\S+)\n", line)
            if api_match:
                self.api_url = api_match.group(1)
                continue
            pop3_match = re.fullmatch(r"POP3(S?) listening on (\S+)\n", line)
            if pop3_match:
                (self.pop3s_listening if pop3_match.group(1) else self.pop3_listening).append(pop3_match.group(2))
                continue
            imap_match = re.fullmatch(r"IMAP(S?) listening on (\S+)\n", line)
            if imap_match:
                (self.imaps_listening if imap_match.group(1) else self.imap_listening).append(imap_match.group(2))
                continue
            smtps_match = re.fullmatch(r"SMTPS listening on (\S+)\n", line)
            if smtps_match:
                self.smtps_listening.append(smtps_match.group(1))
                continue
            match = re.fullmatch(r"SMTP listening on (\S+)\n", line)
            if not match:
                raise RuntimeError("unexpected output line: %r" % line)
            self.listening.append(match.group(1))
        self.port = int(self.listening[0].rsplit(":", 1)[1])
        self.smtps_port = int(self.smtps_listening[0].rsplit(":", 1)[1]) if self.smtps_listening else None
        self.pop3_port = int(self.pop3_listening[0].rsplit(":", 1)[1]) if self.pop3_listening else None
        self.pop3s_port = int(self.pop3s_listening[0].rsplit(":", 1)[1]) if self.pop3s_listening else None
        self.imap_port = int(self.imap_listening[0].rsplit(":", 1)[1]) if self.imap_listening else None
        self.imaps_port = int(self.imaps_listening[0].rsplit(":", 1)[1]) if self.imaps_listening else None

    def stop(self, timeout=20):
        """SIGTERM and wait: returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self._close_pipes()
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        self._close_pipes()

    def _close_pipes(self):
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe and not pipe.closed:
                pipe.close()

    def cleanup(self):
        self.kill()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def open_store(data_dir):
    """A read-only connection to the store that letterbox writes (WAL allows reading alongside)."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "letterbox.db"), uri=True, timeout=10)
    db.row_factory = sqlite3.Row
    return db


def wait_parsed(data_dir, timeout=15):
    """Letterbox fills a message's parsed columns (subject, addresses…) between deliveries, a moment after the 250;
    tests that read those columns from the database wait for that (the API has them at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open_store(data_dir) as db:
            if db.execute("SELECT count(*) FROM messages WHERE parsed = 0").fetchone()[0] == 0:
                return
        time.sleep(0.05)


def stored_message(data_dir, message_id):
    """The message's row as a dict, with its source ("raw") and its session transcript ("transcript", JSON text of the
    API's entries)."""
    wait_parsed(data_dir)
    with open_store(data_dir) as db:
        row = db.execute("SELECT m.*, d.raw FROM messages m JOIN message_data d ON d.id = m.id WHERE uid = ?",
                         (message_id,)).fetchone()
        if row is None:
            return None
        chunks, link = [], row["chunk_id"]
        while link:
            (previous,) = db.execute("SELECT previous_id FROM transcript_chunks WHERE id = ?", (link,)).fetchone()
            chunks.insert(0, link)
            link = previous
        # The entries as the API words them (docs/architecture.md "The store").
        transcript = []
        for chunk in chunks:
            for ms, direction, text in db.execute(
                    "SELECT time, direction, text FROM transcript_entries WHERE chunk_id = ? ORDER BY seq", (chunk,)):
                when = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
                transcript.append({"Time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z",
                                   "Direction": "in" if direction == 0 else "out", "Text": text})
        message = dict(row)
        message["transcript"] = json.dumps(transcript)
        return message


def stored_messages(data_dir):
    wait_parsed(data_dir)
    with open_store(data_dir) as db:
        return db.execute("SELECT m.*, d.raw FROM messages m JOIN message_data d ON d.id = m.id ORDER BY m.id").fetchall()


def split_trace(raw):
    """Splits the stored source into its Received: trace header and the data as received."""
    end = raw.index(b"\r\n")
    assert raw.startswith(b"Received: from "), raw[:200]
    return raw[:end + 2], raw[end + 2:]


QUEUED = re.compile(rb"Ok: queued as ([0-9A-Za-z]{22})")
