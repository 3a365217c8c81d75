"""Tags and pinned messages (CONTRACT "Mailboxes") over real sockets against the real binary: Mailpit's four tag
endpoints, Tags in summaries, messages, MessagesSummary and /api/v1/info, tags on arrival (X-Tags and
plus-addresses), Pinned through PUT /api/v1/messages and what delete-all, delete-by-search and retention keep; and
npm's mailpit-api (a third-party Mailpit client) driving setTags, getTags, renameTag and deleteTag unchanged."""
import json
import os
import smtplib
import subprocess
import sys
import unittest
import urllib.error
import urllib.request
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402
from test_mailpit_api import PREFIX, install_client  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "mailpit_api_tags.cjs")


def send(port, subject, to="bob@example.test", headers=None):
    m = EmailMessage()
    m["From"] = "alice@example.test"
    m["To"] = to
    m["Subject"] = subject
    for name, value in (headers or {}).items():
        m[name] = value
    m.set_content("Body of " + subject)
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
        s.send_message(m)


def call(server, method, path, body=None):
    """(status, content type, body bytes) of one request; errors are answers too."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.api_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def get_json(server, path):
    status, _, body = call(server, "GET", path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def by_subject(server):
    return {m["Subject"]: m for m in get_json(server, "/api/v1/messages")["messages"]}


class TagsTest(unittest.TestCase):
    def assertOk(self, answer):
        status, content_type, body = answer
        self.assertEqual((status, body), (200, b"ok"))
        self.assertTrue(content_type.startswith("text/plain"), content_type)

    def assertRefused(self, answer, text):
        status, content_type, body = answer
        self.assertEqual((status, body.decode().strip()), (400, text))
        self.assertTrue(content_type.startswith("text/plain"), content_type)

    def test_tag_endpoints(self):
        with Letterbox() as server:
            send(server.port, "Tagged", headers={"X-Tags": "Invoice, urgent"})
            send(server.port, "Plus", to="carol+shop@example.test")
            send(server.port, "Plain")
            status, content_type, body = call(server, "GET", "/api/v1/tags")
            self.assertEqual(status, 200)
            self.assertTrue(content_type.startswith("application/json"), content_type)
            self.assertEqual(json.loads(body), ["Invoice", "shop", "urgent"])
            listing = get_json(server, "/api/v1/messages")
            self.assertEqual(listing["tags"], ["Invoice", "shop", "urgent"])
            messages = by_subject(server)
            self.assertEqual(messages["Tagged"]["Tags"], ["Invoice", "urgent"])
            self.assertEqual(messages["Plus"]["Tags"], ["shop"])
            self.assertEqual(messages["Plain"]["Tags"], [])
            for m in messages.values():
                self.assertEqual(m["Mailbox"], "Inbox")
                self.assertIs(m["Pinned"], False)
            message = get_json(server, "/api/v1/message/" + messages["Tagged"]["ID"])
            self.assertEqual((message["Tags"], message["Mailbox"], message["Pinned"]),
                             (["Invoice", "urgent"], "Inbox", False))
            self.assertEqual(get_json(server, "/api/v1/info")["Tags"], {"Invoice": 1, "shop": 1, "urgent": 1})

            # PUT /api/v1/tags sets exactly those tags; an existing tag keeps its spelling.
            plain = messages["Plain"]["ID"]
            self.assertOk(call(server, "PUT", "/api/v1/tags", {"IDs": [plain], "Tags": ["invoice", "new"]}))
            self.assertEqual(by_subject(server)["Plain"]["Tags"], ["Invoice", "new"])
            found = get_json(server, "/api/v1/search?query=tag%3Ainvoice")
            self.assertEqual(sorted(m["Subject"] for m in found["messages"]), ["Plain", "Tagged"])
            self.assertEqual(get_json(server, "/api/v1/search?query=is%3Atagged")["messages_count"], 3)

            # Renaming: Mailpit's answers.
            self.assertOk(call(server, "PUT", "/api/v1/tags/urgent", {"Name": "later"}))
            self.assertEqual(by_subject(server)["Tagged"]["Tags"], ["Invoice", "later"])
            self.assertRefused(call(server, "PUT", "/api/v1/tags/missing", {"Name": "x"}), "tag not found: missing")
            self.assertRefused(call(server, "PUT", "/api/v1/tags/later", {"Name": "new"}), "tag already exists: new")
            self.assertOk(call(server, "PUT", "/api/v1/tags", {"IDs": [plain], "Tags": ["Two Words"]}))
            self.assertOk(call(server, "PUT", "/api/v1/tags/Two%20Words", {"Name": "Three Words"}))
            self.assertEqual(by_subject(server)["Plain"]["Tags"], ["Three Words"])

            # Deleting a tag keeps its messages.
            self.assertOk(call(server, "DELETE", "/api/v1/tags/Three%20Words"))
            self.assertOk(call(server, "DELETE", "/api/v1/tags/Invoice"))
            self.assertRefused(call(server, "DELETE", "/api/v1/tags/Invoice"), "tag not found: Invoice")
            self.assertEqual(get_json(server, "/api/v1/tags"), ["later", "shop"])
            self.assertEqual(get_json(server, "/api/v1/messages")["total"], 3)

            # The send API's Tags are real tags.
            status, _, body = call(server, "POST", "/api/v1/send", {
                "From": {"Email": "app@example.test"}, "To": [{"Email": "bob@example.test"}],
                "Subject": "Sent", "Text": "x", "Tags": ["signup", "welcome"]})
            self.assertEqual(status, 200, body)
            sent = get_json(server, "/api/v1/message/" + json.loads(body)["ID"])
            self.assertEqual(sent["Tags"], ["signup", "welcome"])

    def test_pinned_messages(self):
        with Letterbox() as server:
            for subject in ("Keep", "Drop", "report one", "report two"):
                send(server.port, subject)
            ids = {s: m["ID"] for s, m in by_subject(server).items()}
            self.assertOk(call(server, "PUT", "/api/v1/messages",
                               {"IDs": [ids["Keep"], ids["report one"]], "Pinned": True}))
            messages = by_subject(server)
            self.assertIs(messages["Keep"]["Pinned"], True)
            self.assertIs(messages["Drop"]["Pinned"], False)
            # Pinned alone leaves the read flag as it was.
            self.assertIs(messages["Keep"]["Read"], False)
            self.assertRefused(call(server, "PUT", "/api/v1/messages", {"IDs": [ids["Keep"]], "Pinned": "yes"}),
                               "Pinned must be true or false")

            # DELETE /api/v1/search skips pinned messages.
            self.assertOk(call(server, "DELETE", "/api/v1/search?query=subject%3Areport"))
            self.assertEqual(sorted(by_subject(server)), ["Drop", "Keep", "report one"])
            # Delete-all too.
            self.assertOk(call(server, "DELETE", "/api/v1/messages"))
            self.assertEqual(sorted(by_subject(server)), ["Keep", "report one"])
            listing = get_json(server, "/api/v1/messages")
            self.assertEqual((listing["total"], listing["unread"]), (2, 2))
            # Deleting a pinned message by its ID deletes it; unpinned, delete-all takes it.
            self.assertOk(call(server, "DELETE", "/api/v1/messages", {"IDs": [ids["report one"]]}))
            self.assertOk(call(server, "PUT", "/api/v1/messages", {"IDs": [ids["Keep"]], "Pinned": False}))
            self.assertOk(call(server, "DELETE", "/api/v1/messages"))
            self.assertEqual(get_json(server, "/api/v1/messages")["total"], 0)

    def test_retention_keeps_pinned_messages(self):
        with Letterbox("--max-messages", "2") as server:
            send(server.port, "Oldest")
            oldest = get_json(server, "/api/v1/messages")["messages"][0]["ID"]
            self.assertOk(call(server, "PUT", "/api/v1/messages", {"IDs": [oldest], "Pinned": True}))
            for subject in ("Second", "Third", "Fourth"):
                send(server.port, subject)
            self.assertEqual([m["Subject"] for m in get_json(server, "/api/v1/messages")["messages"]],
                             ["Fourth", "Oldest"])

    def test_mailpit_api_client_tags(self):
        install_client()
        with Letterbox() as server:
            send(server.port, "Tagged", headers={"X-Tags": "Invoice"})
            send(server.port, "Plus", to="carol+shop@example.test")
            result = subprocess.run(["node", SCRIPT, PREFIX, server.api_url], capture_output=True, text=True,
                                    timeout=120)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertRegex(result.stdout, r"^ok \d+ checks")


if __name__ == "__main__":
    unittest.main()
