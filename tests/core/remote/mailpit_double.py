"""A small Mailpit-shaped API for the remote store's tests: Mailpit's endpoints and events as Mailpit's
own API documentation (its swagger) describes them, in memory, and nothing of Letterbox's extensions (mailboxes,
envelope, session, rules, pins answer 404 "404 page not found", as Mailpit's router does). Python's standard library
only; the WebSocket (RFC 6455) is written out here: server frames unmasked, text only.

Release: GET /api/v1/webui says whether message relaying is enabled (MessageRelay.Enabled, --relay); POST
/api/v1/message/{ID}/release {"To": [...]} answers "ok" when it is and records the release instead of sending it,
else 400 as Mailpit's relay does when none is configured.

Test-only additions under /_test/: POST /_test/add {"Subject", "From", "To", "Text"} stores a message and announces
it; GET /_test/log lists the requests served (method and path), so a test can check what a client asked; GET
/_test/released lists the releases taken ({"ID", "To"}).

Prints "listening on http://127.0.0.1:PORT" once it listens; --port keeps a port across a restart."""
import argparse
import base64
import datetime
import hashlib
import json
import socket
import struct
import sys
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
MESSAGES = []  # newest first
CLIENTS = []
LOG = []
RELEASED = []
RELAY = {"enabled": False}


def address(text):
    name, _, addr = text.rpartition("<")
    if addr:
        return {"Name": name.strip(), "Address": addr.rstrip(">").strip()}
    return {"Name": "", "Address": text.strip()}


def summary(m):
    return {"ID": m["ID"], "MessageID": m["MessageID"], "Read": m["Read"], "From": address(m["From"]),
            "To": [address(m["To"])], "Cc": [], "Bcc": [], "ReplyTo": [], "Subject": m["Subject"],
            "Created": m["Created"], "Username": "", "Tags": sorted(m["Tags"]), "Size": len(m["Raw"]),
            "Attachments": 0, "Snippet": m["Text"][:250]}


def page(messages, start, limit, counts_of):
    chosen = messages[start:start + limit]
    return {"total": len(MESSAGES), "unread": sum(not m["Read"] for m in MESSAGES), "count": len(chosen),
            "messages_count": len(counts_of), "messages_unread": sum(not m["Read"] for m in counts_of),
            "start": start, "tags": sorted({t for m in MESSAGES for t in m["Tags"]}),
            "messages": [summary(m) for m in chosen]}


def matches(m, query):
    for term in query.split():
        negate = term.startswith("-") or term.startswith("!")
        term = term.lstrip("-!").lower()
        if term == "is:unread":
            hit = not m["Read"]
        elif term == "is:read":
            hit = m["Read"]
        elif term.startswith("tag:"):
            hit = term[4:] in [t.lower() for t in m["Tags"]]
        else:
            hit = term in (m["Subject"] + " " + m["From"] + " " + m["To"] + " " + m["Text"]).lower()
        if hit == negate:
            return False
    return True


def frame(text):
    data = text.encode()
    if len(data) < 126:
        head = struct.pack("!BB", 0x81, len(data))
    elif len(data) < 65536:
        head = struct.pack("!BBH", 0x81, 126, len(data))
    else:
        head = struct.pack("!BBQ", 0x81, 127, len(data))
    return head + data


def broadcast(kind, data):
    payload = frame(json.dumps({"Type": kind, "Data": data}))
    stats = frame(json.dumps({"Type": "stats", "Data": {"Total": len(MESSAGES), "Unread": sum(
        not m["Read"] for m in MESSAGES), "Version": "v1.21.0"}}))
    for client in list(CLIENTS):
        try:
            client.sendall(payload + stats)
        except OSError:
            CLIENTS.remove(client)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/plain; charset=utf-8"):
        data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        if not isinstance(body, (bytes, str)):
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw.strip() else {}

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        with LOCK:
            LOG.append(f"{method} {path}")
            if method == "GET" and path == "/api/events" and self.headers.get("Upgrade", "").lower() == "websocket":
                return self.upgrade()
            if method == "GET" and path == "/_test/log":
                return self.reply(200, LOG)
            if method == "POST" and path == "/_test/add":
                return self.add(self.body())
            if method == "GET" and path == "/_test/released":
                return self.reply(200, RELEASED)
            if method == "GET" and path == "/api/v1/webui":
                relay = {"Enabled": RELAY["enabled"], "SMTPServer": "", "ReturnPath": "", "RecipientAllowlist": ""}
                if RELAY["enabled"]:
                    relay["SMTPServer"] = "relay.double.test:25"
                return self.reply(200, {"MessageRelay": relay})
            if method == "GET" and path == "/api/v1/info":
                tags = {}
                for m in MESSAGES:
                    for t in m["Tags"]:
                        tags[t] = tags.get(t, 0) + 1
                return self.reply(200, {"Version": "v1.21.0", "LatestVersion": "", "Database": "memory",
                                        "DatabaseSize": 0, "Messages": len(MESSAGES),
                                        "Unread": sum(not m["Read"] for m in MESSAGES), "Tags": tags,
                                        "RuntimeStats": {}})
            start = int(query.get("start", 0))
            limit = int(query.get("limit", 50))
            if method == "GET" and path == "/api/v1/messages":
                return self.reply(200, page(MESSAGES, start, limit, MESSAGES))
            if method == "GET" and path == "/api/v1/search":
                if not query.get("query"):
                    return self.reply(400, "Error: no search query")
                found = [m for m in MESSAGES if matches(m, query["query"])]
                return self.reply(200, page(found, start, limit, found))
            if method == "GET" and path == "/api/v1/tags":
                return self.reply(200, sorted({t for m in MESSAGES for t in m["Tags"]}))
            if method == "PUT" and path == "/api/v1/tags":
                body = self.body()
                for m in MESSAGES:
                    if m["ID"] in body.get("IDs", []):
                        m["Tags"] = list(body.get("Tags", []))
                        broadcast("update", {"ID": m["ID"], "Tags": sorted(m["Tags"])})
                return self.reply(200, "ok")
            if method == "PUT" and path == "/api/v1/messages":
                body = self.body()
                ids = body.get("IDs") or [m["ID"] for m in MESSAGES]
                for m in MESSAGES:
                    if m["ID"] in ids and "Read" in body:
                        m["Read"] = bool(body["Read"])
                        broadcast("update", {"ID": m["ID"], "Read": m["Read"]})
                return self.reply(200, "ok")
            if method == "DELETE" and path == "/api/v1/messages":
                ids = self.body().get("IDs") or []
                if not ids:
                    MESSAGES.clear()
                    broadcast("truncate", None)
                else:
                    for m in [m for m in MESSAGES if m["ID"] in ids]:
                        MESSAGES.remove(m)
                        broadcast("delete", {"ID": m["ID"]})
                return self.reply(200, "ok")
            parts = path.split("/")
            if method == "POST" and len(parts) == 6 and parts[1:4] == ["api", "v1", "message"] \
                    and parts[5] == "release":
                found = [m for m in MESSAGES if m["ID"] == urllib.parse.unquote(parts[4])]
                if not found:
                    return self.reply(404, "message not found")
                to = self.body().get("To") or []
                if not to:
                    return self.reply(400, "No valid addresses found")
                if not RELAY["enabled"]:
                    return self.reply(400, "SMTP error: no SMTP relay configured")
                RELEASED.append({"ID": found[0]["ID"], "To": to})
                return self.reply(200, "ok")
            if method == "GET" and len(parts) == 6 and parts[1:4] == ["api", "v1", "message"] and parts[5] == "raw":
                for m in MESSAGES:
                    if m["ID"] == urllib.parse.unquote(parts[4]):
                        return self.reply(200, m["Raw"])
                return self.reply(404, "message not found")
            return self.reply(404, "404 page not found")

    def add(self, body):
        now = datetime.datetime.now(datetime.timezone.utc)
        message_id = f"{uuid.uuid4()}@double.test"
        raw = (f"From: {body['From']}\r\nTo: {body['To']}\r\nSubject: {body['Subject']}\r\n"
               f"Message-ID: <{message_id}>\r\nDate: {now.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
               f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body.get('Text', '')}\r\n").encode()
        m = {"ID": str(uuid.uuid4())[:22], "MessageID": message_id, "Read": False, "From": body["From"],
             "To": body["To"], "Subject": body["Subject"], "Text": body.get("Text", ""), "Tags": [],
             "Created": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "Raw": raw}
        MESSAGES.insert(0, m)
        broadcast("new", summary(m))
        return self.reply(200, {"ID": m["ID"]})

    def upgrade(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        CLIENTS.append(self.connection)
        LOCK.release()
        try:
            # Clients send nothing but control frames; read until the connection ends.
            while self.connection.recv(4096):
                pass
        except OSError:
            pass
        finally:
            LOCK.acquire()
            if self.connection in CLIENTS:
                CLIENTS.remove(self.connection)
        self.close_connection = True

    def do_GET(self):
        self.route("GET")

    def do_PUT(self):
        self.route("PUT")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--relay", action="store_true", help="message relaying (release) is enabled")
    args = parser.parse_args()
    RELAY["enabled"] = args.relay
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    # A stopped double drops its WebSocket clients at once (a client sees the catcher go away).
    for client in list(CLIENTS):
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
