"""README "Read with a mail client", the IMAP half, run as written (ports substituted): the bounce processor that
waits with IDLE is started before the bounce exists, so it can only print the report if IDLE announced it; the
report is then read in Letterbox (fetching BODY[] set \\Seen, which is the app's read state)."""
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
from harness import Letterbox  # noqa: E402


def section():
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8") as f:
        text = f.read()
    return text[text.index("## Read with a mail client"):text.index("## Security")]


class ReadmeImapTest(unittest.TestCase):
    def test_the_idle_bounce_processor(self):
        text = section()
        mailboxes_json = re.search(r"\(`(\{\"version\": 1, \"mailboxes\".*?)`\)", text, re.S).group(1)
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        processor = next(block for block in blocks if "imaplib" in block)
        expected = re.search(r"# (rfc822; .*)$", processor, re.M).group(1)
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-readme-imap-")
        self.addCleanup(tmp.cleanup)
        mailboxes = os.path.join(tmp.name, "mailboxes.json")
        with open(mailboxes, "w") as f:
            f.write(mailboxes_json.replace("\n", " "))
        # Example 6's rule in "Testing failure handling".
        rules = os.path.join(tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump({"version": 1, "recipient": [{"match": "glob", "pattern": "*@bounce.test", "action": "bounce",
                                                    "code": 550, "enhanced": "5.1.1", "text": "User unknown"}]}, f)
        server = Letterbox("--rules", rules, "--mailboxes", mailboxes, data_dir=os.path.join(tmp.name, "data"),
                           imap=("127.0.0.1:0",))
        self.addCleanup(server.cleanup)
        script = processor.replace("1143", str(server.imap_port))
        worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        self.addCleanup(lambda: worker.poll() is None and worker.kill())
        # The processor is idling on an empty mailbox when the bounce is made.
        time.sleep(1.0)
        self.assertIsNone(worker.poll(), worker.stderr.read() if worker.poll() is not None else "")
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            client.sendmail("bounces@app.test", ["bob@bounce.test"],
                            b"From: bounces@app.test\r\nTo: bob@bounce.test\r\nSubject: Invoice 9\r\n\r\nHi\r\n")
        out, err = worker.communicate(timeout=60)
        self.assertEqual(worker.returncode, 0, err)
        self.assertEqual(out, expected + "\n")
        with urllib.request.urlopen(server.api_url + "/mailbox/bounces/api/v1/messages", timeout=20) as r:
            listed = json.loads(r.read())["messages"]
        self.assertEqual(len(listed), 1)
        self.assertTrue(listed[0]["Read"])


if __name__ == "__main__":
    unittest.main()
