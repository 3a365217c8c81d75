"""Mailbox routing over real sockets against the real binary (CONTRACT "Mailboxes"): routes by listener (two --smtp
listeners, matched by the address as written on the command line), AUTH user (glob), envelope recipient (glob,
case-insensitive) and client (cidr), first match winning; --mailbox-per-user and perUser; a message split across
mailboxes stored once per mailbox, each copy with its own ID named in its Received: header and the same envelope;
the mailboxes file loaded all or nothing (exit 2 naming FILE:LINE: field)."""
import json
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY, Letterbox, split_trace  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port, to, subject, user=None, sender="app@example.test"):
    body = "From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nbody\r\n" % (sender, ", ".join(to), subject)
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.ehlo("client.test")
        if user:
            s.login(user, "secret")
        s.sendmail(sender, to, body)


def messages(server):
    with urllib.request.urlopen(server.api_url + "/api/v1/messages?limit=1000", timeout=20) as r:
        return json.load(r)["messages"]


def raw(server, message_id):
    with urllib.request.urlopen(server.api_url + "/api/v1/message/%s/raw" % message_id, timeout=20) as r:
        return r.read()


def by_subject(server):
    """subject -> sorted list of (mailbox, ID)."""
    out = {}
    for m in messages(server):
        out.setdefault(m["Subject"], []).append((m["Mailbox"], m["ID"]))
    return {k: sorted(v) for k, v in out.items()}


def write_config(directory, config, name="mailboxes.json"):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    return path


class MailboxRoutingTest(unittest.TestCase):
    def test_routes_by_listener_user_recipient_and_client_first_match_wins(self):
        project_port = free_port()
        project = "127.0.0.1:%d" % project_port
        with tempfile.TemporaryDirectory(prefix="letterbox-routing-") as data:
            write_config(data, {"version": 1, "perUser": False, "mailboxes": [
                {"name": "project", "routes": [{"listener": project}]},
                {"name": "shop", "routes": [{"recipient": "*@SHOP.test"}]},
                {"name": "billing", "routes": [{"user": "billing*"}]},
                {"name": "lan", "routes": [{"client": "10.0.0.0/8"}]},
                {"name": "local", "routes": [{"client": "127.0.0.0/8"}]},
            ]})
            with Letterbox("--auth", "any", data_dir=data, smtp=("127.0.0.1:0", project)) as server:
                self.assertEqual(server.listening[1], project)
                main_port = server.port
                # The listener route takes the whole message, before the recipient route listed after it.
                send(project_port, ["a@shop.test"], "on the project port")
                send(main_port, ["a@shop.test"], "shop by recipient")
                send(main_port, ["Billing-Team@x.test"], "billing user", user="BILLING-team")
                # No earlier route: the client route (127.0.0.1) matches; 10/8 does not.
                send(main_port, ["someone@else.test"], "loopback client")
                got = by_subject(server)
                self.assertEqual([m for m, _ in got["on the project port"]], ["project"])
                self.assertEqual([m for m, _ in got["shop by recipient"]], ["shop"])
                self.assertEqual([m for m, _ in got["billing user"]], ["billing"])
                self.assertEqual([m for m, _ in got["loopback client"]], ["local"])

    def test_a_message_split_across_mailboxes_is_one_copy_per_mailbox(self):
        with tempfile.TemporaryDirectory(prefix="letterbox-routing-") as data:
            write_config(data, {"version": 1, "mailboxes": [
                {"name": "shop", "routes": [{"recipient": "*@shop.test"}]},
                {"name": "billing", "routes": [{"recipient": "*@billing.test"}]},
            ]})
            with Letterbox(data_dir=data) as server:
                to = ["a@billing.test", "b@shop.test", "c@shop.test", "d@other.test"]
                send(server.port, to, "split")
                copies = by_subject(server)["split"]
                self.assertEqual(sorted(m for m, _ in copies), ["Inbox", "billing", "shop"])
                ids = [i for _, i in copies]
                self.assertEqual(len(set(ids)), 3)
                # Read flags are per copy (before GET /api/v1/message/ID, which marks a message read as Mailpit does).
                request = urllib.request.Request(server.api_url + "/api/v1/messages", method="PUT",
                                                 data=json.dumps({"IDs": [ids[0]], "Read": True}).encode(),
                                                 headers={"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=20).read()
                read = {m["ID"]: m["Read"] for m in messages(server)}
                self.assertEqual([read[i] for i in ids], [True, False, False])
                sources = {}
                for mailbox, message_id in copies:
                    trace, rest = split_trace(raw(server, message_id))
                    self.assertIn(b" id " + message_id.encode() + b";", trace)
                    for other in ids:
                        if other != message_id:
                            self.assertNotIn(other.encode(), trace)
                    sources[mailbox] = rest
                    with urllib.request.urlopen(server.api_url + "/api/v1/message/" + message_id, timeout=20) as r:
                        message = json.load(r)
                    self.assertEqual(message["Mailbox"], mailbox)
                # The same source but for the Received: header, the same whole envelope on every copy.
                self.assertEqual(len(set(sources.values())), 1)
                summaries = [m for m in messages(server) if m["Subject"] == "split"]
                for summary in summaries:
                    self.assertEqual(sorted(a["Address"] for a in summary["To"]), sorted(to))

    def test_mailbox_per_user(self):
        with Letterbox("--auth", "any", "--mailbox-per-user") as server:
            send(server.port, ["x@y.test"], "from jane", user="jane")
            send(server.port, ["x@y.test"], "from an address", user="jane@example.com")
            send(server.port, ["x@y.test"], "without auth")
            send(server.port, ["x@y.test"], "as inbox", user="INBOX")
            got = by_subject(server)
            self.assertEqual([m for m, _ in got["from jane"]], ["jane"])
            # A user name that cannot be a mailbox name goes to Inbox, as does mail without AUTH.
            self.assertEqual([m for m, _ in got["from an address"]], ["Inbox"])
            self.assertEqual([m for m, _ in got["without auth"]], ["Inbox"])
            self.assertEqual([m for m, _ in got["as inbox"]], ["Inbox"])

    def test_per_user_comes_after_the_listed_mailboxes(self):
        with tempfile.TemporaryDirectory(prefix="letterbox-routing-") as data:
            write_config(data, {"version": 1, "perUser": True, "mailboxes": [
                {"name": "shop", "routes": [{"recipient": "*@shop.test"}]}]})
            with Letterbox("--auth", "any", data_dir=data) as server:
                send(server.port, ["a@shop.test", "b@x.test"], "both", user="jane")
                self.assertEqual([m for m, _ in by_subject(server)["both"]], ["jane", "shop"])

    def test_a_bad_mailboxes_file_exits_2_naming_file_line_and_field(self):
        with tempfile.TemporaryDirectory(prefix="letterbox-routing-") as data:
            path = os.path.join(data, "boxes.json")
            with open(path, "w") as f:
                f.write('{\n  "version": 1,\n  "mailboxes": [\n    {"name": "shop",\n'
                        '     "routes": [{"client": "10.0.0.0/99"}]}\n  ]\n}\n')
            for args in (["--mailboxes", path], []):
                with self.subTest(args=args):
                    if not args:
                        os.replace(path, os.path.join(data, "mailboxes.json"))
                        path = os.path.join(data, "mailboxes.json")
                    result = subprocess.run([BINARY, "--headless", "--data", data, "--smtp", "127.0.0.1:0",
                                             "--api", "off"] + args, capture_output=True, text=True, timeout=30)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertEqual(result.stdout, "")
                    lines = result.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, result.stderr)
                    self.assertIn("%s:5: mailboxes[0].routes[0].client: " % path, lines[0])
            missing = os.path.join(data, "missing.json")
            result = subprocess.run([BINARY, "--headless", "--data", data, "--smtp", "127.0.0.1:0", "--api", "off",
                                     "--mailboxes", missing], capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn("--mailboxes " + missing, result.stderr)


if __name__ == "__main__":
    unittest.main()
