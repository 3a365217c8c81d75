"""letterbox --headless is the server alone (README "Command line"; docs/architecture.md "Headless and desktop"):
the running process maps no Qt Gui, Widgets or WebEngine library, before and after it took mail and served the API,
and stays small while idle."""
import os
import re
import smtplib
import time
import unittest
import urllib.request

from harness import Letterbox

GUI = re.compile(r"/libQt6(Gui|Widgets|OpenGL|WebEngine\w*|Quick\w*|Qml\w*)\.so")
# docs/benchmarks.md "Headless memory": about 16 MB idle, with the API on (the default) or off; the bar is 20 MB.
IDLE_RSS_LIMIT_KB = 20 * 1024
# The TLS library: Qt HttpServer's constructor loads it (docs/benchmarks.md), so the API makes its HTTP server only
# when a client connects; no listener here has TLS.
TLS = re.compile(r"/lib(ssl|crypto)\.so")


def mapped_libraries(pid):
    with open("/proc/%d/maps" % pid) as f:
        return {line.split()[-1] for line in f if ".so" in line}


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class HeadlessTest(unittest.TestCase):
    def test_maps_no_gui_library(self):
        with Letterbox() as server:
            pid = server.proc.pid
            libraries = mapped_libraries(pid)
            self.assertTrue(any("libQt6Network" in lib for lib in libraries), libraries)
            self.assertEqual([lib for lib in libraries if GUI.search(lib)], [])
            with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
                client.sendmail("a@example.test", ["b@example.test"], b"Subject: hi\r\n\r\n<b>html?</b>\r\n")
            with urllib.request.urlopen(server.api_url + "/api/v1/messages", timeout=10) as response:
                self.assertEqual(response.status, 200)
            self.assertEqual([lib for lib in mapped_libraries(pid) if GUI.search(lib)], [])
            self.assertEqual(server.stop(), 0)

    @unittest.skipIf(os.environ.get("LETTERBOX_SANITIZED") == "1", "sanitizers' shadow memory")
    def test_idle_resident_memory(self):
        with Letterbox(api="off") as server:
            time.sleep(1)
            self.assertLess(rss_kb(server.proc.pid), IDLE_RSS_LIMIT_KB)

    @unittest.skipIf(os.environ.get("LETTERBOX_SANITIZED") == "1", "sanitizers' shadow memory")
    def test_idle_resident_memory_with_the_api_on(self):
        with Letterbox() as server:
            time.sleep(1)
            self.assertEqual([lib for lib in mapped_libraries(server.proc.pid) if TLS.search(lib)], [])
            self.assertLess(rss_kb(server.proc.pid), IDLE_RSS_LIMIT_KB)
            # The API answers as before once its HTTP server is made.
            with urllib.request.urlopen(server.api_url + "/api/v1/messages", timeout=10) as response:
                self.assertEqual(response.status, 200)
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
