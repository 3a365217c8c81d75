"""The systemd user unit as a real systemd user manager runs it (packaging/README.md "Headless as a user service"):
`cmake --install` of this build into a fresh prefix, `systemctl --user link` of the installed letterbox.service and
`systemctl --user enable --now letterbox`, with a drop-in that only adds free loopback ports and a temporary --data
to the unit's own ExecStart, sends stdout and stderr to files (there is no journal here) and records how each run
ended (ExecStopPost sees $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS, systemd.exec(5)). KillSignal, Restart and
RestartPreventExitStatus are the installed unit's. Checked: a stop leaves the unit inactive, not failed, after
Letterbox exited 0 with the message in its store; a restart and a crash (SIGKILL of the main process, which systemd
restarts: Restart=on-failure) keep it; a configuration error (the SMTP port in use, exit 2) is not restarted.

The manager is private to the test: `systemd --user` with a temporary HOME and XDG_RUNTIME_DIR, reached by systemctl
through its socket $XDG_RUNTIME_DIR/systemd/private. It runs in a mount namespace where /run/systemd/system exists
(systemd runs a user manager only on a machine booted with systemd, sd_booted(3)), and in a cgroup namespace rooted at
a cgroup of its own with only the cgroup2 hierarchy mounted, so that it manages that cgroup alone and never moves a
process of the machine (in a container whose PID 1 is not systemd it would otherwise take the root cgroup for its
own). That needs root; without root, systemd, unshare or a cgroup2 hierarchy the test is skipped, saying why."""
import configparser
import json
import os
import shlex
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import open_store, split_trace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LETTERBOX_BUILD_DIR", os.path.join(ROOT, "build"))
TIMEOUT = 60
# The manager stops itself (and so Letterbox) after this long, below the test's ctest TIMEOUT, so that a test killed
# by ctest leaves nothing running.
MANAGER_LIFETIME = 240
MESSAGE = b"Subject: kept by the service\r\n\r\nbody\r\n"
SYSTEMD = next((p for p in ("/usr/lib/systemd/systemd", "/lib/systemd/systemd") if os.access(p, os.X_OK)), None)

# Run by sh with the test's cgroup directory, XDG_RUNTIME_DIR and the manager's lifetime: it moves itself into the
# cgroup, then, in new mount and cgroup namespaces, checks that it is alone at the root of the only cgroup hierarchy
# it sees before it becomes the manager (a shell builtin loop reads cgroup.procs, a cat would be listed too). It
# starts basic.target, not default.target, so that no user unit enabled for everyone on this machine (an installed
# package's letterbox.service among them) starts beside the one under test.
LAUNCHER = r"""
set -e
echo $$ > "$1/cgroup.procs"
exec unshare --mount --cgroup --propagation private sh -c '
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd/system
mount -t cgroup2 cgroup2 /sys/fs/cgroup
grep -qx "0::/" /proc/self/cgroup
n=0
while read -r pid; do n=$((n + 1)); [ "$pid" = $$ ]; done < /sys/fs/cgroup/cgroup.procs
[ $n = 1 ]
exec timeout -s TERM "$3" "$2" --user --unit=basic.target
' sh "$1" "$2" "$3"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cgroup2_mount():
    """Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified beside cgroup v1)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            separator = fields.index("-")
            if fields[separator + 1] == "cgroup2":
                return fields[4]
    return None


def own_cgroup2():
    with open("/proc/self/cgroup", encoding="utf-8") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def wait_until(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def api_subjects(api_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/messages" % api_port, timeout=10) as response:
        return [m["Subject"] for m in json.load(response)["messages"]]


class UserServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("a private user manager needs root here (mount and cgroup namespaces)")
        if SYSTEMD is None or shutil.which("systemctl") is None:
            raise unittest.SkipTest("systemd is not installed (Debian: systemd)")
        if shutil.which("unshare") is None:
            raise unittest.SkipTest("unshare is not installed (Debian: util-linux)")
        mount, own = cgroup2_mount(), own_cgroup2()
        if mount is None or own is None:
            raise unittest.SkipTest("no cgroup2 hierarchy to give the user manager a cgroup of its own")

        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-user-service-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.prefix = os.path.join(cls.tmp.name, "usr")
        run = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], capture_output=True, text=True,
                             timeout=TIMEOUT)
        assert run.returncode == 0, run.stdout + run.stderr

        home = os.path.join(cls.tmp.name, "home")
        runtime = os.path.join(cls.tmp.name, "runtime")
        os.makedirs(home)
        os.mkdir(runtime, 0o700)
        cls.config = os.path.join(home, ".config")
        cls.env = {k: v for k, v in os.environ.items()
                   if k not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
        cls.env.update(HOME=home, XDG_RUNTIME_DIR=runtime, XDG_CONFIG_HOME=cls.config, SYSTEMD_PAGER="",
                       SYSTEMD_COLORS="0")

        cls.cgroup = os.path.join(mount + own.rstrip("/"), "letterbox-test-%d" % os.getpid())
        try:
            os.mkdir(cls.cgroup)
        except OSError as error:
            # A container may mount the hierarchy read-only (Docker without privileges, for one).
            raise unittest.SkipTest("no cgroup of its own can be made for the user manager: %s" % error)
        cls.addClassCleanup(cls.remove_cgroup)
        cls.manager_log = os.path.join(cls.tmp.name, "manager.log")
        with open(cls.manager_log, "w", encoding="utf-8") as log:
            cls.manager = subprocess.Popen(["sh", "-c", LAUNCHER, "sh", cls.cgroup, SYSTEMD, str(MANAGER_LIFETIME)],
                                           env=cls.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        cls.addClassCleanup(cls.stop_manager)
        deadline = time.monotonic() + 30
        while cls.manager_state() not in ("running", "degraded"):
            if cls.manager.poll() is not None:
                with open(cls.manager_log, encoding="utf-8") as log:
                    raise unittest.SkipTest("the user manager cannot start here: " + log.read().strip())
            assert time.monotonic() < deadline, "the user manager did not come up"
            time.sleep(0.1)

        cls.unit = os.path.join(cls.prefix, "lib", "systemd", "user", "letterbox.service")

    @classmethod
    def manager_state(cls):
        run = subprocess.run(["systemctl", "--user", "show", "--property=SystemState", "--value"], env=cls.env,
                             capture_output=True, text=True, timeout=TIMEOUT)
        return run.stdout.strip() if run.returncode == 0 else None

    @classmethod
    def stop_manager(cls):
        if cls.manager.poll() is None:
            cls.manager.send_signal(signal.SIGTERM)
            try:
                cls.manager.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cls.manager.kill()
                cls.manager.wait(timeout=30)

    @classmethod
    def remove_cgroup(cls):
        # What the manager started and left behind is in its cgroup; nothing else is.
        for path, dirs, _ in os.walk(cls.cgroup, topdown=False):
            with open(os.path.join(path, "cgroup.procs"), encoding="utf-8") as f:
                for pid in f.read().split():
                    os.kill(int(pid), signal.SIGKILL)
            deadline = time.monotonic() + 10
            while True:
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    @classmethod
    def systemctl(cls, *args, check=True):
        run = subprocess.run(["systemctl", "--user", *args], env=cls.env, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=TIMEOUT)
        if check:
            assert run.returncode == 0, "systemctl --user %s: %s" % (" ".join(args), run.stdout + run.stderr)
        return run

    def show(self):
        run = self.systemctl("show", "letterbox", "--property=ActiveState,SubState,Result,MainPID,NRestarts,"
                             "ExecMainCode,ExecMainStatus")
        return dict(line.split("=", 1) for line in run.stdout.splitlines())

    def configure(self, smtp_port, api_port):
        """The drop-in `systemctl --user edit letterbox` would write (packaging/README.md): the installed ExecStart with
        this test's ports and store; stdout, stderr and each run's end go to files of this test."""
        unit = configparser.ConfigParser(interpolation=None)
        unit.optionxform = str
        unit.read(self.unit, encoding="utf-8")
        argv = shlex.split(unit["Service"]["ExecStart"])
        self.assertEqual(os.path.basename(argv[0]), "letterbox")
        self.data = os.path.join(self.work, "data")
        self.stdout, self.stderr = os.path.join(self.work, "stdout"), os.path.join(self.work, "stderr")
        self.ends = os.path.join(self.work, "ends")
        self.argv = [os.path.join(self.prefix, "bin", "letterbox"), *argv[1:], "--smtp", "127.0.0.1:%d" % smtp_port,
                     "--api", "127.0.0.1:%d" % api_port, "--data", self.data]
        dropin = os.path.join(self.config, "systemd", "user", "letterbox.service.d")
        os.makedirs(dropin, exist_ok=True)
        with open(os.path.join(dropin, "test.conf"), "w", encoding="utf-8") as f:
            f.write("[Service]\nExecStart=\nExecStart=%s\n" % shlex.join(self.argv))
            f.write("StandardOutput=append:%s\nStandardError=append:%s\n" % (self.stdout, self.stderr))
            # $$ is a literal $ for systemd (systemd.service(5), "Command lines"): the shell expands these.
            f.write("ExecStopPost=/bin/sh -c 'echo \"$$SERVICE_RESULT $$EXIT_CODE $$EXIT_STATUS\" >> \"$$0\"' %s\n"
                    % self.ends)
        self.systemctl("daemon-reload")

    def read(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def run_ends(self):
        return self.read(self.ends).splitlines()

    def wait_listening(self, runs):
        """Waits for the API line of the runs-th start (every start prints its listening lines), and returns the main
        process, checked to run exactly the drop-in's command line."""
        wait_until(lambda: self.read(self.stdout).count("API listening on ") >= runs, "the listening lines")
        pid = int(self.show()["MainPID"])
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            self.assertEqual(f.read().split(b"\0")[:-1], [a.encode() for a in self.argv])
        return pid

    def setUp(self):
        work = tempfile.TemporaryDirectory(prefix="letterbox-service-run-")
        self.addCleanup(work.cleanup)
        self.work = work.name
        # As a package's unit would be found in lib/systemd/user; disable removes the link again.
        self.systemctl("link", self.unit)
        self.addCleanup(self.systemctl, "reset-failed", "letterbox", check=False)
        self.addCleanup(self.systemctl, "disable", "--now", "letterbox", check=False)

    def test_enable_stop_restart_and_crash(self):
        smtp_port, api_port = free_port(), free_port()
        self.configure(smtp_port, api_port)
        self.systemctl("enable", "--now", "letterbox")
        self.assertEqual(self.systemctl("is-enabled", "letterbox").stdout.strip(), "enabled")
        self.assertTrue(os.path.islink(os.path.join(self.config, "systemd", "user", "default.target.wants",
                                                    "letterbox.service")))
        first = self.wait_listening(1)
        self.assertIn("SMTP listening on 127.0.0.1:%d\n" % smtp_port, self.read(self.stdout))
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
            self.assertEqual(client.sendmail("a@example.test", ["b@example.test"],
                                             MESSAGE), {})
        self.assertEqual(api_subjects(api_port), ["kept by the service"])

        # Stop: SIGTERM (the unit's KillSignal), a clean exit 0, so the unit is inactive and not failed.
        self.systemctl("stop", "letterbox")
        self.assertFalse(self.is_letterbox(first))
        self.assertEqual(self.run_ends(), ["success exited 0"])
        self.assertEqual(self.systemctl("is-active", "letterbox", check=False).stdout.strip(), "inactive")
        self.assertNotEqual(self.systemctl("is-failed", "letterbox", check=False).returncode, 0)
        # Read from the store itself while nothing runs (the subject column is filled by a running Letterbox).
        with open_store(self.data) as db:
            self.assertEqual([split_trace(bytes(raw))[1] for (raw,) in db.execute("SELECT raw FROM message_data")],
                             [MESSAGE])

        # Start after the stop, then restart: each run ends with exit 0 and finds the message.
        self.systemctl("start", "letterbox")
        second = self.wait_listening(2)
        self.assertNotEqual(second, first)
        self.assertEqual(api_subjects(api_port), ["kept by the service"])
        self.systemctl("restart", "letterbox")
        third = self.wait_listening(3)
        self.assertNotEqual(third, second)
        self.assertEqual(self.run_ends(), ["success exited 0"] * 2)
        self.assertEqual(api_subjects(api_port), ["kept by the service"])

        # A crash: systemd sees the signal, which Restart=on-failure restarts, and the store keeps the message.
        restarts = int(self.show()["NRestarts"])
        os.kill(third, signal.SIGKILL)
        fourth = self.wait_listening(4)
        self.assertNotEqual(fourth, third)
        self.assertEqual(self.run_ends(), ["success exited 0"] * 2 + ["signal killed KILL"])
        state = self.show()
        self.assertEqual((state["ActiveState"], state["SubState"], int(state["NRestarts"])),
                         ("active", "running", restarts + 1))
        self.assertEqual(api_subjects(api_port), ["kept by the service"])

        self.systemctl("disable", "--now", "letterbox")
        self.assertEqual(self.run_ends()[-1], "success exited 0")
        self.assertFalse(os.path.lexists(os.path.join(self.config, "systemd", "user", "default.target.wants",
                                                      "letterbox.service")))

    def is_letterbox(self, pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return f.read().split(b"\0")[0] == self.argv[0].encode()
        except FileNotFoundError:
            return False

    def test_configuration_error_is_not_restarted(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            address = "127.0.0.1:%d" % busy.getsockname()[1]
            self.configure(busy.getsockname()[1], free_port())
            self.systemctl("start", "letterbox")
            wait_until(lambda: self.show()["ActiveState"] == "failed", "the unit to fail")
            # Well past RestartSec (100 ms by default, systemd.service(5)): a restart would have come by now.
            time.sleep(2)
            state = self.show()
            self.assertEqual((state["ActiveState"], state["Result"], state["ExecMainCode"], state["ExecMainStatus"],
                              state["NRestarts"]), ("failed", "exit-code", "1", "2", "0"))
            self.assertEqual(self.run_ends(), ["exit-code exited 2"])
            self.assertIn(address, self.read(self.stderr))


if __name__ == "__main__":
    unittest.main(verbosity=2)
