"""The other platforms, honestly (issue 14): Letterbox is built and run on Linux only, and the code that would not
build or behave the same on macOS or Windows is kept to a named list of files, each behind a platform guard.

The scan reads every C++ source of core/, app/, ui/ and tools/ (bench/ and tests/ are built only with
LETTERBOX_BUILD_TESTS, which the other platforms' workflow turns off) with its comments and string literals set apart,
and looks for what is Linux-only or POSIX-only: POSIX and Linux headers (<unistd.h>, <fcntl.h>, <sys/...>,
<csignal>, <pwd.h>, <mach-o/...>, <windows.h>, ...), calls (accept4, socketpair, readlink, execv, getrlimit,
posix_fallocate, sigaction, getpwuid, fsync, epoll, inotify, prctl, dlopen, malloc_trim, and open/close/read/write/
send/recv when called as ::name), constants (SOCK_CLOEXEC, MSG_NOSIGNAL, O_CLOEXEC, F_DUPFD_CLOEXEC, STDIN_FILENO,
RLIMIT_*, ENONET, SIGPIPE, PATH_MAX, ssize_t, ...), and /proc/, /sys/ or /dev/ paths in string literals.

Such a use fails the test when it is in a file that ALLOWED below does not name, and also, in a named file, when it is
not inside a platform guard. A guard is a branch of `#if`, `#elif` or `#ifdef` whose condition names one of Qt's
Q_OS_LINUX, Q_OS_UNIX, Q_OS_MACOS, Q_OS_DARWIN or Q_OS_WIN (or the compilers' __linux__, __APPLE__, _WIN32) without
`!` before it; an `#else` branch and `#ifndef` are not guards, since that is what the other platforms compile. Where
a platform has no working branch yet, an `#error` names what its port must provide, never a stub (checked for the
entries that say "#error until then"). Qt's Q_OS_*
macros exist only once a Qt header is included, so a file that tests one before any `#include <Q...>` fails too (an
undefined macro would silently take the other branch on Linux as well). An entry of ALLOWED whose file has no such use
any more fails, so the list stays the list of places a port must visit.

The self-checks feed the same scanner synthetic sources (an unguarded accept4 must be reported), so the test can fail.
The second part reads the Flatpak manifest and the Windows/macOS workflow (neither is built or run here) with
python3-yaml and checks what must agree with the rest of the tree: the application id, the command, the sandbox's
permissions, and that every -D option the workflow passes exists."""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANNED = ("core", "app", "ui", "tools")
SOURCE_SUFFIXES = (".cpp", ".h", ".c", ".hpp", ".mm")

# One line per file: why it has platform code, and what a Windows or macOS port must supply there.
ALLOWED = {
    "core/net/networker.cpp":
        "accepts clients with accept4() (Linux) or accept()+fcntl() (macOS, other Unixes), refuses them with send() when"
        " out of descriptors, keeps /dev/null descriptors in reserve; Windows: Winsock accept(), ioctlsocket(FIONBIO),"
        " WSAGetLastError() codes and another reserve (#error until then); macOS: builds as is",
    "core/net/netconnection.cpp":
        "reads what a client sent early with recv(MSG_DONTWAIT) and moves a plain connection onto a QSslSocket with"
        " fcntl(F_DUPFD_CLOEXEC); Windows: recv() and WSADuplicateSocket() (#error until then); macOS: builds as is",
    "core/service/resourcelimits.cpp":
        "raises RLIMIT_NOFILE with getrlimit()/setrlimit(); macOS: capped at OPEN_MAX as setrlimit(2) requires;"
        " Windows: nothing to raise (sockets are handles, no per-process soft limit), returns the maximum",
    "core/store/sqlitewriter.cpp":
        "allocates the 8 MB free-space reserve with posix_fallocate() on Linux; macOS (no posix_fallocate) and Windows:"
        " write the zeros through QFile instead, already in place",
    "core/api/apiserver.cpp":
        "reads the resident set for GET /api/v1/info from /proc/self/statm on Linux; macOS (task_info()) and Windows"
        " (GetProcessMemoryInfo()): RuntimeStats.Memory is 0, unknown, until a port reads those",
    "app/signalwatcher.cpp":
        "turns SIGINT/SIGTERM into a Qt signal with sigaction() and a socketpair() self-pipe, ignores SIGPIPE; macOS:"
        " the same with fcntl() for the flags; Windows: SetConsoleCtrlHandler() posted to the main thread (#error until"
        " then)",
    "app/sendmailmode.cpp":
        "reads standard input unbuffered with read(2) and the login name with getpwuid(geteuid()); macOS: builds as is;"
        " Windows: _read() on a binary-mode stdin and %USERNAME% (#error until then)",
    "app/main.cpp":
        "finds itself with /proc/self/exe (Linux) or _NSGetExecutablePath() (macOS) and execv()s letterbox-desktop in"
        " the same process; Windows has no such exec: CreateProcess() and wait, or letterbox-desktop as the Start-menu"
        " program (#error until then)",
    "app/tlscertificatesource.cpp":
        "finds the TLS module beside the executable through /proc/self/exe on Linux; macOS and Windows:"
        " QCoreApplication::applicationDirPath(), already in place",
}

GUARD_MACROS = ("Q_OS_LINUX", "Q_OS_UNIX", "Q_OS_MACOS", "Q_OS_DARWIN", "Q_OS_WIN", "__linux__", "__APPLE__", "_WIN32")

PLATFORM_HEADER = re.compile(
    r"^(unistd\.h|fcntl\.h|sys/.+|signal\.h|csignal|pwd\.h|grp\.h|dlfcn\.h|malloc\.h|poll\.h|netinet/.+|arpa/.+"
    r"|netdb\.h|dirent\.h|termios\.h|spawn\.h|pthread\.h|syslog\.h|linux/.+|mach/.+|mach-o/.+|CoreFoundation/.+"
    r"|windows\.h|winsock2?\.h|ws2tcpip\.h|io\.h|process\.h)$")

# Calls by a name only the platform has; `name(`, not a member (`.name(`, `->name(`, `Class::name(`).
PLATFORM_CALL = re.compile(
    r"(?<![\w.])(?<!->)(?<!\w::)(?:::)?"
    r"(accept4|socketpair|setsockopt|getsockopt|readlink|realpath|exec[lv]p?e?|fork|vfork|waitpid|posix_\w+"
    r"|fallocate|fsync|fdatasync|getrlimit|setrlimit|sigaction|sigemptyset|sigprocmask|getpwuid|getpwnam|geteuid"
    r"|getuid|getpid|malloc_trim|mallinfo2?|epoll_\w+|inotify_\w+|prctl|dlopen|dlsym|mmap|munmap|sysconf|ioctl"
    r"|isatty|pipe2|_NSGetExecutablePath|SetConsoleCtrlHandler|CreateProcess\w*|GetModuleFileName\w*)\s*\(")
# Names that Qt classes have too (QIODevice::close, QTcpServer::listen...): platform calls only as ::name(.
GLOBAL_CALL = re.compile(
    r"(?<![\w>)\]])::(open|close|read|write|send|recv|accept|fcntl|pipe|dup2?|kill|stat|lstat|fstat|unlink|rename"
    r"|select|poll|connect|bind|listen|socket|shutdown)\s*\(")
SIGNAL_CALL = re.compile(r"(?<![\w.])(?<!->)(?<!\w::)(?:::)?signal\s*\(\s*SIG")
PLATFORM_NAME = re.compile(
    r"\b(SOCK_CLOEXEC|SOCK_NONBLOCK|O_CLOEXEC|O_NONBLOCK|O_RDONLY|O_WRONLY|O_RDWR|O_CREAT|FD_CLOEXEC|F_[A-Z][A-Z_]+"
    r"|MSG_NOSIGNAL|MSG_DONTWAIT|SO_NOSIGPIPE|STD(?:IN|OUT|ERR)_FILENO|RLIMIT_\w+|RLIM_INFINITY|rlim_t|rlimit|ENONET"
    r"|SIGPIPE|SIGHUP|SIGCHLD|SIGKILL|SA_RESTART|AF_UNIX|PATH_MAX|OPEN_MAX|ssize_t|passwd|WSA\w+)\b")
PLATFORM_PATH = re.compile(r"(?:^|[^\w.])/(proc|sys|dev)/")

CONDITIONAL = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(.*)$")
INCLUDE = re.compile(r"^\s*#\s*include\s*([<\"])([^>\"]+)[>\"]")
DIRECTIVE = re.compile(r"^\s*#")
QT_HEADER = re.compile(r"^(Q|qglobal\.h$|qtglobal)")


def splice_lines(text):
    """The source's logical lines (a backslash at the end of a line joins the next, C++ [lex.phases] 2), each with
    the number of its first physical line."""
    lines = []
    pending, start = "", None
    for number, line in enumerate(text.split("\n"), 1):
        if start is None:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        lines.append((start, pending + line))
        pending, start = "", None
    if start is not None:
        lines.append((start, pending))
    return lines


def separate(text):
    """The text with comments and the contents of string and character literals blanked (newlines kept), and each
    string literal's contents with the index of its logical line. Knows raw strings (R"x(...)x") and digit
    separators (1'000)."""
    code, strings = [], []
    i, n, line = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            code.append(c)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            code.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            code.append("".join(ch if ch == "\n" else " " for ch in text[i:end]))
            line += text.count("\n", i, end)
            i = end
        elif c == '"' and re.search(r"(?:^|[^\w])(?:u8|u|U|L)?R$", text[max(0, i - 3):i]):
            open_paren = text.index("(", i)
            closing = ")" + text[i + 1:open_paren] + '"'
            end = text.index(closing, open_paren) + len(closing)
            strings.append((line, text[open_paren + 1:end - len(closing)]))
            code.append('"' + "".join(ch if ch == "\n" else " " for ch in text[i + 1:end - 1]) + '"')
            line += text.count("\n", i, end)
            i = end
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                strings.append((line, text[i + 1:j]))
            code.append(c + " " * (j - i - 1) + (c if j < n and text[j] == c else ""))
            i = j + 1 if j < n and text[j] == c else j
        else:
            code.append(c)
            i += 1
    return "".join(code), strings


def is_guard(kind, condition):
    if kind in ("ifdef", "elifdef"):
        return condition.strip() in GUARD_MACROS
    if kind not in ("if", "elif"):
        return False
    for macro in GUARD_MACROS:
        for found in re.finditer(r"\b%s\b" % re.escape(macro), condition):
            before = condition[:found.start()]
            if not re.search(r"!\s*(?:defined\s*\(?\s*)?$", before):
                return True
    return False


def scan(text):
    """The platform-specific uses of one source as (line, what, guarded), and the problems that are not uses
    (a Q_OS_ macro tested before a Qt header) as (line, message)."""
    logical = splice_lines(text)
    code, strings = separate("\n".join(line for _, line in logical))
    code_lines = code.split("\n")
    strings_by_line = {}
    for index, value in strings:
        strings_by_line.setdefault(index, []).append(value)
    uses, problems = [], []
    stack = []  # one flag per open conditional: is its current branch a guard?
    qt_included = False
    for index, (number, original) in enumerate(logical):
        stripped = code_lines[index] if index < len(code_lines) else ""
        guarded = any(stack)
        include = INCLUDE.match(original)
        conditional = CONDITIONAL.match(stripped)
        if include:
            header = include.group(2)
            if include.group(1) == "<" and QT_HEADER.match(header):
                qt_included = True
            if include.group(1) == "<" and PLATFORM_HEADER.match(header):
                uses.append((number, "#include <%s>" % header, guarded))
            continue
        if conditional:
            kind, condition = conditional.group(1), conditional.group(2)
            if "Q_OS_" in condition and not qt_included:
                problems.append((number, "tests a Q_OS_ macro before any Qt header defines it"))
            if kind in ("if", "ifdef", "ifndef"):
                stack.append(is_guard(kind, condition))
            elif kind in ("elif", "elifdef", "elifndef"):
                if stack:
                    stack[-1] = is_guard(kind, condition)
            elif kind == "else":
                if stack:
                    stack[-1] = False
            elif stack:
                stack.pop()
            continue
        if DIRECTIVE.match(stripped):
            continue  # #error, #define, #pragma: their text is a message or a name, not a use
        for pattern in (PLATFORM_CALL, GLOBAL_CALL, SIGNAL_CALL, PLATFORM_NAME):
            for found in pattern.finditer(stripped):
                uses.append((number, found.group(0).strip(), guarded))
        for value in strings_by_line.get(index, []):
            if PLATFORM_PATH.search(value):
                uses.append((number, '"%s"' % value, guarded))
    return uses, problems


def findings(path, text, allowed):
    """What is wrong with one source, as readable lines."""
    uses, problems = scan(text)
    out = ["%s:%d: %s" % (path, number, message) for number, message in problems]
    for number, what, guarded in uses:
        if path not in allowed:
            out.append("%s:%d: %s in a file that tests/interop/test_portability.py does not allow" % (path, number, what))
        elif not guarded:
            out.append("%s:%d: %s outside a platform guard (#if defined(Q_OS_LINUX) / Q_OS_UNIX / ...)" %
                       (path, number, what))
    return out


def sources():
    for top in SCANNED:
        for directory, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    path = os.path.join(directory, name)
                    yield os.path.relpath(path, ROOT)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


class ScannerSelfCheckTest(unittest.TestCase):
    """The scanner on synthetic sources: what it must report, and what it must leave alone."""

    QT = "#include <QtGlobal>\n"

    def check(self, text, allowed=("x.cpp",)):
        return findings("x.cpp", text, set(allowed))

    def test_an_unguarded_accept4_is_reported(self):
        text = self.QT + "int f(int s)\n{\n    return ::accept4(s, nullptr, nullptr, 0);\n}\n"
        problems = self.check(text)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("x.cpp:4: ::accept4(", problems[0])
        self.assertIn("outside a platform guard", problems[0])

    def test_a_guarded_accept4_passes_only_in_an_allowed_file(self):
        text = self.QT + "#if defined(Q_OS_LINUX)\nint f(int s) { return accept4(s, nullptr, nullptr, 0); }\n#endif\n"
        self.assertEqual(self.check(text), [])
        problems = self.check(text, allowed=())
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("does not allow", problems[0])

    def test_else_ifndef_and_negations_are_not_guards(self):
        for condition in ("#if defined(Q_OS_LINUX)\n#else\n", "#ifndef Q_OS_WIN\n", "#if !defined(Q_OS_WIN)\n",
                          "#if !Q_OS_WIN\n", "#if defined(LETTERBOX_DESKTOP_EXECUTABLE)\n"):
            with self.subTest(condition=condition):
                text = self.QT + condition + "const int fd = ::accept4(s, nullptr, nullptr, 0);\n#endif\n"
                self.assertEqual(len(self.check(text)), 1, condition)

    def test_nesting_elif_and_ifdef_guards(self):
        text = (self.QT + "#ifdef LETTERBOX_X\n#if defined(Q_OS_UNIX) && !defined(Q_OS_LINUX)\nint a = ::accept(s, 0, 0);"
                "\n#elif defined(__linux__)\nint b = ::accept4(s, 0, 0, 0);\n#else\n#error \"accept4 needed\"\n#endif\n"
                "#endif\n#ifdef Q_OS_MACOS\n#include <mach-o/dyld.h>\n#endif\nint c = ::close(3);\n")
        problems = self.check(text)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("x.cpp:14: ::close(", problems[0])

    def test_headers_constants_and_proc_paths_are_uses(self):
        text = (self.QT + "#include <unistd.h>\n#include <sys/resource.h>\nssize_t n = 0;\nint f = O_CLOEXEC;\n"
                "QFile statm(QStringLiteral(\"/proc/self/statm\"));\nsignal(SIGPIPE, SIG_IGN);\n")
        problems = self.check(text)
        for expected in ("x.cpp:2: #include <unistd.h>", "x.cpp:3: #include <sys/resource.h>", "x.cpp:4: ssize_t",
                         "x.cpp:5: O_CLOEXEC", 'x.cpp:6: "/proc/self/statm"', "x.cpp:7: signal(SIG",
                         "x.cpp:7: SIGPIPE"):
            self.assertTrue(any(p.startswith(expected) for p in problems), (expected, problems))
        self.assertEqual(len(problems), 7, problems)

    def test_comments_strings_members_and_qt_names_are_not_uses(self):
        text = (self.QT + "// accept4() and socketpair() are Linux's; /proc/self/exe too\n"
                "/* ::close(fd) in a\n   block comment: execv() */\n"
                "const char help[] = R\"(Exit codes (sysexits.h): see fork() and ::read(0, b, 1))\";\n"
                "QString s = QStringLiteral(\"posix_fallocate(fd)\");\nchar c = '\\\"';\n"
                "file.close(); socket->close(); QIODevice::close(); m_server->listen(); Server::read(1);\n"
                "int x = 1'000'000; const char *p = \"a/proc/b\";\nemit signalled(3);\n")
        self.assertEqual(self.check(text), [])

    def test_a_q_os_macro_before_any_qt_header_is_reported(self):
        text = "#include \"x.h\"\n#if defined(Q_OS_LINUX)\nint a;\n#endif\n"
        problems = self.check(text)
        self.assertEqual(problems, ["x.cpp:2: tests a Q_OS_ macro before any Qt header defines it"])
        self.assertEqual(self.check("#include <QObject>\n" + text), [])

    def test_continued_error_lines_are_not_uses(self):
        text = (self.QT + "#if defined(Q_OS_UNIX)\nint a;\n#else\n#error \"a port must replace socketpair() and \\\n"
                "read(2) with ::read(0, b, 1) elsewhere\"\n#endif\n")
        self.assertEqual(self.check(text), [])


class PortabilityTest(unittest.TestCase):
    """The tree itself."""

    def test_platform_code_only_in_allowed_files_and_behind_guards(self):
        problems = []
        for path in sources():
            problems.extend(findings(path, read(path), ALLOWED))
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_every_allowed_file_still_has_platform_code(self):
        for path in ALLOWED:
            with self.subTest(path=path):
                self.assertTrue(os.path.isfile(os.path.join(ROOT, path)), path + " does not exist")
                uses, _ = scan(read(path))
                self.assertTrue(uses, path + " has no platform code any more: take it off ALLOWED")

    def test_every_allowed_file_says_what_windows_and_macos_need(self):
        for path, why in ALLOWED.items():
            with self.subTest(path=path):
                self.assertIn("Windows", why)
                self.assertIn("macOS", why)

    def test_a_windows_port_is_stopped_by_an_error_not_a_stub(self):
        """The files whose entry says "#error until then" have one in a branch Windows takes, naming what the port
        must provide; the others have none and build as described."""
        for path, why in ALLOWED.items():
            with self.subTest(path=path):
                logical = [line for _, line in splice_lines(read(path))]
                errors = [line for line in logical if re.match(r"^\s*#\s*error\b", line)]
                if "#error until then" in why:
                    self.assertTrue(any("port must" in line for line in errors), path)
                else:
                    self.assertEqual(errors, [], path)


try:
    import yaml
except ImportError:
    yaml = None

FLATPAK_MANIFEST = os.path.join(ROOT, "packaging", "flatpak", "io.github.letterbox.Letterbox.yml")
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "other-platforms.yml")
METAINFO = os.path.join(ROOT, "packaging", "io.github.letterbox.Letterbox.metainfo.xml.in")


@unittest.skipIf(yaml is None, "python3-yaml is not installed")
class OtherPlatformFilesTest(unittest.TestCase):
    """The Flatpak manifest and the Windows/macOS workflow, which are not built or run here, against the tree."""

    @staticmethod
    def load(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text, yaml.safe_load(text)

    def test_flatpak_manifest(self):
        text, manifest = self.load(FLATPAK_MANIFEST)
        self.assertIn("not built here", text.split("\n\n")[0].lower())
        with open(METAINFO, encoding="utf-8") as f:
            app_id = re.search(r"<id>([^<]+)</id>", f.read()).group(1)
        self.assertEqual(manifest["id"], app_id)
        self.assertEqual(manifest["runtime"], "org.kde.Platform")
        self.assertEqual(manifest["sdk"], "org.kde.Sdk")
        self.assertEqual(manifest["base"], "io.qt.qtwebengine.BaseApp")
        self.assertEqual(str(manifest["base-version"]), str(manifest["runtime-version"]))
        self.assertEqual(manifest["command"], "letterbox")
        args = manifest["finish-args"]
        for needed in ("--share=network", "--socket=wayland", "--socket=fallback-x11"):
            self.assertIn(needed, args)
        broad = [a for a in args if re.match(r"--filesystem=(host|home|/)", a)]
        self.assertEqual(broad, [], "the store lives in the app's own data directory")
        modules = {m["name"]: m for m in manifest["modules"] if isinstance(m, dict)}
        self.assertIn("gmime", modules)
        self.assertIn("qtkeychain", modules)
        letterbox = modules["letterbox"]
        self.assertIs(manifest["modules"][-1], letterbox, "the app is built last, on its dependencies")
        self.assertEqual(letterbox["buildsystem"], "cmake-ninja")
        self.assertIn("-DLETTERBOX_BUILD_TESTS=OFF", letterbox["config-opts"])
        for module in modules.values():
            for source in module.get("sources", []):
                if source.get("type") == "archive":
                    self.assertRegex(source.get("sha256", ""), r"^[0-9a-f]{64}$", module["name"])

    def test_workflow(self):
        text, workflow = self.load(WORKFLOW)
        self.assertIn("not run here", text.split("\n\n")[0].lower())
        self.assertIn("tests/interop/test_portability.py", text.split("\n\n")[0])
        runners = set()
        for job in workflow["jobs"].values():
            runs_on = job["runs-on"]
            if isinstance(runs_on, str) and "matrix" in runs_on:
                runners.update(entry["os"] for entry in job["strategy"]["matrix"]["include"])
            else:
                runners.add(runs_on)
        self.assertTrue({"windows-latest", "macos-latest"} <= runners, runners)
        self.assertIn("jurplel/install-qt-action", text)
        self.assertIn("cpack", text)
        with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
            options = set(re.findall(r"option\((\w+)", f.read()))
        passed = set(re.findall(r"-D(LETTERBOX_\w+)=", text))
        self.assertIn("LETTERBOX_BUILD_TESTS", passed)
        self.assertEqual(passed - options, set(), "options the top-level CMakeLists.txt does not have")


if __name__ == "__main__":
    unittest.main()
