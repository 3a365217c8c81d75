"""sendmail mode (CONTRACT "Settled details", sendmail mode): `letterbox sendmail` and the letterbox-sendmail symlink
driven the way real programs drive a sendmail path — a cron-style shell pipe, PHP's mail(), git send-email's
--sendmail-cmd and bsd-mailx's `sendmail` variable — against the real headless binary on loopback, each message read
back through the API (envelope, /raw: Bcc gone, body and dots intact). Then the exit codes for real, each with exactly
one line on stderr: 69 for a closed port, 64 for a bad flag or no recipient, 67/75/77/65 from rules refusing every
recipient (5xx, 4xx), the sender and the message after DATA, and 75 for a server that hangs up; and the process maps
no GUI or TLS library while it sends."""
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import BINARY, Letterbox, split_trace

LINK = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "letterbox-sendmail")
GUI = re.compile(r"/libQt6(Gui|Widgets|OpenGL|WebEngine\w*|Quick\w*|Qml\w*)\.so")
TLS = re.compile(r"/lib(ssl|crypto)\.so")
TIMEOUT = 30
# What sendmail mode reads at most: the catcher's default --max-message-size (CONTRACT "Command line") and 64 KiB.
MAX_INPUT = 64 * 1024 * 1024 + 64 * 1024

# Each refusal the contract names, by a rule of the catcher (CONTRACT "Rules file"; data rules as test_rules.py).
RULES = {
    "version": 1,
    "sender": [
        {"match": "glob", "pattern": "denied@*", "code": 550, "enhanced": "5.7.1", "text": "sender not allowed"},
        {"match": "glob", "pattern": "later@*", "code": 451, "enhanced": "4.3.0", "text": "sender try later"},
    ],
    "recipient": [
        {"match": "regex", "pattern": "^bogus", "code": 550, "enhanced": "5.1.1", "text": "mailbox unavailable"},
        {"match": "regex", "pattern": "^busy", "code": 450, "enhanced": "4.2.1", "text": "mailbox busy"},
    ],
    "data": [
        {"match": "glob", "header": "Subject", "pattern": "*reject me*", "code": 554, "enhanced": "5.6.0",
         "text": "content rejected"},
    ],
}


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SendmailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-sendmail-")
        rules = os.path.join(cls.tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump(RULES, f)
        cls.server = Letterbox("--rules", rules, data_dir=os.path.join(cls.tmp.name, "data"))
        cls.smtp = "127.0.0.1:%d" % cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.tmp.cleanup()

    # --- helpers ---

    def env(self, **extra):
        env = dict(os.environ)
        env.pop("LETTERBOX_SMTP", None)
        env.update(extra)
        return env

    def sendmail(self, args, message, program=None, env=None):
        """Runs `letterbox sendmail ARGS` (or the program given, e.g. the symlink) with MESSAGE on stdin."""
        command = [program] if program else [BINARY, "sendmail"]
        return subprocess.run(command + list(args), input=message, capture_output=True, timeout=TIMEOUT,
                              env=env if env is not None else self.env())

    def api(self, path):
        with urllib.request.urlopen(self.server.api_url + path, timeout=10) as reply:
            return reply.read()

    def total(self):
        return json.loads(self.api("/api/v1/messages"))["total"]

    def latest(self):
        """The newest stored message: its envelope and the data as received (the stored source without the trace
        header)."""
        message = json.loads(self.api("/api/v1/message/latest"))
        envelope = json.loads(self.api("/api/v1/message/%s/envelope" % message["ID"]))
        _, data = split_trace(self.api("/api/v1/message/%s/raw" % message["ID"]))
        return message, envelope, data

    def assertDelivered(self, result):
        self.assertEqual((result.returncode, result.stderr), (0, b""), result.stderr)

    def assertOneLine(self, result, code, *says):
        """Exit code CODE and exactly one line on stderr, saying each of SAYS."""
        self.assertEqual(result.returncode, code, result.stderr)
        text = result.stderr.decode()
        self.assertTrue(text.endswith("\n") and text.count("\n") == 1, repr(text))
        self.assertTrue(text.startswith("letterbox sendmail: "), text)
        for words in says:
            self.assertIn(words, text)

    @staticmethod
    def headers(data):
        return data[:data.index(b"\r\n\r\n") + 2]

    @staticmethod
    def body(data):
        return data[data.index(b"\r\n\r\n") + 4:]

    # --- what programs pipe in ---

    def test_a_cron_style_pipe(self):
        # cron runs a sendmail path through /bin/sh with the job's output on stdin; no From header, no -f.
        result = subprocess.run(
            "printf 'Subject: cron pipe\\n\\nbody\\n' | \"$LETTERBOX_BIN\" sendmail --smtp %s user@example.test"
            % self.smtp, shell=True, capture_output=True, timeout=TIMEOUT, env=self.env(LETTERBOX_BIN=BINARY))
        self.assertDelivered(result)
        _, envelope, data = self.latest()
        # The sender is the user's name at the host name (sendmail's default).
        local = "%s@%s" % (pwd.getpwuid(os.geteuid()).pw_name, socket.gethostname())
        self.assertEqual(envelope["MailFrom"], local)
        self.assertEqual(envelope["RcptTo"], ["user@example.test"])
        self.assertIn(b"Subject: cron pipe\r\n", self.headers(data))
        self.assertIn(b"From: " + local.encode() + b"\r\n", self.headers(data))
        self.assertRegex(self.headers(data), rb"\r\nDate: [^\r\n]+\r\nMessage-ID: <[^\r\n>]+>\r\n")
        self.assertEqual(self.body(data), b"body\r\n")

    def test_the_symlink_and_letterbox_smtp(self):
        self.assertTrue(os.path.islink(LINK), LINK)
        self.assertEqual(os.readlink(LINK), "letterbox")
        result = self.sendmail(["symlink@example.test"], b"Subject: via the symlink\n\nhello\n", program=LINK,
                               env=self.env(LETTERBOX_SMTP=self.smtp))
        self.assertDelivered(result)
        _, envelope, data = self.latest()
        self.assertEqual(envelope["RcptTo"], ["symlink@example.test"])
        self.assertIn(b"Subject: via the symlink\r\n", data)

    def test_smtp_wins_over_letterbox_smtp(self):
        result = self.sendmail(["--smtp", self.smtp, "flag@example.test"], b"Subject: --smtp wins\n\nx\n",
                               env=self.env(LETTERBOX_SMTP="127.0.0.1:%d" % free_port()))
        self.assertDelivered(result)
        self.assertEqual(self.latest()[1]["RcptTo"], ["flag@example.test"])

    @unittest.skipUnless(socket.has_ipv6, "no IPv6")
    def test_an_ipv6_server_in_brackets(self):
        try:
            with socket.socket(socket.AF_INET6) as probe:
                probe.bind(("::1", 0))
        except OSError:
            self.skipTest("no ::1 on this machine")
        with Letterbox(smtp=("[::1]:0",), api="127.0.0.1:0") as server:
            result = self.sendmail(["--smtp", "[::1]:%d" % server.port, "six@example.test"], b"Subject: v6\n\nx\n")
            self.assertDelivered(result)
            with urllib.request.urlopen(server.api_url + "/api/v1/message/latest", timeout=10) as reply:
                message_id = json.load(reply)["ID"]
            with urllib.request.urlopen(server.api_url + "/api/v1/message/%s/envelope" % message_id,
                                        timeout=10) as reply:
                envelope = json.load(reply)
            self.assertEqual(envelope["RcptTo"], ["six@example.test"])
            self.assertEqual(envelope["ClientAddress"], "::1")

    def test_t_takes_to_cc_and_bcc_and_removes_bcc(self):
        message = (b"From: Dev <dev@example.test>\nTo: Bob <bob@example.test>\nCc: carol@example.test\n"
                   b"Bcc: hidden@example.test,\n secret@example.test\nSubject: with -t\n\nbody\n")
        result = self.sendmail(["--smtp", self.smtp, "-t", "-f", "bounces@example.test", "extra@example.test"],
                               message)
        self.assertDelivered(result)
        message_json, envelope, data = self.latest()
        self.assertEqual(envelope["MailFrom"], "bounces@example.test")
        self.assertEqual(envelope["RcptTo"], ["bob@example.test", "carol@example.test", "hidden@example.test",
                                              "secret@example.test", "extra@example.test"])
        self.assertNotIn(b"Bcc:", data)
        self.assertNotIn(b"hidden@example.test", data)
        self.assertNotIn(b"secret@example.test", data)
        self.assertIn(b"From: Dev <dev@example.test>\r\n", data)
        self.assertEqual(self.body(data), b"body\r\n")
        # The API lists the envelope recipients that are in neither To nor Cc as Bcc (CONTRACT "Stored message").
        self.assertEqual(sorted(a["Address"] for a in message_json["Bcc"]),
                         ["extra@example.test", "hidden@example.test", "secret@example.test"])

    def test_f_full_name_makes_the_from_header(self):
        result = self.sendmail(["--smtp", self.smtp, "-F", "Cron Daemon", "-fcron@example.test", "root@example.test"],
                               b"Subject: -F\n\nx\n")
        self.assertDelivered(result)
        _, envelope, data = self.latest()
        self.assertEqual(envelope["MailFrom"], "cron@example.test")
        self.assertIn(b"From: Cron Daemon <cron@example.test>\r\n", data)

    def test_a_lone_dot_ends_the_message_without_i(self):
        # The writer keeps the pipe open after the dot: sendmail stops reading there and delivers.
        process = subprocess.Popen([BINARY, "sendmail", "--smtp", self.smtp, "dot@example.test"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            process.stdin.write(b"Subject: lone dot\n\none\n..two\n.\nnot sent\n")
            process.stdin.flush()
            self.assertEqual(process.wait(timeout=TIMEOUT), 0, process.stderr.read())
        finally:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout, process.stderr):
                pipe.close()
        _, envelope, data = self.latest()
        self.assertEqual(envelope["RcptTo"], ["dot@example.test"])
        self.assertEqual(self.body(data), b"one\r\n..two\r\n")

    def test_with_i_dots_are_text(self):
        result = self.sendmail(["--smtp", self.smtp, "-i", "dot@example.test"],
                               b"Subject: dots with -i\n\none\n.\n..\n.three\n")
        self.assertDelivered(result)
        self.assertEqual(self.body(self.latest()[2]), b"one\r\n.\r\n..\r\n.three\r\n")

    def test_php_mail(self):
        script = ('var_dump(mail("bob@example.test", "PHP subject", "line1\\n.\\nline3", '
                  '"From: dev@example.test\\r\\nCc: carol@example.test\\r\\nBcc: hidden@example.test"));')
        result = subprocess.run(["php", "-n", "-d", "sendmail_path=%s -t -i" % LINK, "-r", script],
                                capture_output=True, timeout=TIMEOUT, env=self.env(LETTERBOX_SMTP=self.smtp))
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, b"bool(true)\n", b""))
        _, envelope, data = self.latest()
        self.assertEqual(envelope["MailFrom"], "dev@example.test")
        self.assertEqual(envelope["RcptTo"], ["bob@example.test", "carol@example.test", "hidden@example.test"])
        self.assertIn(b"Subject: PHP subject\r\n", data)
        self.assertNotIn(b"Bcc:", data)
        self.assertNotIn(b"hidden@example.test", data)
        self.assertEqual(self.body(data), b"line1\r\n.\r\nline3\r\n")

    def test_php_mail_reports_a_refusal(self):
        # mail() returns false when the sendmail path exits non-zero.
        script = 'var_dump(mail("bogus@example.test", "refused", "x", "From: dev@example.test"));'
        result = subprocess.run(["php", "-n", "-d", "sendmail_path=%s -t -i" % LINK, "-r", script],
                                capture_output=True, timeout=TIMEOUT, env=self.env(LETTERBOX_SMTP=self.smtp))
        self.assertEqual(result.stdout, b"bool(false)\n")
        self.assertIn(b"<bogus@example.test> 550 5.1.1 mailbox unavailable", result.stderr)

    def test_git_send_email(self):
        with tempfile.TemporaryDirectory(prefix="letterbox-git-") as home:
            env = self.env(HOME=home, GIT_CONFIG_NOSYSTEM="1", LETTERBOX_SMTP=self.smtp,
                           GIT_AUTHOR_DATE="2026-12-01T00:00:00Z", GIT_COMMITTER_DATE="2026-12-01T00:00:00Z")
            repo = os.path.join(home, "repo")

            def git(*args):
                return subprocess.run(["git", "-C", repo, "-c", "user.name=Dev Eloper",
                                       "-c", "user.email=dev@example.test", *args],
                                      capture_output=True, timeout=TIMEOUT, env=env, check=True)

            subprocess.run(["git", "init", "-q", repo], check=True, timeout=TIMEOUT, env=env)
            git("commit", "-q", "--allow-empty", "-m", "init")
            with open(os.path.join(repo, "notes.txt"), "w") as f:
                f.write("first\n.\n..second\n")
            git("add", "notes.txt")
            git("commit", "-q", "-m", "Add notes")
            patch = git("format-patch", "-1", "-o", os.path.join(home, "out")).stdout.decode().strip()
            result = git("send-email", "--sendmail-cmd=" + LINK, "--to=list@example.test",
                         "--cc=carol@example.test", "--envelope-sender=bounces@example.test", "--confirm=never",
                         "--no-chain-reply-to", "--quiet", patch)
            self.assertIn(b"Sent [PATCH] Add notes", result.stdout)
        _, envelope, data = self.latest()
        self.assertEqual(envelope["MailFrom"], "bounces@example.test")
        self.assertEqual(envelope["RcptTo"], ["list@example.test", "carol@example.test", "dev@example.test"])
        self.assertIn(b"Subject: [PATCH] Add notes\r\n", data)
        self.assertIn(b"\r\n+first\r\n+.\r\n+..second\r\n", data)

    def test_bsd_mailx(self):
        # bsd-mailx runs the program named by its `sendmail` variable (man mail), set here in a MAILRC file.
        with tempfile.TemporaryDirectory(prefix="letterbox-mailx-") as home:
            mailrc = os.path.join(home, "mailrc")
            with open(mailrc, "w") as f:
                f.write("set sendmail=%s\n" % LINK)
            # mail runs it as `sendmail -i -t -f ADDR` (argv[0] "sendmail") with the headers it made on stdin.
            result = subprocess.run(["mail", "-s", "from mailx", "-r", "mailx@example.test", "-c", "carol@example.test",
                                     "-b", "hidden@example.test", "bob@example.test"],
                                    input=b"mailx body\n.dot\n", capture_output=True, timeout=TIMEOUT,
                                    env=self.env(HOME=home, MAILRC=mailrc, LETTERBOX_SMTP=self.smtp))
        self.assertEqual((result.returncode, result.stderr), (0, b""))
        _, envelope, data = self.latest()
        self.assertEqual(envelope["MailFrom"], "mailx@example.test")
        self.assertEqual(sorted(envelope["RcptTo"]), ["bob@example.test", "carol@example.test", "hidden@example.test"])
        self.assertIn(b"Subject: from mailx\r\n", data)
        self.assertNotIn(b"hidden@example.test", data)
        self.assertEqual(self.body(data), b"mailx body\r\n.dot\r\n")

    # --- exit codes ---

    def test_69_when_nothing_listens(self):
        result = self.sendmail(["--smtp", "127.0.0.1:%d" % free_port(), "a@example.test"], b"Subject: x\n\nx\n")
        self.assertOneLine(result, 69, "cannot reach 127.0.0.1:")

    def test_64_for_a_bad_flag(self):
        before = self.total()
        result = self.sendmail(["--smtp", self.smtp, "-k", "a@example.test"], b"Subject: x\n\nx\n")
        self.assertOneLine(result, 64, "'-k'")
        result = self.sendmail(["--smtp", "localhost", "a@example.test"], b"Subject: x\n\nx\n")
        self.assertOneLine(result, 64, "--smtp")
        self.assertEqual(self.total(), before)

    def test_64_without_a_recipient(self):
        result = self.sendmail(["--smtp", self.smtp, "-t"], b"Subject: nobody\n\nx\n")
        self.assertOneLine(result, 64, "no recipient")

    def test_67_when_every_recipient_is_refused(self):
        before = self.total()
        result = self.sendmail(["--smtp", self.smtp, "bogus@example.test", "bogus2@example.test"],
                               b"Subject: x\n\nx\n")
        self.assertOneLine(result, 67, "<bogus@example.test> 550 5.1.1 mailbox unavailable",
                           "<bogus2@example.test> 550 5.1.1")
        self.assertEqual(self.total(), before)

    def test_75_when_every_recipient_is_refused_with_4xx(self):
        before = self.total()
        result = self.sendmail(["--smtp", self.smtp, "busy@example.test"], b"Subject: x\n\nx\n")
        self.assertOneLine(result, 75, "<busy@example.test> 450 4.2.1 mailbox busy")
        result = self.sendmail(["--smtp", self.smtp, "busy@example.test", "bogus@example.test"], b"Subject: x\n\nx\n")
        self.assertOneLine(result, 75, "busy@example.test", "bogus@example.test")
        self.assertEqual(self.total(), before)

    def test_0_when_one_recipient_of_two_is_refused(self):
        result = self.sendmail(["--smtp", self.smtp, "bogus@example.test", "kept@example.test"],
                               b"Subject: half\n\nx\n")
        self.assertOneLine(result, 0, "delivered to 1 of 2", "<bogus@example.test> 550 5.1.1")
        self.assertEqual(self.latest()[1]["RcptTo"], ["kept@example.test"])

    def test_77_when_the_sender_is_refused(self):
        result = self.sendmail(["--smtp", self.smtp, "-f", "denied@example.test", "a@example.test"],
                               b"Subject: x\n\nx\n")
        self.assertOneLine(result, 77, "550 5.7.1 sender not allowed")

    def test_75_when_the_sender_is_refused_with_4xx(self):
        result = self.sendmail(["--smtp", self.smtp, "-f", "later@example.test", "a@example.test"],
                               b"Subject: x\n\nx\n")
        self.assertOneLine(result, 75, "451 4.3.0 sender try later")

    def test_65_when_the_message_is_refused_after_data(self):
        before = self.total()
        result = self.sendmail(["--smtp", self.smtp, "a@example.test"], b"Subject: please reject me\n\nx\n")
        self.assertOneLine(result, 65, "554 5.6.0 content rejected")
        self.assertEqual(self.total(), before)

    def test_69_and_75_when_a_host_rule_refuses_the_session(self):
        # A host refused at connect gets 550 instead of the greeting (CONTRACT "Greeting and host rejection"): that
        # server takes no mail from here, 69; a host rule's 421 ("drop", README "Testing failure handling") may pass
        # later, 75.
        for rule, code, says in (({"text": "Access denied"}, 69, "550 Access denied"),
                                 ({"hostReply": "drop", "text": "try another day"}, 75, "421")):
            rules = os.path.join(self.tmp.name, "host-rules.json")
            with open(rules, "w") as f:
                json.dump({"version": 1, "host": [dict(match="cidr", pattern="127.0.0.0/8", **rule)]}, f)
            with Letterbox("--rules", rules, api="off") as server:
                result = self.sendmail(["--smtp", "127.0.0.1:%d" % server.port, "a@example.test"],
                                       b"Subject: x\n\nx\n")
                self.assertOneLine(result, code, says)

    @unittest.skipUnless(shutil.which("smtp-sink") or os.path.exists("/usr/sbin/smtp-sink"), "postfix's smtp-sink")
    def test_65_and_75_from_smtp_sink(self):
        # A third-party server: postfix's smtp-sink refusing DATA hard (-f) and RCPT soft (-r).
        sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        for flags, code, says in ((["-f", "DATA"], 65, "message refused by 127.0.0.1:"),
                                  (["-r", "RCPT"], 75, "<a@example.test> 4")):
            port = free_port()
            # As root, smtp-sink wants a user to drop to (-u).
            privileges = ["-u", "nobody"] if os.geteuid() == 0 else []
            process = subprocess.Popen([sink, *privileges, *flags, "127.0.0.1:%d" % port, "10"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        self.assertLess(time.monotonic(), deadline, "smtp-sink did not listen")
                        time.sleep(0.05)
                result = self.sendmail(["--smtp", "127.0.0.1:%d" % port, "a@example.test"], b"Subject: x\n\nx\n")
                self.assertOneLine(result, code, says)
            finally:
                process.kill()
                process.wait()

    def test_75_when_the_server_hangs_up_and_no_gui_library_is_mapped(self):
        # A server that accepts and says nothing: while sendmail waits for the greeting it is connected and its
        # client fully set up; its memory map then shows what sendmail mode loads.
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            listener.settimeout(TIMEOUT)
            process = subprocess.Popen(
                [BINARY, "sendmail", "--smtp", "127.0.0.1:%d" % listener.getsockname()[1], "a@example.test"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                process.stdin.write(b"Subject: x\n\nx\n")
                process.stdin.close()
                connection, _ = listener.accept()
                with open("/proc/%d/maps" % process.pid) as f:
                    libraries = {line.split()[-1] for line in f if ".so" in line}
                self.assertTrue(any("libQt6Network" in lib for lib in libraries), libraries)
                self.assertEqual([lib for lib in libraries if GUI.search(lib)], [])
                # Plain SMTP to the catcher: no TLS library either (QSslSocket loads it only when TLS is used). The
                # sanitizer build links libcrypto outright, so only the plain build can tell (as test_headless.py).
                if os.environ.get("LETTERBOX_SANITIZED") != "1":
                    self.assertEqual([lib for lib in libraries if TLS.search(lib)], [])
                connection.close()
                returncode = process.wait(timeout=TIMEOUT)
                stderr = process.stderr.read()
            finally:
                process.kill()
                process.wait()
                for pipe in (process.stdout, process.stderr):
                    pipe.close()
        self.assertOneLine(subprocess.CompletedProcess([], returncode, b"", stderr), 75, "greeting")

    def test_65_for_a_message_over_the_input_limit(self):
        # A runaway pipe is not read without end: past 64 MiB + 64 KiB sendmail stops reading, sends nothing and
        # exits 65 (EX_DATAERR). The input is streamed in pieces, never held whole; sendmail may stop reading (a
        # broken pipe here) before all of it was written.
        before = self.total()
        process = subprocess.Popen([BINARY, "sendmail", "-i", "--smtp", self.smtp, "a@example.test"],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            line = b"x" * 1023 + b"\n"
            piece = b"Subject: big\n\n" + line * 1023
            sent = 0
            try:
                while sent <= MAX_INPUT + 1024 * 1024:
                    process.stdin.write(piece)
                    sent += len(piece)
                    piece = line * 1024
                process.stdin.close()
            except BrokenPipeError:
                pass
            self.assertGreater(sent, 0)
            returncode = process.wait(timeout=TIMEOUT)
            stderr = process.stderr.read()
        finally:
            process.kill()
            process.wait()
            process.stderr.close()
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
        self.assertOneLine(subprocess.CompletedProcess([], returncode, b"", stderr), 65, "message larger than")
        self.assertEqual(self.total(), before)

    def test_a_display_name_is_reduced_and_a_bad_address_is_64(self):
        # Programs pass "Name <addr>" as sendmail takes it; the envelope gets the address (RFC 5321 §4.1.2).
        result = self.sendmail(["--smtp", self.smtp, "-f", "Dev Team <dev@example.test>", "Bob <bob@example.test>"],
                               b"Subject: display names\n\nx\n")
        self.assertDelivered(result)
        _, envelope, _ = self.latest()
        self.assertEqual(envelope["MailFrom"], "dev@example.test")
        self.assertEqual(envelope["RcptTo"], ["bob@example.test"])
        # An address that would break its command line is a usage error, and nothing is sent.
        before = self.total()
        for args, says in ((["bad address@example.test"], "bad address@example.test"),
                           (["-f", "a@example.test>x", "b@example.test"], "a@example.test>x")):
            result = self.sendmail(["--smtp", self.smtp, *args], b"Subject: x\n\nx\n")
            self.assertOneLine(result, 64, "not a valid address", says)
        self.assertEqual(self.total(), before)

    def test_quit_is_sent_before_exit(self):
        # RFC 5321 §4.1.1.10: the session ends with QUIT, which a process that exits right after its result must
        # still write. A scripted server (RFC 5321 §4.3.2's replies) records what the client sent.
        received = []
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            listener.settimeout(TIMEOUT)

            def serve():
                connection, _ = listener.accept()
                with connection:
                    connection.settimeout(TIMEOUT)
                    reader = connection.makefile("rb")
                    connection.sendall(b"220 scripted.test ESMTP\r\n")
                    in_data = False
                    for line in reader:
                        received.append(line)
                        if in_data:
                            if line == b".\r\n":
                                in_data = False
                                connection.sendall(b"250 OK: queued\r\n")
                        elif line.upper().startswith(b"DATA"):
                            in_data = True
                            connection.sendall(b"354 Go ahead\r\n")
                        elif line.upper().startswith(b"QUIT"):
                            connection.sendall(b"221 Bye\r\n")
                            break
                        else:
                            connection.sendall(b"250 OK\r\n")

            server = threading.Thread(target=serve, daemon=True)
            server.start()
            result = self.sendmail(["--smtp", "127.0.0.1:%d" % listener.getsockname()[1], "a@example.test"],
                                   b"Subject: quit\n\nx\n")
            server.join(TIMEOUT)
        self.assertDelivered(result)
        self.assertFalse(server.is_alive())
        self.assertIn(b".\r\n", received)
        self.assertEqual(received[-1], b"QUIT\r\n")

    def test_help(self):
        result = subprocess.run([BINARY, "sendmail", "--help"], capture_output=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 0)
        self.assertTrue(result.stdout.startswith(b"Usage: letterbox sendmail [options] [recipient...]\n"))
        for flag in (b"--smtp HOST:PORT", b"-t ", b"-f ADDR", b"-F NAME", b"-i, -oi", b"LETTERBOX_SMTP"):
            self.assertIn(flag, result.stdout)
        self.assertEqual(subprocess.run([LINK, "--help"], capture_output=True, timeout=TIMEOUT).stdout, result.stdout)
        # letterbox --help points to it.
        main_help = subprocess.run([BINARY, "--help"], capture_output=True, timeout=TIMEOUT)
        self.assertIn(b"letterbox sendmail --help", main_help.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
