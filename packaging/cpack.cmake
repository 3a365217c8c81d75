# Packages made with CPack from a build (packaging/README.md "Debian packages"): `cpack -G DEB` makes two, split as
# qbittorrent and qbittorrent-nox are, and `cpack --config CPackSourceConfig.cmake` the source tarball.
#   letterbox-server  the install component "server": letterbox (command line, headless catcher, sendmail mode),
#                     letterbox-sendmail, the TLS module, the man page, the bash completion and the systemd user
#                     unit. It links Qt Core, Network, HttpServer and WebSockets only: no Gui, Widgets or WebEngine.
#   letterbox         the component "desktop": letterbox-desktop, its desktop entry, metainfo and icons; it depends
#                     on letterbox-server of the same version, whose letterbox opens it.
# Included at the end of the top-level CMakeLists.txt, after every install() rule, so that CPack sees every component.
include(GNUInstallDirs)

set(LETTERBOX_PACKAGE_MAINTAINER "Letterbox developers <letterbox@example.org>" CACHE STRING
    "The Maintainer of the Debian packages (Name <address>), also named in their changelog")

if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Each package carries its copyright statement and changelog in /usr/share/doc/PACKAGE (Debian Policy 12.5 and
    # 12.7); the version is native (no Debian revision), so the changelog is changelog.gz, compressed with gzip -9n
    # so that it is the same in every build.
    configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${CMAKE_BINARY_DIR}/packaging/changelog @ONLY)
    execute_process(COMMAND gzip -9 -n -c ${CMAKE_BINARY_DIR}/packaging/changelog
        OUTPUT_FILE ${CMAKE_BINARY_DIR}/packaging/changelog.gz COMMAND_ERROR_IS_FATAL ANY)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/letterbox-server COMPONENT server)
    if(LETTERBOX_GUI)
        install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/letterbox COMPONENT desktop)
    endif()
endif()

set(CPACK_PACKAGE_NAME letterbox)
# Each package's synopsis is the first line of its description below; an empty summary keeps CPack from putting the
# project's description ("A desktop mail catcher") before it.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGE_VENDOR "The Letterbox developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${LETTERBOX_PACKAGE_MAINTAINER}")
# The binary packages install under the configured prefix (configure with -DCMAKE_INSTALL_PREFIX=/usr for Debian
# packages: the systemd unit names bin/letterbox under it); the source tarball keeps the tree at its top.
file(CONFIGURE OUTPUT cpack-options.cmake CONTENT [[
if(NOT CPACK_GENERATOR MATCHES "TGZ|TXZ|ZIP")
    set(CPACK_PACKAGING_INSTALL_PREFIX "@CMAKE_INSTALL_PREFIX@")
endif()
]] @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/cpack-options.cmake)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL server)
if(LETTERBOX_GUI)
    list(APPEND CPACK_COMPONENTS_ALL desktop)
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
if(LETTERBOX_HOMEPAGE_URL)
    set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${LETTERBOX_HOMEPAGE_URL})
endif()

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME letterbox-server)
if(LETTERBOX_POSTGRESQL)
    # --store postgresql://… loads libpq when it connects (core/pgstore's PgLibrary), so dpkg-shlibdeps cannot see it.
    set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "libpq5")
endif()
set(CPACK_COMPONENT_SERVER_DESCRIPTION "mail catcher for developers - headless server
Letterbox stands in for a mail server while you develop and test: point an
application's SMTP settings at it and it accepts every message (or refuses
the ones you choose, to test error handling), keeps it on disk and never
delivers it. A Mailpit-compatible REST API and WebSocket serve what it
caught to tests and tools.
.
This package holds the letterbox command and the headless catcher
(letterbox --headless), with STARTTLS and SMTPS, rules, release and
auto-relay through a real SMTP server, a sendmail replacement
(letterbox-sendmail) and a systemd user unit. It needs no graphical
libraries, for CI machines and team servers. The desktop app is in the
package letterbox.")
if(LETTERBOX_GUI)
    set(CPACK_DEBIAN_DESKTOP_PACKAGE_NAME letterbox)
    set(CPACK_COMPONENT_DESKTOP_DEPENDS server)
    set(CPACK_COMPONENT_DESKTOP_DESCRIPTION "mail catcher for developers - desktop app
Letterbox stands in for a mail server while you develop and test: point an
application's SMTP settings at it and it accepts every message (or refuses
the ones you choose, to test error handling), keeps it on disk and never
delivers it.
.
This package holds the desktop app: a window that shows each message as
the recipient would see it (HTML with remote content blocked until asked
for) and as it went over the wire (source, headers, MIME parts, envelope
and the whole SMTP session), with search, rules, release to a real
mailbox and a composer. It runs the catcher of letterbox-server in the
same process.")
endif()

set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_PACKAGE_FILE_NAME letterbox-${PROJECT_VERSION})
# The tarball is the tracked tree: no version control, build directories (build, build-test, build-sanitize, …),
# editor files or Python caches.
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/\\\\.git$" "/build[^/]*/" "/__pycache__/" "\\\\.pyc$" "~$" "\\\\.swp$"
    "/\\\\.cache/" "/\\\\.vscode/" "/\\\\.idea/")

include(CPack)
