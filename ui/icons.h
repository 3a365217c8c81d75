#pragma once

#include <QIcon>

// The app's icons: the desktop theme's (freedesktop names) where it has one, else our own SVGs (resources/icons,
// compiled in with Qt resources), which scale to any DPI.
class Icons
{
public:
    enum Name {
        App,
        Tray,
        Attachment,
        Unread,
        Follow,
        RemoteContent,
        Delete,
        Search,
        Export,
        Import,
        MarkRead,
        Settings,
        Pin
    };
    static QIcon icon(Name name);
};
