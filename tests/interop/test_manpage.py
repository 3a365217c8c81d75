"""The man page and the bash completion against the real binary: every option that `letterbox --help` and
`letterbox sendmail --help` list is an item of letterbox(1) (OPTIONS and SENDMAIL MODE) and is offered by the
completion, and nothing else is, so that an option added, renamed or removed later fails here until both follow. The
page renders with groff's warnings on and none is printed, and bash sources the completion file and completes
option names and the values the README lists for --relay-tls, --auth and --api. Its title names the version the
binary reports."""
import os
import re
import shutil
import subprocess
import unittest

from harness import BINARY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANPAGE = os.path.join(ROOT, "docs", "letterbox.1")
COMPLETION = os.path.join(ROOT, "packaging", "completion", "letterbox.bash")
TIMEOUT = 20
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def help_options(*args):
    """The options of a --help text: the first column of each line that starts an option ("  -x, --long <ARG>  ...");
    description lines are indented further, so an option they mention is not taken."""
    run = subprocess.run([BINARY, *args, "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 0, run.stderr
    options = set()
    for line in run.stdout.splitlines():
        if re.match(r"^  -", line):
            options.update(OPTION.findall(re.split(r"\s{2,}", line.strip())[0]))
    return options


def manpage_items(section):
    """The options named in the tags of the .TP items of one .SH section of the roff source."""
    with open(MANPAGE, encoding="utf-8") as f:
        lines = f.read().splitlines()
    options = set()
    current = None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            current = line[4:].strip().strip('"')
        elif current == section and line == ".TP" and i + 1 < len(lines):
            tag = re.sub(r"\\f[BIRP]", "", lines[i + 1].replace("\\-", "-"))
            tag = re.sub(r"^\.[A-Z]+\s*", "", tag)
            options.update(OPTION.findall(tag))
    return options


def complete(*words, name="letterbox"):
    """What the completion registered for NAME offers with the cursor on the last word (bash's COMP_WORDS and
    COMP_CWORD, as readline sets them), one candidate per line."""
    script = (
        'source "$1"; shift\n'
        'spec=$(complete -p "$1") || exit 3; shift\n'
        'function=$(sed -n "s/.* -F \\([^ ]*\\) .*/\\1/p" <<<"$spec")\n'
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}\n'
        '"$function" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n')
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", COMPLETION, name, *words],
                         capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return {line for line in run.stdout.splitlines() if line}


class ManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.options = help_options()
        cls.sendmail_options = help_options("sendmail")

    def test_help_is_parsed(self):
        # A --help this test could not read would make every comparison below vacuous.
        self.assertGreaterEqual(len(self.options), 20)
        self.assertTrue({"-h", "--help", "--version", "--headless", "--relay-tls", "--relay-matching"} <= self.options)
        self.assertTrue({"--smtp", "-t", "-f", "-r", "-F", "-i", "-oi", "-bm", "-odi", "-oem"} <= self.sendmail_options)

    def test_every_option_in_man_page(self):
        self.assertEqual(manpage_items("OPTIONS"), self.options)
        self.assertEqual(manpage_items("SENDMAIL MODE"), self.sendmail_options)

    def test_man_page_names_this_version(self):
        version = subprocess.run([BINARY, "--version"], capture_output=True, text=True, timeout=TIMEOUT).stdout
        with open(MANPAGE, encoding="utf-8") as f:
            title = f.readline()
        self.assertRegex(title, r'^\.TH LETTERBOX 1 "[0-9-]+" "Letterbox ([0-9.]+)"')
        self.assertEqual(re.search(r'"Letterbox ([0-9.]+)"', title).group(1), version.split()[-1])

    def test_man_page_renders_without_warnings(self):
        groff = shutil.which("groff")
        if groff is None:
            self.skipTest("groff is not installed (Debian: groff-base)")
        run = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", MANPAGE], capture_output=True, text=True,
                             timeout=TIMEOUT)
        self.assertEqual(run.returncode, 0)
        self.assertEqual(run.stderr, "")

    def test_every_option_completed(self):
        self.assertEqual(complete("letterbox", "-"), self.options)
        self.assertEqual(complete("letterbox", "sendmail", "-"), self.sendmail_options)
        self.assertEqual(complete("letterbox-sendmail", "-", name="letterbox-sendmail"), self.sendmail_options)

    def test_completion_of_names_and_values(self):
        self.assertEqual(complete("letterbox", "--rel"), {o for o in self.options if o.startswith("--rel")})
        self.assertEqual(complete("letterbox", "--relay-tls", ""), {"off", "starttls", "tls"})
        self.assertEqual(complete("letterbox", "--relay-tls", "st"), {"starttls"})
        # --auth: any, off or a credentials file (README "Command line").
        self.assertTrue({"any", "off", "resources", "README.md"} <= complete("letterbox", "--auth", ""))
        self.assertEqual(complete("letterbox", "--api", ""), {"off"})
        self.assertEqual(complete("letterbox", "--rules", "docs/letterbox."), {"docs/letterbox.1"})
        self.assertEqual(complete("letterbox", "--data", "doc"), {"docs"})
        self.assertEqual(complete("letterbox", "send"), {"sendmail"})
        # A value the user types (an address, a sender) is not completed from the option list.
        self.assertEqual(complete("letterbox", "--smtp", ""), set())
        self.assertEqual(complete("letterbox", "sendmail", "-f", ""), set())


if __name__ == "__main__":
    unittest.main(verbosity=2)
