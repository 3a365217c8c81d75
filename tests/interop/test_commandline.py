"""The command line of README "Command line": listening lines, exit codes, options, clean stop; headless and desktop."""
import contextlib
import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BINARY, Letterbox, stored_messages

# A -DLETTERBOX_GUI=OFF build has no desktop app: letterbox runs headless either way.
DESKTOP = os.environ.get("LETTERBOX_GUI", "1") != "0"


def run(*args, timeout=20):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


class CommandLineTest(unittest.TestCase):
    def test_help_and_version(self):
        help_run = run("--help")
        self.assertEqual(help_run.returncode, 0)
        self.assertTrue(help_run.stdout.startswith("Usage: letterbox [options]\n"), help_run.stdout[:80])
        for option in ("--headless", "--smtp", "--data", "--hostname", "--max-message-size", "--max-messages",
                       "--auth", "--idle-timeout", "--max-connections", "--version", "--api"):
            self.assertIn(option, help_run.stdout)
        version = run("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout, r"^letterbox \d+\.\d+\.\d+\n$")

    def test_usage_errors_exit_2_naming_the_option(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = [
                (["--headless", "--api", "nonsense"], "--api"),
                (["--headless", "--api", "127.0.0.1:99999"], "--api"),
                (["--headless", "--smtp", "nonsense"], "--smtp"),
                (["--headless", "--smtp", "127.0.0.1:70000"], "--smtp"),
                (["--headless", "--smtp", "[::1:25"], "--smtp"),
                (["--headless", "--max-message-size", "-5"], "--max-message-size"),
                (["--headless", "--max-messages", "many"], "--max-messages"),
                (["--headless", "--idle-timeout", "0"], "--idle-timeout"),
                (["--headless", "--max-connections", "0"], "--max-connections"),
                (["--headless", "--auth", os.path.join(tmp, "missing")], os.path.join(tmp, "missing")),
            ]
            for args, named in cases:
                with self.subTest(args=args):
                    result = run(*args, "--data", tmp)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertEqual(result.stdout, "")
                    self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
                    self.assertIn(named, result.stderr)

    def test_a_port_out_of_range_is_named_as_such(self):
        with tempfile.TemporaryDirectory() as tmp:
            for args in (["--smtp", "99999"], ["--smtp", "127.0.0.1:99999"], ["--api", "[::1]:70000"]):
                with self.subTest(args=args):
                    result = run("--headless", "--data", tmp, *args)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertIn(args[0], result.stderr)
                    self.assertIn("port out of range", result.stderr)

    def test_a_bare_port_listens_on_loopback(self):
        with Letterbox(smtp=("0",), api="0") as server:
            self.assertRegex(server.listening[0], r"^127\.0\.0\.1:\d+$")
            self.assertRegex(server.api_url, r"^http://127\.0\.0\.1:\d+$")
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                self.assertEqual(client.noop()[0], 250)

    def test_auth_file_line_without_colon_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            users = os.path.join(tmp, "users")
            with open(users, "w") as f:
                f.write("# comment\n\nalice:pw\nbroken line\n")
            result = run("--headless", "--data", tmp, "--auth", users)
            self.assertEqual(result.returncode, 2)
            self.assertIn("%s:4" % users, result.stderr)

    def test_example_auth_file_works(self):
        example = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples", "users.auth")
        with Letterbox("--auth", example) as server:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                client.login("bob", "p@ss:word")
                client.sendmail("bob@x.test", ["c@y.test"], b"Subject: example\r\n\r\nx\r\n")
            self.assertEqual([r["auth_user"] for r in stored_messages(server.data_dir)], ["bob"])

    def test_port_in_use_exits_2_naming_the_address(self):
        with socket.socket() as busy, tempfile.TemporaryDirectory() as tmp:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            address = "127.0.0.1:%d" % busy.getsockname()[1]
            result = run("--headless", "--data", tmp, "--smtp", address)
            self.assertEqual(result.returncode, 2)
            self.assertIn(address, result.stderr)

    def test_api_port_in_use_exits_2_naming_the_option(self):
        with socket.socket() as busy, tempfile.TemporaryDirectory() as tmp:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            address = "127.0.0.1:%d" % busy.getsockname()[1]
            result = run("--headless", "--data", tmp, "--smtp", "127.0.0.1:0", "--api", address)
            self.assertEqual(result.returncode, 2)
            self.assertIn("--api " + address, result.stderr)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1)

    def test_api_line_and_api_off(self):
        with Letterbox() as server:
            self.assertRegex(server.api_url, r"^http://127\.0\.0\.1:\d+$")
            with urllib.request.urlopen(server.api_url + "/livez", timeout=10) as response:
                self.assertEqual(response.status, 200)
        with Letterbox(api="off") as server:
            self.assertIsNone(server.api_url)
        with Letterbox(api="[::1]:0") as server:
            self.assertRegex(server.api_url, r"^http://\[::1\]:\d+$")
            with urllib.request.urlopen(server.api_url + "/api/v1/messages", timeout=10) as response:
                self.assertEqual(json.load(response)["total"], 0)

    def test_unusable_data_directory_exits_1(self):
        with tempfile.NamedTemporaryFile() as not_a_dir:
            bad = os.path.join(not_a_dir.name, "data")
            result = run("--headless", "--data", bad, "--smtp", "127.0.0.1:0")
            self.assertEqual(result.returncode, 1)
            self.assertIn(bad, result.stderr)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1)

    def desktop_env(self, tmp):
        env = dict(os.environ)
        env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=os.path.join(tmp, "config"),
                   QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox")
        return env

    @contextlib.contextmanager
    def desktop(self, tmp, *args):
        """The desktop app (offscreen) with args; killed if a test leaves it running."""
        proc = subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.desktop_env(tmp))
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()

    def test_desktop_usage_errors_need_no_display(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        result = subprocess.run([BINARY, "--smtp", "nonsense"], capture_output=True, text=True, timeout=20, env=env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--smtp", result.stderr)

    def test_attach_usage_errors_exit_2_naming_the_option(self):
        # CONTRACT "--attach URL": desktop app only, an API base URL, --attach-user with it.
        for args, named in [(["--attach", "ftp://catcher.example"], "--attach"),
                            (["--attach", "http://catcher.example/?x"], "--attach"),
                            (["--headless", "--attach", "http://catcher.example:8025"], "--attach"),
                            (["--attach-user", "ada"], "--attach-user")]:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
                self.assertIn(named, result.stderr)

    @unittest.skipUnless(DESKTOP, "built without the desktop app")
    def test_attach_shows_a_remote_catcher_and_runs_none(self):
        with tempfile.TemporaryDirectory() as tmp:
            users = os.path.join(tmp, "api-users")
            hashed = subprocess.run(["htpasswd", "-nbB", "-C", "5", "ada", "team pass"], capture_output=True, text=True,
                                    check=True).stdout.strip()
            with open(users, "w") as f:
                f.write(hashed + "\n")
            with Letterbox("--api-auth", users) as server:
                url = server.api_url
                env = self.desktop_env(tmp)
                env["HOME"] = tmp  # no data directory of the user's is touched
                env["XDG_DATA_HOME"] = os.path.join(tmp, "share")
                env["LETTERBOX_ATTACH_PASSWORD"] = "team pass"
                proc = subprocess.Popen([BINARY, "--attach", url, "--attach-user", "ada"], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env)
                try:
                    self.assertEqual(proc.stdout.readline(), "Attached to %s\n" % url)
                    time.sleep(1)
                    self.assertIsNone(proc.poll())
                    proc.send_signal(signal.SIGTERM)
                    self.assertEqual(proc.wait(timeout=30), 0)
                    # Nothing listened and no store was made here.
                    self.assertNotIn("listening on", proc.stdout.read())
                    self.assertFalse(os.path.exists(os.path.join(tmp, "share", "letterbox")))
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    proc.stdout.close()
                    proc.stderr.close()
                # The wrong password: exit 1, one line saying the catcher refused it.
                env["LETTERBOX_ATTACH_PASSWORD"] = "guess"
                refused = subprocess.run([BINARY, "--attach", url, "--attach-user", "ada"], capture_output=True,
                                         text=True, timeout=30, env=env)
                self.assertEqual(refused.returncode, 1, refused.stderr)
                self.assertIn("cannot attach", refused.stderr)
                self.assertIn("401", refused.stderr)
            # Nobody there: exit 1 naming the URL.
            gone = subprocess.run([BINARY, "--attach", url], capture_output=True, text=True, timeout=30,
                                  env=self.desktop_env(tmp))
            self.assertEqual(gone.returncode, 1, gone.stderr)
            self.assertIn(url, gone.stderr)

    @unittest.skipUnless(DESKTOP, "built without the desktop app")
    def test_desktop_app_catches_at_once_and_stops_cleanly(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            with self.desktop(tmp, "--data", data, "--smtp", "127.0.0.1:0", "--api", "off") as proc:
                line = proc.stdout.readline()
                self.assertRegex(line, r"^SMTP listening on 127\.0\.0\.1:\d+\n$")
                port = int(line.strip().rsplit(":", 1)[1])
                with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
                    client.sendmail("a@example.test", ["b@example.test"], b"Subject: desktop\r\n\r\nHello\r\n")
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=30), 0)
            rows = stored_messages(data)
            self.assertEqual(len(rows), 1)
            self.assertIn(b"Subject: desktop", rows[0]["raw"])

    @unittest.skipUnless(DESKTOP, "built without the desktop app")
    def test_desktop_app_with_a_busy_port_stays_up_and_says_so(self):
        with tempfile.TemporaryDirectory() as tmp, socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            address = "127.0.0.1:%d" % busy.getsockname()[1]
            with self.desktop(tmp, "--data", os.path.join(tmp, "data"), "--smtp", address, "--api", "off") as proc:
                time.sleep(2)
                self.assertIsNone(proc.poll(), "the window must stay up to offer another port")
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=30), 0)
                self.assertIn(address, proc.stderr.read())

    @unittest.skipUnless(DESKTOP, "built without the desktop app")
    def test_without_the_desktop_app_installed_letterbox_runs_headless(self):
        # The letterbox-server package alone: letterbox with no letterbox-desktop beside it (a copy of the program in
        # a directory of its own, no display) is the headless catcher and says why, instead of failing.
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        with tempfile.TemporaryDirectory() as tmp:
            alone = os.path.join(tmp, "letterbox")
            shutil.copy2(BINARY, alone)
            data = os.path.join(tmp, "data")
            proc = subprocess.Popen([alone, "--data", data, "--smtp", "127.0.0.1:0", "--api", "off"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            try:
                line = proc.stdout.readline()
                self.assertRegex(line, r"^SMTP listening on 127\.0\.0\.1:\d+\n$")
                port = int(line.strip().rsplit(":", 1)[1])
                with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
                    client.sendmail("a@example.test", ["b@example.test"], b"Subject: alone\r\n\r\nHello\r\n")
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=30), 0)
                self.assertIn("is not installed; running as --headless", proc.stderr.read())
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
                proc.stderr.close()
            self.assertEqual(len(stored_messages(data)), 1)

    def test_listening_lines_for_several_addresses(self):
        with Letterbox(smtp=("127.0.0.1:0", "[::1]:0", "*:0")) as server:
            self.assertRegex(server.listening[0], r"^127\.0\.0\.1:\d+$")
            self.assertRegex(server.listening[1], r"^\[::1\]:\d+$")
            self.assertRegex(server.listening[2], r"^\*:\d+$")
            for text in server.listening:
                port = int(text.rsplit(":", 1)[1])
                self.assertNotEqual(port, 0)
            v6_port = int(server.listening[1].rsplit(":", 1)[1])
            with smtplib.SMTP("::1", v6_port, timeout=10) as client:
                self.assertEqual(client.noop()[0], 250)
            any_port = int(server.listening[2].rsplit(":", 1)[1])
            for host in ("127.0.0.1", "::1"):
                with smtplib.SMTP(host, any_port, timeout=10) as client:
                    self.assertEqual(client.noop()[0], 250)

    def test_sigterm_and_sigint_stop_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig), Letterbox() as server:
                server.proc.send_signal(sig)
                self.assertEqual(server.proc.wait(timeout=20), 0)

    def test_options_reach_the_server(self):
        with Letterbox("--max-message-size", "2000", "--max-messages", "2", "--idle-timeout", "1",
                       "--max-connections", "3", "--auth", "off") as server:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                client.ehlo("c.test")
                self.assertEqual(client.esmtp_features["size"], "2000")
                self.assertNotIn("auth", client.esmtp_features)
                self.assertEqual(client.mail("a@x.test", ["SIZE=2001"])[0], 552)
                client.rset()
                for i in range(3):
                    client.sendmail("a@x.test", ["b@y.test"], b"Subject: %d\r\n\r\nx\r\n" % i)
                code, _ = client.mail("a@x.test")
                client.rcpt("b@y.test")
                code, _ = client.data((b"x" * 900 + b"\r\n") * 3)
                self.assertEqual(code, 552)
            deadline = time.monotonic() + 10
            while len(stored_messages(server.data_dir)) != 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual([r["subject"] for r in stored_messages(server.data_dir)], ["1", "2"])
            # --max-connections 3: the fourth concurrent connection gets 421.
            held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
            try:
                for s in held:
                    self.assertTrue(s.recv(100).startswith(b"220 mx.test"))
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as extra:
                    self.assertEqual(extra.recv(100), b"421 mx.test Too many connections, try again later\r\n")
                # --idle-timeout 1: silent sessions get 421 within about a second.
                start = time.monotonic()
                self.assertEqual(held[0].recv(100), b"421 mx.test Error: timeout exceeded\r\n")
                self.assertLess(time.monotonic() - start, 5)
            finally:
                for s in held:
                    s.close()
            self.assertEqual(server.stop(), 0)

    def test_store_survives_restart(self):
        with tempfile.TemporaryDirectory() as tmp:
            with Letterbox(data_dir=tmp) as server:
                with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                    client.sendmail("a@x.test", ["b@y.test"], b"Subject: kept\r\n\r\nx\r\n")
                self.assertEqual(server.stop(), 0)
            with Letterbox(data_dir=tmp) as server:
                self.assertEqual([r["subject"] for r in stored_messages(tmp)], ["kept"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
