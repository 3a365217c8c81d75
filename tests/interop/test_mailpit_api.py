"""Drop-in compatibility: npm's mailpit-api (a real third-party Mailpit client) against the real binary.

The client is installed from the npm registry on first use (into LETTERBOX_NPM_PREFIX, else a directory under
the system's temporary directory), pinned to one version."""
import os
import smtplib
import subprocess
import sys
import tempfile
import unittest
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

CLIENT_VERSION = "2.1.0"
PREFIX = os.environ.get("LETTERBOX_NPM_PREFIX") or os.path.join(tempfile.gettempdir(),
                                                                "letterbox-npm-mailpit-api-" + CLIENT_VERSION)
SCRIPT = os.path.join(os.path.dirname(__file__), "mailpit_api_client.cjs")


def install_client():
    if os.path.exists(os.path.join(PREFIX, "node_modules", "mailpit-api", "package.json")):
        return
    os.makedirs(PREFIX, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund", "--loglevel=error",
                    "mailpit-api@" + CLIENT_VERSION], check=True, timeout=300)


def send(port, sender, to, subject, text, html=None, attachment=None, bcc=()):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    if attachment:
        name, data = attachment
        m.add_attachment(data.encode(), maintype="text", subtype="plain", filename=name)
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        recipients = [a.split("<")[-1].rstrip(">") for a in to.split(",")] + list(bcc)
        s.send_message(m, to_addrs=recipients)


class MailpitApiClientTest(unittest.TestCase):
    def test_mailpit_api_client_works_unchanged(self):
        install_client()
        with Letterbox() as server:
            send(server.port, "Alice <alice@example.test>", "Bob <bob@example.test>", "First: invoice 42",
                 "Please find invoice 42 attached.", attachment=("invoice-42.txt", "invoice 42: 100 EUR\n"),
                 bcc=("audit@example.test",))
            send(server.port, "Carol <carol@example.test>", "team@example.test", "Second: report", "The report.")
            send(server.port, "Dan <dan@example.test>", "bob@example.test", "Third: lunch", "Lunch at noon?",
                 html="<p>Time for <b>lunch</b>?</p>")
            result = subprocess.run(["node", SCRIPT, PREFIX, server.api_url], capture_output=True, text=True,
                                    timeout=120)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertRegex(result.stdout, r"^ok \d+ checks")


if __name__ == "__main__":
    unittest.main(verbosity=2)
