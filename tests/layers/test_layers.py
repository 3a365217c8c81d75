"""The core's layers (docs/architecture.md "Layers"): each core target links only what its layer may, the SMTP
protocol needs no Qt Network (its test binary does not load it), and the letterbox executable loads no Qt Gui,
Widgets or WebEngine. Reads what CMake generated (LETTERBOX_LAYERS) and the built binaries."""
import os
import re
import subprocess
import unittest

# The direct links each layer may have: its own layers below it, Qt modules, third-party libraries.
ALLOWED = {
    "letterbox_message": {"Qt6::Core"},
    "letterbox_mime": {"letterbox_message", "Qt6::Core", "PkgConfig::GMIME"},
    "letterbox_smtp": {"letterbox_message", "Qt6::Core"},
    "letterbox_net": {"letterbox_message", "Qt6::Core", "Qt6::Network"},
    "letterbox_smtpserver": {"letterbox_smtp", "letterbox_net"},
    "letterbox_store": {"letterbox_smtp", "letterbox_mime", "letterbox_message", "Qt6::Core", "PkgConfig::SQLITE3"},
    "letterbox_rules": {"letterbox_smtp", "Qt6::Core", "Qt6::Network"},
    "letterbox_settings": {"Qt6::Core"},
    "letterbox_mailbox": {"letterbox_rules", "letterbox_message", "letterbox_settings", "Qt6::Core", "Qt6::Network"},
    "letterbox_pop3": {"Qt6::Core"},
    "letterbox_imapmime": {"letterbox_imap", "letterbox_mime", "Qt6::Core", "PkgConfig::GMIME"},
    "letterbox_pop3server": {"letterbox_pop3", "letterbox_net", "letterbox_store", "letterbox_mailbox"},
    "letterbox_imap": {"Qt6::Core"},
    "letterbox_imapserver": {"letterbox_imap", "letterbox_imapmime", "letterbox_net", "letterbox_store",
                             "letterbox_mailbox", "letterbox_mime"},
    "letterbox_api": {"letterbox_store", "letterbox_relay", "letterbox_rules", "letterbox_mailbox", "letterbox_settings", "letterbox_mime", "Qt6::Network",
                      "Qt6::HttpServer", "Qt6::WebSockets", "PkgConfig::LIBXCRYPT"},
    "letterbox_service": {"letterbox_smtpserver", "letterbox_api", "letterbox_store", "letterbox_rules", "letterbox_settings",
                          "letterbox_relay", "letterbox_mailbox", "letterbox_pop3server",
                          "letterbox_imapserver"},
    "letterbox_tls": {"Qt6::Core", "Qt6::Network", "PkgConfig::LIBCRYPTO"},
    "letterbox_client": {"letterbox_mime", "letterbox_message", "letterbox_smtp", "Qt6::Core", "Qt6::Network"},
    "letterbox_relay": {"letterbox_client", "letterbox_store", "Qt6::Core"},
    "letterbox_pgstore": {"letterbox_store", "letterbox_message", "letterbox_settings", "Qt6::Core", "PkgConfig::LIBPQ"},
    # The desktop app's remote catcher (--attach): the store's interface over HTTP and the events WebSocket.
    "letterbox_remote": {"letterbox_store", "letterbox_settings", "Qt6::Core", "Qt6::Network", "Qt6::WebSockets"},
}
# What may appear nowhere but in the layers named (GMime: the MIME model and the IMAP FETCH renderer, both in
# core/mime).
ONLY_IN = {
    "PkgConfig::GMIME": {"letterbox_mime", "letterbox_imapmime"},
    "PkgConfig::SQLITE3": {"letterbox_store"},
    "Qt6::HttpServer": {"letterbox_api"},
    # The API serves /api/events; the remote store (--attach) is its client.
    "Qt6::WebSockets": {"letterbox_api", "letterbox_remote"},
    "PkgConfig::LIBCRYPTO": {"letterbox_tls"},
    "PkgConfig::LIBPQ": {"letterbox_pgstore"},
    # bcrypt of --api-auth: the API checks its passwords, nobody else.
    "PkgConfig::LIBXCRYPT": {"letterbox_api"},
}
GUI = re.compile(r"libQt6(Gui|Widgets|OpenGL|WebEngine\w*|Quick\w*|Qml\w*)\.so")


def read_layers():
    links = {}
    with open(os.environ["LETTERBOX_LAYERS"]) as f:
        for line in f:
            target, _, libraries = line.strip().partition("=")
            # $<LINK_ONLY:x> wraps a private dependency; it is still a link of the layer.
            items = [re.sub(r"^\$<LINK_ONLY:(.*)>$", r"\1", item) for item in libraries.split(";") if item]
            links[target] = set(items)
    return links


def closure(links, target):
    seen = set()
    todo = [target]
    while todo:
        for item in links.get(todo.pop(), ()):
            if item not in seen:
                seen.add(item)
                todo.append(item)
    return seen


class LayersTest(unittest.TestCase):
    def setUp(self):
        self.links = read_layers()

    def test_every_layer_links_only_what_it_may(self):
        # letterbox_remote exists only in a build with the desktop app.
        expected = set(ALLOWED) - ({"letterbox_remote"} - set(self.links))
        self.assertEqual(set(self.links), expected)
        for target, allowed in ALLOWED.items():
            if target not in expected:
                continue
            with self.subTest(target=target):
                self.assertLessEqual(self.links[target], allowed)

    def test_libraries_stay_in_their_layer(self):
        for library, layers in ONLY_IN.items():
            for target, items in self.links.items():
                if target not in layers:
                    with self.subTest(library=library, target=target):
                        self.assertNotIn(library, items)

    def test_the_protocol_layer_reaches_qt_core_only(self):
        for target in ("letterbox_message", "letterbox_smtp"):
            with self.subTest(target=target):
                qt = {item for item in closure(self.links, target) if item.startswith("Qt6::")}
                self.assertEqual(qt, {"Qt6::Core"})

    def test_no_layer_reaches_the_gui(self):
        for target in self.links:
            for item in closure(self.links, target):
                self.assertFalse(re.match(r"Qt6::(Gui|Widgets|WebEngine)", item), (target, item))

    def test_the_protocol_test_loads_no_qt_network(self):
        # tst_smtpsession links letterbox_smtp and Qt Test only: what the dynamic section asks for, and what the
        # loader brings in with it.
        binary = os.environ["LETTERBOX_PROTOCOL_TEST"]
        needed = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
        self.assertIn("libQt6Core.so", needed)
        self.assertNotIn("libQt6Network", needed)
        loaded = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
        self.assertNotIn("libQt6Network", loaded)
        self.assertNotIn("libsqlite3", loaded)
        self.assertNotIn("libgmime", loaded)

    def test_letterbox_loads_no_gui(self):
        loaded = subprocess.run(["ldd", os.environ["LETTERBOX_BIN"]], capture_output=True, text=True,
                                check=True).stdout
        self.assertIn("libQt6Network", loaded)
        self.assertIsNone(GUI.search(loaded), loaded)


if __name__ == "__main__":
    unittest.main(verbosity=2)
