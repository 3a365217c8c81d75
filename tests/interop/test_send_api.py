"""POST /api/v1/send with real clients against the real binary: curl (as the README shows it), npm's mailpit-api
(a third-party Mailpit client, unchanged) and Python's urllib; the message is read back over the API."""
import base64
import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402
from test_mailpit_api import PREFIX, install_client  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "mailpit_api_send.cjs")


def get_json(url):
    with urllib.request.urlopen(url, timeout=20) as response:
        return json.load(response)


def get_bytes(url):
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read()


class SendApiTest(unittest.TestCase):
    def test_curl(self):
        body = {
            "From": {"Email": "app@example.test", "Name": "App"},
            "To": [{"Email": "bob@example.test"}],
            "Cc": [{"Email": "carol@example.test", "Name": "Carol"}],
            "Bcc": ["audit@example.test"],
            "Subject": "From curl",
            "Text": "Plain body",
            "HTML": "<p>HTML body</p>",
            "Attachments": [{"Content": base64.b64encode(bytes(range(256))).decode(), "Filename": "all.bin",
                             "ContentType": "application/octet-stream"}],
        }
        with Letterbox() as server:
            result = subprocess.run(["curl", "-sS", "--max-time", "20", "-X", "POST",
                                     "-H", "Content-Type: application/json", "--data-binary", json.dumps(body),
                                     server.api_url + "/api/v1/send"], capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 0, result.stderr)
            sent = json.loads(result.stdout)
            self.assertRegex(sent["ID"], r"^[0-9A-Za-z]{22}$")
            message = get_json(server.api_url + "/api/v1/message/" + sent["ID"])
            self.assertEqual(message["Subject"], "From curl")
            self.assertEqual(message["Cc"], [{"Name": "Carol", "Address": "carol@example.test"}])
            self.assertEqual(message["Bcc"], [{"Name": "", "Address": "audit@example.test"}])
            raw = get_bytes(server.api_url + "/api/v1/message/" + sent["ID"] + "/raw")
            self.assertNotIn(b"audit@example.test", raw)
            self.assertTrue(raw.startswith(b"Received: from api ([127.0.0.1]) by "), raw[:120])
            part = message["Attachments"][0]["PartID"]
            self.assertEqual(get_bytes(server.api_url + "/api/v1/message/" + sent["ID"] + "/part/" + part),
                             bytes(range(256)))
            envelope = get_json(server.api_url + "/api/v1/message/" + sent["ID"] + "/envelope")
            self.assertEqual(envelope["MailFrom"], "app@example.test")
            self.assertEqual(envelope["RcptTo"], ["bob@example.test", "carol@example.test", "audit@example.test"])
            self.assertEqual(envelope["Helo"], "api")

            # A refusal: 400 with a JSON {"Error"}, and nothing stored.
            refused = subprocess.run(["curl", "-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}",
                                      "-X", "POST", "--data-binary", '{"To": [{"Email": "bob@example.test"}]}',
                                      server.api_url + "/api/v1/send"], capture_output=True, text=True, timeout=30)
            text, status = refused.stdout.rsplit("\n", 1)
            self.assertEqual(status, "400")
            self.assertEqual(json.loads(text), {"Error": "From address is required"})
            self.assertEqual(get_json(server.api_url + "/api/v1/messages")["total"], 1)

    def test_python_urllib(self):
        body = json.dumps({"From": {"Email": "py@example.test"}, "To": [{"Email": "bob@example.test"}],
                           "Subject": "From Python", "Tags": ["a", "b"]}).encode()
        with Letterbox() as server:
            request = urllib.request.Request(server.api_url + "/api/v1/send", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=20) as response:
                self.assertEqual(response.status, 200)
                sent = json.load(response)
            headers = get_json(server.api_url + "/api/v1/message/" + sent["ID"] + "/headers")
            self.assertEqual(headers["X-Tags"], ["a, b"])
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(server.api_url + "/api/v1/send", data=b"{",
                                                              method="POST"), timeout=20)
            self.assertEqual(refused.exception.code, 400)
            self.assertIn("Error", json.load(refused.exception))

    def test_mailpit_api_client(self):
        install_client()
        with Letterbox() as server:
            result = subprocess.run(["node", SCRIPT, PREFIX, server.api_url], capture_output=True, text=True,
                                    timeout=120)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertRegex(result.stdout, r"^ok \d+ checks")


if __name__ == "__main__":
    unittest.main()
