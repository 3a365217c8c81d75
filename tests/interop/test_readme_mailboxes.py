"""README "Mailboxes": the two worked examples run as written (only ports substituted, the same way in the JSON and
on the command line) with Debian's swaks and curl, and the answer the README shows for /api/v1/mailboxes."""
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def section():
    text = open(README, encoding="utf-8").read()
    start = text.index("## Mailboxes")
    return text[start:text.index("\n## ", start + 1)]


def blocks(kind):
    return re.findall(r"```%s\n(.*?)```" % kind, section(), re.S)


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def substitute(text, ports):
    for old, new in ports.items():
        text = text.replace(":%d" % old, ":%d" % new)
    return text


def letterbox_args(line):
    """The options of a README `letterbox …` line, without --headless (the harness adds it)."""
    words = shlex.split(line)
    assert words[0] == "letterbox", line
    return [w for w in words[1:] if w != "--headless"]


def run_swaks(line, ports):
    words = shlex.split(substitute(line.split("#")[0], ports))
    assert words[0] == "swaks", line
    result = subprocess.run(words + ["--silent", "2"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (line, result.stdout, result.stderr)


class ReadmeMailboxesTest(unittest.TestCase):
    def test_example_1_one_port_per_project(self):
        config = json.loads(blocks("json")[0])
        commands = [line for line in blocks("sh")[0].splitlines() if line.strip()]
        self.assertTrue(commands[0].startswith("letterbox "), commands[0])
        args = letterbox_args(commands[0])
        smtp = [args[i + 1] for i, a in enumerate(args) if a == "--smtp"]
        self.assertEqual(len(smtp), 3)
        new = free_ports(3)
        ports = {int(a.rsplit(":", 1)[1]): p for a, p in zip(smtp, new)}
        with tempfile.TemporaryDirectory(prefix="letterbox-readme-") as data:
            with open(os.path.join(data, "mailboxes.json"), "w") as f:
                f.write(substitute(json.dumps(config), ports))
            with Letterbox(data_dir=data, smtp=[substitute(a, ports) for a in smtp]) as server:
                shown = None
                for line in commands[1:]:
                    if line.startswith("swaks "):
                        run_swaks(line, ports)
                    elif line.startswith("curl "):
                        words = shlex.split(line)
                        url = words[-1].replace("http://127.0.0.1:8025", server.api_url)
                        with urllib.request.urlopen(url, timeout=20) as r:
                            got = json.load(r)
                    elif line.startswith("# ["):
                        shown = json.loads(line[2:])
                self.assertIsNotNone(shown)
                self.assertEqual(got, shown)

    def test_example_2_one_mailbox_per_smtp_user(self):
        commands = [line for line in blocks("sh")[1].splitlines() if line.strip()]
        args = letterbox_args(commands[0])
        self.assertEqual(args, ["--mailbox-per-user"])
        with Letterbox(*args) as server:
            port = server.port
            expected = []
            for line in commands[1:]:
                self.assertTrue(line.startswith("swaks "), line)
                run_swaks(line, {1025: port})
                expected.append(re.search(r'# mailbox "([^"]+)"', line).group(1))
            with urllib.request.urlopen(server.api_url + "/api/v1/messages", timeout=20) as r:
                got = sorted(m["Mailbox"] for m in json.load(r)["messages"])
            self.assertEqual(got, sorted(expected))


if __name__ == "__main__":
    unittest.main()
