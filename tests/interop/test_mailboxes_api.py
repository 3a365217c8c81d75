"""Mailboxes over real sockets against the real binary (CONTRACT "Mailboxes"): routing by listener, recipient and
AUTH user (perUser) from two SMTP listeners, GET /api/v1/mailboxes, the API under /mailbox/{name} limited to one
mailbox, GET|PUT /api/v1/mailboxes/config applied to the next message without a restart, an invalid --mailboxes file
(exit 2, FILE:LINE: field: problem); and npm's mailpit-api (a third-party Mailpit client) given two mailboxes' base
URLs at once."""
import json
import os
import re
import smtplib
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, Letterbox  # noqa: E402
from test_mailpit_api import PREFIX, install_client  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "mailpit_api_mailboxes.cjs")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port, subject, to, user=None):
    m = EmailMessage()
    m["From"] = "alice@example.test"
    m["To"] = ", ".join(to)
    m["Subject"] = subject
    m.set_content("Body of " + subject)
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        if user:
            s.ehlo()
            s.login(user, "secret")  # --auth any: any password, the user name recorded
        s.send_message(m)


def call(server, method, path, body=None):
    """(status, body bytes) of one request; errors are answers too."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(server, path):
    status, body = call(server, "GET", path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def subjects(server, base=""):
    return sorted(m["Subject"] for m in get_json(server, base + "/api/v1/messages")["messages"])


class MailboxesApiTest(unittest.TestCase):
    def test_routes_and_per_mailbox_endpoints(self):
        shop_port = free_port()
        with tempfile.TemporaryDirectory() as work:
            config = os.path.join(work, "routes.json")
            with open(config, "w") as f:
                json.dump({"version": 1, "perUser": True, "mailboxes": [
                    {"name": "shop", "routes": [{"listener": "127.0.0.1:%d" % shop_port},
                                                {"recipient": "*@shop.test"}]},
                    {"name": "billing", "routes": [{"recipient": "*@billing.test"}]}]}, f)
            with Letterbox("--mailboxes", config, smtp=("127.0.0.1:0", "127.0.0.1:%d" % shop_port)) as server:
                send(server.port, "by recipient", ["orders@shop.test"])
                send(shop_port, "by listener", ["someone@example.test"])
                send(server.port, "split", ["invoices@billing.test", "someone@example.test"])
                send(server.port, "by user", ["someone@example.test"], user="jane")

                # Inbox first, the file's mailboxes in its order, then the per-user one.
                self.assertEqual(get_json(server, "/api/v1/mailboxes"), [
                    {"Name": "Inbox", "Total": 1, "Unread": 1}, {"Name": "shop", "Total": 2, "Unread": 2},
                    {"Name": "billing", "Total": 1, "Unread": 1}, {"Name": "jane", "Total": 1, "Unread": 1}])
                self.assertEqual(subjects(server, "/mailbox/shop"), ["by listener", "by recipient"])
                self.assertEqual(subjects(server, "/mailbox/billing"), ["split"])
                self.assertEqual(subjects(server, "/mailbox/inbox"), ["split"])
                self.assertEqual(subjects(server, "/mailbox/JANE"), ["by user"])
                self.assertEqual(len(subjects(server)), 5)  # the root: every mailbox together

                # The split message is two copies, each with its own ID named in its Received: header.
                billing = get_json(server, "/mailbox/billing/api/v1/messages")["messages"][0]
                inbox = get_json(server, "/mailbox/Inbox/api/v1/messages")["messages"][0]
                self.assertNotEqual(billing["ID"], inbox["ID"])
                self.assertEqual((billing["Mailbox"], inbox["Mailbox"]), ("billing", "Inbox"))
                for copy in (billing, inbox):
                    status, raw = call(server, "GET", "/mailbox/%s/api/v1/message/%s/raw"
                                       % (copy["Mailbox"], copy["ID"]))
                    self.assertEqual(status, 200)
                    self.assertRegex(raw.split(b"\r\n")[0].decode(), r" id %s;" % copy["ID"])

                # Another mailbox's message is not there; an unknown mailbox is 404.
                for path in ("/api/v1/message/%s", "/api/v1/message/%s/headers", "/view/%s.txt"):
                    self.assertEqual(call(server, "GET", "/mailbox/shop" + path % billing["ID"])[0], 404)
                    self.assertEqual(call(server, "GET", "/mailbox/billing" + path % billing["ID"])[0], 200)
                self.assertEqual(call(server, "GET", "/mailbox/nosuch/api/v1/messages")[0], 404)
                query = urllib.parse.quote('subject:"by"')
                self.assertEqual(get_json(server, "/mailbox/shop/api/v1/search?query=" + query)["messages_count"], 2)
                self.assertEqual(get_json(server, "/api/v1/search?query=" + query)["messages_count"], 3)
                self.assertEqual(get_json(server, "/mailbox/shop/api/v1/info")["Messages"], 2)

                # Read flags and delete-all stay inside the mailbox.
                self.assertEqual(call(server, "PUT", "/mailbox/shop/api/v1/messages", {"Read": True}), (200, b"ok"))
                counts = {m["Name"]: m for m in get_json(server, "/api/v1/mailboxes")}
                self.assertEqual(counts["shop"]["Unread"], 0)
                self.assertEqual(counts["jane"]["Unread"], 1)
                self.assertEqual(call(server, "DELETE", "/mailbox/shop/api/v1/messages"), (200, b"ok"))
                self.assertEqual(subjects(server, "/mailbox/shop"), [])
                self.assertEqual(subjects(server), ["by user", "split", "split"])
                # Emptied, shop is still a mailbox (it is in the file).
                self.assertEqual([m["Name"] for m in get_json(server, "/api/v1/mailboxes")],
                                 ["Inbox", "shop", "billing", "jane"])

                # POST /api/v1/send: routed at the root (no listener, no user), unrouted under a prefix.
                mail = {"From": {"Email": "api@example.test"}, "To": [{"Email": "x@billing.test"}], "Subject": "sent"}
                status, body = call(server, "POST", "/api/v1/send", mail)
                self.assertEqual(status, 200)
                self.assertEqual(get_json(server, "/api/v1/message/" + json.loads(body)["ID"])["Mailbox"], "billing")
                status, body = call(server, "POST", "/mailbox/jane/api/v1/send", mail)
                self.assertEqual(status, 200)
                self.assertEqual(get_json(server, "/api/v1/message/" + json.loads(body)["ID"])["Mailbox"], "jane")

    def test_put_config_applies_to_the_next_message(self):
        with Letterbox() as server:
            send(server.port, "before", ["a@crm.test"])
            self.assertEqual(get_json(server, "/api/v1/mailboxes/config"),
                             {"version": 1, "perUser": False, "mailboxes": []})
            config = {"version": 1, "perUser": False,
                      "mailboxes": [{"name": "crm", "routes": [{"recipient": "*@crm.test"}]}]}
            status, body = call(server, "PUT", "/api/v1/mailboxes/config", config)
            self.assertEqual((status, json.loads(body)), (200, config))
            # Saved atomically to mailboxes.json in --data (no --mailboxes given).
            with open(os.path.join(server.data_dir, "mailboxes.json")) as f:
                self.assertEqual(json.load(f), config)
            send(server.port, "after", ["a@crm.test"])  # the same SMTP listener, not restarted
            self.assertEqual(subjects(server, "/mailbox/crm"), ["after"])
            self.assertEqual(subjects(server, "/mailbox/Inbox"), ["before"])

            # Validated whole: 400 naming the field (with its line), and nothing changes.
            bad = b'{"version": 1,\n "mailboxes": [\n  {"name": "crm", "routes": [{"client": "nonsense"}]}]}'
            status, body = call(server, "PUT", "/api/v1/mailboxes/config", bad)
            self.assertEqual(status, 400)
            self.assertRegex(body.decode(), r"^3: mailboxes\[0\]\.routes\[0\]\.client: ")
            self.assertEqual(get_json(server, "/api/v1/mailboxes/config"), config)
            with open(os.path.join(server.data_dir, "mailboxes.json")) as f:
                self.assertEqual(json.load(f), config)

    def test_put_config_writes_the_mailboxes_file_given(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "mine.json")
            with open(path, "w") as f:
                json.dump({"version": 1, "mailboxes": []}, f)
            with Letterbox("--mailboxes", path) as server:
                config = {"version": 1, "perUser": True, "mailboxes": [{"name": "ops", "routes": []}]}
                self.assertEqual(call(server, "PUT", "/api/v1/mailboxes/config", config)[0], 200)
                with open(path) as f:
                    self.assertEqual(json.load(f), config)
                self.assertFalse(os.path.exists(os.path.join(server.data_dir, "mailboxes.json")))

    def test_invalid_mailboxes_file_exits_2(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "bad.json")
            with open(path, "w") as f:
                f.write('{"version": 1,\n "mailboxes": [\n  {"name": "shop", "routes": [{"client": "nonsense"}]}]}\n')
            result = subprocess.run([BINARY, "--headless", "--data", os.path.join(work, "data"), "--smtp",
                                     "127.0.0.1:0", "--api", "127.0.0.1:0", "--mailboxes", path],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertEqual(result.stdout, "")
            lines = result.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertIn("%s:3: mailboxes[0].routes[0].client: " % path, lines[0])

    def test_mailpit_api_client_on_two_mailboxes(self):
        install_client()
        with tempfile.TemporaryDirectory() as work:
            config = os.path.join(work, "routes.json")
            with open(config, "w") as f:
                json.dump({"version": 1, "mailboxes": [
                    {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
                    {"name": "billing", "routes": [{"recipient": "*@billing.test"}]}]}, f)
            with Letterbox("--mailboxes", config) as server:
                for i in (1, 2, 3):
                    send(server.port, "shop %d" % i, ["orders@shop.test"])
                for i in (1, 2):
                    send(server.port, "billing %d" % i, ["invoices@billing.test"])
                send(server.port, "inbox 1", ["someone@example.test"])
                result = subprocess.run(["node", SCRIPT, PREFIX, server.api_url], capture_output=True, text=True,
                                        timeout=120)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertRegex(result.stdout, r"^ok \d+ checks")
                # What the script left, seen at the root: Inbox untouched, shop and billing as it said.
                self.assertEqual(subjects(server, "/mailbox/Inbox"), ["inbox 1"])
                self.assertEqual(subjects(server, "/mailbox/shop"), ["shop 1", "shop 3"])
                self.assertEqual(subjects(server, "/mailbox/billing"), ["sent to billing"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
