"""README "Testing failure handling": the retry examples run as written (only the port substituted) against the real
binary with example 4's rules: the Python one with smtplib, the Node.js one with npm's nodemailer (installed from
the npm registry on first use, pinned). Beyond the README's own claim ("delivered after 2 attempts"), the Python
function is driven into a permanent refusal (not retried) and a dropped connection (retried until it gives up)."""
import json
import os
import re
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


if __name__ == "__main__":
    unittest.main()
