"""README "Testing failure handling", run as written (only the ports substituted): example 5's retry code with
example 4's rules, the Python one with smtplib and the Node.js one with npm's nodemailer (installed from the npm
registry on first use, pinned), beyond its own claim ("delivered after 2 attempts") driven into a permanent refusal
(not retried) and a dropped connection (retried until it gives up); example 6's curl, swaks and bounce processor
(Python's email), printing what the README says it prints; example 7's slow server, timed against the same send
unpaced; and the refused-sessions calls."""
import json
import os
import re
import shlex
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox, stored_messages  # noqa: E402

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
NODEMAILER_VERSION = "6.10.1"  # runs on Debian 12's Node.js 18 as on newer ones
PREFIX = os.environ.get("LETTERBOX_NPM_PREFIX") or os.path.join(tempfile.gettempdir(),
                                                                "letterbox-npm-nodemailer-" + NODEMAILER_VERSION)


def section():
    text = open(README, encoding="utf-8").read()
    start = text.index("## Testing failure handling")
    return text[start:text.index("\n## ", start + 1)]


def block(kind, containing):
    found = [b for b in re.findall(r"```%s\n(.*?)```" % kind, section(), re.S) if containing in b]
    assert len(found) == 1, (kind, containing, len(found))
    return found[0]


def example4_rules():
    """Example 4's rules, from the README's curl command."""
    curl = block("sh", "*@grey.test")
    return json.loads(re.search(r"-d '(.*?)'\n", curl, re.S).group(1))


def shell_lines(text):
    """The commands of a README sh block: each curl -d '…' joined into one, comments dropped."""
    commands, pending = [], ""
    for line in text.splitlines():
        pending = pending + "\n" + line if pending else line
        if pending.count("'") % 2 == 0:
            commands.append(pending)
            pending = ""
    return [c for c in commands if c.strip()]


def run_sh(command, server, cwd, timeout=120):
    """One README command with the README's ports replaced by the server's (curl's -d body kept whole)."""
    command = command.replace("127.0.0.1:8025", server.api_url.split("//")[1])
    command = command.replace("127.0.0.1:1025", "127.0.0.1:%d" % server.port)
    words = shlex.split(command, comments=True)
    if words[0] == "swaks":
        words += ["--silent", "2"]
    if words[0] == "time":
        words = words[1:] + ["--silent", "2"]
    if words[0] == "head":
        # head -c N /dev/urandom | base64 > FILE, without a shell
        count, target = int(words[2]), words[-1]
        with open(os.path.join(cwd, target), "wb") as f:
            f.write(__import__("base64").encodebytes(os.urandom(count)))
        return ""
    result = subprocess.run(words, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout


def install_nodemailer():
    if os.path.exists(os.path.join(PREFIX, "node_modules", "nodemailer", "package.json")):
        return
    os.makedirs(PREFIX, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund", "--loglevel=error",
                    "nodemailer@" + NODEMAILER_VERSION], check=True, timeout=300)


class ReadmeRetryExamplesTest(unittest.TestCase):
    def start(self):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-readme-failures-")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "rules.json")
        with open(path, "w") as f:
            json.dump(example4_rules(), f)
        server = Letterbox("--rules", path, data_dir=os.path.join(tmp.name, "data"))
        self.addCleanup(server.cleanup)
        return server

    def run_script(self, command, source, server, suffix):
        source = source.replace("1025", str(server.port))
        with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as f:
            f.write(source)
        self.addCleanup(os.unlink, f.name)
        env = dict(os.environ, NODE_PATH=os.path.join(PREFIX, "node_modules"))
        return subprocess.run(command + [f.name], capture_output=True, text=True, timeout=120, env=env)

    def test_python_example_is_delivered_on_the_retry(self):
        server = self.start()
        result = self.run_script([sys.executable], block("python", "send_with_retry"), server, ".py")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "delivered after 2 attempts\n")
        self.assertEqual(len(stored_messages(server.data_dir)), 1)

    def test_node_example_is_delivered_on_the_retry(self):
        install_nodemailer()
        server = self.start()
        result = self.run_script(["node"], block("js", "sendWithRetry"), server, ".js")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "delivered after 2 attempts\n")
        self.assertEqual(len(stored_messages(server.data_dir)), 1)

    def python_function(self, server):
        """The README's send_with_retry (without its example call), with smtplib.SMTP counted and no pause."""
        source = block("python", "send_with_retry")
        source = source[:source.index("\nmessage = EmailMessage()")].replace("1025", str(server.port))
        namespace = {}
        exec(compile(source, "README.md", "exec"), namespace)
        connections = []

        class CountedSMTP(smtplib.SMTP):
            def __init__(self, *args, **kwargs):
                connections.append(args)
                super().__init__(*args, **kwargs)

        shim = type(smtplib)("smtplib_counted")
        shim.__dict__.update(smtplib.__dict__)
        shim.SMTP = CountedSMTP
        namespace["smtplib"] = shim
        return namespace, connections

    def message(self, namespace, to):
        message = namespace["EmailMessage"]()
        message["From"], message["To"], message["Subject"] = "app@example.com", to, "Your invoice"
        message.set_content("Hello")
        return message

    def test_python_function_gives_up_at_once_on_a_permanent_refusal(self):
        server = self.start()
        with urllib.request.urlopen(urllib.request.Request(
                server.api_url + "/api/v1/rules", method="PUT", data=json.dumps(
                    {"version": 1, "recipient": [{"match": "regex", "pattern": "^bogus", "code": 550,
                                                  "enhanced": "5.1.1", "text": "mailbox unavailable"}]}).encode()),
                timeout=20) as r:
            self.assertEqual(r.status, 200)
        namespace, connections = self.python_function(server)
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
            namespace["send_with_retry"](self.message(namespace, "bogus@example.com"), pause=0)
        self.assertEqual(refused.exception.recipients,
                         {"bogus@example.com": (550, b"5.1.1 mailbox unavailable")})
        self.assertEqual(len(connections), 1)

    def test_python_function_retries_a_dropped_connection_then_gives_up(self):
        server = self.start()
        namespace, connections = self.python_function(server)
        started = time.monotonic()
        with self.assertRaises(smtplib.SMTPServerDisconnected):
            namespace["send_with_retry"](self.message(namespace, "crash@example.com"), tries=3, pause=0)
        self.assertEqual(len(connections), 3)
        self.assertLess(time.monotonic() - started, 60)
        self.assertEqual(stored_messages(server.data_dir), [])


class ReadmeFailureExamplesTest(unittest.TestCase):
    def start(self):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-readme-failures-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        server = Letterbox(data_dir=os.path.join(tmp.name, "data"))
        self.addCleanup(server.cleanup)
        return server

    def test_example_6_a_bounce_and_its_processor(self):
        server = self.start()
        commands = shell_lines(block("sh", "*@bounce.test"))
        self.assertEqual([c.split()[0] for c in commands], ["curl", "swaks", "curl"])
        run_sh(commands[0], server, self.tmp)
        started = time.monotonic()
        run_sh(commands[1], server, self.tmp)
        found = {"messages": []}
        while not found["messages"] and time.monotonic() - started < 30:
            time.sleep(0.5)
            found = json.loads(run_sh(commands[2], server, self.tmp))
        self.assertEqual(len(found["messages"]), 1)
        self.assertGreaterEqual(time.monotonic() - started, 5)  # bounceAfterMs 5000
        self.assertEqual(found["messages"][0]["To"][0]["Address"], "app@example.com")
        processor = block("python", "message_from_bytes")
        expected = re.search(r"^# (.*)$", processor, re.M).group(1)
        processor = processor.replace("127.0.0.1:8025", server.api_url.split("//")[1])
        result = subprocess.run([sys.executable, "-c", processor], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, expected + "\n")

    def test_example_7_a_slow_server(self):
        server = self.start()
        commands = shell_lines(block("sh", "bytesPerSecond"))
        self.assertEqual([c.split()[0] for c in commands], ["curl", "head", "time"])
        # The same send before the rule: the unpaced reference of this run.
        run_sh(commands[1], server, self.tmp)
        started = time.monotonic()
        run_sh(commands[2], server, self.tmp)
        unpaced = time.monotonic() - started
        run_sh(commands[0], server, self.tmp)
        started = time.monotonic()
        run_sh(commands[2], server, self.tmp)
        paced = time.monotonic() - started
        # 40 KB of base64 at 10 KB/s: the README's "about 4 s".
        self.assertGreater(paced, 3.5)
        self.assertGreater(paced, 3 * unpaced)

    def test_refused_sessions_calls(self):
        server = self.start()
        with urllib.request.urlopen(urllib.request.Request(server.api_url + "/api/v1/rules", method="PUT",
                                                           data=json.dumps(example4_rules()).encode()), timeout=20):
            pass
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            with self.assertRaises(smtplib.SMTPRecipientsRefused):
                client.sendmail("app@example.com", ["bob@grey.test"], b"Subject: x\r\n\r\nx\r\n")
        commands = shell_lines(block("sh", "/api/v1/sessions?refused=true"))
        listing = {"sessions": []}
        deadline = time.monotonic() + 20
        while not listing["sessions"] and time.monotonic() < deadline:
            time.sleep(0.2)  # kept when the connection has ended
            listing = json.loads(run_sh(commands[0], server, self.tmp))
        self.assertEqual((listing["total"], listing["count"], listing["start"]), (1, 1, 0))
        kept = listing["sessions"][0]
        self.assertEqual(set(kept), {"ID", "Created", "Ended", "ClientAddress", "ClientPort", "Helo", "Refused", "Rule",
                                     "Rules", "Messages", "Size", "Transcript"})
        self.assertIn({"Direction", "Text", "Time"}, [set(e) for e in kept["Transcript"]])
        one = json.loads(run_sh(commands[1].replace("ID", kept["ID"]), server, self.tmp))
        self.assertEqual(one["ID"], kept["ID"])
        self.assertIn("451 4.7.1 Greylisted, please try again later", [e["Text"] for e in one["Transcript"]])
        raw = subprocess.run(shlex.split(commands[2].replace("ID", kept["ID"]).replace(
            "127.0.0.1:8025", server.api_url.split("//")[1]), comments=True) + ["-o", "/dev/null", "-w", "%{http_code}"],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(raw.stdout, "404")  # refused at RCPT: no data kept
        run_sh(commands[3], server, self.tmp)
        self.assertEqual(json.loads(run_sh(commands[0], server, self.tmp))["total"], 0)


if __name__ == "__main__":
    unittest.main()
