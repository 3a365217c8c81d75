#include "numberedresources.h"

#include <QDir>

std::map<int, QString> NumberedResources::in(const QString &directory, const QString &nameFilter)
{
    std::map<int, QString> found;
    const QDir dir(directory);
    for (const QString &name : dir.entryList({ nameFilter }, QDir::Files, QDir::Name)) {
        bool ok = false;
        const int number = name.section(u'-', 0, 0).toInt(&ok);
        if (ok && number > 0) {
            found.emplace(number, dir.filePath(name));
        }
    }
    return found;
}
