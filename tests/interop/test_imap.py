"""IMAP (CONTRACT "POP3 and IMAP", RFC 3501) against the real headless binary over 127.0.0.1, with real clients:
Python's imaplib for every command of the contract (CAPABILITY, LOGIN, AUTHENTICATE PLAIN, STARTTLS, the implicit-TLS
listener, NOOP, LOGOUT, LIST/LSUB, STATUS, SELECT/EXAMINE, FETCH/UID FETCH of every item, STORE/UID STORE, SEARCH/UID
SEARCH with every key, EXPUNGE, CLOSE, IDLE), `curl imap://`, Debian's mbsync (isync) syncing into a Maildir and
neomutt reading a message. What IMAP shows is the API's: BODY[] is /raw, RFC822.SIZE is Size, \\Seen is Read, \\Flagged
is Pinned, EXPUNGE deletes; UIDVALIDITY and UIDs survive a restart and a UID is never reused. The client side of each
exchange was first checked against Dovecot 2.3 (Debian's dovecot-imapd)."""
import base64
import datetime
import email
import email.policy
import imaplib
import json
import os
import pty
import re
import select
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Letterbox  # noqa: E402

# CONTRACT: IDLE announces a new message "within 1 s"; the sanitizers slow everything several times.
ANNOUNCE_WITHIN = 5.0 if os.environ.get("LETTERBOX_SANITIZED") == "1" else 1.0


def message(subject, body="Hello\r\n.leading dot\r\n", sender="App Sender <app@example.test>", to="bob@example.test",
            cc=None, date="Mon, 02 Nov 2026 10:00:00 +0000"):
    head = "From: %s\r\nTo: %s\r\n" % (sender, to)
    if cc:
        head += "Cc: %s\r\n" % cc
    head += "Subject: %s\r\nDate: %s\r\nMessage-ID: <%s@example.test>\r\n" % (subject, date, subject.replace(" ", "."))
    return (head + "\r\n" + body).encode()


# A multipart message whose parts' sizes and lines are known from how it is written (RFC 3501 §7.4.2 BODYSTRUCTURE).
TEXT_PART = b"Line one\r\nLine two\r\n"
ATTACHMENT = base64.b64encode(b"%PDF-1.4 not really\n" * 5) + b"\r\n"
MULTIPART = (b"From: App Sender <app@example.test>\r\nTo: bob@example.test\r\nSubject: with attachment\r\n"
             b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
             b"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
             + TEXT_PART + b"\r\n"
             b"--XYZ\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
             b"Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n"
             + ATTACHMENT + b"\r\n--XYZ--\r\n")


def api(server, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.api_url + path, method=method, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=20) as r:
        return r.read()


def api_status(server, path):
    try:
        api(server, path)
        return 200
    except urllib.error.HTTPError as error:
        return error.code


def messages(server, mailbox=None):
    """The mailbox's messages as the API lists them (which marks nothing read), oldest first like IMAP numbers."""
    prefix = "/mailbox/%s" % mailbox if mailbox else ""
    return list(reversed(json.loads(api(server, prefix + "/api/v1/messages?limit=1000"))["messages"]))


def raw(server, message_id):
    return api(server, "/api/v1/message/%s/raw" % message_id)


# A small reader of IMAP response data (RFC 3501 §4, §9): atoms, quoted strings, literals, NIL and lists.
def wire(data):
    """imaplib's data list back as the lines on the wire: a tuple is a line's text up to a literal and the literal,
    the element after a tuple goes on with that line."""
    out, after_literal = b"", False
    for item in data:
        if isinstance(item, tuple):
            out += (b"" if after_literal or not out else b"\r\n") + item[0] + b"\r\n" + item[1]
            after_literal = True
        elif item is not None:
            out += (b"" if after_literal or not out else b"\r\n") + item
            after_literal = False
    return out


def parse(text, pos=0):
    """One value at pos: (value, next pos). Lists are Python lists, NIL is None, everything else bytes."""
    while text[pos:pos + 1] == b" ":
        pos += 1
    c = text[pos:pos + 1]
    if c == b"(":
        items, pos = [], pos + 1
        while True:
            while text[pos:pos + 1] == b" ":
                pos += 1
            if text[pos:pos + 1] == b")":
                return items, pos + 1
            value, pos = parse(text, pos)
            items.append(value)
    if c == b'"':
        out, pos = b"", pos + 1
        while text[pos:pos + 1] != b'"':
            if text[pos:pos + 1] == b"\\":
                pos += 1
            out += text[pos:pos + 1]
            pos += 1
        return out, pos + 1
    if c == b"{":
        end = text.index(b"}", pos)
        size = int(text[pos + 1:end].rstrip(b"+"))
        start = end + 3  # "}\r\n"
        return text[start:start + size], start + size
    start = pos
    while pos < len(text) and text[pos:pos + 1] not in b" ()\r\n":
        if text[pos:pos + 1] == b"[":  # BODY[HEADER.FIELDS (A B)]<0>: the section is part of the atom
            pos = text.index(b"]", pos)
        pos += 1
    atom = text[start:pos]
    return (None if atom == b"NIL" else atom), pos


def fetch_responses(data):
    """{sequence number: {ITEM: value}} from a FETCH's untagged responses (several per message are merged)."""
    text, pos, result = wire(data), 0, {}
    while pos < len(text):
        while text[pos:pos + 2] == b"\r\n":
            pos += 2
        number, pos = parse(text, pos)
        items, pos = parse(text, pos)
        fields = result.setdefault(int(number), {})
        for i in range(0, len(items), 2):
            fields[items[i].decode().upper()] = items[i + 1]
    return result


def numbers(data):
    return [int(n) for n in data[0].split()]


class ImapTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="letterbox-imap-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def start(self, *extra, data_dir=None, **listeners):
        listeners.setdefault("imap", ("127.0.0.1:0",))
        server = Letterbox(*extra, data_dir=data_dir or os.path.join(self.tmp, "data"), **listeners)
        self.addCleanup(server.cleanup)
        return server

    def file(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def send(self, server, *raws, to="bob@example.test", login=None):
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as client:
            if login:
                client.login(*login)
            for data in raws:
                client.sendmail("app@example.test", [to], data if isinstance(data, bytes) else message(data))

    def connect(self, server):
        client = imaplib.IMAP4("127.0.0.1", server.imap_port, timeout=20)
        self.addCleanup(self.close, client)
        return client

    def login(self, server, user="Inbox", password="any"):
        client = self.connect(server)
        self.assertEqual(client.login(user, password)[0], "OK")
        return client

    @staticmethod
    def close(client):
        try:
            client.shutdown()
        except OSError:
            pass

    def fetch(self, client, numbers_, items, uid=False):
        kind, data = client.uid("FETCH", numbers_, items) if uid else client.fetch(numbers_, items)
        self.assertEqual(kind, "OK", data)
        return fetch_responses(data)

    def status(self, client, mailbox, items):
        kind, data = client.status(mailbox, "(%s)" % items)
        self.assertEqual(kind, "OK", data)
        values = parse(data[0], data[0].rindex(b"("))[0]
        return dict(zip(values[::2], values[1::2]))

    def search(self, client, *criteria, uid=False):
        kind, data = client.uid("SEARCH", *criteria) if uid else client.search(None, *criteria)
        self.assertEqual(kind, "OK", data)
        return numbers(data)

    # --- listeners, greeting, login ---------------------------------------------------------------------------

    def test_listening_lines_come_after_pop3_and_before_the_api(self):
        server = self.start(pop3=("127.0.0.1:0",), imap=("127.0.0.1:0", "[::1]:0"), imaps=("127.0.0.1:0",))
        self.assertEqual(server.listening_lines, ["SMTP", "POP3", "IMAP", "IMAP", "IMAPS", "API"])
        self.assertTrue(server.imap_listening[1].startswith("[::1]:"))

    def test_capability_login_authenticate_noop_logout(self):
        server = self.start()
        client = self.connect(server)
        self.assertTrue(client.welcome.startswith(b"* OK"), client.welcome)
        kind, caps = client.capability()
        self.assertEqual(kind, "OK")
        caps = caps[0].split()
        for name in (b"IMAP4rev1", b"AUTH=PLAIN", b"IDLE", b"STARTTLS"):
            self.assertIn(name, caps)
        self.assertEqual(client.noop()[0], "OK")
        kind, data = client.login("inbox", "anything")  # a mailbox name, any case
        self.assertEqual(kind, "OK", data)
        self.assertEqual(client.noop()[0], "OK")
        kind, data = client.logout()
        self.assertEqual(kind, "BYE", data)
        # AUTHENTICATE PLAIN (RFC 4616): imaplib waits for the "+" continuation, then sends the credentials.
        client = self.connect(server)
        kind, data = client.authenticate("PLAIN", lambda challenge: b"\0INBOX\0secret")
        self.assertEqual(kind, "OK", data)
        self.assertEqual(client.select("INBOX")[0], "OK")
        # A user that is no mailbox is refused, whatever the password.
        client = self.connect(server)
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            client.login("nobody", "x")
        self.assertIn("[AUTHENTICATIONFAILED]", str(refused.exception))
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            client.authenticate("PLAIN", lambda challenge: b"\0nobody\0x")
        self.assertIn("[AUTHENTICATIONFAILED]", str(refused.exception))
        self.assertEqual(client.login("Inbox", "x")[0], "OK")  # the session went on

    def test_auth_file_checks_passwords(self):
        auth = self.file("users", "Inbox:inboxpw\nshop:s3cret\n")
        mailboxes = self.file("mailboxes.json", {"version": 1, "mailboxes": [{"name": "shop", "routes": []}]})
        server = self.start("--auth", auth, "--mailboxes", mailboxes)
        client = self.connect(server)
        with self.assertRaises(imaplib.IMAP4.error) as refused:
            client.login("Inbox", "s3cret")  # another user's password
        self.assertIn("[AUTHENTICATIONFAILED]", str(refused.exception))
        with self.assertRaises(imaplib.IMAP4.error):
            client.authenticate("PLAIN", lambda challenge: b"\0shop\0wrong")
        self.assertEqual(client.login("SHOP", "s3cret")[0], "OK")
        client = self.connect(server)
        self.assertEqual(client.authenticate("PLAIN", lambda challenge: b"\0inbox\0inboxpw")[0], "OK")

    def test_a_malformed_command_gets_bad_and_a_literal_login_works(self):
        server = self.start()
        with socket.create_connection(("127.0.0.1", server.imap_port), timeout=20) as sock:
            reader = sock.makefile("rb")
            self.assertTrue(reader.readline().startswith(b"* OK"))

            def command(line):
                sock.sendall(line)
                replies = []
                while True:
                    reply = reader.readline()
                    replies.append(reply)
                    if not reply.startswith(b"*") or not reply:
                        return replies

            self.assertTrue(command(b"a1 FROBNICATE\r\n")[-1].startswith(b"a1 BAD"))
            self.assertTrue(command(b"a3 LOGIN \"unterminated\r\n")[-1].startswith(b"a3 BAD"))
            self.assertTrue(command(b"a4 NOOP\r\n")[-1].startswith(b"a4 OK"))  # the session went on
            # A synchronizing literal (RFC 3501 §4.3): "+" before the server takes the octets.
            sock.sendall(b"a5 LOGIN {5}\r\n")
            self.assertTrue(reader.readline().startswith(b"+"))
            sock.sendall(b"Inbox {1}\r\n")
            self.assertTrue(reader.readline().startswith(b"+"))
            replies = command(b"x\r\n")
            self.assertTrue(replies[-1].startswith(b"a5 OK"), replies)
            # LITERAL+ (RFC 7888), as advertised: no continuation awaited.
            replies = command(b"a6 STATUS {5+}\r\nINBOX (MESSAGES)\r\n")
            self.assertRegex(replies[0], rb'^\* STATUS "?INBOX"? \(MESSAGES 0\)\r\n$')
            self.assertTrue(replies[-1].startswith(b"a6 OK"), replies)

    def test_starttls_and_implicit_tls(self):
        server = self.start(imaps=("127.0.0.1:0",))
        self.send(server, "secret")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the catcher's own self-signed certificate
        client = self.connect(server)
        self.assertEqual(client.starttls(context)[0], "OK")
        self.assertNotIn("STARTTLS", client.capabilities)  # RFC 3501 §6.2.1: capabilities asked anew after TLS
        client.login("Inbox", "x")
        client.select("INBOX")
        self.assertIn(b"Subject: secret", self.fetch(client, "1", "(BODY.PEEK[HEADER])")[1]["BODY[HEADER]"])
        client.logout()
        secure = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=context, timeout=20)
        self.addCleanup(self.close, secure)
        self.assertNotIn("STARTTLS", secure.capabilities)
        secure.login("Inbox", "x")
        self.assertEqual(secure.select("INBOX", readonly=True), ("OK", [b"1"]))
        secure.logout()

    # --- mailboxes ----------------------------------------------------------------------------------------------

    def test_list_lsub_status_select_examine(self):
        mailboxes = self.file("mailboxes.json", {"version": 1, "mailboxes": [
            {"name": "shop", "routes": [{"recipient": "*@shop.test"}]}, {"name": "empty", "routes": []}]})
        server = self.start("--mailboxes", mailboxes, "--mailbox-per-user")
        self.send(server, "one", "two")
        self.send(server, "to the shop", to="orders@shop.test")
        self.send(server, "billed", login=("billing", "x"))  # --mailbox-per-user: mailbox "billing"
        client = self.login(server)

        def names(kind, data):
            self.assertEqual(kind, "OK", data)
            listed = {}
            for line in data:
                flags, delimiter, name = re.fullmatch(rb'\(([^)]*)\) (NIL|"[^"]*") "?([^"]*)"?', line).groups()
                listed[name.decode()] = flags
            return listed

        listed = names(*client.list('""', "*"))
        self.assertEqual(sorted(listed), ["INBOX", "billing", "empty", "shop"])
        self.assertEqual(sorted(names(*client.lsub('""', "*"))), ["INBOX", "billing", "empty", "shop"])
        self.assertEqual(sorted(names(*client.list('""', "INBOX"))), ["INBOX"])
        self.assertEqual(sorted(names(*client.list('""', "s*"))), ["shop"])
        # Logged in as shop, INBOX is the shop's mail.
        shop = self.login(server, "Shop")
        self.assertNotIn("shop", names(*shop.list('""', "*")))
        self.assertEqual(shop.select("INBOX", readonly=True), ("OK", [b"1"]))
        # STATUS (RFC 3501 §6.3.10), read as imaplib gives it.
        status = self.status(client, "shop", "MESSAGES UNSEEN UIDNEXT UIDVALIDITY")
        self.assertEqual((status[b"MESSAGES"], status[b"UNSEEN"]), (b"1", b"1"))
        self.assertGreater(int(status[b"UIDNEXT"]), 0)
        self.assertGreater(int(status[b"UIDVALIDITY"]), 0)
        self.assertEqual(self.status(client, "INBOX", "MESSAGES"), {b"MESSAGES": b"2"})
        kind, data = client.status("nosuch", "(MESSAGES)")
        self.assertEqual(kind, "NO", data)
        # SELECT: EXISTS, UIDVALIDITY and UIDNEXT (RFC 3501 §6.3.1); EXAMINE is read-only.
        kind, data = client.select("INBOX")
        self.assertEqual((kind, data), ("OK", [b"2"]))
        uidvalidity = int(client.untagged_responses["UIDVALIDITY"][0])
        self.assertEqual(uidvalidity, int(self.status(client, "INBOX", "UIDVALIDITY")[b"UIDVALIDITY"]))
        uids = [int(self.fetch(client, str(n), "(UID)")[n]["UID"]) for n in (1, 2)]
        self.assertLess(uids[0], uids[1])
        self.assertGreater(int(client.untagged_responses["UIDNEXT"][0]), uids[1])
        self.assertEqual(client.select("shop"), ("OK", [b"1"]))
        self.assertEqual(client.select("empty"), ("OK", [b"0"]))
        kind, data = client.select("billing", readonly=True)
        self.assertEqual((kind, data), ("OK", [b"1"]))
        self.assertIn("READ-ONLY", client.untagged_responses)
        kind, data = client.select("nosuch")
        self.assertEqual(kind, "NO", data)

    # --- FETCH ------------------------------------------------------------------------------------------------

    def test_fetch_every_item(self):
        server = self.start()
        self.send(server, message("plain one"), MULTIPART)
        stored = messages(server)
        sources = [raw(server, m["ID"]) for m in stored]
        client = self.login(server)
        self.assertEqual(client.select("INBOX"), ("OK", [b"2"]))
        fetched = self.fetch(client, "1:*", "(FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE)")
        self.assertEqual(sorted(fetched), [1, 2])
        for n, m in zip((1, 2), stored):
            self.assertEqual(int(fetched[n]["RFC822.SIZE"]), m["Size"])
            self.assertEqual(int(fetched[n]["RFC822.SIZE"]), len(sources[n - 1]))
            self.assertEqual(fetched[n]["FLAGS"], [])
            when = imaplib.Internaldate2tuple(b'INTERNALDATE "' + fetched[n]["INTERNALDATE"] + b'"')
            created = datetime.datetime.fromisoformat(m["Created"].replace("Z", "+00:00")).timestamp()
            self.assertLess(abs(time.mktime(when) - created), 2)
        # ENVELOPE (RFC 3501 §7.4.2): date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id.
        envelope = fetched[1]["ENVELOPE"]
        self.assertEqual(envelope[0], b"Mon, 02 Nov 2026 10:00:00 +0000")
        self.assertEqual(envelope[1], b"plain one")
        self.assertEqual(envelope[2], [[b"App Sender", None, b"app", b"example.test"]])
        self.assertEqual(envelope[3], envelope[2])  # no Sender: header: From's (RFC 3501 §7.4.2)
        self.assertEqual(envelope[4], envelope[2])
        self.assertEqual(envelope[5], [[None, None, b"bob", b"example.test"]])
        self.assertEqual((envelope[6], envelope[7], envelope[8]), (None, None, None))
        self.assertEqual(envelope[9], b"<plain.one@example.test>")
        self.assertEqual(fetched[2]["ENVELOPE"][1], b"with attachment")
        # The stored source, whole and in parts; BODY.PEEK leaves the message unread.
        one = self.fetch(client, "1", "(BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[]<0.20>)")[1]
        header, text = sources[0].split(b"\r\n\r\n", 1)
        self.assertEqual(one["BODY[]"], sources[0])
        self.assertEqual(one["BODY[HEADER]"], header + b"\r\n\r\n")
        self.assertEqual(one["BODY[TEXT]"], text)
        self.assertEqual(one["BODY[]<0>"], sources[0][:20])
        self.assertFalse(messages(server)[0]["Read"])
        two = self.fetch(client, "2", "(BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[1.MIME] RFC822.HEADER)")[2]
        self.assertEqual(two["BODY[1]"], TEXT_PART)
        self.assertEqual(two["BODY[2]"], ATTACHMENT)
        self.assertEqual(two["BODY[1.MIME]"],
                         b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
        self.assertEqual(two["RFC822.HEADER"], sources[1].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
        structure = two["BODYSTRUCTURE"]
        text_part, pdf_part, subtype = structure[0], structure[1], structure[2]
        self.assertEqual(subtype.upper(), b"MIXED")
        self.assertEqual([v.upper() if v else v for v in text_part[:2]], [b"TEXT", b"PLAIN"])
        self.assertEqual([v.lower() for v in text_part[2]], [b"charset", b"utf-8"])
        self.assertEqual(text_part[5].upper(), b"7BIT")
        self.assertEqual((int(text_part[6]), int(text_part[7])), (len(TEXT_PART), 2))  # octets and lines
        self.assertEqual([v.upper() for v in pdf_part[:2]], [b"APPLICATION", b"PDF"])
        self.assertEqual(pdf_part[5].upper(), b"BASE64")
        self.assertEqual(int(pdf_part[6]), len(ATTACHMENT))
        self.assertFalse(messages(server)[1]["Read"])
        # RFC822 and BODY[] set \Seen (RFC 3501 §6.4.5), which is the API's Read.
        whole = self.fetch(client, "1", "(RFC822)")[1]
        self.assertEqual(whole["RFC822"], sources[0])
        self.assertEqual([m["Read"] for m in messages(server)], [True, False])
        self.assertIn(b"\\Seen", self.fetch(client, "1", "(FLAGS)")[1]["FLAGS"])
        self.fetch(client, "2", "(BODY[1])")
        self.assertEqual([m["Read"] for m in messages(server)], [True, True])
        # UID FETCH names messages by UID and always answers the UID (RFC 3501 §6.4.8).
        uid2 = int(self.fetch(client, "2", "(UID)")[2]["UID"])
        by_uid = self.fetch(client, str(uid2), "(RFC822.SIZE BODY.PEEK[])", uid=True)
        self.assertEqual(list(by_uid), [2])
        self.assertEqual(int(by_uid[2]["UID"]), uid2)
        self.assertEqual(by_uid[2]["BODY[]"], sources[1])
        self.assertEqual(self.fetch(client, "%d:*" % (uid2 + 100), "(UID)", uid=True), {2: {"UID": b"%d" % uid2}})

    # --- STORE, EXPUNGE, CLOSE --------------------------------------------------------------------------------

    def test_store_flags_are_read_and_pinned_and_deleted_expunges(self):
        server = self.start()
        self.send(server, "a", "b", "c", "d")
        stored = messages(server)
        client = self.login(server)
        client.select("INBOX")

        def state():
            return [(m["Read"], m["Pinned"]) for m in messages(server)]

        kind, data = client.store("1", "+FLAGS", "(\\Seen)")
        self.assertEqual(kind, "OK", data)
        self.assertIn(b"\\Seen", fetch_responses(data)[1]["FLAGS"])
        self.assertEqual(state()[0], (True, False))
        client.store("1", "-FLAGS", "(\\Seen)")
        self.assertEqual(state()[0], (False, False))
        client.store("2", "+FLAGS", "(\\Flagged)")
        self.assertEqual(state()[1], (False, True))
        self.assertEqual(fetch_responses(client.fetch("2", "(FLAGS)")[1])[2]["FLAGS"], [b"\\Flagged"])
        client.store("2", "-FLAGS.SILENT", "(\\Flagged)")
        self.assertEqual(state()[1], (False, False))
        uid3 = int(self.fetch(client, "3", "(UID)")[3]["UID"])
        kind, data = client.uid("STORE", str(uid3), "+FLAGS", "(\\Seen \\Flagged)")
        self.assertEqual(kind, "OK", data)
        self.assertEqual(state()[2], (True, True))
        client.uid("STORE", str(uid3), "FLAGS", "(\\Seen)")
        self.assertEqual(state()[2], (True, False))
        # \Deleted alone deletes nothing; EXPUNGE does, answering "* N EXPUNGE" (RFC 3501 §7.4.1).
        client.store("2", "+FLAGS", "(\\Deleted)")
        self.assertEqual(len(messages(server)), 4)
        kind, data = client.expunge()
        self.assertEqual((kind, data), ("OK", [b"2"]))
        self.assertEqual(api_status(server, "/api/v1/message/%s/raw" % stored[1]["ID"]), 404)
        self.assertEqual(len(messages(server)), 3)
        self.assertEqual(client.select("INBOX"), ("OK", [b"3"]))
        # CLOSE expunges silently (RFC 3501 §6.4.2); EXAMINE then CLOSE would not.
        client.store("1", "+FLAGS", "(\\Deleted)")
        self.assertEqual(client.close()[0], "OK")
        self.assertEqual([m["ID"] for m in messages(server)], [stored[2]["ID"], stored[3]["ID"]])
        client.select("INBOX", readonly=True)
        client.store("1", "+FLAGS", "(\\Deleted)")  # refused or ignored: EXAMINE changes nothing (RFC 3501 §6.3.2)
        client.close()
        self.assertEqual(len(messages(server)), 2)

    def test_the_api_and_the_client_share_read_and_pinned(self):
        server = self.start()
        self.send(server, "shared")
        stored = messages(server)
        client = self.login(server)
        client.select("INBOX")
        self.assertEqual(self.fetch(client, "1", "(FLAGS)")[1]["FLAGS"], [])
        api(server, "/api/v1/messages", "PUT", {"IDs": [stored[0]["ID"]], "Read": True})
        self.assertEqual(self.fetch(client, "1", "(FLAGS)")[1]["FLAGS"], [b"\\Seen"])
        api(server, "/api/v1/messages", "PUT", {"IDs": [stored[0]["ID"]], "Pinned": True})
        self.assertEqual(sorted(self.fetch(client, "1", "(FLAGS)")[1]["FLAGS"]), [b"\\Flagged", b"\\Seen"])
        api(server, "/api/v1/messages", "PUT", {"IDs": [stored[0]["ID"]], "Read": False})
        self.assertEqual(self.fetch(client, "1", "(FLAGS)")[1]["FLAGS"], [b"\\Flagged"])

    # --- SEARCH -------------------------------------------------------------------------------------------------

    def test_search_every_key(self):
        server = self.start()
        self.send(server,
                  message("Invoice 1", "apple banana\r\n", sender="alice@a.test", to="bob@b.test", cc="carol@c.test"),
                  message("Receipt", "cherry\r\n" + "filler line of text\r\n" * 250, sender="dave@d.test",
                          to="erin@e.test"),
                  message("Invoice 2", "banana\r\n", sender="alice@a.test", to="frank@f.test"))
        client = self.login(server)
        client.select("INBOX")
        client.store("1", "+FLAGS", "(\\Seen)")
        client.store("2", "+FLAGS", "(\\Flagged)")
        uids = [int(self.fetch(client, "1:*", "(UID)")[n]["UID"]) for n in (1, 2, 3)]
        day = imaplib.Internaldate2tuple(b'INTERNALDATE "' + self.fetch(client, "1", "(INTERNALDATE)")[1][
            "INTERNALDATE"] + b'"')
        # SINCE/BEFORE/ON compare the internal date's day (RFC 3501 §6.4.4), as the server gives it.
        on = time.strftime("%d-%b-%Y", day)
        day_after = time.strftime("%d-%b-%Y", time.localtime(time.mktime(day) + 86400))
        cases = [
            (("ALL",), [1, 2, 3]),
            (("SEEN",), [1]),
            (("UNSEEN",), [2, 3]),
            (("FLAGGED",), [2]),
            (("FROM", "alice"), [1, 3]),
            (("TO", "erin@e.test"), [2]),
            (("CC", "carol"), [1]),
            (("SUBJECT", "invoice"), [1, 3]),
            (("BODY", "banana"), [1, 3]),
            (("TEXT", "cherry"), [2]),
            (("TEXT", "frank"), [3]),  # TEXT covers the header too
            (("SINCE", on), [1, 2, 3]),
            (("ON", on), [1, 2, 3]),
            (("BEFORE", on), []),
            (("SINCE", day_after), []),
            (("LARGER", "3000"), [2]),
            (("SMALLER", "3000"), [1, 3]),
            (("UID", "%d:%d" % (uids[0], uids[1])), [1, 2]),
            (("UID", "%d,%d" % (uids[0], uids[2])), [1, 3]),
            (("2:*",), [2, 3]),
            (("NOT", "SEEN"), [2, 3]),
            (("OR", "FROM", "dave", "SUBJECT", '"Invoice 2"'), [2, 3]),
            (("FROM", "alice", "UNSEEN"), [3]),  # keys side by side: AND
            (("(OR SEEN FLAGGED)", "NOT", "BODY", "apple"), [2]),
        ]
        for criteria, expected in cases:
            with self.subTest(criteria=criteria):
                self.assertEqual(self.search(client, *criteria), expected)
        self.assertEqual(self.search(client, "ALL", uid=True), uids)
        self.assertEqual(self.search(client, "FROM", "alice", uid=True), [uids[0], uids[2]])
        with self.assertRaises(imaplib.IMAP4.error):  # imaplib raises on BAD
            client.search(None, "FROBNICATE")
        self.assertEqual(client.noop()[0], "OK")

    def wait_exists(self, client, count, within=5.0):
        """NOOP until the server has announced count messages (RFC 3501 §6.1.2: NOOP is how a client polls; a new
        message reaches a session a moment after its 250)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            client.noop()
            if int(client.untagged_responses.get("EXISTS", [b"0"])[-1]) == count:
                return
            time.sleep(0.05)
        self.fail("no * %d EXISTS within %.1f s" % (count, within))

    # --- IDLE ---------------------------------------------------------------------------------------------------

    def idle(self, client):
        """Starts IDLE (RFC 2177): returns the tag once the server's continuation came."""
        tag = client._new_tag()
        client.send(tag + b" IDLE\r\n")
        self.assertTrue(client.readline().startswith(b"+"))
        return tag

    def wait_for(self, client, pattern, within):
        client.sock.settimeout(within)
        start = time.monotonic()
        try:
            while True:
                line = client.readline()
                if not line:
                    self.fail("connection closed while waiting for %r" % pattern)
                match = re.fullmatch(pattern, line)
                if match:
                    return match, time.monotonic() - start
        except socket.timeout:
            self.fail("no %r within %.1f s" % (pattern, within))
        finally:
            client.sock.settimeout(20)

    def done(self, client, tag):
        client.send(b"DONE\r\n")
        match, _ = self.wait_for(client, re.escape(tag) + rb" (\w+) .*\r\n", 20)
        self.assertEqual(match.group(1), b"OK")

    def test_idle_announces_arrivals_and_deletions(self):
        server = self.start()
        self.send(server, "first", "second")
        client = self.login(server)
        client.select("INBOX")
        tag = self.idle(client)
        sent = time.monotonic()
        self.send(server, "third")
        match, _ = self.wait_for(client, rb"\* (\d+) EXISTS\r\n", ANNOUNCE_WITHIN + 5)
        self.assertEqual(match.group(1), b"3")
        self.assertLessEqual(time.monotonic() - sent, ANNOUNCE_WITHIN + 0.5)  # the 250 came first, the rest is IDLE's
        first = messages(server)[0]["ID"]
        api(server, "/api/v1/messages", "DELETE", {"IDs": [first]})
        match, _ = self.wait_for(client, rb"\* (\d+) EXPUNGE\r\n", ANNOUNCE_WITHIN + 5)
        self.assertEqual(match.group(1), b"1")
        self.done(client, tag)
        self.assertEqual(self.fetch(client, "1:*", "(ENVELOPE)")[2]["ENVELOPE"][1], b"third")

    # --- UIDs across a restart ----------------------------------------------------------------------------------

    def test_uids_survive_a_restart_and_are_never_reused(self):
        server = self.start()
        data_dir = server.data_dir
        self.send(server, "one", "two", "three")
        client = self.login(server)
        client.select("INBOX")
        validity = client.untagged_responses["UIDVALIDITY"][0]
        before = self.fetch(client, "1:*", "(UID ENVELOPE)")
        uids = [int(before[n]["UID"]) for n in (1, 2, 3)]
        client.logout()
        api(server, "/api/v1/messages", "DELETE", {"IDs": [messages(server)[2]["ID"]]})  # the newest
        self.assertEqual(server.stop(), 0)
        server = self.start(data_dir=data_dir)
        client = self.login(server)
        self.assertEqual(client.select("INBOX"), ("OK", [b"2"]))
        self.assertEqual(client.untagged_responses["UIDVALIDITY"][0], validity)
        after = self.fetch(client, "1:*", "(UID ENVELOPE)")
        self.assertEqual([(int(after[n]["UID"]), after[n]["ENVELOPE"][1]) for n in (1, 2)],
                         [(uids[0], b"one"), (uids[1], b"two")])
        self.assertGreater(int(client.untagged_responses["UIDNEXT"][0]), uids[2])
        self.send(server, "four")
        self.wait_exists(client, 3)
        self.assertGreater(int(self.fetch(client, "3", "(UID)")[3]["UID"]), uids[2])

    # --- other clients ------------------------------------------------------------------------------------------

    def test_curl(self):
        server = self.start()
        self.send(server, "curl one", "curl two")
        stored = messages(server)
        client = self.login(server)
        client.select("INBOX", readonly=True)
        uid = int(self.fetch(client, "2", "(UID)")[2]["UID"])
        url = "imap://127.0.0.1:%d/" % server.imap_port
        listing = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "Inbox:x", url], capture_output=True,
                                 check=True, timeout=30).stdout
        self.assertRegex(listing, rb'\* LIST \([^)]*\) "/" "?INBOX"?\r\n')
        fetched = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "Inbox:x", url + "INBOX;UID=%d" % uid],
                                 capture_output=True, check=True, timeout=30).stdout
        self.assertEqual(fetched, raw(server, stored[1]["ID"]))
        found = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "Inbox:x", url + "INBOX?SUBJECT%20one"],
                               capture_output=True, check=True, timeout=30).stdout
        self.assertEqual(found, b"* SEARCH 1\r\n")
        refused = subprocess.run(["curl", "-s", "--max-time", "20", "-u", "nobody:x", url], capture_output=True,
                                 timeout=30)
        self.assertEqual(refused.returncode, 67)  # curl: login denied

    def test_mbsync_pulls_into_a_maildir(self):
        server = self.start()
        self.send(server, "sync one", MULTIPART, "sync three")
        sources = sorted(raw(server, m["ID"]) for m in messages(server))
        maildir = os.path.join(self.tmp, "Maildir")
        os.makedirs(maildir)
        rc = self.file("mbsyncrc", "\n".join([
            "FSync no", "", "IMAPAccount letterbox", "Host 127.0.0.1", "Port %d" % server.imap_port, "User Inbox",
            "Pass x", "SSLType None", "AuthMechs LOGIN", "", "IMAPStore far", "Account letterbox", "",
            "MaildirStore near", "Path %s/" % maildir, "Inbox %s/INBOX" % maildir, "",
            "Channel inbox", "Far :far:INBOX", "Near :near:INBOX", "Sync Pull", "Create Near", "SyncState *", ""]))

        def mbsync():
            result = subprocess.run(["mbsync", "-c", rc, "inbox"], capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            files = []
            for sub in ("new", "cur"):
                for name in os.listdir(os.path.join(maildir, "INBOX", sub)):
                    with open(os.path.join(maildir, "INBOX", sub, name), "rb") as f:
                        files.append(f.read())
            return sorted(files)

        files = mbsync()
        self.assertEqual(len(files), 3)
        # mbsync writes a Maildir's LF line ends and adds one header of its own, X-TUID (how it finds a message it
        # stored again); without it every file is the stored source byte for byte.
        unwrapped = []
        for data in files:
            self.assertEqual(len(re.findall(rb"(?m)^X-TUID: ", data)), 1, data[:400])
            unwrapped.append(re.sub(rb"(?m)^X-TUID: [^\n]*\n", b"", data, count=1))
        self.assertEqual(sorted(unwrapped), sorted(s.replace(b"\r\n", b"\n") for s in sources))
        self.assertEqual(len(mbsync()), 3)  # nothing new, nothing twice
        self.send(server, "sync four")
        self.assertEqual(len(mbsync()), 4)

    def test_neomutt_reads_a_message(self):
        server = self.start()
        self.send(server, "for mutt")
        source = raw(server, messages(server)[0]["ID"])
        out = os.path.join(self.tmp, "piped")
        rc = self.file("muttrc", "\n".join([
            'set imap_user="Inbox"', 'set imap_pass="x"', "set ssl_starttls=no", "set ssl_force_tls=no",
            "set wait_key=no", "set pipe_decode=no", 'set header_cache=""', 'set message_cachedir=""',
            "set quit=yes", "set move=no", 'set folder="%s"' % self.tmp, ""]))
        # neomutt needs a terminal: it runs on a pty, the test types what a user would (| pipes the message to a
        # command), and everything has a deadline.
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "vt100"
            os.environ["HOME"] = self.tmp
            os.execvp("neomutt", ["neomutt", "-n", "-F", rc, "-R", "-f",
                                  "imap://Inbox@127.0.0.1:%d/INBOX" % server.imap_port])
        screen = b""

        def expect(what, within=20):
            nonlocal screen
            deadline = time.monotonic() + within
            while what not in screen and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.2)[0]:
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        break
                    screen += data
            return what in screen

        status = None
        try:
            self.assertTrue(expect(b"Msgs:1"), screen[-2000:])
            self.assertIn(b"for mutt", screen)
            os.write(fd, b"|")
            self.assertTrue(expect(b"Pipe to command"), screen[-2000:])
            os.write(fd, ("cat > %s.tmp && mv %s.tmp %s\r" % (out, out, out)).encode())
            deadline = time.monotonic() + 20
            while not os.path.exists(out) and time.monotonic() < deadline:
                time.sleep(0.1)
            os.write(fd, b"q")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and status is None:
                expect(b"\0", 0.1)
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    status = 0
        finally:
            if status is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(status, 0, "neomutt did not quit")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), source.replace(b"\r\n", b"\n"))  # neomutt hands a command LF line ends
        self.assertFalse(messages(server)[0]["Read"])  # -R: read-only, nothing marked

    def test_a_bounce_processor_idles_for_its_bounces(self):
        # Issue 17's bounce story over IMAP: a bounce rule's DSN, routed by the sender's address to a mailbox of its
        # own; the processor IDLEs there, sees EXISTS, fetches with BODY.PEEK[] and reads it with Python's email.
        rules = self.file("rules.json", {"version": 1, "recipient": [
            {"match": "glob", "pattern": "*@bounce.test", "action": "bounce", "code": 550, "enhanced": "5.1.1",
             "text": "User unknown"}]})
        mailboxes = self.file("mailboxes.json", {"version": 1, "mailboxes": [
            {"name": "bounces", "routes": [{"recipient": "bounces@app.test"}]}]})
        server = self.start("--rules", rules, "--mailboxes", mailboxes)
        client = self.login(server, "bounces")
        self.assertEqual(client.select("INBOX"), ("OK", [b"0"]))
        tag = self.idle(client)
        with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
            smtp.sendmail("bounces@app.test", ["bob@bounce.test"], message("Invoice 7"))
        match, _ = self.wait_for(client, rb"\* (\d+) EXISTS\r\n", 20)
        self.done(client, tag)
        number = match.group(1).decode()
        source = self.fetch(client, number, "(BODY.PEEK[])")[int(number)]["BODY[]"]
        report = email.message_from_bytes(source, policy=email.policy.compat32)
        self.assertEqual(report.get_content_type(), "multipart/report")
        self.assertEqual(report.get_param("report-type"), "delivery-status")
        self.assertEqual(report["To"], "bounces@app.test")
        status = report.get_payload(1)
        self.assertEqual(status.get_content_type(), "message/delivery-status")
        group = status.get_payload()[1]
        self.assertEqual((group["Final-Recipient"], group["Action"], group["Status"]),
                         ("rfc822; bob@bounce.test", "failed", "5.1.1"))
        self.assertEqual(group["Diagnostic-Code"], "smtp; 550 User unknown")
        self.assertIn("Subject: Invoice 7", report.get_payload(2).get_payload())
        self.assertFalse(messages(server, "bounces")[0]["Read"])  # PEEK
        # Handled: \Deleted and EXPUNGE, as a processor would.
        client.store(number, "+FLAGS.SILENT", "(\\Deleted)")
        client.expunge()
        self.assertEqual(messages(server, "bounces"), [])


if __name__ == "__main__":
    unittest.main()
