"""Desktop integration as installed: `cmake --install` of this build into a fresh prefix holds the programs with the
letterbox-sendmail link, the man page gzipped (and letterbox-sendmail.1.gz), the bash completion under both names, and, in a
build with the desktop app, letterbox.desktop, the AppStream metainfo and the hicolor icons, all under one id. The
desktop entry passes desktop-file-validate and the metainfo `appstreamcli validate --no-net` (errors and warnings
fail; hints and pedantic notes do not), both as installed and with the web addresses a packager gives, whose
screenshots must be files of docs/screenshots of the size the metainfo declares. The systemd user unit runs the
configured bin/letterbox --headless, is stopped with SIGTERM (a clean exit 0, test_commandline.py), restarted on
failure, and passes `systemd-analyze verify` with its man: documentation found in the installed man page."""
import configparser
import gzip
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("LETTERBOX_BUILD_DIR", os.path.join(ROOT, "build"))
GUI = os.environ.get("LETTERBOX_GUI", "1") != "0"
APP_ID = "io.github.letterbox.Letterbox"
MANPAGE = os.path.join(ROOT, "docs", "letterbox.1")
METAINFO_TEMPLATE = os.path.join(ROOT, "packaging", APP_ID + ".metainfo.xml.in")
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
TIMEOUT = 120


def png_size(path):
    """Width and height from a PNG's IHDR chunk (PNG specification, 11.2.2)."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


class DesktopFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="letterbox-install-")
        cls.prefix = os.path.join(cls.tmp.name, "usr")
        run = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], capture_output=True, text=True,
                             timeout=TIMEOUT)
        assert run.returncode == 0, run.stdout + run.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def installed(self, *parts):
        return os.path.join(self.prefix, *parts)

    def assertLink(self, path, target):
        self.assertTrue(os.path.islink(path), path)
        self.assertEqual(os.readlink(path), target)
        self.assertTrue(os.path.exists(path), path)

    def desktop_file_validate(self, path):
        tool = shutil.which("desktop-file-validate")
        if tool is None:
            self.skipTest("desktop-file-validate is not installed (Debian: desktop-file-utils)")
        run = subprocess.run([tool, path], capture_output=True, text=True, timeout=TIMEOUT)
        problems = [line for line in (run.stdout + run.stderr).splitlines() if not re.search(r": hint: ", line)]
        self.assertEqual((run.returncode, problems), (0, []))

    def appstream_validate(self, path):
        tool = shutil.which("appstreamcli")
        if tool is None:
            self.skipTest("appstreamcli is not installed (Debian: appstream)")
        run = subprocess.run([tool, "validate", "--no-net", path], capture_output=True, text=True, timeout=TIMEOUT)
        problems = [line for line in run.stdout.splitlines() if re.match(r"^[EW]: ", line)]
        self.assertEqual((run.returncode, problems), (0, []), run.stdout + run.stderr)

    def test_programs_man_page_and_completion(self):
        self.assertTrue(os.access(self.installed("bin", "letterbox"), os.X_OK))
        self.assertLink(self.installed("bin", "letterbox-sendmail"), "letterbox")
        man1 = self.installed("share", "man", "man1")
        # Compressed with gzip -9n (Debian Policy 12.1), the page itself and not a copy that could differ.
        with gzip.open(os.path.join(man1, "letterbox.1.gz"), "rb") as page, open(MANPAGE, "rb") as source:
            self.assertEqual(page.read(), source.read())
        self.assertLink(os.path.join(man1, "letterbox-sendmail.1.gz"), "letterbox.1.gz")
        if GUI:
            self.assertLink(os.path.join(man1, "letterbox-desktop.1.gz"), "letterbox.1.gz")
        completions = self.installed("share", "bash-completion", "completions")
        with open(os.path.join(completions, "letterbox"), encoding="utf-8") as f:
            self.assertIn("complete -F _letterbox_sendmail letterbox-sendmail", f.read())
        self.assertLink(os.path.join(completions, "letterbox-sendmail"), "letterbox")

    def test_systemd_user_unit(self):
        installed = self.installed("lib", "systemd", "user", "letterbox.service")
        unit = configparser.ConfigParser(interpolation=None)
        unit.optionxform = str
        unit.read(installed, encoding="utf-8")
        cache = {}
        with open(os.path.join(BUILD, "CMakeCache.txt"), encoding="utf-8") as f:
            for line in f:
                match = re.match(r"^(CMAKE_INSTALL_PREFIX|CMAKE_INSTALL_BINDIR):\w+=(.*)$", line)
                if match:
                    cache[match.group(1)] = match.group(2)
        bindir = os.path.join(cache["CMAKE_INSTALL_PREFIX"], cache["CMAKE_INSTALL_BINDIR"])
        self.assertEqual(unit["Service"]["ExecStart"], os.path.join(bindir, "letterbox") + " --headless")
        self.assertEqual(unit["Service"]["KillSignal"], "SIGTERM")
        self.assertEqual(unit["Service"]["Restart"], "on-failure")
        self.assertEqual(unit["Install"]["WantedBy"], "default.target")
        self.assertEqual(unit["Unit"]["Documentation"], "man:letterbox(1)")

        tool = shutil.which("systemd-analyze")
        if tool is None:
            self.skipTest("systemd-analyze is not installed (Debian: systemd)")
        # The unit names the configured prefix; verify checks that ExecStart is executable, so the copy it checks
        # runs the binary installed in this test's prefix instead. verify reports a bad setting on stderr and still
        # exits 0: any output fails. A system manager reads user units the same way (--user needs a user session).
        with open(installed, encoding="utf-8") as f:
            text = f.read()
        copy = os.path.join(self.tmp.name, "letterbox.service")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text.replace("ExecStart=" + os.path.join(bindir, "letterbox"),
                                 "ExecStart=" + self.installed("bin", "letterbox")))
        run = subprocess.run([tool, "verify", copy], capture_output=True, text=True, timeout=TIMEOUT,
                             env=dict(os.environ, MANPATH=self.installed("share", "man")))
        self.assertEqual((run.returncode, run.stdout + run.stderr), (0, ""))

    def test_desktop_entry(self):
        if not GUI:
            self.skipTest("a -DLETTERBOX_GUI=OFF build installs no desktop app")
        installed = self.installed("share", "applications", "letterbox.desktop")
        self.desktop_file_validate(installed)
        entry = configparser.ConfigParser(interpolation=None)
        entry.optionxform = str
        entry.read(installed, encoding="utf-8")
        group = entry["Desktop Entry"]
        self.assertEqual(group["Type"], "Application")
        # The program of the desktop package (lintian: desktop-command-not-in-package), which `letterbox` execs.
        self.assertEqual(group["Exec"], "letterbox-desktop")
        self.assertEqual(group["Icon"], APP_ID)
        # X11 matches a window to its entry by WM_CLASS, whose class Qt takes from the application name.
        self.assertEqual(group["StartupWMClass"], "letterbox")
        self.assertTrue({"Development", "Network", "Email"} <= set(group["Categories"].rstrip(";").split(";")))

    def test_icons(self):
        if not GUI:
            self.skipTest("a -DLETTERBOX_GUI=OFF build installs no desktop app")
        hicolor = self.installed("share", "icons", "hicolor")
        svg = os.path.join(hicolor, "scalable", "apps", APP_ID + ".svg")
        self.assertEqual(ET.parse(svg).getroot().tag, "{http://www.w3.org/2000/svg}svg")
        for size in ICON_SIZES:
            with self.subTest(size=size):
                self.assertEqual(png_size(os.path.join(hicolor, f"{size}x{size}", "apps", APP_ID + ".png")),
                                 (size, size))

    def test_metainfo_as_installed(self):
        if not GUI:
            self.skipTest("a -DLETTERBOX_GUI=OFF build installs no desktop app")
        installed = self.installed("share", "metainfo", APP_ID + ".metainfo.xml")
        self.appstream_validate(installed)
        root = ET.parse(installed).getroot()
        self.assertEqual(root.get("type"), "desktop-application")
        self.assertEqual(root.findtext("id"), APP_ID)
        self.assertEqual(root.find("launchable").attrib, {"type": "desktop-id"})
        self.assertEqual(root.findtext("launchable"), "letterbox.desktop")
        self.assertIn("letterbox", [b.text for b in root.iter("binary")])
        self.assertEqual(root.find("content_rating").get("type"), "oars-1.1")
        version = subprocess.run([self.installed("bin", "letterbox"), "--version"], capture_output=True, text=True,
                                 timeout=TIMEOUT).stdout
        # The newest release is the version this build reports (a version bump needs its release element).
        self.assertEqual(root.find("releases/release").get("version"), version.split()[-1])

    def test_metainfo_with_web_addresses(self):
        # What a packager who publishes docs/screenshots installs (LETTERBOX_HOMEPAGE_URL, LETTERBOX_SCREENSHOTS_URL).
        with open(METAINFO_TEMPLATE, encoding="utf-8") as f:
            text = f.read()
        text = (text.replace("@LETTERBOX_HOMEPAGE_URL@", "https://letterbox.example/")
                .replace("@LETTERBOX_SCREENSHOTS_URL@", "https://letterbox.example/screenshots"))
        self.assertNotRegex(text, r"@[A-Z_]+@")
        path = os.path.join(self.tmp.name, APP_ID + ".metainfo.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.appstream_validate(path)
        images = list(ET.parse(path).getroot().iter("image"))
        self.assertGreaterEqual(len(images), 1)
        for image in images:
            name = image.text.rsplit("/", 1)[1]
            with self.subTest(screenshot=name):
                self.assertEqual(png_size(os.path.join(ROOT, "docs", "screenshots", name)),
                                 (int(image.get("width")), int(image.get("height"))))


if __name__ == "__main__":
    unittest.main(verbosity=2)
