"""A private PostgreSQL for the tests (docs/architecture.md "PostgreSQL store").

initdb into a temporary directory, the server on a free port of 127.0.0.1 (listen_addresses is that address only)
and a Unix-socket directory of its own, so that it meets no other server on the machine (Debian's postgresql
package runs a cluster of its own on 5432; it is neither used nor needed). Stopped, and the directory removed, at
the end, also when the test fails.

initdb and the server refuse to run as root, and CI runs the suite as root: there they run as the unprivileged
user `nobody`, which owns the temporary directory. The server is a child of this process (not started with
pg_ctl, which would detach it) and gets SIGQUIT if this process dies, so a test killed by CTest's timeout leaves
no server behind.

The superuser `letterbox` has a random password and the server asks for it over TCP (SCRAM), as a real
deployment does.

As a module:  with PgServer() as pg: ... pg.url, pg.password, pg.env()
As a program: pgserver.py COMMAND [ARG...] runs COMMAND with LETTERBOX_TEST_PGURL (the server's `postgres`
              database), LETTERBOX_TEST_PGSOCKETS (its Unix-socket directory) and PGPASSWORD set, and exits with
              its status. A test that checks what happens when the database goes away (a restart) signals this
              process, whose id is LETTERBOX_TEST_PGSERVER_PID: SIGUSR1 stops the server (fast shutdown: every
              client is disconnected), SIGUSR2 starts it again on the same port and data; each returns once done.
              A test waits for the effect by connecting.
"""
import ctypes
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("LETTERBOX_PG_BIN", "/usr/lib/postgresql/15/bin")
USER = "letterbox"
READY_TIMEOUT = 30
STOP_TIMEOUT = 15
PR_SET_PDEATHSIG = 1


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    # Runs in the child after it changed user (a change of user clears the setting, prctl(2)).
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)


class PgServer:
    def __init__(self, durable=False, directory=None):
        # durable: fsync on, as a real deployment runs (the benchmarks); the tests need not survive a crash.
        self.durable = durable
        self.parent = directory
        self.dir = None
        self.process = None
        self.port = None
        self.password = secrets.token_hex(16)
        self.log_path = None
        self.sockets = None
        # As root: the server runs as nobody (initdb: "cannot be run as root").
        self.account = pwd.getpwnam("nobody") if os.geteuid() == 0 else None

    @property
    def url(self):
        return "postgresql://%s@127.0.0.1:%d/postgres" % (USER, self.port)

    def env(self):
        env = dict(os.environ)
        env["LETTERBOX_TEST_PGURL"] = self.url
        env["LETTERBOX_TEST_PGSOCKETS"] = self.sockets
        env["PGPASSWORD"] = self.password
        return env

    def _run_as(self):
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def _own(self, path):
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def start(self):
        for tool in ("initdb", "postgres", "pg_isready"):
            if not os.access(os.path.join(BIN, tool), os.X_OK):
                raise RuntimeError("%s/%s is missing: install Debian's postgresql package "
                                   "(packaging/letterbox-dev deps --test)" % (BIN, tool))
        self.dir = tempfile.mkdtemp(prefix="letterbox-pg-", dir=self.parent)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        self._own(self.dir)
        data = os.path.join(self.dir, "data")
        sockets = self.sockets = os.path.join(self.dir, "sockets")
        os.mkdir(sockets, 0o700)
        self._own(sockets)
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        self._own(pwfile)
        self.log_path = os.path.join(self.dir, "server.log")
        # C locale: ASCII case folding, as SQLite's NOCASE and the schema's lower(name COLLATE "C").
        subprocess.run([os.path.join(BIN, "initdb"), "-D", data, "-U", USER, "--pwfile", pwfile, "-E", "UTF8",
                        "--locale=C", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                       cwd=self.dir, **self._run_as())
        last_error = None
        for _ in range(3):
            self.port = free_port()
            try:
                self._launch()
                return
            except RuntimeError as e:
                # Most likely the port was taken between choosing and binding it: another port.
                last_error = e
                self._stop_process()
        raise last_error

    def _launch(self):
        log = open(self.log_path, "ab")
        self._own(self.log_path)
        # fsync off unless durable: a throwaway server need not survive the machine's crash, and the suite shares
        # its disk. max_connections: the team-store tests run three instances, each with a writer, readers and a
        # listener.
        self.process = subprocess.Popen(
            [os.path.join(BIN, "postgres"), "-D", os.path.join(self.dir, "data"), "-p", str(self.port),
             "-k", self.sockets, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=%s" % ("on" if self.durable else "off"),
             "-c", "max_connections=100", "-c", "shared_buffers=%s" % ("128MB" if self.durable else "32MB")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir,
            preexec_fn=die_with_parent, **self._run_as())
        log.close()
        self._wait_ready()

    def pause(self):
        """Stops the server, keeping its data and port (a database restart, as a test sees it)."""
        self._stop_process()

    def resume(self):
        """Starts the server paused again, on the same port and data."""
        if self.process is None:
            self._launch()

    def psql(self, sql, database="postgres"):
        """Runs sql with psql as the superuser; returns its output (unaligned, tuples only)."""
        result = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                 "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database, "-c", sql],
                                env=dict(os.environ, PGPASSWORD=self.password), capture_output=True, text=True,
                                timeout=60)
        if result.returncode != 0:
            raise RuntimeError("psql: %s" % result.stderr)
        return result.stdout.strip()

    def url_of(self, database):
        return "postgresql://%s@127.0.0.1:%d/%s" % (USER, self.port, database)

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("postgres exited with %s:\n%s" % (self.process.returncode, self.log_tail()))
            # Asked through the private socket directory: another server that took the port cannot answer.
            ready = subprocess.run([os.path.join(BIN, "pg_isready"), "-q", "-h", self.sockets, "-p", str(self.port),
                                    "-t", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres not ready after %d s:\n%s" % (READY_TIMEOUT, self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def _stop_process(self):
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        # SIGINT: fast shutdown (clients disconnected, then a clean stop); SIGQUIT when that is not done in time.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def stop(self):
        self._stop_process()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main(argv):
    if not argv:
        print("usage: pgserver.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    # CTest's timeout and an interrupted run end this process with SIGTERM or SIGINT: stop the server first.
    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    with PgServer() as pg:
        print("pgserver: PostgreSQL at %s (data in %s)" % (pg.url, pg.dir), flush=True)
        # The handlers only take the requests down; they are carried out here in order, one at a time (a handler
        # may run inside another, so doing the work there could start the server before it has stopped).
        requests = []
        signal.signal(signal.SIGUSR1, lambda signum, frame: requests.append(pg.pause))
        signal.signal(signal.SIGUSR2, lambda signum, frame: requests.append(pg.resume))
        env = pg.env()
        env["LETTERBOX_TEST_PGSERVER_PID"] = str(os.getpid())
        child = subprocess.Popen(argv, env=env)
        while True:
            while requests:
                requests.pop(0)()
            try:
                status = child.wait(0.05)
                break
            except subprocess.TimeoutExpired:
                pass
        if status != 0:
            print("pgserver: %s exited with %d; the server's log ends:\n%s" % (argv[0], status, pg.log_tail()),
                  flush=True)
        return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
