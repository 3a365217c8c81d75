#include "icons.h"

#include <QHash>

// Resources compiled into a static library must be registered by name, outside any namespace.
static void initLetterboxResources()
{
    Q_INIT_RESOURCE(letterbox);
}

QIcon Icons::icon(Name name)
{
    static const bool resources = (initLetterboxResources(), true);
    Q_UNUSED(resources)
    static QHash<int, QIcon> cache;
    const auto cached = cache.constFind(name);
    if (cached != cache.constEnd()) {
        return *cached;
    }
    auto own = [](const char *file) {
        return QIcon(QStringLiteral(":/icons/%1.svg").arg(QLatin1String(file)));
    };
    QIcon icon;
    switch (name) {
    case App:
        icon = own("letterbox");
        break;
    case Tray:
        icon = own("tray");
        break;
    case Attachment:
        icon = QIcon::fromTheme(QStringLiteral("mail-attachment"), own("attachment"));
        break;
    case Unread:
        icon = own("unread");
        break;
    case Follow:
        // The newest row selected (newest are on top): the themes' arrows (go-bottom, go-top) read as Download
        // and Upload.
        icon = own("follow");
        break;
    case RemoteContent:
        icon = QIcon::fromTheme(QStringLiteral("image-x-generic"), own("remote"));
        break;
    case Delete:
        icon = QIcon::fromTheme(QStringLiteral("edit-delete"));
        break;
    case Search:
        icon = QIcon::fromTheme(QStringLiteral("edit-find"));
        break;
    case Export:
        icon = QIcon::fromTheme(QStringLiteral("document-save-as"));
        break;
    case Import:
        icon = QIcon::fromTheme(QStringLiteral("document-open"));
        break;
    case MarkRead:
        icon = QIcon::fromTheme(QStringLiteral("mail-mark-read"));
        break;
    case Settings:
        icon = QIcon::fromTheme(QStringLiteral("preferences-system"));
        break;
    case Pin:
        // freedesktop's naming spec has no pin: ours everywhere, so the mark looks the same in every theme.
        icon = own("pin");
        break;
    }
    cache.insert(name, icon);
    return icon;
}
