"""The README's curl examples for the API, run as written (only the address and IDs substituted) with Debian's curl."""
import json
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def readme_curl_lines():
    text = open(README, encoding="utf-8").read()
    section = text[text.index("## REST API"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.startswith("curl ")]


class ReadmeApiExamplesTest(unittest.TestCase):
    def test_every_curl_example_works(self):
        lines = readme_curl_lines()
        self.assertGreaterEqual(len(lines), 10)
        with Letterbox() as server, tempfile.TemporaryDirectory() as work:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as s:
                for i, (sender, to) in enumerate([("noisy@example.com", "bob@example.test"),
                                                  ("billing@example.com", "alice@example.test"),
                                                  ("billing@example.com", "alice@example.test")]):
                    s.sendmail(sender, [to], (
                        "From: %s\r\nTo: %s\r\nSubject: example %d\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                        "Hello %d\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
                        "filename=invoice.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
                        % (sender, to, i, i)).encode())
            with urllib.request.urlopen(server.api_url + "/api/v1/messages") as r:
                ids = [m["ID"] for m in json.load(r)["messages"]]
            for line in lines:
                command = line.replace("http://127.0.0.1:8025", server.api_url)
                command = command.replace("ID1", ids[1]).replace("ID2", ids[2])
                with self.subTest(command=line):
                    result = subprocess.run(["bash", "-o", "pipefail", "-c", "curl() { command curl --fail \"$@\"; }; "
                                             + command], cwd=work, capture_output=True, text=True, timeout=30)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    if "/part/2" in line:
                        with open(os.path.join(work, "invoice.pdf"), "rb") as f:
                            self.assertEqual(f.read(), b"%PDF-1.4\n")
                    elif "query=to:alice" in line:
                        self.assertEqual(result.stdout.strip(), "Hello 2")
                    elif "search --data-urlencode" in line and "-X DELETE" not in line:
                        self.assertEqual(json.loads(result.stdout)["messages_count"], 2)
            with urllib.request.urlopen(server.api_url + "/api/v1/messages") as r:
                self.assertEqual(json.load(r)["total"], 0)  # the last example deletes all


if __name__ == "__main__":
    unittest.main(verbosity=2)
